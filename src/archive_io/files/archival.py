"""File archival runs: start (the API), plan (a Lambda task), bundle (a Batch job per bundle).

A run archives the files under one S3 prefix into zips in Glacier, each with its manifest and
every member in the file index. Exactly once per file:

- one run at a time per source prefix (a lock), and a run's bundle keys carry its run id;
- the plan leaves out files the index already holds with the same ETag, so a re-run after a
  failure bundles only what the failed bundles held, and nothing twice;
- a bundle job whose bundle is already WRITTEN does nothing; one that failed half-way left no
  object (its multipart upload was aborted) and writes the whole bundle again;
- source files are deleted (when asked) only after their bundle is complete, its manifest
  stored and its members indexed, and only if the file is still the one bundled (same ETag).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from archive_io.aws.runs import RunExistsError, RunNotFoundError, now
from archive_io.contracts import RunAccepted, RunStatus
from archive_io.contracts.files import BundleResult, BundleStatus, FileArchivalRequest, FileRunRecord
from archive_io.files.bundle import SourceObject, write_bundle
from archive_io.files.holds import hold_bundle, project_held
from archive_io.files.index import FileIndex, put_manifest
from archive_io.files.plan import MB, bundle_key, check_count, list_files, plan_bundles
from archive_io.tables.archival import IdempotencyConflictError, keyed_run_id, new_run_id, run_is_running
from archive_io.tables.errors import RequestError

if TYPE_CHECKING:
    from archive_io.runtime import Runtime

logger = logging.getLogger(__name__)

MAX_BUNDLES = 10_000  # the plan's bundle numbers travel in the flow's state (256 KB at most)
_DELETE_BATCH = 1000  # DeleteObjects' limit


def lock_id(request: FileArchivalRequest) -> str:
    return f"files/{request.source}"


def plan_key(run_id: str, index: int) -> str:
    """A bundle's file list, in the reports bucket beside the run's other working documents."""
    return f"plans/{run_id}/bundle-{index:06d}.json"


def _files(runtime: Runtime, request: FileArchivalRequest) -> list[SourceObject]:
    if request.region != runtime.settings.region:
        raise RequestError(f"region: the platform runs in {runtime.settings.region}, not {request.region}")
    try:
        return list_files(runtime.aws.s3, request.bucket_name, request.prefix)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        raise RequestError(f"bucket_name: cannot list s3://{request.bucket_name}/{request.prefix} ({code})") from None


def start_file_archival(
    request: FileArchivalRequest, runtime: Runtime, idempotency_key: str | None = None
) -> RunAccepted:
    """Check the prefix holds the files announced, record the run, lock the prefix, start the flow."""
    run_id = keyed_run_id(idempotency_key) if idempotency_key else new_run_id()
    if idempotency_key and (accepted := _replay(runtime, run_id, request)):
        return accepted
    files = _files(runtime, request)
    check_count(request, files)
    if not files:
        raise RequestError(f"prefix: no files under {request.source}")
    created = now()
    record = FileRunRecord(
        run_id=run_id, status=RunStatus.RUNNING, request=request, created_at=created, updated_at=created
    )
    try:
        runtime.runs.create_files(record)
    except RunExistsError:
        if accepted := _replay(runtime, run_id, request):
            return accepted
        raise IdempotencyConflictError(
            f"a request with this Idempotency-Key is starting (run {run_id}); retry"
        ) from None
    try:
        runtime.locks.acquire(run_id, [lock_id(request)], lambda holder: run_is_running(runtime, holder))
    except Exception:
        runtime.runs.delete(run_id)  # refused before it started: no run to show
        raise
    return _start(runtime, run_id, request)


def _replay(runtime: Runtime, run_id: str, request: FileArchivalRequest) -> RunAccepted | None:
    try:
        existing = runtime.runs.get_any(run_id)
    except RunNotFoundError:
        return None
    if existing.request != request:
        raise IdempotencyConflictError(f"this Idempotency-Key was used for a different request (run {run_id})")
    if existing.execution_arn is None:
        return None
    return RunAccepted(run_id=run_id, status=existing.status, status_url=f"/runs/{run_id}")


def _start(runtime: Runtime, run_id: str, request: FileArchivalRequest) -> RunAccepted:
    try:
        execution_arn = runtime.aws.stepfunctions.start_execution(
            stateMachineArn=runtime.settings.file_archive_flow_arn, name=run_id, input=json.dumps({"run_id": run_id})
        )["executionArn"]
    except Exception as exc:
        runtime.runs.set_fields(run_id, status=RunStatus.FAILED.value, error="StartExecutionFailed", cause=str(exc))
        runtime.locks.release(run_id, [lock_id(request)])
        raise
    runtime.runs.set_fields(run_id, execution_arn=execution_arn)
    return RunAccepted(run_id=run_id, status=RunStatus.RUNNING, status_url=f"/runs/{run_id}")


def plan_run(runtime: Runtime, run_id: str) -> dict[str, Any]:
    """The plan task: group the prefix's files not yet archived into bundles, each one's list in S3.

    Returns the bundle numbers for the flow's Map. Run again (a retried task), it answers the
    plan already made.
    """
    record = runtime.runs.get_files(run_id)
    if record.bundles:
        return {"run_id": run_id, "bundles": [b.index for b in record.bundle_list()]}
    request = record.request
    files = _files(runtime, request)
    check_count(request, files)
    archived = FileIndex(runtime.aws.dynamodb, runtime.settings.file_index_table).archived_etags(
        request.project_name, [f.key for f in files]
    )
    todo = [f for f in files if archived.get(f.key) != f.etag]
    groups = plan_bundles(todo, request.archive_size * MB, request.max_files_per_archive)
    if len(groups) > MAX_BUNDLES:
        raise RequestError(f"archive_size: {len(groups)} bundles planned, at most {MAX_BUNDLES} per run")
    bundles = []
    for index, group in enumerate(groups, start=1):
        document = [asdict(f) | {"modified": f.modified.isoformat()} for f in group]
        runtime.aws.s3.put_object(
            Bucket=runtime.settings.reports_bucket, Key=plan_key(run_id, index), Body=json.dumps(document).encode()
        )
        size = sum(f.size for f in group)
        key = bundle_key(request.output_prefix, request.project_name, run_id, index)
        bundles.append(
            BundleResult(
                index=index,
                bucket=runtime.settings.files_bucket,
                key=key,
                members=len(group),
                bytes=size,
                source_bytes=size,
            )
        )
    runtime.runs.set_plan(run_id, len(files), len(files) - len(todo), bundles)
    logger.info(
        "run %s: %d files, %d already archived, %d bundles", run_id, len(files), len(files) - len(todo), len(bundles)
    )
    return {"run_id": run_id, "bundles": [b.index for b in bundles]}


def _planned(runtime: Runtime, run_id: str, index: int) -> list[SourceObject]:
    body = runtime.aws.s3.get_object(Bucket=runtime.settings.reports_bucket, Key=plan_key(run_id, index))["Body"]
    return [SourceObject(**(f | {"modified": datetime.fromisoformat(f["modified"])})) for f in json.loads(body.read())]


def bundle_task(runtime: Runtime, run_id: str, index: int) -> BundleResult:
    """The bundle job: write bundle `index` of the run, its manifest and its index entries."""
    record = runtime.runs.get_files(run_id)
    planned = record.bundles.get(f"{index:06d}")
    if planned is None:
        raise KeyError(f"run {run_id} has no bundle {index}")
    if planned.status == BundleStatus.WRITTEN:
        logger.info("run %s bundle %d: already written", run_id, index)
        return planned
    request = record.request
    started = time.perf_counter()
    try:
        written = write_bundle(
            runtime.aws.s3, _planned(runtime, run_id, index), planned.bucket, planned.key, request.storage_class
        )
        put_manifest(runtime.aws.s3, planned.bucket, planned.key, written.members)
        if project_held(runtime, request.project_name):  # a project under legal hold: its new bundles too
            hold_bundle(runtime, planned.bucket, planned.key, hold=True)
        FileIndex(runtime.aws.dynamodb, runtime.settings.file_index_table).record(
            request.project_name, run_id, planned.bucket, planned.key, request.storage_class, written.members
        )
    except Exception as exc:
        failed = planned.model_copy(update={"status": BundleStatus.FAILED, "error": f"{type(exc).__name__}: {exc}"})
        runtime.runs.put_bundle(run_id, failed)
        raise
    result = planned.model_copy(
        update={
            "status": BundleStatus.WRITTEN,
            "members": len(written.members),
            "bytes": written.size,
            "source_bytes": sum(m.size for m in written.members),
            "missing": [m.key for m in written.missing],
            "seconds": round(time.perf_counter() - started, 3),
            "error": None,
        }
    )
    runtime.runs.put_bundle(run_id, result)
    if request.delete_source:
        deleted = _delete_sources(runtime, request.bucket_name, {m.original_key: m.etag for m in written.members})
        result = result.model_copy(update={"sources_deleted": deleted})
        runtime.runs.put_bundle(run_id, result)
    logger.info("run %s bundle %d: %d members, %d bytes", run_id, index, result.members, result.bytes)
    return result


def _delete_sources(runtime: Runtime, bucket: str, bundled: dict[str, str]) -> int:
    """Delete the bundled source files that are still what was bundled (same ETag); how many."""
    s3 = runtime.aws.s3
    unchanged = []
    for key, etag in bundled.items():
        try:
            if s3.head_object(Bucket=bucket, Key=key)["ETag"] == etag:
                unchanged.append(key)
            else:
                logger.warning("s3://%s/%s changed since it was bundled: kept", bucket, key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in {"404", "NoSuchKey"}:
                raise
    for start in range(0, len(unchanged), _DELETE_BATCH):
        batch = [{"Key": k} for k in unchanged[start : start + _DELETE_BATCH]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})  # type: ignore[typeddict-item]
        if errors := answer.get("Errors"):
            raise RuntimeError(
                f"{len(errors)} source files not deleted, e.g. {errors[0].get('Key')}: {errors[0].get('Message')}"
            )
    return len(unchanged)
