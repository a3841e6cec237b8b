"""PostgreSQL and MariaDB sources on the machine's real servers: every mapped type, read back exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from archive_io.tables.errors import SourceUnavailableError, UnknownTableError, UnsupportedTypeError
from archive_io.tables.sources import arrow_schema
from archive_io.tables.sources.mysql import MysqlSource
from archive_io.tables.sources.postgres import PostgresSource
from archive_io.tables.sql import build_select

pytestmark = pytest.mark.integration
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MY_URL = "mysql://root:@127.0.0.1:3306/test"
UID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def read_all(
    source: Any, schema: str, table: str, condition: str | None = None
) -> tuple[pa.Schema, list[dict[str, Any]]]:
    columns = source.columns(schema, table)
    sql, _ = build_select(
        dialect=source.dialect, schema=schema, table=table, columns=[c.name for c in columns], condition=condition
    )
    batches = list(source.batches(sql, columns, batch_rows=2))
    assert all(b.schema == arrow_schema(columns) for b in batches)
    rows = pa.Table.from_batches(batches, schema=arrow_schema(columns)).to_pylist()
    assert source.count(sql) == len(rows)
    return arrow_schema(columns), sorted(rows, key=lambda r: r["id"])


def test_postgresql_types_keep_their_meaning(postgres: Any) -> None:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_types CASCADE")
        cur.execute("CREATE SCHEMA archive_io_types")
        cur.execute("CREATE TYPE archive_io_types.mood AS ENUM ('sad', 'happy')")
        cur.execute(
            """CREATE TABLE archive_io_types.t (
                id int PRIMARY KEY, s smallint, b bigint, n numeric(38, 10), m numeric(5, 2), r real,
                d double precision, ok boolean, v varchar(20), c char(3), tx text, j jsonb, u uuid, by bytea,
                dt date, tm time, ts timestamp, tz timestamptz, e archive_io_types.mood, a int[], "Index" int)"""
        )
        cur.execute(
            """INSERT INTO archive_io_types.t VALUES
            (1, -32768, 9223372036854775807, 9999999999999999999999999999.9999999999, -999.99, 1.5, 1e308,
             true, '', 'ab', 'Zoë Łukasz 東京 "q" ''s'' \n|N', '{"a": [1, "é"]}', %s, '\\x00ff', '0001-01-01',
             '23:59:59.999999', '9999-12-31 23:59:59.999999', '2024-02-29 10:11:12.5+02', 'happy', '{1,NULL,3}', 20),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, 2)""",
            (str(UID),),
        )
    source = PostgresSource(PG_URL)
    try:
        schema, rows = read_all(source, "archive_io_types", "t")
    finally:
        source.close()
        with postgres.cursor() as cur:
            cur.execute("DROP SCHEMA archive_io_types CASCADE")
    types = {f.name: f.type for f in schema}
    assert {k: types[k] for k in ("s", "b", "n", "m", "ts", "tz", "u", "e", "a")} == {
        "s": pa.int32(),
        "b": pa.int64(),
        "n": pa.decimal128(38, 10),
        "m": pa.decimal128(5, 2),
        "ts": pa.timestamp("us"),
        "tz": pa.timestamp("us", tz="UTC"),
        "u": pa.string(),
        "e": pa.string(),
        "a": pa.list_(pa.int32()),
    }
    assert rows[0] == {
        "id": 1,
        "s": -32768,
        "b": 9223372036854775807,
        "n": Decimal("9999999999999999999999999999.9999999999"),
        "m": Decimal("-999.99"),
        "r": 1.5,
        "d": 1e308,
        "ok": True,
        "v": "",
        "c": "ab ",
        "tx": "Zoë Łukasz 東京 \"q\" 's' \n|N",
        "j": '{"a": [1, "é"]}',
        "u": str(UID),
        "by": b"\x00\xff",
        "dt": date(1, 1, 1),
        "tm": time(23, 59, 59, 999999),
        "ts": datetime(9999, 12, 31, 23, 59, 59, 999999),
        "tz": datetime(2024, 2, 29, 8, 11, 12, 500000, tzinfo=UTC),
        "e": "happy",
        "a": [1, None, 3],
        "Index": 20,
    }
    assert all(v is None for k, v in rows[1].items() if k not in {"id", "Index"})


@pytest.mark.parametrize("use_connectorx", [True, False], ids=["connectorx", "pymysql"])
def test_mariadb_types_keep_their_meaning(mariadb: Any, use_connectorx: bool) -> None:
    with mariadb.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS archive_io_types")
        cur.execute(
            """CREATE TABLE archive_io_types (
                id int PRIMARY KEY, flag tinyint(1), ti tinyint, u int unsigned, ub bigint unsigned, b bigint,
                n decimal(38, 12), f float, d double, v varchar(20), tx text, j json, e enum('sad', 'happy'),
                bl blob, dt date, tm time(6), dtm datetime(6), ts timestamp(6) NULL, y year, `Index` int)"""
        )
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(
            """INSERT INTO archive_io_types VALUES
            (1, 1, -128, 4294967295, 18446744073709551615, -9223372036854775808,
             -99999999999999999999999999.999999999999, 1.5, 1e308, '', 'Zoë Łukasz 東京 "q" \\'s\\' \\n|N',
             '{"a": [1, "é"]}', 'happy', x'00ff', '1000-01-01', '23:59:59.999999', '9999-12-31 23:59:59.999999',
             '2038-01-19 03:14:07.499999', 2024, 20),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, 2)"""
        )
    source = MysqlSource(MY_URL, use_connectorx=use_connectorx)
    try:
        schema, rows = read_all(source, "test", "archive_io_types", condition="Index >= 2")
    finally:
        with mariadb.cursor() as cur:
            cur.execute("DROP TABLE archive_io_types")
    types = {f.name: f.type for f in schema}
    assert {k: types[k] for k in ("flag", "ti", "u", "ub", "n", "ts", "dtm")} == {
        "flag": pa.bool_(),
        "ti": pa.int32(),
        "u": pa.int64(),
        "ub": pa.decimal128(20, 0),
        "n": pa.decimal128(38, 12),
        "ts": pa.timestamp("us", tz="UTC"),
        "dtm": pa.timestamp("us"),
    }
    assert rows[0] == {
        "id": 1,
        "flag": True,
        "ti": -128,
        "u": 4294967295,
        "ub": Decimal("18446744073709551615"),
        "b": -9223372036854775808,
        "n": Decimal("-99999999999999999999999999.999999999999"),
        "f": 1.5,
        "d": 1e308,
        "v": "",
        "tx": "Zoë Łukasz 東京 \"q\" 's' \n|N",
        "j": '{"a": [1, "é"]}',
        "e": "happy",
        "bl": b"\x00\xff",
        "dt": date(1000, 1, 1),
        "tm": time(23, 59, 59, 999999),
        "dtm": datetime(9999, 12, 31, 23, 59, 59, 999999),
        "ts": datetime(2038, 1, 19, 3, 14, 7, 499999, tzinfo=UTC),
        "y": 2024,
        "Index": 20,
    }
    assert all(v is None for k, v in rows[1].items() if k not in {"id", "Index"})


def test_unsupported_and_unknown_are_named(postgres: Any, mariadb: Any) -> None:
    with postgres.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS public.archive_io_unsupported")
        cur.execute("CREATE TABLE public.archive_io_unsupported (id int, amount numeric, spot point)")
    source = PostgresSource(PG_URL)
    try:
        with pytest.raises(UnsupportedTypeError, match="column 'amount' is numeric without precision"):
            source.columns("public", "archive_io_unsupported")
        with pytest.raises(UnknownTableError, match=r"public\.nope does not exist"):
            source.columns("public", "nope")
    finally:
        source.close()
        with postgres.cursor() as cur:
            cur.execute("DROP TABLE public.archive_io_unsupported")
    with mariadb.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS archive_io_unsupported")
        cur.execute("CREATE TABLE archive_io_unsupported (id int, shape geometry)")
    try:
        with pytest.raises(UnsupportedTypeError, match="column 'shape' has type 'geometry'"):
            MysqlSource(MY_URL).columns("test", "archive_io_unsupported")
    finally:
        with mariadb.cursor() as cur:
            cur.execute("DROP TABLE archive_io_unsupported")


def test_bad_credentials_are_reported_without_the_password() -> None:
    with pytest.raises(SourceUnavailableError) as exc:
        MysqlSource("mysql://nobody:hunter2@127.0.0.1:3306/test")
    assert "hunter2" not in str(exc.value)
    with pytest.raises(SourceUnavailableError) as exc:
        PostgresSource("postgresql://nobody:hunter2@127.0.0.1:5432/nodb")
    assert "hunter2" not in str(exc.value)


def test_table_statistics_come_from_the_catalogs(postgres: Any, mariadb: Any) -> None:
    """The engine choice reads the sources' own estimates: rows and bytes, without a scan."""
    with postgres.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS public.archive_io_stats")
        cur.execute("CREATE TABLE public.archive_io_stats (id int PRIMARY KEY, note text)")
        cur.execute("INSERT INTO public.archive_io_stats SELECT i, repeat('x', 100) FROM generate_series(1, 5000) i")
    source = PostgresSource(PG_URL)
    try:
        never_analyzed = source.statistics("public", "archive_io_stats")
        assert never_analyzed.rows is None  # reltuples -1: unknown, not an empty table
        assert never_analyzed.bytes is not None
        assert never_analyzed.bytes > 5000 * 100
        with postgres.cursor() as cur:
            cur.execute("ANALYZE public.archive_io_stats")
        analyzed = source.statistics("public", "archive_io_stats")
        assert analyzed.rows == 5000
        assert "pg_class.reltuples" in analyzed.method
        with pytest.raises(UnknownTableError, match=r"public\.no_such_table"):
            source.statistics("public", "no_such_table")
    finally:
        source.close()
        with postgres.cursor() as cur:
            cur.execute("DROP TABLE public.archive_io_stats")

    with mariadb.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS test.archive_io_stats")
        cur.execute("CREATE TABLE test.archive_io_stats (id int PRIMARY KEY, note text) ENGINE=InnoDB")
        cur.execute("INSERT INTO test.archive_io_stats SELECT seq, REPEAT('x', 100) FROM seq_1_to_5000")
        cur.execute("ANALYZE TABLE test.archive_io_stats")
        cur.fetchall()
    mysql = MysqlSource(MY_URL)
    try:
        estimate = mysql.statistics("test", "archive_io_stats")
        assert estimate.rows is not None
        assert 2500 <= estimate.rows <= 10_000  # InnoDB's TABLE_ROWS is an estimate from sampled pages
        assert estimate.bytes is not None
        assert estimate.bytes >= 5000 * 100
        assert "information_schema.TABLES" in estimate.method
        with pytest.raises(UnknownTableError, match=r"test\.no_such_table"):
            mysql.statistics("test", "no_such_table")
    finally:
        mysql.close()
        with mariadb.cursor() as cur:
            cur.execute("DROP TABLE test.archive_io_stats")
