"""File archival on the embedded platform: POST /archive (files) -> file_archive_flow -> Batch bundle jobs.

The bundles are real zips in the emulated S3 (in DEEP_ARCHIVE: the test thaws one to open it),
each with its manifest, every file indexed once; a failed bundle fails the run and a re-run
bundles only what is missing.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from tests.conftest import payload
from tests.integration.conftest import Served

pytestmark = pytest.mark.integration

BUCKET = "claims-landing"
PREFIX = "20250410/"


def landing_files() -> dict[str, bytes]:
    """40 files: a zero-byte one, spaces and non-ASCII in names, one name in two folders, sizes up to 200 KB."""
    files = {
        "a/5000_20240517_003.csv": b"claim,amount\n" + b"5000,12.50\n" * 400,
        "a/empty.txt": b"",
        "b/with space.csv": b"x,y\n1,2\n",
        "b/ünïcödé 東京.txt": "naïve café".encode(),
        "c/report.csv": b"report c\n" * 50,
        "d/report.csv": b"report d\n" * 70,
    }
    rnd = random.Random(6)  # reproducible test data
    for i in range(34):
        size = 1_000 + (i * 6_151) % 200_000
        body = rnd.randbytes(size // 2) + b"0" * (size - size // 2)  # half random: compresses to about half
        files[f"e/{i:03}.json"] = body
    return files


def put_landing(served: Served, bucket: str, prefix: str, files: dict[str, bytes], **extra: Any) -> None:
    s3 = served.aws("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}{key}", Body=body, **extra)


def archive_files(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    response = served.client.post("/archive", body)
    assert response.status_code == 202, response.text
    return served.client.wait_for_run(response.json()["run_id"], timeout=300)


def indexed(served: Served, project: str) -> list[dict[str, Any]]:
    pages = (
        served.aws("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName="archive-io-local-file-index",
            KeyConditionExpression="#p = :p",
            ExpressionAttributeNames={"#p": "project"},
            ExpressionAttributeValues={":p": {"S": project}},
        )
    )
    return [{k: next(iter(v.values())) for k, v in item.items()} for page in pages for item in page["Items"]]


def thawed_copy(served: Served, bucket: str, key: str, path: Path) -> Path:
    """Restore a Glacier object (the platform thaws in a few seconds) and download it."""
    s3 = served.aws("s3")
    s3.restore_object(Bucket=bucket, Key=key, RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Bulk"}})
    deadline = time.monotonic() + 60
    while 'ongoing-request="false"' not in s3.head_object(Bucket=bucket, Key=key).get("Restore", ""):
        assert time.monotonic() < deadline, "the bundle did not thaw"
        time.sleep(0.5)
    path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return path


@pytest.fixture(scope="module")
def claims_run(served: Served) -> dict[str, Any]:
    put_landing(served, BUCKET, PREFIX, landing_files())
    run = archive_files(served, payload("file_archival.json"))
    return run


def test_every_file_is_bundled_once_into_deep_archive_with_its_manifest_and_index(
    served: Served, claims_run: dict[str, Any]
) -> None:
    run = claims_run
    assert run["status"] == "SUCCEEDED", json.dumps(run, indent=1)[-1500:]
    assert run["kind"] == "files"
    assert run["verdict"] == "PASSED"
    assert run["files_found"] == 40
    bundles = run["bundles"]
    assert len(bundles) >= 3
    assert sum(b["members"] for b in bundles) == 40
    assert all(b["members"] <= 15 and b["status"] == "WRITTEN" for b in bundles)
    assert {"bucket", "key", "members", "bytes"} <= set(bundles[0])

    s3 = served.aws("s3")
    members: dict[str, str] = {}
    for bundle in bundles:
        assert bundle["key"].startswith(f"claims-20250410/claims/{run['run_id']}/bundle-")
        head = s3.head_object(Bucket=bundle["bucket"], Key=bundle["key"])
        assert head["StorageClass"] == "DEEP_ARCHIVE"
        assert head["ContentLength"] == bundle["bytes"]
        manifest = json.loads(
            s3.get_object(Bucket=bundle["bucket"], Key=f"{bundle['key']}.manifest.json")["Body"].read()
        )
        assert len(manifest["members"]) == bundle["members"]
        for member in manifest["members"]:
            assert member["original_key"] not in members, "a file in two bundles"
            members[member["original_key"]] = bundle["key"]
    assert set(members) == {f"{PREFIX}{k}" for k in landing_files()}
    # a sub-prefix that fits in a bundle is not split
    assert members[f"{PREFIX}b/with space.csv"] == members[f"{PREFIX}b/ünïcödé 東京.txt"]

    index = indexed(served, "claims")
    assert sorted(i["key"] for i in index) == sorted(members)
    assert all(i["bundle_key"] == members[i["key"]] for i in index)

    report = served.client.get(f"/reports/{run['run_id']}")
    assert report.status_code == 200, report.text
    assert requests.get(report.json()["url"], timeout=30).content.startswith(b"%PDF")


def test_a_bundle_opens_with_standard_tools(served: Served, claims_run: dict[str, Any], tmp_path: Path) -> None:
    bundle = max(claims_run["bundles"], key=lambda b: b["members"])
    path = thawed_copy(served, bundle["bucket"], bundle["key"], tmp_path / "bundle.zip")
    tested = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stdout[-2000:]
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == bundle["members"]
        files = landing_files()
        for name in archive.namelist():
            assert archive.read(name) == files[name]


def test_a_count_mismatch_and_a_storage_class_other_than_glacier_are_refused(served: Served) -> None:
    body = payload("file_archival.json")
    wrong_count = served.client.post("/archive", body | {"file_count": 41})
    assert wrong_count.status_code == 400
    assert "file_count: 41 expected, 40 found" in wrong_count.json()["message"]
    standard = served.client.post("/archive", body | {"storage_class": "STANDARD"})
    assert standard.status_code == 400
    assert "storage_class" in standard.json()["message"]
    assert "DEEP_ARCHIVE" in standard.json()["message"]


def test_a_rerun_bundles_only_the_files_not_yet_archived(served: Served, claims_run: dict[str, Any]) -> None:
    assert claims_run["status"] == "SUCCEEDED"
    put_landing(served, BUCKET, PREFIX, {"f/late-1.csv": b"late,1\n", "f/late-2.csv": b"late,2\n"})
    rerun = archive_files(served, payload("file_archival.json") | {"file_count": 42})
    assert rerun["status"] == "SUCCEEDED", rerun
    assert (rerun["files_found"], rerun["already_archived"]) == (42, 40)
    assert [b["members"] for b in rerun["bundles"]] == [2]
    keys = [i["key"] for i in indexed(served, "claims")]
    assert len(keys) == len(set(keys)) == 42


def test_a_failed_bundle_fails_the_run_and_a_rerun_completes_only_what_it_held(served: Served) -> None:
    prefix = "20250411/"
    files = {f"g/{i:02}.csv": f"row {i}\n".encode() * 100 for i in range(12)}
    put_landing(served, BUCKET, prefix, files)
    # A file already moved to Glacier by a lifecycle rule cannot be read without a restore: its bundle fails.
    put_landing(served, BUCKET, prefix, {"g/05.csv": files["g/05.csv"]}, StorageClass="GLACIER")
    body = payload("file_archival.json") | {
        "project_name": "claims-retry",
        "prefix": prefix,
        "file_count": 12,
        "max_files_per_archive": 4,
    }
    failed = archive_files(served, body)
    assert failed["status"] == "FAILED", failed
    assert failed["verdict"] == "FAILED"
    statuses = [b["status"] for b in failed["bundles"]]
    assert statuses == ["WRITTEN", "FAILED", "WRITTEN"]
    assert "InvalidObjectState" in failed["bundles"][1]["error"]
    s3 = served.aws("s3")
    assert "Contents" not in s3.list_objects_v2(
        Bucket=failed["bundles"][1]["bucket"], Prefix=failed["bundles"][1]["key"]
    )
    assert not s3.list_multipart_uploads(Bucket=failed["bundles"][1]["bucket"]).get("Uploads")
    assert len(indexed(served, "claims-retry")) == 8

    put_landing(served, BUCKET, prefix, {"g/05.csv": files["g/05.csv"]})  # back in S3 Standard
    rerun = archive_files(served, body)
    assert rerun["status"] == "SUCCEEDED", rerun
    assert rerun["already_archived"] == 8
    assert [b["members"] for b in rerun["bundles"]] == [4]
    index = indexed(served, "claims-retry")
    assert sorted(i["key"] for i in index) == sorted(f"{prefix}{k}" for k in files)
    assert {i["run_id"] for i in index if i["key"] == f"{prefix}g/05.csv"} == {rerun["run_id"]}


def test_sources_are_deleted_only_once_bundled_and_a_legal_hold_keeps_bundles_from_deletion(served: Served) -> None:
    prefix = "20250412/"
    put_landing(served, BUCKET, prefix, {f"h/{i}.txt": f"held {i}".encode() for i in range(5)})
    body = payload("file_archival.json") | {
        "project_name": "claims-held",
        "prefix": prefix,
        "file_count": 5,
        "delete_source": True,
    }
    run = archive_files(served, body)
    assert run["status"] == "SUCCEEDED", run
    assert [b["sources_deleted"] for b in run["bundles"]] == [5]
    s3 = served.aws("s3")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    assert len(indexed(served, "claims-held")) == 5

    who = {"reason": "litigation 7", "requested_by": "legal", "requested_by_email": "legal@example.com"}
    held = served.client.post("/legal-holds", {"project_name": "claims-held", "hold": True} | who)
    assert held.status_code == 200, held.text
    assert held.json()["tables"]["files/claims-held"]["objects_held"] == 2  # the bundle and its manifest
    bundle = run["bundles"][0]
    version = s3.head_object(Bucket=bundle["bucket"], Key=bundle["key"])["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bundle["bucket"], Key=bundle["key"], VersionId=version)

    # a run of a held project writes held bundles
    put_landing(served, BUCKET, prefix, {"h/late.txt": b"late"})
    later = archive_files(served, body | {"file_count": 1})
    assert later["status"] == "SUCCEEDED", later
    new = later["bundles"][0]
    new_version = s3.head_object(Bucket=new["bucket"], Key=new["key"])["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=new["bucket"], Key=new["key"], VersionId=new_version)
    # (moto answers GetObjectLegalHold only for objects not in Glacier: the manifest, in Standard, says it)
    manifest = f"{new['key']}.manifest.json"
    assert s3.get_object_legal_hold(Bucket=new["bucket"], Key=manifest)["LegalHold"]["Status"] == "ON"

    released = served.client.post("/legal-holds", {"project_name": "claims-held", "hold": False} | who)
    assert released.json()["tables"]["files/claims-held"]["objects_held"] == 4
    assert s3.get_object_legal_hold(Bucket=new["bucket"], Key=manifest)["LegalHold"]["Status"] == "OFF"
    unknown = served.client.post("/legal-holds", {"project_name": "no-such-project", "hold": True} | who)
    assert unknown.status_code == 400
    assert "no archived files in project 'no-such-project'" in unknown.json()["message"]
