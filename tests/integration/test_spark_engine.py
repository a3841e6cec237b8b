"""The Spark engine (archive_io.spark.archive) archives a table as the single-node engine does.

A table of many types in the machine's PostgreSQL and MariaDB is archived by Spark (local[2],
partitioned JDBC reads, the Iceberg runtime jar of scripts/spark_jars.sh) into a Hadoop catalog,
and by the single-node engine (pyiceberg) into a SQL catalog; the Spark archive, read back with
pyiceberg, must have the single-node archive's schema, partitioning and properties, and the
source's rows and checksum.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import StaticTable, Table
from pyspark.sql import SparkSession

from archive_io.contracts.runs import Verdict
from archive_io.spark import archive as spark_archive
from archive_io.spark.checksum import checksum as spark_checksum
from archive_io.spark.session import spark_session
from archive_io.spark.validation import SparkArchiveSide, run_rows, spark_view
from archive_io.tables import iceberg
from archive_io.tables.archival import iceberg_view, validate_archive
from archive_io.tables.checksum import checksum_table
from archive_io.tables.sources import Column, Source, arrow_schema, open_source, validated
from archive_io.tables.sql import build_select
from archive_io.tables.validation import compare_nullability, compare_schemas
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

SCHEMA = "archive_io_spark"
TABLE = "items"
ROWS = 5000
ROWS_PER_PARTITION = 1000  # 5000 rows: the read must be cut in 5
PARTITION = ("day", "month")
PROPERTIES = {
    iceberg.RETENTION_YEARS_PROPERTY: "7",
    iceberg.LEGAL_HOLD_PROPERTY: "false",
    iceberg.RETENTION_UNTIL_PROPERTY: "2032-01-01",
}
URLS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/test",
    "mariadb": f"mysql://root@127.0.0.1:3306/{SCHEMA}",
}
_runs = itertools.count()

PG_SETUP = [
    f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
    f"CREATE SCHEMA {SCHEMA}",
    f"CREATE TYPE {SCHEMA}.mood AS ENUM ('calm', 'busy')",
    f"""CREATE TABLE {SCHEMA}.{TABLE} (
        id int PRIMARY KEY, big bigint NOT NULL, amount numeric(12, 2), note text, code varchar(10) NOT NULL,
        day date, at timestamp, at_tz timestamptz, flag boolean, ratio double precision, small smallint,
        fixed char(6), mood {SCHEMA}.mood, ref uuid)""",
    f"""INSERT INTO {SCHEMA}.{TABLE}
        SELECT i, i::bigint * 10000000007 * (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END),
            CASE WHEN i % 17 = 0 THEN NULL ELSE i / 100.0 - 0.05 END,
            CASE WHEN i % 7 = 0 THEN NULL WHEN i % 13 = 0 THEN '' ELSE 'note ' || i || E' é''|\\n' END,
            'c' || (i % 100),
            CASE WHEN i % 11 = 0 THEN NULL ELSE date '1960-01-01' + i * 7 END,
            CASE WHEN i % 19 = 0 THEN NULL ELSE timestamp '1950-01-02 03:04:05' + i * interval '1 day 1.000001 s' END,
            CASE WHEN i % 23 = 0 THEN NULL
                 ELSE timestamptz '1990-05-06 07:08:09+00' + i * interval '3 hours 0.000003 s' END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END,
            CASE WHEN i % 29 = 0 THEN NULL ELSE i * 0.1::float8 END,
            (i % 30000)::smallint,
            CASE WHEN i % 3 = 0 THEN left('c' || i, 4) END,
            (CASE WHEN i % 4 = 0 THEN NULL WHEN i % 2 = 0 THEN 'calm' ELSE 'busy' END)::{SCHEMA}.mood,
            md5(i::text)::uuid
        FROM generate_series(1, {ROWS}) i""",
    # floats whose text engines tend to write differently
    f"""UPDATE {SCHEMA}.{TABLE} SET ratio = v.r FROM (VALUES (1, '5e-324'::float8), (2, '-0'), (3, '1e23'),
        (4, '1.7976931348623157e308'), (6, '3.092535278770144e18')) AS v(id, r) WHERE {TABLE}.id = v.id""",
]
MARIADB_SETUP = [
    f"DROP DATABASE IF EXISTS {SCHEMA}",
    f"CREATE DATABASE {SCHEMA}",
    "SET time_zone = '+00:00'",
    f"""CREATE TABLE {SCHEMA}.{TABLE} (
        id int PRIMARY KEY, big bigint NOT NULL, amount decimal(12, 2), note text, code varchar(10) NOT NULL,
        day date, at datetime(6), at_tz timestamp(6) NULL, flag boolean, ratio double, small smallint,
        yr year, big_u bigint unsigned)""",
    f"""INSERT INTO {SCHEMA}.{TABLE}
        SELECT seq, CAST(seq AS SIGNED) * 10000000007 * (CASE WHEN seq % 2 = 0 THEN -1 ELSE 1 END),
            CASE WHEN seq % 17 = 0 THEN NULL ELSE seq / 100 - 0.05 END,
            CASE WHEN seq % 7 = 0 THEN NULL WHEN seq % 13 = 0 THEN '' ELSE CONCAT('note ', seq, ' é''|\\n') END,
            CONCAT('c', seq % 100),
            CASE WHEN seq % 11 = 0 THEN NULL ELSE DATE '1960-01-01' + INTERVAL seq * 7 DAY END,
            CASE WHEN seq % 19 = 0 THEN NULL
                 ELSE TIMESTAMP '1950-01-02 03:04:05' + INTERVAL seq DAY + INTERVAL seq MICROSECOND END,
            CASE WHEN seq % 23 = 0 THEN NULL
                 ELSE TIMESTAMP '1990-05-06 07:08:09' + INTERVAL seq * 3 HOUR + INTERVAL seq * 3 MICROSECOND END,
            CASE WHEN seq % 5 = 0 THEN NULL ELSE seq % 2 = 0 END,
            CASE WHEN seq % 29 = 0 THEN NULL ELSE seq * 0.1 END,
            seq % 30000,
            CASE WHEN seq % 9 = 0 THEN NULL ELSE 1901 + seq % 255 END,
            CASE WHEN seq % 8 = 0 THEN NULL ELSE 18446744073709551615 - seq END
        FROM seq_1_to_{ROWS}""",
]


def _missing(what: str) -> None:
    """As tests/conftest.py does for databases: a skip here, a failure under CI=true."""
    message = f"{what}; this test needs Java 17 and the jars of scripts/spark_jars.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: under CI=true this is a failure")
    pytest.skip(message)


@pytest.fixture(scope="module")
def jars_dir() -> Path:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _missing("Java is not installed")
    script = ROOT / "scripts" / "spark_jars.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        _missing(f"scripts/spark_jars.sh failed: {result.stderr.strip()[-500:]}")
    return ROOT / ".spark-jars"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark-warehouse")


@pytest.fixture(scope="module")
def spark(jars_dir: Path, warehouse: Path) -> Iterator[SparkSession]:
    try:
        session = spark_session(
            "archive-io-spark-engine-test", warehouse=str(warehouse), catalog="hadoop", jars_dir=jars_dir
        )
    except Exception as exc:  # PySparkRuntimeError JAVA_GATEWAY_EXITED where Java cannot start
        _missing(f"Spark did not start ({type(exc).__name__}: {exc})")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def single_node_catalog(tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    path = tmp_path_factory.mktemp("single-node")
    return SqlCatalog("single", uri=f"sqlite:///{path}/catalog.db", warehouse=f"file://{path}/warehouse")


def _connect(engine: str) -> Any:
    """A connection to the machine's database (as the fixtures of tests/conftest.py), or a skip."""
    try:
        if engine == "postgresql":
            import psycopg

            return psycopg.connect(URLS["postgresql"], autocommit=True, connect_timeout=5)
        import pymysql

        # database test: MariaDB's sequence tables (seq_1_to_N) need a current database
        return pymysql.connect(
            host="127.0.0.1", user="root", password="", database="test", autocommit=True, connect_timeout=5
        )
    except Exception as exc:  # psycopg.OperationalError, pymysql.err.OperationalError
        message = f"{engine} is not reachable ({type(exc).__name__}: {exc}); this test needs it"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: under CI=true a missing database is a failure")
        pytest.skip(message)


