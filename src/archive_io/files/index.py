"""A bundle's manifest (beside it in S3 Standard) and the file index (DynamoDB).

The index has one item per archived file: partition key the project, sort key the file's
original S3 key, so a restore finds a key with one read and a prefix with one query. A global
secondary index `by_name` (`<project>|<file name>`) finds every key of a file name, so an
ambiguous name lists its candidates. Writing is idempotent: a re-run writes the same items.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from archive_io.contracts.files import IndexedFile
from archive_io.files.bundle import Member

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

_WRITE_BATCH = 25  # DynamoDB's BatchWriteItem limit
_READ_BATCH = 100  # and BatchGetItem's
BY_NAME = "by_name"


def manifest_key(bundle_key: str) -> str:
    return f"{bundle_key}.manifest.json"


def put_manifest(s3: S3Client, bucket: str, bundle_key: str, members: Sequence[Member]) -> str:
    """The bundle's manifest, in S3 Standard so it can be read without a restore; its key."""
    key = manifest_key(bundle_key)
    body = json.dumps({"bundle": f"s3://{bucket}/{bundle_key}", "members": [asdict(m) for m in members]}, indent=1)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/json", StorageClass="STANDARD")
    return key


def create_index_table(dynamodb: DynamoDBClient, table: str) -> None:
    """The table as Terraform declares it (terraform/modules/metadata): for the embedded platform and tests."""
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("project", "key", "name")],
        KeySchema=[{"AttributeName": "project", "KeyType": "HASH"}, {"AttributeName": "key", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": BY_NAME,
                "KeySchema": [
                    {"AttributeName": "name", "KeyType": "HASH"},
                    {"AttributeName": "key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def _name(key: str) -> str:
    return key.rpartition("/")[2]


def _indexed(item: dict[str, Any]) -> IndexedFile:
    values = {k: next(iter(v.values())) for k, v in item.items()}
    return IndexedFile(original_key=values["key"], **{k: values[k] for k in IndexedFile.model_fields if k in values})


class FileIndex:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._ddb, self._table = dynamodb, table

    def record(  # noqa: PLR0917 (the bundle's coordinates, then its members)
        self, project: str, run_id: str, bucket: str, bundle_key: str, storage_class: str, members: Iterable[Member]
    ) -> None:
        """Index every member of a written bundle."""
        items = [
            {
                "project": {"S": project},
                "key": {"S": m.original_key},
                "name": {"S": f"{project}|{_name(m.original_key)}"},
                "bundle_bucket": {"S": bucket},
                "bundle_key": {"S": bundle_key},
                "storage_class": {"S": storage_class},
                "member": {"S": m.member},
                "size": {"N": str(m.size)},
                "compressed_size": {"N": str(m.compressed_size)},
                "crc32": {"N": str(m.crc32)},
                "header_offset": {"N": str(m.header_offset)},
                "etag": {"S": m.etag},
                "run_id": {"S": run_id},
            }
            for m in members
        ]
        for start in range(0, len(items), _WRITE_BATCH):
            pending: Any = {self._table: [{"PutRequest": {"Item": i}} for i in items[start : start + _WRITE_BATCH]]}
            while pending:  # what DynamoDB did not take this time is retried
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems")

    def by_key(self, project: str, original_key: str) -> IndexedFile | None:
        key = {"project": {"S": project}, "key": {"S": original_key}}
        item = self._ddb.get_item(TableName=self._table, Key=key).get("Item")
        return _indexed(item) if item else None

    def by_name(self, project: str, name: str) -> list[IndexedFile]:
        """Every archived file of this name in the project, in key order."""
        return self._query(
            IndexName=BY_NAME,
            KeyConditionExpression="#n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": f"{project}|{name}"}},
        )

    def under_prefix(self, project: str, prefix: str) -> list[IndexedFile]:
        """Every archived file of the project whose key starts with `prefix` ("": all of them)."""
        if not prefix:  # DynamoDB refuses begins_with an empty string
            return self._query(
                KeyConditionExpression="#p = :p",
                ExpressionAttributeNames={"#p": "project"},
                ExpressionAttributeValues={":p": {"S": project}},
            )
        return self._query(
            KeyConditionExpression="#p = :p AND begins_with(#k, :k)",
            ExpressionAttributeNames={"#p": "project", "#k": "key"},
            ExpressionAttributeValues={":p": {"S": project}, ":k": {"S": prefix}},
        )

    def _query(self, **params: Any) -> list[IndexedFile]:
        pages = self._ddb.get_paginator("query").paginate(TableName=self._table, **params)
        return [_indexed(item) for page in pages for item in page["Items"]]

    def archived_etags(self, project: str, keys: Sequence[str]) -> dict[str, str]:
        """The ETag each of these keys was archived with, for those in the index."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), _READ_BATCH):
            wanted = [{"project": {"S": project}, "key": {"S": k}} for k in keys[start : start + _READ_BATCH]]
            pending: Any = {
                self._table: {
                    "Keys": wanted,
                    "ProjectionExpression": "#k, etag",
                    "ExpressionAttributeNames": {"#k": "key"},
                }
            }
            while pending:
                answer = self._ddb.batch_get_item(RequestItems=pending)
                for item in answer["Responses"].get(self._table, []):
                    found[item["key"]["S"]] = item["etag"]["S"]
                pending = answer.get("UnprocessedKeys")
        return found
