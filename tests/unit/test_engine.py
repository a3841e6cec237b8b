"""The engine choice: Spark above the configured rows or bytes, with a reason the report can print."""

from __future__ import annotations

import pytest

from archive_io.contracts.runs import Engine
from archive_io.local.resources import local_settings
from archive_io.names import ResourceNames
from archive_io.settings import Settings, SettingsError
from archive_io.tables.engine import choose_engine
from archive_io.tables.sources import TableStatistics

BASE = local_settings(ResourceNames("test"), "us-east-1", endpoint_url=None)
STATS = TableStatistics(rows=2_000_000, bytes=3 * 1024**3, method="pg_class.reltuples, pg_total_relation_size")


def settings(**update: int | None) -> Settings:
    return BASE.model_copy(update=update)


def test_without_thresholds_the_single_node_engine_runs_and_says_spark_is_off() -> None:
    engine, reason = choose_engine(STATS, settings())
    assert engine == Engine.SINGLE_NODE
    assert "~2,000,000 rows, 3.0 GiB (pg_class.reltuples, pg_total_relation_size)" in reason
    assert "Spark engine is off" in reason


@pytest.mark.parametrize(
    ("thresholds", "engine", "said"),
    [
        ({"spark_min_rows": 2_000_000}, Engine.SPARK, "at least ARCHIVE_IO_SPARK_MIN_ROWS=2,000,000"),
        ({"spark_min_rows": 2_000_001}, Engine.SINGLE_NODE, "under ARCHIVE_IO_SPARK_MIN_ROWS=2,000,001"),
        ({"spark_min_bytes": 1024**3}, Engine.SPARK, "at least ARCHIVE_IO_SPARK_MIN_BYTES=1,073,741,824"),
        (
            {"spark_min_rows": 10**9, "spark_min_bytes": 10 * 1024**3},
            Engine.SINGLE_NODE,
            "under ARCHIVE_IO_SPARK_MIN_ROWS=1,000,000,000 and ARCHIVE_IO_SPARK_MIN_BYTES=10,737,418,240",
        ),
    ],
)
def test_a_threshold_reached_takes_spark(thresholds: dict[str, int], engine: Engine, said: str) -> None:
    chosen, reason = choose_engine(STATS, settings(**thresholds))
    assert chosen == engine
    assert said in reason


def test_unknown_statistics_never_take_spark_by_rows() -> None:
    """A table never analyzed has no row estimate: its bytes may still decide."""
    unknown = TableStatistics(rows=None, bytes=500, method="pg_class")
    engine, reason = choose_engine(unknown, settings(spark_min_rows=1))
    assert engine == Engine.SINGLE_NODE
    assert "~unknown rows, 500 bytes" in reason
    assert choose_engine(unknown, settings(spark_min_rows=1, spark_min_bytes=500))[0] == Engine.SPARK


def test_thresholds_are_read_from_the_environment_keys() -> None:
    values = BASE.as_mapping() | {"ARCHIVE_IO_SPARK_MIN_ROWS": "5000000", "ARCHIVE_IO_SPARK_CATALOG": "glue"}
    loaded = Settings.from_mapping(values)
    assert loaded.spark_min_rows == 5_000_000
    assert loaded.spark_min_bytes is None
    assert Settings.from_mapping(loaded.as_mapping()) == loaded
    with pytest.raises(SettingsError, match="ARCHIVE_IO_SPARK_MIN_ROWS"):
        Settings.from_mapping(values | {"ARCHIVE_IO_SPARK_MIN_ROWS": "-1"})
