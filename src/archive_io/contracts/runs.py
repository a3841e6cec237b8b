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


class Validation(BaseModel):
    """The outcome of comparing a table's archive with its source."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    source_rows: int
    archive_rows: int
    reasons: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class TableResult(BaseModel):
    """Progress and outcome of one source table within a run."""

    model_config = ConfigDict(frozen=True)

    table_name: str
    status: TableStatus = TableStatus.PENDING
    source_sql: str = Field(description="The SELECT run against the source, as planned and checked.")
    columns: list[str] = Field(description="The source columns archived, in order.")
    partition: tuple[str, str] | None = Field(default=None, description="(column, year|month|day) of a new table")
    iceberg_table: str = Field(description="namespace.table in the archive catalog")
    rows_archived: int | None = None
    bytes_archived: int | None = None
    snapshot_id: int | None = None
    archive_seconds: float | None = None
    rows_per_second: float | None = Field(default=None, description="rows archived / archive_seconds")
    validation: Validation | None = None
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
