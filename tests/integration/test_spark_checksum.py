"""The checksum in Spark (archive_io.spark.checksum) equals the Python reference, value by value.

Data goes as the Glue Spark engine reads it: an Arrow table written to Parquet by pyarrow (Iceberg's
data files are Parquet), read by `spark.read.parquet`.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import struct
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from archive_io.spark.checksum import checksum, row_hash_column, row_text_column, segment_profile
from archive_io.tables.checksum import Triple, checksum_table, row_hash, row_text, segment_of, text_hash

pytestmark = pytest.mark.integration

STRING = "note.text"  # a dotted name: columns are referred to quoted
KEY = "id"

# Spark's types for the archive's: what a reader of the Parquet files must see
SPARK_TYPES: dict[str, DataType] = {
    KEY: LongType(),
    "i16": ShortType(),
    "i32": IntegerType(),
    "i64": LongType(),
    "dec": DecimalType(12, 2),
    "dec0": DecimalType(38, 0),
    "dec38": DecimalType(38, 10),
    "f64": DoubleType(),
    "f32": FloatType(),
    "flag": BooleanType(),
    STRING: StringType(),
    "bin": BinaryType(),
    "day": DateType(),
    "ts": TimestampType(),
    "ntz": TimestampNTZType(),
    "ints": ArrayType(LongType()),
    "texts": ArrayType(StringType()),
    "floats": ArrayType(DoubleType()),
    "nested": ArrayType(ArrayType(FloatType())),
    "decs": ArrayType(DecimalType(10, 8)),
    "ntzs": ArrayType(TimestampNTZType()),
}

SCHEMA = pa.schema(
    [
        pa.field(KEY, pa.int64(), nullable=False),
        ("i16", pa.int16()),
        ("i32", pa.int32()),
        ("i64", pa.int64()),
        ("dec", pa.decimal128(12, 2)),
        ("dec0", pa.decimal128(38, 0)),
        ("dec38", pa.decimal128(38, 10)),
        ("f64", pa.float64()),
        ("f32", pa.float32()),
        ("flag", pa.bool_()),
        (STRING, pa.string()),
        ("bin", pa.binary()),
        ("day", pa.date32()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("ntz", pa.timestamp("us")),
        ("ints", pa.list_(pa.int64())),
        ("texts", pa.list_(pa.string())),
        ("floats", pa.list_(pa.float64())),
        ("nested", pa.list_(pa.list_(pa.float32()))),
        ("decs", pa.list_(pa.decimal128(10, 8))),
        ("ntzs", pa.list_(pa.timestamp("us"))),
    ]
)

NAIVE_MOMENTS = [
    datetime(1969, 12, 31, 23, 59, 59, 999_999),
    datetime(1970, 1, 1, 0, 0, 0, 1),
    datetime(1970, 1, 1),
    datetime(1900, 1, 1, 0, 0, 0, 500_000),
    datetime(1, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999_999),
    datetime(2021, 3, 14, 2, 30, 0, 1),  # in a daylight-saving gap of America/New_York
    datetime(1582, 10, 4, 12),
]

# Each column's edge values; the edge rows cycle through them, and one more row is NULL throughout.
EDGES: dict[str, list[Any]] = {
    "i16": [-32768, 32767, 0, -1],
    "i32": [-(2**31), 2**31 - 1, 0],
    "i64": [-(2**63), 2**63 - 1, 0, 42],
    "dec": [Decimal(d) for d in ("0.01", "-0.05", "0.00", "-0.00", "12.50", "-9999999999.99")],
    "dec0": [10**38 - 1, -(10**38 - 1), 0, 1, -1],
    "dec38": [
        Decimal("0.0000000001"),
        Decimal("-0.0000000123"),
        Decimal("0E-10"),
        Decimal("-0.0000009999"),
        Decimal("0.0000010000"),
        Decimal("9999999999999999999999999999.9999999999"),
        Decimal("-1.0000000000"),
    ],
    "f64": [
        0.1,
        1e20,
        5e-324,
        1.7976931348623157e308,
        -0.0,
        0.0,
        math.nan,
        math.inf,
        -math.inf,
        3.092535278770144e18,
        1e23,
        1.5e-7,
        -2.5,
        123.0,
        2.0**63,
        2e-323,
    ],
    # float32 values (0.1 is 0.10000000149011612 as a double; 1.4e-45 the smallest subnormal)
    "f32": [0.1, 3.4028234663852886e38, 1.401298464324817e-45, -0.0, math.nan, -math.inf, 16777216.0, 1e-7],
    "flag": [True, False],
    STRING: [
        "",
        "trailing ",
        " leading",
        'it\'s "quoted"',
        "a|b",
        "line\nbreak\r\n",
        "tab\there",
        "naïve café",
        "😀 emoji",
        "N",
        "5:x",
        "\x00nul",
        "long " * 2000,
    ],
    "bin": [b"", b"\x00", b"\x00\x00\xff\x10", bytes(range(256))],
    "day": [
        date(1970, 1, 1),
        date(1969, 12, 31),
        date(1900, 1, 1),
        date(1, 1, 1),
        date(9999, 12, 31),
        date(1582, 10, 4),
    ],
    "ts": [m.replace(tzinfo=UTC) for m in NAIVE_MOMENTS],
    "ntz": NAIVE_MOMENTS,
    "ints": [[], [1, None, 3], [None], [-5]],
    "texts": [["a", None, ""], [], ["|", ",", "[", "]"], ["N"], [" "]],
    "floats": [[0.1, None, math.nan, -0.0, 5e-324], [], [math.inf, -math.inf, 1e20], [None]],
    "nested": [[[0.1], [], None, [None, 1.5]], [], [None]],
    "decs": [[Decimal("0.00000001"), None, Decimal("-0.00000050")], [], [Decimal("0E-8")]],
    "ntzs": [[NAIVE_MOMENTS[0], None, NAIVE_MOMENTS[4]], []],
}
RANDOM_ROWS = 3000


def _missing(what: str) -> None:
    """As tests/conftest.py does for databases: a skip here, a failure under CI=true."""
    message = f"{what}; this test needs Java (17, as Glue 5) to run Spark"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: under CI=true a missing Java is a failure")
    pytest.skip(message)


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        return str(java) if java.exists() else None
    return shutil.which("java")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    if _java() is None:
        _missing("Java is not installed (no java on PATH, or JAVA_HOME without bin/java)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        # the UDF's workers import archive_io: this virtualenv's Python (read once, by the SparkContext)
        env.setenv("PYSPARK_PYTHON", sys.executable)
        try:
            session = (
                SparkSession.builder.master("local[2]")
                .appName("archive-io-checksum-test")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.ui.enabled", "false")
                # Iceberg reads dates and timestamps as written (proleptic Gregorian), never rebased
                .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
                .getOrCreate()
            )
        except Exception as exc:  # PySparkRuntimeError JAVA_GATEWAY_EXITED where Java cannot start
            _missing(f"Spark did not start ({type(exc).__name__}: {exc})")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@dataclass(frozen=True)
class Data:
    table: pa.Table
    df: DataFrame
    rows: list[dict[str, Any]]


def _random_rows(rng: random.Random, start: int) -> list[dict[str, Any]]:
    alphabet = "ab Z|,[]\n\"'éß€😀\t:N"
    first, last = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999_999)
    span = (last - first) // timedelta(microseconds=1)

    def maybe(make: Callable[[], Any]) -> Any:
        return None if rng.random() < 0.1 else make()

    def double() -> float:
        if rng.random() < 0.3:  # any bit pattern: subnormals, NaNs, huge and tiny exponents
            value: float = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            return value
        return round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8))

    def single() -> float:
        value: float = struct.unpack("<f", rng.getrandbits(32).to_bytes(4, "little"))[0]
        return value

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))

    def naive() -> datetime:
        return first + timedelta(microseconds=rng.randrange(span))

    rows = []
    for i in range(RANDOM_ROWS):
        rows.append(
            {
                KEY: start + i,
                "i16": maybe(lambda: rng.randrange(-(2**15), 2**15)),
                "i32": maybe(lambda: rng.randrange(-(2**31), 2**31)),
                "i64": maybe(lambda: rng.randrange(-(2**63), 2**63)),
                "dec": maybe(lambda: Decimal(rng.randrange(-(10**12) + 1, 10**12)).scaleb(-2)),
                "dec0": maybe(lambda: Decimal(rng.randrange(-(10**38) + 1, 10**38))),
                "dec38": maybe(
                    lambda: Decimal(rng.choice((-1, 1)) * rng.randrange(10 ** rng.randrange(1, 39))).scaleb(-10)
                ),
                "f64": maybe(double),
                "f32": maybe(single),
                "flag": maybe(lambda: rng.random() < 0.5),
                STRING: maybe(text),
                "bin": maybe(lambda: rng.randbytes(rng.randrange(0, 6))),
                "day": maybe(lambda: date.fromordinal(rng.randrange(1, date.max.toordinal() + 1))),
                "ts": maybe(lambda: naive().replace(tzinfo=UTC)),
                "ntz": maybe(naive),
                "ints": maybe(lambda: [maybe(lambda: rng.randrange(-100, 100)) for _ in range(rng.randrange(0, 4))]),
                "texts": maybe(lambda: [maybe(text) for _ in range(rng.randrange(0, 4))]),
                "floats": maybe(lambda: [maybe(double) for _ in range(rng.randrange(0, 4))]),
                "nested": maybe(lambda: [maybe(lambda: [maybe(single)]) for _ in range(rng.randrange(0, 3))]),
                "decs": maybe(lambda: [maybe(lambda: Decimal(rng.randrange(-(10**10) + 1, 10**10)).scaleb(-8))]),
                "ntzs": maybe(lambda: [maybe(naive) for _ in range(rng.randrange(0, 3))]),
            }
        )
    return rows


def _edge_rows() -> list[dict[str, Any]]:
    count = max(len(values) for values in EDGES.values())
    rows = [{KEY: i} | {name: values[i % len(values)] for name, values in EDGES.items()} for i in range(count)]
    rows.append({KEY: count} | dict.fromkeys(EDGES))  # NULL in every column but the key
    return rows


def _read(spark: SparkSession, table: pa.Table, path: Path) -> DataFrame:
    pq.write_table(table, path)
    return spark.read.parquet(str(path))


@pytest.fixture(scope="module")
def data(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Data:
    edges = _edge_rows()
    rows = edges + _random_rows(random.Random(20251123), start=len(edges))
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    df = _read(spark, table, tmp_path_factory.mktemp("checksum") / "table.parquet")
    return Data(table, df, table.to_pylist())


def _kinds(table: pa.Table, names: list[str] | None = None) -> list[pa.DataType]:
    return [table.schema.field(n).type for n in (names or table.column_names)]


def test_the_parquet_file_reads_as_the_archive_types(data: Data) -> None:
    assert {f.name: f.dataType for f in data.df.schema.fields} == SPARK_TYPES


def test_checksum_equals_the_reference(data: Data) -> None:
    expected = checksum_table(data.table)
    assert expected.count == len(data.rows)
    assert checksum(data.df) == expected


def test_every_row_text_and_hash_equals_the_reference(data: Data) -> None:
    fields = data.df.schema.fields
    got = {
        r[KEY]: (r["text"], r["h"])
        for r in data.df.select(
            KEY, row_text_column(fields).alias("text"), row_hash_column(fields).alias("h")
        ).collect()
    }
    kinds = _kinds(data.table)
    differing = []
    for row in data.rows:
        values = list(row.values())
        expected = (row_text(values, kinds), row_hash(values, kinds))
        if got[row[KEY]] != expected:
            differing.append((row[KEY], got[row[KEY]], expected))
    assert not differing, "rows whose Spark text/hash differs from the reference:\n" + "\n".join(
        f"id {key}:\n  spark     {g!r}\n  reference {e!r}" for key, g, e in differing[:5]
    )
    assert len(got) == len(data.rows)


def test_a_subset_of_columns(data: Data) -> None:
    columns = ["dec", KEY, "f32"]
    assert checksum(data.df, columns) == checksum_table(data.table.select(columns))


def _python_profile(data: Data, key: list[str], depth: int, parents: set[int] | None = None) -> dict[int, Triple]:
    kinds, key_kinds = _kinds(data.table), _kinds(data.table, key)
    hashes: dict[int, list[int]] = defaultdict(list)
    for row in data.rows:
        key_hash = text_hash(row_text([row[k] for k in key], key_kinds))
        if parents is not None and segment_of(key_hash, depth - 1) not in parents:
            continue
        hashes[segment_of(key_hash, depth)].append(row_hash(list(row.values()), kinds))
    return {segment: Triple.of(h) for segment, h in hashes.items()}


@pytest.mark.parametrize("key", [[KEY], [STRING, "day"]], ids=["id", "nullable-composite"])
def test_segment_profile_equals_the_reference(data: Data, key: list[str]) -> None:
    profile = segment_profile(data.df, key)
    assert profile == _python_profile(data, key, 1)
    assert sum(profile.values(), Triple()) == checksum_table(data.table)


def test_segment_profile_one_level_down_within_parents(data: Data) -> None:
    parents = set(sorted(_python_profile(data, [KEY], 1))[:3])
    profile = segment_profile(data.df, [KEY], 2, parents=sorted(parents))
    assert profile == _python_profile(data, [KEY], 2, parents)
    assert profile


def _changed(rows: list[dict[str, Any]], column: str, change: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """The rows with the first non-NULL value of `column` changed."""
    at = next(i for i, row in enumerate(rows) if row[column] is not None)
    return [*rows[:at], rows[at] | {column: change(rows[at][column])}, *rows[at + 1 :]]


@pytest.mark.parametrize(
    ("column", "change"),
    [
        ("dec", lambda d: d + Decimal("0.01")),
        ("ts", lambda t: t + timedelta(microseconds=1)),
        (STRING, lambda s: s + " "),
        (STRING, lambda s: None if s == "" else s),  # the empty string becomes NULL
    ],
    ids=["one-cent", "one-microsecond", "trailing-space", "empty-to-null"],
)
def test_one_changed_value_changes_the_checksum(
    spark: SparkSession, data: Data, tmp_path: Path, column: str, change: Callable[[Any], Any]
) -> None:
    changed = pa.Table.from_pylist(_changed(data.rows, column, change), schema=SCHEMA)
    result = checksum(_read(spark, changed, tmp_path / "changed.parquet"))
    assert result != checksum_table(data.table)
    assert result == checksum_table(changed)


def test_the_session_settings_do_not_matter(spark: SparkSession, data: Data) -> None:
    """Another session time zone (which CAST(... AS TIMESTAMP) of a naive timestamp would apply), and
    ANSI mode (Spark 4's default, where a failed cast raises)."""
    settings = {"spark.sql.session.timeZone": "America/New_York", "spark.sql.ansi.enabled": "true"}
    before = {key: str(spark.conf.get(key)) for key in settings}
    try:
        for key, value in settings.items():
            spark.conf.set(key, value)
        assert checksum(data.df) == checksum_table(data.table)
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def test_no_rows(data: Data) -> None:
    assert checksum(data.df.where(F.lit(False))) == Triple()
    assert segment_profile(data.df.where(F.lit(False)), [KEY]) == {}


@pytest.mark.usefixtures("spark")
@pytest.mark.parametrize(
    "kind",
    [MapType(StringType(), StringType()), StructType([StructField("x", LongType())])],
    ids=["map", "struct"],
)
def test_a_type_without_canonical_text_is_refused(kind: DataType) -> None:
    with pytest.raises(TypeError, match=r"no canonical text for Spark type .*no TIME type"):
        row_text_column([StructField("c", kind)])


def test_segment_depth_is_bounded(data: Data) -> None:
    with pytest.raises(ValueError, match="depth must be between 1 and 6"):
        segment_profile(data.df, [KEY], 7)
