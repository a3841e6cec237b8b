"""The file archival report: what a data owner and an auditor read in it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from archive_io.contracts import RunStatus, Verdict
from archive_io.contracts.files import BundleResult, BundleStatus, FileArchivalRequest, FileRunRecord
from archive_io.files.cost import estimate
from archive_io.reports.files import render_file_report

CREATED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REQUEST = FileArchivalRequest(
    project_name="claims",
    bucket_name="claims-landing",
    prefix="20250410/",
    file_count=30,
    archive_size=500,
    region="us-east-1",
    storage_class="DEEP_ARCHIVE",
    output_prefix="claims-20250410",
)


def bundle(index: int, status: BundleStatus = BundleStatus.WRITTEN, **extra: object) -> BundleResult:
    values: dict[str, object] = {
        "index": index,
        "bucket": "archive-io-dev-files",
        "key": f"claims-20250410/claims/run-1/bundle-{index:06d}.zip",
        "status": status,
        "members": 10,
        "bytes": 600_000,
        "source_bytes": 1_000_000,
        "seconds": 2.0,
    }
    return BundleResult.model_validate(values | extra)


def record(bundles: list[BundleResult], verdict: Verdict) -> FileRunRecord:
    return FileRunRecord(
        run_id="run-20261123-090000-0000abcd",
        status=RunStatus.SUCCEEDED if verdict == Verdict.PASSED else RunStatus.FAILED,
        request=REQUEST,
        created_at=CREATED,
        updated_at=CREATED,
        files_found=30,
        bundles={f"{b.index:06d}": b for b in bundles},
        verdict=verdict,
    )


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_passed_run_shows_its_verdict_source_counts_and_cost() -> None:
    cost = estimate(files=30, avg_size_bytes=100_000, archive_size_bytes=500_000_000)
    pdf = render_file_report(
        record([bundle(1), bundle(2), bundle(3)], Verdict.PASSED), generated_at=CREATED, findings=[], cost=cost
    )
    shown = text(pdf)
    assert "PASSED" in shown
    assert "s3://claims-landing/20250410/" in shown
    assert "3 written, 0 failed, 3 planned" in shown
    assert "No findings" in shown
    assert "Per-object transition" in shown
    assert f"as of {cost.prices.as_of:%Y-%m-%d}" in shown


def test_a_failed_run_names_the_failed_bundle_and_the_files_gone() -> None:
    bundles = [
        bundle(1, missing=["20250410/a/gone.csv"]),
        bundle(2, BundleStatus.FAILED, error="ClientError: InvalidObjectState"),
    ]
    pdf = render_file_report(
        record(bundles, Verdict.FAILED),
        generated_at=CREATED,
        findings=["bundle 2: FAILED: ClientError: InvalidObjectState"],
        cost=None,
    )
    shown = text(pdf)
    assert "FAILED" in shown
    assert "InvalidObjectState" in shown
    assert "20250410/a/gone.csv" in shown
    assert "1 written, 1 failed, 2 planned" in shown


def test_thousands_of_bundles_are_listed_up_to_a_cap() -> None:
    pdf = render_file_report(
        record([bundle(i) for i in range(1, 1001)], Verdict.PASSED), generated_at=CREATED, findings=[], cost=None
    )
    assert "and 800 more bundles" in text(pdf)
