"""restore_flow's steps: {"step": "request_thaw" | "check_thawed" | "extract" | "failed", "restore_id", "error"?}.

request_thaw and check_thawed answer {"restore_id", "thawed", "thawing"}; extract and failed
answer the notice the flow publishes ({"topic_arn", "subject", "message", "attributes"}).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.files import restore
from archive_io.runtime import Runtime
from archive_io.settings import get_settings

logger = Logger(service="archive-io-restore-files")


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    runtime, restore_id = Runtime(get_settings()), event["restore_id"]
    match event["step"]:
        case "request_thaw":
            return restore.request_thaw(runtime, restore_id)
        case "check_thawed":
            return restore.check_thawed(runtime, restore_id)
        case "extract":
            return restore.extract(runtime, restore_id)
        case "failed":
            return restore.failed(runtime, restore_id, event.get("error") or {})
        case step:
            raise ValueError(f"unknown step {step!r}")
