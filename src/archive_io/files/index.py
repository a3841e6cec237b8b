"""A bundle's manifest (beside it in S3 Standard) and the file index (DynamoDB).

The index answers a restore: by project and original key (one member), and by project and file
name (every key of that name, so an ambiguous name lists its candidates). Writing it is
idempotent: a re-run writes the same items.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from archive_io.files.bundle import Member

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

_BATCH = 25  # DynamoDB's BatchWriteItem limit


def manifest_key(bundle_key: str) -> str:
    return f"{bundle_key}.manifest.json"


def put_manifest(s3: S3Client, bucket: str, bundle_key: str, members: Sequence[Member]) -> str:
    """The bundle's manifest, in S3 Standard so it can be read without a restore; its key."""
    key = manifest_key(bundle_key)
    body = json.dumps({"bundle": f"s3://{bucket}/{bundle_key}", "members": [asdict(m) for m in members]}, indent=1)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/json", StorageClass="STANDARD")
    return key


def _name(key: str) -> str:
    return key.rpartition("/")[2]


class FileIndex:
    """pk `<project>|key|<original key>` (one item) and `<project>|name|<file name>` + sk original key."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._ddb, self._table = dynamodb, table

    def record(self, project: str, bucket: str, bundle_key: str, members: Sequence[Member]) -> None:
        items = []
        for m in members:
            place = {
                "bundle_bucket": {"S": bucket},
                "bundle_key": {"S": bundle_key},
                "member": {"S": m.member},
                "size": {"N": str(m.size)},
                "compressed_size": {"N": str(m.compressed_size)},
                "crc32": {"N": str(m.crc32)},
                "header_offset": {"N": str(m.header_offset)},
                "etag": {"S": m.etag},
                "original_key": {"S": m.original_key},
            }
            items.append({"pk": {"S": f"{project}|key|{m.original_key}"}, "sk": {"S": "-"}, **place})
            items.append({"pk": {"S": f"{project}|name|{_name(m.original_key)}"}, "sk": {"S": m.original_key}, **place})
        for start in range(0, len(items), _BATCH):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
            pending = {self._table: requests}
            while pending:  # what DynamoDB did not take this time is retried
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}  # type: ignore[arg-type,assignment]

    def by_key(self, project: str, original_key: str) -> dict[str, str] | None:
        item = self._ddb.get_item(
            TableName=self._table, Key={"pk": {"S": f"{project}|key|{original_key}"}, "sk": {"S": "-"}}
        ).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None  # type: ignore[misc]

    def by_name(self, project: str, name: str) -> list[dict[str, str]]:
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{project}|name|{name}"}},
        )
        return [{k: next(iter(v.values())) for k, v in item.items()} for page in pages for item in page["Items"]]  # type: ignore[misc]
