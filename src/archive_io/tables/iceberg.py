"""The Iceberg sink: where a source table's archive lives and how a run's rows land in it.

Naming rule: namespace `archive_<source_database>_<source_schema>`, table `<table_name>`,
each lower-cased with every character outside [a-z0-9_] replaced by `_` (Glue and Athena
names are lower case). `sales.public.Orders` is archived as `archive_sales_public.orders`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.expressions import EqualTo
from pyiceberg.table import Table
from pyiceberg.transforms import DayTransform, MonthTransform, TimeTransform, YearTransform

from archive_io.tables.checksum import DuckdbChecksum
from archive_io.tables.validation import SqlSide, ValidatedColumn

RUN_ID_COLUMN = "_archive_run_id"
ARCHIVED_AT_COLUMN = "_archived_at"
LINEAGE_FIELDS = [
    pa.field(RUN_ID_COLUMN, pa.string(), nullable=False),
    pa.field(ARCHIVED_AT_COLUMN, pa.timestamp("us", tz="UTC"), nullable=False),
]
# Snapshot summary and table property keys.
RUN_ID_PROPERTY = "archive-io.run-id"
SOURCE_PROPERTY = "archive-io.source"
SOURCE_SQL_PROPERTY = "archive-io.source-sql"
RETENTION_YEARS_PROPERTY = "archive-io.retention-years"
LEGAL_HOLD_PROPERTY = "archive-io.legal-hold"
RETENTION_UNTIL_PROPERTY = "archive-io.retention-until"

# Arrow bytes per append: bounds the data held in memory at once, whatever the row width.
APPEND_BYTES = 32 * 1024 * 1024


def _normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def namespace_for(source_database: str, source_schema: str) -> str:
    return f"archive_{_normalize(source_database)}_{_normalize(source_schema)}"


def table_identifier(source_database: str, source_schema: str, table_name: str) -> str:
    return f"{namespace_for(source_database, source_schema)}.{_normalize(table_name)}"


def archive_schema(source: pa.Schema) -> pa.Schema:
    """The archive's Arrow schema: the source columns, then the lineage columns."""
    return pa.schema([*source, *LINEAGE_FIELDS])


_TRANSFORMS: dict[str, Callable[[], TimeTransform[Any]]] = {
    "year": YearTransform,
    "month": MonthTransform,
    "day": DayTransform,
}


def ensure_table(
    catalog: Catalog,
    identifier: str,
    schema: pa.Schema,
    properties: dict[str, str],
    partition: tuple[str, str] | None = None,
) -> Table:
    """Load the archive table, or create it, partitioned by (column, year|month|day) when asked.

    Partitioning is decided when the table is created; a later run does not change it.
    """
    namespace, _ = identifier.split(".")
    with contextlib.suppress(NamespaceAlreadyExistsError):
        catalog.create_namespace(namespace)
    with contextlib.suppress(NoSuchTableError):
        return catalog.load_table(identifier)
    try:
        create = catalog.create_table_transaction(identifier, schema=schema, properties=properties)
        if partition:
            column, granularity = partition
            with create.update_spec() as spec:  # in the creating transaction: never half-partitioned
                spec.add_field(column, _TRANSFORMS[granularity](), f"{_normalize(column)}_{granularity}")
        create.commit_transaction()
    except (TableAlreadyExistsError, CommitFailedException):  # another run created it first
        pass
    return catalog.load_table(identifier)


def strengthen_governance(table: Table, retention_years: int, retention_until: str, legal_hold: bool) -> None:
    """A run never shortens a table's retention nor lifts its hold: retention-years is the longest any
    run asked for, retention-until the day the newest rows expire, and a run's legal hold sets the
    table's (only `POST /legal-holds` clears it).
    """
    properties = table.properties
    updates = {}
    if retention_years > int(properties.get(RETENTION_YEARS_PROPERTY, "0")):
        updates[RETENTION_YEARS_PROPERTY] = str(retention_years)
    if retention_until > properties.get(RETENTION_UNTIL_PROPERTY, ""):
        updates[RETENTION_UNTIL_PROPERTY] = retention_until
    if legal_hold and properties.get(LEGAL_HOLD_PROPERTY) != "true":
        updates[LEGAL_HOLD_PROPERTY] = "true"
    if updates:
        with table.transaction() as tx:
            tx.set_properties(updates)


def snapshot_of_run(table: Table, run_id: str) -> int | None:
    """The newest snapshot a run committed, if it committed one (a retried task finds it)."""
    ids = [s.snapshot_id for s in table.snapshots() if s.summary and s.summary.get(RUN_ID_PROPERTY) == run_id]
    return ids[-1] if ids else None


