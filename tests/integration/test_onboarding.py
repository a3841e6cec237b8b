"""Onboarding a PostgreSQL database with `archive-io onboard`, then discovering its due rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Served

pytestmark = pytest.mark.integration

ONBOARDING = """
connection: pg_onboarded
database: test
schema: archive_io_onboard
retention_policy: 7
owner: Payments
owner_email: payments@example.com
tables:
  - name: payments
    date_column: paid_at
    archive_after_days: 365
"""


def onboard(served: Served, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive_io", "onboard", str(path), "--api", served.api_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_onboard_then_discover(served: Served, postgres: Any, tmp_path: Path) -> None:
    with postgres.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS archive_io_onboard CASCADE")
        cur.execute("CREATE SCHEMA archive_io_onboard")
        cur.execute("CREATE TABLE archive_io_onboard.payments (id int PRIMARY KEY, paid_at timestamptz)")
        # paid i days and 12 hours ago: away from the cutoff's edge, whatever the clock does meanwhile
        cur.execute(
            "INSERT INTO archive_io_onboard.payments "
            "SELECT i, now() - i * interval '1 day' - interval '12 hours' FROM generate_series(0, 799) i"
        )
    try:
        client = served.client
        url = "postgresql://postgres@127.0.0.1:5432/test"
        assert client.post("/connections", {"name": "pg_onboarded", "url": url}).status_code == 201
        path = tmp_path / "payments.yaml"
        path.write_text(ONBOARDING)
        result = onboard(served, path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "onboarded 1 tables as config/pg_onboarded/test.yaml" in result.stdout

        path.write_text(ONBOARDING.replace("paid_at", "paid_on"))
        refused = onboard(served, path)
        assert refused.returncode == 1
        assert "column 'paid_on' does not exist" in refused.stdout

        found = client.get("/discovery").json()
        (due,) = [d for d in found["due"] if d["connection"] == "pg_onboarded"]
        assert due["table"] == "payments"
        assert due["due_rows"] == 800 - 365  # i = 365..799: paid more than 365 days ago
        assert due["condition"].startswith('"paid_at" < ')
    finally:
        with postgres.cursor() as cur:
            cur.execute("DROP SCHEMA archive_io_onboard CASCADE")
