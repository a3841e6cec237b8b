"""A bundle: many S3 objects streamed into one zip, written straight into an S3 multipart upload.

Memory stays bounded whatever the bundle's size: members are copied in chunks, and the zip is
uploaded a part at a time. The zip is ZIP64 where it needs to be (more than 65,535 members, or
4 GiB), and opens with standard tools. Every member's place in it (local header offset,
compressed size, CRC-32) is returned for the bundle's manifest, so a restore can read one member
with a ranged GET.
"""

from __future__ import annotations

import sys
import zipfile
import zlib
from base64 import b64encode
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PART_BYTES = 16 * 1024 * 1024  # S3 parts: at least 5 MiB but the last, at most 10,000 of them
COPY_BYTES = 1024 * 1024
READ_CONCURRENCY = 16
READ_WINDOW_BYTES = 64 * 1024 * 1024  # small objects read ahead, in memory at most
READ_AHEAD_MAX = 8 * 1024 * 1024  # a larger object streams through instead of being read ahead
# Deflate's fastest level, set per member (zipfile ignores the archive's level for a ZipInfo):
# a few per cent more bytes in Deep Archive cost less than the CPU of a slower level.
COMPRESS_LEVEL = 1
UPLOADS_IN_FLIGHT = 2  # parts being sent while the zip is written on (each PART_BYTES in memory)


class MultipartWriter:
    """A write-only, unseekable file whose bytes go to an S3 multipart upload, a part at a time.

    Parts upload in the background, at most UPLOADS_IN_FLIGHT at once, while the zip goes on
    being written. Each part carries its CRC-32 as an S3 additional checksum, which S3 verifies.
    `abort()` aborts the upload, so no partial object remains.
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
        self._parts: list[Future[dict[str, Any]]] = []
        self._uploads = ThreadPoolExecutor(max_workers=UPLOADS_IN_FLIGHT, thread_name_prefix="bundle-upload")
        self._written = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._written += len(data)
        while len(self._buffer) >= self._part_bytes:
            self._submit(bytes(self._buffer[: self._part_bytes]))
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

    def _submit(self, data: bytes) -> None:
        in_flight = [p for p in self._parts if not p.done()]
        if len(in_flight) >= UPLOADS_IN_FLIGHT:  # bounded memory: wait for the oldest part
            in_flight[0].result()
        self._parts.append(self._uploads.submit(self._upload, len(self._parts) + 1, data))

    def _upload(self, number: int, data: bytes) -> dict[str, Any]:
        crc = b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        answer = self._s3.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
            ChecksumCRC32=crc,
        )
        return {"PartNumber": number, "ChecksumCRC32": crc, "ETag": answer["ETag"]}

    def complete(self) -> int:
        """Upload the last part and complete the object; its size."""
        if self._buffer or not self._parts:
            self._submit(bytes(self._buffer))
            self._buffer.clear()
        parts = [p.result() for p in self._parts]
        self._uploads.shutdown()
        self._s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
        )
        return self._written

    def abort(self) -> None:
        self._uploads.shutdown(cancel_futures=True)  # waits for the parts being sent: then none is left
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


@dataclass(frozen=True)
class Bundle:
    """A written bundle: its members, its size, and the planned files that were gone when read."""

    members: list[Member]
    size: int
    missing: list[SourceObject]


class _Fetched:
    """One source object as read ahead: whole in memory when small, else its open stream."""

    def __init__(self, body: bytes | None, stream: Any, size: int, etag: str) -> None:
        self.body, self.stream, self.size, self.etag = body, stream, size, etag

    def chunks(self) -> Iterator[bytes]:
        if self.body is not None:
            yield self.body
            return
        while chunk := self.stream.read(COPY_BYTES):
            yield chunk


def _fetch(s3: S3Client, obj: SourceObject) -> _Fetched | None:
    """The object's bytes (or stream); None when it no longer exists."""
    try:
        answer = s3.get_object(Bucket=obj.bucket, Key=obj.key)
    except s3.exceptions.NoSuchKey:
        return None
    size, etag = answer["ContentLength"], answer["ETag"]
    if size <= READ_AHEAD_MAX:
        return _Fetched(answer["Body"].read(), None, size, etag)
    return _Fetched(None, answer["Body"], size, etag)


def _read_ahead(
    s3: S3Client, objects: Iterable[SourceObject], concurrency: int, window_bytes: int
) -> Iterator[tuple[SourceObject, _Fetched | None]]:
    """The objects in order, each read by a pool of `concurrency` threads at most `window_bytes` ahead."""
    pending: deque[tuple[SourceObject, Future[_Fetched | None]]] = deque()
    ahead = 0
    todo = iter(objects)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bundle-read") as pool:
        try:
            while True:
                while len(pending) < concurrency * 4 and (ahead < window_bytes or not pending):
                    obj = next(todo, None)
                    if obj is None:
                        break
                    pending.append((obj, pool.submit(_fetch, s3, obj)))
                    ahead += min(obj.size, READ_AHEAD_MAX)
                if not pending:
                    return
                obj, future = pending.popleft()
                ahead -= min(obj.size, READ_AHEAD_MAX)
                yield obj, future.result()
        finally:
            for _, future in pending:  # on an error, what was read ahead is dropped
                future.cancel()


def write_bundle(
    s3: S3Client,
    objects: Iterable[SourceObject],
    bucket: str,
    key: str,
    storage_class: str,
    *,
    part_bytes: int = PART_BYTES,
    concurrency: int = READ_CONCURRENCY,
    window_bytes: int = READ_WINDOW_BYTES,
) -> Bundle:
    """Stream the objects into a zip at s3://bucket/key.

    Reads run ahead on `concurrency` threads, at most `window_bytes` of small objects in memory;
    larger objects stream through. An object deleted since it was listed is left out and named in
    `missing`. On any error the multipart upload is aborted and the error raised: a bundle is
    whole or absent.
    """
    writer = MultipartWriter(s3, bucket, key, storage_class, part_bytes)
    members = []
    missing = []
    try:
        # allowZip64 (the default) writes ZIP64 records where a count or an offset needs them
        with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
            for obj, fetched in _read_ahead(s3, objects, concurrency, window_bytes):
                if fetched is None:
                    missing.append(obj)
                    continue
                info = zipfile.ZipInfo(obj.member, date_time=obj.modified.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                # A ZipInfo's own level: zipfile ignores the archive's compresslevel for a ZipInfo given to
                # open(), and would deflate at zlib's default (6).
                if sys.version_info >= (3, 13):
                    info.compress_level = COMPRESS_LEVEL
                else:
                    info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
                copied = 0
                # ZIP64 sizes when the member (or its deflated form, a little larger if incompressible)
                # may pass the limit; zipfile decides the rest (offsets, member count) by itself.
                with archive.open(info, "w", force_zip64=fetched.size * 1.05 > zipfile.ZIP64_LIMIT) as out:
                    for chunk in fetched.chunks():
                        out.write(chunk)
                        copied += len(chunk)
                if copied != fetched.size:
                    raise ValueError(f"s3://{obj.bucket}/{obj.key}: read {copied} bytes of {fetched.size}")
                members.append(
                    Member(
                        original_key=obj.key,
                        member=obj.member,
                        size=info.file_size,
                        compressed_size=info.compress_size,
                        crc32=info.CRC,
                        header_offset=info.header_offset,
                        etag=fetched.etag,  # what was read, should the object have changed since the listing
                    )
                )
        size = writer.complete()
    except BaseException:
        writer.abort()
        raise
    return Bundle(members, size, missing)
