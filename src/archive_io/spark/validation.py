"""The archive read by Spark as one side of a validation, and its keys for the source purge.

The same profile as the single-node engine's archive side (`iceberg.ArchiveSide`: per segment the
checksum triple, per column non-null count, min, max and exact sum), computed by Spark over the
run's rows at its snapshot, so `archive_io.tables.archival.validate_archive` compares it with the
source, bisects and lists the differing rows exactly as for the single-node engine.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, cast

import pyarrow as pa
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import DecimalType, DoubleType, LongType

from archive_io.contracts.runs import TableResult
from archive_io.spark.archive import spark_type, table_name
from archive_io.spark.checksum import naive_micros, row_hash_column, text_column
from archive_io.tables import iceberg
from archive_io.tables.archival import ArchiveView
from archive_io.tables.purge import ArchivedKeys
from archive_io.tables.validation import (
    HashSegments,
    Profile,
    RangeSegments,
    RowImage,
    Segments,
    Side,
    ValidatedColumn,
    aggregate_width,
    profile_of_rows,
)

# the profile query's own columns, named apart from any source column
_SEGMENT, _HASH = "archive_io_segment", "archive_io_hash"


def run_rows(spark: SparkSession, identifier: str, snapshot_id: int | None, run_id: str | None) -> DataFrame:
    """The archive's rows at `snapshot_id` (the current one when None), only `run_id`'s when given."""
    reader = spark.read
    if snapshot_id is not None:
        reader = reader.option("snapshot-id", str(snapshot_id))
    rows = reader.table(table_name(identifier))
    return rows.where(F.col(iceberg.RUN_ID_COLUMN) == run_id) if run_id else rows


def spark_view(spark: SparkSession, identifier: str, snapshot_id: int | None, run_id: str | None) -> ArchiveView:
    """`validate_archive`'s view of an archive read by Spark."""

    def view(columns: Sequence[ValidatedColumn], key: Sequence[str]) -> tuple[Side, pa.Schema]:
        rows = run_rows(spark, identifier, snapshot_id, run_id)
        return SparkArchiveSide(rows, columns, key), to_arrow_schema(rows.schema)

    return view


def table_view(spark: SparkSession, run_id: str) -> Callable[[TableResult], ArchiveView]:
    """`validate_table`'s view: the run's table at the run's snapshot, read by Spark."""

    def view(table: TableResult) -> ArchiveView:
        return spark_view(spark, table.iceberg_table, table.snapshot_id, run_id)

    return view


class SparkArchiveSide:
    """A validation side over a DataFrame of the archive's rows (a column it lacks reads as NULL)."""

    def __init__(self, rows: DataFrame, columns: Sequence[ValidatedColumn], key: Sequence[str]) -> None:
        present = set(rows.columns)
        self.columns = list(columns)
        self._df = rows.select(
            *(
                _ref(c.name) if c.name in present else F.lit(None).cast(spark_type(c.kind)).alias(c.name)
                for c in columns
            )
        )
        fields = {f.name: f for f in self._df.schema.fields}
        self._fields = [fields[c.name] for c in columns]
        self._key = list(key)
        self._key_fields = [fields[k] for k in key]
        self._row_hash = row_hash_column(self._fields)
        kinds = {c.name: c.kind for c in columns}
        self.segments: Segments = HashSegments([kinds[k] for k in key]) if key else Segments()

    def _segment(self, depth: int) -> SparkColumn:
        segments = self.segments
        if isinstance(segments, HashSegments):
            return F.shiftright(row_hash_column(self._key_fields), segments.shift(depth))
        if isinstance(segments, RangeSegments):
            offset = _ref(self._key[0]).cast(LongType()) - F.lit(segments.low)
            return F.shiftright(offset, segments.shift(depth))
        return F.lit(0)

    def key_bounds(self) -> tuple[int | None, int | None]:
        key = _ref(self._key[0])
        row = self._df.agg(F.min(key), F.max(key)).first()
        assert row is not None  # an aggregate without grouping has its one row
        return (None if row[0] is None else int(row[0])), (None if row[1] is None else int(row[1]))

    def profile(self, depth: int, parents: Sequence[int] | None = None, aggregates: bool = True) -> Profile:
        rows = self._df
        if parents is not None and depth > 1:
            rows = rows.where(self._segment(depth - 1).isin([int(p) for p in parents]))
        measured = self.columns if aggregates else []
        outputs = [
            F.count(F.lit(1)),
            F.sum(F.col(_HASH).cast(DecimalType(38, 0))),  # a LONG sum of 60-bit hashes overflows
            F.bit_xor(F.col(_HASH)),
        ]
        for column in measured:
            outputs.append(F.count(_ref(column.name)))
            width = aggregate_width(column.kind)
            if width:
                value = _aggregated(_ref(column.name), column.kind)
                outputs.extend([F.min(value), F.max(value)])
                if width == 3:
                    outputs.append(F.sum(value.cast(DecimalType(38, 0)) if _integer(column.kind) else value))
        grouped = (
            rows.select(self._segment(depth).alias(_SEGMENT), self._row_hash.alias(_HASH), *map(_ref, self._df.columns))
            .groupBy(_SEGMENT)
            .agg(*outputs)
        )
        return profile_of_rows([tuple(r) for r in grouped.collect()], measured, self.segments)

    def rows(self, depth: int, segments: Sequence[int]) -> list[RowImage]:
        texts = [text_column(_ref(f.name), f.dataType) for f in self._fields]
        selected = self._df.where(self._segment(depth).isin([int(s) for s in segments])).select(self._row_hash, *texts)
        return [RowImage(tuple(str(v) for v in row[1:]), int(row[0])) for row in selected.collect()]

    def keyed_hashes(self, chunk_rows: int) -> Generator[list[tuple[tuple[Any, ...], int]]]:
        """The rows as (key values, row hash) in key order, `chunk_rows` at a time; the driver holds one chunk."""
        width = len(self._key)
        ordered = self._df.select(*(_ref(k) for k in self._key), self._row_hash).orderBy(*(_ref(k) for k in self._key))
        chunk: list[tuple[tuple[Any, ...], int]] = []
        for row in ordered.toLocalIterator(prefetchPartitions=True):
            chunk.append((tuple(row[:width]), int(row[width])))
            if len(chunk) == chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def archived_keys(spark: SparkSession, run_id: str) -> ArchivedKeys:
    """`purge_table`'s reader of a run's archived keys and row hashes, by Spark."""

    def read(
        table: TableResult, columns: Sequence[ValidatedColumn], key: Sequence[str], chunk_rows: int
    ) -> Generator[list[tuple[tuple[Any, ...], int]]]:
        rows = run_rows(spark, table.iceberg_table, table.snapshot_id, run_id)
        return SparkArchiveSide(rows, columns, key).keyed_hashes(chunk_rows)

    return read


def _aggregated(value: SparkColumn, kind: pa.DataType) -> SparkColumn:
    """The value min/max/sum run over, as the single-node engine's: floats as DOUBLE, times as integers."""
    if pa.types.is_floating(kind):
        return value.cast(DoubleType())
    if pa.types.is_date(kind):
        return F.unix_date(value)
    if pa.types.is_timestamp(kind):
        return F.unix_micros(value) if cast(pa.TimestampType, kind).tz is not None else naive_micros(value)
    return value


def _integer(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind))


def _ref(name: str) -> SparkColumn:
    return F.col("`" + name.replace("`", "``") + "`")
