"""Table archival runs: plan and start (the API), archive a table, validate it (the Glue jobs)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import timedelta

import pyarrow as pa
import sqlglot
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table
from sqlglot import exp

from archive_io.aws.locks import TableLockedError
from archive_io.aws.runs import RunExistsError, RunNotFoundError, now
from archive_io.contracts import (
    ArchivalRequest,
    RunAccepted,
    RunRecord,
    RunStatus,
    TableResult,
    TableStatus,
    Validation,
    Verdict,
)
from archive_io.runtime import Runtime
from archive_io.tables import iceberg
from archive_io.tables.errors import RequestError
from archive_io.tables.retention import apply_object_holds
from archive_io.tables.sources import Column, Source, SourceOpener, arrow_schema, open_source, validated
from archive_io.tables.sql import build_select, resolve_column
from archive_io.tables.validation import (
    Comparison,
    Profile,
    Side,
    ValidatedColumn,
    compare_nullability,
    compare_schemas,
    judge,
    plan_segments,
    profile_both,
    segments_from_json,
    timed,
)

logger = logging.getLogger(__name__)

BATCH_ROWS = 50_000


def new_run_id() -> str:
    return f"run-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"


def plan_tables(request: ArchivalRequest, source: Source) -> dict[str, TableResult]:
    """Check every table and condition against the source and fix the SELECT each table runs.

    Raises RequestError (unknown table or column, bad SQL) before anything is started.
    """
    planned: dict[str, TableResult] = {}
    for entry in request.source_table:
        source_columns = source.columns(request.source_schema, entry.table_name)
        columns = [c.name for c in source_columns]
        sql, selected = build_select(
            dialect=source.dialect,
            schema=request.source_schema,
            table=entry.table_name,
            columns=columns,
            condition=entry.condition,
            query=entry.query,
        )
        partition = None
        if entry.partition_by:
            partition = (_partition_column(entry.partition_by, source_columns, selected), entry.partition_granularity)
        planned[entry.table_name] = TableResult(
            table_name=entry.table_name,
            source_sql=sql,
            columns=selected,
            partition=partition,
            iceberg_table=iceberg.table_identifier(request.source_database, request.source_schema, entry.table_name),
        )
    return planned


def _partition_column(name: str, columns: list[Column], selected: list[str]) -> str:
    by_name = {c.name: c for c in columns}
    column = resolve_column(name, selected, "the archived columns")
    kind = by_name[column].arrow_type
    if not (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        raise RequestError(f"partition_by: column {column!r} is {by_name[column].source_type}, not a date or timestamp")
    return column


class IdempotencyConflictError(RuntimeError):
    """An idempotency key already names a run of a different request."""


# A run recorded but not yet started holds its locks this long before they count as stale.
STARTING_GRACE = timedelta(minutes=5)


def lock_ids(request: ArchivalRequest) -> list[str]:
    """One lock per source table: connection/database.schema.table, lower-cased."""
    return [
        f"{request.glue_connection}/{request.source_database}.{request.source_schema}.{t.table_name}".lower()
        for t in request.source_table
    ]


def keyed_run_id(idempotency_key: str) -> str:
    """The run id an idempotency key always gives, so a re-POST finds its run."""
    return f"run-key-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}"


def _lock_tables(runtime: Runtime, run_id: str, request: ArchivalRequest) -> None:
    runtime.locks.acquire(run_id, lock_ids(request), lambda holder: run_is_running(runtime, holder))


def run_is_running(runtime: Runtime, run_id: str) -> bool:
    """Whether a run still holds its locks: its execution is RUNNING, or it is just being started."""
    try:
        record = runtime.runs.get_any(run_id)
    except RunNotFoundError:
        return False
    if record.execution_arn is None:
        return now() - record.created_at < STARTING_GRACE
    status = runtime.aws.stepfunctions.describe_execution(executionArn=record.execution_arn)["status"]
    return status == RunStatus.RUNNING


def start_archival(
    request: ArchivalRequest,
    runtime: Runtime,
    opener: SourceOpener = open_source,
    idempotency_key: str | None = None,
) -> RunAccepted:
    """Plan the run, record it, lock its tables and start the archival flow.

    Nothing starts if planning fails or a table is locked by a running run (TableLockedError).
    With an idempotency key, a repeated request answers the run the first one started.
    """
    run_id = keyed_run_id(idempotency_key) if idempotency_key else new_run_id()
    if idempotency_key and (accepted := _replay(runtime, run_id, request)):
        return accepted
    url = runtime.connections.url(request.glue_connection)
    with closing(opener(url)) as source:
        tables = plan_tables(request, source)
    created = now()
    record = RunRecord(
        run_id=run_id, status=RunStatus.RUNNING, request=request, created_at=created, updated_at=created, tables=tables
    )
    try:
        runtime.runs.create(record)
    except RunExistsError:  # the same key, posted concurrently: both answer the one run
        accepted = _replay(runtime, run_id, request)
        if accepted is None:
            raise IdempotencyConflictError(
                f"a request with this Idempotency-Key was refused while this one was starting (run {run_id}); retry"
            ) from None
        return accepted
    try:
        _lock_tables(runtime, run_id, request)
    except TableLockedError:
        runtime.runs.delete(run_id)  # refused before it started: no run to show
        raise
    except Exception as exc:
        runtime.runs.set_fields(run_id, status=RunStatus.FAILED.value, error="LockFailed", cause=str(exc))
        raise
    return _start(runtime, record)


def _replay(runtime: Runtime, run_id: str, request: ArchivalRequest) -> RunAccepted | None:
    try:
        existing = runtime.runs.get(run_id)
    except RunNotFoundError:
        return None
    if existing.request != request:
        raise IdempotencyConflictError(f"this Idempotency-Key was used for a different request (run {run_id})")
    if existing.execution_arn is None:  # recorded, but the first attempt stopped before starting it
        _lock_tables(runtime, run_id, request)
        return _start(runtime, existing)
    return RunAccepted(run_id=run_id, status=existing.status, status_url=f"/runs/{run_id}")


def _start(runtime: Runtime, record: RunRecord) -> RunAccepted:
    tables = [{"table_name": name, "purge": record.request.purges(name)} for name in record.tables]
    flow_input = {"run_id": record.run_id, "tables": tables}
    sfn = runtime.aws.stepfunctions
    try:
        # One execution per name: a replay cannot start the run twice.
        execution_arn = sfn.start_execution(
            stateMachineArn=runtime.settings.archival_flow_arn, name=record.run_id, input=json.dumps(flow_input)
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:  # a concurrent replay started it first: it is started
        execution_arn = f"{runtime.settings.archival_flow_arn.replace(':stateMachine:', ':execution:')}:{record.run_id}"
    except Exception as exc:
        runtime.runs.set_fields(
            record.run_id, status=RunStatus.FAILED.value, error="StartExecutionFailed", cause=str(exc)
        )
        runtime.locks.release(record.run_id, lock_ids(record.request))
        raise
    runtime.runs.set_fields(record.run_id, execution_arn=execution_arn)
    return RunAccepted(run_id=record.run_id, status=RunStatus.RUNNING, status_url=f"/runs/{record.run_id}")


def table_of_run(runtime: Runtime, run_id: str, table_name: str) -> tuple[RunRecord, TableResult]:
    """The run's record and its result for the table; KeyError when the run has no such table."""
    record = runtime.runs.get(run_id)
    if table_name not in record.tables:
        raise KeyError(f"run {run_id} has no table {table_name!r}")
    return record, record.tables[table_name]


