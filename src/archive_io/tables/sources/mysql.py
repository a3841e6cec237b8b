"""MySQL and MariaDB source: connectorx streams Arrow record batches (Rust, no Python row loop)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pyarrow as pa
from sqlglot import exp

from archive_io.tables.checksum import MysqlChecksum
from archive_io.tables.errors import SourceUnavailableError, UnknownTableError, UnsupportedTypeError
from archive_io.tables.purge import DbApiWriter, KeyedWriter
from archive_io.tables.sources import Column, TableStatistics, arrow_schema, cast_batches, extraction_sql, validated
from archive_io.tables.validation import Side, SqlSide

# ER_TABLEACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR
_DENIED = {1142, 1044, 1143}
# Every session reads timestamps in UTC.
_SESSION = ["SET time_zone = '+00:00'"]

_INTEGERS: dict[str, pa.DataType] = {
    "tinyint": pa.int32(),
    "smallint": pa.int32(),
    "mediumint": pa.int32(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "year": pa.int32(),
}
_SIMPLE: dict[str, pa.DataType] = {
    **dict.fromkeys(
        ["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json", "enum", "set"], pa.string()
    ),
    **dict.fromkeys(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"], pa.binary()),
    "float": pa.float32(),
    "double": pa.float64(),
    "real": pa.float64(),
    "date": pa.date32(),
    "time": pa.time64("us"),
    "datetime": pa.timestamp("us"),
    "timestamp": pa.timestamp("us", tz="UTC"),  # stored in UTC, read in a UTC session
}


def arrow_type(column: str, data_type: str, column_type: str) -> tuple[pa.DataType, bool]:
    """(Arrow type, read as text) of a column from information_schema's DATA_TYPE and COLUMN_TYPE."""
    data_type, column_type = data_type.lower(), column_type.lower()
    unsigned = "unsigned" in column_type
    if column_type.startswith("tinyint(1)"):
        return pa.bool_(), False  # MySQL's BOOLEAN is tinyint(1)
    if data_type == "bigint" and unsigned:
        return pa.decimal128(20, 0), True  # beyond int64: exact as a decimal
    if data_type in {"int", "integer"} and unsigned:
        return pa.int64(), False
    if data_type in _INTEGERS:
        return _INTEGERS[data_type], False
    if data_type in {"decimal", "numeric"}:
        match = re.search(r"\((\d+),(\d+)\)", column_type)
        precision, scale = (int(match[1]), int(match[2])) if match else (10, 0)
        if precision > 38:
            raise UnsupportedTypeError(f"column {column!r} is {column_type}: Iceberg decimals hold at most 38 digits")
        return pa.decimal128(precision, scale), True  # connectorx would give decimal(38,10)
    if data_type in _SIMPLE:
        return _SIMPLE[data_type], False
    raise UnsupportedTypeError(f"column {column!r} has type {column_type!r}, which cannot be archived")


def _connectorx_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("mysql", *parts[1:]))


