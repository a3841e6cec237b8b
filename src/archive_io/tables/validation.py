"""Validation: prove an archive equals its source, and say exactly where it does not.

Each side (the source database, the archive read through DuckDB) computes a *profile* in one
scan: per key segment the checksum triple, and per column the null count, min, max and sum.
Equal profiles pass. Segments whose triples differ are split again (1024-way) until they hold
few enough rows to fetch; their rows are then compared by primary key: missing in the archive,
extra, duplicated, or changed with the columns that differ. A segment is a range of a single
integer key (found through its index), else a bucket of the hash of the key's canonical text
(the same in every engine, whatever its collation).

The source side of an archival run is profiled at extraction time, in the extraction's snapshot
where the database gives one (see `Source.snapshot`), so rows changed in the source afterwards
cannot be taken for archive corruption: where rows differ, the current source is compared with
what the extraction saw, and a change is reported as such.
"""

from __future__ import annotations

import json
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa

from archive_io.contracts.runs import (
    Aggregates,
    Checksum,
    ColumnComparison,
    DifferenceKind,
    RowDifference,
    SchemaDifference,
    Validation,
    ValueDifference,
    Verdict,
)
from archive_io.tables.checksum import (
    HASH_BITS,
    NULL_TEXT,
    SEGMENT_BITS,
    ChecksumSql,
    Triple,
    canonical,
    segment_of,
    text_hash,
)

# Rows fetched per side to list differences; beyond it, segments are split once more.
FETCH_ROWS = 200_000
# Differing rows, and columns of each, kept in the run record and the report (the counts are exact):
# bounded so that a run's record stays well inside DynamoDB's 400 KB item.
LISTED_ROWS = 20
LISTED_COLUMNS = 10
_DISPLAY_CHARS = 120


@dataclass(frozen=True)
class ValidatedColumn:
    """A column as validation sees it: its name and the archive type that decides its canonical text."""

    name: str
    kind: pa.DataType
    source_type: str = ""