def key_columns(source: Source, schema: str, table: str, archived: list[str]) -> list[str]:
    """The primary key, when the archive holds all of its columns; else none (differences cannot be localized)."""
    key = source.primary_key(schema, table)
    return key if key and all(k in archived for k in key) else []


def archive_table(runtime: Runtime, run_id: str, table_name: str, opener: SourceOpener = open_source) -> TableResult:
    """Copy the table's planned rows into its Iceberg table as one snapshot of this run, and profile
    the source for validation in the same snapshot of the source.

    Idempotent: when the run already committed this table (a retried job), nothing is appended.
    """
    record, planned = table_of_run(runtime, run_id, table_name)
    request = record.request
    started = time.monotonic()
    try:
        with closing(opener(runtime.connections.url(request.glue_connection))) as source:
            by_name = {c.name: c for c in source.columns(request.source_schema, table_name)}
            columns = [by_name[name] for name in planned.columns]
            source_schema = arrow_schema(columns)
            catalog = runtime.catalog()
            table = iceberg.ensure_table(
                catalog,
                planned.iceberg_table,
                iceberg.archive_schema(source_schema),
                governance_properties(record),
                planned.partition,
            )
            iceberg.strengthen_governance(
                table, request.retention_policy, record.retention_until.isoformat(), request.legal_hold
            )
            key = key_columns(source, request.source_schema, table_name, planned.columns)
            with source.snapshot() as snapshot_read:
                source_read = snapshot_read
                snapshot = iceberg.snapshot_of_run(table, run_id)
                if snapshot is not None:
                    # A retried job: the run's rows are committed already; record them, append nothing.
                    logger.info("run %s already archived %s in snapshot %s", run_id, table_name, snapshot)
                    rows = iceberg.count_run_rows(catalog, planned.iceberg_table, snapshot, run_id)
                    nbytes = planned.bytes_archived or 0
                    source_read = "after the extraction (the archive task was retried): the source may have changed"
                else:
                    snapshot, rows, nbytes = iceberg.append_run(
                        table,
                        source.batches(planned.source_sql, columns, BATCH_ROWS),
                        source_schema,
                        run_id,
                        lineage_summary(record, planned),
                    )
                if runtime.reports.get_profile(run_id, table_name) is None:  # a retry keeps the first one
                    side = source.validation_side(planned.source_sql, columns, key)
                    side.segments = plan_segments(side, key, validated(columns))
                    profile, seconds = timed(lambda: side.profile(1))
                    runtime.reports.put_profile(
                        run_id, table_name, ExtractionProfile(profile, key, source_read, seconds).to_json()
                    )
            if table.properties.get(iceberg.LEGAL_HOLD_PROPERTY) == "true":
                apply_object_holds(runtime, table.location(), True)  # this run's files are held too
    except Exception as exc:
        runtime.runs.put_table(
            run_id, planned.model_copy(update={"status": TableStatus.FAILED, "error": describe_error(exc)})
        )
        raise
    return record_archived(
        runtime,
        run_id,
        planned,
        rows=rows,
        nbytes=nbytes,
        snapshot=snapshot,
        location=table.location(),
        started=started,
    )


