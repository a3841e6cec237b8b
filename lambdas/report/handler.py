"""The report task of archival_flow and file_archive_flow: {"run_id", "error"?} -> {"verdict", "report_key"}."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.reports.runs import build_report
from archive_io.runtime import Runtime
from archive_io.settings import get_settings

logger = Logger(service="archive-io-report")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return build_report(Runtime(get_settings()), event["run_id"], event.get("error"))
