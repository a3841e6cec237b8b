"""File archival: the body of `POST /archive` for files (the shape of seed 002's request)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FileArchivalRequest(BaseModel):
    """Bundle the files under an S3 prefix into zips in Glacier, with an index of every member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    bucket_name: str = Field(min_length=3, max_length=63, description="The bucket of the files to archive.")
    prefix: str = Field(max_length=1024, description="The files under this prefix are archived.")
    file_count: int = Field(
        ge=0, description="How many files the caller expects under the prefix; another count is refused."
    )
    allow_count_mismatch: bool = Field(default=False, description="Archive what is there even if the count differs.")
    archive_size: int = Field(ge=1, le=5_000_000, description="The most MB of files per archive (zip).")
    max_files_per_archive: int | None = Field(default=None, ge=1, le=10_000_000)
    region: str = Field(min_length=1, max_length=32)
    storage_class: Literal["DEEP_ARCHIVE", "GLACIER"] = Field(
        description="DEEP_ARCHIVE (Glacier Deep Archive) or GLACIER (Glacier Flexible Retrieval)."
    )
    output_prefix: str = Field(max_length=1024, description="Where the archives and their manifests are written.")
