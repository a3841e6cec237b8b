"""The archival run report, rendered from run records built in code and read back with pypdf."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from archive_io.contracts import RunRecord
from archive_io.reports.archival import render_archival_report
from tests.report_samples import (
    FINISHED,
    PAYMENTS_ARCHIVE,
    PAYMENTS_SOURCE,
    PRODUCTS_SUM,
    PRODUCTS_XOR,
    SNAPSHOT_READ,
    TASK_ERROR,
    WAREHOUSE,
    errored_run,
    failing_run,
    large_run,
    passing_run,
    render,
)


def pages(pdf: bytes) -> list[str]:
    """Each page's text, its whitespace runs made single spaces (cells wrap where they like)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(record: RunRecord, error: str | None = None) -> list[str]:
    return pages(render(record, error))


@pytest.fixture(scope="module")
def passing() -> list[str]:
    return text_of(passing_run())


@pytest.fixture(scope="module")
def failing() -> list[str]:
    return text_of(failing_run())


@pytest.fixture(scope="module")
def errored() -> list[str]:
    record = errored_run()
    return text_of(record, f"{record.error}: {record.cause}")


def test_a_passing_run_says_so_first_and_shows_the_request(passing: list[str]) -> None:
    cover, everything = passing[0], " ".join(passing)
    assert "PASSED" in cover
    assert "3 / 3 tables passed" in cover
    assert "Every table matches its source" in cover
    assert "FAILED" not in everything
    # The request: who, when, what, legal hold, retention.
    assert "Triggered by Gokul" in cover
    assert "gokul@example.com" in cover
    assert "Requested 2025-03-14 09:30:05 UTC" in cover
    assert "products (own query); leads where Index < 50; customers (all rows)" in cover
    assert "Legal hold No" in cover
    assert "6 years, until 2031-03-14" in cover
    assert f"Page 1 of {len(passing)}" in cover


def test_a_passing_run_shows_checksums_of_both_sides(passing: list[str]) -> None:
    everything = " ".join(passing)
    # Source and archive, each in full: the sum grouped by thousands, the xor as 15 hex digits.
    assert everything.count(f"{PRODUCTS_SUM:,}") == 2
    assert everything.count(f"0x{PRODUCTS_XOR:015x}") == 2
    assert SNAPSHOT_READ in everything
    assert "archival 2.41 s (8 rows/s)" in everything


def test_a_table_without_a_primary_key_says_its_differences_cannot_be_localized(passing: list[str]) -> None:
    everything = " ".join(passing)
    assert everything.count("This table has no primary key") == 1
    # It is said of customers, the table without one, in its own section.
    customers = everything.index("customers PASSED Status VALIDATED")
    assert customers < everything.index("This table has no primary key") < everything.index("Lineage")


def test_lineage_gives_snapshot_location_and_queries(passing: list[str]) -> None:
    start = next(i for i, page in enumerate(passing) if "Lineage Every archived row" in page)
    assert start == len(passing) - 1, "the lineage is the last page"
    lineage = passing[start]
    record = passing_run()
    for table in record.tables.values():
        assert f"Snapshot id {table.snapshot_id}" in lineage
        assert f"FOR VERSION AS OF {table.snapshot_id}" in lineage
        assert f"archive_demo_main.{table.table_name}" in lineage
    # The catalog's location where the run recorded it, else one derived from the warehouse.
    assert "s3://archive-io-warehouse/archive_demo_main.db/products-4f1c2a" in lineage
    assert "s3://archive-io-warehouse/archive_demo_main.db/customers (derived)" in lineage
    assert f"WHERE _archive_run_id = '{record.run_id}'" in lineage


def test_a_failing_run_gives_its_reasons_on_the_cover(failing: list[str]) -> None:
    cover = failing[0]
    assert "FAILED" in cover
    assert "PASSED" not in cover.split("Findings")[0]
    assert "1 / 3 tables passed" in cover
    assert "column 'amount': min 0.00 vs 0.01" in cover
    assert "schema: column 'total' is decimal(12, 2) in the source, decimal(10, 2) in the archive" in cover
    assert "source changed since extraction" in cover
    assert "Legal hold Yes: the archive may not be purged" in cover


