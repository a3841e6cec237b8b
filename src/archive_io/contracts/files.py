"""File archival and restore: the bodies of `POST /archive` (files) and `POST /restore`, and their records.

The request shapes are seed 002's. A file archival run is recorded in the runs table beside table
archival runs (`kind` tells them apart); a restore in the restores table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from archive_io.contracts.archival import Email
from archive_io.contracts.runs import RunStatus, Verdict

ProjectName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
StorageClass = Literal["DEEP_ARCHIVE", "GLACIER"]
RetrievalTier = Literal["Expedited", "Standard", "Bulk"]

#: The retrieval tiers each archive storage class has (Deep Archive has no Expedited).
TIERS: dict[str, tuple[str, ...]] = {
    "GLACIER": ("Expedited", "Standard", "Bulk"),
    "DEEP_ARCHIVE": ("Standard", "Bulk"),
}


class FileArchivalRequest(BaseModel):
    """Bundle the files under an S3 prefix into zips in Glacier, with an index of every member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_name: ProjectName = Field(description="Groups the archived files: restores look files up by project.")
    bucket_name: str = Field(
        min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]+[a-z0-9]$", description="The bucket of the files."
    )
    prefix: str = Field(max_length=1024, description="The files under this key prefix are archived.")
    file_count: int = Field(
        ge=0,
        description="How many files the caller expects under the prefix. Another count is refused (400), "
        "unless allow_count_mismatch is set.",
    )
    allow_count_mismatch: bool = Field(default=False, description="Archive what is there even if the count differs.")
    archive_size: int = Field(
        ge=1, le=5_000_000, description="The cap per archive (zip), in MB of files; a larger file is a zip of its own."
    )
    max_files_per_archive: int | None = Field(default=None, ge=1, le=10_000_000, description="The cap per archive.")
    region: str = Field(min_length=1, max_length=32, description="The region of the bucket (the platform's).")
    storage_class: StorageClass = Field(
        description="DEEP_ARCHIVE (Glacier Deep Archive) or GLACIER (Glacier Flexible Retrieval)."
    )
    output_prefix: str = Field(
        default="", max_length=512, description="Where in the files bucket the archives and manifests go."
    )
    delete_source: bool = Field(
        default=False, description="Delete each source file once its bundle is complete and indexed (opt-in)."
    )

    @property
    def source(self) -> str:
        return f"s3://{self.bucket_name}/{self.prefix}"


class BundleStatus(StrEnum):
    PLANNED = "PLANNED"
    WRITTEN = "WRITTEN"  # complete in S3, manifest beside it, every member indexed
    FAILED = "FAILED"


class BundleResult(BaseModel):
    """One bundle of a file archival run: planned, then written."""

    model_config = ConfigDict(frozen=True)

    index: int
    bucket: str
    key: str
    status: BundleStatus = BundleStatus.PLANNED
    members: int = Field(description="files in the zip (planned files until it is written)")
    bytes: int = Field(description="the zip's size (the planned files' bytes until it is written)")
    source_bytes: int = Field(description="the files' bytes")
    missing: list[str] = Field(default_factory=list, description="planned files gone from the source when bundled")
    sources_deleted: int = 0
    seconds: float | None = None
    error: str | None = None


class FileRunRecord(BaseModel):
    """A file archival run, as stored in the runs table and answered by `GET /runs/{run_id}`."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    kind: Literal["files"] = "files"
    status: RunStatus
    request: FileArchivalRequest
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None = None
    files_found: int | None = Field(default=None, description="files under the prefix at planning")
    already_archived: int = Field(default=0, description="of those, files indexed before with the same ETag: skipped")
    bundles: dict[str, BundleResult] = Field(default_factory=dict, description="by zero-padded index")
    verdict: Verdict | None = None
    report_key: str | None = None
    error: str | None = None
    cause: str | None = None

    def bundle_list(self) -> list[BundleResult]:
        return [self.bundles[k] for k in sorted(self.bundles)]


class RestoreRequest(BaseModel):
    """Restore archived files of a project: by file name, by a list of them, or by key prefix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_name: ProjectName
    filename: str | None = Field(default=None, min_length=1, max_length=1024, description="A file name or key.")
    filenames: list[Annotated[str, StringConstraints(min_length=1, max_length=1024)]] | None = Field(
        default=None, min_length=1, max_length=1000
    )
    prefix: str | None = Field(default=None, min_length=1, max_length=1024, description="Every file under this key.")
    retrieval_tier: RetrievalTier = Field(
        default="Standard",
        description="Glacier's thaw speed: Expedited (GLACIER only, minutes), Standard (hours), Bulk (cheapest).",
    )
    sns_topic_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$")
    email: Email | None = Field(default=None, description="Notified through the platform's topic.")
    days: int = Field(default=7, ge=1, le=365, description="How long the thawed bundles stay readable.")
    region: str | None = Field(default=None, max_length=32, description="Accepted for seed 002's clients; unused.")

    @model_validator(mode="after")
    def _one_selection(self) -> RestoreRequest:
        given = [n for n in ("filename", "filenames", "prefix") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of filename, filenames, prefix (got {', '.join(given) or 'none'})")
        return self

    def wanted(self) -> list[str]:
        return [self.filename] if self.filename else list(self.filenames or [])


class FileRestoreStatus(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    AMBIGUOUS = "AMBIGUOUS"  # several archived keys have this name: ask by key
    THAWING = "THAWING"
    RESTORED = "RESTORED"
    FAILED = "FAILED"


class IndexedFile(BaseModel):
    """An archived file's place: its bundle and its member's bytes in the zip (from the file index)."""

    model_config = ConfigDict(frozen=True)

    original_key: str
    bundle_bucket: str
    bundle_key: str
    storage_class: str
    member: str
    size: int
    compressed_size: int
    crc32: int
    header_offset: int
    etag: str
    run_id: str


class RestoreFile(BaseModel):
    """One requested file of a restore: `GET /restores/{id}` lists them."""

    model_config = ConfigDict(frozen=True)

    file: str = Field(description="as asked (a name or key), or the key found under the prefix")
    status: FileRestoreStatus
    bucket: str | None = Field(default=None, description="where the restored copy is")
    key: str | None = None
    url: str | None = Field(default=None, description="a presigned link to the restored copy")
    candidates: list[str] = Field(default_factory=list, description="the keys an ambiguous name matches")
    error: str | None = None
    source: IndexedFile | None = Field(default=None, description="internal: where the file is archived")


class RestoreRecord(BaseModel):
    """A restore, as `GET /restores/{id}` answers it."""

    model_config = ConfigDict(frozen=True)

    restore_id: str
    status: RunStatus
    request: RestoreRequest
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None = None
    bundles: list[str] = Field(default_factory=list, description="s3://bucket/key of each bundle thawed")
    files: list[RestoreFile]
    error: str | None = None
