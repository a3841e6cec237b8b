"""boto3 clients and catalog properties for one runtime's settings.

Off AWS (the embedded platform) `settings.endpoint_url` points every client and pyiceberg at
the emulation; in AWS it is unset and the SDK's defaults apply.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from archive_io.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_batch import BatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient

# A pool for the bundler's parallel reads (botocore's default is 10); locally, several bundle jobs share it.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, s3={"addressing_style": "path"}, max_pool_connections=64
)


class AwsClients:
    """Lazily built, cached clients for one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _client(self, service: str) -> Any:
        return _client(service, self.settings.region, self.settings.endpoint_url)

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self._client("dynamodb")  # type: ignore[no-any-return]

    @property
    def s3(self) -> S3Client:
        return self._client("s3")  # type: ignore[no-any-return]

    @property
    def sns(self) -> SNSClient:
        return self._client("sns")  # type: ignore[no-any-return]

    @property
    def stepfunctions(self) -> SFNClient:
        return self._client("stepfunctions")  # type: ignore[no-any-return]

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        return self._client("secretsmanager")  # type: ignore[no-any-return]

    @property
    def glue(self) -> GlueClient:
        return self._client("glue")  # type: ignore[no-any-return]

    @property
    def lambda_(self) -> LambdaClient:
        return self._client("lambda")  # type: ignore[no-any-return]

    @property
    def batch(self) -> BatchClient:
        return self._client("batch")  # type: ignore[no-any-return]

    @property
    def iam(self) -> IAMClient:
        return self._client("iam")  # type: ignore[no-any-return]


@cache
def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    # boto3 clients are thread-safe; sessions are not, so each client gets its own session.
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=region,
        endpoint_url=endpoint_url,
        config=_CONFIG,
    )


def catalog_properties(settings: Settings) -> dict[str, str]:
    """pyiceberg properties of the archive catalog: the Glue Data Catalog over the warehouse bucket."""
    props = {
        "type": "glue",
        "glue.region": settings.region,
        "s3.region": settings.region,
        "warehouse": f"s3://{settings.warehouse_bucket}/",
    }
    if settings.endpoint_url:
        # The emulation: explicit endpoint and the static test credentials of this process.
        props |= {
            "glue.endpoint": settings.endpoint_url,
            "s3.endpoint": settings.endpoint_url,
            "s3.force-virtual-addressing": "false",
            "glue.access-key-id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            "glue.secret-access-key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            "s3.access-key-id": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            "s3.secret-access-key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        }
    return props
