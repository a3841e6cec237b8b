"""Where the project's non-package files are: lambdas/, glue_jobs/, stepfunctions/, payloads/."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ROOT_ENV = "ARCHIVE_IO_PROJECT_ROOT"


@cache
def project_root() -> Path:
    """The checkout that holds `stepfunctions/`: from ARCHIVE_IO_PROJECT_ROOT, else beside `src/`."""
    configured = os.environ.get(ROOT_ENV)
    root = Path(configured) if configured else Path(__file__).resolve().parents[2]
    if not (root / "stepfunctions").is_dir():
        raise RuntimeError(
            f"no Archive-IO checkout at {root}: the embedded platform runs from a clone of the project "
            f"(set {ROOT_ENV} to its path)"
        )
    return root
