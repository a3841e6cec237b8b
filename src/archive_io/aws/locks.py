"""One run at a time per source table: a lock item per table in DynamoDB.

A lock names the run holding it. A lock whose run has ended (crashed, failed, or never
started) is stale and may be taken over, so a lost release never blocks a table for good.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from archive_io.aws.runs import now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class TableLockedError(RuntimeError):
    def __init__(self, lock_id: str, holder: str) -> None:
        super().__init__(f"{lock_id} is being archived by run {holder}; retry when that run has ended")
        self.lock_id = lock_id
        self.holder = holder


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


class TableLocks:
    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._ddb = dynamodb
        self._table = table_name

    def acquire(self, run_id: str, lock_ids: Sequence[str], is_running: Callable[[str], bool]) -> None:
        """Take every lock for `run_id`, or none: raises TableLockedError naming the holder."""
        taken: list[str] = []
        try:
            for lock_id in lock_ids:
                self._take(run_id, lock_id, is_running)
                taken.append(lock_id)
        except BaseException:
            self.release(run_id, taken)
            raise

    def _take(self, run_id: str, lock_id: str, is_running: Callable[[str], bool]) -> None:
        item = {"lock_id": {"S": lock_id}, "run_id": {"S": run_id}, "acquired_at": {"S": now().isoformat()}}
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(lock_id) OR run_id = :me",
                ExpressionAttributeValues={":me": {"S": run_id}},
            )
            return
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
        current = self._ddb.get_item(TableName=self._table, Key={"lock_id": {"S": lock_id}}, ConsistentRead=True)
        holder = current.get("Item", {}).get("run_id", {}).get("S", "")
        if holder and is_running(holder):
            raise TableLockedError(lock_id, holder)
        try:  # the holder has ended: take the lock over, unless someone else just did
            self._ddb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(lock_id) OR run_id = :holder",
                ExpressionAttributeValues={":holder": {"S": holder}},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                raise TableLockedError(lock_id, "another run") from None
            raise

    def release(self, run_id: str, lock_ids: Sequence[str]) -> None:
        """Release the locks `run_id` holds; locks held by other runs are left alone."""
        for lock_id in lock_ids:
            try:
                self._ddb.delete_item(
                    TableName=self._table,
                    Key={"lock_id": {"S": lock_id}},
                    ConditionExpression="run_id = :me",
                    ExpressionAttributeValues={":me": {"S": run_id}},
                )
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise
