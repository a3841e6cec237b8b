"""An onboarded source database (seed 001): which tables age out, after how long, kept how long."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from archive_io.contracts.archival import ConnectionName, Email, Name

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=128)]


def _mapping(text: str, what: str, fields: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} is a YAML mapping ({fields})")
    return data


class OnboardedTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    date_column: ColumnName = Field(description="Rows whose value here is older than archive_after_days are due.")
    archive_after_days: int = Field(ge=1, le=36500)
    purge_source: bool = Field(default=False, description="Delete the archived rows from the source once validated.")


class Onboarding(BaseModel):
    """The YAML file of one source database."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connection: ConnectionName
    database: Name
    schema_: Name = Field(alias="schema")
    retention_policy: int = Field(ge=0, le=100, description="years")
    legal_hold: bool = False
    owner: str = Field(min_length=1, max_length=128)
    owner_email: Email
    tables: list[OnboardedTable] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _unique_tables(self) -> Onboarding:
        names = [t.name.lower() for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("tables: a table is listed twice")
        return self

    @property
    def key(self) -> str:
        """Its object key under the config prefix: one file per connection and database."""
        return f"config/{self.connection}/{self.database}.yaml"

    @classmethod
    def from_yaml(cls, text: str) -> Onboarding:
        return cls.model_validate(_mapping(text, "an onboarding file", "connection, database, schema, tables..."))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", by_alias=True), sort_keys=False, allow_unicode=True)


class DueTable(BaseModel):
    """What discovery found for one onboarded table."""

    connection: str
    database: str
    schema_: str = Field(serialization_alias="schema")
    table: str
    condition: str = Field(description="the archival condition of the due rows, ready for POST /archive")
    due_rows: int | None
    problem: str | None = None


class FileOnboarding(BaseModel):
    """An onboarded file source (seed 002): a bucket where each day's files land under a dated prefix.

    The day's archival is normally triggered by the caller's workflow (`POST /archive`); the
    scheduled fallback archives a day's prefix that still holds files not archived once the day is
    `archive_after_days` old.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    bucket_name: str = Field(min_length=3, max_length=63)
    prefix_pattern: str = Field(
        min_length=1,
        max_length=512,
        description="The day's prefix, a strftime pattern such as `%Y%m%d/` or `landing/%Y/%m/%d/`.",
    )
    archive_after_days: int = Field(default=1, ge=0, le=3650)
    lookback_days: int = Field(default=7, ge=1, le=366, description="How many past days the fallback checks.")
    archive_size: int = Field(ge=1, le=5_000_000, description="MB per zip")
    max_files_per_archive: int | None = Field(default=None, ge=1, le=10_000_000)
    storage_class: Literal["DEEP_ARCHIVE", "GLACIER"]
    output_prefix: str = Field(default="", max_length=512)
    delete_source: bool = False
    owner_email: Email

    @property
    def key(self) -> str:
        return f"{FILES_CONFIG_PREFIX}{self.project_name}.yaml"

    @classmethod
    def from_yaml(cls, text: str) -> FileOnboarding:
        return cls.model_validate(_mapping(text, "a file onboarding", "project_name, bucket_name, prefix_pattern..."))


#: Where file onboardings are kept in the config bucket (table onboardings are under `config/`).
FILES_CONFIG_PREFIX = "files-config/"
