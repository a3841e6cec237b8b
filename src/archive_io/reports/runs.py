"""The report task of the archival flow: render the run's PDF, store it, give the verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from archive_io.contracts import RunStatus, Verdict
from archive_io.reports.archival import render_archival_report
from archive_io.runtime import Runtime
from archive_io.tables.archival import lock_ids


def build_run_report(runtime: Runtime, run_id: str, error: dict[str, Any] | None = None) -> dict[str, str]:
    """Store the run's report and record its verdict: PASSED only if every table validated PASSED."""
    record = runtime.runs.get(run_id)
    passed = bool(record.tables) and all(
        t.validation is not None and t.validation.verdict == Verdict.PASSED for t in record.tables.values()
    )
    verdict = Verdict.PASSED if passed and not error else Verdict.FAILED
    error_text = f"{error.get('Error', 'Error')}: {error.get('Cause', '')}" if error else None
    # The flow records this status right after this task; the report states it, not "RUNNING".
    status = RunStatus.SUCCEEDED if verdict == Verdict.PASSED else RunStatus.FAILED
    pdf = render_archival_report(
        record.model_copy(update={"verdict": verdict, "status": status}),
        generated_at=datetime.now(UTC),
        warehouse=f"s3://{runtime.settings.warehouse_bucket}/",
        error=error_text,
    )
    key = runtime.reports.put(run_id, pdf)
    runtime.runs.set_fields(run_id, verdict=verdict.value, report_key=key)
    # The report task runs on every path of the flow: the run's tables are free again.
    runtime.locks.release(run_id, lock_ids(record.request))
    return {"verdict": verdict.value, "report_key": key}
