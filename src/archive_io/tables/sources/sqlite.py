"""SQLite source (the embedded demo's database), read with the standard library."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from archive_io.contracts.connections import sqlite_path
from archive_io.tables.errors import SourceUnavailableError, UnknownTableError, UnsupportedTypeError
from archive_io.tables.purge import KeyedWriter
from archive_io.tables.sources import Column, TableStatistics, arrow_schema, validated
from archive_io.tables.validation import PythonSide, Side

_DECIMAL = re.compile(r"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")


def arrow_type_of(column: str, declared: str) -> pa.DataType:
    """The Arrow type of a SQLite column from its declared type (SQLite's affinity rules, made strict)."""
    decl = declared.strip().upper()
    if match := _DECIMAL.match(decl):
        return pa.decimal128(int(match[1]), int(match[2] or 0))
    if decl in {"BOOLEAN", "BOOL"}:
        return pa.bool_()
    if decl in {"DATETIME", "TIMESTAMP"}:
        return pa.timestamp("us")
    if decl == "DATE":
        return pa.date32()
    if "INT" in decl:
        return pa.int64()
    if any(t in decl for t in ("CHAR", "CLOB", "TEXT")):
        return pa.string()
    if decl == "BLOB":
        return pa.binary()
    if any(t in decl for t in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    raise UnsupportedTypeError(f"column {column!r} has type {declared or '(none)'!r}, which cannot be archived")


def _converter(arrow_type: pa.DataType) -> Any:
    """How a SQLite value becomes the Python value Arrow expects for the column's type."""
    if pa.types.is_decimal(arrow_type):
        return lambda v: None if v is None else Decimal(str(v))
    if pa.types.is_timestamp(arrow_type):
        return lambda v: None if v is None else _timestamp(v)
    if pa.types.is_date(arrow_type):
        return lambda v: None if v is None else date.fromisoformat(v)
    if pa.types.is_boolean(arrow_type):
        return lambda v: None if v is None else bool(v)
    return None


def _timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    # naive text is taken as UTC, as every session of the archival engine is
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


class SqliteSource:
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        # read-only: archival never writes to its source except in the purge step
        if not Path(path).is_file():
            raise SourceUnavailableError(f"sqlite database {path} does not exist")
        self._conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, check_same_thread=False)

    @classmethod
    def from_url(cls, url: str) -> SqliteSource:
        return cls(sqlite_path(url))

    def columns(self, schema: str, table: str) -> list[Column]:
        rows = self._conn.execute(
            'SELECT name, type, "notnull" FROM pragma_table_info(?, ?)', (table, schema)
        ).fetchall()
        if not rows:
            raise UnknownTableError(f"table {schema}.{table} does not exist in the source")
        return [Column(n, t, arrow_type_of(n, t), not notnull) for n, t, notnull in rows]

    def batches(self, sql: str, columns: Sequence[Column], batch_rows: int) -> Iterator[pa.RecordBatch]:
        schema = arrow_schema(columns)
        converters = [_converter(field.type) for field in schema]
        cursor = self._conn.execute(sql)
        try:
            while rows := cursor.fetchmany(batch_rows):
                arrays = []
                for i, field in enumerate(schema):
                    convert = converters[i]
                    values = [row[i] for row in rows] if convert is None else [convert(row[i]) for row in rows]
                    arrays.append(pa.array(values, type=field.type))
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        finally:
            cursor.close()

    def count(self, sql: str) -> int:
        (n,) = self._conn.execute(f"SELECT COUNT(*) FROM ({sql})").fetchone()
        return int(n)

    def statistics(self, schema: str, table: str) -> TableStatistics:
        self.columns(schema, table)  # UnknownTableError when it is not there
        # SQLite keeps no row estimate: the demo's tables are small enough to count
        name = exp.table_(table, db=schema, quoted=True).sql(dialect="sqlite")
        (n,) = self._conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
        return TableStatistics(int(n), None, "COUNT(*) (SQLite keeps no statistics)")

    def privileges(self, schema: str, table: str) -> dict[str, bool]:
        self.columns(schema, table)  # UnknownTableError when it is not there
        return {"select": True, "delete": os.access(self.path, os.W_OK)}

    def primary_key(self, schema: str, table: str) -> list[str]:
        rows = self._conn.execute("SELECT name, pk FROM pragma_table_info(?, ?) WHERE pk > 0", (table, schema))
        return [name for name, _ in sorted(rows.fetchall(), key=lambda row: int(row[1]))]

    @contextmanager
    def snapshot(self) -> Iterator[str]:
        self._conn.execute("BEGIN")
        try:
            yield "in the extraction's read transaction: the same snapshot (SQLite)"
        finally:
            self._conn.execute("COMMIT")

    def validation_side(self, sql: str, columns: Sequence[Column], key: Sequence[str]) -> Side:
        # SQLite has no md5: the checksum is computed in Python over the rows it returns.
        return PythonSide(lambda: self.batches(sql, columns, 10_000), validated(columns), key)

    @contextmanager
    def writer(self, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]) -> Iterator[KeyedWriter]:
        # the source is opened read-only; the purge alone writes, on its own connection
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            yield _SqliteWriter(conn, schema, table, columns, key)
        finally:
            conn.close()

    def close(self) -> None:
        self._conn.close()


class _SqliteWriter(KeyedWriter):
    lock = ""  # BEGIN IMMEDIATE holds the database's write lock for the chunk

    def __init__(
        self, conn: sqlite3.Connection, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]
    ) -> None:
        super().__init__(None, schema, table, columns, key)  # SQLite has no md5: rows are hashed in Python
        self._conn = conn
        self._converters = [_converter(c.arrow_type) for c in columns]

    def marker(self, index: int) -> str:
        return "?"

    def begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        self._conn.execute(sql, tuple(params))

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def python_row(self, row: Sequence[Any]) -> list[Any]:
        return [
            value if convert is None or value is None else convert(value)
            for value, convert in zip(row, self._converters, strict=True)
        ]
