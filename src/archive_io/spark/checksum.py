"""The validation checksum of `archive_io.tables.checksum`, as Spark DataFrame code.

That module is the definition; this computes the same canonical texts, row hashes `h`, triples
`(count, sum of h, bit_xor of h)` and key segments for a DataFrame, as Column expressions, from
the Spark types the archive's (Iceberg/Arrow) types read as.

How the texts are made where Spark's own text differs from the definition:

- float, double: Java 17's `Double.toString` is not always the shortest round-trip text
  (`4.9E-324` for 5e-324, `9.999999999999999E22` for 1e23, `3.0925352787701443E18` where
  `3.092535278770144e18` round-trips), and Spark SQL cannot see a double's exact binary value to
  correct it, so the text comes from the reference's own `plain_float`, in a Python UDF. A FLOAT is
  first widened to DOUBLE, exactly. The Spark workers must import `archive_io` (the Glue job ships
  the package) and run the same Python as the driver.
- decimal(p, s): `CAST(d AS STRING)` is Java's `BigDecimal.toString`, which writes values under
  1e-6 with an exponent (`1E-10`, `-1.23E-8`, `0E-10`); those are rewritten plainly.
- timestamp without time zone: read as UTC from its calendar fields, so the session time zone
  (which `CAST(... AS TIMESTAMP)` would apply) does not matter; a TIMESTAMP is an instant already.

Spark 3.5 has no TIME type (an Iceberg `time` column does not read into Spark 3.5), so there is
no case for it; a column of a type the definition does not cover (map, struct, TIME, ...) raises
`TypeError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    NullType,
    ShortType,
    StringType,
    StructField,
    TimestampNTZType,
    TimestampType,
)

from archive_io.tables.checksum import HASH_BITS, HASH_HEX_DIGITS, NULL_TEXT, SEGMENT_BITS, Triple, plain_float

MAX_DEPTH = HASH_BITS // SEGMENT_BITS
_MICROS_PER_SECOND = 1_000_000
_MICROS_PER_DAY = 86_400 * _MICROS_PER_SECOND


def row_text_column(schema_fields: Sequence[StructField]) -> Column:
    """The canonical text of a row of these columns: their canonical texts joined by `|`."""
    if not schema_fields:
        raise ValueError("a row text needs at least one column")
    return F.concat_ws("|", *(text_column(_column(f.name), f.dataType) for f in schema_fields))


def row_hash_column(schema_fields: Sequence[StructField]) -> Column:
    """The row hash `h` of these columns (a 60-bit LONG)."""
    return text_hash_column(row_text_column(schema_fields))


def text_hash_column(text: Column) -> Column:
    """The first 15 hex digits of md5(text) (of its UTF-8 bytes) as a LONG."""
    return F.conv(F.substring(F.md5(text), 1, HASH_HEX_DIGITS), 16, 10).cast(LongType())


def text_column(value: Column, kind: DataType) -> Column:
    """The canonical text of a value of Spark type `kind`: never NULL (a NULL is `N`)."""
    return F.coalesce(_value_text(value, kind, floats_done=False), F.lit(NULL_TEXT))


def checksum(df: DataFrame, columns: Sequence[str] | None = None) -> Triple:
    """The checksum triple of the rows of `df` over `columns` (all, in order, by default)."""
    hashes = df.select(row_hash_column(_fields(df, columns)).alias("h"))
    row = hashes.agg(*_triple_aggregates(F.col("h"))).first()
    assert row is not None  # an aggregate without grouping always has its one row
    return _triple(row[0], row[1], row[2])


def segment_profile(
    df: DataFrame,
    key_columns: Sequence[str],
    depth: int = 1,
    *,
    parents: Sequence[int] | None = None,
    columns: Sequence[str] | None = None,
) -> dict[int, Triple]:
    """The checksum triple per segment of the key hash at `depth` (1 to 6, 1024 segments a level).

    `parents`: only the rows within these segments of depth - 1 (the bisection's next step).
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
    if not key_columns:
        raise ValueError("segments need at least one key column")
    key_hash = row_hash_column(_fields(df, key_columns))
    rows = df.select(key_hash.alias("kh"), row_hash_column(_fields(df, columns)).alias("h"))
    if parents is not None and depth > 1:
        rows = rows.where(_segment(F.col("kh"), depth - 1).isin([int(p) for p in parents]))
    grouped = rows.groupBy(_segment(F.col("kh"), depth).alias("segment")).agg(*_triple_aggregates(F.col("h")))
    return {int(r["segment"]): _triple(r[1], r[2], r[3]) for r in grouped.collect()}


# --- canonical texts ---------------------------------------------------------------------------


def _value_text(value: Column, kind: DataType, *, floats_done: bool) -> Column:
    """The canonical text, NULL for NULL; `floats_done`: float values are their texts already."""
    if isinstance(kind, NullType):
        return F.lit(None).cast(StringType())
    if isinstance(kind, BooleanType):
        return F.when(value, F.lit("t")).when(~value, F.lit("f"))
    if isinstance(kind, ByteType | ShortType | IntegerType | LongType):
        return value.cast(StringType())
    if isinstance(kind, DecimalType):
        return _decimal_text(value, kind)
    if isinstance(kind, FloatType | DoubleType):
        return value if floats_done else _plain_floats(value, kind)
    if isinstance(kind, StringType):
        return F.concat(F.octet_length(value).cast(StringType()), F.lit(":"), value)
    if isinstance(kind, BinaryType):
        return F.lower(F.hex(value))
    if isinstance(kind, DateType):
        return F.unix_date(value).cast(StringType())
    if isinstance(kind, TimestampType):
        return F.unix_micros(value).cast(StringType())
    if isinstance(kind, TimestampNTZType):
        return naive_micros(value).cast(StringType())
    if isinstance(kind, ArrayType):
        element = kind.elementType
        if not floats_done and _has_floats(element):
            # a Python UDF cannot run inside transform()'s lambda: texts of all float elements first
            return _value_text(_plain_floats(value, kind), kind, floats_done=True)

        def item(x: Column) -> Column:
            return F.coalesce(_value_text(x, element, floats_done=floats_done), F.lit(NULL_TEXT))

        return F.concat(F.lit("["), F.array_join(F.transform(value, item), ","), F.lit("]"))
    raise TypeError(
        f"no canonical text for Spark type {kind.simpleString()}: the checksum covers integers, decimal, "
        "float/double, boolean, string, binary, date, timestamp, timestamp_ntz and arrays of them "
        "(Spark 3.5 has no TIME type; validate a table with time columns with another engine)"
    )


def _decimal_text(value: Column, kind: DecimalType) -> Column:
    if kind.scale < 0:
        raise TypeError(f"no canonical text for {kind.simpleString()}: a negative scale")
    text = value.cast(StringType())
    if kind.scale == 0:
        return text  # BigDecimal writes an integer plainly
    # BigDecimal.toString writes |d| < 1e-6 as `<digits with a point after the first>E-<n>`: its
    # first digit is the n-th after the point. (Zero, `0E-10`, is written directly: it has no sign.)
    exponent = F.substring_index(text, "E-", -1).cast(IntegerType())
    digits = F.regexp_replace(F.substring_index(text, "E", 1), r"[-.]", "")
    fraction = F.concat(F.call_function("repeat", F.lit("0"), exponent - 1), digits)
    small = F.concat(
        F.when(text.startswith("-"), F.lit("-")).otherwise(F.lit("")), F.lit("0."), F.rpad(fraction, kind.scale, "0")
    )
    return F.when(value == 0, F.lit("0." + "0" * kind.scale)).when(text.contains("E"), small).otherwise(text)


def naive_micros(value: Column) -> Column:
    """A TIMESTAMP_NTZ as microseconds since 1970-01-01 00:00, from its fields (no time zone applies)."""
    days = F.unix_date(value.cast(DateType())).cast(LongType())
    minutes = (F.hour(value) * 60 + F.minute(value)).cast(LongType())
    seconds = F.date_part(F.lit("SECOND"), value)  # DECIMAL(8, 6): seconds with their microseconds
    return days * _MICROS_PER_DAY + minutes * 60 * _MICROS_PER_SECOND + (seconds * _MICROS_PER_SECOND).cast(LongType())


def _has_floats(kind: DataType) -> bool:
    if isinstance(kind, FloatType | DoubleType):
        return True
    return isinstance(kind, ArrayType) and _has_floats(kind.elementType)


def _widened(kind: DataType) -> DataType:
    """`kind` with FLOAT as DOUBLE (exact), so Python sees the double the definition widens to."""
    if isinstance(kind, FloatType):
        return DoubleType()
    if isinstance(kind, ArrayType):
        return ArrayType(_widened(kind.elementType), containsNull=True)
    return kind


def _as_texts(kind: DataType) -> DataType:
    if isinstance(kind, FloatType | DoubleType):
        return StringType()
    if isinstance(kind, ArrayType):
        return ArrayType(_as_texts(kind.elementType), containsNull=True)
    return kind


def _plain_floats(value: Column, kind: DataType) -> Column:
    """A float, or a (nested) array with floats, with each float replaced by its `plain_float` text."""
    # Not Arrow-optimized: that hands numpy values over (and needs pandas); this gets Python floats.
    plain = F.udf(_plain_float_texts, _as_texts(kind), useArrow=False)
    return plain(value.cast(_widened(kind)))


def _plain_float_texts(value: Any) -> Any:
    """(In the Spark workers.) The float texts of a float or nested list of floats; None stays None."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_plain_float_texts(item) for item in value]
    return plain_float(float(value))


# --- helpers -----------------------------------------------------------------------------------


def _column(name: str) -> Column:
    return F.col("`" + name.replace("`", "``") + "`")


def _fields(df: DataFrame, columns: Sequence[str] | None) -> list[StructField]:
    fields = {f.name: f for f in df.schema.fields}
    if columns is None:
        return list(df.schema.fields)
    missing = [c for c in columns if c not in fields]
    if missing:
        raise KeyError(f"no such columns: {', '.join(missing)} (the DataFrame has {', '.join(fields)})")
    return [fields[c] for c in columns]


def _segment(key_hash: Column, depth: int) -> Column:
    return F.shiftright(key_hash, HASH_BITS - SEGMENT_BITS * depth)


def _triple_aggregates(h: Column) -> list[Column]:
    # a LONG sum of 60-bit hashes can overflow from 8 rows on: sum exactly, as DECIMAL(38, 0)
    return [F.count(F.lit(1)), F.sum(h.cast(DecimalType(38, 0))), F.bit_xor(h)]


def _triple(count: Any, total: Any, xor: Any) -> Triple:
    return Triple(int(count), int(total or 0), int(xor or 0))