class MysqlSource:
    """Metadata and counts over PyMySQL (fails fast on bad credentials); rows over connectorx."""

    dialect = "mysql"

    def __init__(self, url: str, use_connectorx: bool | None = None) -> None:
        import pymysql

        # connectorx where it is installed (its wheels cover the usual platforms), else PyMySQL.
        self.use_connectorx = _has_connectorx() if use_connectorx is None else use_connectorx
        self._url = _connectorx_url(url)
        parts = urlsplit(url)
        try:
            self._conn: Any = pymysql.connect(
                host=parts.hostname,
                port=parts.port or 3306,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                database=parts.path.strip("/"),
                connect_timeout=10,
                autocommit=True,
                init_command=_SESSION[0],
            )
        except pymysql.err.MySQLError as exc:  # its message names user and host, never the password
            raise SourceUnavailableError(f"cannot connect to MySQL/MariaDB: {exc}") from None

    def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._conn.cursor() as cursor:
            cursor.execute(sql, params or None)
            return list(cursor.fetchall())

    def columns(self, schema: str, table: str) -> list[Column]:
        rows = self._fetch(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            (schema, table),
        )
        if not rows:
            raise UnknownTableError(f"table {schema}.{table} does not exist in the source")
        columns = []
        for name, data_type, column_type, nullable in (tuple(_text(v) for v in row) for row in rows):
            arrow, as_text = arrow_type(name, data_type, column_type)
            columns.append(Column(name, column_type, arrow, nullable == "YES", as_text))
        return columns

    def batches(self, sql: str, columns: Sequence[Column], batch_rows: int) -> Iterator[pa.RecordBatch]:
        extraction = extraction_sql(sql, columns, self.dialect)
        if self.use_connectorx:
            import connectorx

            reader: Iterable[pa.RecordBatch] = connectorx.read_sql(
                self._url, extraction, return_type="arrow_stream", batch_size=batch_rows, pre_execution_query=_SESSION
            )
        else:
            reader = self._pymysql_batches(extraction, columns, batch_rows)
        yield from cast_batches(reader, arrow_schema(columns))

    def _pymysql_batches(self, sql: str, columns: Sequence[Column], batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The pure-Python path: a server-side cursor, `batch_rows` rows at a time (slower than connectorx)."""
        import pymysql.cursors

        read_types = [_read_type(c) for c in columns]
        names = [c.name for c in columns]
        with self._conn.cursor(pymysql.cursors.SSCursor) as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch_rows):
                arrays = [
                    pa.array([_python_value(row[i]) for row in rows], type=read_types[i]) for i in range(len(names))
                ]
                yield pa.RecordBatch.from_arrays(arrays, names=names)

    def count(self, sql: str) -> int:
        ((n,),) = self._fetch(f"SELECT COUNT(*) FROM ({sql}) AS archive_io_q")
        return int(n)

    def statistics(self, schema: str, table: str) -> TableStatistics:
        rows = self._fetch(
            "SELECT TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            (schema, table),
        )
        if not rows:
            raise UnknownTableError(f"table {schema}.{table} does not exist in the source")
        ((estimate, size),) = rows
        return TableStatistics(
            None if estimate is None else int(estimate),
            None if size is None else int(size),
            "information_schema.TABLES (TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH)",
        )

    def privileges(self, schema: str, table: str) -> dict[str, bool]:
        import pymysql

        name = exp.table_(table, db=schema, quoted=True).sql(dialect="mysql")
        allowed = {}
        # EXPLAIN checks the statement's privileges and runs nothing.
        for privilege, sql in (("select", f"SELECT 1 FROM {name} LIMIT 0"), ("delete", f"EXPLAIN DELETE FROM {name}")):
            try:
                self._fetch(sql)
                allowed[privilege] = True
            except pymysql.err.OperationalError as exc:
                if exc.args[0] not in _DENIED:
                    raise
                allowed[privilege] = False
        return allowed

    def primary_key(self, schema: str, table: str) -> list[str]:
        rows = self._fetch(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
            "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
            (schema, table),
        )
        return [_text(name) for (name,) in rows]

    @contextmanager
    def snapshot(self) -> Iterator[str]:
        # InnoDB's consistent snapshot starts here, just before the extraction. connectorx reads on
        # connections of its own, which cannot join it: a row committed while the extraction runs
        # can be seen by one and not the other, and validation then says the source changed.
        self._fetch("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        try:
            if self.use_connectorx:
                yield (
                    "in a consistent snapshot opened as the extraction started (InnoDB); the extraction "
                    "read on its own connection"
                )
            else:
                yield "in the extraction's transaction: the same snapshot (InnoDB consistent snapshot)"
        finally:
            self._fetch("COMMIT")

    def validation_side(self, sql: str, columns: Sequence[Column], key: Sequence[str]) -> Side:
        return SqlSide(MysqlChecksum(), self._fetch, f"({sql}) AS archive_io_q", validated(columns), key=key)

    @contextmanager
    def writer(self, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]) -> Iterator[KeyedWriter]:
        yield _MysqlWriter(self._conn, schema, table, columns, key)

    def close(self) -> None:
        self._conn.close()


class _MysqlWriter(DbApiWriter):
    def __init__(self, conn: Any, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]) -> None:
        super().__init__(conn, MysqlChecksum(), schema, table, columns, key=key)

    def marker(self, index: int) -> str:
        return "%s"

    def begin(self) -> None:
        self._conn.begin()  # the connection autocommits otherwise: FOR UPDATE locks need a transaction


def _has_connectorx() -> bool:
    import importlib.util

    return importlib.util.find_spec("connectorx") is not None


def _read_type(column: Column) -> pa.DataType:
    """What PyMySQL's values are read as before the cast: text for `as_text`, ints for booleans."""
    if column.as_text:
        return pa.string()
    if pa.types.is_boolean(column.arrow_type):
        return pa.int64()
    return column.arrow_type


def _python_value(value: Any) -> Any:
    # PyMySQL gives TIME as a timedelta since midnight.
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    return value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