def governance_properties(record: RunRecord) -> dict[str, str]:
    """The retention and legal hold properties a run gives a new archive table."""
    request = record.request
    return {
        iceberg.RETENTION_YEARS_PROPERTY: str(request.retention_policy),
        iceberg.LEGAL_HOLD_PROPERTY: str(request.legal_hold).lower(),
        iceberg.RETENTION_UNTIL_PROPERTY: record.retention_until.isoformat(),
    }


def lineage_summary(record: RunRecord, table: TableResult) -> dict[str, str]:
    """What the run's snapshot summary says of where its rows come from."""
    request = record.request
    source = f"{request.glue_connection}:{request.source_database}.{request.source_schema}.{table.table_name}"
    return {iceberg.SOURCE_PROPERTY: source, iceberg.SOURCE_SQL_PROPERTY: table.source_sql}


def record_archived(
    runtime: Runtime,
    run_id: str,
    planned: TableResult,
    *,
    rows: int,
    nbytes: int,
    snapshot: int,
    location: str,
    started: float,
) -> TableResult:
    """Record a table ARCHIVED in the run, with its rows, bytes, snapshot and rate since `started`."""
    seconds = time.monotonic() - started
    result = planned.model_copy(
        update={
            "status": TableStatus.ARCHIVED,
            "rows_archived": rows,
            "bytes_archived": nbytes,
            "snapshot_id": snapshot,
            "iceberg_location": location,
            "archive_seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds, 1) if seconds > 0 else None,
        }
    )
    runtime.runs.put_table(run_id, result)
    return result


class ExtractionProfile:
    """The source's profile taken with the extraction: what the archive must equal."""

    def __init__(self, profile: Profile, key: list[str], source_read: str, seconds: float) -> None:
        self.profile, self.key, self.source_read, self.seconds = profile, key, source_read, seconds

    def to_json(self) -> str:
        document = {"key": self.key, "source_read": self.source_read, "seconds": self.seconds}
        return json.dumps({**document, "profile": self.profile.to_json()})

    @classmethod
    def from_json(cls, text: str) -> ExtractionProfile:
        data = json.loads(text)
        return cls(Profile.from_json(data["profile"]), data["key"], data["source_read"], data["seconds"])


