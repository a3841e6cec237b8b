"""The Spark engine's archive of one table: a partitioned JDBC read into the Iceberg table.

The archive must look and checksum the same as the single-node engine's (`archive_io.tables`):
the same planned SELECT, each column cast to the Spark type of the Arrow type the single-node
engine archives it as, the same lineage columns, table properties, partitioning and snapshot
summary, and the same idempotency per run id.

The partitions of a JDBC read are read on connections of their own, each in its own
transaction: unlike the single-node engine, the read is not one snapshot of the source.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import pyarrow as pa
import sqlglot
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)
from sqlglot import exp

from archive_io.contracts.connections import engine_of
from archive_io.spark.session import CATALOG
from archive_io.tables import iceberg
from archive_io.tables.errors import UnsupportedTypeError
from archive_io.tables.sources import Column

logger = logging.getLogger(__name__)

ROWS_PER_PARTITION = 1_000_000
MAX_PARTITIONS = 200
FETCH_SIZE = 10_000
_ALIAS = "archive_io_spark"
_DRIVERS = {"postgresql": "org.postgresql.Driver", "mysql": "org.mariadb.jdbc.Driver"}
_DIALECTS = {"postgresql": "postgres", "mysql": "mysql"}
# Each connection reads in UTC, as the single-node engine's sessions do.
_SESSION_INIT = {"postgresql": "SET TIME ZONE 'UTC'", "mysql": "SET time_zone = '+00:00'"}
# PostgreSQL string types the JDBC driver reads as they are; other string-archived types
# (enum, uuid, json, interval...) are read as their text, as the single-node engine reads them.
_PG_STRINGS = ("text", "character", "bpchar", "name")


@dataclass(frozen=True)
class JdbcSource:
    """A source database as Spark's JDBC reader reaches it; the password never shows in a repr."""

    engine: str
    url: str  # jdbc:postgresql://host:port/db, without credentials
    user: str
    password: str = field(repr=False)

    @property
    def dialect(self) -> str:
        return _DIALECTS[self.engine]

    def options(self) -> dict[str, str]:
        return {
            "url": self.url,
            "driver": _DRIVERS[self.engine],
            "user": self.user,
            "password": self.password,
            "sessionInitStatement": _SESSION_INIT[self.engine],
        }


def jdbc_source(url: str) -> JdbcSource:
    """The JDBC form of a connection URL (postgresql://user:pass@host:port/db, mysql://..., mariadb://...)."""
    engine = engine_of(url)
    if engine not in _DRIVERS:
        raise ValueError(f"the Spark engine reads PostgreSQL and MySQL/MariaDB, not {engine}")
    parts = urlsplit(url)
    database = parts.path.strip("/")
    if not parts.hostname or not database:
        raise ValueError(f"a {engine} URL needs a host and a database")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = parts.port or (5432 if engine == "postgresql" else 3306)
    # jdbc:mysql: for MariaDB too: Spark 3.5 picks its MySQL dialect (backquotes) by that prefix,
    # and MariaDB Connector/J 2.x accepts it
    scheme = "postgresql" if engine == "postgresql" else "mysql"
    query = f"?{parts.query}" if parts.query else ""
    return JdbcSource(
        engine,
        f"jdbc:{scheme}://{host}:{port}/{database}{query}",
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


# --- types ------------------------------------------------------------------------------------


def spark_type(arrow: pa.DataType) -> DataType:
    """The Spark type whose Iceberg type equals the Iceberg type of the single-node engine's Arrow type."""
    if pa.types.is_boolean(arrow):
        return BooleanType()
    if pa.types.is_int8(arrow) or pa.types.is_int16(arrow) or pa.types.is_int32(arrow):
        return IntegerType()  # Iceberg's narrowest integer is int
    if pa.types.is_int64(arrow):
        return LongType()
    if pa.types.is_float32(arrow):
        return FloatType()
    if pa.types.is_float64(arrow):
        return DoubleType()
    if pa.types.is_decimal(arrow):
        kind = cast(pa.Decimal128Type, arrow)
        return DecimalType(kind.precision, kind.scale)
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        return StringType()
    if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow):
        return BinaryType()
    if pa.types.is_date32(arrow):
        return DateType()
    if pa.types.is_timestamp(arrow):
        return TimestampType() if cast(pa.TimestampType, arrow).tz is not None else TimestampNTZType()
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return ArrayType(spark_type(cast(pa.ListType, arrow).value_type), containsNull=True)
    if pa.types.is_time(arrow):
        raise UnsupportedTypeError(
            "Spark 3.5 has no TIME type: archive a table with time columns with the single-node engine"
        )
    raise UnsupportedTypeError(f"the Spark engine cannot archive Arrow type {arrow}")


