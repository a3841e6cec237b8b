"""The report task of the archival flows: render the run's PDF, store it, give the verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from archive_io.contracts import RunRecord, RunStatus, Verdict
from archive_io.contracts.files import BundleStatus, FileRunRecord
from archive_io.files.archival import lock_id
from archive_io.files.cost import estimate, load_prices
from archive_io.files.index import manifest_key
from archive_io.reports.archival import _plural, render_archival_report
from archive_io.reports.files import render_file_report
from archive_io.runtime import Runtime
from archive_io.tables.archival import lock_ids


def build_report(runtime: Runtime, run_id: str, error: dict[str, Any] | None = None) -> dict[str, str]:
    """The report of a table or a file archival run."""
    record = runtime.runs.get_any(run_id)
    if isinstance(record, FileRunRecord):
        return build_file_run_report(runtime, record, error)
    return build_run_report(runtime, record, error)


def _error_text(error: dict[str, Any] | None) -> str | None:
    return f"{error.get('Error', 'Error')}: {error.get('Cause', '')}" if error else None


def build_run_report(runtime: Runtime, record: RunRecord, error: dict[str, Any] | None = None) -> dict[str, str]:
    """Store the run's report and record its verdict: PASSED only if every table validated PASSED."""
    passed = bool(record.tables) and all(
        t.validation is not None and t.validation.verdict == Verdict.PASSED for t in record.tables.values()
    )
    verdict = Verdict.PASSED if passed and not error else Verdict.FAILED
    # The flow records this status right after this task; the report states it, not "RUNNING".
    status = RunStatus.SUCCEEDED if verdict == Verdict.PASSED else RunStatus.FAILED
    pdf = render_archival_report(
        record.model_copy(update={"verdict": verdict, "status": status}),
        generated_at=datetime.now(UTC),
        warehouse=f"s3://{runtime.settings.warehouse_bucket}/",
        error=_error_text(error),
    )
    key = runtime.reports.put(record.run_id, pdf)
    runtime.runs.set_fields(record.run_id, verdict=verdict.value, report_key=key)
    # The report task runs on every path of the flow: the run's tables are free again.
    runtime.locks.release(record.run_id, lock_ids(record.request))
    return {"verdict": verdict.value, "report_key": key}


def verify_bundles(runtime: Runtime, record: FileRunRecord) -> tuple[list[str], list[str]]:
    """(problems, notes): each bundle is WRITTEN, in S3 at its recorded size and class, its manifest beside it."""
    s3 = runtime.aws.s3
    problems, notes = [], []
    for bundle in record.bundle_list():
        if bundle.status != BundleStatus.WRITTEN:
            problems.append(
                f"bundle {bundle.index}: {bundle.status.value}{f': {bundle.error}' if bundle.error else ''}"
            )
            continue
        try:
            head = s3.head_object(Bucket=bundle.bucket, Key=bundle.key)
            s3.head_object(Bucket=bundle.bucket, Key=manifest_key(bundle.key))
        except ClientError as exc:
            problems.append(
                f"bundle {bundle.index}: s3://{bundle.bucket}/{bundle.key} or its manifest not readable ({exc})"
            )
            continue
        if head["ContentLength"] != bundle.bytes:
            problems.append(f"bundle {bundle.index}: {head['ContentLength']} bytes in S3, {bundle.bytes} recorded")
        if head.get("StorageClass", "STANDARD") != record.request.storage_class:
            problems.append(f"bundle {bundle.index}: storage class {head.get('StorageClass', 'STANDARD')}")
    if gone := sum(len(b.missing) for b in record.bundles.values()):
        notes.append(f"{_plural(gone, 'file')} listed at planning gone from the source when bundled (not archived)")
    return problems, notes


def build_file_run_report(
    runtime: Runtime, record: FileRunRecord, error: dict[str, Any] | None = None
) -> dict[str, str]:
    """Verify the run's bundles, store its report, record its verdict, free its prefix."""
    problems, notes = verify_bundles(runtime, record)
    verdict = Verdict.PASSED if not problems and not error and record.files_found is not None else Verdict.FAILED
    status = RunStatus.SUCCEEDED if verdict == Verdict.PASSED else RunStatus.FAILED
    written = [b for b in record.bundles.values() if b.status == BundleStatus.WRITTEN]
    files = sum(b.members for b in written) or sum(b.members for b in record.bundles.values())
    source_bytes = sum(b.source_bytes for b in written) or sum(b.source_bytes for b in record.bundles.values())
    cost = None
    if files:
        cost = estimate(
            files=files,
            avg_size_bytes=max(1, source_bytes // files),
            archive_size_bytes=record.request.archive_size * 1_000_000,
            storage_class=record.request.storage_class,
            tier="Standard",
            prices=load_prices(),
        )
    pdf = render_file_report(
        record.model_copy(update={"verdict": verdict, "status": status}),
        generated_at=datetime.now(UTC),
        findings=problems + notes,
        cost=cost,
        error=_error_text(error),
    )
    key = runtime.reports.put(record.run_id, pdf)
    runtime.runs.set_fields(record.run_id, verdict=verdict.value, report_key=key)
    runtime.locks.release(record.run_id, [lock_id(record.request)])
    return {"verdict": verdict.value, "report_key": key}
