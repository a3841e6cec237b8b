"""Validation time on pgbench_accounts and its archive, against the source checksum alone and reladiff.

Run from the project's .venv (`.venv/bin/python benchmarks/validation.py [--scale 20]`). On this
machine's PostgreSQL it prepares database `archive_io_bench` with `pgbench -i -s SCALE`
(SCALE x 100,000 rows), archives `pgbench_accounts` with the single-node engine into a local file
warehouse, then measures, in the same run and on the same pair:
  - the source checksum alone: one query of (count, sum, bit_xor) of the row hashes, no segments,
    no aggregates (the least any checksum validation must do on the source);
  - the full validation: schema, profiles per key segment with per-column aggregates on both sides
    (PostgreSQL and DuckDB over the Iceberg snapshot, concurrently), the verdict;
  - reladiff 0.6 (hashdiff) of the source table against the archive's rows loaded into DuckDB
    (its load is not counted);
  - the same three after one row of the source is changed, where validation must name its key.
Each measure is the best of --repeat runs. Results print as Markdown: copy them into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

PG_URL = "postgresql://postgres@127.0.0.1:5432/archive_io_bench"


def sh(command: str) -> None:
    subprocess.run(command, shell=True, check=True, stderr=subprocess.DEVNULL)  # noqa: S602 (fixed commands)


def prepare(scale: int) -> None:
    sh("psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS archive_io_bench'")
    sh("psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE archive_io_bench'")
    sh(f"pgbench -h 127.0.0.1 -U postgres -i -q -s {scale} archive_io_bench")
    sh("psql -h 127.0.0.1 -U postgres -d archive_io_bench -qc 'VACUUM ANALYZE pgbench_accounts'")


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def archive_pgbench(tmp: str, source: Any) -> tuple[Any, int, str, list[Any]]:
    """pgbench_accounts archived by the single-node engine into a local warehouse: (table, snapshot, sql, columns)."""
    from pyiceberg.catalog.sql import SqlCatalog

    from archive_io.tables import iceberg
    from archive_io.tables.sources import arrow_schema
    from archive_io.tables.sql import build_select

    columns = source.columns("public", "pgbench_accounts")
    sql, _ = build_select(
        dialect="postgres", schema="public", table="pgbench_accounts", columns=[c.name for c in columns]
    )
    catalog = SqlCatalog("bench", uri=f"sqlite:///{tmp}/catalog.db", warehouse=f"file://{tmp}")
    schema = arrow_schema(columns)
    table = iceberg.ensure_table(catalog, "bench.pgbench_accounts", iceberg.archive_schema(schema), {})
    snapshot, rows, _ = iceberg.append_run(table, source.batches(sql, columns, 50_000), schema, "bench", {})
    print(f"archived {rows:,} rows", flush=True)
    return table, snapshot, sql, columns


def load_duckdb(path: str, table: Any, snapshot: int, names: list[str]) -> None:
    """reladiff's side: the archive's rows of the snapshot, as a DuckDB table."""
    import duckdb

    with duckdb.connect(path) as duck:
        duck.register(
            "archive_rows", table.scan(snapshot_id=snapshot, selected_fields=tuple(names)).to_arrow_batch_reader()
        )
        # reladiff reads PostgreSQL's char(n) without its padding: give DuckDB the same text
        duck.execute("CREATE TABLE pgbench_accounts AS SELECT * REPLACE (rtrim(filler) AS filler) FROM archive_rows")


def checksum_alone_sql(sql: str, columns: list[Any]) -> str:
    """The least a checksum validation does on the source: one (count, sum, bit_xor) of the row hashes."""
    from archive_io.tables.checksum import PostgresChecksum

    g = PostgresChecksum()
    row_hash = g.hash(g.row_text([(g.quote(c.name), c.arrow_type, c.source_type) for c in columns]))
    return f"SELECT count(*), sum(h)::text, bit_xor(h) FROM (SELECT {row_hash} AS h FROM ({sql}) AS q) AS t"


def measure(repeat: int, tmp: str) -> dict[str, dict[str, float]]:
    from reladiff import connect_to_table, diff_tables

    from archive_io.tables.archival import validate_archive
    from archive_io.tables.sources import open_source

    results: dict[str, dict[str, float]] = {}
    with closing(open_source(PG_URL)) as source:
        table, snapshot, sql, columns = archive_pgbench(tmp, source)
        names = [c.name for c in columns]
        duck_path = str(Path(tmp) / "archive.duckdb")
        load_duckdb(duck_path, table, snapshot, names)
        alone_sql = checksum_alone_sql(sql, columns)

        def validate() -> Any:
            return validate_archive(
                source, table, sql=sql, columns=columns, key=["aid"], snapshot_id=snapshot, run_id="bench"
            )

        def reladiff() -> int:
            left = connect_to_table(PG_URL, "pgbench_accounts", "aid", extra_columns=tuple(names[1:]))
            right = connect_to_table(f"duckdb://{duck_path}", "pgbench_accounts", "aid", extra_columns=tuple(names[1:]))
            return sum(1 for _ in diff_tables(left, right, algorithm="hashdiff"))

        for state in ("unchanged", "one changed row"):
            if state == "one changed row":
                sh(f"psql -h 127.0.0.1 -U postgres -d archive_io_bench -qc '{CHANGE_ONE_ROW}'")
            alone, _ = best(repeat, lambda: source.query(alone_sql))
            print(f"{state}: source checksum alone {alone:.2f} s", flush=True)
            full, validation = best(repeat, validate)
            print(f"{state}: full validation {full:.2f} s", flush=True)
            differing, found = best(repeat, reladiff)
            keys = [d.key for d in validation.differences]
            print(f"{state}: validation {validation.verdict} {keys}; reladiff found {found} differing rows")
            results[state] = {"source checksum alone": alone, "full validation": full, "reladiff hashdiff": differing}
    return results


CHANGE_ONE_ROW = "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1234567"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20, help="pgbench scale: 20 is 2M rows (at least 13)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prepare(args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(args.repeat, tmp)
    print()
    print(f"pgbench_accounts, {args.scale * 100_000:,} rows, best of {args.repeat} (seconds)")
    print()
    print("| | source checksum alone | full validation | reladiff hashdiff | full / alone | reladiff / full |")
    print("|---|---|---|---|---|---|")
    for state, r in results.items():
        print(
            f"| {state} | {r['source checksum alone']:.2f} | {r['full validation']:.2f} | {r['reladiff hashdiff']:.2f}"
            f" | {r['full validation'] / r['source checksum alone']:.2f}x"
            f" | {r['reladiff hashdiff'] / r['full validation']:.2f}x |"
        )
    changed, unchanged = results["one changed row"]["full validation"], results["unchanged"]["full validation"]
    print()
    print(f"one changed row found in {changed:.2f} s = {changed / unchanged:.2f}x the unchanged validation")


if __name__ == "__main__":
    main()
