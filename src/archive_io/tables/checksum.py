"""The validation checksum: one definition, computed inside every engine.

A row's canonical text is its columns' canonical texts joined by `|`, each decided by the
column's archive (Arrow/Iceberg) type:

| type | canonical text |
|---|---|
| NULL (any type) | `N` |
| int, long | the integer: `-42` |
| decimal(p, s) | plain, with exactly s fraction digits: `12.50`, `-0.05` |
| float, double | the shortest text that round-trips the value as a double, written plainly, no exponent: |
| | `0.1`, `100000000000000000000`, `0.00000015`; `NaN`, `Infinity`, `-Infinity`; `0` for both zeros |
| boolean | `t` / `f` |
| string | `<UTF-8 byte length>:<value>`: `5:hello`, `0:` |
| binary | lower-case hex |
| date | days since 1970-01-01 |
| time | microseconds since midnight |
| timestamp, timestamptz | microseconds since 1970-01-01 00:00 UTC (a timestamp without zone is read as UTC) |
| list | `[` elements' canonical texts joined by `,` `]` |

A row hash `h` is the first 15 hex digits of md5(row text) read as a 60-bit integer; a table or
a segment of it checksums to `(count, exact sum of h, bit_xor of h)`, which no row order changes.
Segments are hash buckets of the key: `kh` is the same hash over the key columns' canonical
texts, and the segment of a row at depth d is `kh >> (60 - 10 d)`, so every engine, whatever its
collation, puts a row in the same segment.

Here: the reference in Python (SQLite sources, tests), and the SQL of PostgreSQL, MySQL/MariaDB
and DuckDB (the archive side, over Arrow). Spark SQL is in `archive_io.spark`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa

HASH_HEX_DIGITS = 15
HASH_BITS = 60
SEGMENT_BITS = 10  # 1024 segments per level
NULL_TEXT = "N"

_EPOCH_DAY = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Triple:
    """(count, sum of h, bit_xor of h): the checksum of a set of rows, whatever their order."""

    count: int = 0
    sum: int = 0
    xor: int = 0

    def __add__(self, other: Triple) -> Triple:
        return Triple(self.count + other.count, self.sum + other.sum, self.xor ^ other.xor)

    @classmethod
    def of(cls, hashes: Iterable[int]) -> Triple:
        count = total = xor = 0
        for h in hashes:
            count += 1
            total += h
            xor ^= h
        return cls(count, total, xor)


# --- the reference, in Python ------------------------------------------------------------------


def plain_float(value: float) -> str:
    """A double's shortest round-trip text, without exponent or trailing zeros."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    text = format(Decimal(repr(value)), "f")  # repr: the shortest digits that round-trip
    return text.rstrip("0").rstrip(".") if "." in text else text


