"""The README's install command works offline in a fresh virtual environment and the installed
package imports and solves. The module is built in the tree under test (PGTRUTH_CMAKE_BUILD_DIR,
set by CTest) so that the check takes seconds; PGTRUTH_SLOW_TESTS=1 also runs the install as a
user does, compiling the library from scratch (minutes)."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CASES, ROOT


def install_and_import(tmp_path, env):
    source = tmp_path / "pgtruth-source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "build-*", "__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", tmp_path / "venv"], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    env = {k: v for k, v in {**os.environ, **env}.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "-q", "./python"],
                          cwd=source, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run([python, "-c", "import pgtruth, sys; print(pgtruth.__file__); "
                            f"print(pgtruth.load({str(CASES / 'short-corridor.json')!r}).solve().J)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    where, J = check.stdout.split()
    assert where.startswith(str(tmp_path / "venv")) and float(J) == -12.0


def test_pip_install_into_a_virtual_environment(tmp_path):
    build = os.environ.get("PGTRUTH_CMAKE_BUILD_DIR")
    if not build:
        pytest.skip("PGTRUTH_CMAKE_BUILD_DIR (a configured build tree) is not set; CTest sets it")
    install_and_import(tmp_path, {"PGTRUTH_CMAKE_BUILD_DIR": build})


@pytest.mark.skipif(os.environ.get("PGTRUTH_SLOW_TESTS") != "1", reason="compiles the library: PGTRUTH_SLOW_TESTS=1")
def test_pip_install_from_scratch(tmp_path):
    install_and_import(tmp_path, {})
