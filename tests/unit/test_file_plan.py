"""Planning bundles: by size and count, a sub-prefix together, every file once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from archive_io.contracts.files import FileArchivalRequest
from archive_io.files.bundle import SourceObject
from archive_io.files.plan import check_count, list_files, plan_bundles
from archive_io.tables.errors import RequestError

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BODY = {
    "project_name": "claims",
    "bucket_name": "claims-landing",
    "prefix": "daily/2026-01-01/",
    "file_count": 4,
    "archive_size": 50,
    "region": "us-east-1",
    "storage_class": "DEEP_ARCHIVE",
    "output_prefix": "archives/",
}


def f(member: str, size: int) -> SourceObject:
    return SourceObject("b", f"p/{member}", member, size, '"e"', NOW)


def members(bundles: list[list[SourceObject]]) -> list[list[str]]:
    return [[o.member for o in bundle] for bundle in bundles]


def test_a_sub_prefix_that_fits_is_never_split() -> None:
    files = [f("a/1", 40), f("a/2", 40), f("b/1", 30), f("b/2", 30), f("b/3", 30), f("c/1", 10)]
    assert members(plan_bundles(files, max_bytes=100)) == [["a/1", "a/2"], ["b/1", "b/2", "b/3", "c/1"]]


def test_a_sub_prefix_larger_than_a_bundle_fills_consecutive_bundles() -> None:
    files = [f(f"big/{i}", 40) for i in range(5)] + [f("z", 10)]
    assert members(plan_bundles(files, max_bytes=100)) == [["big/0", "big/1"], ["big/2", "big/3"], ["big/4", "z"]]


def test_a_file_larger_than_the_cap_is_a_bundle_of_its_own_and_the_count_cap_holds() -> None:
    files = [f("a", 10), f("huge", 500), f("b", 10), f("c", 0), f("d", 0)]
    assert members(plan_bundles(files, max_bytes=100)) == [["a", "b", "c", "d"], ["huge"]]  # in key order
    assert members(plan_bundles(files, max_bytes=1000, max_files=2)) == [["a", "b"], ["c", "d"], ["huge"]]


def test_every_file_is_in_exactly_one_bundle() -> None:
    files = [f(f"{i % 7}/{i}", (i * 7919) % 300) for i in range(500)]
    bundles = plan_bundles(files, max_bytes=2000, max_files=50)
    planned = [o.member for bundle in bundles for o in bundle]
    assert sorted(planned) == sorted(o.member for o in files)
    assert all(len(b) <= 50 for b in bundles)
    assert all(sum(o.size for o in b) <= 2000 or len(b) == 1 for b in bundles)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="claims-landing")
        yield client


def test_listing_keeps_sub_prefixes_and_skips_folder_markers(s3: Any) -> None:
    for key in ("daily/2026-01-01/a/report.csv", "daily/2026-01-01/b/report.csv", "daily/2026-01-01/c/", "other/x"):
        s3.put_object(Bucket="claims-landing", Key=key, Body=b"1")
    found = list_files(s3, "claims-landing", "daily/2026-01-01/")
    assert [o.member for o in found] == ["a/report.csv", "b/report.csv"]
    request = FileArchivalRequest.model_validate(BODY)
    with pytest.raises(RequestError, match="file_count: 4 expected, 2 found"):
        check_count(request, found)
    check_count(request.model_copy(update={"allow_count_mismatch": True}), found)


def test_a_storage_class_other_than_glacier_ones_is_refused_naming_them() -> None:
    with pytest.raises(ValidationError) as exc:
        FileArchivalRequest.model_validate(BODY | {"storage_class": "STANDARD_IA"})
    assert "DEEP_ARCHIVE" in str(exc.value)
    assert "GLACIER" in str(exc.value)
