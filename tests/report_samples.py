"""Sample run records for the archival report, built in code: a passing run, a failing one, one that errored.

`python -m tests.report_samples DIR` renders them to DIR/report-<name>.pdf, to look at.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive_io.contracts import ArchivalRequest, RunRecord, RunStatus, TableResult, TableStatus, Validation, Verdict
from archive_io.contracts.runs import (
    Aggregates,
    Checksum,
    ColumnComparison,
    DifferenceKind,
    PurgeResult,
    PurgeStatus,
    RowDifference,
    SchemaDifference,
    ValueDifference,
)
from archive_io.reports.archival import render_archival_report
from tests.conftest import payload

WAREHOUSE = "s3://archive-io-warehouse/"
CREATED = datetime(2025, 3, 14, 9, 30, 5, tzinfo=UTC)
FINISHED = CREATED + timedelta(minutes=4, seconds=12)
SNAPSHOT_READ = "in the extraction's transaction: the same snapshot (PostgreSQL REPEATABLE READ)"
SOURCE_CHANGED = "the source changed after the extraction"

# Checksums as the validation computes them: sums of 60-bit hashes are big integers.
PRODUCTS_SUM = 11_529_215_046_068_469_737_123
PRODUCTS_XOR = 0x0A3F29C81B7E4D2
PAYMENTS_SOURCE = Checksum(count=400, sum=230_584_300_921_369_395_211_507, xor=0x7C1E00B5A9D3F42)
PAYMENTS_ARCHIVE = Checksum(count=400, sum=230_584_300_921_370_112_894_331, xor=0x1D05E6F7A2B3C88)

# A long value with markup and characters the PDF fonts cannot draw.
LONG_MEMO = "Refund <b>&amp; credit</b> for Zürich order, customer 東京 branch: " + "x" * 150
NEW_MEMO = "Refund & credit for Zurich order, trailing space "


def request(
    tables: list[dict[str, object]] | None = None, *, legal_hold: bool = False, **fields: object
) -> ArchivalRequest:
    """payloads/archival_input_payload.json, with other tables, a legal hold or other fields (a purge's)."""
    body = payload("archival_input_payload.json") | {"legal_hold": legal_hold, **fields}
    return ArchivalRequest.model_validate(body if tables is None else body | {"source_table": tables})


def delete_statement(table_name: str, key: str, count: int) -> str:
    """A dry run's statement as the PostgreSQL writer of archive_io.tables.purge words it."""
    markers = ", ".join(f"${n}" for n in range(1, count + 1))
    return f'DELETE FROM "main"."{table_name}" WHERE "{key}" IN ({markers})  -- {count} keys'


def aggregates(column: str, kind: str, nulls: int, low: str, high: str, total: str | None) -> ColumnComparison:
    same = Aggregates(nulls=nulls, min=low, max=high, sum=total)
    return ColumnComparison(column=column, type=kind, source=same, archive=same, matches=True)


def passed(rows: int, checksum: Checksum, key: list[str], columns: list[ColumnComparison]) -> Validation:
    return Validation(
        verdict=Verdict.PASSED,
        source_rows=rows,
        archive_rows=rows,
        source_checksum=checksum,
        archive_checksum=checksum,
        key_columns=key,
        source_read=SNAPSHOT_READ,
        columns=columns,
        localized=bool(key),
        seconds=1.84,
        source_seconds=0.62,
        archive_seconds=0.91,
    )


def table(name: str, columns: list[str], sql: str, **fields: object) -> TableResult:
    return TableResult.model_validate(
        {
            "table_name": name,
            "source_sql": sql,
            "columns": columns,
            "iceberg_table": f"archive_demo_main.{name}",
            **fields,
        }
    )


def passing_run() -> RunRecord:
    """Three tables that all validate; `customers` has no primary key and no recorded location."""
    products = table(
        "products",
        ["Index", "Name", "Price", "Added"],
        'SELECT "Index", "Name", "Price", "Added" FROM "main"."products" WHERE "Index" < 20',
        status=TableStatus.VALIDATED,
        iceberg_location="s3://archive-io-warehouse/archive_demo_main.db/products-4f1c2a",
        rows_archived=19,
        bytes_archived=4_812,
        snapshot_id=5_812_937_461_223_904_117,
        archive_seconds=2.41,
        rows_per_second=7.9,
        purge=PurgeResult(
            status=PurgeStatus.DONE,
            key_columns=["Index"],
            rows_deleted=16,
            rows_left=3,
            left_keys=[{"Index": "4"}, {"Index": "11"}, {"Index": "17"}],
            chunks=1,
            seconds=0.84,
        ),
        validation=passed(
            19,
            Checksum(count=19, sum=PRODUCTS_SUM, xor=PRODUCTS_XOR),
            ["Index"],
            [
                aggregates("Index", "long", 0, "1", "19", "190"),
                aggregates("Name", "string", 0, "Anchor bolt", "Wrench set", None),
                aggregates("Price", "decimal(10, 2)", 2, "0.99", "249.00", "1893.40"),
                aggregates("Added", "date", 0, "2019-01-02", "2024-12-30", None),
            ],
        ),
    )
    leads = table(
        "leads",
        ["Index", "Company", "Stage", "Score"],
        'SELECT "Index", "Company", "Stage", "Score" FROM "main"."leads" WHERE "Index" < 50',
        status=TableStatus.VALIDATED,
        iceberg_location="s3://archive-io-warehouse/archive_demo_main.db/leads-9a0b7e",
        rows_archived=49,
        bytes_archived=9_930,
        snapshot_id=2_004_118_552_907_331_610,
        archive_seconds=1.93,
        rows_per_second=25.4,
        # A dry run next to a purge, to show both in one sample; a real run's dry_run option is for all its tables.
        purge=PurgeResult(
            status=PurgeStatus.DRY_RUN,
            key_columns=["Index"],
            rows_deleted=49,
            chunks=3,
            statements=[delete_statement("leads", "Index", n) for n in (20, 20, 9)],
            seconds=0.31,
        ),
        validation=passed(
            49,
            Checksum(count=49, sum=28_201_218_774_559_012_991_471, xor=0x5B0E1C97D3A6F08),
            ["Index"],
            [
                aggregates("Index", "long", 0, "1", "49", "1225"),
                aggregates("Score", "double", 3, "0.5", "99.5", "2411.5"),
            ],
        ),
    )
    customers = table(
        "customers",
        ["Customer Id", "First Name", "Last Name", "City", "Subscribed"],
        'SELECT "Customer Id", "First Name", "Last Name", "City", "Subscribed" FROM "main"."customers"',
        status=TableStatus.VALIDATED,
        rows_archived=60_000,
        bytes_archived=3_481_223,
        snapshot_id=7_339_001_245_870_112_334,
        archive_seconds=12.7,
        rows_per_second=4_724.4,
        validation=passed(
            60_000,
            Checksum(count=60_000, sum=34_587_001_338_201_449_806_553_117, xor=0x0000F3A2C1D4E5B),
            [],
            [
                aggregates("Customer Id", "string", 0, "00012ab", "ffe91c0", None),
                aggregates("City", "string", 12, "Aachen", "Zürich", None),
                aggregates("Subscribed", "date", 0, "2020-01-01", "2022-05-31", None),
            ],
        ),
    )
    products_, leads_, customers_ = payload("archival_input_payload.json")["source_table"]
    # The source purge, asked of the request, with customers (no primary key) opted out.
    tables = [products_, leads_, customers_ | {"purge_source": False}]
    return RunRecord(
        run_id="run-20250314-093005-7f3a",
        status=RunStatus.SUCCEEDED,
        request=request(tables, purge_source=True, purge={"chunk_rows": 20}),
        created_at=CREATED,
        updated_at=FINISHED,
        execution_arn="arn:aws:states:eu-west-1:123456789012:execution:archive-io-archival:run-20250314-093005-7f3a",
        tables={t.table_name: t for t in (products, leads, customers)},
        verdict=Verdict.PASSED,
    )


def payments_differences() -> list[RowDifference]:
    """A changed decimal, a missing row, a duplicated row, a long non-ASCII value, and more to fill a page."""
    listed = [
        RowDifference(
            kind=DifferenceKind.CHANGED,
            key={"id": "10"},
            columns=[ValueDifference(column="amount", source="15.01", archive="99.99")],
            columns_differing=1,
        ),
        RowDifference(kind=DifferenceKind.MISSING, key={"id": "77"}),
        RowDifference(kind=DifferenceKind.DUPLICATED, key={"id": "120"}),
        RowDifference(
            kind=DifferenceKind.CHANGED,
            key={"id": "131"},
            columns=[
                ValueDifference(column="memo", source=LONG_MEMO, archive="Refund\tcredit\nZurich"),
                ValueDifference(column="note", source=NEW_MEMO, archive=NEW_MEMO.rstrip()),
            ],
            columns_differing=13,
        ),
    ]
    filler = [
        RowDifference(
            kind=DifferenceKind.CHANGED,
            key={"id": str(200 + n)},
            columns=[
                ValueDifference(column="amount", source=f"{n}.00", archive=f"{n}.01"),
                ValueDifference(column="paid", source="2024-02-29", archive="2024-03-01"),
            ],
            columns_differing=2,
        )
        for n in range(16)
    ]
    return listed + filler


def failing_run() -> RunRecord:
    """`payments` differs by rows (and its source changed since); `invoices` by schema; `regions` passes.

    The source purge was asked of payments, which it refused, and of regions, which it purged.
    """
    payments = table(
        "payments",
        ["id", "amount", "memo", "note", "paid"],
        'SELECT "id", "amount", "memo", "note", "paid" FROM "main"."payments" WHERE "paid" < DATE \'2025-01-01\'',
        status=TableStatus.FAILED,
        iceberg_location="s3://archive-io-warehouse/archive_demo_main.db/payments-77d0c1",
        rows_archived=400,
        bytes_archived=18_944,
        snapshot_id=3_141_592_653_589_793_238,
        archive_seconds=3.2,
        rows_per_second=125.0,
        validation=Validation(
            verdict=Verdict.FAILED,
            source_rows=400,
            archive_rows=400,
            source_checksum=PAYMENTS_SOURCE,
            archive_checksum=PAYMENTS_ARCHIVE,
            key_columns=["id"],
            source_read=SNAPSHOT_READ,
            source_changed=True,
            columns=[
                aggregates("id", "int", 0, "1", "400", "80200"),
                ColumnComparison(
                    column="amount",
                    type="decimal(10, 2)",
                    source=Aggregates(nulls=0, min="0.00", max="150.00", sum="30050.00"),
                    archive=Aggregates(nulls=0, min="0.01", max="150.00", sum="30135.01"),
                    matches=False,
                ),
                ColumnComparison(
                    column="memo",
                    type="string",
                    source=Aggregates(nulls=4, min="Adjustment", max="Zürich transfer"),
                    archive=Aggregates(nulls=5, min="Adjustment", max="Zürich transfer"),
                    matches=False,
                ),
                aggregates("paid", "date", 0, "2024-01-01", "2024-12-31", None),
            ],
            differences=payments_differences(),
            missing_rows=1,
            extra_rows=1,
            changed_rows=35,
            reasons=[
                "column 'amount': min 0.00 vs 0.01, sum 30050.00 vs 30135.01 (source vs archive)",
                "column 'memo': nulls 4 vs 5 (source vs archive)",
                "checksum differs",
                "differing rows by key: 35 changed, 1 missing, 1 duplicated",
                "the source changed after the extraction in the differing segments: the rows listed compare "
                "the archive with the source as it is now, so some may be source changes, not archive errors",
            ],
            seconds=4.73,
            source_seconds=1.02,
            archive_seconds=1.37,
        ),
        purge=PurgeResult(
            status=PurgeStatus.REFUSED,
            reason="payments of run run-20250315-140000-b2c9 failed validation: checksum differs; "
            "differing rows by key: 35 changed, 1 missing, 1 duplicated",
        ),
    )
    invoices = table(
        "invoices",
        ["region", "number", "total", "issued"],
        'SELECT "region", "number", "total", "issued" FROM "main"."invoices"',
        status=TableStatus.FAILED,
        rows_archived=1_200,
        bytes_archived=52_100,
        snapshot_id=8_800_555_123_456_789_012,
        archive_seconds=4.05,
        rows_per_second=296.3,
        validation=Validation(
            verdict=Verdict.FAILED,
            source_rows=1_200,
            archive_rows=1_201,
            source_checksum=Checksum(count=1_200, sum=691_752_902_764_108_185_600, xor=0x3E8A0C51B7F9D26),
            archive_checksum=Checksum(count=1_201, sum=692_329_363_516_411_609_217, xor=0x2F1B6D40A8E0C37),
            key_columns=["region", "number"],
            source_read=SNAPSHOT_READ,
            schema_differences=[
                SchemaDifference(column="total", source="decimal(12, 2)", archive="decimal(10, 2)", blocking=True),
                SchemaDifference(column="issued", source="not null", archive="optional", blocking=False),
            ],
            columns=[aggregates("number", "long", 0, "1", "1200", "720600")],
            differences=[RowDifference(kind=DifferenceKind.EXTRA, key={"region": "EU-West", "number": "1201"})],
            extra_rows=1,
            reasons=[
                "schema: column 'total' is decimal(12, 2) in the source, decimal(10, 2) in the archive",
                "row count differs: source 1200, archive 1201",
                "checksum differs",
                "differing rows by key: 1 extra",
            ],
            seconds=2.2,
            source_seconds=0.8,
            archive_seconds=0.9,
        ),
    )
    regions = table(
        "regions",
        ["code", "name"],
        'SELECT "code", "name" FROM "main"."regions"',
        status=TableStatus.VALIDATED,
        rows_archived=12,
        bytes_archived=1_020,
        snapshot_id=1_000_000_000_000_000_001,
        archive_seconds=0.8,
        rows_per_second=15.0,
        validation=passed(12, Checksum(count=12, sum=6_917_529_027_641_081_856, xor=0x123456789ABCDEF), ["code"], []),
        purge=PurgeResult(status=PurgeStatus.DONE, key_columns=["code"], rows_deleted=12, chunks=1, seconds=0.12),
    )
    return RunRecord(
        run_id="run-20250315-140000-b2c9",
        status=RunStatus.FAILED,
        request=request(
            [
                {"table_name": "payments", "condition": "paid < DATE '2025-01-01'", "purge_source": True},
                {"table_name": "invoices"},
                {"table_name": "regions", "query": 'SELECT "code", "name" FROM "main"."regions"', "purge_source": True},
            ],
            legal_hold=True,
        ),
        created_at=CREATED + timedelta(days=1),
        updated_at=CREATED + timedelta(days=1, minutes=2, seconds=31),
        tables={t.table_name: t for t in (payments, invoices, regions)},
        verdict=Verdict.FAILED,
    )


TASK_ERROR = "Glue job archive-io-archive-table failed: JobRunState FAILED after 1 attempt"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/opt/archive_io/tables/archival.py", line 262, in archive_table\n'
    "    snapshot, rows, nbytes = iceberg.append_run(\n"
    "psycopg.errors.QueryCanceled: canceling statement due to statement timeout"
)


