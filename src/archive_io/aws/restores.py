"""Restores: the whole record (every file's state) in S3, an audit item per restore in DynamoDB.

A restore may name a thousand files or a whole prefix: more than a DynamoDB item holds
(400 KB), so the record lives in the reports bucket and the table keeps who asked what, when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive_io.aws.runs import now
from archive_io.contracts.files import RestoreRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client


class RestoreNotFoundError(LookupError):
    pass


def record_key(restore_id: str) -> str:
    return f"restores/{restore_id}.json"


class RestoreLog:
    def __init__(self, dynamodb: DynamoDBClient, table: str, s3: S3Client, bucket: str) -> None:
        self._ddb, self._table, self._s3, self._bucket = dynamodb, table, s3, bucket

    def put(self, record: RestoreRecord) -> None:
        """Store the record (each flow step writes it whole, one step at a time)."""
        record = record.model_copy(update={"updated_at": now()})
        self._s3.put_object(
            Bucket=self._bucket,
            Key=record_key(record.restore_id),
            Body=record.model_dump_json().encode(),
            ContentType="application/json",
        )
        item = {
            "restore_id": {"S": record.restore_id},
            "project": {"S": record.request.project_name},
            "request": {"S": record.request.model_dump_json()},
            "created_at": {"S": record.created_at.isoformat()},
            "updated_at": {"S": record.updated_at.isoformat()},
            "files": {"N": str(len(record.files))},
            "bundles": {"N": str(len(record.bundles))},
        }
        if record.execution_arn:
            item["execution_arn"] = {"S": record.execution_arn}
        self._ddb.put_item(TableName=self._table, Item=item)

    def get(self, restore_id: str) -> RestoreRecord:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=record_key(restore_id))["Body"]
        except self._s3.exceptions.NoSuchKey:
            raise RestoreNotFoundError(restore_id) from None
        return RestoreRecord.model_validate_json(body.read())
