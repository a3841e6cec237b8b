"""Source databases behind one protocol, opened from a connection URL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

import pyarrow as pa
import sqlglot
from sqlglot import exp

from archive_io.contracts.connections import engine_of

if TYPE_CHECKING:
    from archive_io.tables.purge import KeyedWriter
    from archive_io.tables.validation import Side, ValidatedColumn


@dataclass(frozen=True)
class Column:
    """A source column: its real name, declared type and the Arrow type it is archived as.

    `as_text` columns are read as text and cast in Arrow, where a driver would lose meaning
    (connectorx's decimal(38,10), ADBC's opaque numeric, uuid bytes, enum labels).
    """

    name: str
    source_type: str
    arrow_type: pa.DataType
    nullable: bool
    as_text: bool = False


def validated(columns: Sequence[Column]) -> list[ValidatedColumn]:
    """Columns as validation reads them: the canonical text follows the type they are archived as."""
    from archive_io.tables.validation import ValidatedColumn

    return [ValidatedColumn(c.name, c.arrow_type, c.source_type) for c in columns]


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in columns])


def extraction_sql(planned_sql: str, columns: Sequence[Column], dialect: str) -> str:
    """The planned SELECT wrapped so `as_text` columns arrive as text: `SELECT ... FROM (planned) AS q`."""
    projection = [
        exp.cast(exp.column(c.name, quoted=True), exp.DataType.build("TEXT")).as_(c.name, quoted=True)
        if c.as_text
        else exp.column(c.name, quoted=True)
        for c in columns
    ]
    inner = cast(exp.Query, sqlglot.parse_one(planned_sql, read=dialect)).subquery("archive_io_q")
    return exp.select(*projection).from_(inner).sql(dialect=dialect)


def cast_batches(reader: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Each batch cast to the archive's types; a value that does not fit fails naming its column."""
    for batch in reader:
        arrays = []
        for i, field in enumerate(schema):
            column = batch.column(i)
            if isinstance(column.type, pa.ExtensionType):
                column = column.storage
            if column.type != field.type:
                try:
                    column = column.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValueError(
                        f"column {field.name!r}: cannot convert {column.type} to {field.type}: {exc}"
                    ) from None
            arrays.append(column)
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class TableStatistics:
    """A table's size as the source's own statistics estimate it, without scanning it."""

    rows: int | None  # None: the statistics do not know (a table never analyzed)
    bytes: int | None  # data and indexes
    method: str  # where the numbers come from, said in the run record


class Source(Protocol):
    """A relational source: what archival reads from it."""

    #: the sqlglot dialect name used to parse and write SQL for this source
    dialect: str

    def columns(self, schema: str, table: str) -> list[Column]:
        """The table's columns in order; UnknownTableError when it does not exist."""
        ...

    def batches(self, sql: str, columns: Sequence[Column], batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Stream the rows of `sql` (which selects `columns`) as record batches of `arrow_schema(columns)`."""
        ...

    def count(self, sql: str) -> int:
        """The number of rows `sql` selects."""
        ...

    def statistics(self, schema: str, table: str) -> TableStatistics:
        """The table's estimated rows and bytes, from the catalog's statistics (no scan of the table)."""
        ...

    def privileges(self, schema: str, table: str) -> dict[str, bool]:
        """Whether this login may SELECT (archive) and DELETE (purge) the table, checked without changing it."""
        ...

    def primary_key(self, schema: str, table: str) -> list[str]:
        """The primary key's columns in key order; empty when the table has none."""
        ...

    def snapshot(self) -> AbstractContextManager[str]:
        """Within it, the extraction and the validation profile read one snapshot where the database can.

        It yields how the validation profile relates to the extraction, said for the report.
        """
        ...

    def validation_side(self, sql: str, columns: Sequence[Column], key: Sequence[str]) -> Side:
        """The rows of `sql` as one side of a validation (checksums computed by the database itself)."""
        ...

    def writer(
        self, schema: str, table: str, columns: Sequence[Column], key: Sequence[str]
    ) -> AbstractContextManager[KeyedWriter]:
        """Locks, hashes and deletes the table's rows by key, for the source purge."""
        ...

    def close(self) -> None: ...


SourceOpener = Callable[[str], Source]


def open_source(url: str) -> Source:
    """Open the source a connection URL names."""
    engine = engine_of(url)
    if engine == "sqlite":
        from archive_io.tables.sources.sqlite import SqliteSource

        return SqliteSource.from_url(url)
    if engine == "postgresql":
        from archive_io.tables.sources.postgres import PostgresSource

        return PostgresSource(url)
    from archive_io.tables.sources.mysql import MysqlSource

    return MysqlSource(url)