@dataclass
class Profile:
    """One side's checksums per segment (depth 1), and its per-column aggregates (as text)."""

    segments: dict[int, Triple]
    columns: dict[str, dict[str, str | None]] = field(default_factory=dict)
    scheme: dict[str, Any] = field(default_factory=lambda: {"kind": "none"})

    @property
    def total(self) -> Triple:
        return sum(self.segments.values(), Triple())

    def to_json(self) -> str:
        return json.dumps(
            {
                "scheme": self.scheme,
                "segments": {str(s): [t.count, str(t.sum), t.xor] for s, t in self.segments.items()},
                "columns": self.columns,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Profile:
        data = json.loads(text)
        segments = {int(s): Triple(int(c), int(total), int(x)) for s, (c, total, x) in data["segments"].items()}
        return cls(segments, data["columns"], data["scheme"])


@dataclass(frozen=True)
class RowImage:
    """A row as both sides can give it: canonical texts of its columns and its hash."""

    texts: tuple[str, ...]
    hash: int


class Side(Protocol):
    """One side of a comparison: a relation it can profile and fetch rows of, cut by `segments`."""

    segments: Segments

    def key_bounds(self) -> tuple[int | None, int | None]:
        """The least and greatest value of the (single, integer) key."""
        ...

    def profile(self, depth: int, parents: Sequence[int] | None = None, aggregates: bool = True) -> Profile:
        """Checksums per segment at `depth` (within segments `parents` of depth - 1 when given)."""
        ...

    def rows(self, depth: int, segments: Sequence[int]) -> list[RowImage]:
        """The rows of the segments at `depth`."""
        ...


# --- segments -----------------------------------------------------------------------------------


class Segments:
    """How rows are cut into segments, each level splitting a segment of the level above 1024-way.

    A segment at depth d is a prefix of a per-row number (`shift(d)` bits dropped), so a segment's
    parent is a shorter prefix. Both sides of a comparison must use the same Segments.
    """

    kind = "none"
    max_depth = 1

    def shift(self, depth: int) -> int:
        return 0

    def parent(self, segment: int, depth: int) -> int:
        """The depth-1 segment that a segment at `depth` lies in."""
        return segment >> (self.shift(1) - self.shift(depth))

    def sql(self, g: ChecksumSql, refs: Sequence[str], depth: int) -> str:
        return "0"

    def sql_within(self, g: ChecksumSql, refs: Sequence[str], depth: int, segments: Sequence[int]) -> str:
        return "1 = 1"

    def of(self, key_texts: Sequence[str], depth: int) -> int:
        return 0

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind}


class HashSegments(Segments):
    """Segments by the hash of the key's canonical text: the same in every engine, whatever its collation."""

    kind = "hash"
    max_depth = HASH_BITS // SEGMENT_BITS

    def __init__(self, kinds: Sequence[pa.DataType]) -> None:
        self.kinds = list(kinds)

    def shift(self, depth: int) -> int:
        return HASH_BITS - SEGMENT_BITS * depth

    def sql(self, g: ChecksumSql, refs: Sequence[str], depth: int) -> str:
        key_hash = g.hash(g.row_text([(ref, kind, "") for ref, kind in zip(refs, self.kinds, strict=True)]))
        return g.shift(key_hash, self.shift(depth))

    def sql_within(self, g: ChecksumSql, refs: Sequence[str], depth: int, segments: Sequence[int]) -> str:
        return f"{self.sql(g, refs, depth)} IN ({', '.join(str(s) for s in segments)})"

    def of(self, key_texts: Sequence[str], depth: int) -> int:
        return segment_of(text_hash("|".join(key_texts)), depth)


class RangeSegments(Segments):
    """Segments by ranges of a single integer key: found by the key's index, no hash to compute."""

    kind = "range"

    def __init__(self, low: int, bits: int) -> None:
        self.low, self.bits = low, bits
        self.max_depth = max(1, -(-bits // SEGMENT_BITS))

    def shift(self, depth: int) -> int:
        return max(0, self.bits - SEGMENT_BITS * depth)

    def sql(self, g: ChecksumSql, refs: Sequence[str], depth: int) -> str:
        return g.shift(f"({g.as_bigint(refs[0])} - {self.low})", self.shift(depth))

    def sql_within(self, g: ChecksumSql, refs: Sequence[str], depth: int, segments: Sequence[int]) -> str:
        shift = self.shift(depth)
        ranges = []
        for first, last in _runs(sorted(segments)):
            ranges.append(f"{refs[0]} BETWEEN {self.low + (first << shift)} AND {self.low + ((last + 1) << shift) - 1}")
        return "(" + " OR ".join(ranges) + ")"

    def of(self, key_texts: Sequence[str], depth: int) -> int:
        return (int(key_texts[0]) - self.low) >> self.shift(depth)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "low": self.low, "bits": self.bits}


def _runs(numbers: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs of sorted numbers as (first, last)."""
    start = prev = None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:  # type: ignore[operator]
            prev = n
        else:
            yield start, prev  # type: ignore[misc]
            start = prev = n
    if start is not None:
        yield start, prev  # type: ignore[misc]


def segments_from_json(data: dict[str, Any], key_kinds: Sequence[pa.DataType]) -> Segments:
    if data["kind"] == "range":
        return RangeSegments(int(data["low"]), int(data["bits"]))
    if data["kind"] == "hash":
        return HashSegments(key_kinds)
    return Segments()


def plan_segments(side: Side, key: Sequence[str], columns: Sequence[ValidatedColumn]) -> Segments:
    """Range segments for a single integer key (its bounds read from `side`), else hashes of the key."""
    if not key:
        return Segments()
    kinds = [next(c.kind for c in columns if c.name == k) for k in key]
    if len(key) == 1 and pa.types.is_integer(kinds[0]):
        low, high = side.key_bounds()
        if low is None or high is None:
            return RangeSegments(0, 0)
        return RangeSegments(low, (high - low).bit_length())
    return HashSegments(kinds)


# --- sides --------------------------------------------------------------------------------------


def _numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_floating(kind))


def _summable(kind: pa.DataType) -> bool:
    # a float sum depends on the order of addition, so no two engines need agree on it
    return bool(pa.types.is_integer(kind) or pa.types.is_decimal(kind))


def _default_segments(columns: Sequence[ValidatedColumn], key: Sequence[str]) -> Segments:
    kinds = {c.name: c.kind for c in columns}
    return HashSegments([kinds[k] for k in key]) if key else Segments()


class ParallelScan(Protocol):
    """A relation cut in parts that together hold each of its rows once, and a way to query them all at once."""

    def relations(self) -> list[str]: ...

    def run(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]: ...


def aggregate_width(kind: pa.DataType) -> int:
    """How many aggregates a profile has for a column besides its non-null count: min and max, and
    the sum where it is exact; none for text, binary, lists and booleans."""
    if not (_numeric(kind) or pa.types.is_temporal(kind)):
        return 0
    return 3 if _summable(kind) else 2


def profile_of_rows(
    results: Iterable[Sequence[Any]], columns: Sequence[ValidatedColumn], segments: Segments
) -> Profile:
    """A profile from a profile query's rows: `(segment, count, sum, xor)`, then per column of
    `columns` its non-null count and `aggregate_width` aggregates (min, max[, sum]), as text."""
    triples: dict[int, Triple] = defaultdict(Triple)
    per_column: dict[str, list[dict[str, str | None]]] = defaultdict(list)
    for row in results:  # a segment may come from several parts: its triples add up
        triples[int(row[0])] += Triple(int(row[1]), int(row[2] or 0), int(row[3] or 0))
        at = 4
        for column in columns:
            width = aggregate_width(column.kind)
            values = [None if v is None else str(v) for v in row[at + 1 : at + 1 + width]]
            per_column[column.name].append(
                {"nonnull": str(row[at]), **dict(zip(("min", "max", "sum"), values, strict=False))}
            )
            at += 1 + width
    combined = {c.name: _combine(c.kind, per_column[c.name], triples) for c in columns}
    return Profile(dict(triples), combined, segments.to_json())


class SqlSide:
    """A side computed by a SQL engine (PostgreSQL, MySQL/MariaDB, DuckDB) over `relation`.

    With `parallel`, a whole-relation profile is computed over its parts at once (a database
    computes one grouped query on one core).
    """

    def __init__(
        self,
        sql: ChecksumSql,
        run: Callable[[str], list[tuple[Any, ...]]],
        relation: str,
        columns: Sequence[ValidatedColumn],
        *,
        key: Sequence[str],
        parallel: ParallelScan | None = None,
    ) -> None:
        self.sql = sql
        self._run = run
        self._relation = relation
        self._parallel = parallel
        self.columns = list(columns)
        self._refs = {c.name: sql.quote(c.name) for c in columns}
        self._key_refs = [self._refs[k] for k in key]
        self._row_hash = sql.hash(sql.row_text([(self._refs[c.name], c.kind, c.source_type) for c in columns]))
        self.segments = _default_segments(columns, key)

    def _segment(self, depth: int) -> str:
        return self.segments.sql(self.sql, self._key_refs, depth)

    def _where(self, depth: int, segments: Sequence[int] | None) -> str:
        if segments is None:
            return ""
        return f" WHERE {self.segments.sql_within(self.sql, self._key_refs, depth, segments)}"

    def key_bounds(self) -> tuple[int | None, int | None]:
        key = self._key_refs[0]
        ((low, high),) = self._run(
            f"SELECT {self.sql.as_text(f'MIN({key})')}, {self.sql.as_text(f'MAX({key})')} FROM {self._relation}"
        )
        return (None if low is None else int(low)), (None if high is None else int(high))

    def profile(self, depth: int, parents: Sequence[int] | None = None, aggregates: bool = True) -> Profile:
        sql = self.sql
        inner = [f"{self._row_hash} AS h", f"{self._segment(depth)} AS seg"]
        outer = ["seg", "COUNT(*)", sql.as_text(sql.sum("h")), sql.as_text(sql.bit_xor("h"))]
        if aggregates:
            for i, column in enumerate(self.columns):
                ref = self._refs[column.name]
                inner.append(f"{ref} AS n{i}")
                outer.append(f"COUNT(n{i})")
                value = self._aggregated(ref, column)
                if value is None:
                    continue
                inner.append(f"{value} AS v{i}")
                outer.extend([sql.as_text(f"MIN(v{i})"), sql.as_text(f"MAX(v{i})")])
                if _summable(column.kind):
                    outer.append(sql.as_text(f"SUM(v{i})"))
        within = self._where(depth - 1, parents) if depth > 1 else ""

        def query(relation: str) -> str:
            return (
                f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {relation}{within}{sql.fence})"
                " AS archive_io_p GROUP BY seg"
            )

        if self._parallel is not None and parents is None:
            results = [
                row for rows in self._parallel.run([query(r) for r in self._parallel.relations()]) for row in rows
            ]
        else:
            results = self._run(query(self._relation))
        return profile_of_rows(results, self.columns if aggregates else [], self.segments)

    def _aggregated(self, ref: str, column: ValidatedColumn) -> str | None:
        """The value min/max/sum run over, or None where they do not apply (text, binary, lists, booleans)."""
        if pa.types.is_floating(column.kind):
            return f"CAST({ref} AS {'float8' if self.sql.name == 'postgres' else 'DOUBLE'})"
        if _numeric(column.kind):
            return ref
        if pa.types.is_temporal(column.kind):
            return self.sql.epoch_value(ref, column.kind, column.source_type)
        return None

    def rows(self, depth: int, segments: Sequence[int]) -> list[RowImage]:
        sql = self.sql
        texts = [sql.text(self._refs[c.name], c.kind, c.source_type) for c in self.columns]
        query = f"SELECT {self._row_hash}, {', '.join(texts)} FROM {self._relation}{self._where(depth, segments)}"
        return [RowImage(tuple(_str(v) for v in row[1:]), int(row[0])) for row in self._run(query)]


class PythonSide:
    """A side computed in Python over Arrow batches (the SQLite source, and the reference in tests)."""

    def __init__(
        self,
        batches: Callable[[], Iterable[pa.RecordBatch]],
        columns: Sequence[ValidatedColumn],
        key: Sequence[str],
    ) -> None:
        self._batches = batches
        self.columns = list(columns)
        names = [c.name for c in columns]
        self._key_at = [names.index(k) for k in key]
        self.segments = _default_segments(columns, key)

    def _images(self) -> Iterator[tuple[RowImage, tuple[Any, ...]]]:
        kinds = [c.kind for c in self.columns]
        for batch in self._batches():
            for row in zip(*(batch.column(i).to_pylist() for i in range(batch.num_columns)), strict=True):
                texts = tuple(canonical(v, k) for v, k in zip(row, kinds, strict=True))
                yield RowImage(texts, text_hash("|".join(texts))), row

    def _segment(self, image: RowImage, depth: int) -> int:
        return self.segments.of([image.texts[i] for i in self._key_at], depth)

    def key_bounds(self) -> tuple[int | None, int | None]:
        keys = [
            int(image.texts[self._key_at[0]])
            for image, _ in self._images()
            if image.texts[self._key_at[0]] != NULL_TEXT
        ]
        return (min(keys), max(keys)) if keys else (None, None)

    def profile(self, depth: int, parents: Sequence[int] | None = None, aggregates: bool = True) -> Profile:
        hashes: dict[int, list[int]] = defaultdict(list)
        values: list[list[Any]] = [[] for _ in self.columns]
        nonnull = [0] * len(self.columns)
        for image, row in self._images():
            if parents is not None and depth > 1 and self._segment(image, depth - 1) not in parents:
                continue
            hashes[self._segment(image, depth)].append(image.hash)
            for i, value in enumerate(row):
                if value is not None:
                    nonnull[i] += 1
                    values[i].append(value)
        segments = {s: Triple.of(h) for s, h in hashes.items()}
        columns: dict[str, dict[str, str | None]] = {}
        if aggregates:
            for i, column in enumerate(self.columns):
                columns[column.name] = _python_aggregates(column.kind, values[i], nonnull[i], segments)
        return Profile(segments, columns, self.segments.to_json())

    def rows(self, depth: int, segments: Sequence[int]) -> list[RowImage]:
        wanted = set(segments)
        return [image for image, _ in self._images() if self._segment(image, depth) in wanted]


def _python_aggregates(
    kind: pa.DataType, values: list[Any], nonnull: int, segments: dict[int, Triple]
) -> dict[str, str | None]:
    rows = sum(t.count for t in segments.values())
    out: dict[str, str | None] = {"nulls": str(rows - nonnull)}
    if not (_numeric(kind) or pa.types.is_temporal(kind)):
        return out
    as_values = [_aggregate_value(kind, canonical(v, kind)) for v in values]
    out["min"] = _text_of(min(as_values)) if as_values else None
    out["max"] = _text_of(max(as_values)) if as_values else None
    if _summable(kind):
        out["sum"] = _text_of(sum(as_values)) if as_values else None
    return out


def _aggregate_value(kind: pa.DataType, text: str) -> Any:
    if pa.types.is_floating(kind):
        return float(text)
    if pa.types.is_decimal(kind):
        return Decimal(text)
    return int(text)


def _text_of(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _combine(
    kind: pa.DataType, parts: list[dict[str, str | None]], segments: dict[int, Triple]
) -> dict[str, str | None]:
    """One column's aggregates over all segments, from each segment's."""
    rows = sum(t.count for t in segments.values())
    out: dict[str, str | None] = {"nulls": str(rows - sum(int(p["nonnull"] or 0) for p in parts))}
    for name, pick in (("min", min), ("max", max), ("sum", sum)):
        values = [_aggregate_value(kind, str(p[name])) for p in parts if p.get(name) is not None]
        if any(name in p for p in parts):
            out[name] = _text_of(pick(values)) if values else None
    return out


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- comparison ---------------------------------------------------------------------------------


def compare_schemas(source: Sequence[ValidatedColumn], archive: pa.Schema) -> list[SchemaDifference]:
    """Names, types (precision and scale included) and nullability of the archived columns."""
    differences = []
    archived = {f.name: f for f in archive}
    for column in source:
        target = archived.get(column.name)
        if target is None:
            differences.append(
                SchemaDifference(column=column.name, source=type_name(column.kind), archive="absent", blocking=True)
            )
            continue
        if type_name(column.kind) != type_name(target.type):
            differences.append(
                SchemaDifference(
                    column=column.name, source=type_name(column.kind), archive=type_name(target.type), blocking=True
                )
            )
    return differences


def compare_nullability(source: Sequence[tuple[str, bool]], archive: pa.Schema) -> list[SchemaDifference]:
    """A nullable source column archived as required would refuse a NULL: blocking; the reverse is a note."""
    archived = {f.name: f for f in archive}
    differences = []
    for name, nullable in source:
        target = archived.get(name)
        if target is None or target.nullable == nullable:
            continue
        differences.append(
            SchemaDifference(
                column=name,
                source="nullable" if nullable else "not null",
                archive="optional" if target.nullable else "required",
                blocking=nullable and not target.nullable,
            )
        )
    return differences


def type_name(kind: pa.DataType) -> str:
    """The Iceberg name of an Arrow type, as the archive's catalog shows it."""
    if pa.types.is_int32(kind) or pa.types.is_int16(kind) or pa.types.is_int8(kind):
        return "int"
    if pa.types.is_int64(kind):
        return "long"
    if pa.types.is_float32(kind):
        return "float"
    if pa.types.is_float64(kind):
        return "double"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision}, {kind.scale})"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "binary"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_time(kind):
        return "time"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz else "timestamp"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{type_name(kind.value_type)}>"
    return str(kind)


def display(text: str, kind: pa.DataType) -> str:
    """A canonical text as a person reads it: quoted strings, ISO dates and times."""
    if text == NULL_TEXT:
        return "NULL"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        shown = json.dumps(text.split(":", 1)[1], ensure_ascii=False)
    elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        shown = "0x" + text
    elif pa.types.is_timestamp(kind):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(text))
        shown = moment.isoformat(sep=" ") if kind.tz else moment.replace(tzinfo=None).isoformat(sep=" ")
    elif pa.types.is_date(kind):
        shown = (date(1970, 1, 1) + timedelta(days=int(text))).isoformat()
    elif pa.types.is_time(kind):
        shown = (datetime(1970, 1, 1) + timedelta(microseconds=int(text))).time().isoformat()
    else:
        shown = text
    return shown if len(shown) <= _DISPLAY_CHARS else shown[: _DISPLAY_CHARS - 1] + "…"


