"""`archive-io demo`, run as `make demo` runs it: the whole platform, one command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


def test_demo_archives_the_three_tables_and_writes_the_report(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "archive_io", "demo", "--state-dir", str(tmp_path), "--rows", "60"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ | {"COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SUCCEEDED" in out
    for table, rows in (("products", 19), ("leads", 49), ("customers", 60)):
        assert re.search(rf"{table}\s+│\s+{rows}\s+│\s+[\d,]+\s+│\s+archive_demo_main\.{table}\s+│\s+PASSED", out), out
    match = re.search(r"PDF report: (\S+\.pdf)", out)
    assert match, out
    pages = PdfReader(match[1]).pages
    assert "PASSED" in pages[0].extract_text()
    assert re.search(r"File archival run-\S+: SUCCEEDED, 120 files in 3 zips in DEEP_ARCHIVE", out), out
    assert "Restore of 5007_20250410.csv: RESTORED -> s3://archive-io-local-restored/20250410/invoices/" in out
