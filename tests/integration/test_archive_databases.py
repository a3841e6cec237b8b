"""Whole-platform archival from the machine's real PostgreSQL and MariaDB into Iceberg."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import payload
from tests.integration.conftest import Served
from tests.integration.test_archival_flow import read_back

pytestmark = pytest.mark.integration


def archive(served: Served, connection: str, url: str, database: str, schema: str, tables: list[dict[str, str]]) -> Any:
    client = served.client
    assert client.post("/connections", {"name": connection, "url": url}).status_code == 201
    body = payload("archival_input_payload.json") | {
        "glue_connection": connection,
        "source_database": database,
        "source_schema": schema,
        "source_table": tables,
    }
    accepted = client.post("/archive", body)
    assert accepted.status_code == 202, accepted.text
    return client.wait_for_run(accepted.json()["run_id"], timeout=300)


def test_postgresql_table_is_archived_with_its_types(served: Served, postgres: Any) -> None:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_e2e CASCADE")
        cur.execute("CREATE SCHEMA archive_io_e2e")
        cur.execute(
            """CREATE TABLE archive_io_e2e.orders ("Index" int PRIMARY KEY, amount numeric(12, 2), placed timestamptz,
               note text, tags text[], payload jsonb, ref uuid, at time)"""
        )
        cur.execute(
            """INSERT INTO archive_io_e2e.orders
               SELECT i, i * 1.25, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour',
                      CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || i || ' é' END, ARRAY['a', 'b' || i],
                      jsonb_build_object('i', i), md5(i::text)::uuid, time '10:00' + i * interval '1 second'
               FROM generate_series(1, 300) i"""
        )
    try:
        run = archive(
            served,
            "pg_e2e",
            "postgresql://postgres@127.0.0.1:5432/test",
            "test",
            "archive_io_e2e",
            [{"table_name": "orders", "condition": "index <= 250 AND amount > 10", "partition_by": "placed"}],
        )
        assert run["status"] == "SUCCEEDED", run
        result = run["tables"]["orders"]
        assert result["rows_archived"] == 242  # Index 9..250: amount = Index * 1.25 > 10
        assert result["iceberg_table"] == "archive_test_archive_io_e2e.orders"
        archived = read_back(served, result["iceberg_table"])[result["iceberg_table"]]
        assert archived["spec"] == ["placed_month:month"]
        rows = archived["rows"]
        with postgres.cursor() as cur:
            cur.execute(
                """SELECT "Index", amount::text, to_char(placed AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), note,
                          tags, payload::text, ref::text, at::text
                   FROM archive_io_e2e.orders WHERE "Index" <= 250 AND amount > 10 ORDER BY 1"""
            )
            expected = [list(r) for r in cur.fetchall()]
        got = [
            [r["Index"], r["amount"], r["placed"][:19], r["note"], r["tags"], r["payload"], r["ref"], r["at"]]
            for r in sorted(rows, key=lambda r: r["Index"])
        ]
        assert got == expected
        assert all(r["placed"].endswith("+00:00") for r in rows)
    finally:
        with postgres.cursor() as cur:
            cur.execute("DROP SCHEMA archive_io_e2e CASCADE")


def test_mariadb_table_is_archived_with_its_types(served: Served, mariadb: Any) -> None:
    with mariadb.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS archive_io_e2e_leads")
        cur.execute(
            """CREATE TABLE archive_io_e2e_leads (`Index` int PRIMARY KEY, score decimal(30, 12), seen datetime(6),
               name varchar(40), status enum('new', 'won'), active tinyint(1))"""
        )
        cur.executemany(
            "INSERT INTO archive_io_e2e_leads VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    i,
                    f"{i}.000000000001",
                    f"2024-03-01 12:00:{i % 60:02d}.5",
                    f"Zoë {i}",
                    "won" if i % 2 else "new",
                    i % 2,
                )
                for i in range(1, 121)
            ],
        )
    try:
        run = archive(
            served,
            "maria_e2e",
            "mysql://root:@127.0.0.1:3306/test",
            "test",
            "test",
            [{"table_name": "archive_io_e2e_leads", "query": "SELECT * FROM archive_io_e2e_leads WHERE Index < 50"}],
        )
        assert run["status"] == "SUCCEEDED", run
        result = run["tables"]["archive_io_e2e_leads"]
        assert result["rows_archived"] == 49
        rows = sorted(
            read_back(served, result["iceberg_table"])[result["iceberg_table"]]["rows"], key=lambda r: r["Index"]
        )
        assert rows[0] | {"_archive_run_id": None, "_archived_at": None} == {
            "Index": 1,
            "score": "1.000000000001",
            "seen": "2024-03-01 12:00:01.500000",
            "name": "Zoë 1",
            "status": "won",
            "active": True,
            "_archive_run_id": None,
            "_archived_at": None,
        }
    finally:
        with mariadb.cursor() as cur:
            cur.execute("DROP TABLE archive_io_e2e_leads")
