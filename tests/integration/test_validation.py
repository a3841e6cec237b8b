"""Validation against the machine's real PostgreSQL and MariaDB, with archives in a local Iceberg catalog.

The checksum must agree across engines (source SQL, DuckDB over the archive, the Python
reference), and a tampered archive must be caught and its rows listed by key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table

from archive_io.contracts.runs import DifferenceKind, Validation, Verdict
from archive_io.tables import iceberg
from archive_io.tables.archival import validate_archive
from archive_io.tables.checksum import checksum_table
from archive_io.tables.sources import Column, Source, arrow_schema, open_source, validated
from archive_io.tables.sql import build_select
from archive_io.tables.validation import PythonSide

pytestmark = pytest.mark.integration

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql://root@127.0.0.1:3306/test"
ROWS = 3000
_runs = itertools.count()

# One table, the same rows, in both databases: every type the archival engine maps, and the values
# where engines' text tends to differ.
PG_TABLE = """CREATE TABLE archive_io_val.accounts (
    id int PRIMARY KEY, amount numeric(12, 2), ratio float8, small real, flag boolean, note text,
    code varchar(8), data bytea, day date, at_time time, at timestamp, at_tz timestamptz, big bigint)"""
MARIADB_TABLE = """CREATE TABLE archive_io_val.accounts (
    id int PRIMARY KEY, amount decimal(12, 2), ratio double, small float, flag boolean, note text,
    code varchar(8), data blob, day date, at_time time(6), at datetime(6), at_tz timestamp(6) NULL, big bigint)"""
FLOATS = ["0.1", "1e20", "5e-324", "1.7976931348623157e308", "-0.0", "3.092535278770144e18", "123.0", "-2.5e-7"]


def rows_sql(placeholder: str) -> tuple[str, list[tuple[Any, ...]]]:
    values = []
    for i in range(1, ROWS + 1):
        ratio = None if i % 11 == 0 else float(FLOATS[i % len(FLOATS)]) * (1 if i % 3 else -1)
        note = None if i % 7 == 0 else ("" if i % 13 == 0 else f"note {i} é'|\n" + "x" * (i % 5))
        values.append(
            (
                i,
                None if i % 17 == 0 else Decimal(i) / 100 - Decimal("0.05"),
                ratio,
                0.1 * i,
                None if i % 19 == 0 else i % 2 == 0,
                note,
                f"c{i % 100}",
                None if i % 23 == 0 else bytes([i % 256, 0, 255]),
                f"{1960 + i % 80}-0{1 + i % 9}-1{i % 10}",
                f"{i % 24:02}:{i % 60:02}:{i % 60:02}.{i:06}",
                f"{1950 + i % 100}-01-02 03:04:05.{i:06}",
                None if i % 29 == 0 else f"{1990 + i % 40}-05-06 07:08:09.{i:06}",
                i * 10_000_000_007 * (-1 if i % 2 else 1),
            )
        )
    marks = ", ".join([placeholder] * 13)
    return f"INSERT INTO archive_io_val.accounts VALUES ({marks})", values


@pytest.fixture
def pg_source(postgres: Any) -> Iterator[Source]:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_val CASCADE")
        cur.execute("CREATE SCHEMA archive_io_val")
        cur.execute(PG_TABLE)
        cur.execute("ALTER TABLE archive_io_val.accounts ADD COLUMN tags text[], ADD COLUMN fixed char(6)")
        insert, values = rows_sql("%s")
        cur.executemany(
            insert.replace(
                "VALUES (", "(id, amount, ratio, small, flag, note, code, data, day, at_time, at, at_tz, big) VALUES ("
            ),
            values,
        )
        cur.execute("UPDATE archive_io_val.accounts SET tags = ARRAY['a', NULL, note] WHERE id % 4 = 0")
        cur.execute("UPDATE archive_io_val.accounts SET fixed = left(code, 4) WHERE id % 3 = 0")  # padded to 6
        cur.execute(
            "CREATE TABLE archive_io_val.codes (region text, code varchar(10), n int, PRIMARY KEY (region, code))"
        )
        cur.execute(
            "INSERT INTO archive_io_val.codes SELECT 'r' || (i % 7), 'Code-' || i, i FROM generate_series(1, 2000) i"
        )
        cur.execute("CREATE TABLE archive_io_val.events (happened date, what text)")  # no primary key
        cur.execute(
            "INSERT INTO archive_io_val.events SELECT date '2020-01-01' + i, 'e' || i FROM generate_series(1, 500) i"
        )
    with closing(open_source(PG_URL)) as source:
        yield source
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA archive_io_val CASCADE")


@pytest.fixture
def mariadb_source(mariadb: Any) -> Iterator[Source]:
    with mariadb.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS archive_io_val")
        cur.execute("CREATE DATABASE archive_io_val")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(MARIADB_TABLE)
        insert, values = rows_sql("%s")
        # MariaDB keeps neither -0.0 nor subnormals apart from what it parses; the values are the same text
        cur.executemany(insert, values)
        cur.execute(
            "CREATE TABLE archive_io_val.codes (region varchar(8), code varchar(10), n int, PRIMARY KEY (region, code))"
        )
        cur.execute(
            "INSERT INTO archive_io_val.codes SELECT CONCAT('r', seq % 7), CONCAT('Code-', seq), seq FROM seq_1_to_2000"
        )
        cur.execute("CREATE TABLE archive_io_val.events (happened date, what text)")
        cur.execute(
            "INSERT INTO archive_io_val.events "
            "SELECT DATE '2020-01-01' + INTERVAL seq DAY, CONCAT('e', seq) FROM seq_1_to_500"
        )
    with closing(open_source(MARIADB_URL.replace("/test", "/archive_io_val"))) as source:
        yield source
    with mariadb.cursor() as cur:
        cur.execute("DROP DATABASE archive_io_val")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    path = tmp_path_factory.mktemp("iceberg")
    return SqlCatalog("validation", uri=f"sqlite:///{path}/catalog.db", warehouse=f"file://{path}/warehouse")


@dataclass
class Archived:
    source: Source
    table: Table
    sql: str
    columns: list[Column]
    key: list[str]
    snapshot_id: int
    run_id: str
    data: pa.Table

    def validate(self) -> Validation:
        return validate_archive(
            self.source,
            self.table,
            sql=self.sql,
            columns=self.columns,
            key=self.key,
            snapshot_id=self.snapshot_id,
            run_id=self.run_id,
        )


def select(source: Source, table: str, columns: list[str]) -> str:
    sql, _ = build_select(
        dialect=source.dialect, schema="archive_io_val", table=table, columns=columns, condition=None, query=None
    )
    return sql


def archive(
    source: Source, catalog: SqlCatalog, table_name: str, tamper: Callable[[pa.Table], pa.Table] = lambda t: t
) -> Archived:
    """Extract the table as the archival engine does, tamper with the rows, and write them as a run."""
    columns = source.columns("archive_io_val", table_name)
    sql = select(source, table_name, [c.name for c in columns])
    schema = arrow_schema(columns)
    data = pa.Table.from_batches(list(source.batches(sql, columns, 1000)), schema=schema)
    tampered = tamper(data)
    identifier = f"archive_val_{source.dialect}.{table_name}"
    table = iceberg.ensure_table(catalog, identifier, iceberg.archive_schema(schema), {})
    run_id = f"run-val-{next(_runs)}"
    snapshot, _, _ = iceberg.append_run(table, tampered.to_batches(), schema, run_id, {})
    return Archived(
        source, table, sql, columns, source.primary_key("archive_io_val", table_name), snapshot, run_id, data
    )


def with_row(table: pa.Table, key: int, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> pa.Table:
    rows = []
    for row in table.to_pylist():
        if row["id"] == key:
            changed = change(dict(row))
            if changed is not None:
                rows.append(changed)
        else:
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=table.schema)


def add(column: str, delta: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda row: row | {column: row[column] + delta}


def duplicate(table: pa.Table, key: int) -> pa.Table:
    extra = [row for row in table.to_pylist() if row["id"] == key]
    return pa.concat_tables([table, pa.Table.from_pylist(extra, schema=table.schema)])


NULL_NOTE = 7  # note is NULL where id % 7 == 0
TAMPERS: dict[str, tuple[Callable[[pa.Table], pa.Table], DifferenceKind, int, str | None]] = {
    "a decimal changed by one cent": (
        lambda t: with_row(t, 101, add("amount", Decimal("0.01"))),
        DifferenceKind.CHANGED,
        101,
        "amount",
    ),
    "a timestamp moved by one microsecond": (
        lambda t: with_row(t, 202, add("at", timedelta(microseconds=1))),
        DifferenceKind.CHANGED,
        202,
        "at",
    ),
    "a text with a trailing space": (lambda t: with_row(t, 303, add("note", " ")), DifferenceKind.CHANGED, 303, "note"),
    "a NULL turned into an empty string": (
        lambda t: with_row(t, NULL_NOTE * 60, lambda r: r | {"note": ""}),
        DifferenceKind.CHANGED,
        NULL_NOTE * 60,
        "note",
    ),
    "a deleted row": (lambda t: with_row(t, 404, lambda r: None), DifferenceKind.MISSING, 404, None),
    "a duplicated row": (lambda t: duplicate(t, 505), DifferenceKind.DUPLICATED, 505, None),
}


@pytest.fixture(params=["postgresql", "mariadb"])
def source(request: pytest.FixtureRequest) -> Source:
    fixture = "pg_source" if request.param == "postgresql" else "mariadb_source"
    value: Source = request.getfixturevalue(fixture)
    return value


def test_every_engine_gives_the_same_checksum(pg_source: Source, mariadb_source: Source, catalog: SqlCatalog) -> None:
    """Same rows: PostgreSQL's SQL, MariaDB's SQL, DuckDB over each archive and Python agree."""
    pg = archive(pg_source, catalog, "accounts")
    maria = archive(mariadb_source, catalog, "accounts")
    common = [c.name for c in maria.columns]
    totals = {}
    for name, archived in (("postgresql", pg), ("mariadb", maria)):
        columns = [c for c in archived.columns if c.name in common]
        sql = select(archived.source, "accounts", [c.name for c in columns])
        totals[name] = archived.source.validation_side(sql, columns, ["id"]).profile(1).total
        totals[f"{name} archive"] = (
            iceberg.ArchiveSide(archived.table, archived.snapshot_id, archived.run_id, validated(columns), ["id"])
            .profile(1)
            .total
        )
        totals[f"{name} python"] = checksum_table(archived.data.select(common))
    assert len(set(totals.values())) == 1, totals
    assert totals["postgresql"].count == ROWS
    # PostgreSQL's arrays too, against DuckDB's lists and Python
    validation = pg.validate()
    assert validation.verdict == Verdict.PASSED, validation.reasons
    assert validation.source_checksum == validation.archive_checksum
    assert checksum_table(pg.data).sum == validation.source_checksum.sum  # type: ignore[union-attr]


def test_python_side_equals_the_sql_sides(pg_source: Source, catalog: SqlCatalog) -> None:
    """The SQLite sources' Python profile agrees with PostgreSQL's on segments and aggregates."""
    archived = archive(pg_source, catalog, "accounts")
    sql_profile = pg_source.validation_side(archived.sql, archived.columns, ["id"]).profile(1)
    python_profile = PythonSide(archived.data.to_batches, validated(archived.columns), ["id"]).profile(1)
    assert python_profile.segments == sql_profile.segments
    for column in archived.columns:
        assert python_profile.columns[column.name].get("nulls") == sql_profile.columns[column.name].get("nulls")


def test_an_untouched_archive_passes_with_matching_aggregates(source: Source, catalog: SqlCatalog) -> None:
    validation = archive(source, catalog, "accounts").validate()
    assert validation.verdict == Verdict.PASSED, validation.reasons
    assert validation.source_rows == validation.archive_rows == ROWS
    assert all(c.matches for c in validation.columns)
    amount = next(c for c in validation.columns if c.column == "amount")
    assert amount.source.nulls == ROWS // 17
    assert amount.source.min == "-0.04"
    assert amount.source.max == f"{ROWS / 100 - 0.05:.2f}"
    at = next(c for c in validation.columns if c.column == "at")
    assert at.source.min is not None
    assert at.source.min.startswith("1950-01-02 03:04:05")


def test_a_reordered_archive_passes(source: Source, catalog: SqlCatalog) -> None:
    validation = archive(source, catalog, "accounts", lambda t: t.take(list(reversed(range(t.num_rows))))).validate()
    assert validation.verdict == Verdict.PASSED, validation.reasons


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_tampered_archive_is_caught_and_localized(source: Source, catalog: SqlCatalog, tamper: str) -> None:
    change, kind, key, column = TAMPERS[tamper]
    validation = archive(source, catalog, "accounts", change).validate()
    assert validation.verdict == Verdict.FAILED
    assert "checksum differs" in validation.reasons
    assert [(d.kind, d.key) for d in validation.differences] == [(kind, {"id": str(key)})]
    if column is not None:
        (difference,) = validation.differences[0].columns
        assert difference.column == column
        assert difference.source != difference.archive
    assert validation.localized
    assert not validation.source_changed


def test_changed_values_are_shown_as_people_read_them(pg_source: Source, catalog: SqlCatalog) -> None:
    change, _, key, _ = TAMPERS["a timestamp moved by one microsecond"]
    validation = archive(pg_source, catalog, "accounts", change).validate()
    (difference,) = validation.differences[0].columns
    assert difference.source == f"{1950 + key % 100}-01-02 03:04:05.{key:06}"
    assert difference.archive == f"{1950 + key % 100}-01-02 03:04:05.{key + 1:06}"
    change, _, key, _ = TAMPERS["a text with a trailing space"]
    validation = archive(pg_source, catalog, "accounts", change).validate()
    (difference,) = validation.differences[0].columns
    assert difference.archive == difference.source[:-1] + ' "'


def test_a_table_without_primary_key_is_validated_but_not_localized(source: Source, catalog: SqlCatalog) -> None:
    archived = archive(source, catalog, "events")
    assert archived.key == []
    assert archived.validate().verdict == Verdict.PASSED
    tampered = archive(source, catalog, "events", lambda t: t.slice(1))
    validation = tampered.validate()
    assert validation.verdict == Verdict.FAILED
    assert not validation.localized
    assert any("cannot be localized" in r for r in validation.reasons)
    assert validation.differences == []


def test_many_differences_are_counted_exactly_and_listed_first_n(pg_source: Source, catalog: SqlCatalog) -> None:
    validation = archive(pg_source, catalog, "accounts", lambda t: t.slice(0, ROWS - 400)).validate()
    assert validation.missing_rows == 400
    assert len(validation.differences) == 20
    assert {d.kind for d in validation.differences} == {DifferenceKind.MISSING}


def test_deep_segments_are_split_until_few_rows_remain(
    pg_source: Source, catalog: SqlCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tiny fetch limit the differing segments are split again before rows are fetched."""
    from archive_io.tables import validation as engine

    monkeypatch.setattr(engine, "FETCH_ROWS", 1)
    change, kind, key, _ = TAMPERS["a decimal changed by one cent"]
    validation = archive(pg_source, catalog, "accounts", change).validate()
    assert [(d.kind, d.key) for d in validation.differences] == [(kind, {"id": str(key)})]


