"""Planning bundles: list a prefix, then group its files by size and count, a sub-prefix together.

Files are taken in key order. A sub-prefix (the key's folder under the request's prefix) goes
whole into one bundle where it fits; one larger than a bundle fills consecutive bundles. A file
larger than the size cap is a bundle of its own. Each file is in exactly one bundle, under its
key relative to the prefix, so files of the same name in different sub-prefixes do not collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from archive_io.contracts.files import FileArchivalRequest
from archive_io.files.bundle import SourceObject
from archive_io.tables.errors import RequestError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MB = 1_000_000


def list_files(s3: S3Client, bucket: str, prefix: str) -> list[SourceObject]:
    """Every file under the prefix, in key order (folder markers aside)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):
                continue
            found.append(
                SourceObject(
                    bucket, key, key[len(prefix) :].lstrip("/"), item["Size"], item["ETag"], item["LastModified"]
                )
            )
    return found


def check_count(request: FileArchivalRequest, files: Sequence[SourceObject]) -> None:
    if len(files) != request.file_count and not request.allow_count_mismatch:
        raise RequestError(
            f"file_count: {request.file_count} expected, {len(files)} found under "
            f"s3://{request.bucket_name}/{request.prefix} (set allow_count_mismatch to archive them anyway)"
        )


def _folder(member: str) -> str:
    return member.rpartition("/")[0]


def plan_bundles(
    files: Sequence[SourceObject], max_bytes: int, max_files: int | None = None
) -> list[list[SourceObject]]:
    """The files grouped into bundles of at most `max_bytes` (but a larger single file) and `max_files`."""
    bundles: list[list[SourceObject]] = []
    current: list[SourceObject] = []
    size = 0

    def fits(count: int, nbytes: int) -> bool:
        return size + nbytes <= max_bytes and (max_files is None or len(current) + count <= max_files)

    for _, group in groupby(sorted(files, key=lambda f: f.member), key=lambda f: _folder(f.member)):
        folder = list(group)
        if current and not fits(len(folder), sum(f.size for f in folder)):
            bundles.append(current)  # a folder that fits a bundle is not split
            current, size = [], 0
        for file in folder:
            if current and not fits(1, file.size):
                bundles.append(current)
                current, size = [], 0
            current.append(file)
            size += file.size
    if current:
        bundles.append(current)
    return bundles


def bundle_key(output_prefix: str, project: str, run_id: str, index: int) -> str:
    """A bundle's key in the files bucket: a run's bundles never overwrite another run's."""
    return f"{output_prefix.strip('/')}/{project}/{run_id}/bundle-{index:06d}.zip".lstrip("/")
