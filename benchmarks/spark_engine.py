"""The Spark engine against the single-node engine on pgbench_accounts, in the same run.

Run from the project's .venv after `make spark-jars`
(`.venv/bin/python benchmarks/spark_engine.py [--scale 20] [--repeat 2]`). On this machine's
PostgreSQL it prepares `archive_io_bench` with `pgbench -i -s SCALE` (SCALE x 100,000 rows), then
archives `pgbench_accounts` into two local warehouses:
  - the single-node engine: connectorx/ADBC Arrow batches appended by pyiceberg (the baseline);
  - the Spark engine: local[2] Spark, a partitioned JDBC read (`aid` bounds, one partition per
    --rows-per-partition rows), Iceberg's Spark writer into a Hadoop catalog.
Each archive run is a new run id into the same table; the best of --repeat runs counts. Spark's
session start is measured apart. Both archives are then validated against the source by the
project's validation (count, checksums, schema). Results print as Markdown: copy them into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from validation import PG_URL, best, prepare

ROOT = Path(__file__).resolve().parents[1]


def single_node(tmp: str, source: Any, sql: str, columns: list[Any], repeat: int) -> tuple[float, Any]:
    from pyiceberg.catalog.sql import SqlCatalog

    from archive_io.tables import iceberg
    from archive_io.tables.sources import arrow_schema

    Path(tmp).mkdir(parents=True, exist_ok=True)
    catalog = SqlCatalog("bench", uri=f"sqlite:///{tmp}/catalog.db", warehouse=f"file://{tmp}")
    schema = arrow_schema(columns)
    table = iceberg.ensure_table(catalog, "bench.pgbench_accounts", iceberg.archive_schema(schema), {})
    runs = iter(range(repeat))

    def run() -> tuple[int, int]:
        snapshot, rows, _ = iceberg.append_run(
            table, source.batches(sql, columns, 50_000), schema, f"single-{next(runs)}", {}
        )
        return snapshot, rows

    seconds, (snapshot, rows) = best(repeat, run)
    return seconds, (table, snapshot, rows)


def spark_engine(
    tmp: str, sql: str, columns: list[Any], repeat: int, rows_per_partition: int
) -> tuple[float, float, Any]:
    from archive_io.spark import archive
    from archive_io.spark.session import spark_session

    started = time.perf_counter()
    spark = spark_session("archive-io-bench", warehouse=tmp, catalog="hadoop", jars_dir=ROOT / ".spark-jars")
    spark.sparkContext.setLogLevel("ERROR")
    startup = time.perf_counter() - started
    runs = iter(range(repeat))

    def run() -> Any:
        return archive.archive_table(
            spark,
            url=PG_URL,
            planned_sql=sql,
            columns=columns,
            identifier="bench.pgbench_accounts",
            run_id=f"spark-{next(runs)}",
            properties={},
            key=["aid"],
            rows_per_partition=rows_per_partition,
        )

    seconds, result = best(repeat, run)
    return startup, seconds, (spark, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20, help="pgbench scale: 20 is 2M rows")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rows-per-partition", type=int, default=250_000)
    args = parser.parse_args()
    prepare(args.scale)

    from pyiceberg.table import StaticTable

    from archive_io.spark.validation import spark_view
    from archive_io.tables.archival import iceberg_view, validate_archive
    from archive_io.tables.sources import open_source
    from archive_io.tables.sql import build_select

    with closing(open_source(PG_URL)) as source, tempfile.TemporaryDirectory() as tmp:
        columns = source.columns("public", "pgbench_accounts")
        sql, _ = build_select(
            dialect="postgres", schema="public", table="pgbench_accounts", columns=[c.name for c in columns]
        )
        single_s, (table, snapshot, rows) = single_node(f"{tmp}/single", source, sql, columns, args.repeat)
        startup_s, spark_s, (spark, archived) = spark_engine(
            f"{tmp}/spark", sql, columns, args.repeat, args.rows_per_partition
        )
        partitions = archived.plan.partitions if archived.plan else None
        # Both archives validated against the source by the project's validation (checksums and
        # all): the archive side computed by DuckDB over pyiceberg (single-node) and by Spark.
        metadata = Path(tmp) / "spark" / "bench" / "pgbench_accounts" / "metadata"
        version = int((metadata / "version-hint.text").read_text().strip())
        spark_table = StaticTable.from_metadata(str(metadata / f"v{version}.metadata.json"))
        last_spark_run = f"spark-{args.repeat - 1}"
        validations = {}
        for name, view in (
            ("single-node archive, DuckDB side", iceberg_view(table, snapshot, f"single-{args.repeat - 1}")),
            ("Spark archive, DuckDB side", iceberg_view(spark_table, archived.snapshot_id, last_spark_run)),
            (
                "Spark archive, Spark side",
                spark_view(spark, "bench.pgbench_accounts", archived.snapshot_id, last_spark_run),
            ),
        ):
            validations[name] = validate_archive(source, view, sql=sql, columns=columns, key=["aid"])
        spark.stop()
        verdicts = {
            engine: (validations[name].verdict.value, validations[name].archive_rows)
            for engine, name in (
                ("single-node", "single-node archive, DuckDB side"),
                ("spark", "Spark archive, Spark side"),
            )
        }

    print(f"\n## Spark engine against single-node, pgbench scale {args.scale} ({rows:,} rows)\n")
    print("| engine | seconds | rows/s | vs single-node | validation (archive rows) |")
    print("|---|---|---|---|---|")
    verdict, counted = verdicts["single-node"]
    print(f"| single-node (pyiceberg) | {single_s:.2f} | {rows / single_s:,.0f} | 1.00x | {verdict} ({counted:,}) |")
    verdict, counted = verdicts["spark"]
    print(
        f"| Spark local[2], {partitions} JDBC partitions | {spark_s:.2f} | {rows / spark_s:,.0f} "
        f"| {spark_s / single_s:.2f}x | {verdict} ({counted:,}) |"
    )
    print(f"\nSpark session start (JVM, jars, catalog): {startup_s:.1f} s, not in the Spark seconds above.")
    print("\n| validation | verdict | seconds | archive side | source side | archive side vs DuckDB |")
    print("|---|---|---|---|---|---|")
    duckdb_side = validations["single-node archive, DuckDB side"].archive_seconds or 0.0
    for name, v in validations.items():
        side = v.archive_seconds or 0.0
        print(
            f"| {name} | {v.verdict.value} | {v.seconds:.2f} | {side:.2f} | {v.source_seconds or 0:.2f} "
            f"| {side / duckdb_side:.2f}x |"
        )


if __name__ == "__main__":
    main()
