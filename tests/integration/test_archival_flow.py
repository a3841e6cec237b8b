"""The archival flow run for real: HTTP API -> Step Functions (moto's ASL interpreter) -> Glue and
Lambda entry points -> Iceberg on emulated S3, read back by pyiceberg from another process."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from archive_io.local.demo import create_demo_database
from tests.conftest import payload
from tests.integration.conftest import Served

pytestmark = pytest.mark.integration
ROWS = 120

READ_BACK = """
import json, sys
from pyiceberg.catalog import load_catalog
catalog = load_catalog("archive")
out = {}
for identifier in sys.argv[1:]:
    table = catalog.load_table(identifier)
    out[identifier] = {
        "rows": table.scan().to_arrow().to_pylist(),
        "properties": dict(table.properties),
        "summaries": [dict(s.summary.additional_properties) for s in table.snapshots() if s.summary],
        "location": table.location(),
        "spec": [f"{f.name}:{f.transform}" for f in table.spec().fields],
    }
print(json.dumps(out, default=str))
"""


def read_back(served: Served, *identifiers: str) -> dict[str, Any]:
    """The archived tables as a user's own Python sees them through `.pyiceberg.yaml`."""
    result = subprocess.run(
        [sys.executable, "-c", READ_BACK, *identifiers],
        env=os.environ | {"PYICEBERG_HOME": str(served.state_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def subscribe_queue(served: Served, name: str) -> str:
    sqs, sns = served.aws("sqs"), served.aws("sns")
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("-notifications")]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return str(queue_url)


def messages(served: Served, queue_url: str) -> list[str]:
    received = served.aws("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [m["Body"] for m in received.get("Messages", [])]


def test_seed_payload_is_archived_validated_reported_and_notified(served: Served) -> None:
    database = create_demo_database(served.state_dir / "demo.db", ROWS)
    client = served.client
    queue = subscribe_queue(served, "archival-notifications")
    assert client.post("/connections", {"name": "demo_connection", "url": f"sqlite:///{database}"}).status_code == 201

    accepted = client.post("/archive", payload("archival_input_payload.json"))
    assert accepted.status_code == 202, accepted.text
    run_id = accepted.json()["run_id"]
    seen: list[str] = []
    run = client.wait_for_run(run_id, timeout=300, on_update=lambda r: seen.append(r["status"]))

    assert run["status"] == "SUCCEEDED", run
    assert seen[0] == "RUNNING"
    assert run["verdict"] == "PASSED"
    tables = run["tables"]
    assert {name: t["rows_archived"] for name, t in tables.items()} == {"products": 19, "leads": 49, "customers": ROWS}
    for t in tables.values():
        assert t["status"] == "VALIDATED"
        assert t["validation"]["source_rows"] == t["validation"]["archive_rows"] == t["rows_archived"]

    archived = read_back(served, *(t["iceberg_table"] for t in tables.values()))
    products = archived["archive_demo_main.products"]
    with sqlite3.connect(database) as db:
        source = db.execute('SELECT "Index", "Name", "Price", "Added" FROM products WHERE "Index" < 20').fetchall()
    assert sorted((r["Index"], r["Name"], Decimal(r["Price"]), r["Added"]) for r in products["rows"]) == [
        (i, name, Decimal(str(price)).quantize(Decimal("0.01")), added) for i, name, price, added in source
    ]
    assert {r["_archive_run_id"] for r in products["rows"]} == {run_id}
    assert products["properties"]["archive-io.retention-years"] == "6"
    assert products["properties"]["archive-io.legal-hold"] == "false"
    created = date.fromisoformat(run["created_at"][:10])
    assert products["properties"]["archive-io.retention-until"] == created.replace(year=created.year + 6).isoformat()
    assert all(t["rows_per_second"] > 0 for t in tables.values())
    assert products["summaries"][-1]["archive-io.run-id"] == run_id
    assert products["location"].startswith("s3://archive-io-local-warehouse/")
    assert len(archived["archive_demo_main.customers"]["rows"]) == ROWS

    report = client.get(f"/reports/{run_id}")
    assert report.status_code == 200
    pdf = client.http.get(report.json()["url"], timeout=30)
    assert pdf.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert run_id in text
    assert "PASSED" in text
    assert "archive_demo_main.products" in text

    notes = messages(served, queue)
    assert any(run_id in n and "SUCCEEDED" in n for n in notes), notes

    # A retried archive task (Glue reruns the job) finds its run's snapshot and appends nothing.
    glue = served.aws("glue")
    retry = glue.start_job_run(
        JobName="archive-io-local-archive-table", Arguments={"--run_id": run_id, "--table_name": "products"}
    )["JobRunId"]
    for _ in range(120):
        state = glue.get_job_run(JobName="archive-io-local-archive-table", RunId=retry)["JobRun"]["JobRunState"]
        if state not in {"STARTING", "RUNNING"}:
            break
        time.sleep(0.5)
    assert state == "SUCCEEDED"
    retried = read_back(served, "archive_demo_main.products")["archive_demo_main.products"]
    assert len(retried["rows"]) == 19
    assert len(retried["summaries"]) == len(products["summaries"])

    # The first run released its locks; a second run appends to the existing Iceberg tables.
    again = client.post("/archive", payload("archival_input_payload.json"))
    assert again.status_code == 202, again.text
    second = client.wait_for_run(again.json()["run_id"], timeout=300)
    assert second["status"] == "SUCCEEDED", second
    products = read_back(served, "archive_demo_main.products")["archive_demo_main.products"]
    runs = [r["_archive_run_id"] for r in products["rows"]]
    assert sorted({run: runs.count(run) for run in runs}.values()) == [19, 19]


def test_a_failing_task_fails_the_run_with_its_error(served: Served) -> None:
    database = served.state_dir / "broken.db"
    with sqlite3.connect(database) as db:
        db.execute('CREATE TABLE events ("Index" INTEGER PRIMARY KEY, "Day" DATE)')
        db.executemany("INSERT INTO events VALUES (?, ?)", [(1, "2024-01-31"), (2, "31/01/2024")])
    client = served.client
    assert client.post("/connections", {"name": "broken", "url": f"sqlite:///{database}"}).status_code == 201
    body = payload("archival_input_payload.json") | {
        "glue_connection": "broken",
        "source_table": [{"table_name": "events"}],
    }
    accepted = client.post("/archive", body)
    assert accepted.status_code == 202, accepted.text
    run = client.wait_for_run(accepted.json()["run_id"], timeout=300)

    assert run["status"] == "FAILED"
    assert "31/01/2024" in run["cause"]
    assert run["tables"]["events"]["status"] == "FAILED"
    assert "Invalid isoformat string: '31/01/2024'" in run["tables"]["events"]["error"]
    assert run["verdict"] == "FAILED"
    # The failed run still has its report, saying why.
    assert client.get(f"/reports/{run['run_id']}").status_code == 200


def test_bad_requests_over_http_start_nothing(served: Served) -> None:
    client = served.client
    sfn = served.aws("stepfunctions")
    (machine,) = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-archival-flow")]
    before = len(sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"])
    unknown_table = payload("archival_input_payload.json") | {"source_table": [{"table_name": "nope"}]}
    for body, problem in [
        (payload("archival_input_payload.json") | {"glue_connection": "never_registered"}, "not registered"),
        ({k: v for k, v in payload("archival_input_payload.json").items() if k != "source_schema"}, "source_schema"),
        (unknown_table, "does not exist"),
    ]:
        answer = client.post("/archive", body)
        assert answer.status_code == 400, answer.text
        assert problem in answer.json()["message"]
    malformed = client.http.post(
        f"{client.api_url}/archive", data="{not json", timeout=30, headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert len(sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]) == before