def _display_aggregate(value: str | None, kind: pa.DataType) -> str | None:
    if value is None:
        return None
    if pa.types.is_temporal(kind):
        return display(value, kind)
    return value


def compare_columns(columns: Sequence[ValidatedColumn], source: Profile, archive: Profile) -> list[ColumnComparison]:
    out = []
    for column in columns:
        s, a = source.columns.get(column.name, {}), archive.columns.get(column.name, {})
        matches = all(_same(column.kind, s.get(k), a.get(k)) for k in ("nulls", "min", "max", "sum"))
        out.append(
            ColumnComparison(
                column=column.name,
                type=type_name(column.kind),
                source=_aggregates(s, column.kind),
                archive=_aggregates(a, column.kind),
                matches=matches,
            )
        )
    return out


def _same(kind: pa.DataType, left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is right
    if _numeric(kind) or pa.types.is_temporal(kind):
        return bool(_aggregate_value(kind, left) == _aggregate_value(kind, right)) or (left == right)
    return left == right


def _aggregates(values: dict[str, str | None], kind: pa.DataType) -> Aggregates:
    return Aggregates(
        nulls=int(values.get("nulls") or 0),
        min=_display_aggregate(values.get("min"), kind),
        max=_display_aggregate(values.get("max"), kind),
        sum=values.get("sum"),
    )


@dataclass
class Localization:
    """The differing rows, by key, and what was learned on the way."""

    differences: list[RowDifference] = field(default_factory=list)
    counts: Counter[DifferenceKind] = field(default_factory=Counter)
    source_changed: bool = False


def localize(
    source: Side,
    archive: Side,
    *,
    columns: Sequence[ValidatedColumn],
    key: Sequence[str],
    source_profile: Profile,
    archive_profile: Profile,
    extraction_profile: Profile | None = None,
) -> Localization:
    """List the rows that differ, splitting differing segments until few enough rows remain to fetch.

    `source_profile` is what the archive must equal (at extraction time in a run); `source` is the
    source as it is now. With `extraction_profile` given, a differing segment whose rows changed
    in the source since the extraction is reported as a source change.
    """
    scheme = source.segments
    depth = 1
    differing = _differing(source_profile.segments, archive_profile.segments)
    current_source = source_profile.segments if extraction_profile is None else None
    while depth < scheme.max_depth and _rows_in(differing, source_profile, archive_profile) > FETCH_ROWS:
        parents = differing
        source_level = source.profile(depth + 1, parents, aggregates=False)
        archive_level = archive.profile(depth + 1, parents, aggregates=False)
        if current_source is None:  # the first look at the source as it is now, over whole depth-1 segments
            current_source = _roll_up(scheme, source_level.segments, depth + 1)
        source_profile, archive_profile = source_level, archive_level
        differing = _differing(source_level.segments, archive_level.segments)
        depth += 1
    source_rows = source.rows(depth, differing) if differing else []
    archive_rows = archive.rows(depth, differing) if differing else []
    result = Localization()
    if current_source is None:  # depth 1: the fetched rows are whole depth-1 segments
        current_source = _segments_of(scheme, source_rows, columns, key)
    if extraction_profile is not None:
        touched = {scheme.parent(s, depth) for s in differing}
        result.source_changed = any(
            current_source.get(s, Triple()) != extraction_profile.segments.get(s, Triple()) for s in touched
        )
    _diff_rows(source_rows, archive_rows, columns, key, result)
    return result


def _roll_up(scheme: Segments, segments: dict[int, Triple], depth: int) -> dict[int, Triple]:
    rolled: dict[int, Triple] = defaultdict(Triple)
    for s, t in segments.items():
        rolled[scheme.parent(s, depth)] += t
    return dict(rolled)


def _segments_of(
    scheme: Segments, rows: list[RowImage], columns: Sequence[ValidatedColumn], key: Sequence[str]
) -> dict[int, Triple]:
    names = [c.name for c in columns]
    at = [names.index(k) for k in key]
    hashes: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        hashes[scheme.of([row.texts[i] for i in at], 1)].append(row.hash)
    return {s: Triple.of(h) for s, h in hashes.items()}


def _differing(source: dict[int, Triple], archive: dict[int, Triple]) -> list[int]:
    return sorted(s for s in source.keys() | archive.keys() if source.get(s) != archive.get(s))


def _rows_in(segments: Iterable[int], source: Profile, archive: Profile) -> int:
    return max(
        sum(source.segments.get(s, Triple()).count for s in segments),
        sum(archive.segments.get(s, Triple()).count for s in segments),
    )


def _diff_rows(
    source_rows: list[RowImage],
    archive_rows: list[RowImage],
    columns: Sequence[ValidatedColumn],
    key: Sequence[str],
    result: Localization,
) -> None:
    names = [c.name for c in columns]
    at = [names.index(k) for k in key]

    def by_key(rows: list[RowImage]) -> dict[tuple[str, ...], list[RowImage]]:
        grouped: dict[tuple[str, ...], list[RowImage]] = defaultdict(list)
        for row in rows:
            grouped[tuple(row.texts[i] for i in at)].append(row)
        return grouped

    source_keys, archive_keys = by_key(source_rows), by_key(archive_rows)
    for key_texts in sorted(source_keys.keys() | archive_keys.keys()):
        s, a = source_keys.get(key_texts, []), archive_keys.get(key_texts, [])
        if Counter(r.hash for r in s) == Counter(r.hash for r in a):
            continue
        shown_key = {k: display(t, columns[i].kind) for k, i, t in zip(key, at, key_texts, strict=True)}
        changed: list[ValueDifference] = []
        if not a:
            kind = DifferenceKind.MISSING
        elif not s:
            kind = DifferenceKind.EXTRA
        elif len(a) > len(s) and {r.hash for r in a} <= {r.hash for r in s}:
            kind = DifferenceKind.DUPLICATED
        else:
            kind = DifferenceKind.CHANGED
            changed = [
                ValueDifference(column=c.name, source=display(x, c.kind), archive=display(y, c.kind))
                for c, x, y in zip(columns, s[0].texts, a[0].texts, strict=True)
                if x != y
            ]
        result.counts[kind] += 1
        if len(result.differences) < LISTED_ROWS:
            result.differences.append(
                RowDifference(
                    kind=kind, key=shown_key, columns=changed[:LISTED_COLUMNS], columns_differing=len(changed)
                )
            )


# --- the verdict --------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Everything needed to judge one table: both sides, their profiles, and how the source was read."""

    columns: list[ValidatedColumn]
    key: list[str]
    source: Side
    archive: Side
    source_profile: Profile
    archive_profile: Profile
    schema_differences: list[SchemaDifference]
    source_read: str
    extraction_profile: Profile | None = None
    source_seconds: float | None = None
    archive_seconds: float | None = None


def judge(comparison: Comparison, started: float) -> Validation:
    """The verdict and its reasons, with the differing rows listed where a key allows."""
    c = comparison
    source_total, archive_total = c.source_profile.total, c.archive_profile.total
    reasons = [
        f"schema: column {d.column!r} is {d.source} in the source, {d.archive} in the archive"
        for d in c.schema_differences
        if d.blocking
    ]
    if source_total.count != archive_total.count:
        reasons.append(f"row count differs: source {source_total.count}, archive {archive_total.count}")
    columns = compare_columns(c.columns, c.source_profile, c.archive_profile)
    for col in columns:
        if not col.matches:
            shown = [
                f"{name} {getattr(col.source, name)} vs {getattr(col.archive, name)}"
                for name in ("nulls", "min", "max", "sum")
                if getattr(col.source, name) != getattr(col.archive, name)
            ]
            reasons.append(f"column {col.column!r}: {', '.join(shown) or 'aggregates differ'} (source vs archive)")
    localization = Localization()
    localized = bool(c.key)
    if source_total != archive_total:
        reasons.append("checksum differs")
        if c.key:
            localization = localize(
                c.source,
                c.archive,
                columns=c.columns,
                key=c.key,
                source_profile=c.source_profile,
                archive_profile=c.archive_profile,
                extraction_profile=c.extraction_profile,
            )
            counts = localization.counts
            found = ", ".join(f"{n} {kind.value}" for kind, n in counts.items() if n)
            reasons.append(f"differing rows by key: {found or 'none listed'}")
        else:
            reasons.append("the table has no primary key: the differing rows cannot be localized")
        if localization.source_changed:
            reasons.append(
                "the source changed after the extraction in the differing segments: the rows listed compare "
                "the archive with the source as it is now, so some may be source changes, not archive errors"
            )
    return Validation(
        verdict=Verdict.FAILED if reasons else Verdict.PASSED,
        source_rows=source_total.count,
        archive_rows=archive_total.count,
        source_checksum=Checksum(count=source_total.count, sum=source_total.sum, xor=source_total.xor),
        archive_checksum=Checksum(count=archive_total.count, sum=archive_total.sum, xor=archive_total.xor),
        key_columns=c.key,
        source_read=c.source_read,
        source_changed=localization.source_changed,
        schema_differences=c.schema_differences,
        columns=columns,
        differences=localization.differences,
        missing_rows=localization.counts[DifferenceKind.MISSING],
        extra_rows=localization.counts[DifferenceKind.EXTRA] + localization.counts[DifferenceKind.DUPLICATED],
        changed_rows=localization.counts[DifferenceKind.CHANGED],
        localized=localized,
        reasons=reasons,
        seconds=round(clock.monotonic() - started, 3),
        source_seconds=c.source_seconds,
        archive_seconds=c.archive_seconds,
    )


def timed(fn: Callable[[], Profile]) -> tuple[Profile, float]:
    started = clock.monotonic()
    profile = fn()
    return profile, round(clock.monotonic() - started, 3)


def profile_both(
    source: Callable[[], Profile], archive: Callable[[], Profile]
) -> tuple[Profile, float, Profile, float]:
    """Both sides at once: one scans the source database, the other the archive's files."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        s, a = pool.submit(timed, source), pool.submit(timed, archive)
        (sp, ss), (ap, aseconds) = s.result(), a.result()
    return sp, ss, ap, aseconds
