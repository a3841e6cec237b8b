"""The archival run report, rendered from run records built in code and read back with pypdf."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from archive_io.contracts import RunRecord
from archive_io.contracts.runs import PurgeResult, PurgeStatus
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
    delete_statement,
    errored_run,
    failing_run,
    large_run,
    passing_run,
    render,
    request,
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
    assert "table_01_x: source purge reached its time limit after 3 chunks (600 rows deleted)" in text[0]
    assert "Purge options chunks of 250 rows · pause 0.50 s between chunks · time limit 1 h 00 min" in text[0]
    assert "The 30 largest of 40 tables." in " ".join(text)
    assert "Lineage" in " ".join(text[-12:])


# --- the source purge -----------------------------------------------------------------------------


def section(everything: str, start: str, end: str) -> str:
    """The text from `start` to `end`: one table's details, say."""
    begin = everything.index(start)
    return everything[begin : everything.index(end, begin)]


def test_the_cover_says_which_source_purge_was_asked_and_what_it_deleted(
    passing: list[str], failing: list[str]
) -> None:
    cover = passing[0]
    assert "Source purge Asked (request-wide) for 2 of 3 tables, all but customers." in cover
    assert "Only the rows of a table that passed this run's validation are deleted." in cover
    assert "Purge options chunks of 20 rows · no pause · no time limit · dry run: no" in cover
    assert "Rows deleted 16 from the source (none by the dry run of 1 table)" in cover
    assert "Rows left 3: changed since the extraction" in cover
    cover = failing[0]
    assert "Source purge Asked (per table) for 2 of 3 tables: payments, regions." in cover
    assert "Rows deleted 12 from the source Rows left 0" in cover


def test_a_run_that_asked_no_purge_says_so_on_the_cover_only() -> None:
    record = passing_run()
    unpurged = {name: table.model_copy(update={"purge": None}) for name, table in record.tables.items()}
    text = text_of(record.model_copy(update={"request": request(), "tables": unpurged}))
    assert "Source purge Not asked: the source keeps the archived rows" in text[0]
    everything = " ".join(text)
    assert everything.count("Source purge") == 2, "the cover's fact and the summary's column head only"
    assert "14.5 s — PASSED" in everything
    assert "Purge options" not in everything
    assert "Rows deleted" not in everything


def test_the_tables_summary_has_a_source_purge_column(passing: list[str], failing: list[str]) -> None:
    summary = section(" ".join(passing), "Tables Table", "Rows and throughput")
    assert "Time Source purge Verdict" in summary
    assert "products 19 19 19 equal equal 4.25 s deleted 16 3 left PASSED" in summary
    assert "leads 49 49 49 equal equal 3.77 s dry run: 49 PASSED" in summary
    assert "customers 60,000 60,000 60,000 equal equal 14.5 s — PASSED" in summary
    summary = section(" ".join(failing), "Tables Table", "Rows and throughput")
    assert "payments 400 400 400 differs equal 7.93 s refused FAILED" in summary
    assert "invoices 1,200 1,200 1,201 differs 1 blocking 6.25 s — FAILED" in summary
    assert "regions 12 12 12 equal equal 2.64 s deleted 12 PASSED" in summary


def test_a_purged_table_says_what_was_deleted_and_lists_the_rows_left(passing: list[str]) -> None:
    products = section(" ".join(passing), "products PASSED Status", "leads PASSED Status")
    assert (
        "Source purge Status DONE Deleted by key Index Rows 16 deleted · 3 left in place (changed in the source "
        "since the extraction) · 0 already gone from the source Chunks 1 of up to 20 rows, each committed on its own "
        "Time taken 0.84 s"
    ) in products
    assert "3 rows left in place: they changed in the source after the extraction" in products
    assert "the purge does not delete them" in products
    assert "By key, all are listed: Index 4 11 17 Source SQL" in products
    assert "Dry run" not in products


def test_the_cover_finds_rows_left_in_the_source_without_failing_the_run(passing: list[str]) -> None:
    cover = passing[0]
    assert "Every table matches its source" in cover
    assert "Source purge (not part of the verdict, which is about validation)" in cover
    assert "products: 3 rows left in the source: they changed in the source after the extraction" in cover
    assert "leads:" not in cover  # its dry run left nothing


