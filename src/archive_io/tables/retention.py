"""Retention purge of the archive, legal holds, and deleting a whole archive namespace.

A row expires `archive-io.retention-years` (a table property: the longest any run asked for)
after its `_archived_at` day. The purge deletes the expired rows (or drops the table when every
row has expired), expires the snapshots that still hold them, and deletes the files that no live
snapshot references, so the bytes leave S3: pyiceberg does neither of the last two itself.
A table under legal hold (`archive-io.legal-hold` = true) is refused, whoever asks.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from botocore.exceptions import ClientError
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.expressions import LessThan
from pyiceberg.table import Table

from archive_io.contracts.purges import (
    ArchivePurge,
    ArchivePurgeRequest,
    LegalHoldRequest,
    PurgeOutcome,
    PurgeRecord,
)
from archive_io.files.holds import set_project_hold
from archive_io.runtime import Runtime
from archive_io.tables import iceberg
from archive_io.tables.errors import RequestError

logger = logging.getLogger(__name__)

# A file younger than this is never deleted as unreferenced: it may belong to a commit in flight.
MIN_FILE_AGE = timedelta(hours=1)


class LegalHoldError(RuntimeError):
    """The archive table is under legal hold: nothing of it may be purged."""


def under_legal_hold(table: Table) -> bool:
    return table.properties.get(iceberg.LEGAL_HOLD_PROPERTY, "false").lower() == "true"


def cutoff_day(today: date, years: int) -> date:
    """Rows archived before this day have been kept `years` full years by `today` (29 Feb -> 28 Feb)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def purge_expired(
    runtime: Runtime,
    identifier: str,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    min_file_age: timedelta = MIN_FILE_AGE,
) -> ArchivePurge:
    """Remove the table's expired rows and the files that held them; refuse under legal hold."""
    now = now or datetime.now(UTC)
    catalog = runtime.catalog()
    table = catalog.load_table(identifier)
    if under_legal_hold(table):
        return ArchivePurge(
            iceberg_table=identifier,
            outcome=PurgeOutcome.REFUSED,
            reason=f"{identifier} is under legal hold: nothing of it may be purged until the hold is cleared",
        )
    years = int(table.properties.get(iceberg.RETENTION_YEARS_PROPERTY, "0"))
    cutoff = cutoff_day(now.date(), years)
    expired_filter = cast(Any, LessThan)(iceberg.ARCHIVED_AT_COLUMN, datetime.combine(cutoff, time(), UTC).isoformat())
    expired = _count(table, expired_filter)
    total = _count(table, None)
    result = ArchivePurge(
        iceberg_table=identifier,
        outcome=PurgeOutcome.NOTHING_DUE,
        retention_years=years,
        cutoff=cutoff,
        rows_removed=expired,
        rows_kept=total - expired,
    )
    if expired == 0:
        return result.model_copy(update={"rows_removed": 0})
    if dry_run:
        return result.model_copy(update={"outcome": PurgeOutcome.DRY_RUN})
    if expired == total:
        files, nbytes = _drop(runtime, catalog, table, identifier)
        return result.model_copy(
            update={"outcome": PurgeOutcome.DROPPED, "files_removed": files, "bytes_removed": nbytes}
        )
    started = now
    table.delete(delete_filter=expired_filter)  # rewrites the files that mixed expired and kept rows
    table.refresh()
    current = table.metadata.current_snapshot_id
    stale = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
    if stale:
        table.maintenance.expire_snapshots().by_ids(stale).commit()
        table.refresh()
    files, nbytes = remove_unreferenced_files(runtime, table, started - min_file_age)
    return result.model_copy(
        update={
            "outcome": PurgeOutcome.PURGED,
            "snapshots_expired": len(stale),
            "files_removed": files,
            "bytes_removed": nbytes,
        }
    )


def _new_record(prefix: str, kind: str, requested_by: str, email: str) -> PurgeRecord:
    return PurgeRecord(
        purge_id=f"{prefix}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}",
        kind=kind,
        requested_by=requested_by,
        requested_by_email=email,
        requested_at=datetime.now(UTC),
    )


