"""The Glue Spark jobs of a run's table: archive, validate, purge the source (`glue_jobs/*_spark.py`).

Each does what the single-node job of the same name does (`archive_io.tables`), with Spark reading
the source (partitioned JDBC) and the archive; the run record, the validation and the purge's
chunked deletes are the same code. `archival_flow` runs them for the tables `choose_engine` gave
to Spark.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import closing

from pyspark.sql import SparkSession

from archive_io.contracts.runs import TableResult, TableStatus
from archive_io.glue import resolve_options
from archive_io.paths import project_root
from archive_io.runtime import Runtime
from archive_io.settings import SPARK_CATALOG, SPARK_WAREHOUSE, Settings, SettingsError
from archive_io.spark import archive as spark_archive
from archive_io.spark.session import spark_session
from archive_io.spark.validation import archived_keys, table_view
from archive_io.tables import iceberg
from archive_io.tables.archival import (
    describe_error,
    governance_properties,
    key_columns,
    lineage_summary,
    record_archived,
    table_of_run,
    validate_table,
)
from archive_io.tables.purge import purge_table
from archive_io.tables.retention import apply_object_holds
from archive_io.tables.sources import SourceOpener, open_source

logger = logging.getLogger(__name__)

LOCAL_JARS = ".spark-jars"


def job_session(settings: Settings, app_name: str) -> SparkSession:
    """The job's SparkSession: the Glue Data Catalog over the warehouse bucket in AWS, a Hadoop
    catalog in `spark_warehouse` off AWS (Spark has no S3 client here: see docs/benchmarks.md)."""
    if settings.spark_catalog == "glue":
        return spark_session(app_name, warehouse=f"s3://{settings.warehouse_bucket}/", catalog="glue", jars_dir=None)
    if not settings.spark_warehouse:
        raise SettingsError(f"{SPARK_CATALOG}=hadoop needs {SPARK_WAREHOUSE}")
    return spark_session(
        app_name, warehouse=settings.spark_warehouse, catalog="hadoop", jars_dir=project_root() / LOCAL_JARS
    )


def archive_run_table(
    runtime: Runtime, spark: SparkSession, run_id: str, table_name: str, opener: SourceOpener = open_source
) -> TableResult:
    """Copy the table's planned rows into its Iceberg table as one snapshot of this run, with Spark.

    Idempotent: when the run already committed this table (a retried job), nothing is appended.
    """
    record, planned = table_of_run(runtime, run_id, table_name)
    request = record.request
    started = time.monotonic()
    url = runtime.connections.url(request.glue_connection)
    try:
        with closing(opener(url)) as source:
            by_name = {c.name: c for c in source.columns(request.source_schema, table_name)}
            columns = [by_name[name] for name in planned.columns]
            key = key_columns(source, request.source_schema, table_name, planned.columns)
        archived = spark_archive.archive_table(
            spark,
            url=url,
            planned_sql=planned.source_sql,
            columns=columns,
            identifier=planned.iceberg_table,
            run_id=run_id,
            properties=governance_properties(record),
            summary=lineage_summary(record, planned),
            partition=planned.partition,
            key=key,
            split_column=planned.partition[0] if planned.partition else None,
        )
        spark_archive.strengthen_governance(
            spark,
            planned.iceberg_table,
            request.retention_policy,
            record.retention_until.isoformat(),
            request.legal_hold,
        )
        location = spark_archive.table_location(spark, planned.iceberg_table)
        if spark_archive.table_properties(spark, planned.iceberg_table).get(iceberg.LEGAL_HOLD_PROPERTY) == "true":
            apply_object_holds(runtime, location, True)  # this run's files are held too
    except Exception as exc:
        runtime.runs.put_table(
            run_id, planned.model_copy(update={"status": TableStatus.FAILED, "error": describe_error(exc)})
        )
        raise
    if archived.plan is not None:
        logger.info("run %s table %s read in %d JDBC partitions", run_id, table_name, archived.plan.partitions)
    return record_archived(
        runtime,
        run_id,
        planned,
        rows=archived.rows,
        nbytes=archived.bytes,
        snapshot=archived.snapshot_id,
        location=location,
        started=started,
    )


def validate_run_table(
    runtime: Runtime, spark: SparkSession, run_id: str, table_name: str, opener: SourceOpener = open_source
) -> TableResult:
    """`validate_table` with the archive's profile and rows computed by Spark."""
    return validate_table(runtime, run_id, table_name, opener, view=table_view(spark, run_id))


def purge_run_table(
    runtime: Runtime, spark: SparkSession, run_id: str, table_name: str, opener: SourceOpener = open_source
) -> TableResult:
    """`purge_table` with the archive's keys and row hashes read by Spark; the deletes are the same
    chunked, re-checked transactions (the source's delete rate bounds a purge, not the reading)."""
    return purge_table(runtime, run_id, table_name, opener, archived_keys=archived_keys(spark, run_id))


TableJob = Callable[[Runtime, SparkSession, str, str], TableResult]


def run_job(job: TableJob, argv: list[str], app_name: str) -> None:
    """A Spark Glue job's main: `--run_id`, `--table_name` and the settings as job arguments."""
    args = resolve_options(argv, ["run_id", "table_name"])
    settings = Settings.from_mapping(args)
    job(Runtime(settings), job_session(settings, app_name), args["run_id"], args["table_name"])