def canonical(value: Any, kind: pa.DataType) -> str:
    """The canonical text of one value of an archive column of type `kind`."""
    if value is None:
        return NULL_TEXT
    if pa.types.is_boolean(kind):
        return "t" if value else "f"
    if pa.types.is_integer(kind):
        return str(int(value))
    if pa.types.is_decimal(kind):
        number = Decimal(value)
        text = format(number, f".{kind.scale}f")
        return text[1:] if number == 0 and text.startswith("-") else text
    if pa.types.is_floating(kind):
        return plain_float(float(value))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return f"{len(value.encode())}:{value}"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        return bytes(value).hex()
    if pa.types.is_timestamp(kind):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        delta = moment - _EPOCH
        return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    if pa.types.is_date(kind):
        return str((value - _EPOCH_DAY).days)
    if pa.types.is_time(kind):
        assert isinstance(value, time)
        return str(((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return "[" + ",".join(canonical(item, kind.value_type) for item in value) + "]"
    raise TypeError(f"no canonical text for type {kind}")


def text_hash(text: str) -> int:
    """The first 15 hex digits of md5(text) as an integer (60 bits)."""
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:HASH_HEX_DIGITS], 16)


def row_text(values: Sequence[Any], kinds: Sequence[pa.DataType]) -> str:
    return "|".join(canonical(v, k) for v, k in zip(values, kinds, strict=True))


def row_hash(values: Sequence[Any], kinds: Sequence[pa.DataType]) -> int:
    return text_hash(row_text(values, kinds))


def segment_of(key_hash: int, depth: int) -> int:
    return key_hash >> (HASH_BITS - SEGMENT_BITS * depth)


def checksum_rows(rows: Iterable[Sequence[Any]], kinds: Sequence[pa.DataType]) -> Triple:
    return Triple.of(row_hash(row, kinds) for row in rows)


def checksum_table(table: pa.Table) -> Triple:
    """The checksum of an Arrow table's rows, in Python (slow; the reference the engines must equal)."""
    kinds = [f.type for f in table.schema]
    return checksum_rows((tuple(r.values()) for r in table.to_pylist()), kinds)


# --- SQL ---------------------------------------------------------------------------------------


class ChecksumSql:
    """Writes the canonical text and hash of columns as SQL expressions of one engine.

    `text(expr, kind)` is never NULL (a NULL value is `N`); `kind` is the archive's Arrow type.
    """

    name = ""
    fence = ""  # appended to the scan a profile groups, where an engine's planner needs it

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def concat(self, parts: Sequence[str]) -> str:
        return "(" + " || ".join(parts) + ")"

    def literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def text(self, expr: str, kind: pa.DataType, source_type: str = "") -> str:
        return f"COALESCE({self.value_text(expr, kind, source_type)}, 'N')"

    def row_text(self, exprs: Sequence[tuple[str, pa.DataType, str]]) -> str:
        parts: list[str] = []
        for i, (expr, kind, source_type) in enumerate(exprs):
            if i:
                parts.append("'|'")
            parts.append(self.text(expr, kind, source_type))
        return self.concat(parts)

    def value_text(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        raise NotImplementedError

    def hash(self, text_expr: str) -> str:
        raise NotImplementedError

    def shift(self, expr: str, bits: int) -> str:
        return f"({expr} >> {bits})"

    def as_text(self, expr: str) -> str:
        """An aggregate's value as text, so every driver hands it over exactly."""
        return f"CAST({expr} AS TEXT)"

    def as_bigint(self, expr: str) -> str:
        return f"CAST({expr} AS BIGINT)"

    def sum(self, expr: str) -> str:
        return f"SUM({expr})"

    def bit_xor(self, expr: str) -> str:
        return f"BIT_XOR({expr})"

    def epoch_value(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        """A date/time/timestamp as the integer of its canonical text (for min/max)."""
        raise NotImplementedError


class PostgresChecksum(ChecksumSql):
    name = "postgres"
    # A fence around the profile's scan: without it the planner takes a key's segments for as many
    # groups as keys, and sorts every row instead of hashing into a few thousand groups (1.3x slower).
    fence = " OFFSET 0"

    def value_text(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_boolean(kind):
            return f"CASE WHEN {expr} THEN 't' WHEN NOT {expr} THEN 'f' END"
        if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
            return f"({expr})::text"  # numeric(p, s) prints its full scale
        if pa.types.is_floating(kind):
            return _postgres_plain_float(f"({expr})::float8")
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            if source_type.startswith(("character(", "bpchar")):
                # char(n) is read with its padding: format() keeps it where ::text would trim it;
                # octet_length counts it (format of NULL is '', hence the CASE)
                value = f"format('%s', {expr})"
                return f"CASE WHEN {expr} IS NOT NULL THEN octet_length({expr})::text || ':' || {value} END"
            return f"(octet_length(({expr})::text)::text || ':' || ({expr})::text)"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return f"encode({expr}, 'hex')"
        if pa.types.is_temporal(kind):
            return f"({self.epoch_value(expr, kind, source_type)})::text"
        if pa.types.is_list(kind):
            item = self.text("u.item", kind.value_type)
            return (
                f"CASE WHEN {expr} IS NOT NULL THEN '[' || array_to_string(ARRAY(SELECT {item} "
                f"FROM unnest({expr}) WITH ORDINALITY AS u(item, i) ORDER BY u.i), ',') || ']' END"
            )
        raise TypeError(f"no canonical text for type {kind}")

    def epoch_value(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_date(kind):
            return f"(({expr}) - DATE '1970-01-01')"
        return f"(extract(epoch FROM {expr}) * 1000000)::bigint"

    def hash(self, text_expr: str) -> str:
        return f"('x' || substr(md5({text_expr}), 1, {HASH_HEX_DIGITS}))::bit({HASH_BITS})::bigint"

    def as_text(self, expr: str) -> str:
        return f"({expr})::text"


class MysqlChecksum(ChecksumSql):
    name = "mysql"

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("`", "``") + "`"

    def concat(self, parts: Sequence[str]) -> str:
        return "CONCAT(" + ", ".join(parts) + ")"

    def literal(self, text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    def value_text(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_boolean(kind):
            return f"IF({expr} IS NULL, NULL, IF({expr} <> 0, 't', 'f'))"
        if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
            return f"CAST({expr} AS CHAR)"
        if pa.types.is_floating(kind):
            return _plain_float_sql(f"CAST(CAST({expr} AS DOUBLE) AS CHAR)", _MYSQL_STRINGS)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            value = f"CONVERT({expr} USING utf8mb4)"
            return f"CONCAT(OCTET_LENGTH({value}), ':', {value})"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return f"LOWER(HEX({expr}))"
        if pa.types.is_temporal(kind):
            return f"CAST({self.epoch_value(expr, kind, source_type)} AS CHAR)"
        raise TypeError(f"no canonical text for type {kind}")

    def epoch_value(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_date(kind):
            return f"DATEDIFF({expr}, '1970-01-01')"
        if pa.types.is_time(kind):
            # not TIME_TO_SEC: MariaDB gives it a fraction, MySQL does not
            return f"(((HOUR({expr}) * 60 + MINUTE({expr})) * 60 + SECOND({expr})) * 1000000 + MICROSECOND({expr}))"
        # the session is in UTC, so a TIMESTAMP column reads as UTC, as the extraction read it
        return f"TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {expr})"

    def hash(self, text_expr: str) -> str:
        return f"CAST(CONV(SUBSTRING(MD5({text_expr}), 1, {HASH_HEX_DIGITS}), 16, 10) AS UNSIGNED)"

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS CHAR)"

    def as_bigint(self, expr: str) -> str:
        return f"CAST({expr} AS SIGNED)"  # an unsigned column minus a number would refuse to go negative


class DuckdbChecksum(ChecksumSql):
    """The archive side: DuckDB over the Arrow batches of an Iceberg scan."""

    name = "duckdb"

    def value_text(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_boolean(kind):
            return f"CASE WHEN {expr} THEN 't' WHEN NOT {expr} THEN 'f' END"
        if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
            return f"CAST({expr} AS VARCHAR)"
        if pa.types.is_floating(kind):
            return _plain_float_sql(f"CAST(CAST({expr} AS DOUBLE) AS VARCHAR)", _DUCKDB_STRINGS)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return f"(CAST(strlen({expr}) AS VARCHAR) || ':' || {expr})"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return f"lower(hex({expr}))"
        if pa.types.is_temporal(kind):
            return f"CAST({self.epoch_value(expr, kind, source_type)} AS VARCHAR)"
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            item = self.text("item", kind.value_type)
            return f"('[' || array_to_string(list_transform({expr}, lambda item: {item}), ',') || ']')"
        raise TypeError(f"no canonical text for type {kind}")

    def epoch_value(self, expr: str, kind: pa.DataType, source_type: str) -> str:
        if pa.types.is_date(kind):
            return f"(({expr}) - DATE '1970-01-01')"
        if pa.types.is_time(kind):
            return f"datediff('microsecond', TIME '00:00:00', {expr})"
        return f"epoch_us({expr})"

    def hash(self, text_expr: str) -> str:
        return f"CAST('0x' || substr(md5({text_expr}), 1, {HASH_HEX_DIGITS}) AS BIGINT)"

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)"


def _postgres_plain_float(value: str) -> str:
    """PostgreSQL's float text, made the shortest: PostgreSQL never prints a decimal that lies
    exactly half an ulp away (Ryu without accepted bounds, e.g. 3.0925352787701443e+18 where
    3.092535278770144e+18 round-trips), so try its 15- and 16-digit roundings first.
    """
    exact = f"{value}::text::numeric"
    magnitude = f"floor(log(abs({exact})))::int"
    candidates = [f"round({exact}, {digits - 1} - {magnitude})" for digits in (15, 16)]
    # (a rounding past the largest double would not cast back)
    shortest = " ".join(
        f"WHEN CASE WHEN abs({c}) < 1.7976931348623158e308 THEN {c}::float8 = {value} END THEN trim_scale({c})::text"
        for c in candidates
    )
    return (
        f"CASE WHEN {value} = 0 THEN '0' WHEN {value} IN ('NaN', 'Infinity', '-Infinity') THEN {value}::text "
        f"{shortest} ELSE trim_scale({exact})::text END"
    )


@dataclass(frozen=True)
class _Strings:
    """The string functions a plain-float rewrite needs, per engine."""

    find: Callable[[str, str], str]  # 1-based position of a literal in a string, 0 when absent
    before: Callable[[str, str], str]  # the part before the first separator
    after: Callable[[str, str], str]  # the part after the first separator
    integer: Callable[[str], str]
    concat: Callable[[Sequence[str]], str]


_MYSQL_STRINGS = _Strings(
    find=lambda s, sub: f"LOCATE('{sub}', {s})",
    before=lambda s, sep: f"SUBSTRING_INDEX({s}, '{sep}', 1)",
    after=lambda s, sep: f"SUBSTRING_INDEX({s}, '{sep}', -1)",
    integer=lambda s: f"CAST({s} AS SIGNED)",
    concat=lambda parts: "CONCAT(" + ", ".join(parts) + ")",
)
_DUCKDB_STRINGS = _Strings(
    find=lambda s, sub: f"strpos({s}, '{sub}')",
    before=lambda s, sep: f"split_part({s}, '{sep}', 1)",
    after=lambda s, sep: f"split_part({s}, '{sep}', 2)",
    integer=lambda s: f"CAST({s} AS INTEGER)",
    concat=lambda parts: "(" + " || ".join(parts) + ")",
)


def _plain_float_sql(text: str, f: _Strings) -> str:
    """Rewrite an engine's shortest float text (`1e+20`, `1.5e-07`, `123.0`, `-0.0`) plainly.

    Engines agree on the digits, not on the layout: exponent form `d.ddde±x` becomes positional
    digits, a trailing `.0` goes, and both zeros are `0`.
    """
    lower = f"LOWER({text})"
    unsigned = f"CASE WHEN {f.find(lower, '-')} = 1 THEN SUBSTRING({lower}, 2) ELSE {lower} END"
    sign = f"CASE WHEN {f.find(lower, '-')} = 1 THEN '-' ELSE '' END"
    mantissa = f.before(unsigned, "e")
    digits = f"REPLACE({mantissa}, '.', '')"
    exponent = f.integer(f"REPLACE({f.after(unsigned, 'e')}, '+', '')")
    # digits before the point once the exponent is applied (the mantissa has one before its point)
    dot = f.find(mantissa, ".")
    point = f.integer(f"CASE WHEN {dot} > 0 THEN {dot} - 1 ELSE LENGTH({mantissa}) END + {exponent}")
    zero, point_text, zero_point = "'0'", "'.'", "'0.'"
    scientific = (
        f"CASE WHEN {point} >= LENGTH({digits}) THEN {f.concat([sign, f'RPAD({digits}, {point}, {zero})'])} "
        f"WHEN {point} <= 0 THEN {f.concat([sign, zero_point, f'REPEAT({zero}, -{point})', digits])} "
        f"ELSE {f.concat([sign, f'LEFT({digits}, {point})', point_text, f'SUBSTRING({digits}, {point} + 1)'])} END"
    )
    return (
        f"CASE WHEN {text} IS NULL THEN NULL "
        f"WHEN {lower} IN ('nan', '-nan') THEN 'NaN' "
        f"WHEN {lower} IN ('inf', 'infinity') THEN 'Infinity' "
        f"WHEN {lower} IN ('-inf', '-infinity') THEN '-Infinity' "
        f"WHEN {lower} IN ('0', '-0', '0.0', '-0.0') THEN '0' "
        f"WHEN {f.find(lower, 'e')} > 0 THEN {scientific} "
        f"WHEN {f.find(lower, '.')} > 0 AND RIGHT({lower}, 2) = '.0' THEN LEFT({text}, LENGTH({text}) - 2) "
        f"ELSE {text} END"
    )


CHECKSUM_SQL: dict[str, ChecksumSql] = {
    "postgres": PostgresChecksum(),
    "mysql": MysqlChecksum(),
    "duckdb": DuckdbChecksum(),
}