def start_retention_purge(runtime: Runtime, request: ArchivePurgeRequest) -> PurgeRecord:
    """Record the purge request and start the purge flow over its tables (every archive table by default)."""
    known = archive_tables(runtime.catalog())
    tables = request.iceberg_tables if request.iceberg_tables is not None else known
    if unknown := [t for t in tables if t not in known]:
        raise RequestError(f"iceberg_tables: not tables of the archive: {', '.join(unknown)}")
    record = _new_record("purge", "retention", request.requested_by, request.requested_by_email)
    runtime.purges.create(record)
    flow_input = {"purge_id": record.purge_id, "tables": tables, "dry_run": request.dry_run}
    execution = runtime.aws.stepfunctions.start_execution(
        stateMachineArn=runtime.settings.purge_flow_arn, name=record.purge_id, input=json.dumps(flow_input)
    )["executionArn"]
    runtime.purges.set_execution(record.purge_id, execution)
    return record.model_copy(update={"execution_arn": execution})


def change_legal_hold(runtime: Runtime, request: LegalHoldRequest) -> PurgeRecord:
    """Set or clear a table's or a project's file bundles' legal hold, and record who did and why."""
    if request.project_name is not None:
        held = set_project_hold(runtime, request.project_name, request.hold, request.reason)
        outcome = PurgeOutcome.HOLD_SET if request.hold else PurgeOutcome.HOLD_CLEARED
        result = ArchivePurge(iceberg_table=request.target, outcome=outcome, objects_held=held)
    else:
        try:
            result = set_legal_hold(runtime, request.target, request.hold)
        except NoSuchTableError:
            raise RequestError(f"iceberg_table: the archive has no table {request.iceberg_table!r}") from None
    record = _new_record("hold", "legal-hold", request.requested_by, request.requested_by_email)
    record = record.model_copy(
        update={"tables": {request.target: result.model_copy(update={"reason": request.reason})}}
    )
    runtime.purges.create(record)
    return record


def delete_archive_namespace(runtime: Runtime, namespace: str, requested_by: str, email: str) -> PurgeRecord:
    """`delete_namespace`, refusals and all, recorded in the purges table with who asked."""
    if not namespace.startswith("archive_"):
        raise RequestError(f"namespace: {namespace!r} is not an archive namespace (archive_<database>_<schema>)")
    if not runtime.catalog().namespace_exists(namespace):
        raise RequestError(f"namespace: the archive catalog has no namespace {namespace!r}")
    record = _new_record("namespace", "namespace-delete", requested_by, email)
    try:
        results = delete_namespace(runtime, namespace)
    except LegalHoldError as exc:
        refused = ArchivePurge(iceberg_table=namespace, outcome=PurgeOutcome.REFUSED, reason=str(exc))
        runtime.purges.create(record.model_copy(update={"tables": {namespace: refused}}))
        raise
    record = record.model_copy(update={"tables": {r.iceberg_table: r for r in results}})
    runtime.purges.create(record)
    return record


def purge_archive_task(runtime: Runtime, purge_id: str, identifier: str, *, dry_run: bool) -> ArchivePurge:
    """The purge flow's task for one table: purge it and record what was removed, refusals included."""
    result = purge_expired(runtime, identifier, dry_run=dry_run)
    runtime.purges.put_table(purge_id, result)
    logger.info("retention purge of %s: %s", identifier, result.model_dump_json())
    return result


def archive_tables(catalog: Catalog) -> list[str]:
    """Every table of the archive: the tables of the `archive_*` namespaces."""
    tables = []
    for namespace, *_ in catalog.list_namespaces():
        if namespace.startswith("archive_"):
            tables += [".".join(t) for t in catalog.list_tables(namespace)]
    return sorted(tables)


def _count(table: Table, row_filter: Any) -> int:
    scan = table.scan(
        **({"row_filter": row_filter} if row_filter is not None else {}),
        selected_fields=(iceberg.RUN_ID_COLUMN,),
    )
    return sum(batch.num_rows for batch in scan.to_arrow_batch_reader())


def _drop(runtime: Runtime, catalog: Catalog, table: Table, identifier: str) -> tuple[int, int]:
    location = table.location()
    before = list(_objects(runtime, location))
    catalog.purge_table(identifier)  # drops it and deletes the files its snapshots name
    left = list(_objects(runtime, location))
    for path, _, _ in left:  # anything else under its location (files of failed commits, folder markers)
        _delete(runtime, path)
    return len(before), sum(size for _, size, _ in before)


def live_files(table: Table) -> set[str]:
    """Every file a live snapshot of the table needs: manifest lists, manifests, data and delete files."""
    io = table.io
    files: set[str] = set()
    for snapshot in table.snapshots():
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            files.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=True):
                files.add(entry.data_file.file_path)
    return files


