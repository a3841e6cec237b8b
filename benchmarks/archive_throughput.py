"""Archive throughput and peak memory of the single-node engine, against the extraction floor.

Run from the project's .venv (`make bench` or `.venv/bin/python benchmarks/archive_throughput.py`).
It prepares, on this machine's servers:
  - PostgreSQL database `archive_io_bench` with `pgbench -i -s SCALE` (pgbench_accounts: SCALE x 100,000 rows);
  - MariaDB table `test.archive_io_bench` of the same number of rows (its own generator).
Then, in the same run, for each source:
  - the floor: `psql \\copy (...) TO '/dev/null' (FORMAT binary)` / `mariadb --quick -B ... > /dev/null`;
  - the archive: the engine's own path (catalog columns -> planned SELECT -> streamed Arrow batches ->
    one Iceberg transaction) into a local file warehouse, in a child process whose peak RSS is read
    from the kernel (ru_maxrss).
With --dlt-python, dlt's archive of the same PostgreSQL table into Iceberg (benchmarks/dlt_baseline.py,
with its pyarrow and connectorx backends) runs in the same run as a baseline.
Results are printed as a Markdown table: copy them into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PG_URL = "postgresql://postgres@127.0.0.1:5432/archive_io_bench"
MY_URL = "mysql://root:@127.0.0.1:3306/test"


def sh(command: str, **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, shell=True, check=True, **kwargs)  # noqa: S602 (fixed benchmark commands)
    return time.perf_counter() - started


def prepare(scale: int) -> int:
    rows = scale * 100_000
    sh("psql -h 127.0.0.1 -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS archive_io_bench'")
    sh("psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE archive_io_bench'")
    sh(f"pgbench -h 127.0.0.1 -U postgres -i -q -s {scale} archive_io_bench", stderr=subprocess.DEVNULL)
    sql = f"""
        DROP TABLE IF EXISTS archive_io_bench;
        CREATE TABLE archive_io_bench (id INT PRIMARY KEY, account INT NOT NULL, balance DECIMAL(12, 2),
            name VARCHAR(40), created DATETIME(6), note VARCHAR(84));
        INSERT INTO archive_io_bench
        SELECT seq, seq % 1000, (seq % 100000) / 100.0, CONCAT('customer ', seq),
               TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND, REPEAT('x', 84)
        FROM seq_1_to_{rows};"""
    sh(f'mariadb -uroot test -e "{sql}"')
    return rows


def archive_child(url: str, schema: str, table: str, warehouse: str) -> None:
    """The measured archive, run in a child process so its peak RSS is its own."""
    from pyiceberg.catalog.sql import SqlCatalog

    from archive_io.tables import iceberg
    from archive_io.tables.sources import arrow_schema, open_source
    from archive_io.tables.sql import build_select

    started = time.perf_counter()
    source = open_source(url)
    columns = source.columns(schema, table)
    sql, _ = build_select(dialect=source.dialect, schema=schema, table=table, columns=[c.name for c in columns])
    catalog = SqlCatalog("bench", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")
    target = iceberg.ensure_table(catalog, f"bench.{table}", iceberg.archive_schema(arrow_schema(columns)), {})
    _, rows, _ = iceberg.append_run(target, source.batches(sql, columns, 50_000), arrow_schema(columns), "bench", {})
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak_mb}))


def archive(url: str, schema: str, table: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as warehouse:
        out = subprocess.run(  # noqa: S603 (this script, fixed arguments)
            [sys.executable, __file__, "--child", url, schema, table, warehouse],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20, help="pgbench scale: rows = scale x 100,000")
    parser.add_argument("--skip-prepare", action="store_true")
    parser.add_argument("--dlt-python", help="an interpreter with dlt installed: adds dlt's archive as a baseline")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        archive_child(*args.child)
        return
    rows = args.scale * 100_000 if args.skip_prepare else prepare(args.scale)
    pg_floor = sh(
        "psql -h 127.0.0.1 -U postgres -d archive_io_bench -qc "
        "\"\\copy (SELECT * FROM pgbench_accounts) TO '/dev/null' WITH (FORMAT binary)\""
    )
    pg = archive(PG_URL, "public", "pgbench_accounts")
    my_floor = sh("mariadb -uroot --quick -B test -e 'SELECT * FROM archive_io_bench' > /dev/null")
    my = archive(MY_URL, "test", "archive_io_bench")
    dlt_runs = (
        [dlt_archive(args.dlt_python, backend) for backend in ("pyarrow", "connectorx")] if args.dlt_python else []
    )
    print(f"\n{rows:,} rows per table; Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    print("| source | floor s | archive s | rows/s | archive / floor | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for name, floor, result in (("PostgreSQL pgbench_accounts", pg_floor, pg), ("MariaDB", my_floor, my)):
        assert result["rows"] == rows, result
        print(
            f"| {name} | {floor:.2f} | {result['seconds']:.2f} | {rows / result['seconds']:,.0f} | "
            f"{result['seconds'] / floor:.2f}x | {result['peak_rss_mb']:.0f} |"
        )

    for run in dlt_runs:
        assert run["rows"] == rows, run
        print(
            f"| dlt sql_table({run['backend']}) -> Iceberg, PostgreSQL | {pg_floor:.2f} | {run['seconds']:.2f} | "
            f"{rows / run['seconds']:,.0f} | {run['seconds'] / pg_floor:.2f}x | {run['peak_rss_mb']:.0f} |"
        )
    if dlt_runs:
        best = min(run["seconds"] for run in dlt_runs)
        print(f"\nArchive-IO throughput / best dlt throughput on PostgreSQL: {best / pg['seconds']:.2f}x")


def dlt_archive(python: str, backend: str) -> dict[str, Any]:
    script = Path(__file__).with_name("dlt_baseline.py")
    out = subprocess.run(  # noqa: S603 (the baseline script, fixed arguments)
        [python, str(script), backend, PG_URL], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
