"""The runtime settings: one frozen object per runtime, loaded once.

Lambda functions read them from their environment, Glue jobs from their job arguments
(`--ARCHIVE_IO_RUNS_TABLE value`); both use the same keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archive_io.names import ICEBERG_CATALOG

ENV = "ARCHIVE_IO_ENV"
REGION = "AWS_REGION"
ENDPOINT_URL = "ARCHIVE_IO_ENDPOINT_URL"
RUNS_TABLE = "ARCHIVE_IO_RUNS_TABLE"
LOCKS_TABLE = "ARCHIVE_IO_LOCKS_TABLE"
PURGES_TABLE = "ARCHIVE_IO_PURGES_TABLE"
FILE_INDEX_TABLE = "ARCHIVE_IO_FILE_INDEX_TABLE"
RESTORES_TABLE = "ARCHIVE_IO_RESTORES_TABLE"
FILES_BUCKET = "ARCHIVE_IO_FILES_BUCKET"
RESTORED_BUCKET = "ARCHIVE_IO_RESTORED_BUCKET"
WAREHOUSE_BUCKET = "ARCHIVE_IO_WAREHOUSE_BUCKET"
REPORTS_BUCKET = "ARCHIVE_IO_REPORTS_BUCKET"
CONFIG_BUCKET = "ARCHIVE_IO_CONFIG_BUCKET"
NOTIFICATIONS_TOPIC_ARN = "ARCHIVE_IO_NOTIFICATIONS_TOPIC_ARN"
ARCHIVAL_FLOW_ARN = "ARCHIVE_IO_ARCHIVAL_FLOW_ARN"
PURGE_FLOW_ARN = "ARCHIVE_IO_PURGE_FLOW_ARN"
FILE_ARCHIVE_FLOW_ARN = "ARCHIVE_IO_FILE_ARCHIVE_FLOW_ARN"
RESTORE_FLOW_ARN = "ARCHIVE_IO_RESTORE_FLOW_ARN"
CONNECTION_SECRET_PREFIX = "ARCHIVE_IO_CONNECTION_SECRET_PREFIX"  # noqa: S105 (a variable name)
SPARK_MIN_ROWS = "ARCHIVE_IO_SPARK_MIN_ROWS"
SPARK_MIN_BYTES = "ARCHIVE_IO_SPARK_MIN_BYTES"
SPARK_CATALOG = "ARCHIVE_IO_SPARK_CATALOG"
SPARK_WAREHOUSE = "ARCHIVE_IO_SPARK_WAREHOUSE"

_KEYS = {
    "env": ENV,
    "region": REGION,
    "endpoint_url": ENDPOINT_URL,
    "runs_table": RUNS_TABLE,
    "locks_table": LOCKS_TABLE,
    "purges_table": PURGES_TABLE,
    "file_index_table": FILE_INDEX_TABLE,
    "restores_table": RESTORES_TABLE,
    "files_bucket": FILES_BUCKET,
    "restored_bucket": RESTORED_BUCKET,
    "warehouse_bucket": WAREHOUSE_BUCKET,
    "reports_bucket": REPORTS_BUCKET,
    "config_bucket": CONFIG_BUCKET,
    "notifications_topic_arn": NOTIFICATIONS_TOPIC_ARN,
    "archival_flow_arn": ARCHIVAL_FLOW_ARN,
    "purge_flow_arn": PURGE_FLOW_ARN,
    "file_archive_flow_arn": FILE_ARCHIVE_FLOW_ARN,
    "restore_flow_arn": RESTORE_FLOW_ARN,
    "connection_secret_prefix": CONNECTION_SECRET_PREFIX,
    "spark_min_rows": SPARK_MIN_ROWS,
    "spark_min_bytes": SPARK_MIN_BYTES,
    "spark_catalog": SPARK_CATALOG,
    "spark_warehouse": SPARK_WAREHOUSE,
}


class SettingsError(RuntimeError):
    """The runtime's configuration is missing a key or has a bad value."""


class Settings(BaseModel):
    """Where this runtime's resources are. `endpoint_url` is set only off AWS (the embedded platform)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: str
    region: str
    runs_table: str
    locks_table: str
    purges_table: str
    file_index_table: str
    restores_table: str
    files_bucket: str
    restored_bucket: str
    warehouse_bucket: str
    reports_bucket: str
    config_bucket: str
    notifications_topic_arn: str
    archival_flow_arn: str
    purge_flow_arn: str
    file_archive_flow_arn: str
    restore_flow_arn: str
    connection_secret_prefix: str
    endpoint_url: str | None = None
    catalog_name: str = ICEBERG_CATALOG
    # The Spark engine takes a table whose source statistics reach either threshold; unset, never.
    spark_min_rows: int | None = Field(default=None, ge=0)
    spark_min_bytes: int | None = Field(default=None, ge=0)
    # Where the Spark jobs' Iceberg catalog is: the Glue Data Catalog over the warehouse bucket in
    # AWS; a Hadoop catalog in `spark_warehouse` where Spark cannot reach S3 (the embedded platform).
    spark_catalog: Literal["glue", "hadoop"] = "glue"
    spark_warehouse: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        """Settings from environment-variable style keys (ARCHIVE_IO_RUNS_TABLE...)."""
        present = {field: values[key] for field, key in _KEYS.items() if values.get(key)}
        try:
            return cls(**present)
        except ValidationError as exc:
            missing = [_KEYS.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors()]
            raise SettingsError(f"missing or invalid settings: {', '.join(missing)}") from None

    def as_mapping(self) -> dict[str, str]:
        """The inverse of from_mapping: what a runtime's environment or job arguments carry."""
        return {key: str(getattr(self, field)) for field, key in _KEYS.items() if getattr(self, field)}


@cache
def get_settings() -> Settings:
    """This process's settings, read from its environment on first use."""
    return Settings.from_mapping(os.environ)