def _run(engine: str, statements: list[str]) -> None:
    conn = _connect(engine)
    with conn, conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def static_table(warehouse: Path, identifier: str) -> StaticTable:
    """The Hadoop catalog's table as pyiceberg reads it: from its newest metadata file."""
    namespace, name = identifier.split(".")
    metadata = warehouse / namespace / name / "metadata"
    version = int((metadata / "version-hint.text").read_text().strip())
    return StaticTable.from_metadata(str(metadata / f"v{version}.metadata.json"))


@dataclass
class Archived:
    engine: str
    source: Source
    columns: list[Column]
    sql: str
    key: list[str]
    run_id: str
    identifier: str
    result: spark_archive.SparkArchived
    table: StaticTable
    single_node: Table

    def archive(
        self, spark: SparkSession, run_id: str, sql: str | None = None, identifier: str | None = None
    ) -> spark_archive.SparkArchived:
        return _archive(
            spark, self.engine, sql or self.sql, self.columns, self.key, identifier or self.identifier, run_id
        )


def _archive(
    spark: SparkSession, engine: str, sql: str, columns: list[Column], key: list[str], identifier: str, run_id: str
) -> spark_archive.SparkArchived:
    return spark_archive.archive_table(
        spark,
        url=URLS[engine],
        planned_sql=sql,
        columns=columns,
        identifier=identifier,
        run_id=run_id,
        properties=PROPERTIES,
        summary={iceberg.SOURCE_SQL_PROPERTY: sql},
        partition=PARTITION,
        key=key,
        rows_per_partition=ROWS_PER_PARTITION,
    )


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def archived(
    request: pytest.FixtureRequest, spark: SparkSession, warehouse: Path, single_node_catalog: SqlCatalog
) -> Iterator[Archived]:
    engine: str = request.param
    _run(engine, PG_SETUP if engine == "postgresql" else MARIADB_SETUP)
    with closing(open_source(URLS[engine])) as source:
        columns = source.columns(SCHEMA, TABLE)
        sql, _ = build_select(dialect=source.dialect, schema=SCHEMA, table=TABLE, columns=[c.name for c in columns])
        key = source.primary_key(SCHEMA, TABLE)
        identifier = iceberg.table_identifier(engine, SCHEMA, TABLE)
        run_id = f"run-spark-{next(_runs)}"
        result = _archive(spark, engine, sql, columns, key, identifier, run_id)
        # the single-node engine's archive of the same rows, to compare with
        schema = arrow_schema(columns)
        single = iceberg.ensure_table(
            single_node_catalog, identifier, iceberg.archive_schema(schema), PROPERTIES, PARTITION
        )
        iceberg.append_run(single, source.batches(sql, columns, 1000), schema, run_id, {})
        archived = Archived(
            engine,
            source,
            columns,
            sql,
            key,
            run_id,
            identifier,
            result,
            static_table(warehouse, identifier),
            single_node_catalog.load_table(identifier),
        )
        yield archived
    _run(engine, [f"DROP SCHEMA {SCHEMA} CASCADE" if engine == "postgresql" else f"DROP DATABASE {SCHEMA}"])