def archive_struct(columns: Sequence[Column]) -> StructType:
    """The archive's Spark schema: the source columns with their nullability, then the lineage columns."""
    fields = [StructField(c.name, spark_type(c.arrow_type), nullable=c.nullable) for c in columns]
    return StructType(
        [
            *fields,
            StructField(iceberg.RUN_ID_COLUMN, StringType(), nullable=False),
            StructField(iceberg.ARCHIVED_AT_COLUMN, TimestampType(), nullable=False),
        ]
    )


def read_sql(planned_sql: str, columns: Sequence[Column], dialect: str) -> str:
    """The planned SELECT as a subquery, projecting each column in a form the JDBC driver reads
    into the archived type: as text where the single-node engine reads text and the driver would
    not give a string (enum, uuid, json...); MySQL's YEAR as a number (drivers read it as a date).
    """
    projection: list[exp.Expr] = []
    for c in columns:
        column = exp.column(c.name, quoted=True)
        source = c.source_type.lower()
        if dialect == "postgres" and pa.types.is_string(c.arrow_type) and not source.startswith(_PG_STRINGS):
            projection.append(exp.cast(column, exp.DataType.build("TEXT")).as_(c.name, quoted=True))
        elif dialect == "mysql" and source.startswith("year"):
            projection.append(exp.cast(column, exp.DataType.build("BIGINT")).as_(c.name, quoted=True))
        else:
            projection.append(column)
    inner = cast(exp.Query, sqlglot.parse_one(planned_sql, read=dialect)).subquery("archive_io_q")
    return exp.select(*projection).from_(inner).sql(dialect=dialect)


# --- the partitioned read ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionPlan:
    """How the JDBC read is cut: `column` between `lower` and `upper` in `partitions` strides."""

    rows: int
    column: str | None = None
    lower: str | None = None
    upper: str | None = None
    partitions: int = 1
    fetch_size: int = FETCH_SIZE

    def options(self) -> dict[str, str]:
        options = {"fetchsize": str(self.fetch_size)}
        if self.column is not None and self.lower is not None and self.upper is not None and self.partitions > 1:
            options |= {
                "partitionColumn": self.column,  # Spark quotes it for the dialect
                "lowerBound": self.lower,
                "upperBound": self.upper,
                "numPartitions": str(self.partitions),
            }
        return options


