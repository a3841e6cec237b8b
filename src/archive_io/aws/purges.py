"""The purges table in DynamoDB: one item per purge request, one map entry per archive table."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from archive_io.aws.runs import now
from archive_io.contracts.purges import ArchivePurge, PurgeRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class PurgeNotFoundError(LookupError):
    pass


class PurgeLog:
    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._ddb = dynamodb
        self._table = table_name

    def create(self, record: PurgeRecord) -> None:
        self._ddb.put_item(
            TableName=self._table,
            Item={
                "purge_id": {"S": record.purge_id},
                "kind": {"S": record.kind},
                "requested_by": {"S": record.requested_by},
                "requested_by_email": {"S": record.requested_by_email},
                "requested_at": {"S": record.requested_at.isoformat()},
                "tables": {"M": {name: {"S": t.model_dump_json()} for name, t in record.tables.items()}},
            },
            ConditionExpression="attribute_not_exists(purge_id)",
        )

    def put_table(self, purge_id: str, result: ArchivePurge) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key={"purge_id": {"S": purge_id}},
            UpdateExpression="SET tables.#t = :r, updated_at = :now",
            ConditionExpression="attribute_exists(purge_id)",
            ExpressionAttributeNames={"#t": result.iceberg_table},
            ExpressionAttributeValues={":r": {"S": result.model_dump_json()}, ":now": {"S": now().isoformat()}},
        )

    def set_execution(self, purge_id: str, execution_arn: str) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key={"purge_id": {"S": purge_id}},
            UpdateExpression="SET execution_arn = :e",
            ExpressionAttributeValues={":e": {"S": execution_arn}},
        )

    def get(self, purge_id: str) -> PurgeRecord:
        item = self._ddb.get_item(TableName=self._table, Key={"purge_id": {"S": purge_id}}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            raise PurgeNotFoundError(purge_id)
        return PurgeRecord(
            purge_id=purge_id,
            kind=item["kind"]["S"],
            requested_by=item["requested_by"]["S"],
            requested_by_email=item["requested_by_email"]["S"],
            requested_at=datetime.fromisoformat(item["requested_at"]["S"]),
            execution_arn=item.get("execution_arn", {}).get("S"),
            tables={k: ArchivePurge.model_validate_json(v["S"]) for k, v in item["tables"]["M"].items()},
        )
