"""Named connections kept in Secrets Manager: the URL with its credentials lives only there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from archive_io.contracts import ConnectionInfo, ConnectionRequest

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


class UnknownConnectionError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"connection {name!r} is not registered; register it with POST /connections")
        self.name = name


class ConnectionRepository:
    def __init__(self, secretsmanager: SecretsManagerClient, prefix: str) -> None:
        self._sm = secretsmanager
        self._prefix = prefix

    def _secret_id(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def put(self, request: ConnectionRequest) -> ConnectionInfo:
        """Create or replace the connection's secret; answers what may be shown of it."""
        url = request.url.get_secret_value()
        info = ConnectionInfo.from_url(request.name, url)
        secret_id = self._secret_id(request.name)
        try:
            self._sm.put_secret_value(SecretId=secret_id, SecretString=url)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            self._sm.create_secret(
                Name=secret_id,
                SecretString=url,
                Description=f"Archive-IO source connection {request.name} ({info.engine})",
                Tags=[{"Key": "archive-io:engine", "Value": info.engine}],
            )
        return info

    def url(self, name: str) -> str:
        """The connection URL, credentials included: pass it to a source, never to a log."""
        try:
            return self._sm.get_secret_value(SecretId=self._secret_id(name))["SecretString"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise UnknownConnectionError(name) from None
            raise