def partition_column(columns: Sequence[Column], key: Sequence[str], split_column: str | None) -> Column | None:
    """The column to cut the read by: a single integer primary key, else `split_column` (a date,
    timestamp or integer column), else none (one partition)."""
    by_name = {c.name: c for c in columns}
    if len(key) == 1 and key[0] in by_name and pa.types.is_integer(by_name[key[0]].arrow_type):
        return by_name[key[0]]
    if split_column is None:
        return None
    if split_column not in by_name:
        raise ValueError(f"split column {split_column!r} is not archived; the columns are {', '.join(by_name)}")
    column = by_name[split_column]
    kind = column.arrow_type
    if not (pa.types.is_integer(kind) or pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        raise ValueError(f"split column {split_column!r} is {column.source_type}: not an integer, date or timestamp")
    return column


def partitions_for(rows: int, rows_per_partition: int, max_partitions: int, span: int | None = None) -> int:
    """ceil(rows / rows_per_partition), at least 1, at most `max_partitions` (and the integer span)."""
    n = max(1, min(math.ceil(rows / max(1, rows_per_partition)), max_partitions))
    return min(n, span) if span is not None else n


def partition_plan(
    spark: SparkSession,
    source: JdbcSource,
    planned_sql: str,
    columns: Sequence[Column],
    key: Sequence[str],
    *,
    split_column: str | None = None,
    rows_per_partition: int = ROWS_PER_PARTITION,
    max_partitions: int = MAX_PARTITIONS,
    fetch_size: int = FETCH_SIZE,
) -> PartitionPlan:
    """The partitioned read's options, from the min, max and count of the selected rows (one query)."""
    column = partition_column(columns, key, split_column)
    if column is None:
        return PartitionPlan(rows=-1, fetch_size=fetch_size)  # not counted: one partition whatever the count
    quoted = exp.column(column.name, quoted=True).sql(dialect=source.dialect)
    bounds_sql = f"SELECT min({quoted}) AS lo, max({quoted}) AS hi, count(*) AS n FROM ({planned_sql}) archive_io_q"
    bounds = spark.read.format("jdbc").options(**source.options(), query=bounds_sql).load()
    kind = column.arrow_type
    if pa.types.is_integer(kind):
        texts = [F.col("lo").cast("string"), F.col("hi").cast("string")]
    elif pa.types.is_date(kind):
        texts = [F.date_format(F.col(c), "yyyy-MM-dd") for c in ("lo", "hi")]
    else:  # read as TIMESTAMP, written in the session time zone, in which Spark parses the bounds
        texts = [F.date_format(F.col(c), "yyyy-MM-dd HH:mm:ss.SSSSSS") for c in ("lo", "hi")]
    row = bounds.select(*texts, F.col("n").cast("long")).first()
    assert row is not None
    lower, upper, rows = row[0], row[1], int(row[2])
    if lower is None or upper is None:  # no rows, or the column is NULL throughout
        return PartitionPlan(rows=rows, fetch_size=fetch_size)
    span = int(upper) - int(lower) + 1 if pa.types.is_integer(kind) else None
    partitions = partitions_for(rows, rows_per_partition, max_partitions, span)
    return PartitionPlan(rows, column.name, lower, upper, partitions, fetch_size)


def read_source(
    spark: SparkSession, source: JdbcSource, planned_sql: str, columns: Sequence[Column], plan: PartitionPlan
) -> DataFrame:
    """The planned rows as a DataFrame of the archive's types (lineage columns not yet added)."""
    dbtable = f"({read_sql(planned_sql, columns, source.dialect)}) {_ALIAS}"
    df = spark.read.format("jdbc").options(**source.options(), dbtable=dbtable, **plan.options()).load()
    return df.select(*(_cast(df, c) for c in columns))


def _cast(df: DataFrame, column: Column) -> SparkColumn:
    target = spark_type(column.arrow_type)
    value = df[_quoted(column.name)]
    read = df.schema[column.name].dataType
    if read == target:
        return value.alias(column.name)
    # (a naive timestamp reads as the instant of its value in UTC: its wall clock in the UTC session is the value)
    return value.cast(target).alias(column.name)


# --- the Iceberg table ------------------------------------------------------------------------


def table_name(identifier: str) -> str:
    """`archive`.`namespace`.`table`, quoted for Spark SQL."""
    namespace, table = identifier.split(".")
    return ".".join(_quoted(p) for p in (CATALOG, namespace, table))


def ensure_table(
    spark: SparkSession,
    identifier: str,
    schema: StructType,
    properties: Mapping[str, str],
    partition: tuple[str, str] | None = None,
) -> None:
    """Create the archive table unless it exists, as `iceberg.ensure_table` does: the same schema,
    properties and partition field (`<column>_<granularity>`), created in one commit.

    Through Iceberg's Java API: Spark SQL's DDL cannot name a partition field at creation.
    """
    namespace, _ = identifier.split(".")
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {_quoted(CATALOG)}.{_quoted(namespace)}")
    jvm: Any = spark.sparkContext._jvm
    catalog = _iceberg_catalog(spark)
    table_id = jvm.org.apache.iceberg.catalog.TableIdentifier.parse(identifier)
    if catalog.tableExists(table_id):
        return
    jschema = spark._jsparkSession.parseDataType(schema.json())
    iceberg_schema = jvm.org.apache.iceberg.spark.SparkSchemaUtil.convert(jschema)
    spec = jvm.org.apache.iceberg.PartitionSpec.builderFor(iceberg_schema)
    if partition:
        column, granularity = partition
        name = f"{_normalize(column)}_{granularity}"
        spec = {"year": spec.year, "month": spec.month, "day": spec.day}[granularity](column, name)
    java_properties = jvm.java.util.HashMap()
    for k, v in properties.items():
        java_properties.put(k, v)
    builder = catalog.buildTable(table_id, iceberg_schema).withPartitionSpec(spec.build())
    try:
        builder.withProperties(java_properties).create()
    except Exception as exc:  # another run created it first
        if "AlreadyExistsException" not in str(exc):
            raise


def table_properties(spark: SparkSession, identifier: str) -> dict[str, str]:
    rows = spark.sql(f"SHOW TBLPROPERTIES {table_name(identifier)}").collect()
    return {r["key"]: r["value"] for r in rows}


def table_location(spark: SparkSession, identifier: str) -> str:
    """Where the table's files are (an s3:// prefix in AWS)."""
    jvm: Any = spark.sparkContext._jvm
    table_id = jvm.org.apache.iceberg.catalog.TableIdentifier.parse(identifier)
    return str(_iceberg_catalog(spark).loadTable(table_id).location())


def _iceberg_catalog(spark: SparkSession) -> Any:
    session: Any = spark._jsparkSession
    return session.sessionState().catalogManager().catalog(CATALOG).icebergCatalog()


def _normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())  # as iceberg.ensure_table names partition fields


