"""Restores: thaw only the bundles that hold the requested files, then extract only those files.

`start_restore` (the API) finds each requested file in the index and starts `restore_flow`,
whose Lambda steps are `request_thaw` (one S3 restore per distinct bundle), `check_thawed`
(polled by the flow's Wait loop), `extract` (one ranged GET per file, its CRC-32 checked,
written to the restored bucket under its original key) and `failed`.
"""

from __future__ import annotations

import io
import json
import logging
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from archive_io.aws.runs import now
from archive_io.contracts import RunStatus
from archive_io.contracts.files import (
    TIERS,
    FileRestoreStatus,
    IndexedFile,
    RestoreFile,
    RestoreRecord,
    RestoreRequest,
)
from archive_io.files.index import FileIndex
from archive_io.tables.errors import RequestError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from archive_io.runtime import Runtime

logger = logging.getLogger(__name__)

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # the zip local file header's 30 bytes
_LOCAL_SIGNATURE = 0x04034B50
_EXTRA_ROOM = 20  # the ZIP64 extra field Python's zipfile puts in a large member's local header
COPY_BYTES = 1024 * 1024
EXTRACT_CONCURRENCY = 8
PRESIGNED_MAX_SECONDS = 7 * 86_400  # SigV4's limit (a role's session may end the link sooner)


class NothingToRestoreError(LookupError):
    """No requested file is in the archive: the restore is not started."""

    def __init__(self, files: list[RestoreFile]) -> None:
        super().__init__("none of the requested files is archived in this project")
        self.files = files


class CorruptMemberError(ValueError):
    pass


def new_restore_id() -> str:
    return f"restore-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"


def resolve(index: FileIndex, request: RestoreRequest) -> list[RestoreFile]:
    """Each requested file with its place in the archive, or why it has none.

    A name with a `/` is an S3 key; a bare name is looked up by file name and, if no file has
    that name, as a key at the bucket's root. A name several keys share is AMBIGUOUS.
    """
    project = request.project_name
    if request.prefix is not None:
        return [
            RestoreFile(file=f.original_key, status=FileRestoreStatus.THAWING, source=f)
            for f in index.under_prefix(project, request.prefix)
        ]
    files = []
    for wanted in dict.fromkeys(request.wanted()):  # each asked once
        candidates = [] if "/" in wanted else index.by_name(project, wanted)
        if not candidates and (exact := index.by_key(project, wanted)):
            candidates = [exact]
        if len(candidates) == 1:
            files.append(RestoreFile(file=wanted, status=FileRestoreStatus.THAWING, source=candidates[0]))
        elif candidates:
            keys = [c.original_key for c in candidates]
            files.append(RestoreFile(file=wanted, status=FileRestoreStatus.AMBIGUOUS, candidates=keys))
        else:
            files.append(RestoreFile(file=wanted, status=FileRestoreStatus.NOT_FOUND))
    return files


def _check_tier(request: RestoreRequest, files: list[RestoreFile]) -> None:
    for storage_class in sorted({f.source.storage_class for f in files if f.source}):
        tiers = TIERS.get(storage_class, ())
        if request.retrieval_tier not in tiers:
            raise RequestError(
                f"retrieval_tier: {request.retrieval_tier} does not exist for {storage_class} "
                f"(the files are in {storage_class}); its tiers are {', '.join(tiers)}"
            )


