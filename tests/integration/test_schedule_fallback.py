"""The scheduled fallback: the onboarded tables' due rows are archived once a day, however often it fires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import payload
from tests.integration.conftest import Served
from tests.integration.test_file_archive_flow import archive_files, put_landing

pytestmark = pytest.mark.integration

ONBOARDING = {
    "connection": "pg_scheduled",
    "database": "test",
    "schema": "archive_io_schedule",
    "retention_policy": 3,
    "owner": "Billing",
    "owner_email": "billing@example.com",
    "tables": [
        {"name": "invoices", "date_column": "issued", "archive_after_days": 30, "purge_source": True},
        {"name": "quiet", "date_column": "issued", "archive_after_days": 30},
    ],
}


@pytest.fixture
def onboarded(served: Served, postgres: Any) -> Iterator[Any]:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_schedule CASCADE")
        cur.execute("CREATE SCHEMA archive_io_schedule")
        for table in ("invoices", "quiet"):
            cur.execute(f"CREATE TABLE archive_io_schedule.{table} (id int PRIMARY KEY, issued date)")
        # invoices: 20 rows months old (due), 10 recent; quiet: only recent rows
        cur.execute(
            "INSERT INTO archive_io_schedule.invoices "
            "SELECT i, current_date - (CASE WHEN i <= 20 THEN 200 ELSE 2 END) FROM generate_series(1, 30) i"
        )
        cur.execute("INSERT INTO archive_io_schedule.quiet SELECT i, current_date FROM generate_series(1, 5) i")
    client = served.client
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert client.post("/connections", {"name": "pg_scheduled", "url": url}).status_code == 201
    assert client.post("/onboardings", ONBOARDING).status_code == 201
    yield postgres
    served.aws("s3").delete_object(Bucket="archive-io-local-config", Key="config/pg_scheduled/test.yaml")
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA archive_io_schedule CASCADE")


def fire(served: Served, time: str) -> dict[str, Any]:
    event = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "time": time, "detail": {}}
    response = served.aws("lambda").invoke(
        FunctionName="archive-io-local-schedule-fallback", Payload=json.dumps(event).encode()
    )
    assert "FunctionError" not in response, response["Payload"].read()
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def test_a_day_firing_twice_starts_one_run_and_it_purges_what_it_archived(served: Served, onboarded: Any) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date().isoformat()
    first = fire(served, f"{today}T02:00:00Z")
    assert [s["table"] for s in first["started"]] == ["archive_io_schedule.invoices"]
    run = served.client.wait_for_run(first["started"][0]["run_id"], timeout=300)
    assert run["status"] == "SUCCEEDED", run
    assert run["request"]["triggered_by"] == "schedule_fallback"
    assert run["tables"]["invoices"]["rows_archived"] == 20
    assert run["tables"]["invoices"]["purge"]["rows_deleted"] == 20

    again = fire(served, f"{today}T02:00:07Z")  # the same day's schedule, delivered twice
    assert again["started"] == again["already_started"] == []  # archived and purged: nothing is due
    with onboarded.cursor() as cur:
        cur.execute("INSERT INTO archive_io_schedule.invoices VALUES (99, current_date - 400)")
    third = fire(served, f"{today}T14:00:00Z")
    assert third["started"] == []  # a new due row, but today's run of the table exists
    assert third["already_started"] == first["started"]


def test_a_day_prefix_whose_archival_was_not_triggered_is_archived_once(served: Served) -> None:
    bucket = "scheduled-landing"
    put_landing(served, bucket, "sched/20250410/", {"a.csv": b"triggered", "b.csv": b"by the caller"})
    put_landing(served, bucket, "sched/20250411/", {"c.csv": b"never", "d/e.csv": b"triggered"})
    body = payload("file_archival.json") | {"project_name": "scheduled", "bucket_name": bucket}
    triggered = archive_files(served, body | {"prefix": "sched/20250410/", "file_count": 2})
    assert triggered["status"] == "SUCCEEDED", triggered
    onboarding = {
        "project_name": "scheduled",
        "bucket_name": bucket,
        "prefix_pattern": "sched/%Y%m%d/",
        "archive_after_days": 1,
        "lookback_days": 3,
        "archive_size": 10,
        "storage_class": "GLACIER",
        "owner_email": "files@example.com",
    }
    s3 = served.aws("s3")
    s3.put_object(Bucket="archive-io-local-config", Key="files-config/scheduled.yaml", Body=json.dumps(onboarding))
    try:
        first = fire(served, "2025-04-12T02:00:00Z")
        second = fire(served, "2025-04-12T02:30:00Z")
    finally:
        s3.delete_object(Bucket="archive-io-local-config", Key="files-config/scheduled.yaml")
    started = [s for s in first["started"] if "prefix" in s]
    assert [s["prefix"] for s in started] == [f"s3://{bucket}/sched/20250411/"]  # 10 April was archived already
    assert [s for s in second["started"] if "prefix" in s] == []
    assert [s["run_id"] for s in second["already_started"] if "prefix" in s] == [started[0]["run_id"]]
    run = served.client.wait_for_run(started[0]["run_id"], timeout=120)
    assert run["status"] == "SUCCEEDED", run
    assert run["request"]["storage_class"] == "GLACIER"
    assert sum(b["members"] for b in run["bundles"]) == 2
