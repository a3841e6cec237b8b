"""The connection tester against real servers, with logins that lack what archival needs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from archive_io.tables.connection_check import check_connection

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_reader(postgres: Any) -> Iterator[str]:
    """A PostgreSQL login with SELECT but not DELETE on archive_io_priv.t."""
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_priv CASCADE")
        cur.execute("DROP ROLE IF EXISTS archive_io_reader")
        cur.execute("CREATE ROLE archive_io_reader LOGIN PASSWORD 'reader-pw'")
        cur.execute("CREATE SCHEMA archive_io_priv")
        cur.execute("CREATE TABLE archive_io_priv.t (id int)")
        cur.execute("CREATE TABLE archive_io_priv.hidden (id int)")
        cur.execute("GRANT USAGE ON SCHEMA archive_io_priv TO archive_io_reader")
        cur.execute("GRANT SELECT ON archive_io_priv.t TO archive_io_reader")
    yield "postgresql://archive_io_reader:reader-pw@127.0.0.1:5432/test"
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA archive_io_priv CASCADE")
        cur.execute("DROP ROLE archive_io_reader")


@pytest.fixture
def maria_reader(mariadb: Any) -> Iterator[str]:
    with mariadb.cursor() as cur:
        cur.execute("DROP USER IF EXISTS 'archive_io_reader'@'%'")
        cur.execute("CREATE TABLE IF NOT EXISTS archive_io_priv (id int)")
        cur.execute("CREATE USER 'archive_io_reader'@'%' IDENTIFIED BY 'reader-pw'")
        cur.execute("GRANT SELECT ON test.archive_io_priv TO 'archive_io_reader'@'%'")
    yield "mysql://archive_io_reader:reader-pw@127.0.0.1:3306/test"
    with mariadb.cursor() as cur:
        cur.execute("DROP USER 'archive_io_reader'@'%'")
        cur.execute("DROP TABLE archive_io_priv")


def test_postgresql_privileges_are_reported_per_table(pg_reader: str) -> None:
    check = check_connection("pg", pg_reader, ["archive_io_priv.t", "archive_io_priv.hidden", "archive_io_priv.nope"])
    assert check.reachable
    assert check.authenticated
    access = {a.table: a for a in check.tables}
    assert (access["archive_io_priv.t"].select, access["archive_io_priv.t"].delete) == (True, False)
    assert "purge would fail" in (access["archive_io_priv.t"].problem or "")
    assert not access["archive_io_priv.hidden"].select
    assert "does not exist" in (access["archive_io_priv.nope"].problem or "")
    assert not check.ok
    assert check.problems == [
        "no SELECT on archive_io_priv.hidden: it cannot be archived",
        "table archive_io_priv.nope does not exist in the source",
    ]


def test_mariadb_privileges_are_reported_per_table(maria_reader: str) -> None:
    check = check_connection("maria", maria_reader, ["test.archive_io_priv"])
    (access,) = check.tables
    assert (access.select, access.delete) == (True, False)
    assert check.ok  # readable: archival works; the missing DELETE is a note for purge


@pytest.mark.usefixtures("postgres", "mariadb")
def test_wrong_password_and_unreachable_server_are_told_apart() -> None:
    wrong = check_connection("pg", "postgresql://archive_io_nobody:bad-pw@127.0.0.1:5432/test", [])
    assert wrong.reachable
    assert not wrong.authenticated
    assert "bad-pw" not in " ".join(wrong.problems)
    wrong = check_connection("maria", "mysql://root:bad-pw@127.0.0.1:3306/test", [])
    assert (wrong.reachable, wrong.authenticated) == (True, False)
    assert "bad-pw" not in " ".join(wrong.problems)

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = check_connection("pg", f"postgresql://u:p@127.0.0.1:{port}/test", [])
    assert (down.reachable, down.authenticated) == (False, False)
    assert f"cannot reach 127.0.0.1:{port}" in down.problems[0]
