"""The embedded platform: emulated AWS, the real state machines, our handlers, the API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType

import yaml

from archive_io.aws.clients import AwsClients, catalog_properties
from archive_io.local import emulator
from archive_io.local.api_gateway import LocalApiGateway
from archive_io.local.resources import local_settings, provision
from archive_io.names import ResourceNames
from archive_io.settings import Settings

ENV = "local"
REGION = "us-east-1"
# The emulation accepts any credentials; these are what every local client and pyiceberg use.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
SETTINGS_FILE = "settings.json"


def served_settings(state_dir: Path) -> dict[str, str] | None:
    """The environment a CLI command needs to reach the platform `archive-io serve` runs from `state_dir`."""
    path = state_dir / SETTINGS_FILE
    if not path.is_file():
        return None
    values: dict[str, str] = json.loads(path.read_text())
    return values | {"AWS_DEFAULT_REGION": REGION}


class LocalPlatform:
    """Start with `with LocalPlatform(state_dir, port) as platform:`; one per process."""

    def __init__(
        self, state_dir: Path, port: int = 0, thaw_seconds: int = 0, spark_min_rows: int | None = None
    ) -> None:
        self.state_dir = state_dir
        self._port = port
        self._thaw_seconds = thaw_seconds
        self._spark_min_rows = spark_min_rows
        self.names = ResourceNames(ENV)
        self.router = emulator.TaskRouter()
        self._moto = emulator.MotoServer()
        self._api: LocalApiGateway | None = None
        self.settings: Settings | None = None

    @property
    def api_url(self) -> str:
        if self._api is None:
            raise RuntimeError("the platform is not started")
        return f"http://127.0.0.1:{self._api.port}"

    def start(self) -> LocalPlatform:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        emulator.install(self.router)
        emulator.set_thaw_seconds(self._thaw_seconds)
        endpoint = self._moto.start()
        settings = local_settings(self.names, REGION, endpoint).model_copy(
            # Spark has no S3 client here (no AWS SDK jar): its jobs write a Hadoop catalog on disk
            update={
                "spark_min_rows": self._spark_min_rows,
                "spark_catalog": "hadoop",
                "spark_warehouse": str(self.state_dir / "spark-warehouse"),
            }
        )
        # Lambda handlers read their settings from the environment, as in AWS; here the
        # environment is this process's.
        os.environ.update(LOCAL_CREDENTIALS | {"AWS_DEFAULT_REGION": REGION} | settings.as_mapping())
        provision(AwsClients(settings), self.names, self.router)
        self.settings = settings
        self.write_pyiceberg_config()
        self.write_settings()
        self._api = LocalApiGateway(
            lambda event: self.router.invoke_lambda(self.names.function("api"), event), self._port
        )
        self._api.start()
        return self

    def write_pyiceberg_config(self) -> Path:
        """`PYICEBERG_HOME=<state_dir>` then `load_catalog("archive")` opens the archive from any Python."""
        assert self.settings is not None
        path = self.state_dir / ".pyiceberg.yaml"
        path.write_text(yaml.safe_dump({"catalog": {self.settings.catalog_name: catalog_properties(self.settings)}}))
        return path

    def write_settings(self) -> Path:
        """The platform's settings, so that CLI commands (`archive-io validate`) reach this platform."""
        assert self.settings is not None
        path = self.state_dir / SETTINGS_FILE
        path.write_text(json.dumps(self.settings.as_mapping() | LOCAL_CREDENTIALS, indent=2))
        return path

    def stop(self) -> None:
        if self._api is not None:
            self._api.stop()
        self._moto.stop()

    def __enter__(self) -> LocalPlatform:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
