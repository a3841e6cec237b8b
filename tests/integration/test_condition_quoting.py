"""The SQL planned from `Index < 20` runs as meant on the real PostgreSQL and MariaDB."""

from __future__ import annotations

from typing import Any

import pytest

from archive_io.tables.sql import build_select

pytestmark = pytest.mark.integration
COLUMNS = ["Index", "Name", "order"]


def test_postgresql_runs_the_quoted_condition(postgres: Any) -> None:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_quoting CASCADE")
        cur.execute("CREATE SCHEMA archive_io_quoting")
        cur.execute('CREATE TABLE archive_io_quoting.products ("Index" int, "Name" text, "order" int)')
        cur.execute("INSERT INTO archive_io_quoting.products SELECT i, 'p' || i, i FROM generate_series(1, 40) i")
        sql, _ = build_select(
            dialect="postgres",
            schema="archive_io_quoting",
            table="products",
            columns=COLUMNS,
            condition="Index < 20 AND ORDER > 3",
        )
        cur.execute(sql)
        rows = cur.fetchall()
        cur.execute("DROP SCHEMA archive_io_quoting CASCADE")
    assert [r[0] for r in rows] == list(range(4, 20))


def test_mariadb_runs_the_quoted_condition(mariadb: Any) -> None:
    with mariadb.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS archive_io_quoting_products")
        cur.execute("CREATE TABLE archive_io_quoting_products (`Index` int, `Name` text, `order` int)")
        cur.executemany(
            "INSERT INTO archive_io_quoting_products VALUES (%s, %s, %s)", [(i, f"p{i}", i) for i in range(1, 41)]
        )
        sql, _ = build_select(
            dialect="mysql",
            schema="test",
            table="archive_io_quoting_products",
            columns=COLUMNS,
            condition="Index < 20 AND ORDER > 3",
        )
        cur.execute(sql)
        rows = cur.fetchall()
        cur.execute("DROP TABLE archive_io_quoting_products")
    assert sorted(r[0] for r in rows) == list(range(4, 20))
