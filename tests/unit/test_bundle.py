"""The streaming bundler against moto's S3: real zips that standard tools open, and nothing half-written."""

from __future__ import annotations

import os
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from archive_io.contracts.files import IndexedFile
from archive_io.files.bundle import SourceObject, write_bundle
from archive_io.files.plan import list_files
from archive_io.files.restore import member_chunks

SOURCE, TARGET = "files-source", "files-bundles"
MIB = 1024 * 1024


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=SOURCE)
        client.create_bucket(Bucket=TARGET)
        yield client


def put_objects(s3: Any) -> list[SourceObject]:
    bodies = {
        "project/a/empty.txt": b"",
        "project/a/with space.csv": b"x,y\n1,2\n",
        "project/b/ünïcödé 東京.txt": "naïve café".encode(),
        "project/b/same-name.txt": b"b",
        "project/c/same-name.txt": b"c",
        **{f"project/many/{i:03}.json": f'{{"i": {i}}}'.encode() * (i + 1) for i in range(150)},
        **{f"project/big/{i}.bin": os.urandom(4 * MIB) for i in range(3)},  # incompressible: several parts
    }
    objects = []
    for key, body in bodies.items():
        s3.put_object(Bucket=SOURCE, Key=key, Body=body)
        head = s3.head_object(Bucket=SOURCE, Key=key)
        objects.append(
            SourceObject(SOURCE, key, key.removeprefix("project/"), len(body), head["ETag"], head["LastModified"])
        )
    return objects


def test_a_bundle_is_a_zip_that_standard_tools_open_with_every_member_where_its_manifest_says(
    s3: Any, tmp_path: Path
) -> None:
    objects = put_objects(s3)
    written = write_bundle(s3, objects, TARGET, "bundles/b-0001.zip", "STANDARD", part_bytes=5 * MIB)
    members, size = written.members, written.size
    assert [m.original_key for m in members] == [o.key for o in objects]  # read ahead in parallel, written in order
    assert written.missing == []
    head = s3.head_object(Bucket=TARGET, Key="bundles/b-0001.zip", ChecksumMode="ENABLED")
    assert head["ContentLength"] == size > 12 * MIB
    assert head.get("ChecksumCRC32")  # S3 verified each part's CRC-32
    path = tmp_path / "bundle.zip"
    path.write_bytes(s3.get_object(Bucket=TARGET, Key="bundles/b-0001.zip")["Body"].read())
    tested = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stdout[-2000:]
    assert "No errors detected" in tested.stdout

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        for obj in objects:
            assert archive.read(obj.member) == s3.get_object(Bucket=SOURCE, Key=obj.key)["Body"].read()

    # A member read alone with ranged GETs, as a restore does: local header, then its bytes.
    for member in (m for m in members if m.member in {"b/ünïcödé 東京.txt", "big/1.bin", "a/empty.txt"}):
        start = member.header_offset
        header = s3.get_object(Bucket=TARGET, Key="bundles/b-0001.zip", Range=f"bytes={start}-{start + 29}")
        fields = struct.unpack("<IHHHHHIIIHH", header["Body"].read())
        assert fields[0] == 0x04034B50
        data_start = start + 30 + fields[9] + fields[10]
        data = b""
        if member.compressed_size:
            ranged = s3.get_object(
                Bucket=TARGET,
                Key="bundles/b-0001.zip",
                Range=f"bytes={data_start}-{data_start + member.compressed_size - 1}",
            )
            data = zlib.decompress(ranged["Body"].read(), -15)
        assert len(data) == member.size
        assert zlib.crc32(data) == member.crc32


def test_a_bundle_goes_straight_into_its_storage_class(s3: Any) -> None:
    objects = put_objects(s3)[:10]
    write_bundle(s3, objects, TARGET, "bundles/deep.zip", "DEEP_ARCHIVE")
    assert s3.head_object(Bucket=TARGET, Key="bundles/deep.zip")["StorageClass"] == "DEEP_ARCHIVE"


