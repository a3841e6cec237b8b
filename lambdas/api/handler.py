"""API Gateway -> the Archive-IO REST API (archive_io.api)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.api import logger, resolve


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(event, context)