def remove_unreferenced_files(runtime: Runtime, table: Table, older_than: datetime) -> tuple[int, int]:
    """Delete the files under the table's location that no live snapshot needs: (files, bytes).

    Metadata JSON files stay (they hold no rows, and make the table's history). A file written
    after `older_than` stays too: it may belong to a commit in flight.
    """
    keep = live_files(table)
    removed = nbytes = 0
    for path, size, modified in _objects(runtime, table.location()):
        if path in keep or path.endswith((".metadata.json", "/")) or modified >= older_than:
            continue
        _delete(runtime, path)
        removed += 1
        nbytes += size
    logger.info("removed %d unreferenced files (%d bytes) of %s", removed, nbytes, table.name())
    return removed, nbytes


def _objects(runtime: Runtime, location: str) -> Iterator[tuple[str, int, datetime]]:
    """(path, size, last modified) of every object under a table location: s3:// or file://."""
    parts = urlsplit(location)
    if parts.scheme in {"s3", "s3a"}:
        pages = runtime.aws.s3.get_paginator("list_objects_v2").paginate(
            Bucket=parts.netloc, Prefix=parts.path.lstrip("/").rstrip("/") + "/"
        )
        for page in pages:
            for obj in page.get("Contents", []):
                yield f"{parts.scheme}://{parts.netloc}/{obj['Key']}", obj["Size"], obj["LastModified"]
        return
    root = Path(parts.path if parts.scheme == "file" else location)
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            stat = path.stat()
            yield f"file://{path}", stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)


def _delete(runtime: Runtime, path: str) -> None:
    parts = urlsplit(path)
    if parts.scheme in {"s3", "s3a"}:  # by key: a folder marker is an object too
        runtime.aws.s3.delete_object(Bucket=parts.netloc, Key=parts.path.lstrip("/"))
    else:
        Path(parts.path).unlink(missing_ok=True)


def set_legal_hold(runtime: Runtime, identifier: str, hold: bool) -> ArchivePurge:
    """Set or clear the table's legal hold: its property, which every purge here obeys, and, where
    the bucket has S3 Object Lock (as in AWS), each object's legal hold, which S3 itself enforces.
    """
    table = runtime.catalog().load_table(identifier)
    with table.transaction() as tx:
        tx.set_properties({iceberg.LEGAL_HOLD_PROPERTY: str(hold).lower()})
    held = apply_object_holds(runtime, table.location(), hold)
    return ArchivePurge(
        iceberg_table=identifier,
        outcome=PurgeOutcome.HOLD_SET if hold else PurgeOutcome.HOLD_CLEARED,
        objects_held=held,
    )


def apply_object_holds(runtime: Runtime, location: str, hold: bool) -> int:
    """Set (or clear) the S3 Object Lock legal hold of every object under a table location.

    Nothing where the location is not in a bucket with Object Lock (a file warehouse, a bucket
    without it); the count of objects changed otherwise.
    """
    parts = urlsplit(location)
    if parts.scheme not in {"s3", "s3a"}:
        return 0
    s3 = runtime.aws.s3
    try:
        s3.get_object_lock_configuration(Bucket=parts.netloc)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ObjectLockConfigurationNotFoundError":
            return 0
        raise
    changed = 0
    for path, _, _ in _objects(runtime, location):
        key = urlsplit(path).path.lstrip("/")
        s3.put_object_legal_hold(Bucket=parts.netloc, Key=key, LegalHold={"Status": "ON" if hold else "OFF"})
        changed += 1
    return changed


def delete_namespace(runtime: Runtime, namespace: str) -> list[ArchivePurge]:
    """Drop every table of an archive namespace with its files, then the namespace (seed 001's
    delete_iceberg_db). Refused, with nothing dropped, when any table in it is under legal hold.
    """
    catalog = runtime.catalog()
    identifiers = [".".join(t) for t in catalog.list_tables(namespace)]
    held = [i for i in identifiers if under_legal_hold(catalog.load_table(i))]
    if held:
        raise LegalHoldError(f"namespace {namespace} holds tables under legal hold: {', '.join(held)}; nothing dropped")
    results = []
    for identifier in identifiers:
        table = catalog.load_table(identifier)
        rows = _count(table, None)
        files, nbytes = _drop(runtime, catalog, table, identifier)
        results.append(
            ArchivePurge(
                iceberg_table=identifier,
                outcome=PurgeOutcome.DROPPED,
                reason=f"namespace {namespace} deleted",
                rows_removed=rows,
                files_removed=files,
                bytes_removed=nbytes,
            )
        )
    catalog.drop_namespace(namespace)
    return results
