"""The Iceberg sink on a local file catalog: atomic table-runs, exactly once across retries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table, Transaction

from archive_io.tables import iceberg

SOURCE = pa.schema([pa.field("Index", pa.int64(), nullable=False), pa.field("name", pa.string())])


@pytest.fixture
def table(tmp_path: Path) -> Table:
    catalog = SqlCatalog("test", uri=f"sqlite:///{tmp_path}/catalog.db", warehouse=f"file://{tmp_path}/warehouse")
    return iceberg.ensure_table(catalog, "archive_db_s.t", iceberg.archive_schema(SOURCE), {"k": "v"})


def batches(n: int, fail_after: int | None = None) -> Iterator[pa.RecordBatch]:
    for i in range(n):
        if fail_after is not None and i == fail_after:
            raise RuntimeError("extraction killed")
        yield pa.RecordBatch.from_pylist([{"Index": i * 10 + j, "name": f"n{j}"} for j in range(10)], schema=SOURCE)


def rows_of(table: Table) -> int:
    table.refresh()
    return table.scan().to_arrow().num_rows if table.current_snapshot() else 0


def test_a_crash_mid_extraction_leaves_nothing_visible_and_a_retry_archives_once(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iceberg, "APPEND_BYTES", 1)  # one append per batch: the crash comes after two appends
    with pytest.raises(RuntimeError, match="extraction killed"):
        iceberg.append_run(table, batches(5, fail_after=2), SOURCE, "run-1", {})
    assert rows_of(table) == 0
    assert iceberg.snapshot_of_run(table, "run-1") is None

    snapshot, rows, _ = iceberg.append_run(table, batches(5), SOURCE, "run-1", {"archive-io.source": "s"})
    assert rows == 50
    assert rows_of(table) == 50
    assert iceberg.snapshot_of_run(table, "run-1") == snapshot
    current = table.current_snapshot()
    assert current is not None
    assert current.summary is not None
    assert current.summary.get("archive-io.source") == "s"


def test_a_crash_in_the_commit_leaves_nothing_visible(table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Transaction) -> Table:
        raise OSError("catalog unreachable")

    monkeypatch.setattr(Transaction, "commit_transaction", fail)
    with pytest.raises(OSError, match="catalog unreachable"):
        iceberg.append_run(table, batches(3), SOURCE, "run-2", {})
    monkeypatch.undo()
    assert rows_of(table) == 0
    assert iceberg.snapshot_of_run(table, "run-2") is None


def test_lineage_columns_and_an_empty_run(table: Table) -> None:
    iceberg.append_run(table, batches(1), SOURCE, "run-3", {})
    snapshot, rows, _ = iceberg.append_run(table, iter([]), SOURCE, "run-4", {})
    assert rows == 0
    assert iceberg.snapshot_of_run(table, "run-4") == snapshot  # an empty run is still findable, so idempotent
    data = table.scan().to_arrow()
    assert data.column_names == ["Index", "name", "_archive_run_id", "_archived_at"]
    assert set(data.column("_archive_run_id").to_pylist()) == {"run-3"}
    assert data.schema.field("_archived_at").type == pa.timestamp("us", tz="UTC")


def test_names_are_normalized_for_glue_and_athena() -> None:
    assert iceberg.table_identifier("Sales-DB", "Public", "Order Items") == "archive_sales_db_public.order_items"


def test_a_table_created_with_a_partition_keeps_it(tmp_path: Path) -> None:
    catalog = SqlCatalog("test", uri=f"sqlite:///{tmp_path}/catalog.db", warehouse=f"file://{tmp_path}/warehouse")
    dated = pa.schema([pa.field("Index", pa.int64()), pa.field("Paid At", pa.timestamp("us"))])
    table = iceberg.ensure_table(catalog, "archive_db_s.p", iceberg.archive_schema(dated), {}, ("Paid At", "day"))
    (field,) = table.spec().fields
    assert (field.name, str(field.transform)) == ("paid_at_day", "day")
    again = iceberg.ensure_table(catalog, "archive_db_s.p", iceberg.archive_schema(dated), {}, ("Paid At", "year"))
    assert [f.name for f in again.spec().fields] == ["paid_at_day"]  # decided at creation
