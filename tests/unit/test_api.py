"""The API Lambda's handler, over moto's in-process emulation (no network, no execution)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from archive_io import api, flows
from archive_io.aws import clients
from archive_io.aws.clients import AwsClients
from archive_io.local.api_gateway import proxy_event
from archive_io.local.demo import create_demo_database
from archive_io.local.resources import create_buckets, create_tables, local_settings
from archive_io.local.runtimes import LambdaContext, lambda_handler
from archive_io.names import ResourceNames
from archive_io.settings import get_settings
from tests.conftest import payload

NAMES = ResourceNames("test")
REGION = "eu-west-1"
SETTINGS = local_settings(NAMES, REGION, endpoint_url=None)  # in-process moto: no endpoint
FLOW_ARN = SETTINGS.archival_flow_arn


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    for key, value in SETTINGS.as_mapping().items():
        monkeypatch.setenv(key, value)
    for cached in (get_settings, api.runtime, clients._client):
        cached.cache_clear()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_tables(AwsClients(SETTINGS))
        create_buckets(AwsClients(SETTINGS))
        sfn = boto3.client("stepfunctions", region_name=REGION)
        definition = flows.render(
            "archival_flow", dict.fromkeys(flows.placeholders("archival_flow"), "x") | {"table_concurrency": 1}
        )
        sfn.create_state_machine(
            name=NAMES.state_machine("archival_flow"),
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )
        database = create_demo_database(tmp_path / "demo.db", rows=30)
        yield {
            "sfn": sfn,
            "ddb": ddb,
            "database": database,
            "secrets": boto3.client("secretsmanager", region_name=REGION),
        }
    for cached in (get_settings, api.runtime, clients._client):
        cached.cache_clear()


handler = lambda_handler("api")


def call(
    method: str,
    path: str,
    body: Any = None,
    raw: str | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    builder = EnvironBuilder(
        method=method, path=path, data=data, content_type=content_type, headers=list((headers or {}).items())
    )
    request = Request(builder.get_environ())
    response = handler(proxy_event(request), LambdaContext(function_name=NAMES.function("api")))
    return response["statusCode"], json.loads(response["body"])


def register(database: Path, name: str = "demo_connection") -> None:
    status, body = call("POST", "/connections", {"name": name, "url": f"sqlite:///{database}"})
    assert status == 201, body


def executions(aws: dict[str, Any]) -> int:
    return len(aws["sfn"].list_executions(stateMachineArn=FLOW_ARN)["executions"])


def test_post_archive_starts_one_execution_named_by_the_run(aws: dict[str, Any]) -> None:
    register(aws["database"])
    status, body = call("POST", "/archive", payload("archival_input_payload.json"))
    assert status == 202, body
    run_id = body["run_id"]
    (execution,) = aws["sfn"].list_executions(stateMachineArn=FLOW_ARN)["executions"]
    assert execution["name"] == run_id
    flow_input = json.loads(aws["sfn"].describe_execution(executionArn=execution["executionArn"])["input"])
    tables = [{"table_name": t, "purge": False} for t in ("products", "leads", "customers")]
    assert flow_input == {"run_id": run_id, "tables": tables}

    status, run = call("GET", f"/runs/{run_id}")
    assert status == 200
    assert run["status"] == "RUNNING"
    assert run["tables"]["products"]["source_sql"].endswith('WHERE "Index" < 20')
    assert run["tables"]["customers"]["iceberg_table"] == "archive_demo_main.customers"


def test_connection_credentials_stay_in_secrets_manager(aws: dict[str, Any]) -> None:
    status, body = call("POST", "/connections", {"name": "pg", "url": "postgresql://app:s3cr3t@db:5432/sales"})
    assert status == 201
    assert body == {"name": "pg", "engine": "postgresql", "host": "db", "database": "sales"}
    secret = aws["secrets"].get_secret_value(SecretId=f"{SETTINGS.connection_secret_prefix}pg")
    assert secret["SecretString"] == "postgresql://app:s3cr3t@db:5432/sales"
    # Re-registering replaces the URL instead of failing.
    assert call("POST", "/connections", {"name": "pg", "url": "postgresql://app:n3w@db:5432/sales"})[0] == 201
    assert "n3w" in aws["secrets"].get_secret_value(SecretId=f"{SETTINGS.connection_secret_prefix}pg")["SecretString"]


def test_bad_connection_url_is_refused_without_echoing_it(aws: dict[str, Any]) -> None:
    status, body = call("POST", "/connections", {"name": "pg", "url": "ftp://u:s3cr3t@h/db"})
    assert status == 400
    assert body["message"].startswith("invalid request: url:")
    assert "s3cr3t" not in json.dumps(body)


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda b: b.pop("triggered_by"), "triggered_by: Field required"),
        (lambda b: b.update(legal_hold="maybe"), "legal_hold:"),
        (lambda b: b["source_table"][0].update(table_name="nope"), "table main.nope does not exist"),
        (lambda b: b["source_table"][1].update(condition="Missing < 3"), "column 'Missing' does not exist"),
        (
            lambda b: b.update(glue_connection="unknown_db"),
            "glue_connection: connection 'unknown_db' is not registered",
        ),
        (lambda b: b["source_table"][2].update(query="DROP TABLE customers"), "query must be a SELECT"),
    ],
)
def test_bad_archive_requests_name_the_problem_and_start_nothing(
    aws: dict[str, Any], mutate: Any, problem: str
) -> None:
    register(aws["database"])
    body = payload("archival_input_payload.json")
    mutate(body)
    status, answer = call("POST", "/archive", body)
    assert status == 400, answer
    assert problem in answer["message"]
    assert executions(aws) == 0
    assert aws["ddb"].scan(TableName=SETTINGS.runs_table)["Count"] == 0


def test_malformed_json_is_a_400(aws: dict[str, Any]) -> None:
    status, body = call("POST", "/archive", raw='{"glue_connection": ')
    assert status == 400
    assert body["message"] == "invalid request: body: not valid JSON (at character 20)"
    assert executions(aws) == 0


def test_unknown_run_and_report_are_404(aws: dict[str, Any]) -> None:
    assert call("GET", "/runs/run-20260101-000000-deadbeef")[0] == 404
    assert call("GET", "/reports/run-20260101-000000-deadbeef")[0] == 404


def test_report_of_a_running_run_is_404_with_its_status(aws: dict[str, Any]) -> None:
    register(aws["database"])
    run_id = call("POST", "/archive", payload("archival_input_payload.json"))[1]["run_id"]
    status, body = call("GET", f"/reports/{run_id}")
    assert status == 404
    assert "no report yet (status RUNNING)" in body["message"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_bodies_are_json_whatever_the_declared_type(aws: dict[str, Any], content_type: str) -> None:
    body = {"name": "pg", "url": "postgresql://app:s3cr3t@db:5432/sales"}
    status, answer = call("POST", "/connections", body, content_type=content_type)
    assert status == 201, answer
    status, answer = call(
        "POST", "/connections", raw='{"name": "pg", "url": "ftp://u:s3cr3t@h/db"', content_type=content_type
    )
    assert status == 400
    assert "s3cr3t" not in json.dumps(answer)


def test_same_idempotency_key_gives_the_same_run(aws: dict[str, Any]) -> None:
    register(aws["database"])
    body = payload("archival_input_payload.json")
    first = call("POST", "/archive", body, headers={"Idempotency-Key": "nightly-2026-11-22"})
    again = call("POST", "/archive", body, headers={"idempotency-key": "nightly-2026-11-22"})
    assert first[0] == again[0] == 202
    assert first[1]["run_id"] == again[1]["run_id"]
    assert executions(aws) == 1

    changed = body | {"retention_policy": 7}
    status, answer = call("POST", "/archive", changed, headers={"Idempotency-Key": "nightly-2026-11-22"})
    assert status == 409
    assert "used for a different request" in answer["message"]
    assert call("POST", "/archive", body, headers={"Idempotency-Key": "bad key!"})[0] == 400
    assert executions(aws) == 1


def test_a_second_run_on_a_locked_table_is_refused_until_the_first_ends(aws: dict[str, Any]) -> None:
    register(aws["database"])
    body = payload("archival_input_payload.json")
    first = call("POST", "/archive", body)[1]["run_id"]
    only_leads = body | {"source_table": [{"table_name": "leads"}]}
    status, answer = call("POST", "/archive", only_leads)
    assert status == 409
    assert answer["held_by"] == first
    assert answer["locked"] == "demo_connection/demo.main.leads"
    assert executions(aws) == 1
    assert aws["ddb"].scan(TableName=SETTINGS.runs_table)["Count"] == 1  # the refused run left nothing

    (execution,) = aws["sfn"].list_executions(stateMachineArn=FLOW_ARN)["executions"]
    aws["sfn"].stop_execution(executionArn=execution["executionArn"])  # the holder died without releasing
    status, answer = call("POST", "/archive", only_leads)
    assert status == 202, answer
    locks = aws["ddb"].scan(TableName=SETTINGS.locks_table)["Items"]
    holders = {item["lock_id"]["S"]: item["run_id"]["S"] for item in locks}
    assert holders["demo_connection/demo.main.leads"] == answer["run_id"]
    assert holders["demo_connection/demo.main.products"] == first  # untouched: not asked for


def test_connection_test_route(aws: dict[str, Any]) -> None:
    register(aws["database"])
    status, check = call("POST", "/connections/demo_connection/test", {"tables": ["main.products", "main.nope"]})
    assert status == 200, check
    assert check["reachable"]
    assert check["authenticated"]
    assert check["tables"][0] == {"table": "main.products", "select": True, "delete": True, "problem": None}
    assert check["ok"] is False
    assert check["problems"] == ["table main.nope does not exist in the source"]
    status, check = call("POST", "/connections/demo_connection/test")
    assert (status, check["ok"], check["tables"]) == (200, True, [])
    assert call("POST", "/connections/demo_connection/test", {"tables": ["no_schema"]})[0] == 400
    status, answer = call("POST", "/connections/unknown/test")
    assert status == 400
    assert "not registered" in answer["message"]


def test_a_replay_that_loses_the_start_race_answers_the_started_run(aws: dict[str, Any]) -> None:
    from archive_io.tables.archival import _start

    register(aws["database"])
    body = payload("archival_input_payload.json")
    run_id = call("POST", "/archive", body, headers={"Idempotency-Key": "race"})[1]["run_id"]
    rt = api.runtime()
    record = rt.runs.get(run_id)
    # The second of two concurrent replays reaches StartExecution after the first.
    accepted = _start(rt, record.model_copy(update={"execution_arn": None}))
    assert accepted.run_id == run_id
    assert rt.runs.get(run_id).execution_arn == record.execution_arn
    assert rt.runs.get(run_id).status.value == "RUNNING"
    assert executions(aws) == 1


def onboarding_body() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load((Path(__file__).parents[2] / "payloads" / "onboarding.yaml").read_text())
    return data


def test_onboarding_is_checked_stored_and_discovered(aws: dict[str, Any]) -> None:
    import sqlite3

    register(aws["database"])
    status, answer = call("POST", "/onboardings", onboarding_body())
    assert (status, answer) == (201, {"key": "config/demo_connection/demo.yaml"})

    bad = onboarding_body()
    bad["tables"][0]["date_column"] = "Created"
    status, answer = call("POST", "/onboardings", bad)
    assert status == 400
    assert "column 'Created' does not exist in main.leads" in answer["message"]
    assert call("POST", "/onboardings", onboarding_body() | {"schema": None})[0] == 400

    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=SETTINGS.config_bucket, Key="config/typo.yaml", Body=b"connection: x\ntabels: []\n")
    status, found = call("GET", "/discovery")
    assert status == 200
    due = {d["table"]: d for d in found["due"]}
    with sqlite3.connect(aws["database"]) as db:
        for table in ("leads", "customers"):
            (expected,) = db.execute(f"SELECT count(*) FROM {table} WHERE {due[table]['condition']}").fetchone()
            assert due[table]["due_rows"] == expected > 0
    assert due["leads"]["condition"].startswith('"Created At" < ')
    assert len(found["problems"]) == 1
    assert found["problems"][0].startswith("config/typo.yaml:")
    assert "tabels" in found["problems"][0]


def test_partition_by_must_name_an_archived_date_column(aws: dict[str, Any]) -> None:
    register(aws["database"])
    body = payload("archival_input_payload.json")
    body["source_table"] = [{"table_name": "leads", "partition_by": "name"}]
    status, answer = call("POST", "/archive", body)
    assert status == 400
    assert "column 'name' does not exist in the archived columns" in answer["message"]
    body["source_table"] = [{"table_name": "leads", "partition_by": "Email"}]
    status, answer = call("POST", "/archive", body)
    assert (status, answer["message"]) == (400, "partition_by: column 'Email' is TEXT, not a date or timestamp")
    body["source_table"] = [{"table_name": "leads", "partition_by": "created at", "partition_granularity": "day"}]
    status, answer = call("POST", "/archive", body)
    assert status == 202, answer
    assert call("GET", f"/runs/{answer['run_id']}")[1]["tables"]["leads"]["partition"] == ["Created At", "day"]


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda b: b.pop("file_count"), "files.file_count: Field required"),
        (
            lambda b: b.update(storage_class="STANDARD_IA"),
            "files.storage_class: Input should be 'DEEP_ARCHIVE' or 'GLACIER'",
        ),
        (lambda b: b.update(archive_size=0), "files.archive_size: Input should be greater than or equal to 1"),
        (lambda b: b.update(bucket_name="Not_A_Bucket"), "files.bucket_name"),
    ],
)
def test_a_bad_file_archival_body_names_its_field_and_not_the_table_fields(
    aws: dict[str, Any], mutate: Any, problem: str
) -> None:
    body = payload("file_archival.json")
    mutate(body)
    status, answer = call("POST", "/archive", body)
    assert status == 400, answer
    assert problem in answer["message"]
    assert "glue_connection" not in answer["message"]
    assert aws["ddb"].scan(TableName=SETTINGS.runs_table)["Count"] == 0


def test_a_restore_names_what_is_wrong_in_its_body(aws: dict[str, Any]) -> None:
    status, answer = call("POST", "/restore", {"project_name": "claims"})
    assert status == 400
    assert "give exactly one of filename, filenames, prefix (got none)" in answer["message"]
    status, answer = call("POST", "/restore", {"project_name": "claims", "filename": "a.csv", "retrieval_tier": "Fast"})
    assert status == 400
    assert "retrieval_tier: Input should be 'Expedited', 'Standard' or 'Bulk'" in answer["message"]
