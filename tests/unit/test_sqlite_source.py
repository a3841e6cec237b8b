from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from archive_io.tables.errors import SourceUnavailableError, UnknownTableError, UnsupportedTypeError
from archive_io.tables.sources.sqlite import SqliteSource, arrow_type_of


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", pa.int64()),
        ("BIGINT", pa.int64()),
        ("VARCHAR(20)", pa.string()),
        ("TEXT", pa.string()),
        ("REAL", pa.float64()),
        ("DOUBLE PRECISION", pa.float64()),
        ("DECIMAL(10,2)", pa.decimal128(10, 2)),
        ("NUMERIC(7)", pa.decimal128(7, 0)),
        ("BOOLEAN", pa.bool_()),
        ("DATE", pa.date32()),
        ("DATETIME", pa.timestamp("us")),
        ("BLOB", pa.binary()),
    ],
)
def test_declared_types_map_to_arrow(declared: str, expected: pa.DataType) -> None:
    assert arrow_type_of("c", declared) == expected


def test_an_untyped_column_is_named_in_the_error() -> None:
    with pytest.raises(UnsupportedTypeError, match="column 'payload' has type '\\(none\\)'"):
        arrow_type_of("payload", "")


def test_rows_stream_as_typed_batches(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE t ("Index" INTEGER NOT NULL, p DECIMAL(6,2), d DATE, ts DATETIME, ok BOOLEAN)')
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            [(i, "10.50", "2024-02-29", "2024-02-29 10:11:12.5", i % 2) for i in range(5)]
            + [(9, None, None, None, None)],
        )
    source = SqliteSource.from_url(f"sqlite:///{path}")
    columns = source.columns("main", "t")
    assert [(c.name, c.nullable) for c in columns] == [
        ("Index", False),
        ("p", True),
        ("d", True),
        ("ts", True),
        ("ok", True),
    ]
    batches = list(source.batches('SELECT * FROM "t"', columns, batch_rows=4))
    assert [b.num_rows for b in batches] == [4, 2]
    rows = pa.Table.from_batches(batches).to_pylist()
    assert rows[0] == {
        "Index": 0,
        "p": Decimal("10.50"),
        "d": date(2024, 2, 29),
        "ts": datetime(2024, 2, 29, 10, 11, 12, 500000),
        "ok": False,
    }
    assert rows[-1] == {"Index": 9, "p": None, "d": None, "ts": None, "ok": None}
    assert source.count('SELECT * FROM "t" WHERE "Index" < 3') == 3
    source.close()


def test_unknown_table_and_missing_file_say_so(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    sqlite3.connect(path).close()
    with pytest.raises(UnknownTableError, match=r"main\.nope does not exist"):
        SqliteSource(str(path)).columns("main", "nope")
    with pytest.raises(SourceUnavailableError, match="does not exist"):
        SqliteSource(str(tmp_path / "absent.db"))


def test_the_source_is_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (a INTEGER)")
    source = SqliteSource(str(path))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        next(source.batches("DELETE FROM t RETURNING a", source.columns("main", "t"), 10))