#: The archive as validation reads it, given the columns and key: its side and its (Arrow) schema.
ArchiveView = Callable[[Sequence[ValidatedColumn], Sequence[str]], tuple[Side, pa.Schema]]


def iceberg_view(table: Table, snapshot_id: int | None, run_id: str | None) -> ArchiveView:
    """The archive read by pyiceberg and DuckDB (the single-node engine), at a snapshot, a run's rows."""

    def view(columns: Sequence[ValidatedColumn], key: Sequence[str]) -> tuple[Side, pa.Schema]:
        schema = iceberg.snapshot_schema(table, snapshot_id) if snapshot_id is not None else table.schema().as_arrow()
        return iceberg.ArchiveSide(table, snapshot_id, run_id, columns, key), schema

    return view


def validate_archive(
    source: Source,
    table: Table | ArchiveView,
    *,
    sql: str,
    columns: list[Column],
    key: list[str] | None,
    snapshot_id: int | None = None,
    run_id: str | None = None,
    extraction: ExtractionProfile | None = None,
) -> Validation:
    """Compare the rows `sql` selects in the source with the archive's (a run's rows at its snapshot).

    With the extraction's profile, the archive must equal the source as the extraction read it;
    without, the source is profiled now, at the same time as the archive. `table`: a pyiceberg
    table (read at `snapshot_id`, `run_id`'s rows), or another engine's view of the archive.
    """
    started = time.monotonic()
    if extraction is not None:
        key = extraction.key
    key = key or []
    source_side = source.validation_side(sql, columns, key)
    view = table if callable(table) else iceberg_view(table, snapshot_id, run_id)
    archive_side, archive_schema = view(validated(columns), key)
    if extraction is not None:  # cut as the extraction's profile was
        kinds = {c.name: c.arrow_type for c in columns}
        source_side.segments = segments_from_json(extraction.profile.scheme, [kinds[k] for k in key])
        archive_side.segments = source_side.segments
        source_profile, source_seconds = extraction.profile, extraction.seconds
        archive_profile, archive_seconds = timed(lambda: archive_side.profile(1))
        source_read = extraction.source_read
    else:
        with source.snapshot():  # the key's bounds and the profile, read in one snapshot
            source_side.segments = plan_segments(source_side, key, validated(columns))
            archive_side.segments = source_side.segments
            source_profile, source_seconds, archive_profile, archive_seconds = profile_both(
                lambda: source_side.profile(1), lambda: archive_side.profile(1)
            )
        source_read = "at the same time as the archive, not with the extraction: the source may have changed since"
    comparison = Comparison(
        columns=validated(columns),
        key=key,
        source=source_side,
        archive=archive_side,
        source_profile=source_profile,
        archive_profile=archive_profile,
        schema_differences=compare_schemas(validated(columns), archive_schema)
        + compare_nullability([(c.name, c.nullable) for c in columns], archive_schema),
        source_read=source_read,
        extraction_profile=extraction.profile if extraction else None,
        source_seconds=source_seconds,
        archive_seconds=archive_seconds,
    )
    return judge(comparison, started)


