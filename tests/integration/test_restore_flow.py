"""Restores on the embedded platform: POST /restore -> restore_flow (thaw per bundle, Wait loop, ranged extraction).

The platform thaws a Glacier object in THAW_SECONDS, so a restore is seen THAWING first.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from tests.conftest import payload
from tests.integration.conftest import Served
from tests.integration.test_file_archive_flow import archive_files, put_landing

pytestmark = pytest.mark.integration

BUCKET = "restore-landing"
PREFIX = "2025/"
PROJECT = "restores"


def files() -> dict[str, bytes]:
    found = {f"day{d}/{i:02}.csv": f"day {d} row {i}\n".encode() * (200 + i) for d in range(3) for i in range(8)}
    found["day0/5000_20240517_003.csv"] = b"claim,amount\n5000,12.50\n"
    found["day1/report.csv"] = b"one"
    found["day2/report.csv"] = b"two"
    return found


@pytest.fixture(scope="module")
def archived(served: Served) -> dict[str, Any]:
    put_landing(served, BUCKET, PREFIX, files())
    body = payload("file_archival.json") | {
        "project_name": PROJECT,
        "bucket_name": BUCKET,
        "prefix": PREFIX,
        "file_count": len(files()),
        "max_files_per_archive": 10,
        "output_prefix": "restores",
    }
    run = archive_files(served, body)
    assert run["status"] == "SUCCEEDED", run
    return run


def listen(served: Served) -> tuple[str, str]:
    """A topic of the caller's, with a queue subscribed to read what the flow publishes."""
    sns, sqs = served.aws("sns"), served.aws("sqs")
    topic = sns.create_topic(Name="restore-notices")["TopicArn"]
    queue = sqs.create_queue(QueueName="restore-notices")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return topic, queue


