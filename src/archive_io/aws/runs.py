"""The runs table in DynamoDB: one item per run, one map entry per source table.

Each table's result is its own map entry, so parallel table tasks update their own entry
without read-modify-write races.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from archive_io.contracts import ArchivalRequest, RunRecord, RunStatus, TableResult, Verdict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class RunNotFoundError(LookupError):
    pass


class RunExistsError(RuntimeError):
    pass


def now() -> datetime:
    return datetime.now(UTC)


class RunRepository:
    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._ddb = dynamodb
        self._table = table_name

    def create(self, record: RunRecord) -> None:
        """Store a new run; refuses to overwrite an existing run id."""
        item: dict[str, Any] = {
            "run_id": {"S": record.run_id},
            "status": {"S": record.status.value},
            "request": {"S": record.request.model_dump_json()},
            "created_at": {"S": record.created_at.isoformat()},
            "updated_at": {"S": record.updated_at.isoformat()},
            "tables": {"M": {name: {"S": t.model_dump_json()} for name, t in record.tables.items()}},
        }
        if record.execution_arn:
            item["execution_arn"] = {"S": record.execution_arn}
        try:
            self._ddb.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(run_id)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RunExistsError(record.run_id) from None
            raise

    def delete(self, run_id: str) -> None:
        """Forget a run that was refused before it started."""
        self._ddb.delete_item(TableName=self._table, Key={"run_id": {"S": run_id}})

    def get(self, run_id: str) -> RunRecord:
        item = self._ddb.get_item(TableName=self._table, Key={"run_id": {"S": run_id}}, ConsistentRead=True).get("Item")
        if not item:
            raise RunNotFoundError(run_id)

        def text(name: str) -> str | None:
            value = item.get(name)
            return value["S"] if value and "S" in value else None

        verdict = text("verdict")
        return RunRecord(
            run_id=run_id,
            status=RunStatus(item["status"]["S"]),
            request=ArchivalRequest.model_validate_json(text("request") or "{}"),
            created_at=datetime.fromisoformat(text("created_at") or ""),
            updated_at=datetime.fromisoformat(text("updated_at") or ""),
            execution_arn=text("execution_arn"),
            tables={name: TableResult.model_validate_json(value["S"]) for name, value in item["tables"]["M"].items()},
            verdict=Verdict(verdict) if verdict else None,
            report_key=text("report_key"),
            error=text("error"),
            cause=text("cause"),
            purge_stop=bool(item.get("purge_stop", {}).get("BOOL", False)),
        )

    def set_purge_stop(self, run_id: str, stop: bool = True) -> None:
        """The flag a running source purge reads before each chunk: set, it stops after the chunk."""
        self._ddb.update_item(
            TableName=self._table,
            Key={"run_id": {"S": run_id}},
            UpdateExpression="SET purge_stop = :stop, updated_at = :now",
            ConditionExpression="attribute_exists(run_id)",
            ExpressionAttributeValues={":stop": {"BOOL": stop}, ":now": {"S": now().isoformat()}},
        )

    def put_table(self, run_id: str, result: TableResult) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key={"run_id": {"S": run_id}},
            UpdateExpression="SET tables.#t = :r, updated_at = :now",
            ConditionExpression="attribute_exists(run_id)",
            ExpressionAttributeNames={"#t": result.table_name},
            ExpressionAttributeValues={
                ":r": {"S": result.model_dump_json()},
                ":now": {"S": now().isoformat()},
            },
        )

    def set_fields(self, run_id: str, **fields: str) -> None:
        """Set top-level text attributes (status, verdict, report_key, error, execution_arn...)."""
        names = {f"#{k}": k for k in fields} | {"#updated_at": "updated_at"}
        values = {f":{k}": {"S": v} for k, v in fields.items()} | {":updated_at": {"S": now().isoformat()}}
        self._ddb.update_item(
            TableName=self._table,
            Key={"run_id": {"S": run_id}},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in [*fields, "updated_at"]),
            ConditionExpression="attribute_exists(run_id)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
