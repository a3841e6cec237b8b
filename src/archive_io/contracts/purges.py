"""Retention purges and legal holds: the requests of `POST /purge` and `POST /legal-holds`, and their records.

Every change to what the archive keeps is recorded in the purges table, refusals included: who
asked, when, what was removed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archive_io.contracts.archival import Email

IcebergName = str


class ArchivePurgeRequest(BaseModel):
    """Purge the archive of the rows past their retention, in the given tables or in all of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requested_by: str = Field(min_length=1, max_length=128)
    requested_by_email: Email
    iceberg_tables: list[IcebergName] | None = Field(
        default=None, max_length=500, description="namespace.table of each; every archive table when omitted"
    )
    dry_run: bool = Field(default=False, description="Count what is due; remove nothing.")


class LegalHoldRequest(BaseModel):
    """Set or clear a legal hold: of an archive table (nothing of it may be purged) or of a project's
    file bundles (S3 Object Lock refuses their deletion). Give `iceberg_table` or `project_name`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    iceberg_table: IcebergName | None = Field(
        default=None, min_length=3, max_length=300, pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$"
    )
    project_name: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="Its file bundles."
    )
    hold: bool
    reason: str = Field(min_length=1, max_length=1000)
    requested_by: str = Field(min_length=1, max_length=128)
    requested_by_email: Email

    @model_validator(mode="after")
    def _one_target(self) -> LegalHoldRequest:
        if (self.iceberg_table is None) == (self.project_name is None):
            raise ValueError("give exactly one of iceberg_table (a table) and project_name (its file bundles)")
        return self

    @property
    def target(self) -> str:
        """What is held, as the purges table records it: the table, or `files/<project>`."""
        return self.iceberg_table or f"files/{self.project_name}"


class PurgeStop(BaseModel):
    """The body of `POST /runs/{run_id}/purge-stop`: stop the run's source purges, or let them go on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stop: bool = True


class PurgeOutcome(StrEnum):
    PURGED = "purged"  # expired rows removed, the files that held them deleted
    DROPPED = "dropped"  # every row had expired: the table and its files are gone
    NOTHING_DUE = "nothing-due"
    DRY_RUN = "dry-run"
    REFUSED = "refused"  # under legal hold
    HOLD_SET = "hold-set"
    HOLD_CLEARED = "hold-cleared"


class ArchivePurge(BaseModel):
    """What one purge (or legal hold change) did to one archive table."""

    model_config = ConfigDict(frozen=True)

    iceberg_table: str
    outcome: PurgeOutcome
    reason: str | None = None
    retention_years: int | None = None
    cutoff: date | None = Field(default=None, description="rows archived before this day had expired")
    rows_removed: int = 0
    rows_kept: int = 0
    snapshots_expired: int = 0
    files_removed: int = 0
    bytes_removed: int = 0
    objects_held: int = Field(default=0, description="S3 objects whose Object Lock legal hold was set or cleared")


class PurgeRecord(BaseModel):
    """One purge request (or legal hold change) and what it did per table."""

    model_config = ConfigDict(frozen=True)

    purge_id: str
    kind: str = Field(description="retention | legal-hold | namespace-delete")
    requested_by: str
    requested_by_email: str
    requested_at: datetime
    execution_arn: str | None = None
    tables: dict[str, ArchivePurge] = Field(default_factory=dict)