def notices(served: Served, queue: str, restore_id: str) -> list[str]:
    sqs = served.aws("sqs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            if restore_id in message["Body"]:
                return [message["Body"]]
    return []


def test_a_file_is_thawing_then_restored_from_its_bundle_alone_and_notified_with_a_link(
    served: Served, archived: dict[str, Any]
) -> None:
    topic, queue = listen(served)
    body = payload("restore.json") | {"project_name": PROJECT, "sns_topic_arn": topic}
    response = served.client.post("/restore", body)
    assert response.status_code == 202, response.text
    started = response.json()
    assert len(started["bundles"]) == 1
    assert [f["status"] for f in started["files"]] == ["THAWING"]
    assert served.client.get(f"/restores/{started['restore_id']}").json()["files"][0]["status"] == "THAWING"

    done = served.client.wait_for_restore(started["restore_id"], timeout=120)
    assert done["status"] == "SUCCEEDED", done
    [file] = done["files"]
    assert file["file"] == "5000_20240517_003.csv"
    assert file["status"] == "RESTORED"
    assert (file["bucket"], file["key"]) == ("archive-io-local-restored", f"{PREFIX}day0/5000_20240517_003.csv")
    assert requests.get(file["url"], timeout=30).content == files()["day0/5000_20240517_003.csv"]
    [notice] = notices(served, queue, started["restore_id"])
    assert file["url"] in notice

    # the flow waited for the thaw: its Wait loop ran at least once
    sfn = served.aws("stepfunctions")
    history = sfn.get_execution_history(executionArn=done["execution_arn"], maxResults=1000)["events"]
    waits = [e for e in history if e["type"] == "WaitStateEntered"]
    assert waits, "the restore did not wait for the bundle to thaw"


def test_many_files_across_bundles_thaw_each_bundle_once(served: Served, archived: dict[str, Any]) -> None:
    wanted = [f"{PREFIX}day{d}/{i:02}.csv" for d in range(3) for i in range(0, 8, 2)]
    response = served.client.post("/restore", {"project_name": PROJECT, "filenames": wanted, "retrieval_tier": "Bulk"})
    assert response.status_code == 202, response.text
    started = response.json()
    s3 = served.aws("s3")
    holding = set()
    for bundle in archived["bundles"]:
        manifest = json.loads(
            s3.get_object(Bucket=bundle["bucket"], Key=f"{bundle['key']}.manifest.json")["Body"].read()
        )
        if {m["original_key"] for m in manifest["members"]} & set(wanted):
            holding.add(f"s3://{bundle['bucket']}/{bundle['key']}")
    assert sorted(started["bundles"]) == sorted(holding)
    assert 1 < len(holding) < len(wanted)  # one restore request per bundle, not per file

    done = served.client.wait_for_restore(started["restore_id"], timeout=120)
    assert done["status"] == "SUCCEEDED", done
    assert [f["status"] for f in done["files"]] == ["RESTORED"] * len(wanted)
    for file in done["files"]:
        restored = s3.get_object(Bucket=file["bucket"], Key=file["key"])["Body"].read()
        assert restored == files()[file["key"].removeprefix(PREFIX)]


def test_unknown_and_ambiguous_names_are_reported_per_file(served: Served, archived: dict[str, Any]) -> None:
    response = served.client.post(
        "/restore", {"project_name": PROJECT, "filenames": ["report.csv", "nope.csv", f"{PREFIX}day1/report.csv"]}
    )
    assert response.status_code == 202, response.text
    started = response.json()
    by_file = {f["file"]: f for f in started["files"]}
    assert by_file["report.csv"]["status"] == "AMBIGUOUS"
    assert by_file["report.csv"]["candidates"] == [f"{PREFIX}day1/report.csv", f"{PREFIX}day2/report.csv"]
    assert by_file["nope.csv"]["status"] == "NOT_FOUND"
    done = served.client.wait_for_restore(started["restore_id"], timeout=120)
    assert {f["file"]: f["status"] for f in done["files"]} == {
        "report.csv": "AMBIGUOUS",
        "nope.csv": "NOT_FOUND",
        f"{PREFIX}day1/report.csv": "RESTORED",
    }


def test_a_file_that_does_not_exist_is_a_404_naming_it(served: Served, archived: dict[str, Any]) -> None:
    response = served.client.post("/restore", {"project_name": PROJECT, "filename": "never-archived.csv"})
    assert response.status_code == 404
    assert response.json()["files"] == [{"file": "never-archived.csv", "status": "NOT_FOUND", "candidates": []}]


def test_expedited_from_deep_archive_is_refused_with_the_tiers_that_exist(
    served: Served, archived: dict[str, Any]
) -> None:
    body = payload("restore.json") | {"project_name": PROJECT, "retrieval_tier": "Expedited"}
    response = served.client.post("/restore", body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "retrieval_tier: Expedited does not exist for DEEP_ARCHIVE" in message
    assert "Standard, Bulk" in message


def test_a_restore_by_prefix_restores_every_file_under_it(served: Served, archived: dict[str, Any]) -> None:
    response = served.client.post("/restore", {"project_name": PROJECT, "prefix": f"{PREFIX}day2/"})
    assert response.status_code == 202, response.text
    done = served.client.wait_for_restore(response.json()["restore_id"], timeout=120)
    assert sorted(f["file"] for f in done["files"]) == sorted(f"{PREFIX}{k}" for k in files() if k.startswith("day2/"))
    assert {f["status"] for f in done["files"]} == {"RESTORED"}


def test_an_email_is_notified_through_the_platform_topic_filtered_to_it(
    served: Served, archived: dict[str, Any]
) -> None:
    body = payload("restore.json") | {"project_name": PROJECT, "email": "claims.owner@example.com"}
    response = served.client.post("/restore", body)
    assert response.status_code == 202, response.text
    done = served.client.wait_for_restore(response.json()["restore_id"], timeout=120)
    assert done["status"] == "SUCCEEDED", done
    sns = served.aws("sns")
    topic = "arn:aws:sns:us-east-1:123456789012:archive-io-local-notifications"
    [subscription] = [
        s
        for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if s["Endpoint"] == "claims.owner@example.com"
    ]
    policy = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(policy["FilterPolicy"]) == {"email": ["claims.owner@example.com"]}