def _bundles(files: list[RestoreFile]) -> list[str]:
    return sorted({f"s3://{f.source.bundle_bucket}/{f.source.bundle_key}" for f in files if f.source})


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def start_restore(runtime: Runtime, request: RestoreRequest) -> RestoreRecord:
    """Find the files, check the tier, record the restore and start its flow.

    Raises RequestError (a tier the storage class does not have) or NothingToRestoreError.
    """
    settings = runtime.settings
    files = resolve(FileIndex(runtime.aws.dynamodb, settings.file_index_table), request)
    if not any(f.source for f in files):
        raise NothingToRestoreError(files)
    _check_tier(request, files)
    if request.email:
        # The platform's topic, filtered to this address (SNS asks the address to confirm once).
        runtime.aws.sns.subscribe(
            TopicArn=settings.notifications_topic_arn,
            Protocol="email",
            Endpoint=request.email,
            Attributes={"FilterPolicy": json.dumps({"email": [request.email]})},
        )
    created = now()
    record = RestoreRecord(
        restore_id=new_restore_id(),
        status=RunStatus.RUNNING,
        request=request,
        created_at=created,
        updated_at=created,
        bundles=_bundles(files),
        files=files,
    )
    runtime.restores.put(record)
    execution_arn = runtime.aws.stepfunctions.start_execution(
        stateMachineArn=settings.restore_flow_arn,
        name=record.restore_id,
        input=json.dumps({"restore_id": record.restore_id}),
    )["executionArn"]
    record = record.model_copy(update={"execution_arn": execution_arn})
    runtime.restores.put(record)
    return record


