"""The PDF report of a file archival run: verdict, findings, bundles, files gone, cost, how to restore.

It shares the table archival report's look (styles, tables, page furniture) from reports.archival.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from archive_io.contracts import Verdict
from archive_io.contracts.files import BundleStatus, FileRunRecord
from archive_io.files.cost import CostEstimate, format_usd
from archive_io.reports.archival import (
    DASH,
    FRAME_WIDTH,
    GREEN,
    RED,
    Fact,
    _badge,
    _callout,
    _clip,
    _count,
    _duration,
    _facts_table,
    _grid,
    _heads,
    _markup,
    _para,
    _plural,
    _size,
    _time,
    build_pdf,
    title_block,
)

LISTED_BUNDLES = 200
LISTED_MISSING = 50
ERROR_CHARS = 160


def _header(record: FileRunRecord) -> list[Any]:
    subtitle = f"{record.request.source} · run {record.run_id}"
    return title_block("File archival report", subtitle, [_badge(record.verdict or Verdict.FAILED)])


def _totals(record: FileRunRecord) -> dict[str, Any]:
    written = [b for b in record.bundles.values() if b.status == BundleStatus.WRITTEN]
    seconds = sum(b.seconds or 0.0 for b in written)
    source_bytes = sum(b.source_bytes for b in written)
    return {
        "written": len(written),
        "failed": sum(b.status == BundleStatus.FAILED for b in record.bundles.values()),
        "planned": len(record.bundles),
        "files": sum(b.members for b in written),
        "source_bytes": source_bytes,
        "zip_bytes": sum(b.bytes for b in written),
        "gone": sum(len(b.missing) for b in record.bundles.values()),
        "deleted": sum(b.sources_deleted for b in written),
        "seconds": seconds,
        "files_per_second": sum(b.members for b in written) / seconds if seconds else None,
        "mb_per_second": source_bytes / 1e6 / seconds if seconds else None,
    }


def _facts(record: FileRunRecord, generated_at: datetime) -> Table:
    request, totals = record.request, _totals(record)
    ratio = f" ({totals['zip_bytes'] / totals['source_bytes']:.0%} of the files)" if totals["source_bytes"] else ""
    rate = (
        f"{totals['files_per_second']:,.0f} files/s, {totals['mb_per_second']:,.1f} MB/s"
        if totals["files_per_second"]
        else DASH
    )
    run: list[list[Fact]] = [
        [("Run id", record.run_id)],
        [("Status", record.status.value), ("Verdict", (record.verdict or Verdict.FAILED).value)],
        [("Created", _time(record.created_at)), ("Updated", _time(record.updated_at))],
        [
            ("Bundles", f"{totals['written']} written, {totals['failed']} failed, {totals['planned']} planned"),
            ("Files bundled", _count(totals["files"])),
        ],
        [
            ("Files' size", _size(totals["source_bytes"]) or DASH),
            ("Zips' size", f"{_size(totals['zip_bytes'])}{ratio}"),
        ],
        [("Gone since planning", _count(totals["gone"])), ("Sources deleted", _count(totals["deleted"]))],
        [("Bundle job time", f"{_duration(totals['seconds'])} summed over parallel jobs; {rate}")],
        [("Generated", _time(generated_at))],
    ]
    asked: list[list[Fact]] = [
        [("Project", request.project_name), ("Storage class", request.storage_class)],
        [("Source", request.source)],
        [("Files announced", _count(request.file_count)), ("Files found", _count(record.files_found))],
        [
            ("Already archived", f"{record.already_archived:,} (same ETag: skipped)"),
            ("Count mismatch", "allowed" if request.allow_count_mismatch else "refused"),
        ],
        [
            ("Archive size", f"{request.archive_size:,} MB per zip"),
            ("Files per zip", _count(request.max_files_per_archive) if request.max_files_per_archive else "no cap"),
        ],
        [("Output prefix", request.output_prefix or "(bucket root)")],
        [("Delete sources", "yes, once bundled and indexed" if request.delete_source else "no")],
    ]
    return _facts_table([("Run", run), ("Request", asked)])


def _findings(findings: list[str], error: str | None) -> list[Any]:
    flow: list[Any] = []
    if error:
        flow.append(_callout("error", "Run error", _markup(_clip(error, 4000))))
    if findings:
        body = "<br/>".join(f"• {_markup(f)}" for f in findings)
        flow.append(_callout("warning", "Findings", body))
    elif not error:
        flow.append(
            _callout(
                "success", "No findings", "Every bundle is in S3 at its recorded size and class, with its manifest."
            )
        )
    return flow


def _bundles(record: FileRunRecord) -> list[Any]:
    bundles = record.bundle_list()
    rows: list[list[Any]] = [
        _heads(
            ("#", "head_right"),
            ("Bundle", "head"),
            ("Status", "head"),
            ("Files", "head_right"),
            ("Files' size", "head_right"),
            ("Zip", "head_right"),
            ("Seconds", "head_right"),
        )
    ]
    for b in bundles[:LISTED_BUNDLES]:
        status = b.status.value + (f": {_clip(b.error, ERROR_CHARS)}" if b.error else "")
        rows.append(
            [
                _para(str(b.index), "cell_right"),
                _para(f"s3://{b.bucket}/{b.key}", "cell_mono"),
                _para(status, "cell"),
                _para(f"{b.members:,}", "cell_right"),
                _para(_size(b.source_bytes) or DASH, "cell_right"),
                _para(_size(b.bytes) if b.status == BundleStatus.WRITTEN else DASH, "cell_right"),
                _para(f"{b.seconds:,.1f}" if b.seconds is not None else DASH, "cell_right"),
            ]
        )
    widths = [9 * mm, FRAME_WIDTH - 113 * mm, 34 * mm, 13 * mm, 20 * mm, 20 * mm, 17 * mm]
    colour = [
        ("TEXTCOLOR", (2, i), (2, i), GREEN if b.status == BundleStatus.WRITTEN else RED)
        for i, b in enumerate(bundles[:LISTED_BUNDLES], start=1)
    ]
    flow: list[Any] = [_para("Bundles", "h1"), _grid(rows, widths, colour)]
    more = len(bundles) - LISTED_BUNDLES
    note = f"and {more:,} more bundles. " if more > 0 else ""
    flow.append(
        _para(
            f"{note}Each bundle's manifest (every member's offset, sizes, CRC-32, ETag) is <key>.manifest.json.", "note"
        )
    )
    return flow


def _gone(record: FileRunRecord) -> list[Any]:
    gone = [key for b in record.bundle_list() for key in b.missing]
    if not gone:
        return []
    listed = "<br/>".join(_markup(k) for k in gone[:LISTED_MISSING])
    more = f"<br/>and {len(gone) - LISTED_MISSING:,} more" if len(gone) > LISTED_MISSING else ""
    return [
        _para("Files gone since planning", "h1"),
        _para(
            f"{_plural(len(gone), 'file')} listed when the run was planned were no longer in the source when bundled; "
            "they are not archived.",
            "body",
        ),
        _callout("info", "Keys", listed + more),
    ]


def _cost(cost: CostEstimate | None) -> list[Any]:
    if cost is None:
        return []
    per_object, bundling = cost.per_object, cost.bundling
    rows: list[list[Any]] = [_heads(("", "head"), ("Per-object transition", "head_right"), ("Bundling", "head_right"))]
    for label, a, b in (
        ("Objects archived", f"{per_object.archived_objects:,} files", f"{bundling.archived_objects:,} bundles"),
        ("Requests, once", format_usd(per_object.requests_cost), format_usd(bundling.requests_cost)),
        ("Storage, 12 months", format_usd(per_object.storage_per_year), format_usd(bundling.storage_per_year)),
        ("Overhead, 12 months", format_usd(per_object.overhead_per_year), format_usd(bundling.overhead_per_year)),
        ("First year", format_usd(per_object.first_year), format_usd(bundling.first_year)),
        ("Each year after", format_usd(per_object.yearly), format_usd(bundling.yearly)),
        (
            f"Restore one file ({cost.tier})",
            f"{format_usd(per_object.restore_one_file)} ({_size(per_object.restored_bytes)})",
            f"{format_usd(bundling.restore_one_file)} ({_size(bundling.restored_bytes)})",
        ),
    ):
        rows.append([_para(label, "cell"), _para(a, "cell_right"), _para(b, "cell_right")])
    prices = cost.prices
    return [
        _para("Cost: per-object transition against bundling", "h1"),
        _para(
            f"{cost.files:,} files of {_size(cost.avg_size_bytes)} on average into {cost.storage_class}. "
            f"Bundling saves {format_usd(cost.savings_first_year)} the first year and "
            f"{format_usd(cost.savings_yearly)} each year after (negative: it costs more).",
            "body",
        ),
        Spacer(1, 2 * mm),
        _grid(rows, [FRAME_WIDTH - 90 * mm, 45 * mm, 45 * mm]),
        _para(
            f"Prices: {prices.region} list prices as of {prices.as_of:%Y-%m-%d}, {prices.source}. Not included: "
            "the file index in DynamoDB, the Batch compute, and early-deletion fees.",
            "note",
        ),
    ]


def _restore_help(record: FileRunRecord) -> list[Any]:
    tiers = "Standard (within 12 hours) or Bulk (within 48 hours)"
    if record.request.storage_class == "GLACIER":
        tiers = "Expedited (minutes), Standard (3 to 5 hours) or Bulk (5 to 12 hours)"
    return [
        _para("How to restore", "h1"),
        _para(
            f"POST /restore with project_name {record.request.project_name!r} and a filename, a list of filenames "
            f"or a key prefix, and a retrieval_tier: {tiers}. Only the bundles holding the files are thawed, and "
            "only the files are extracted, into the restored bucket under their original keys.",
            "body",
        ),
    ]


def render_file_report(
    record: FileRunRecord,
    *,
    generated_at: datetime,
    findings: list[str],
    cost: CostEstimate | None,
    error: str | None = None,
) -> bytes:
    """The file archival run's PDF report."""
    story = [
        *_header(record),
        *_findings(findings, error),
        _para("Run and request", "h1"),
        _facts(record, generated_at),
        *_bundles(record),
        *_gone(record),
        *_cost(cost),
        *_restore_help(record),
    ]
    subject = f"{(record.verdict or Verdict.FAILED).value}: {record.request.source}"
    return build_pdf(story, title=f"File archival report {record.run_id}", subject=subject)