def _without_lineage(table: pa.Table) -> pa.Table:
    return table.drop_columns([f.name for f in iceberg.LINEAGE_FIELDS])


def test_the_schema_is_the_single_node_engines(archived: Archived) -> None:
    spark_fields = archived.table.schema().fields
    single_fields = archived.single_node.schema().fields
    described = [(f.name, str(f.field_type), f.required) for f in spark_fields]
    assert described == [(f.name, str(f.field_type), f.required) for f in single_fields]
    # and, as validation checks it, the source's mapped types and nullability, column by column
    arrow = archived.table.schema().as_arrow()
    source = arrow_schema(archived.columns)
    for field in source:
        archived_field = arrow.field(field.name)
        assert archived_field.nullable == field.nullable, field.name
    assert compare_schemas(validated(archived.columns), arrow) == []
    assert compare_nullability([(c.name, c.nullable) for c in archived.columns], arrow) == []
    assert [f.name for f in arrow][-2:] == [iceberg.RUN_ID_COLUMN, iceberg.ARCHIVED_AT_COLUMN]
    assert arrow.field(iceberg.ARCHIVED_AT_COLUMN).type == pa.timestamp("us", tz="UTC")
    assert not arrow.field(iceberg.RUN_ID_COLUMN).nullable
    assert not arrow.field(iceberg.ARCHIVED_AT_COLUMN).nullable


