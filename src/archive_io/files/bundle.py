"""A bundle: many S3 objects streamed into one zip, written straight into an S3 multipart upload.

Memory stays bounded whatever the bundle's size: members are copied in chunks, and the zip is
uploaded a part at a time. The zip is ZIP64 where it needs to be (more than 65,535 members, or
4 GiB), and opens with standard tools. Every member's place in it (local header offset,
compressed size, CRC-32) is returned for the bundle's manifest, so a restore can read one member
with a ranged GET.
"""

from __future__ import annotations

import zipfile
import zlib
from base64 import b64encode
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PART_BYTES = 16 * 1024 * 1024  # S3 parts: at least 5 MiB but the last, at most 10,000 of them
COPY_BYTES = 1024 * 1024


class MultipartWriter:
    """A write-only, unseekable file whose bytes go to an S3 multipart upload, a part at a time.

    Each part carries its CRC-32 as an S3 additional checksum, which S3 verifies. `abort()` (or
    leaving the `with` block on an error) aborts the upload, so no partial object remains.
    """

    def __init__(self, s3: S3Client, bucket: str, key: str, storage_class: str, part_bytes: int = PART_BYTES) -> None:
        self._s3, self.bucket, self.key, self._part_bytes = s3, bucket, key, part_bytes
        self._upload_id = s3.create_multipart_upload(
            Bucket=bucket,
            Key=key,
            StorageClass=storage_class,  # type: ignore[arg-type]
            ChecksumAlgorithm="CRC32",
            ContentType="application/zip",
        )["UploadId"]
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._written += len(data)
        while len(self._buffer) >= self._part_bytes:
            self._upload(bytes(self._buffer[: self._part_bytes]))
            del self._buffer[: self._part_bytes]
        return len(data)

    def tell(self) -> int:
        return self._written

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        """Parts are uploaded when full; the rest goes with `complete()`."""

    def close(self) -> None:
        """The zip is done writing; `complete()` or `abort()` decides what becomes of the upload."""

    def _upload(self, data: bytes) -> None:
        number = len(self._parts) + 1
        crc = b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        self._s3.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
            ChecksumCRC32=crc,
        )
        self._parts.append({"PartNumber": number, "ChecksumCRC32": crc})

    def complete(self) -> int:
        """Upload the last part and complete the object; its size."""
        if self._buffer or not self._parts:
            self._upload(bytes(self._buffer))
            self._buffer.clear()
        parts = self._parts
        etags = self._s3.list_parts(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)["Parts"]
        for part, listed in zip(parts, etags, strict=True):
            part["ETag"] = listed["ETag"]
        self._s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
        )
        return self._written

    def abort(self) -> None:
        self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)


@dataclass(frozen=True)
class SourceObject:
    """An object to bundle: where it is, and the name it has in the zip."""

    bucket: str
    key: str
    member: str
    size: int
    etag: str
    modified: datetime


@dataclass(frozen=True)
class Member:
    """A bundle's manifest line: where one original object is inside the zip."""

    original_key: str
    member: str
    size: int
    compressed_size: int
    crc32: int
    header_offset: int
    etag: str


def write_bundle(
    s3: S3Client,
    objects: Iterable[SourceObject],
    bucket: str,
    key: str,
    storage_class: str,
    *,
    part_bytes: int = PART_BYTES,
) -> tuple[list[Member], int]:
    """Stream the objects into a zip at s3://bucket/key: (its members, its size).

    On any error the multipart upload is aborted and the error raised: a bundle is whole or absent.
    """
    writer = MultipartWriter(s3, bucket, key, storage_class, part_bytes)
    members = []
    try:
        # allowZip64 (the default) writes ZIP64 records where a count or an offset needs them
        with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for obj in objects:
                info = zipfile.ZipInfo(obj.member, date_time=obj.modified.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                body = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"]
                copied = 0
                with archive.open(info, "w", force_zip64=obj.size >= zipfile.ZIP64_LIMIT) as out:
                    while chunk := body.read(COPY_BYTES):
                        out.write(chunk)
                        copied += len(chunk)
                if copied != obj.size:
                    raise ValueError(f"s3://{obj.bucket}/{obj.key}: read {copied} bytes, listed as {obj.size}")
                members.append(
                    Member(
                        original_key=obj.key,
                        member=obj.member,
                        size=info.file_size,
                        compressed_size=info.compress_size,
                        crc32=info.CRC,
                        header_offset=info.header_offset,
                        etag=obj.etag,
                    )
                )
        size = writer.complete()
    except BaseException:
        writer.abort()
        raise
    return members, size