def test_a_composite_text_key_is_cut_by_hash_and_localized(source: Source, catalog: SqlCatalog) -> None:
    """Text keys sort differently in MariaDB (case-insensitive) and DuckDB: segments are key hashes."""

    def change(table: pa.Table) -> pa.Table:
        rows = table.to_pylist()
        for row in rows:
            if row["code"] == "Code-77":
                row["n"] = -1
        return pa.Table.from_pylist([r for r in rows if r["code"] != "Code-1500"], schema=table.schema)

    archived = archive(source, catalog, "codes", change)
    assert archived.key == ["region", "code"]
    validation = archived.validate()
    shown = sorted((d.kind, d.key["code"], [c.column for c in d.columns]) for d in validation.differences)
    assert shown == [(DifferenceKind.CHANGED, '"Code-77"', ["n"]), (DifferenceKind.MISSING, '"Code-1500"', [])]
    assert validation.differences[0].key["region"] in {'"r0"', '"r2"'}


def test_postgresql_profiles_in_parallel_parts_equal_one_scan(pg_source: Source, catalog: SqlCatalog) -> None:
    """Parts by page ranges hold each row once: the parallel profile equals a single query's."""
    from archive_io.tables.checksum import PostgresChecksum
    from archive_io.tables.sources.postgres import PostgresSource, _PageRanges
    from archive_io.tables.validation import SqlSide

    assert isinstance(pg_source, PostgresSource)
    archived = archive(pg_source, catalog, "accounts")
    relations = _PageRanges(pg_source, archived.sql).relations()
    assert len(relations) == pg_source.parts() > 1
    assert all("ctid" in r for r in relations)
    parallel = pg_source.validation_side(archived.sql, archived.columns, ["id"])
    single = SqlSide(
        PostgresChecksum(), pg_source.query, f"({archived.sql}) AS q", validated(archived.columns), key=["id"]
    )
    with pg_source.snapshot():  # the parts join the exported snapshot
        in_parts = parallel.profile(1)
    assert in_parts.segments == single.profile(1).segments
    assert in_parts.columns == single.profile(1).columns
    assert in_parts.total.count == ROWS
