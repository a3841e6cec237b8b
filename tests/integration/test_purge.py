"""The source purge against the machine's real PostgreSQL and MariaDB, on the embedded platform.

Rows are deleted only after the run validated PASSED, only the archived ones, by key in chunks;
a row changed since the extraction stays; a purge killed mid-way finishes on a re-run.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from archive_io.contracts.runs import PurgeStatus
from archive_io.runtime import Runtime
from archive_io.tables import purge as purge_module
from archive_io.tables.archival import validate_table
from archive_io.tables.purge import purge_table
from tests.conftest import payload
from tests.integration.conftest import Served
from tests.integration.test_validation_flow import rewrite_amounts, runtime_of

pytestmark = pytest.mark.integration

ROWS = 300
URLS = {"postgresql": "postgresql://postgres@127.0.0.1:5432/test", "mariadb": "mysql://root@127.0.0.1:3306/test"}


class Database:
    def __init__(self, kind: str, conn: Any) -> None:
        self.kind, self.conn = kind, conn
        self.schema = "archive_io_purge" if kind == "postgresql" else "test"
        self.connection = f"purge_{kind}"
        self.quoted = '"archive_io_purge"."items"' if kind == "postgresql" else "`test`.`items`"

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []

    def ids(self) -> list[int]:
        return [int(r[0]) for r in self.run(f"SELECT id FROM {self.schema}.items ORDER BY id")]


@pytest.fixture(params=["postgresql", "mariadb"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    conn = request.getfixturevalue("postgres" if request.param == "postgresql" else "mariadb")
    db = Database(request.param, conn)
    if db.kind == "postgresql":
        db.run("DROP SCHEMA IF EXISTS archive_io_purge CASCADE")
        db.run("CREATE SCHEMA archive_io_purge")
    db.run(f"DROP TABLE IF EXISTS {db.schema}.items")
    db.run(f"DROP TABLE IF EXISTS {db.schema}.nokey")
    db.run(f"CREATE TABLE {db.schema}.items (id int PRIMARY KEY, amount decimal(10, 2), note varchar(40))")
    db.run(f"CREATE TABLE {db.schema}.nokey (id int, note varchar(40))")
    values = ", ".join(f"({i}, {i}.25, 'note {i}')" for i in range(1, ROWS + 1))
    db.run(f"INSERT INTO {db.schema}.items VALUES {values}")
    db.run(f"INSERT INTO {db.schema}.nokey VALUES (1, 'a'), (2, 'b')")
    yield db
    if db.kind == "postgresql":
        db.run("DROP SCHEMA archive_io_purge CASCADE")
    else:
        db.run("DROP TABLE test.items")
        db.run("DROP TABLE test.nokey")


def start(served: Served, db: Database, table: dict[str, Any], **request: Any) -> dict[str, Any]:
    client = served.client
    assert client.post("/connections", {"name": db.connection, "url": URLS[db.kind]}).status_code == 201
    body = payload("archival_input_payload.json") | {
        "glue_connection": db.connection,
        "source_database": "test",
        "source_schema": db.schema,
        "source_table": [table],
        **request,
    }
    accepted = client.post("/archive", body)
    assert accepted.status_code == 202, accepted.text
    run: dict[str, Any] = client.wait_for_run(accepted.json()["run_id"], timeout=300)
    return run


def test_a_validated_run_deletes_exactly_its_archived_rows(served: Served, database: Database) -> None:
    run = start(
        served,
        database,
        {"table_name": "items", "condition": "id <= 200 AND note <> 'note 7'"},
        purge_source=True,
        purge={"chunk_rows": 64},
    )
    assert run["status"] == "SUCCEEDED", run
    purge = run["tables"]["items"]["purge"]
    assert purge["status"] == "DONE"
    assert (purge["rows_deleted"], purge["rows_left"], purge["rows_absent"], purge["chunks"]) == (199, 0, 0, 4)
    assert database.ids() == [7, *range(201, ROWS + 1)]


def test_without_a_primary_key_the_purge_is_refused(served: Served, database: Database) -> None:
    run = start(served, database, {"table_name": "nokey", "purge_source": True})
    purge = run["tables"]["nokey"]["purge"]
    assert purge["status"] == "REFUSED"
    assert "no primary key" in purge["reason"]
    assert len(database.run(f"SELECT * FROM {database.schema}.nokey")) == 2


@pytest.fixture
def archived(served: Served, database: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Runtime, str]:
    """A run of rows 1..200, validated PASSED, not purged yet; and a runtime on the platform."""
    run = start(
        served,
        database,
        {"table_name": "items", "condition": "id <= 200"},
        purge={"chunk_rows": 50, "sleep_seconds": 0.001},
    )
    assert run["status"] == "SUCCEEDED", run
    assert run["tables"]["items"]["purge"] is None
    return runtime_of(served, monkeypatch), run["run_id"]


def test_a_row_changed_since_the_extraction_is_left_and_reported(
    database: Database, archived: tuple[Runtime, str]
) -> None:
    runtime, run_id = archived
    database.run(f"UPDATE {database.schema}.items SET note = 'changed' WHERE id = 10")
    database.run(f"DELETE FROM {database.schema}.items WHERE id = 11")
    result = purge_table(runtime, run_id, "items").purge
    assert result is not None
    assert result.status == PurgeStatus.DONE
    assert (result.rows_deleted, result.rows_left, result.rows_absent) == (198, 1, 1)
    assert result.left_keys == [{"id": "10"}]
    assert database.ids() == [10, *range(201, ROWS + 1)]


def test_after_a_failed_validation_nothing_is_deleted(database: Database, archived: tuple[Runtime, str]) -> None:
    runtime, run_id = archived
    rewrite_amounts(runtime, run_id, "items", {5: Decimal("0.01")})
    assert validate_table(runtime, run_id, "items").validation.verdict == "FAILED"  # type: ignore[union-attr]
    result = purge_table(runtime, run_id, "items").purge
    assert result is not None
    assert result.status == PurgeStatus.REFUSED
    assert "failed validation" in (result.reason or "")
    assert len(database.ids()) == ROWS


def test_a_purge_killed_mid_way_finishes_on_a_rerun(
    database: Database, archived: tuple[Runtime, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, run_id = archived
    recorded = purge_module._record
    calls = []

    def killed_after_the_third_commit(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 3:  # chunk 3 is committed in the source, not yet recorded
            raise KeyboardInterrupt("killed")
        return recorded(*args)

    monkeypatch.setattr(purge_module, "_record", killed_after_the_third_commit)
    with pytest.raises(KeyboardInterrupt):
        purge_table(runtime, run_id, "items")
    assert database.ids() == list(range(151, ROWS + 1))
    interrupted = runtime.runs.get(run_id).tables["items"].purge
    assert interrupted is not None
    assert (interrupted.status, interrupted.chunks, interrupted.rows_deleted) == (PurgeStatus.RUNNING, 2, 100)

    monkeypatch.setattr(purge_module, "_record", recorded)
    result = purge_table(runtime, run_id, "items").purge
    assert result is not None
    assert result.status == PurgeStatus.DONE
    # chunk 3 is done again: its 50 rows are gone already, counted, not deleted twice
    assert (result.rows_deleted, result.rows_absent, result.rows_left, result.chunks) == (150, 50, 0, 4)
    assert database.ids() == list(range(201, ROWS + 1))


def test_a_dry_run_deletes_nothing_and_says_what_it_would(served: Served, database: Database) -> None:
    run = start(
        served,
        database,
        {"table_name": "items", "condition": "id <= 200"},
        purge_source=True,
        purge={"chunk_rows": 50, "dry_run": True},
    )
    purge = run["tables"]["items"]["purge"]
    assert purge["status"] == "DRY_RUN"
    assert (purge["rows_deleted"], purge["chunks"]) == (200, 4)
    assert purge["statements"][0].startswith(f"DELETE FROM {database.quoted}")
    assert purge["statements"][0].endswith("-- 50 keys")
    assert len(database.ids()) == ROWS


def test_the_stop_flag_stops_after_a_chunk_and_a_rerun_goes_on(
    served: Served, database: Database, archived: tuple[Runtime, str]
) -> None:
    import subprocess
    import sys

    runtime, run_id = archived

    def stop(_: float) -> None:
        assert served.client.post(f"/runs/{run_id}/purge-stop", {}).status_code == 202

    stopped = purge_table(runtime, run_id, "items", sleep=stop).purge
    assert stopped is not None
    assert (stopped.status, stopped.chunks, stopped.rows_deleted) == (PurgeStatus.STOPPED, 1, 50)
    assert len(database.ids()) == ROWS - 50
    cleared = served.client.post(f"/runs/{run_id}/purge-stop", {"stop": False})
    assert cleared.json() == {"run_id": run_id, "purge_stop": False}
    command = [sys.executable, "-m", "archive_io", "purge-source", "--run-id", run_id, "--table", "items"]
    resumed = subprocess.run(
        [*command, "--state-dir", str(served.state_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    done = runtime.runs.get(run_id).tables["items"].purge
    assert done is not None
    assert (done.status, done.chunks, done.rows_deleted, done.rows_absent) == (PurgeStatus.DONE, 4, 200, 0)
    assert database.ids() == list(range(201, ROWS + 1))


def test_the_demo_sqlite_source_is_purged_through_python_hashes(served: Served, tmp_path: Any) -> None:
    """SQLite has no md5: rows are locked by BEGIN IMMEDIATE and hashed in Python, with the same result."""
    import sqlite3

    from archive_io.local.demo import create_demo_database, load_payload

    database = create_demo_database(tmp_path / "demo.db", 120)
    client = served.client
    assert client.post("/connections", {"name": "sqlite_purge", "url": f"sqlite:///{database}"}).status_code == 201
    body = load_payload() | {"glue_connection": "sqlite_purge", "source_database": "purgedemo", "purge_source": True}
    accepted = client.post("/archive", body)
    assert accepted.status_code == 202, accepted.text
    run = client.wait_for_run(accepted.json()["run_id"], timeout=300)
    assert run["status"] == "SUCCEEDED", run
    with sqlite3.connect(database) as conn:
        left = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("products", "leads", "customers")}
    for name, table in run["tables"].items():
        assert table["purge"]["status"] == "DONE"
        assert table["purge"]["rows_deleted"] == table["rows_archived"] > 0
        assert left[name] == 120 - table["rows_archived"]
