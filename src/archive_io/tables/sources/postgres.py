"""PostgreSQL source: ADBC streams Arrow record batches straight from libpq's binary COPY-like path."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, cast

import pyarrow as pa
import sqlglot
from sqlglot import exp

from archive_io.tables.checksum import PostgresChecksum
from archive_io.tables.errors import SourceUnavailableError, UnknownTableError, UnsupportedTypeError
from archive_io.tables.purge import DbApiWriter, KeyedWriter
from archive_io.tables.sources import Column, TableStatistics, arrow_schema, cast_batches, extraction_sql, validated
from archive_io.tables.validation import Side, SqlSide

# name, format_type, not null, typtype ('e' enum...), and for arrays the element's format_type and typtype
_COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, t.typtype,
       CASE WHEN t.typcategory = 'A' THEN format_type(t.typelem, NULL) END,
       CASE WHEN t.typcategory = 'A' THEN (SELECT e.typtype FROM pg_type e WHERE e.oid = t.typelem) END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_PRIMARY_KEY_SQL = """
SELECT a.attname
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
WHERE i.indisprimary AND n.nspname = $1 AND c.relname = $2
ORDER BY array_position(i.indkey::int2[], a.attnum)
"""

_SCALARS: dict[str, pa.DataType] = {
    "smallint": pa.int32(),  # Iceberg's narrowest integer is int
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "double precision": pa.float64(),
    "boolean": pa.bool_(),
    "text": pa.string(),
    "name": pa.string(),
    "citext": pa.string(),
    "date": pa.date32(),
    "time without time zone": pa.time64("us"),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "bytea": pa.binary(),
}
# Read as text, archived as string: JSON documents, UUIDs (Athena has no uuid type), enum labels.
_TEXTUAL = {"json", "jsonb", "uuid", "xml", "inet", "cidr", "macaddr", "interval", "time with time zone"}
_NUMERIC = re.compile(r"^numeric\((\d+),(\d+)\)$")
_VARCHAR = re.compile(r"^(character varying|character|bpchar)(\(\d+\))?$")


def arrow_type(column: str, declared: str, kind: str) -> tuple[pa.DataType, bool]:
    """(Arrow type, read as text) of a PostgreSQL type as format_type() writes it."""
    base = re.sub(r"\(\d+\)$", "", declared) if declared.startswith(("timestamp", "time")) else declared
    base = re.sub(r"^(timestamp|time)\(\d+\)", r"\1", base)
    if kind == "e" or base in _TEXTUAL:
        return pa.string(), True
    if base in _SCALARS:
        return _SCALARS[base], False
    if _VARCHAR.match(base):
        return pa.string(), False
    if match := _NUMERIC.match(base):
        precision, scale = int(match[1]), int(match[2])
        if precision > 38:
            raise UnsupportedTypeError(f"column {column!r} is {declared}: Iceberg decimals hold at most 38 digits")
        return pa.decimal128(precision, scale), True
    if base == "numeric":
        raise UnsupportedTypeError(
            f"column {column!r} is numeric without precision: no Iceberg decimal holds every value; "
            f"archive it through a query that casts it, e.g. CAST({column} AS numeric(38, 10))"
        )
    raise UnsupportedTypeError(f"column {column!r} has type {declared!r}, which cannot be archived")


class PostgresSource:
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self._url = url.replace("postgres://", "postgresql://", 1)
        self._conn = _connect(self._url)
        self._helpers: list[Any] = []  # more connections, for validation profiles read in parallel
        self._exported: str | None = None  # the snapshot the helpers join, while one is open

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        cursor = self._conn.cursor()
        cursor.execute(sql, params or None)
        return cursor

    def columns(self, schema: str, table: str) -> list[Column]:
        with self._execute(_COLUMNS_SQL, (schema, table)) as cursor:
            rows = cursor.fetchall()
        if not rows:
            raise UnknownTableError(f"table {schema}.{table} does not exist in the source")
        columns = []
        for name, declared, not_null, kind, element, element_kind in rows:
            if element is not None:
                item, as_text = arrow_type(name, element, element_kind or "b")
                if as_text:
                    raise UnsupportedTypeError(f"column {name!r} is {declared}: arrays of {element} are not supported")
                columns.append(Column(name, declared, pa.list_(item), not not_null))
            else:
                arrow, as_text = arrow_type(name, declared, kind)
                columns.append(Column(name, declared, arrow, not not_null, as_text))
        return columns

    def batches(self, sql: str, columns: Sequence[Column], batch_rows: int) -> Iterator[pa.RecordBatch]:
        # ADBC sizes its own batches (by bytes); the archive regroups them, so memory stays bounded.
        cursor = self._execute(extraction_sql(sql, columns, self.dialect))
        try:
            yield from cast_batches(cursor.fetch_record_batch(), arrow_schema(columns))
        finally:
            cursor.close()

    def count(self, sql: str) -> int:
        with self._execute(f"SELECT count(*) FROM ({sql}) AS archive_io_q") as cursor:
            (n,) = cursor.fetchone()
        return int(n)

    def statistics(self, schema: str, table: str) -> TableStatistics:
        sql = (
            "SELECT c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2"
        )
        with self._execute(sql, (schema, table)) as cursor:
            row = cursor.fetchone()
        if row is None:
            raise UnknownTableError(f"table {schema}.{table} does not exist in the source")
        rows, size = row
        # reltuples is -1 for a table never vacuumed or analyzed (PostgreSQL 14+): unknown, not empty
        known = rows is not None and rows >= 0
        return TableStatistics(int(rows) if known else None, int(size), "pg_class.reltuples, pg_total_relation_size")

    def privileges(self, schema: str, table: str) -> dict[str, bool]:
        self.columns(schema, table)  # UnknownTableError when it is not there
        sql = (
            "SELECT has_table_privilege(t, 'SELECT'), has_table_privilege(t, 'DELETE') "
            "FROM (SELECT format('%I.%I', $1::text, $2::text) AS t) AS q"
        )
        with self._execute(sql, (schema, table)) as cursor:
            select, delete = cursor.fetchone()
        return {"select": bool(select), "delete": bool(delete)}

    def primary_key(self, schema: str, table: str) -> list[str]:
        with self._execute(_PRIMARY_KEY_SQL, (schema, table)) as cursor:
            return [name for (name,) in cursor.fetchall()]

    @contextmanager
    def snapshot(self) -> Iterator[str]:
        # ADBC runs every statement in a transaction (autocommit off); start a new one as REPEATABLE
        # READ, so the extraction and the checksum that follows it read the same snapshot, which
        # is exported for the connections that read parts of the profile in parallel.
        self._conn.commit()
        self._execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").close()
        (self._exported,) = self.query("SELECT pg_export_snapshot()")[0]
        try:
            yield "in the extraction's transaction: the same snapshot (PostgreSQL REPEATABLE READ)"
        finally:
            self._exported = None
            self._conn.commit()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._execute(sql) as cursor:
            return list(cursor.fetchall())

    def validation_side(self, sql: str, columns: Sequence[Column], key: Sequence[str]) -> Side:
        return SqlSide(
            PostgresChecksum(),
            self.query,
            f"({sql}) AS archive_io_q",
            validated(columns),
            key=key,
            parallel=_PageRanges(self, sql),
        )

    def parts(self) -> int:
        """How many connections read a profile: as many processes as PostgreSQL gives one parallel query."""
        ((workers,),) = self.query("SELECT current_setting('max_parallel_workers_per_gather')::int")
        return max(1, min(int(workers) + 1, _MAX_PARTS))

    def query_all(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        """Run the queries at once, one connection each, in the open snapshot when there is one."""
        while len(self._helpers) < len(queries) - 1:
            self._helpers.append(_connect(self._url))

        def on_helper(helper: Any, sql: str) -> list[tuple[Any, ...]]:
            helper.commit()
            with helper.cursor() as cursor:
                if self._exported is not None:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{self._exported}'")
                cursor.execute(sql)
                rows = list(cursor.fetchall())
            helper.commit()
            return rows

        with ThreadPoolExecutor(max_workers=len(queries)) as pool:
            others = [pool.submit(on_helper, h, q) for h, q in zip(self._helpers, queries[1:], strict=False)]
            first = self.query(queries[0])
            return [first, *(f.result() for f in others)]

    @contextmanager
    def writer(self, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]) -> Iterator[KeyedWriter]:
        yield _PostgresWriter(self._conn, schema, table, columns, key)

    def close(self) -> None:
        for connection in [*self._helpers, self._conn]:
            connection.close()


class _PostgresWriter(DbApiWriter):
    def __init__(self, conn: Any, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]) -> None:
        super().__init__(conn, PostgresChecksum(), schema, table, columns, key=key)

    def marker(self, index: int) -> str:
        return f"${index + 1}"

    def begin(self) -> None:
        self._conn.commit()  # statements run in a transaction that begins with the first (READ COMMITTED)


_MAX_PARTS = 4


def _connect(url: str) -> Any:
    import adbc_driver_postgresql.dbapi as adbc

    try:
        conn = adbc.connect(url)
    except Exception as exc:  # the driver's message names host and user, never the password
        raise SourceUnavailableError(f"cannot connect to PostgreSQL: {exc}") from None
    with conn.cursor() as cursor:
        # UTC, and float text that round-trips (the validation checksum relies on both)
        for setting in ("SET TIME ZONE 'UTC'", "SET extra_float_digits = 1"):
            cursor.execute(setting)
    return conn


class _PageRanges:
    """A planned SELECT cut by ranges of its table's pages (`ctid`): each row is in exactly one part.

    PostgreSQL reads a TID range without scanning the rest; the last part is open-ended, so rows
    on pages added since the size was read are not missed.
    """

    def __init__(self, source: PostgresSource, sql: str) -> None:
        self._source, self._sql = source, sql

    def relations(self) -> list[str]:
        select = sqlglot.parse_one(self._sql, read="postgres")
        table = select.find(exp.Table)
        parts = self._source.parts()
        if table is None or parts < 2:
            return [f"({self._sql}) AS archive_io_q"]
        schema, name = exp.Literal.string(table.db).sql(), exp.Literal.string(table.name).sql()
        rows = self._source.query(
            # the file's size now, not relpages (which only VACUUM and ANALYZE update)
            "SELECT pg_relation_size(c.oid) / current_setting('block_size')::int, c.relkind::text "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = {schema} AND c.relname = {name}"
        )
        if not rows or rows[0][1] not in {"r", "m"} or int(rows[0][0]) < parts:
            return [f"({self._sql}) AS archive_io_q"]  # a view, a partitioned or a tiny table: one part
        pages = int(rows[0][0])
        relations = []
        for i in range(parts):
            low, high = pages * i // parts, pages * (i + 1) // parts
            cut = f"ctid >= '({low},0)'::tid" + (f" AND ctid < '({high},0)'::tid" if i < parts - 1 else "")
            part = cast(exp.Select, select.copy()).where(cut, dialect="postgres", append=True)
            relations.append(f"({part.sql(dialect='postgres')}) AS archive_io_q")
        return relations

    def run(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        return self._source.query_all(queries)
