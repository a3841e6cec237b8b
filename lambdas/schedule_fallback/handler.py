"""The scheduled fallback (EventBridge schedule): archive the onboarded tables whose rows are due.

{"time": "<the scheduled time>", ...} -> {"day", "started": [{"run_id", "table"}], "problems": [...]}.
Idempotent per day: the same day's schedule firing again starts nothing new.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.runtime import Runtime
from archive_io.settings import get_settings
from archive_io.tables.onboarding import run_schedule

logger = Logger(service="archive-io-schedule-fallback")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00")) if "time" in event else datetime.now(UTC)
    result = run_schedule(Runtime(get_settings()), fired)
    logger.info("schedule fallback ran", extra={"started": len(result["started"]), "problems": result["problems"]})
    return result