def validate_iceberg_table(
    runtime: Runtime,
    connection: str,
    table: str,
    iceberg_table: str,
    *,
    condition: str | None = None,
    run_id: str | None = None,
) -> Validation:
    """An ad-hoc check of an archive against its source, now: `SCHEMA.TABLE` against `NAMESPACE.TABLE`.

    The archive's columns (lineage aside) are compared with the source rows `condition` selects,
    or with all of them; with `run_id`, only that run's rows of the archive.
    """
    schema, _, table_name = table.rpartition(".")
    if not schema:
        raise RequestError(f"table: {table!r} is not SCHEMA.TABLE")
    url = runtime.connections.url(connection)
    try:
        archive = runtime.catalog().load_table(iceberg_table)
    except NoSuchTableError:
        raise RequestError(f"iceberg: the archive catalog has no table {iceberg_table!r}") from None
    lineage = {f.name for f in iceberg.LINEAGE_FIELDS}
    archived = [f.name for f in archive.schema().fields if f.name not in lineage]
    with closing(open_source(url)) as source:
        by_name = {c.name: c for c in source.columns(schema, table_name)}
        absent = [name for name in archived if name not in by_name]
        if absent:
            raise RequestError(f"the archive has columns the source table lacks: {', '.join(absent)}")
        columns = [by_name[name] for name in archived]
        checked, _ = build_select(
            dialect=source.dialect, schema=schema, table=table_name, columns=list(by_name), condition=condition
        )
        # the checked SELECT, projecting the archive's columns only
        select = sqlglot.parse_one(checked, read=source.dialect)
        select.set("expressions", [exp.column(name, quoted=True) for name in archived])
        sql = select.sql(dialect=source.dialect)
        return validate_archive(
            source,
            archive,
            sql=sql,
            columns=columns,
            key=key_columns(source, schema, table_name, archived),
            snapshot_id=archive.metadata.current_snapshot_id,
            run_id=run_id,
        )


def validate_table(
    runtime: Runtime,
    run_id: str,
    table_name: str,
    opener: SourceOpener = open_source,
    view: Callable[[TableResult], ArchiveView] | None = None,
) -> TableResult:
    """Compare the run's archive of the table with its source: schema, counts, checksums, column
    aggregates, and the differing rows by key. The verdict gates the source purge.

    `view`: how the archive is read (the Spark engine's); by default pyiceberg from the catalog.
    """
    record, archived = table_of_run(runtime, run_id, table_name)
    if archived.snapshot_id is None:
        raise RuntimeError(f"{table_name} of run {run_id} was not archived; nothing to validate")
    request = record.request
    try:
        with closing(opener(runtime.connections.url(request.glue_connection))) as source:
            by_name = {c.name: c for c in source.columns(request.source_schema, table_name)}
            columns = [by_name[name] for name in archived.columns]
            stored = runtime.reports.get_profile(run_id, table_name)
            validation = validate_archive(
                source,
                view(archived) if view else runtime.catalog().load_table(archived.iceberg_table),
                sql=archived.source_sql,
                columns=columns,
                key=None if stored else key_columns(source, request.source_schema, table_name, archived.columns),
                snapshot_id=archived.snapshot_id,
                run_id=run_id,
                extraction=ExtractionProfile.from_json(stored) if stored else None,
            )
    except Exception as exc:
        runtime.runs.put_table(
            run_id, archived.model_copy(update={"status": TableStatus.FAILED, "error": describe_error(exc)})
        )
        raise
    if archived.rows_archived is not None and archived.rows_archived != validation.archive_rows:
        validation = validation.model_copy(
            update={
                "verdict": Verdict.FAILED,
                "reasons": [
                    *validation.reasons,
                    f"the archive task wrote {archived.rows_archived} rows, "
                    f"the archive holds {validation.archive_rows}",
                ],
            }
        )
    result = archived.model_copy(
        update={
            "status": TableStatus.VALIDATED if validation.verdict == Verdict.PASSED else TableStatus.FAILED,
            "validation": validation,
        }
    )
    runtime.runs.put_table(run_id, result)
    return result


class PurgeRefusedError(RuntimeError):
    """The source rows of a run may not be deleted: the run's validation of the table did not pass."""


def purge_allowed(record: RunRecord, table_name: str) -> Validation:
    """The gate of every source purge: this run archived the table and validated it PASSED.

    Raises PurgeRefusedError naming why not; nothing else may authorize deleting source rows.
    """
    table = record.tables.get(table_name)
    if table is None:
        raise PurgeRefusedError(f"run {record.run_id} did not archive {table_name!r}")
    validation = table.validation
    if validation is None:
        raise PurgeRefusedError(f"{table_name} of run {record.run_id} was not validated ({table.status})")
    if validation.verdict != Verdict.PASSED:
        raise PurgeRefusedError(
            f"{table_name} of run {record.run_id} failed validation: {'; '.join(validation.reasons)}"
        )
    return validation


def describe_error(exc: BaseException) -> str:
    """An error as the run record keeps it: its type and message, bounded."""
    return f"{type(exc).__name__}: {exc}"[:1000]
