"""The source purge: delete a run's archived rows from the source, only when it is safe.

Only after `purge_allowed` (this run validated the table PASSED); only the rows the archive holds
(their keys are read from the run's Iceberg snapshot, not from the source's condition); by
primary key, in chunks with a commit each, as pt-archiver does. Before deleting a chunk its rows
are locked and hashed again: a row whose hash is no longer the archived one changed since the
extraction and is left in place and reported. A re-run goes on after the last committed chunk;
a key already gone is counted, never deleted twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from typing import Any

import pyarrow as pa

from archive_io.contracts.runs import PurgeResult, PurgeStatus, TableResult
from archive_io.runtime import Runtime
from archive_io.tables import iceberg
from archive_io.tables.archival import PurgeRefusedError, key_columns, purge_allowed
from archive_io.tables.checksum import ChecksumSql, canonical, row_hash
from archive_io.tables.sources import Column, SourceOpener, open_source, validated
from archive_io.tables.validation import ValidatedColumn, display

logger = logging.getLogger(__name__)

LISTED_KEYS = 20
#: (table of the run, its columns, key, chunk rows) -> the run's archived (key values, row hash) in key order, by chunk
ArchivedKeys = Callable[
    [TableResult, Sequence[ValidatedColumn], Sequence[str], int], Generator[list[tuple[tuple[Any, ...], int]]]
]
_RESUMABLE = {PurgeStatus.RUNNING, PurgeStatus.STOPPED, PurgeStatus.TIMED_OUT}


class KeyedWriter:
    """Locks, hashes and deletes rows of one source table by primary key, one transaction a chunk.

    A source gives one through `Source.writer(schema, table, columns, key)`; `checksum` is its
    engine's checksum SQL, or None where the hash is computed in Python (SQLite).
    """

    lock = " FOR UPDATE"

    def __init__(
        self, checksum: ChecksumSql | None, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]
    ) -> None:
        q = checksum.quote if checksum else (lambda name: '"' + name.replace('"', '""') + '"')
        self.table_ref = f"{q(schema)}.{q(table)}"
        self.columns = list(columns)
        self.key = list(key)
        self._key_refs = [q(k) for k in key]
        self._checksum = checksum
        if checksum is not None:
            self._selected = checksum.hash(
                checksum.row_text([(q(c.name), c.arrow_type, c.source_type) for c in columns])
            )
        else:
            self._selected = ", ".join(q(c.name) for c in columns)

    # --- what each engine provides
    def marker(self, index: int) -> str:
        raise NotImplementedError

    def begin(self) -> None:
        raise NotImplementedError

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def python_row(self, row: Sequence[Any]) -> list[Any]:
        """A row as the archive's Python values (for engines hashed in Python)."""
        return list(row)

    # --- shared
    def _where(self, count: int) -> str:
        width = len(self._key_refs)
        if width == 1:
            return f"{self._key_refs[0]} IN ({', '.join(self.marker(i) for i in range(count))})"
        rows = ["(" + ", ".join(self.marker(r * width + c) for c in range(width)) + ")" for r in range(count)]
        return f"({', '.join(self._key_refs)}) IN ({', '.join(rows)})"

    def locked_hashes(self, keys: Sequence[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
        """Lock the rows of these keys for this transaction: (key values, current row hash) of each found."""
        params = [value for key in keys for value in key]
        sql = (
            f"SELECT {', '.join(self._key_refs)}, {self._selected} FROM {self.table_ref} WHERE {self._where(len(keys))}"
        )
        rows = self.fetch(sql + self.lock, params)
        width = len(self.key)
        if self._checksum is not None:
            return [(tuple(row[:width]), int(row[width])) for row in rows]
        kinds = [c.arrow_type for c in self.columns]
        return [(tuple(row[:width]), row_hash(self.python_row(row[width:]), kinds)) for row in rows]

    def delete_statement(self, count: int) -> str:
        return f"DELETE FROM {self.table_ref} WHERE {self._where(count)}"

    def delete(self, keys: Sequence[tuple[Any, ...]]) -> None:
        self.execute(self.delete_statement(len(keys)), [value for key in keys for value in key])


class DbApiWriter(KeyedWriter):
    """A KeyedWriter over a DB-API connection that is this writer's alone while it runs."""

    def __init__(
        self,
        conn: Any,
        checksum: ChecksumSql,
        schema: str,
        table: str,
        columns: Sequence[Column],
        *,
        key: Sequence[str],
    ) -> None:
        super().__init__(checksum, schema, table, columns, key)
        self._conn = conn

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._conn.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        with self._conn.cursor() as cursor:
            cursor.execute(sql, tuple(params))

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()


def purge_table(
    runtime: Runtime,
    run_id: str,
    table_name: str,
    opener: SourceOpener = open_source,
    sleep: Callable[[float], None] = time.sleep,
    *,
    archived_keys: ArchivedKeys | None = None,
) -> TableResult:
    """Delete the run's archived rows of the table from its source, chunk by chunk; record what it did.

    `archived_keys`: how the archive's keys and row hashes are read (the Spark engine's); by
    default pyiceberg and DuckDB.
    """
    record = runtime.runs.get(run_id)
    table = record.tables[table_name]
    request = record.request
    options = request.purge
    started = time.monotonic()
    try:
        purge_allowed(record, table_name)
    except PurgeRefusedError as exc:
        return _record(runtime, run_id, table, PurgeResult(status=PurgeStatus.REFUSED, reason=str(exc)))
    with closing(opener(runtime.connections.url(request.glue_connection))) as source:
        key = key_columns(source, request.source_schema, table_name, table.columns)
        if not key:
            reason = (
                f"{request.source_schema}.{table_name} has no primary key among the archived columns: "
                "its rows cannot be deleted one by one, exactly"
            )
            return _record(runtime, run_id, table, PurgeResult(status=PurgeStatus.REFUSED, reason=reason))
        by_name = {c.name: c for c in source.columns(request.source_schema, table_name)}
        columns = [by_name[name] for name in table.columns]
        kinds = {c.name: c.arrow_type for c in columns}
        previous = table.purge
        resuming = previous is not None and previous.status in _RESUMABLE and not options.dry_run
        progress = previous if resuming and previous else PurgeResult(status=PurgeStatus.RUNNING, key_columns=key)
        progress = progress.model_copy(update={"status": PurgeStatus.RUNNING})
        if archived_keys is None:
            archive = iceberg.ArchiveSide(
                runtime.catalog().load_table(table.iceberg_table), table.snapshot_id, run_id, validated(columns), key
            )
            chunks = archive.keyed_hashes(options.chunk_rows)
        else:
            chunks = archived_keys(table, validated(columns), key, options.chunk_rows)
        status = PurgeStatus.DRY_RUN if options.dry_run else PurgeStatus.DONE
        with source.writer(request.source_schema, table_name, columns, key) as writer, closing(chunks):
            for index, chunk in enumerate(chunks):
                if index < progress.chunks:
                    continue  # committed by an earlier attempt
                if runtime.runs.get(run_id).purge_stop:
                    status = PurgeStatus.STOPPED
                    break
                if options.max_seconds is not None and time.monotonic() - started > options.max_seconds:
                    status = PurgeStatus.TIMED_OUT
                    break
                progress = _purge_chunk(writer, chunk, [kinds[k] for k in key], progress, options.dry_run)
                progress = progress.model_copy(update={"seconds": round(time.monotonic() - started, 3)})
                if not options.dry_run:  # a re-run goes on from here
                    _record(runtime, run_id, table, progress)
                if options.sleep_seconds:
                    sleep(options.sleep_seconds)
    final = progress.model_copy(update={"status": status, "seconds": round(time.monotonic() - started, 3)})
    logger.info("purge of %s in run %s: %s", table_name, run_id, final.model_dump_json())
    return _record(runtime, run_id, table, final)


def _purge_chunk(
    writer: KeyedWriter,
    chunk: list[tuple[tuple[Any, ...], int]],
    key_kinds: list[pa.DataType],
    progress: PurgeResult,
    dry_run: bool,
) -> PurgeResult:
    """Lock the chunk's rows, delete those whose hash is still the archived one, commit."""

    def text(values: Sequence[Any]) -> tuple[str, ...]:
        return tuple(canonical(v, k) for v, k in zip(values, key_kinds, strict=True))

    writer.begin()
    try:
        current = {text(k): h for k, h in writer.locked_hashes([k for k, _ in chunk])}
        matching = [k for k, h in chunk if current.get(text(k)) == h]
        changed = [k for k, h in chunk if text(k) in current and current[text(k)] != h]
        absent = len(chunk) - len(matching) - len(changed)
        if matching and not dry_run:
            writer.delete(matching)
        if dry_run:
            writer.rollback()
        else:
            writer.commit()
    except BaseException:
        writer.rollback()
        raise
    shown = [
        {name: display(t, kind) for name, t, kind in zip(writer.key, text(k), key_kinds, strict=True)} for k in changed
    ]
    statements = progress.statements
    if dry_run and len(statements) < 3 and matching:
        statements = [*statements, f"{writer.delete_statement(len(matching))}  -- {len(matching)} keys"]
    return progress.model_copy(
        update={
            "rows_deleted": progress.rows_deleted + len(matching),
            "rows_left": progress.rows_left + len(changed),
            "rows_absent": progress.rows_absent + absent,
            "left_keys": (progress.left_keys + shown)[:LISTED_KEYS],
            "chunks": progress.chunks + 1,
            "statements": statements,
        }
    )


def _record(runtime: Runtime, run_id: str, table: TableResult, result: PurgeResult) -> TableResult:
    updated = table.model_copy(update={"purge": result})
    runtime.runs.put_table(run_id, updated)
    return updated