def errored_run() -> RunRecord:
    """A run stopped by a task error: one table archived but not validated, one failed to archive; no purge ran."""
    orders = table(
        "orders",
        ["id", "placed", "total"],
        'SELECT "id", "placed", "total" FROM "main"."orders" WHERE "placed" < DATE \'2020-01-01\'',
        status=TableStatus.ARCHIVED,
        rows_archived=25_000,
        bytes_archived=1_250_000,
        snapshot_id=4_242_424_242_424_242_424,
        archive_seconds=8.5,
        rows_per_second=2_941.2,
    )
    events = table(
        "events",
        ["id", "payload"],
        'SELECT "id", "payload" FROM "main"."events"',
        status=TableStatus.FAILED,
        error=TRACEBACK,
    )
    return RunRecord(
        run_id="run-20250316-080000-e4d1",
        status=RunStatus.FAILED,
        request=request(
            [{"table_name": "orders", "condition": "placed < DATE '2020-01-01'"}, {"table_name": "events"}],
            purge_source=True,
        ),
        created_at=CREATED + timedelta(days=2),
        updated_at=CREATED + timedelta(days=2, minutes=31, seconds=7),
        tables={t.table_name: t for t in (orders, events)},
        verdict=Verdict.FAILED,
        error="States.TaskFailed",
        cause=TASK_ERROR,
    )


