"""build.ps1 run for real by PowerShell 7, as a new user runs it: from a fresh copy of the
repository, with no venv yet, on a machine whose package index cannot be reached."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import SYSTEM_PYTHON, fresh_copy, pwsh_or_skip, run_python

pytestmark = pytest.mark.sdk

def run_build_ps1(clone: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [pwsh_or_skip(), "-NoProfile", "-NonInteractive", "-File", str(clone / "build.ps1"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-6000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("dotnet") is None:
        pytest.skip("the .NET SDK is not installed")
    return fresh_copy(tmp_path_factory.mktemp("build-ps1") / "aotwheel")


@pytest.fixture(scope="module")
def default_run(clone: Path, tmp_path_factory) -> subprocess.CompletedProcess:
    """`build.ps1` with its defaults, started from another folder, where pip's index is a closed
    port on this machine: the script must notice and install aotwheel without an index."""
    env = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple")
    return run_build_ps1(clone, "-Python", SYSTEM_PYTHON, cwd=tmp_path_factory.mktemp("elsewhere"), env=env)


def test_defaults_build_the_sample_and_call_it_with_no_index(clone: Path, default_run: subprocess.CompletedProcess) -> None:
    assert "The package index cannot be reached" in default_run.stdout
    assert "--no-index --no-build-isolation -e" in default_run.stdout
    assert "add(2, 3) = 5" in default_run.stdout
    # The defaults are relative to the script's folder, not to where it was started.
    assert (clone / ".venv").is_dir()
    assert (clone / ".venv" / "pyvenv.cfg").read_text().count("include-system-site-packages = true") == 1
    wheels = list((clone / "dist").glob("aotsample_poc-*.whl"))
    assert len(wheels) == 1 and (clone / "dist" / ".try-venv").is_dir()
    # The venv it tried the wheel in sees nothing but the wheel (no system site packages).
    assert "include-system-site-packages = false" in (clone / "dist" / ".try-venv" / "pyvenv.cfg").read_text()


def test_another_project_with_no_index_switch(clone: Path, default_run: subprocess.CompletedProcess, tmp_path: Path) -> None:
    # -Project and -Out relative to the current folder; the existing venv is reused; -NoIndex asks
    # for the offline install without probing.
    done = run_build_ps1(clone, "-Project", "tests/projects/pricing", "-Out", str(tmp_path / "out"), "-NoIndex", cwd=clone)
    assert "pip index versions" not in done.stdout and "Creating the venv" not in done.stdout
    assert "--no-index --no-build-isolation -e" in done.stdout
    wheels = list((tmp_path / "out").glob("contoso_pricing-2.1.0-*.whl"))
    assert len(wheels) == 1, done.stdout
    assert f"Built and installed: {wheels[0]}" in done.stdout
    try_python = tmp_path / "out" / ".try-venv" / "bin" / "python"
    assert f"try it with: {try_python}" in done.stdout
    called = run_python(try_python, "import contoso_pricing as p; print(p.net_price(10_000, 2_500))")
    assert called.returncode == 0, called.stderr
    assert called.stdout.strip() == "7500"
