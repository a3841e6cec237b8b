"""The scheduled fallback (EventBridge schedule -> lambdas/schedule_fallback): tables and file prefixes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive_io.files.onboarding import run_file_schedule
from archive_io.runtime import Runtime
from archive_io.tables.onboarding import run_schedule


def run_fallback(runtime: Runtime, fired: datetime) -> dict[str, Any]:
    """{"day", "started", "already_started", "problems"}: table runs by table, file runs by prefix."""
    tables = run_schedule(runtime, fired)
    files = run_file_schedule(runtime, fired)
    return {key: value + files[key] if isinstance(value, list) else value for key, value in tables.items()}