def strengthen_governance(
    spark: SparkSession, identifier: str, retention_years: int, retention_until: str, legal_hold: bool
) -> None:
    """As `iceberg.strengthen_governance`: never shorten retention nor lift a legal hold."""
    properties = table_properties(spark, identifier)
    updates = {}
    if retention_years > int(properties.get(iceberg.RETENTION_YEARS_PROPERTY, "0")):
        updates[iceberg.RETENTION_YEARS_PROPERTY] = str(retention_years)
    if retention_until > properties.get(iceberg.RETENTION_UNTIL_PROPERTY, ""):
        updates[iceberg.RETENTION_UNTIL_PROPERTY] = retention_until
    if legal_hold and properties.get(iceberg.LEGAL_HOLD_PROPERTY) != "true":
        updates[iceberg.LEGAL_HOLD_PROPERTY] = "true"
    if updates:
        assignments = ", ".join(f"{_literal(k)} = {_literal(v)}" for k, v in updates.items())
        spark.sql(f"ALTER TABLE {table_name(identifier)} SET TBLPROPERTIES ({assignments})")


@dataclass(frozen=True)
class RunSnapshot:
    snapshot_id: int
    rows: int
    bytes: int


def snapshot_of_run(spark: SparkSession, identifier: str, run_id: str) -> RunSnapshot | None:
    """The newest snapshot a run committed, with the rows and bytes it added (a retried task finds it)."""
    snapshots = spark.table(f"{table_name(identifier)}.snapshots")
    found = (
        snapshots.where(F.col("summary").getItem(iceberg.RUN_ID_PROPERTY) == run_id)
        .orderBy(F.col("committed_at").desc())
        .select(
            "snapshot_id",
            F.col("summary").getItem("added-records").alias("rows"),
            F.col("summary").getItem("added-files-size").alias("bytes"),
        )
        .first()
    )
    if found is None:
        return None
    return RunSnapshot(int(found["snapshot_id"]), int(found["rows"] or 0), int(found["bytes"] or 0))


_MONOTONE = {"identity", "year", "month", "day", "hour"}


def _clustered(spark: SparkSession, identifier: str, data: DataFrame) -> tuple[DataFrame, dict[str, str]]:
    """The rows sorted by partition within each task, and the write options for a writer that keeps
    one file open at a time.

    Unsorted, Iceberg's fanout writer keeps a Parquet writer open per partition a task meets, which
    runs out of memory over decades of monthly partitions. A time transform is monotone: sorting by
    its source column groups its partitions. No shuffle (`distribution-mode` none) keeps that order.
    """
    jvm: Any = spark.sparkContext._jvm
    table = _iceberg_catalog(spark).loadTable(jvm.org.apache.iceberg.catalog.TableIdentifier.parse(identifier))
    spec = table.spec()
    schema = table.schema()
    columns = []
    for partition_field in spec.fields():
        if str(partition_field.transform().toString()) not in _MONOTONE:
            return data, {}  # left to Iceberg's distribution and fanout writer
        columns.append(str(schema.findColumnName(partition_field.sourceId())))
    if not columns:
        return data, {}
    options = {"distribution-mode": "none", "fanout-enabled": "false"}
    return data.sortWithinPartitions(*(data[_quoted(c)] for c in columns)), options


