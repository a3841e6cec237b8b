"""The scheduled fallback (EventBridge schedule): archive the onboarded tables whose rows are due
and the onboarded file prefixes whose archival was not triggered.

{"time": "<the scheduled time>", ...} -> {"day", "started": [{"run_id", "table" | "prefix"}],
"already_started": [...], "problems": [...]}. Idempotent per day: firing again starts nothing new.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.runtime import Runtime
from archive_io.schedule import run_fallback
from archive_io.settings import get_settings

logger = Logger(service="archive-io-schedule-fallback")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00")) if "time" in event else datetime.now(UTC)
    result = run_fallback(Runtime(get_settings()), fired)
    logger.info("schedule fallback ran", extra={"started": len(result["started"]), "problems": result["problems"]})
    return result
