"""The runs table in DynamoDB: one item per run, one map entry per source table.

Each table's result is its own map entry, so parallel table tasks update their own entry
without read-modify-write races.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from archive_io.contracts import ArchivalRequest, RunRecord, RunStatus, TableResult, Verdict
from archive_io.contracts.files import BundleResult, FileArchivalRequest, FileRunRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class RunNotFoundError(LookupError):
    pass


class RunExistsError(RuntimeError):
    pass


def now() -> datetime:
    return datetime.now(UTC)


class RunRepository:
    """Table archival runs and file archival runs (attribute `kind` = "files")."""

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
        self._put_new(item)

    def _put_new(self, item: dict[str, Any]) -> None:
        try:
            self._ddb.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(run_id)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RunExistsError(item["run_id"]["S"]) from None
            raise

    def delete(self, run_id: str) -> None:
        """Forget a run that was refused before it started."""
        self._ddb.delete_item(TableName=self._table, Key={"run_id": {"S": run_id}})

    def _item(self, run_id: str) -> dict[str, Any]:
        item = self._ddb.get_item(TableName=self._table, Key={"run_id": {"S": run_id}}, ConsistentRead=True).get("Item")
        if not item:
            raise RunNotFoundError(run_id)
        return item

    def get_any(self, run_id: str) -> RunRecord | FileRunRecord:
        item = self._item(run_id)
        return _file_run(run_id, item) if _text(item, "kind") == "files" else _table_run(run_id, item)

    def get(self, run_id: str) -> RunRecord:
        """A table archival run (a file archival run's id is not found here)."""
        record = self.get_any(run_id)
        if not isinstance(record, RunRecord):
            raise RunNotFoundError(f"{run_id} (a file archival run)")
        return record

    def get_files(self, run_id: str) -> FileRunRecord:
        record = self.get_any(run_id)
        if not isinstance(record, FileRunRecord):
            raise RunNotFoundError(f"{run_id} (a table archival run)")
        return record

    def create_files(self, record: FileRunRecord) -> None:
        """Store a new file archival run; refuses to overwrite an existing run id."""
        item: dict[str, Any] = {
            "run_id": {"S": record.run_id},
            "kind": {"S": "files"},
            "status": {"S": record.status.value},
            "request": {"S": record.request.model_dump_json()},
            "created_at": {"S": record.created_at.isoformat()},
            "updated_at": {"S": record.updated_at.isoformat()},
            "bundles": {"M": {}},
        }
        self._put_new(item)

    def set_plan(self, run_id: str, files_found: int, already_archived: int, bundles: list[BundleResult]) -> None:
        """A file archival run's plan: every bundle PLANNED."""
        self._ddb.update_item(
            TableName=self._table,
            Key={"run_id": {"S": run_id}},
            UpdateExpression="SET files_found = :f, already_archived = :a, bundles = :b, updated_at = :now",
            ConditionExpression="attribute_exists(run_id)",
            ExpressionAttributeValues={
                ":f": {"N": str(files_found)},
                ":a": {"N": str(already_archived)},
                ":b": {"M": {f"{b.index:06d}": {"S": b.model_dump_json()} for b in bundles}},
                ":now": {"S": now().isoformat()},
            },
        )

    def put_bundle(self, run_id: str, bundle: BundleResult) -> None:
        """One bundle's entry: each bundle job writes its own, without read-modify-write races."""
        self._put_entry(run_id, "bundles", f"{bundle.index:06d}", bundle.model_dump_json())

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
        self._put_entry(run_id, "tables", result.table_name, result.model_dump_json())

    def _put_entry(self, run_id: str, map_name: str, entry: str, document: str) -> None:
        """One entry of a run's map: each task writes its own, without read-modify-write races."""
        self._ddb.update_item(
            TableName=self._table,
            Key={"run_id": {"S": run_id}},
            UpdateExpression=f"SET {map_name}.#e = :r, updated_at = :now",
            ConditionExpression="attribute_exists(run_id)",
            ExpressionAttributeNames={"#e": entry},
            ExpressionAttributeValues={":r": {"S": document}, ":now": {"S": now().isoformat()}},
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


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value and "S" in value else None


def _common(run_id: str, item: dict[str, Any]) -> dict[str, Any]:
    verdict = _text(item, "verdict")
    return {
        "run_id": run_id,
        "status": RunStatus(item["status"]["S"]),
        "created_at": datetime.fromisoformat(_text(item, "created_at") or ""),
        "updated_at": datetime.fromisoformat(_text(item, "updated_at") or ""),
        "execution_arn": _text(item, "execution_arn"),
        "verdict": Verdict(verdict) if verdict else None,
        "report_key": _text(item, "report_key"),
        "error": _text(item, "error"),
        "cause": _text(item, "cause"),
    }


def _table_run(run_id: str, item: dict[str, Any]) -> RunRecord:
    return RunRecord(
        **_common(run_id, item),
        request=ArchivalRequest.model_validate_json(_text(item, "request") or "{}"),
        tables={name: TableResult.model_validate_json(value["S"]) for name, value in item["tables"]["M"].items()},
        purge_stop=bool(item.get("purge_stop", {}).get("BOOL", False)),
    )


def _file_run(run_id: str, item: dict[str, Any]) -> FileRunRecord:
    return FileRunRecord(
        **_common(run_id, item),
        request=FileArchivalRequest.model_validate_json(_text(item, "request") or "{}"),
        files_found=int(item["files_found"]["N"]) if "files_found" in item else None,
        already_archived=int(item.get("already_archived", {}).get("N", 0)),
        bundles={k: BundleResult.model_validate_json(v["S"]) for k, v in item.get("bundles", {}).get("M", {}).items()},
    )