# --- the archive ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkArchived:
    """What an archive of a table did: `appended` False when the run had committed it already."""

    snapshot_id: int
    rows: int
    bytes: int
    appended: bool
    plan: PartitionPlan | None  # None when nothing was read


def archive_table(
    spark: SparkSession,
    *,
    url: str,
    planned_sql: str,
    columns: Sequence[Column],
    identifier: str,
    run_id: str,
    properties: Mapping[str, str],
    summary: Mapping[str, str] | None = None,
    partition: tuple[str, str] | None = None,
    key: Sequence[str] = (),
    split_column: str | None = None,
    rows_per_partition: int = ROWS_PER_PARTITION,
    max_partitions: int = MAX_PARTITIONS,
    fetch_size: int = FETCH_SIZE,
) -> SparkArchived:
    """Append the rows `planned_sql` selects to the Iceberg table `identifier` as one snapshot of
    `run_id`, creating the table as the single-node engine would (`properties`, `partition`).

    `columns`: the source's columns (`Source.columns`) in the planned order. Idempotent: when the
    run already committed a snapshot to the table, nothing is read nor appended.
    """
    _require_utc(spark)
    source = jdbc_source(url)
    schema = archive_struct(columns)
    ensure_table(spark, identifier, schema, properties, partition)
    committed = snapshot_of_run(spark, identifier, run_id)
    if committed is not None:
        logger.info("run %s already archived %s in snapshot %s", run_id, identifier, committed.snapshot_id)
        return SparkArchived(committed.snapshot_id, committed.rows, committed.bytes, False, None)
    plan = partition_plan(
        spark,
        source,
        planned_sql,
        columns,
        key,
        split_column=split_column,
        rows_per_partition=rows_per_partition,
        max_partitions=max_partitions,
        fetch_size=fetch_size,
    )
    logger.info("reading %s by %s in %d partitions", identifier, plan.column or "one query", plan.partitions)
    rows = read_source(spark, source, planned_sql, columns, plan)
    archived_at = datetime.now(UTC)
    data = rows.select(
        "*",
        F.lit(run_id).alias(iceberg.RUN_ID_COLUMN),
        F.lit(archived_at).cast(TimestampType()).alias(iceberg.ARCHIVED_AT_COLUMN),
    )
    data, options = _clustered(spark, identifier, data)
    writer = data.writeTo(table_name(identifier))
    for k, v in {iceberg.RUN_ID_PROPERTY: run_id, **(summary or {})}.items():
        writer = writer.option(f"snapshot-property.{k}", v)
    for k, v in options.items():
        writer = writer.option(k, v)
    writer.append()
    committed = snapshot_of_run(spark, identifier, run_id)
    if committed is None:
        raise RuntimeError(f"run {run_id} committed no snapshot to {identifier}")
    return SparkArchived(committed.snapshot_id, committed.rows, committed.bytes, True, plan)


# --- helpers ----------------------------------------------------------------------------------


def _require_utc(spark: SparkSession) -> None:
    """Timestamps are read and cast in UTC (the session's and the JVM's zone), or they would shift."""
    session = spark.conf.get("spark.sql.session.timeZone")
    jvm: Any = spark.sparkContext._jvm
    default = jvm.java.util.TimeZone.getDefault().getID()
    if session not in {"UTC", "Etc/UTC", "Z"} or default not in {"UTC", "Etc/UTC", "GMT"}:
        raise RuntimeError(
            f"the Spark engine needs UTC: the session time zone is {session}, the JVM's {default} "
            "(use archive_io.spark.session, or -Duser.timezone=UTC and spark.sql.session.timeZone=UTC)"
        )


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
