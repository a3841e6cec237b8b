from __future__ import annotations

import pytest

from archive_io.glue import resolve_options


def test_pairs_and_equals_forms() -> None:
    argv = ["job.py", "--JOB_NAME", "j", "--run_id", "run-1", "--table_name=Orders", "--empty", ""]
    assert resolve_options(argv, ["run_id", "table_name"]) == {
        "JOB_NAME": "j",
        "run_id": "run-1",
        "table_name": "Orders",
        "empty": "",
    }


def test_missing_required_argument_is_named() -> None:
    with pytest.raises(ValueError, match="--table_name"):
        resolve_options(["job.py", "--run_id", "r"], ["run_id", "table_name"])