class CrashingS3:
    """The S3 client, but the read of the n-th object fails: a crash in the middle of a bundle."""

    def __init__(self, s3: Any, fail_at: int) -> None:
        self._s3, self._fail_at, self._reads = s3, fail_at, 0
        self.exceptions = s3.exceptions

    def get_object(self, **kwargs: Any) -> Any:
        self._reads += 1
        if self._reads == self._fail_at:
            raise ConnectionError("connection reset while reading a source object")
        return self._s3.get_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_a_crash_in_the_middle_of_a_bundle_leaves_no_object_and_no_open_upload(s3: Any) -> None:
    objects = put_objects(s3)  # the big files come last: parts were uploaded before the crash
    with pytest.raises(ConnectionError):
        write_bundle(
            CrashingS3(s3, len(objects) - 1),  # type: ignore[arg-type]
            objects,
            TARGET,
            "bundles/broken.zip",
            "STANDARD",
            part_bytes=5 * MIB,
        )
    assert "Contents" not in s3.list_objects_v2(Bucket=TARGET, Prefix="bundles/broken.zip")
    assert not s3.list_multipart_uploads(Bucket=TARGET).get("Uploads")


def test_a_file_deleted_since_planning_is_left_out_and_named(s3: Any, tmp_path: Path) -> None:
    objects = put_objects(s3)[:10]
    s3.delete_object(Bucket=SOURCE, Key=objects[3].key)
    written = write_bundle(s3, objects, TARGET, "bundles/gone.zip", "STANDARD")
    assert written.missing == [objects[3]]
    assert [m.original_key for m in written.members] == [o.key for o in objects if o != objects[3]]
    path = tmp_path / "gone.zip"
    path.write_bytes(s3.get_object(Bucket=TARGET, Key="bundles/gone.zip")["Body"].read())
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert objects[3].member not in archive.namelist()


def test_members_keep_their_modification_time(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket=SOURCE, Key="t/one.txt", Body=b"1")
    obj = SourceObject(SOURCE, "t/one.txt", "one.txt", 1, '"x"', datetime(2021, 6, 1, 12, 30, 10, tzinfo=UTC))
    write_bundle(s3, [obj], TARGET, "bundles/t.zip", "STANDARD")
    path = tmp_path / "t.zip"
    path.write_bytes(s3.get_object(Bucket=TARGET, Key="bundles/t.zip")["Body"].read())
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("one.txt").date_time == (2021, 6, 1, 12, 30, 10)


def test_zip64_past_the_member_count_and_size_limits_still_opens_and_reads_by_range(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zipfile's thresholds (65,535 members, 2 GiB) made small, as ZIP64 behaves the same past them.
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 100)
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 64 * 1024)
    for i in range(150):
        body = os.urandom(100 * 1024) if i % 50 == 0 else f"{i}".encode() * 10
        s3.put_object(Bucket=SOURCE, Key=f"z/{i:03}.bin", Body=body)
    objects = list_files(s3, SOURCE, "z/")
    written = write_bundle(s3, objects, TARGET, "bundles/zip64.zip", "STANDARD")
    data = s3.get_object(Bucket=TARGET, Key="bundles/zip64.zip")["Body"].read()
    assert b"PK\x06\x06" in data[-200:]  # the ZIP64 end of central directory record
    path = tmp_path / "zip64.zip"
    path.write_bytes(data)
    tested = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stdout[-2000:]
    assert tested.stdout.count("testing: ") == 150
    for member in written.members[:3] + written.members[48:52]:
        place = IndexedFile(
            original_key=member.original_key,
            bundle_bucket=TARGET,
            bundle_key="bundles/zip64.zip",
            storage_class="STANDARD",
            run_id="run-test",
            **{k: getattr(member, k) for k in ("member", "size", "compressed_size", "crc32", "header_offset", "etag")},
        )
        restored = b"".join(member_chunks(s3, place))
        assert restored == s3.get_object(Bucket=SOURCE, Key=member.original_key)["Body"].read()
