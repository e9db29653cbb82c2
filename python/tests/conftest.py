"""Shared helpers: the shipped cases and the command line whose output Python must equal.

PGTRUTH_COMMAND names the `pgtruth` executable (CTest sets it); by default build/tools/pgtruth."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"


def command_path():
    return Path(os.environ.get("PGTRUTH_COMMAND", ROOT / "build" / "tools" / "pgtruth"))


def run_command(*args, expect=None):
    """Runs `pgtruth ARGS`; returns (exit code, stdout, stderr)."""
    if not command_path().exists():
        pytest.skip(f"the pgtruth command is not built at {command_path()} (set PGTRUTH_COMMAND)")
    done = subprocess.run([str(command_path()), *map(str, args)], capture_output=True, text=True, timeout=600)
    if expect is not None:
        assert done.returncode == expect, done.stderr
    return done.returncode, done.stdout, done.stderr


def command_json(*args, expect=None):
    code, out, err = run_command(*args, expect=expect)
    return json.loads(out)


@pytest.fixture
def cases():
    return CASES
