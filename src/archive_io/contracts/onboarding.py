"""An onboarded source database (seed 001): which tables age out, after how long, kept how long."""

from __future__ import annotations

from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from archive_io.contracts.archival import ConnectionName, Email, Name

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=128)]


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
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("an onboarding file is a YAML mapping (connection, database, schema, tables...)")
        return cls.model_validate(data)

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