def test_partitioning_and_properties_are_the_single_node_engines(archived: Archived) -> None:
    def spec(table: Table | StaticTable) -> list[tuple[str, str, str]]:
        schema = table.schema()
        return [(f.name, str(f.transform), schema.find_column_name(f.source_id) or "") for f in table.spec().fields]

    assert spec(archived.table) == spec(archived.single_node) == [("day_month", "month", "day")]
    for key, value in PROPERTIES.items():
        assert archived.table.properties[key] == value == archived.single_node.properties[key]


def test_rows_lineage_and_snapshot(archived: Archived) -> None:
    snapshot = archived.table.snapshot_by_id(archived.result.snapshot_id)
    assert snapshot is not None
    assert snapshot.summary is not None
    assert snapshot.summary[iceberg.RUN_ID_PROPERTY] == archived.run_id
    assert snapshot.summary[iceberg.SOURCE_SQL_PROPERTY] == archived.sql
    assert archived.result.appended
    assert archived.result.rows == ROWS
    data = archived.table.scan(snapshot_id=archived.result.snapshot_id).to_arrow()
    assert data.num_rows == ROWS
    assert set(data.column(iceberg.RUN_ID_COLUMN).to_pylist()) == {archived.run_id}
    assert data.column(iceberg.ARCHIVED_AT_COLUMN).null_count == 0
    assert len(set(data.column(iceberg.ARCHIVED_AT_COLUMN).to_pylist())) == 1  # one instant per run


def test_the_checksum_is_the_sources(archived: Archived, spark: SparkSession) -> None:
    source_total = archived.source.validation_side(archived.sql, archived.columns, archived.key).profile(1).total
    assert source_total.count == ROWS
    data = _without_lineage(archived.table.scan(snapshot_id=archived.result.snapshot_id).to_arrow())
    assert checksum_table(data) == source_total
    # the Spark checksum over the archive as Spark reads it
    df = spark.table(spark_archive.table_name(archived.identifier)).drop(*(f.name for f in iceberg.LINEAGE_FIELDS))
    assert spark_checksum(df) == source_total
    # the single-node engine's archive holds the same rows
    assert checksum_table(_without_lineage(archived.single_node.scan().to_arrow())) == source_total


def test_the_validation_passes(archived: Archived) -> None:
    validation = validate_archive(
        archived.source,
        archived.table,
        sql=archived.sql,
        columns=archived.columns,
        key=archived.key,
        snapshot_id=archived.result.snapshot_id,
        run_id=archived.run_id,
    )
    assert validation.verdict == Verdict.PASSED, validation.reasons


def test_the_spark_validation_passes(archived: Archived, spark: SparkSession) -> None:
    validation = validate_archive(
        archived.source,
        spark_view(spark, archived.identifier, archived.result.snapshot_id, archived.run_id),
        sql=archived.sql,
        columns=archived.columns,
        key=archived.key,
    )
    assert validation.verdict == Verdict.PASSED, validation.reasons
    assert validation.archive_rows == ROWS
    assert validation.schema_differences == []


