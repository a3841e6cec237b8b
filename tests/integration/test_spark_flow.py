"""archival_flow picks the engine per table, and its Spark branch archives, validates and purges.

`archive-io serve --spark-min-rows 1000` runs the real state machine: the choose_engine Lambda
reads the machine's PostgreSQL statistics, and the tables at or above the threshold go to the
Spark Glue jobs (glue_jobs/*_spark.py, local Spark writing a Hadoop catalog under the state dir,
as Spark has no S3 client here), the others to the single-node jobs, in one run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from archive_io.tables import iceberg
from tests.integration.conftest import Served, serve
from tests.integration.test_spark_engine import jars_dir, static_table

pytestmark = pytest.mark.integration

__all__ = ["jars_dir"]  # the fixture, used by `served_spark`

SCHEMA = "archive_io_engines"
URL = "postgresql://postgres@127.0.0.1:5432/test"
BIG, SMALL = 3000, 40
THRESHOLD = 1000


@pytest.fixture(scope="module")
def served_spark(jars_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("spark-platform"), "--spark-min-rows", str(THRESHOLD)) as platform:
        yield platform


@pytest.fixture
def source(postgres: Any) -> Iterator[Any]:
    with postgres.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        for table, rows in (("orders", BIG), ("regions", SMALL)):
            cur.execute(
                f"CREATE TABLE {SCHEMA}.{table} (id int PRIMARY KEY, placed date NOT NULL, amount numeric(10, 2))"
            )
            cur.execute(
                f"INSERT INTO {SCHEMA}.{table} "
                f"SELECT i, date '2020-01-01' + i, i * 1.25 FROM generate_series(1, {rows}) i"
            )
            cur.execute(f"ANALYZE {SCHEMA}.{table}")  # the statistics the engine choice reads
    yield postgres
    with postgres.cursor() as cur:
        cur.execute(f"DROP SCHEMA {SCHEMA} CASCADE")


def _ids(postgres: Any, table: str) -> list[int]:
    with postgres.cursor() as cur:
        cur.execute(f"SELECT id FROM {SCHEMA}.{table} ORDER BY id")
        return [int(r[0]) for r in cur.fetchall()]


def test_each_table_runs_on_its_engine_and_the_spark_one_is_validated_and_purged(
    served_spark: Served, source: Any
) -> None:
    client = served_spark.client
    assert client.post("/connections", {"name": "engines", "url": URL}).status_code == 201
    body = {
        "glue_connection": "engines",
        "source_database": "test",
        "source_schema": SCHEMA,
        "retention_policy": 7,
        "legal_hold": False,
        "source_table": [
            {"table_name": "orders", "condition": "id <= 2500", "partition_by": "placed", "purge_source": True},
            {"table_name": "regions"},
        ],
        "purge": {"chunk_rows": 1000},
        "triggered_by": "test",
        "triggered_by_email": "test@example.com",
    }
    accepted = client.post("/archive", body)
    assert accepted.status_code == 202, accepted.text
    run = client.wait_for_run(accepted.json()["run_id"], timeout=600)
    assert run["status"] == "SUCCEEDED", run
    orders, regions = run["tables"]["orders"], run["tables"]["regions"]

    assert orders["engine"] == "spark"
    assert f"~{BIG:,} rows" in orders["engine_reason"]
    assert f"ARCHIVE_IO_SPARK_MIN_ROWS={THRESHOLD:,}" in orders["engine_reason"]
    assert regions["engine"] == "single_node"
    assert f"~{SMALL:,} rows" in regions["engine_reason"]
    assert "under ARCHIVE_IO_SPARK_MIN_ROWS" in regions["engine_reason"]

    # Spark archived, validated (its checksum against PostgreSQL's) and purged the big table
    assert orders["rows_archived"] == 2500
    assert orders["validation"]["verdict"] == "PASSED"
    assert orders["validation"]["archive_rows"] == orders["validation"]["source_rows"] == 2500
    assert orders["purge"]["status"] == "DONE"
    assert orders["purge"]["rows_deleted"] == 2500
    assert _ids(source, "orders") == list(range(2501, BIG + 1))
    # the single-node engine archived the small one to the emulated S3 as ever
    assert regions["validation"]["verdict"] == "PASSED"
    assert regions["iceberg_location"].startswith("s3://archive-io-local-warehouse/")
    assert _ids(source, "regions") == list(range(1, SMALL + 1))

    # the Spark table, read back with pyiceberg: the run's rows, properties and partitioning
    warehouse = served_spark.state_dir / "spark-warehouse"
    table = static_table(warehouse, orders["iceberg_table"])
    assert orders["iceberg_location"].endswith(orders["iceberg_table"].replace(".", "/"))
    assert table.properties[iceberg.RETENTION_YEARS_PROPERTY] == "7"
    assert [f.name for f in table.spec().fields] == ["placed_month"]
    snapshot = table.snapshot_by_id(orders["snapshot_id"])
    assert snapshot is not None
    assert snapshot.summary is not None
    assert snapshot.summary[iceberg.RUN_ID_PROPERTY] == run["run_id"]
    assert table.scan(snapshot_id=orders["snapshot_id"]).to_arrow().num_rows == 2500

    # the report says which engine ran and why
    report = client.get(f"/reports/{run['run_id']}")
    pdf = client.http.get(report.json()["url"], timeout=30)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Spark (Glue Spark job)" in text
    assert "single-node (Arrow and pyiceberg)" in text
