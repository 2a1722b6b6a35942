"""Helpers shared by the tests: building with the real CLI, clean virtual environments, running code in them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def run_aotwheel(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = True):
    """Run the real `python -m aotwheel` CLI of this checkout."""
    result = subprocess.run(
        [sys.executable, "-m", "aotwheel", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise AssertionError(f"aotwheel {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def build_wheel(project: Path, out: Path, build_dir: Path, *extra: str) -> Path:
    result = run_aotwheel("build", str(project), "-o", str(out), "--build-dir", str(build_dir), *extra)
    wheels = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("Built wheel: ")]
    assert len(wheels) == 1, result.stdout
    return Path(wheels[0])


def make_venv(path: Path, *, system_site_packages: bool) -> Path:
    """A venv from the system Python; returns its interpreter."""
    subprocess.run(
        [SYSTEM_PYTHON, "-m", "venv", *(["--system-site-packages"] if system_site_packages else []), str(path)],
        check=True, capture_output=True,
    )
    return path / "bin" / "python"


def pip_install(python: Path, *wheels: Path) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--force-reinstall",
         *map(str, wheels)],
        check=True, capture_output=True, text=True,
    )


def environment_without_dotnet() -> dict[str, str]:
    """The environment of a machine without .NET: no dotnet on PATH, no DOTNET_ROOT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOTNET_", "PYTHON"))}
    env["PATH"] = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "dotnet").exists()
    )
    assert shutil.which("dotnet", path=env["PATH"]) is None
    return env


def run_python(python: Path, code: str, *, cwd: Path | None = None, timeout: float = 120):
    """Run *code* in *python* with .NET out of reach; returns the CompletedProcess."""
    return subprocess.run(
        [str(python), "-c", code], cwd=cwd, env=environment_without_dotnet(), capture_output=True, text=True,
        timeout=timeout,
    )


def call_json(python: Path, code: str, *, cwd: Path | None = None):
    """Run *code*, which must print one JSON document last; return it decoded."""
    result = run_python(python, code, cwd=cwd)
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def pwsh_or_skip() -> str:
    """PowerShell 7 for build.ps1; .ci/setup installs it, so on this project's CI its absence fails."""
    pwsh = shutil.which("pwsh")
    if pwsh is None:
        if os.environ.get("CI"):
            pytest.fail("pwsh is not on PATH: .ci/setup installs it (dotnet tool install PowerShell)")
        pytest.skip("pwsh is not installed: `make setup` installs it")
    return pwsh


# What a checkout has besides the tracked files, for a copy made without git.
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "bin", "obj", "__pycache__", "*.egg-info")


def fresh_copy(destination: Path) -> Path:
    """The repository as a clone has it: the tracked (and new, not ignored) files, nothing built."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, text=True,
    )
    if listed.returncode != 0:
        shutil.copytree(REPO, destination, ignore=NOT_IN_A_CHECKOUT)
        return destination
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


# Leak checks compare equal batches of work after a warm-up, never an absolute growth: a .NET runtime
# grows until its GC budget is committed (a size that depends on the machine), then stays flat,
# while a leak grows every batch by the same amount.
RSS_BATCHES = '''
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def rss_batches(work, size, batches=3):
    """RSS (KiB) after a warm-up batch of *size*, then after each of *batches* equal batches."""
    work(size)
    samples = [rss_kib()]
    for _ in range(batches):
        work(size)
        samples.append(rss_kib())
    return samples
'''

# Leak checks also pin the GC's gen0 budget for the child (set before the runtime starts at import):
# a budget far above aotwheel's default (DOTNET_GCgen0size=10000000, 256 MiB, as a user may set it)
# is still filling after many batches, which a batch comparison cannot tell from a leak.
LEAK_BATCHES = '''
import os
os.environ["DOTNET_GCgen0size"] = "1000000"
''' + RSS_BATCHES


def leak_in(samples: list[int], tolerance: float = 0.05) -> str | None:
    """Why *samples* (from rss_batches) show a leak, or None.

    A leak is growth in each of the last two batches of more than *tolerance* of the RSS the warm-up
    reached: a leak adds the same amount every batch, and a runtime still filling its GC budget adds
    only at first (one GC-cycle step in a single batch is not a leak).
    """
    plateau, last_two = samples[0], [b - a for a, b in zip(samples[-3:], samples[-2:])]
    if min(last_two) > tolerance * plateau:
        return f"RSS grew by {last_two} KiB in each of the last two equal batches (plateau {plateau} KiB): {samples}"
    return None


def tool_or_skip(name: str, installed_by: str = ".ci/setup") -> str:
    """A program the suite needs; on this project's CI (where .ci/setup installed it) its absence fails."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not on PATH: {installed_by} installs it")
        pytest.skip(f"{name} is not installed: `make setup` installs it")
    return path


def windows_path(path: Path) -> str:
    """*path* as a Windows program under Wine sees it (drive Z: is the Unix root)."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


def wine_environment(prefix: Path) -> dict[str, str]:
    return {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}


def forget_stale_attribute_package() -> None:
    """Drop NuGet's extracted AotWheel.Attributes of this aotwheel's version when it holds other
    sources than this checkout's (packed by an earlier checkout under the same version): NuGet never
    extracts a version twice, and the build would warn of it."""
    from aotwheel.attributes import nuget_version, stale_cached_package

    root = os.environ.get("NUGET_PACKAGES") or str(Path.home() / ".nuget" / "packages")
    stale = stale_cached_package(root, nuget_version())
    if stale is not None:
        shutil.rmtree(stale, ignore_errors=True)


def git(folder: Path, *args: str) -> str:
    """Run git in *folder* (an identity of its own, so that commits work anywhere); return stdout."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    result = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def default_sigint() -> None:
    """A child's preexec_fn: SIGINT back to its default, so that Python in the child takes it as
    KeyboardInterrupt. A shell without job control starts background commands with SIGINT ignored,
    and children inherit that (a suite run with `make test &` would otherwise test nothing)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