def test_the_spark_profile_is_the_single_node_engines(archived: Archived, spark: SparkSession) -> None:
    """Checksums per segment and every column's null count, min, max and sum, as pyiceberg and DuckDB give them."""
    columns = validated(archived.columns)
    single_node = iceberg.ArchiveSide(
        archived.table, archived.result.snapshot_id, archived.run_id, columns, archived.key
    )
    rows = run_rows(spark, archived.identifier, archived.result.snapshot_id, archived.run_id)
    spark_side = SparkArchiveSide(rows, columns, archived.key)
    assert spark_side.key_bounds() == single_node.key_bounds() == (1, ROWS)
    expected = single_node.profile(1)
    assert len(expected.segments) > 1
    actual = spark_side.profile(1)
    assert actual.segments == expected.segments
    assert actual.columns == expected.columns
    # one level down, within two segments
    parents = sorted(expected.segments)[:2]
    assert spark_side.profile(2, parents).segments == single_node.profile(2, parents).segments


def test_the_spark_validation_lists_the_differing_rows_as_the_single_node_one(
    archived: Archived, spark: SparkSession
) -> None:
    """The source without rows 42 and 4242 (as if deleted since): both engines list exactly them as extra."""
    quoted = '"id"' if archived.engine == "postgresql" else "`id`"
    sql = f"{archived.sql} WHERE {quoted} NOT IN (42, 4242)"
    verdicts = []
    for view in (
        spark_view(spark, archived.identifier, archived.result.snapshot_id, archived.run_id),
        iceberg_view(archived.table, archived.result.snapshot_id, archived.run_id),
    ):
        validation = validate_archive(archived.source, view, sql=sql, columns=archived.columns, key=archived.key)
        assert validation.verdict == Verdict.FAILED
        assert (validation.missing_rows, validation.extra_rows, validation.changed_rows) == (0, 2, 0)
        verdicts.append(sorted((d.kind.value, d.key["id"]) for d in validation.differences))
    assert verdicts[0] == verdicts[1] == [("extra", "42"), ("extra", "4242")]


def test_the_read_was_partitioned(archived: Archived, spark: SparkSession) -> None:
    plan = archived.result.plan
    assert plan is not None
    assert plan.column == "id"
    assert plan.partitions == ROWS // ROWS_PER_PARTITION
    source = spark_archive.jdbc_source(URLS[archived.engine])
    df = spark_archive.read_source(spark, source, archived.sql, archived.columns, plan)
    assert df.rdd.getNumPartitions() == plan.partitions > 1
    assert df.count() == ROWS


def test_a_date_split_column_without_integer_key(archived: Archived, spark: SparkSession) -> None:
    source = spark_archive.jdbc_source(URLS[archived.engine])
    plan = spark_archive.partition_plan(
        spark, source, archived.sql, archived.columns, [], split_column="at", rows_per_partition=ROWS_PER_PARTITION
    )
    assert plan.column == "at"
    assert plan.partitions == ROWS // ROWS_PER_PARTITION
    df = spark_archive.read_source(spark, source, archived.sql, archived.columns, plan)
    assert df.rdd.getNumPartitions() == plan.partitions
    assert df.count() == ROWS  # NULLs included: every row in exactly one partition
    assert spark_checksum(df) == checksum_table(_without_lineage(archived.table.scan().to_arrow()))


def test_a_rerun_of_the_run_appends_nothing(archived: Archived, spark: SparkSession, warehouse: Path) -> None:
    before = len(static_table(warehouse, archived.identifier).snapshots())
    again = archived.archive(spark, archived.run_id)
    assert not again.appended
    assert again.snapshot_id == archived.result.snapshot_id
    assert again.rows == ROWS
    after = static_table(warehouse, archived.identifier)
    assert len(after.snapshots()) == before
    assert after.scan().to_arrow().num_rows == ROWS


def test_a_condition_selecting_nothing_records_an_empty_snapshot(archived: Archived, spark: SparkSession) -> None:
    sql, _ = build_select(
        dialect=archived.source.dialect,
        schema=SCHEMA,
        table=TABLE,
        columns=[c.name for c in archived.columns],
        condition="id < 0",
    )
    identifier = f"{archived.identifier}_empty"
    result = archived.archive(spark, "run-spark-empty", sql=sql, identifier=identifier)
    assert result.appended
    assert result.rows == 0
    again = archived.archive(spark, "run-spark-empty", sql=sql, identifier=identifier)
    assert not again.appended
    assert again.snapshot_id == result.snapshot_id
