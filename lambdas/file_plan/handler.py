"""file_archive_flow's plan task: {"run_id"} -> {"run_id", "bundles": [1, 2, ...]}."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.files.archival import plan_run
from archive_io.runtime import Runtime
from archive_io.settings import get_settings

logger = Logger(service="archive-io-file-plan")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return plan_run(Runtime(get_settings()), event["run_id"])
