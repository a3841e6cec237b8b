"""deploy.sh refuses what it must before it changes anything: run with stand-in aws, terraform,
docker and git that record their calls (and answer `aws sts get-caller-identity`)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("aws", "terraform", "docker", "git")


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    calls = tmp_path / "calls"
    for tool in TOOLS:
        script = tmp_path / tool
        script.write_text(
            f'#!/usr/bin/env bash\necho "{tool} $*" >> "{calls}"\n'
            '[[ "$*" == "sts get-caller-identity"* ]] && echo 111111111111\nexit 0\n'
        )
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def deploy(stubs: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = os.environ | {"PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", str(ROOT / "deploy.sh"), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    calls = stubs / "calls"
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_an_unknown_environment_is_refused_naming_the_known_ones(stubs: Path) -> None:
    result, calls = deploy(stubs, "staging", "--apply")
    assert result.returncode != 0
    assert "unknown environment 'staging' (known: dev prod qa)" in result.stderr
    assert calls == []


def test_the_data_stack_is_never_destroyed(stubs: Path) -> None:
    for stack in ("data", "all"):
        result, calls = deploy(stubs, "dev", "--destroy", "--stack", stack)
        assert result.returncode != 0
        assert "refusing to destroy the data stack" in result.stderr
        assert calls == []


def test_prod_is_not_touched_without_a_confirmation(stubs: Path) -> None:
    result, calls = deploy(stubs, "prod", "--apply")
    assert result.returncode != 0
    assert "confirmation needed" in result.stderr
    # it said what it was about to do, and asked only who the caller is
    assert "prod" in result.stdout
    assert calls == ["aws sts get-caller-identity --query Account --output text"]


def test_a_bad_option_is_named(stubs: Path) -> None:
    result, calls = deploy(stubs, "dev", "--stack", "everything")
    assert result.returncode != 0
    assert "--stack is data, app or all, not 'everything'" in result.stderr
    assert calls == []
