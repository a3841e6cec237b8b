"""A bundle's manifest and the file index: by key, and by name with every candidate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from archive_io.files.bundle import Member, SourceObject, write_bundle
from archive_io.files.index import FileIndex, create_index_table, put_manifest
from archive_io.files.plan import list_files

TABLE = "archive-io-test-file-index"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        s3.create_bucket(Bucket="landing")
        s3.create_bucket(Bucket="bundles")
        create_index_table(ddb, TABLE)
        yield s3, ddb


def bundle(s3: Any) -> tuple[list[SourceObject], Any]:
    for key in ("in/a/report.csv", "in/b/report.csv", "in/b/notes é.txt", "in/empty"):
        s3.put_object(Bucket="landing", Key=key, Body=key.encode() * 3 if key != "in/empty" else b"")
    files = list_files(s3, "landing", "in/")
    return files, write_bundle(s3, files, "bundles", "claims/bundle-000001.zip", "DEEP_ARCHIVE").members


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


def test_the_index_finds_a_file_by_key_by_prefix_and_every_candidate_of_a_name(aws: tuple[Any, Any]) -> None:
    s3, ddb = aws
    _, members = bundle(s3)
    index = FileIndex(ddb, TABLE)
    index.record("claims", "run-1", "bundles", "claims/bundle-000001.zip", "DEEP_ARCHIVE", members)
    index.record("claims", "run-1", "bundles", "claims/bundle-000001.zip", "DEEP_ARCHIVE", members)  # a re-run
    assert ddb.scan(TableName=TABLE)["Count"] == len(members)
    found = index.by_key("claims", "in/b/notes é.txt")
    assert found is not None
    assert (found.bundle_key, found.member, found.storage_class) == (
        "claims/bundle-000001.zip",
        "b/notes é.txt",
        "DEEP_ARCHIVE",
    )
    assert found.header_offset > 0
    candidates = index.by_name("claims", "report.csv")
    assert [c.original_key for c in candidates] == ["in/a/report.csv", "in/b/report.csv"]
    assert [f.original_key for f in index.under_prefix("claims", "in/b/")] == ["in/b/notes é.txt", "in/b/report.csv"]
    assert index.by_key("claims", "in/nope") is None
    assert index.by_name("other-project", "report.csv") == []
    etags = index.archived_etags("claims", ["in/a/report.csv", "in/nope"])
    assert etags == {"in/a/report.csv": found_etag(members, "in/a/report.csv")}


def found_etag(members: list[Member], key: str) -> str:
    return next(m.etag for m in members if m.original_key == key)
