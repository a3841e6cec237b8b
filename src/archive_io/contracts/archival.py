"""The table archival request: the body of `POST /archive` (the shape of seed 000's payload)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Name = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_$-]*$")]
ConnectionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class SourceTable(BaseModel):
    """One table to archive; without `condition` or `query` the whole table is archived."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table_name: Name = Field(description="Table name as it is in the source schema.")
    condition: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="A WHERE condition selecting the rows to archive, e.g. `Index < 20`. "
        "Column names are matched against the table's columns and quoted for the source.",
    )
    query: str | None = Field(
        default=None,
        min_length=1,
        max_length=8000,
        description="A single SELECT over this table only, an alternative to `condition`.",
    )
    partition_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="A date or timestamp column: the archive table is partitioned by it when it is created.",
    )
    partition_granularity: Literal["year", "month", "day"] = "month"
    purge_source: bool | None = Field(
        default=None,
        description="Delete this table's archived rows from the source once validated (overrides the request's).",
    )


class PurgeOptions(BaseModel):
    """How the source purge deletes: in chunks of primary keys, one commit each, as pt-archiver does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chunk_rows: int = Field(default=1000, ge=1, le=100_000, description="Rows deleted per transaction.")
    sleep_seconds: float = Field(default=0.0, ge=0, le=3600, description="Pause between chunks, to spare the source.")
    max_seconds: int | None = Field(
        default=None, ge=1, le=7 * 86_400, description="Stop after this long; a re-run goes on where it stopped."
    )
    dry_run: bool = Field(default=False, description="Say what would be deleted; delete nothing.")


class ArchivalRequest(BaseModel):
    """Archive rows of one or more tables of a source database into Iceberg."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    glue_connection: ConnectionName = Field(description="Name of a connection registered by POST /connections.")
    legal_hold: bool = Field(description="When true the archive may not be purged, whatever its retention.")
    retention_policy: int = Field(ge=0, le=100, description="Retention of the archived rows, in years.")
    source_database: Name
    source_schema: Name = Field(description="Schema of the tables (`main` for SQLite).")
    source_table: list[SourceTable] = Field(min_length=1, max_length=200)
    triggered_by: str = Field(min_length=1, max_length=128)
    triggered_by_email: Email
    purge_source: bool = Field(
        default=False,
        description="Delete the archived rows from the source once the run validated them PASSED (opt-in).",
    )
    purge: PurgeOptions = Field(default_factory=PurgeOptions)

    def purges(self, table_name: str) -> bool:
        """Whether the table's archived rows are to be deleted from the source."""
        entry = next(t for t in self.source_table if t.table_name == table_name)
        return self.purge_source if entry.purge_source is None else entry.purge_source

    @model_validator(mode="after")
    def _table_names_unique(self) -> ArchivalRequest:
        seen: set[str] = set()
        for table in self.source_table:
            key = table.table_name.lower()
            if key in seen:
                raise ValueError(f"source_table: table {table.table_name!r} is listed twice")
            seen.add(key)
        return self
