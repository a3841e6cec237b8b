"""Retention purge of the archive on the embedded platform: expired rows and their files leave S3;
nothing leaves under legal hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from botocore.exceptions import ClientError

from archive_io.contracts.purges import PurgeOutcome
from archive_io.runtime import Runtime
from archive_io.tables import iceberg
from archive_io.tables.retention import LegalHoldError, delete_namespace, purge_expired, set_legal_hold
from tests.integration.conftest import Served
from tests.integration.test_archive_databases import archive
from tests.integration.test_validation_flow import runtime_of

pytestmark = pytest.mark.integration

NAMESPACE = "archive_test_archive_io_retention"
ICEBERG = f"{NAMESPACE}.ledger"
NOW = datetime.now(UTC)


@pytest.fixture
def ledger(served: Served, postgres: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """ledger archived by a run today (retention 6 years), plus 40 rows an old run archived 7 years ago."""
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_retention CASCADE")
        cur.execute("CREATE SCHEMA archive_io_retention")
        cur.execute("CREATE TABLE archive_io_retention.ledger (id int PRIMARY KEY, note text)")
        cur.execute("INSERT INTO archive_io_retention.ledger SELECT i, 'n' || i FROM generate_series(1, 60) i")
    runtime = runtime_of(served, monkeypatch)
    catalog = runtime.catalog()
    if catalog.namespace_exists(NAMESPACE):
        delete_namespace(runtime, NAMESPACE)
    run = archive(
        served,
        "pg_retention",
        "postgresql://postgres@127.0.0.1:5432/test",
        "test",
        "archive_io_retention",
        [{"table_name": "ledger"}],
    )
    assert run["status"] == "SUCCEEDED", run
    table = catalog.load_table(ICEBERG)
    old = pa.table(
        {
            "id": pa.array(range(1001, 1041), pa.int32()),
            "note": [f"old {i}" for i in range(40)],
            iceberg.RUN_ID_COLUMN: ["run-from-2019"] * 40,
            iceberg.ARCHIVED_AT_COLUMN: pa.array([NOW - timedelta(days=7 * 366)] * 40, pa.timestamp("us", tz="UTC")),
        }
    )
    table.append(old.cast(table.schema().as_arrow()))
    yield runtime
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA archive_io_retention CASCADE")


def objects(runtime: Runtime) -> dict[str, int]:
    location = runtime.catalog().load_table(ICEBERG).location()
    bucket, prefix = location.removeprefix("s3://").split("/", 1)
    pages = runtime.aws.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
    return {obj["Key"]: obj["Size"] for page in pages for obj in page.get("Contents", [])}


def ids(runtime: Runtime) -> list[int]:
    return sorted(runtime.catalog().load_table(ICEBERG).scan(selected_fields=("id",)).to_arrow()["id"].to_pylist())


def test_expired_rows_and_the_files_that_held_them_leave_s3(ledger: Runtime) -> None:
    before = objects(ledger)
    data_before = {k for k in before if "/data/" in k}
    assert ids(ledger) == [*range(1, 61), *range(1001, 1041)]

    dry = purge_expired(ledger, ICEBERG, dry_run=True, min_file_age=timedelta(0))
    assert (dry.outcome, dry.rows_removed, dry.rows_kept) == (PurgeOutcome.DRY_RUN, 40, 60)
    assert objects(ledger) == before

    result = purge_expired(ledger, ICEBERG, min_file_age=timedelta(0))
    assert result.outcome == PurgeOutcome.PURGED
    assert (result.rows_removed, result.rows_kept, result.retention_years) == (40, 60, 6)
    assert result.snapshots_expired >= 2
    assert ids(ledger) == list(range(1, 61))
    after = objects(ledger)
    gone = data_before - set(after)
    assert len(gone) == 1  # the old run's data file
    assert result.files_removed == len(set(before) - set(after)) >= 3  # with its manifests
    assert result.bytes_removed == sum(size for key, size in before.items() if key not in after)
    assert len(ledger.catalog().load_table(ICEBERG).snapshots()) == 1

    again = purge_expired(ledger, ICEBERG, min_file_age=timedelta(0))
    assert again.outcome == PurgeOutcome.NOTHING_DUE


def test_when_every_row_has_expired_the_table_and_its_files_are_gone(ledger: Runtime) -> None:
    assert objects(ledger)
    location = ledger.catalog().load_table(ICEBERG).location()
    result = purge_expired(ledger, ICEBERG, now=NOW + timedelta(days=7 * 366), min_file_age=timedelta(0))
    assert result.outcome == PurgeOutcome.DROPPED
    assert result.rows_removed == 100
    assert not ledger.catalog().table_exists(ICEBERG)
    bucket, prefix = location.removeprefix("s3://").split("/", 1)
    assert ledger.aws.s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("KeyCount") == 0


def test_legal_hold_blocks_the_purge_and_the_namespace_delete(ledger: Runtime) -> None:
    held = set_legal_hold(ledger, ICEBERG, True)
    assert held.outcome == PurgeOutcome.HOLD_SET
    before = objects(ledger)  # (setting the hold wrote one more metadata file, held too)
    assert held.objects_held == len(before)
    # S3 Object Lock enforces the hold itself: a held object version cannot be deleted
    data_key = next(k for k in before if "/data/" in k)
    s3 = ledger.aws.s3
    bucket = ledger.settings.warehouse_bucket
    version = s3.head_object(Bucket=bucket, Key=data_key)["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key=data_key, VersionId=version)
    assert s3.get_object_legal_hold(Bucket=bucket, Key=data_key)["LegalHold"]["Status"] == "ON"
    refused = purge_expired(ledger, ICEBERG, now=NOW + timedelta(days=7 * 366), min_file_age=timedelta(0))
    assert refused.outcome == PurgeOutcome.REFUSED
    assert "legal hold" in (refused.reason or "")
    with pytest.raises(LegalHoldError, match="ledger"):
        delete_namespace(ledger, NAMESPACE)
    assert objects(ledger) == before
    assert len(ids(ledger)) == 100

    assert set_legal_hold(ledger, ICEBERG, False).outcome == PurgeOutcome.HOLD_CLEARED
    assert s3.get_object_legal_hold(Bucket=bucket, Key=data_key)["LegalHold"]["Status"] == "OFF"
    (dropped,) = delete_namespace(ledger, NAMESPACE)
    assert (dropped.outcome, dropped.rows_removed) == (PurgeOutcome.DROPPED, 100)
    assert not ledger.catalog().namespace_exists(NAMESPACE)


def wait_for_purge(served: Served, purge_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        view: dict[str, Any] = served.client.get(f"/purges/{purge_id}").json()
        if view.get("status") not in {None, "RUNNING"}:
            return view
        time.sleep(0.5)
    raise AssertionError(f"purge {purge_id} did not finish: {view}")


def test_the_api_holds_purges_and_records_who_asked(served: Served, ledger: Runtime) -> None:
    client = served.client
    who = {"requested_by": "auditor", "requested_by_email": "auditor@example.com"}
    held = client.post("/legal-holds", {"iceberg_table": ICEBERG, "hold": True, "reason": "case 42"} | who)
    assert held.status_code == 200, held.text
    assert held.json()["tables"][ICEBERG]["outcome"] == "hold-set"
    assert ledger.purges.get(held.json()["purge_id"]).tables[ICEBERG].reason == "case 42"

    started = client.post("/purge", {"iceberg_tables": [ICEBERG]} | who)
    assert started.status_code == 202, started.text
    refused = wait_for_purge(served, started.json()["purge_id"])
    assert refused["status"] == "SUCCEEDED"
    assert refused["requested_by"] == "auditor"
    assert refused["tables"][ICEBERG]["outcome"] == "refused"
    assert len(ids(ledger)) == 100

    cleared = client.post("/legal-holds", {"iceberg_table": ICEBERG, "hold": False, "reason": "case closed"} | who)
    assert cleared.json()["tables"][ICEBERG]["outcome"] == "hold-cleared"
    done = wait_for_purge(served, client.post("/purge", {"iceberg_tables": [ICEBERG]} | who).json()["purge_id"])
    result = done["tables"][ICEBERG]
    assert (result["outcome"], result["rows_removed"], result["rows_kept"]) == ("purged", 40, 60)
    # the flow keeps files younger than an hour (a commit may be in flight): these were written just now
    assert result["files_removed"] == 0
    assert ids(ledger) == list(range(1, 61))


def test_the_api_refuses_unknown_tables_by_name(served: Served) -> None:
    who = {"requested_by": "auditor", "requested_by_email": "auditor@example.com"}
    response = served.client.post("/purge", {"iceberg_tables": ["archive_nowhere.nothing"]} | who)
    assert response.status_code == 400
    assert "archive_nowhere.nothing" in response.json()["message"]
    response = served.client.post(
        "/legal-holds", {"iceberg_table": "archive_nowhere.nothing", "hold": True, "reason": "x"} | who
    )
    assert response.status_code == 400
    assert "archive_nowhere.nothing" in response.json()["message"]


def test_delete_namespace_from_the_command_line_is_refused_under_hold_and_recorded(
    served: Served, ledger: Runtime
) -> None:
    import subprocess
    import sys

    def delete() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "archive_io", "delete-namespace", NAMESPACE, "--yes"]
        command += ["--requested-by", "dba", "--requested-by-email", "dba@example.com"]
        command += ["--state-dir", str(served.state_dir)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    set_legal_hold(ledger, ICEBERG, True)
    refused = delete()
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "under legal hold" in " ".join(refused.stdout.split())
    assert ledger.catalog().table_exists(ICEBERG)
    set_legal_hold(ledger, ICEBERG, False)
    deleted = delete()
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert f"namespace {NAMESPACE} deleted" in " ".join(deleted.stdout.split())
    assert not ledger.catalog().namespace_exists(NAMESPACE)
    purge_id = " ".join(deleted.stdout.split()).rsplit("(purge ", 1)[1].split(")")[0]
    record = ledger.purges.get(purge_id)
    assert (record.kind, record.requested_by, record.tables[ICEBERG].rows_removed) == ("namespace-delete", "dba", 100)
