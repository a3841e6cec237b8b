"""A bundle's manifest and the file index: by key, and by name with every candidate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from archive_io.files.bundle import SourceObject, write_bundle
from archive_io.files.index import FileIndex, put_manifest
from archive_io.files.plan import list_files

TABLE = "archive-io-test-file-index"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        s3.create_bucket(Bucket="landing")
        s3.create_bucket(Bucket="bundles")
        ddb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        yield s3, ddb


def bundle(s3: Any) -> tuple[list[SourceObject], Any]:
    for key in ("in/a/report.csv", "in/b/report.csv", "in/b/notes é.txt", "in/empty"):
        s3.put_object(Bucket="landing", Key=key, Body=key.encode() * 3 if key != "in/empty" else b"")
    files = list_files(s3, "landing", "in/")
    members, _ = write_bundle(s3, files, "bundles", "claims/bundle-000001.zip", "DEEP_ARCHIVE")
    return files, members


def test_the_manifest_lies_beside_the_bundle_in_standard(aws: tuple[Any, Any]) -> None:
    s3, _ = aws
    _, members = bundle(s3)
    key = put_manifest(s3, "bundles", "claims/bundle-000001.zip", members)
    assert key == "claims/bundle-000001.zip.manifest.json"
    assert s3.head_object(Bucket="bundles", Key=key).get("StorageClass", "STANDARD") == "STANDARD"
    manifest = json.loads(s3.get_object(Bucket="bundles", Key=key)["Body"].read())
    assert manifest["bundle"] == "s3://bundles/claims/bundle-000001.zip"
    assert [m["original_key"] for m in manifest["members"]] == [
        "in/a/report.csv",
        "in/b/notes é.txt",
        "in/b/report.csv",
        "in/empty",
    ]
    assert set(manifest["members"][0]) == {
        "original_key",
        "member",
        "size",
        "compressed_size",
        "crc32",
        "header_offset",
        "etag",
    }


def test_the_index_finds_a_file_by_key_and_lists_every_candidate_of_a_name(aws: tuple[Any, Any]) -> None:
    s3, ddb = aws
    _, members = bundle(s3)
    index = FileIndex(ddb, TABLE)
    index.record("claims", "bundles", "claims/bundle-000001.zip", members)
    index.record("claims", "bundles", "claims/bundle-000001.zip", members)  # a re-run writes the same items
    assert ddb.scan(TableName=TABLE)["Count"] == 2 * len(members)
    found = index.by_key("claims", "in/b/notes é.txt")
    assert found is not None
    assert found["bundle_key"] == "claims/bundle-000001.zip"
    assert found["member"] == "b/notes é.txt"
    assert int(found["header_offset"]) > 0
    candidates = index.by_name("claims", "report.csv")
    assert sorted(c["original_key"] for c in candidates) == ["in/a/report.csv", "in/b/report.csv"]
    assert index.by_key("claims", "in/nope") is None
    assert index.by_name("other-project", "report.csv") == []
