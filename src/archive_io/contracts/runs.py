"""The run record: one archival run as stored in DynamoDB and answered by `GET /runs/{run_id}`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from archive_io.contracts.archival import ArchivalRequest


class RunStatus(StrEnum):
    """A run's status, as Step Functions says it of the run's execution."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"
    PENDING_REDRIVE = "PENDING_REDRIVE"


class TableStatus(StrEnum):
    PENDING = "PENDING"
    ARCHIVED = "ARCHIVED"
    VALIDATED = "VALIDATED"
    FAILED = "FAILED"


class Verdict(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"


class Checksum(BaseModel):
    """(count, exact sum, bit_xor) of the row hashes: see archive_io.tables.checksum."""

    model_config = ConfigDict(frozen=True)

    count: int
    sum: int
    xor: int


class SchemaDifference(BaseModel):
    """A column whose name, type or nullability differs between the source and the archive."""

    model_config = ConfigDict(frozen=True)

    column: str
    source: str = Field(description="the column in the source as archived types name it, or 'absent'")
    archive: str = Field(description="the column in the archive, or 'absent'")
    blocking: bool = Field(description="whether it fails validation (a note, such as a relaxed NOT NULL, does not)")


class Aggregates(BaseModel):
    """One column's aggregates on one side, as display text (min/max/sum only where they apply)."""

    model_config = ConfigDict(frozen=True)

    nulls: int
    min: str | None = None
    max: str | None = None
    sum: str | None = None


class ColumnComparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: str
    type: str
    source: Aggregates
    archive: Aggregates
    matches: bool


class ValueDifference(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: str
    source: str
    archive: str


class DifferenceKind(StrEnum):
    MISSING = "missing"  # in the source, not in the archive
    EXTRA = "extra"  # in the archive, not in the source
    DUPLICATED = "duplicated"  # in both, more often in the archive
    CHANGED = "changed"  # in both, with other values


class RowDifference(BaseModel):
    """A row that differs, by primary key, with the columns that differ when it is in both."""

    model_config = ConfigDict(frozen=True)

    kind: DifferenceKind
    key: dict[str, str]
    columns: list[ValueDifference] = Field(default_factory=list, description="the first columns that differ")
    columns_differing: int = Field(default=0, description="how many columns differ in all")


class Validation(BaseModel):
    """The outcome of comparing a table's archive with its source."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    source_rows: int
    archive_rows: int
    source_checksum: Checksum | None = None
    archive_checksum: Checksum | None = None
    key_columns: list[str] = Field(default_factory=list, description="the primary key; empty when there is none")
    source_read: str = Field(default="", description="when the source side was read, relative to the extraction")
    source_changed: bool = Field(
        default=False, description="the source no longer equals what the extraction read, where rows differ"
    )
    schema_differences: list[SchemaDifference] = Field(default_factory=list)
    columns: list[ColumnComparison] = Field(default_factory=list)
    differences: list[RowDifference] = Field(default_factory=list, description="the first differing rows")
    missing_rows: int = 0
    extra_rows: int = 0
    changed_rows: int = 0
    localized: bool = Field(default=True, description="whether differing rows could be listed (needs a key)")
    reasons: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    source_seconds: float | None = Field(default=None, description="the source checksum query, at extraction")
    archive_seconds: float | None = Field(default=None, description="the archive checksum")


class PurgeStatus(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    DRY_RUN = "DRY_RUN"
    STOPPED = "STOPPED"  # by the run's `purge_stop` flag
    TIMED_OUT = "TIMED_OUT"  # after `purge.max_seconds`; a re-run goes on
    REFUSED = "REFUSED"  # nothing deleted: not validated PASSED, or no primary key


class PurgeResult(BaseModel):
    """What the source purge of one table did: rows deleted, and rows left because they changed."""

    model_config = ConfigDict(frozen=True)

    status: PurgeStatus
    reason: str | None = None
    key_columns: list[str] = Field(default_factory=list)
    rows_deleted: int = 0
    rows_left: int = Field(default=0, description="archived rows changed in the source since: left in place")
    rows_absent: int = Field(default=0, description="archived rows no longer in the source (deleted before)")
    left_keys: list[dict[str, str]] = Field(default_factory=list, description="the first rows left, by key")
    chunks: int = Field(default=0, description="chunks committed (or, in a dry run, checked)")
    statements: list[str] = Field(default_factory=list, description="a dry run: the first statements it would run")
    seconds: float = 0.0


class Engine(StrEnum):
    SINGLE_NODE = "single_node"  # Arrow batches into pyiceberg, on one machine (the Glue job's driver)
    SPARK = "spark"  # partitioned JDBC reads into Iceberg (a Glue Spark job)


class TableResult(BaseModel):
    """Progress and outcome of one source table within a run."""

    model_config = ConfigDict(frozen=True)

    table_name: str
    status: TableStatus = TableStatus.PENDING
    source_sql: str = Field(description="The SELECT run against the source, as planned and checked.")
    columns: list[str] = Field(description="The source columns archived, in order.")
    partition: tuple[str, str] | None = Field(default=None, description="(column, year|month|day) of a new table")
    iceberg_table: str = Field(description="namespace.table in the archive catalog")
    iceberg_location: str | None = Field(default=None, description="the table's location in S3")
    engine: Engine | None = Field(default=None, description="the engine that archives and validates the table")
    engine_reason: str | None = Field(default=None, description="why that engine: the source's statistics")
    rows_archived: int | None = None
    bytes_archived: int | None = None
    snapshot_id: int | None = None
    archive_seconds: float | None = None
    rows_per_second: float | None = Field(default=None, description="rows archived / archive_seconds")
    validation: Validation | None = None
    purge: PurgeResult | None = None
    error: str | None = None


class RunRecord(BaseModel):
    """An archival run: its request, its per-table results and where its report is."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    status: RunStatus
    request: ArchivalRequest
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None = None
    tables: dict[str, TableResult]
    verdict: Verdict | None = None
    report_key: str | None = None
    error: str | None = None
    cause: str | None = None
    purge_stop: bool = Field(default=False, description="set to stop the run's source purges after their chunk")

    @property
    def retention_until(self) -> date:
        """The day the archived rows may be purged: the run's day plus `retention_policy` years (29 Feb -> 28 Feb)."""
        day = self.created_at.astimezone(UTC).date()
        years = self.request.retention_policy
        try:
            return day.replace(year=day.year + years)
        except ValueError:
            return day.replace(year=day.year + years, day=28)


class RunAccepted(BaseModel):
    """The 202 answer of `POST /archive`."""

    run_id: str
    status: RunStatus
    status_url: str