def _chunks(batches: Iterable[pa.RecordBatch], max_bytes: int) -> Iterator[list[pa.RecordBatch]]:
    chunk: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        chunk.append(batch)
        size += batch.nbytes
        if size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def append_run(
    table: Table,
    batches: Iterable[pa.RecordBatch],
    source_schema: pa.Schema,
    run_id: str,
    summary: dict[str, str],
) -> tuple[int, int, int]:
    """Append the batches as one transaction tagged with the run id; (snapshot id, rows, bytes).

    All appends of a run commit together, so a crash leaves no half-visible run.
    """
    target = table.schema().as_arrow()
    archived_at = pa.scalar(datetime.now(UTC), pa.timestamp("us", tz="UTC"))
    rows = nbytes = 0
    properties = {RUN_ID_PROPERTY: run_id, **summary}
    with table.transaction() as tx:
        for chunk in _chunks(batches, APPEND_BYTES):
            data = pa.Table.from_batches(chunk, schema=source_schema)
            n = data.num_rows
            data = data.append_column(LINEAGE_FIELDS[0], pa.array([run_id] * n, pa.string()))
            data = data.append_column(LINEAGE_FIELDS[1], pa.repeat(archived_at, n))
            tx.append(data.cast(target), snapshot_properties=properties)
            rows += n
            nbytes += data.nbytes
    if rows == 0:
        # Nothing to write: still record an empty snapshot so the run is findable and idempotent.
        with table.transaction() as tx:
            tx.append(pa.Table.from_pylist([], schema=target), snapshot_properties=properties)
    table.refresh()
    snapshot = snapshot_of_run(table, run_id)
    if snapshot is None:
        raise RuntimeError(f"run {run_id} committed no snapshot to {table.name()}")
    return snapshot, rows, nbytes


def count_run_rows(catalog: Catalog, identifier: str, snapshot_id: int, run_id: str) -> int:
    """Rows of `run_id` in the archive, read at the snapshot the run committed."""
    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        return 0
    # Called through Any: the pydantic mypy plugin misreads EqualTo's positional constructor.
    run_filter = cast(Any, EqualTo)(RUN_ID_COLUMN, run_id)
    scan = table.scan(row_filter=run_filter, snapshot_id=snapshot_id, selected_fields=(RUN_ID_COLUMN,))
    return sum(batch.num_rows for batch in scan.to_arrow_batch_reader())


def snapshot_schema(table: Table, snapshot_id: int) -> pa.Schema:
    """The Arrow schema of the table as it was at a snapshot."""
    snapshot = table.snapshot_by_id(snapshot_id)
    if snapshot is None:
        raise ValueError(f"{table.name()} has no snapshot {snapshot_id}")
    schemas = table.schemas()
    schema = schemas[snapshot.schema_id] if snapshot.schema_id is not None else table.schema()
    return schema.as_arrow()


class ArchiveSide(SqlSide):
    """The archive as a validation side: DuckDB over the Arrow batches of an Iceberg scan.

    Each query scans anew (a reader is read once), pinned to `snapshot_id` and, in a run, to the
    run's rows; memory stays bounded by DuckDB's streaming over the batches.
    """

    def __init__(
        self,
        table: Table,
        snapshot_id: int | None,
        run_id: str | None,
        columns: Sequence[ValidatedColumn],
        key: Sequence[str],
    ) -> None:
        import duckdb

        present = {f.name for f in (snapshot_schema(table, snapshot_id) if snapshot_id else table.schema().as_arrow())}
        self._selected = tuple(c.name for c in columns if c.name in present)
        self._table, self._snapshot_id, self._run_id = table, snapshot_id, run_id
        self._duckdb = duckdb.connect()
        self._lock = threading.Lock()
        sql = DuckdbChecksum()
        # a column the archive lacks reads as NULL: its checksum then differs, and the schema check says why
        missing = [f"NULL AS {sql.quote(c.name)}" for c in columns if c.name not in present]
        relation = f"(SELECT *{''.join(', ' + m for m in missing)} FROM archive_io_archive) AS archive_io_a"
        super().__init__(sql, self._query, relation, columns, key=key)

    @contextlib.contextmanager
    def _archive_rows(self) -> Iterator[None]:
        """`archive_io_archive` is a fresh scan of the archive's rows while inside (one query at a time)."""
        row_filter = cast(Any, EqualTo)(RUN_ID_COLUMN, self._run_id) if self._run_id else None
        scan = self._table.scan(
            **({"row_filter": row_filter} if row_filter is not None else {}),
            snapshot_id=self._snapshot_id,
            selected_fields=self._selected or ("*",),
        )
        with self._lock:
            self._duckdb.register("archive_io_archive", scan.to_arrow_batch_reader())
            try:
                yield
            finally:
                self._duckdb.abort()  # a consumer that stopped early leaves its result unfinished
                self._duckdb.unregister("archive_io_archive")

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._archive_rows():
            return self._duckdb.execute(sql).fetchall()

    def keyed_hashes(self, chunk_rows: int) -> Generator[list[tuple[tuple[Any, ...], int]]]:
        """The archived rows as (key values, row hash), in key order, `chunk_rows` at a time."""
        keys = ", ".join(self._key_refs)
        sql = f"SELECT {keys}, {self._row_hash} FROM {self._relation} ORDER BY {keys}"
        width = len(self._key_refs)
        with self._archive_rows():
            result = self._duckdb.execute(sql)
            while rows := result.fetchmany(chunk_rows):
                yield [(tuple(row[:width]), int(row[width])) for row in rows]
