"""Which engine archives a table: the single-node engine, or Spark above a size set in config.

The size is the source's own estimate (PostgreSQL's pg_class, MySQL's information_schema.TABLES),
read without scanning the table; the choice and its reason are recorded in the run, so the report
says which engine ran and why.
"""

from __future__ import annotations

import logging
from contextlib import closing

from archive_io.contracts.runs import Engine, TableResult, TableStatus
from archive_io.runtime import Runtime
from archive_io.settings import SPARK_MIN_BYTES, SPARK_MIN_ROWS, Settings
from archive_io.tables.archival import describe_error
from archive_io.tables.sources import SourceOpener, TableStatistics, open_source

logger = logging.getLogger(__name__)


def choose_engine(statistics: TableStatistics, settings: Settings) -> tuple[Engine, str]:
    """Spark when the table's rows or bytes reach a configured threshold; else the single-node engine."""
    min_rows, min_bytes = settings.spark_min_rows, settings.spark_min_bytes
    size = f"~{_count(statistics.rows)} rows, {_bytes(statistics.bytes)} ({statistics.method})"
    if min_rows is None and min_bytes is None:
        return Engine.SINGLE_NODE, f"{size}; the Spark engine is off ({SPARK_MIN_ROWS}, {SPARK_MIN_BYTES} unset)"
    if min_rows is not None and statistics.rows is not None and statistics.rows >= min_rows:
        return Engine.SPARK, f"{size}: at least {SPARK_MIN_ROWS}={min_rows:,}"
    if min_bytes is not None and statistics.bytes is not None and statistics.bytes >= min_bytes:
        return Engine.SPARK, f"{size}: at least {SPARK_MIN_BYTES}={min_bytes:,}"
    limits = " and ".join(
        f"{name}={value:,}" for name, value in ((SPARK_MIN_ROWS, min_rows), (SPARK_MIN_BYTES, min_bytes)) if value
    )
    return Engine.SINGLE_NODE, f"{size}: under {limits}"


def choose_table_engine(
    runtime: Runtime, run_id: str, table_name: str, opener: SourceOpener = open_source
) -> TableResult:
    """Estimate the table's size from its source's statistics, pick its engine and record both in the run.

    A retried task keeps the engine chosen first, so one table is never archived by both engines.
    """
    record = runtime.runs.get(run_id)
    table = record.tables[table_name]
    if table.engine is not None:
        return table
    request = record.request
    try:
        with closing(opener(runtime.connections.url(request.glue_connection))) as source:
            statistics = source.statistics(request.source_schema, table_name)
    except Exception as exc:
        runtime.runs.put_table(
            run_id, table.model_copy(update={"status": TableStatus.FAILED, "error": describe_error(exc)})
        )
        raise
    engine, reason = choose_engine(statistics, runtime.settings)
    logger.info("run %s table %s: %s engine, %s", run_id, table_name, engine.value, reason)
    chosen = table.model_copy(update={"engine": engine, "engine_reason": reason})
    runtime.runs.put_table(run_id, chosen)
    return chosen


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _bytes(value: int | None) -> str:
    if value is None:
        return "size unknown"
    size, unit = float(value), "bytes"
    for larger in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    return f"{value:,} bytes" if unit == "bytes" else f"{size:,.1f} {unit}"