def test_a_failing_run_lists_the_differing_rows_by_key(failing: list[str]) -> None:
    everything = " ".join(failing)
    assert (
        "37 rows differ: 1 missing from the archive · 1 extra or duplicated in the archive · 35 changed" in everything
    )
    assert "the first 20 are listed" in everything
    assert "changed id = 10 amount 15.01 99.99" in everything
    assert "missing id = 77 whole row present absent" in everything
    assert "duplicated id = 120 whole row present present more times" in everything
    assert "extra region = EU-West, number = 1201 whole row absent present" in everything
    assert "and 11 more columns differ" in everything


def test_values_are_escaped_and_drawable(failing: list[str]) -> None:
    everything = " ".join(failing)
    # Markup in a value is text; characters the fonts lack are named; control characters are visible.
    assert "Refund <b>&amp; credit</b>" in everything
    assert "Zürich order, customer [U+6771][U+4EAC] branch" in everything
    assert "Refund\\tcredit\\nZurich" in everything
    # Values that differ only in trailing spaces would look alike: both are shown quoted.
    assert "'Refund & credit for Zurich order, trailing space '" in everything
    assert "'Refund & credit for Zurich order, trailing space'" in everything


def test_a_failing_run_shows_the_evidence(failing: list[str]) -> None:
    everything = " ".join(failing)
    for checksum in (PAYMENTS_SOURCE, PAYMENTS_ARCHIVE):
        assert f"{checksum.sum:,}" in everything
        assert f"0x{checksum.xor:015x}" in everything
    assert "Comparison equal differs differs" in everything
    assert "total decimal(12, 2) decimal(10, 2) blocking: fails validation" in everything
    assert "issued not null optional note only" in everything
    # Column aggregates: the mismatches, source above archive.
    assert "S 0.00 A 0.01" in everything
    assert "S 30050.00 A 30135.01" in everything
    assert "S 4 A 5" in everything
    assert "2 of 4 columns agree" in everything


def test_a_source_change_is_warned_of_once(failing: list[str]) -> None:
    everything = " ".join(failing)
    assert everything.count("Warning: the source changed after the extraction") == 1
    payments, invoices = everything.index("payments FAILED Status"), everything.index("invoices FAILED Status")
    assert payments < everything.index("Warning: the source changed after the extraction") < invoices


def test_the_differing_rows_table_repeats_its_head_on_every_page(failing: list[str]) -> None:
    head = "Kind Key Column Source value Archive value"
    spanned = [page for page in failing if "id = 215" in page or "id = 10 amount" in page]
    assert len(spanned) == 2, "the sample's differing rows should span two pages"
    assert all(head in page for page in spanned)


def test_a_run_stopped_by_a_task_error_shows_it_and_nothing_validated(errored: list[str]) -> None:
    cover, everything = errored[0], " ".join(errored)
    assert "FAILED" in cover
    assert "0 / 2 tables passed" in cover
    assert "Run error" in cover
    assert TASK_ERROR in cover
    assert "archival failed: psycopg.errors.QueryCanceled: canceling statement due to statement timeout" in cover
    assert "not validated" in cover
    assert "PASSED" not in everything
    assert "Table error" in everything
    assert "The table has no validation result" in everything
    assert "Snapshot id 4242424242424242424" in everything


def test_a_run_without_an_error_cannot_show_passed_when_told_of_one() -> None:
    text = pages(render_archival_report(passing_run(), generated_at=FINISHED, warehouse=WAREHOUSE, error="boom"))
    assert "FAILED" in text[0]
    assert "Run error Error: boom" in text[0]


def test_a_large_run_renders_and_keeps_its_cover_short() -> None:
    text = pages(render(large_run()))
    assert len(text) > 20
    assert "and 17 more: see the table's details" in text[0]
    assert "The 30 largest of 40 tables." in " ".join(text)
    assert "Lineage" in " ".join(text[-12:])