def large_run() -> RunRecord:
    """Many tables with long names, wide tables and long values: everything must fit the page and split."""
    long_value = "Ünïcödé, <markup/> & a very long value without any space: " + "0123456789" * 12
    columns = [f"column_with_a_rather_long_name_{n:02d}" for n in range(40)]
    differences = [
        RowDifference(
            kind=DifferenceKind.CHANGED,
            key={"tenant": f"tenant-{n}", "document_id": f"{n:032x}"},
            columns=[ValueDifference(column=c, source=long_value, archive=long_value[::-1]) for c in columns[:10]],
            columns_differing=40,
        )
        for n in range(20)
    ]
    comparisons = [
        ColumnComparison(
            column=c,
            type="string",
            source=Aggregates(nulls=n, min=long_value, max=long_value),
            archive=Aggregates(nulls=n + n % 2, min=long_value, max=long_value[::-1]),
            matches=n % 2 == 0,
        )
        for n, c in enumerate(columns)
    ]
    wide = table(
        "a_table_with_a_very_long_name_indeed_of_the_maximum_kind",
        columns,
        f"SELECT {', '.join(columns)} FROM main.wide",
        status=TableStatus.FAILED,
        rows_archived=987_654_321,
        bytes_archived=123_456_789_012,
        snapshot_id=9_123_456_789_012_345_678,
        archive_seconds=3_600.5,
        rows_per_second=274_306.2,
        validation=Validation(
            verdict=Verdict.FAILED,
            source_rows=987_654_321,
            archive_rows=987_654_320,
            source_checksum=Checksum(count=987_654_321, sum=(1 << 89) + 12345, xor=(1 << 60) - 1),
            archive_checksum=Checksum(count=987_654_320, sum=(1 << 89) - 9, xor=0),
            key_columns=["tenant", "document_id"],
            source_read=SNAPSHOT_READ,
            columns=comparisons,
            differences=differences,
            missing_rows=1_000,
            changed_rows=123_456,
            reasons=[f"column {c!r}: nulls differ (source vs archive)" for c in columns[1::2]] + ["checksum differs"],
            seconds=812.0,
        ),
        purge=PurgeResult(
            status=PurgeStatus.REFUSED,
            reason="a_table_with_a_very_long_name_indeed_of_the_maximum_kind of run run-20250317-000000-ffff failed "
            "validation: " + "; ".join(f"column {c!r}: nulls differ (source vs archive)" for c in columns[1::2]),
        ),
    )
    small = [
        table(
            f"table_{n:02d}_{'x' * (n % 30)}",
            ["id"],
            f"SELECT id FROM main.t{n}",
            status=TableStatus.VALIDATED,
            rows_archived=n * 1_000,
            rows_per_second=n * 10.0,
            archive_seconds=100.0,
            validation=passed(n * 1_000, Checksum(count=n * 1_000, sum=n << 70, xor=n), ["id"], []),
            purge=PurgeResult(
                status=PurgeStatus.DONE, key_columns=["id"], rows_deleted=n * 1_000, chunks=n * 4, seconds=n * 2.5
            ),
        )
        for n in range(1, 40)
    ]
    # The first small table, keyed by two columns, ran out of time purging, having left rows with long keys.
    keyed = small[0]
    assert keyed.validation is not None
    small[0] = keyed.model_copy(
        update={
            "columns": ["tenant", "document_id"],
            "source_sql": "SELECT tenant, document_id FROM main.t1",
            "validation": keyed.validation.model_copy(update={"key_columns": ["tenant", "document_id"]}),
            "purge": PurgeResult(
                status=PurgeStatus.TIMED_OUT,
                key_columns=["tenant", "document_id"],
                rows_deleted=600,
                rows_left=153,
                rows_absent=7,
                left_keys=[{"tenant": f"{long_value}-{n}", "document_id": f"{n:032x}"} for n in range(20)],
                chunks=3,
                seconds=3_600.2,
            ),
        }
    )
    tables = [wide, *small]
    return RunRecord(
        run_id="run-20250317-000000-ffff",
        status=RunStatus.FAILED,
        request=request(
            [{"table_name": t.table_name} for t in tables],
            purge_source=True,
            purge={"chunk_rows": 250, "sleep_seconds": 0.5, "max_seconds": 3_600},
        ),
        created_at=CREATED + timedelta(days=3),
        updated_at=CREATED + timedelta(days=3, hours=2, minutes=5),
        tables={t.table_name: t for t in tables},
        verdict=Verdict.FAILED,
    )


SAMPLES = {"passing": passing_run, "failing": failing_run, "errored": errored_run, "large": large_run}


def render(record: RunRecord, error: str | None = None) -> bytes:
    generated_at = record.updated_at + timedelta(seconds=3)
    return render_archival_report(record, generated_at=generated_at, warehouse=WAREHOUSE, error=error)


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, build in SAMPLES.items():
        record = build()
        error = f"{record.error}: {record.cause}" if record.error else None
        (out / f"report-{name}.pdf").write_bytes(render(record, error))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
