"""Source databases behind one protocol, opened from a connection URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from archive_io.contracts.connections import engine_of


@dataclass(frozen=True)
class Column:
    """A source column: its real name, declared type and the Arrow type it is archived as."""

    name: str
    source_type: str
    arrow_type: pa.DataType
    nullable: bool


class Source(Protocol):
    """A relational source: what archival reads from it."""

    #: the sqlglot dialect name used to parse and write SQL for this source
    dialect: str

    def columns(self, schema: str, table: str) -> list[Column]:
        """The table's columns in order; UnknownTableError when it does not exist."""
        ...

    def batches(self, sql: str, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Stream the rows of `sql` as record batches of at most `batch_rows` rows."""
        ...

    def count(self, sql: str) -> int:
        """The number of rows `sql` selects."""
        ...

    def close(self) -> None: ...


def open_source(url: str) -> Source:
    """Open the source a connection URL names."""
    engine = engine_of(url)
    if engine == "sqlite":
        from archive_io.tables.sources.sqlite import SqliteSource

        return SqliteSource.from_url(url)
    raise NotImplementedError(f"{engine} sources are not supported yet")
