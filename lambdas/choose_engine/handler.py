"""The engine task of archival_flow: {"run_id", "table_name"} -> {"engine", "reason"}."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.runtime import Runtime
from archive_io.settings import get_settings
from archive_io.tables.engine import choose_table_engine

logger = Logger(service="archive-io-choose-engine")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str | None]:
    table = choose_table_engine(Runtime(get_settings()), event["run_id"], event["table_name"])
    return {"engine": table.engine.value if table.engine else None, "reason": table.engine_reason}
