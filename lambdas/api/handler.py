"""API Gateway -> the Archive-IO REST API (archive_io.api)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from archive_io.api import app, logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
