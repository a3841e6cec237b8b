"""Validation in a real run on the embedded platform, and `archive-io validate` beside it.

The source is profiled in the extraction's snapshot: a row changed in the source afterwards
does not fail the run's validation, an archive data file rewritten behind Iceberg's back does,
and the report of it says which rows and that the source changed too.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive_io.contracts.runs import DifferenceKind, Verdict
from archive_io.local.platform import served_settings
from archive_io.runtime import Runtime
from archive_io.settings import Settings
from archive_io.tables.archival import validate_table
from tests.integration.conftest import Served
from tests.integration.test_archive_databases import archive

pytestmark = pytest.mark.integration

CONNECTION = "pg_vflow"
ICEBERG = "archive_test_archive_io_vflow.payments"


@pytest.fixture
def payments(postgres: Any) -> Iterator[Any]:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_vflow CASCADE")
        cur.execute("CREATE SCHEMA archive_io_vflow")
        cur.execute(
            "CREATE TABLE archive_io_vflow.payments (id int PRIMARY KEY, amount numeric(10, 2), memo text, paid date)"
        )
        cur.execute(
            """INSERT INTO archive_io_vflow.payments
               SELECT i, i * 1.5, 'memo ' || i, date '2020-01-01' + i FROM generate_series(1, 400) i"""
        )
    yield postgres
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA archive_io_vflow CASCADE")


def cli_validate(served: Served, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "archive_io", "validate", "--connection", CONNECTION]
    command += ["--table", "archive_io_vflow.payments", "--iceberg", ICEBERG, "--state-dir", str(served.state_dir)]
    return subprocess.run(command + list(extra), capture_output=True, text=True, timeout=180, check=False)


def runtime_of(served: Served, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    environment = served_settings(served.state_dir)
    assert environment is not None
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Runtime(Settings.from_mapping(environment))


def rewrite_amounts(runtime: Runtime, run_id: str, table_name: str, changes: dict[int, Decimal]) -> None:
    """Rewrite the run's data file in S3 with other amounts: corruption Iceberg cannot see."""
    result = runtime.runs.get(run_id).tables[table_name]
    table = runtime.catalog().load_table(result.iceberg_table)
    for task in table.scan(snapshot_id=result.snapshot_id).plan_files():
        path = task.file.file_path
        with table.io.new_input(path).open() as stream:
            data = pq.read_table(stream)
        if run_id not in data["_archive_run_id"].to_pylist():
            continue  # another run's file
        pairs = zip(
            data["id"].to_pylist(), data["amount"].to_pylist(), data["_archive_run_id"].to_pylist(), strict=True
        )
        amounts = [changes.get(i, a) if run == run_id else a for i, a, run in pairs]
        index = data.schema.get_field_index("amount")
        data = data.set_column(index, data.schema.field(index), pa.array(amounts, data.schema.field(index).type))
        with table.io.new_output(path).create(overwrite=True) as stream:
            pq.write_table(data, stream)


def test_a_run_validates_in_the_extractions_snapshot_and_catches_a_rewritten_file(
    served: Served, payments: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = archive(
        served,
        CONNECTION,
        "postgresql://postgres@127.0.0.1:5432/test",
        "test",
        "archive_io_vflow",
        [{"table_name": "payments"}],
    )
    assert run["status"] == "SUCCEEDED", run
    validation = run["tables"]["payments"]["validation"]
    assert validation["verdict"] == "PASSED"
    assert validation["key_columns"] == ["id"]
    assert "same snapshot" in validation["source_read"]
    assert validation["source_checksum"] == validation["archive_checksum"]
    assert validation["source_checksum"]["count"] == 400

    # The ad-hoc check agrees, then sees a row changed in the source since.
    checked = cli_validate(served, "--run-id", run["run_id"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PASSED" in checked.stdout
    with payments.cursor() as cur:
        cur.execute("UPDATE archive_io_vflow.payments SET amount = amount + 0.01 WHERE id = 10")
    checked = cli_validate(served, "--run-id", run["run_id"], "--json")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert '"id": "10"' in checked.stdout
    assert '"source": "15.01"' in checked.stdout

    # The run's own validation compares with what the extraction read: the source change is not corruption.
    runtime = runtime_of(served, monkeypatch)
    again = validate_table(runtime, run["run_id"], "payments")
    assert again.validation is not None
    assert again.validation.verdict == Verdict.PASSED

    # A data file rewritten under the archive is caught; row 10 also changed in the source, and it says so.
    rewrite_amounts(runtime, run["run_id"], "payments", {10: Decimal("99.99"), 50: Decimal("75.01")})
    tampered = validate_table(runtime, run["run_id"], "payments").validation
    assert tampered is not None
    assert tampered.verdict == Verdict.FAILED
    shown = {d.key["id"]: (d.kind, [(c.column, c.source, c.archive) for c in d.columns]) for d in tampered.differences}
    assert shown == {
        "10": (DifferenceKind.CHANGED, [("amount", "15.01", "99.99")]),
        "50": (DifferenceKind.CHANGED, [("amount", "75.00", "75.01")]),
    }
    assert tampered.source_changed
    assert any("source changed after the extraction" in r for r in tampered.reasons)
    assert runtime.runs.get(run["run_id"]).tables["payments"].status == "FAILED"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--condition", "nosuch > 1"], "column 'nosuch' does not exist"),
        (["--iceberg", "archive_nowhere.nothing"], "no table 'archive_nowhere.nothing'"),
        (["--connection", "nope"], "nope"),
        (["--table", "payments"], "not SCHEMA.TABLE"),
    ],
)
def test_validate_refuses_bad_input_with_a_clear_message(
    served: Served, payments: Any, options: list[str], message: str
) -> None:
    checked = cli_validate(served, *options)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert message in " ".join(checked.stdout.split())
