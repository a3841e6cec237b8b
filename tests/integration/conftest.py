"""The embedded platform, started as a user starts it: `archive-io serve` in its own process."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from archive_io.local.demo import DemoClient

READY = re.compile(r"ready: API (\S+) AWS (\S+)")
THAW_SECONDS = 3


@dataclass
class Served:
    api_url: str
    endpoint_url: str
    state_dir: Path
    log: list[str]

    @property
    def client(self) -> DemoClient:
        return DemoClient(self.api_url)

    def aws(self, service: str) -> Any:
        return boto3.session.Session().client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@contextlib.contextmanager
def serve(state_dir: Path, *options: str) -> Iterator[Served]:
    """`archive-io serve` with these options in its own process, until the block ends."""
    env = os.environ | {"POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_io", "serve", "--port", "0", "--state-dir", str(state_dir), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    log: list[str] = []
    found: list[re.Match[str]] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)
            if not found and (match := READY.search(line)):
                found.append(match)
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not found:
        process.kill()
        pytest.fail("archive-io serve did not print its ready line:\n" + "".join(log[-40:]))
    try:
        yield Served(found[0][1], found[0][2], state_dir, log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # Restores take THAW_SECONDS, as Glacier takes hours: the restore flow's Wait loop is exercised.
    with serve(tmp_path_factory.mktemp("platform"), "--thaw-seconds", str(THAW_SECONDS)) as platform:
        yield platform