def request_thaw(runtime: Runtime, restore_id: str) -> dict[str, Any]:
    """One S3 restore per distinct bundle; a bundle already thawing or thawed is fine."""
    record = runtime.restores.get(restore_id)
    s3 = runtime.aws.s3
    for uri in record.bundles:
        bucket, key = _split(uri)
        try:
            s3.restore_object(
                Bucket=bucket,
                Key=key,
                RestoreRequest={
                    "Days": record.request.days,
                    "GlacierJobParameters": {"Tier": record.request.retrieval_tier},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "RestoreAlreadyInProgress":
                raise
    logger.info("restore %s: %d bundles asked to thaw", restore_id, len(record.bundles))
    return check_thawed(runtime, restore_id)


def check_thawed(runtime: Runtime, restore_id: str) -> dict[str, Any]:
    """{"restore_id", "thawed": whether every bundle can be read, "thawing": how many cannot yet}."""
    record = runtime.restores.get(restore_id)
    thawing = 0
    for uri in record.bundles:
        bucket, key = _split(uri)
        restore = runtime.aws.s3.head_object(Bucket=bucket, Key=key).get("Restore", "")
        if 'ongoing-request="false"' not in restore:
            thawing += 1
    return {"restore_id": restore_id, "thawed": thawing == 0, "thawing": thawing}


def member_chunks(s3: S3Client, place: IndexedFile) -> Iterator[bytes]:
    """The member's bytes, read with one ranged GET of its local header and data, CRC-32 checked.

    Raises CorruptMemberError at the end if the bytes are not those the manifest describes.
    """
    start = place.header_offset
    name_bytes = len(place.member.encode())
    end = start + _LOCAL_HEADER.size + name_bytes + _EXTRA_ROOM + place.compressed_size  # exclusive
    body = s3.get_object(Bucket=place.bundle_bucket, Key=place.bundle_key, Range=f"bytes={start}-{end - 1}")["Body"]
    header = body.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header) if len(header) == _LOCAL_HEADER.size else None
    if fields is None or fields[0] != _LOCAL_SIGNATURE:
        raise CorruptMemberError(f"{place.member}: no zip local header at offset {start} of {place.bundle_key}")
    method, name_length, extra_length = fields[3], fields[9], fields[10]
    data_start = start + _LOCAL_HEADER.size + name_length + extra_length
    if data_start + place.compressed_size > end:  # a longer header than expected: read the data on its own
        body.close()
        last = data_start + place.compressed_size - 1
        body = s3.get_object(Bucket=place.bundle_bucket, Key=place.bundle_key, Range=f"bytes={data_start}-{last}")[
            "Body"
        ]
    else:
        body.read(name_length + extra_length)
    inflate = zlib.decompressobj(-15) if method == 8 else None  # 8: deflated, 0: stored
    crc, size, remaining = 0, 0, place.compressed_size
    while remaining:
        chunk = body.read(min(COPY_BYTES, remaining))
        if not chunk:
            raise CorruptMemberError(f"{place.member}: {remaining} bytes short in {place.bundle_key}")
        remaining -= len(chunk)
        data = inflate.decompress(chunk) if inflate else chunk
        crc, size = zlib.crc32(data, crc), size + len(data)
        yield data
    if inflate and (tail := inflate.flush()):
        crc, size = zlib.crc32(tail, crc), size + len(tail)
        yield tail
    if crc != place.crc32 or size != place.size:
        raise CorruptMemberError(
            f"{place.member}: CRC-32 {crc:08x} and {size} bytes, the manifest says {place.crc32:08x} and {place.size}"
        )


class _ChunkStream(io.RawIOBase):
    """A readable file over an iterator of byte chunks (what upload_fileobj reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _extract_one(runtime: Runtime, file: RestoreFile, expires: int) -> RestoreFile:
    place = file.source
    assert place is not None
    s3, bucket = runtime.aws.s3, runtime.settings.restored_bucket
    try:
        s3.upload_fileobj(io.BufferedReader(_ChunkStream(member_chunks(s3, place))), bucket, place.original_key)
    except (CorruptMemberError, ClientError) as exc:
        logger.error("restore of %s failed: %s", place.original_key, exc)
        return file.model_copy(update={"status": FileRestoreStatus.FAILED, "error": str(exc)})
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": place.original_key}, ExpiresIn=expires
    )
    return file.model_copy(
        update={"status": FileRestoreStatus.RESTORED, "bucket": bucket, "key": place.original_key, "url": url}
    )


def extract(runtime: Runtime, restore_id: str) -> dict[str, Any]:
    """Extract every found file from its thawed bundle; the notice the flow publishes."""
    record = runtime.restores.get(restore_id)
    expires = min(record.request.days * 86_400, PRESIGNED_MAX_SECONDS)
    todo = [f for f in record.files if f.source and f.status != FileRestoreStatus.RESTORED]
    with ThreadPoolExecutor(max_workers=EXTRACT_CONCURRENCY, thread_name_prefix="restore") as pool:
        done = {
            f.file: r for f, r in zip(todo, pool.map(lambda f: _extract_one(runtime, f, expires), todo), strict=True)
        }
    files = [done.get(f.file, f) for f in record.files]
    failed = any(f.status == FileRestoreStatus.FAILED for f in files)
    status = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
    record = record.model_copy(update={"files": files, "status": status})
    runtime.restores.put(record)
    return notice(runtime, record)


def failed(runtime: Runtime, restore_id: str, error: dict[str, Any]) -> dict[str, Any]:
    """The flow failed: the files not restored are FAILED, with the flow's error."""
    record = runtime.restores.get(restore_id)
    text = f"{error.get('Error', 'Error')}: {error.get('Cause', '')}"[:2000]
    files = [
        f.model_copy(update={"status": FileRestoreStatus.FAILED, "error": text})
        if f.status == FileRestoreStatus.THAWING
        else f
        for f in record.files
    ]
    record = record.model_copy(update={"files": files, "status": RunStatus.FAILED, "error": text})
    runtime.restores.put(record)
    return notice(runtime, record)


def notice(runtime: Runtime, record: RestoreRecord) -> dict[str, Any]:
    """What the flow publishes: to the request's topic, or the platform's filtered to its email."""
    lines = [f"Restore {record.restore_id} of project {record.request.project_name}: {record.status.value}."]
    for f in record.files:
        if f.status == FileRestoreStatus.RESTORED:
            lines.append(f"- {f.file}: s3://{f.bucket}/{f.key}\n  {f.url}")
        elif f.status == FileRestoreStatus.AMBIGUOUS:
            lines.append(f"- {f.file}: AMBIGUOUS, ask for one of: {', '.join(f.candidates)}")
        else:
            lines.append(f"- {f.file}: {f.status.value}{f' ({f.error})' if f.error else ''}")
    attributes = {"restore_id": {"DataType": "String", "StringValue": record.restore_id}}
    if record.request.email:
        attributes["email"] = {"DataType": "String", "StringValue": record.request.email}
    return {
        "restore_id": record.restore_id,
        "topic_arn": record.request.sns_topic_arn or runtime.settings.notifications_topic_arn,
        "subject": f"Archive-IO restore {record.status.value.lower()}"[:100],
        "message": "\n".join(lines)[:250_000],  # SNS's limit is 256 KB
        "attributes": attributes,
    }
