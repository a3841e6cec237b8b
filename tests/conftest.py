"""Shared fixtures: real databases of this machine, sample payloads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "payloads"


def payload(name: str) -> dict[str, Any]:
    """A sample body or event from payloads/ (the one copy tests, docs and smoke runs share)."""
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def _missing(service: str, exc: Exception) -> None:
    message = f"{service} is not reachable ({type(exc).__name__}: {exc}); this test needs it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: under CI=true a missing database is a failure")
    pytest.skip(message)


@pytest.fixture
def postgres() -> Iterator[Any]:
    """A connection to the machine's PostgreSQL (127.0.0.1:5432, database test)."""
    import psycopg

    try:
        conn = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        _missing("PostgreSQL at 127.0.0.1:5432", exc)
    with conn:
        yield conn


@pytest.fixture
def mariadb() -> Iterator[Any]:
    """A connection to the machine's MariaDB (127.0.0.1:3306, root, database test)."""
    import pymysql

    try:
        conn = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", database="test", connect_timeout=5, autocommit=True
        )
    except pymysql.err.OperationalError as exc:
        _missing("MariaDB at 127.0.0.1:3306", exc)
    with conn:
        yield conn