def test_a_dry_run_says_nothing_was_deleted_and_shows_its_statements(passing: list[str]) -> None:
    everything = " ".join(passing)
    leads = section(everything, "leads PASSED Status", "customers PASSED Status")
    assert "Source purge Dry run: nothing was deleted" in leads
    assert "Status DRY_RUN" in leads
    assert "Rows 49 would be deleted · 0 would be left in place · 0 already gone from the source" in leads
    assert "Chunks 3 of up to 20 rows, each rolled back on its own" in leads
    assert "The first 3 DELETE statements it would run" in leads
    assert 'DELETE FROM "main"."leads" WHERE "Index" IN ($1, $2, $3, $4, $5, $6, $7, $8, $9) -- 9 keys' in leads
    assert leads.count("DELETE FROM") == 3
    # customers was not asked: it has no purge section.
    assert "Source purge" not in section(everything, "customers PASSED Status", "Lineage")


def test_a_refused_purge_gives_its_reason_on_the_cover_and_in_the_details(failing: list[str]) -> None:
    reason = "payments of run run-20250315-140000-b2c9 failed validation: checksum differs"
    assert f"payments: source purge refused, nothing deleted: {reason}" in failing[0]
    payments = section(" ".join(failing), "payments FAILED Status", "invoices FAILED Status")
    assert f"Source purge Refused: nothing was deleted from the source {reason}" in payments
    assert "A purge deletes only the rows of a table that passed this run's validation" in payments
    invoices = section(" ".join(failing), "invoices FAILED Status", "regions PASSED Status")
    assert "Source purge" not in invoices  # not asked
    regions = section(" ".join(failing), "regions PASSED Status", "Lineage")
    assert "Source purge Status DONE Deleted by key code Rows 12 deleted · 0 left in place" in regions


def test_a_purge_that_did_not_run_says_so(errored: list[str]) -> None:
    cover, everything = errored[0], " ".join(errored)
    assert "orders: source purge asked, but it did not run: nothing was deleted" in cover
    assert "Rows deleted 0 from the source" in cover
    assert "8.50 s not run not validated" in everything
    orders = section(everything, "orders not validated Status", "events not validated Status")
    assert "Source purge Asked, but it did not run: nothing was deleted from the source." in orders


@pytest.mark.parametrize(
    ("status", "cover_says", "summary_says"),
    [
        (PurgeStatus.STOPPED, "was stopped by the run's stop flag", "stopped deleted 10"),
        (PurgeStatus.TIMED_OUT, "reached its time limit", "timed out deleted 10"),
    ],
)
def test_an_unfinished_purge_says_a_rerun_continues_where_it_stopped(
    status: PurgeStatus, cover_says: str, summary_says: str
) -> None:
    record = passing_run()
    left = {"Index": "<b>4</b> & Zürich 東"}
    purge = PurgeResult(status=status, key_columns=["Index"], rows_deleted=10, rows_left=1, left_keys=[left], chunks=1)
    products = record.tables["products"].model_copy(update={"purge": purge})
    text = text_of(record.model_copy(update={"tables": record.tables | {"products": products}}))
    everything = " ".join(text)
    assert f"products: source purge {cover_says} after 1 chunk (10 rows deleted): a re-run continues" in text[0]
    assert f"4.25 s {summary_says} 1 left PASSED" in everything
    details = section(everything, "products PASSED Status", "leads PASSED Status")
    assert f"Source purge not finished The purge {cover_says} after 1 chunk" in details
    assert "a re-run continues where it stopped" in details
    assert f"Status {status.value}" in details
    # A key left in place is a value: escaped, its undrawable characters named.
    assert "By key, all are listed: Index <b>4</b> & Zürich [U+6771]" in details


def test_a_long_dry_run_statement_is_shortened_to_its_head_and_end() -> None:
    record = passing_run()
    leads = record.tables["leads"]
    assert leads.purge is not None
    purge = leads.purge.model_copy(update={"statements": [delete_statement("leads", "Index", 1000)]})
    tables = record.tables | {"leads": leads.model_copy(update={"purge": purge})}
    everything = " ".join(text_of(record.model_copy(update={"tables": tables})))
    statement = section(everything, 'DELETE FROM "main"."leads"', "Source SQL")
    assert '"Index" IN ($1, $2, $3' in statement
    assert "… " in statement
    assert statement.rstrip().endswith("$999, $1000) -- 1000 keys")
    assert "$500," not in statement
