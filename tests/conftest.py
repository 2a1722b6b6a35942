"""Session-wide fixtures: each sample C# library is compiled once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import REPO, build_wheel, make_venv, pip_install, tool_or_skip, wine_environment  # noqa: E402

POC_PROJECT = REPO / "csharp_src" / "samples" / "PocExports"
ZOO_PROJECT = REPO / "tests" / "projects" / "TypeZoo"
FAULTS_PROJECT = REPO / "tests" / "projects" / "Faults"
REPRODUCIBLE_EPOCH = "1700000000"


@pytest.fixture(params=["native", "ctypes"])
def backend(request, monkeypatch) -> str:
    """The [PyExport] backend the test's child processes use (they inherit AOTWHEEL_BACKEND):
    "native" insists on the extension module, "ctypes" forces the fallback of the same wheel."""
    monkeypatch.setenv("AOTWHEEL_BACKEND", request.param)
    return request.param


@pytest.fixture(scope="session")
def build_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("aotwheel-build")


@pytest.fixture(scope="session")
def poc_wheel(build_root: Path) -> Path:
    return build_wheel(POC_PROJECT, build_root / "dist-poc", build_root / "poc")


@pytest.fixture(scope="session")
def zoo_wheel(build_root: Path) -> Path:
    return build_wheel(ZOO_PROJECT, build_root / "dist-zoo", build_root / "zoo")


@pytest.fixture(scope="session")
def clean_python(tmp_path_factory, poc_wheel: Path, zoo_wheel: Path) -> Path:
    """A venv with no system site packages (so no numpy), holding only the built wheels."""
    python = make_venv(tmp_path_factory.mktemp("clean") / "venv", system_site_packages=False)
    pip_install(python, poc_wheel, zoo_wheel)
    return python


@pytest.fixture(scope="session")
def numpy_python(tmp_path_factory, poc_wheel: Path, zoo_wheel: Path) -> Path:
    """A venv that sees Debian's numpy, for the zero-copy array paths."""
    python = make_venv(tmp_path_factory.mktemp("numpy") / "venv", system_site_packages=True)
    pip_install(python, poc_wheel, zoo_wheel)
    return python


PYEXPORT_PROJECT = REPO / "csharp_src" / "samples" / "PyExportSample"


@pytest.fixture(scope="session")
def pyexport_build_dir(build_root: Path) -> Path:
    return build_root / "pyexport"


@pytest.fixture(scope="session")
def pyexport_wheel(build_root: Path, pyexport_build_dir: Path) -> Path:
    """The [PyExport] sample, built once (one NativeAOT publish) for the session."""
    return build_wheel(PYEXPORT_PROJECT, build_root / "dist-pyexport", pyexport_build_dir)


@pytest.fixture(scope="session")
def pyexport_clean(tmp_path_factory, pyexport_wheel: Path) -> Path:
    """A venv with no site packages (no numpy) holding only the [PyExport] sample."""
    python = make_venv(tmp_path_factory.mktemp("pyexport-clean") / "venv", system_site_packages=False)
    pip_install(python, pyexport_wheel)
    return python


@pytest.fixture(scope="session")
def pyexport_numpy(tmp_path_factory, pyexport_wheel: Path) -> Path:
    """A venv seeing Debian's numpy and hypothesis, holding the [PyExport] sample."""
    python = make_venv(tmp_path_factory.mktemp("pyexport-numpy") / "venv", system_site_packages=True)
    pip_install(python, pyexport_wheel)
    return python


@pytest.fixture(scope="session")
def faults_wheel(build_root: Path) -> Path:
    """Hardware faults and a stack overflow in .NET ([PyExport] and one raw export), built once."""
    return build_wheel(FAULTS_PROJECT, build_root / "dist-faults", build_root / "faults")


HAZARDS_PROJECT = REPO / "tests" / "projects" / "PyExportHazards"


@pytest.fixture(scope="session")
def hazards_wheel(build_root: Path) -> Path:
    """A second [PyExport] library (tests/projects/PyExportHazards)."""
    return build_wheel(HAZARDS_PROJECT, build_root / "dist-hazards", build_root / "hazards")


@pytest.fixture(scope="session")
def two_pyexport_wheels(tmp_path_factory, pyexport_wheel: Path, hazards_wheel: Path) -> Path:
    """A venv with no site packages holding two [PyExport] wheels: the sample and PyExportHazards."""
    python = make_venv(tmp_path_factory.mktemp("pyexport-two") / "venv", system_site_packages=False)
    pip_install(python, pyexport_wheel, hazards_wheel)
    return python


HOSTILE_PROJECT = REPO / "tests" / "projects" / "Hostile"


@pytest.fixture(scope="session")
def hostile_wheel(build_root: Path) -> Path:
    """Names that collide with what aotwheel generates, in C# and in Python (tests/projects/Hostile)."""
    return build_wheel(HOSTILE_PROJECT, build_root / "dist-hostile", build_root / "hostile")


@pytest.fixture(scope="session")
def hostile_python(tmp_path_factory, hostile_wheel: Path) -> Path:
    python = make_venv(tmp_path_factory.mktemp("hostile") / "venv", system_site_packages=False)
    pip_install(python, hostile_wheel)
    return python


# --- win-x64, built here and run under Wine (tests/integration/test_windows_wheel.py) ---------------


@pytest.fixture(scope="session")
def win_poc_wheel(build_root: Path) -> Path:
    """The PoC sample for win-x64, linked on this Linux machine."""
    return build_wheel(POC_PROJECT, build_root / "dist-poc-win", build_root / "poc", "--rid", "win-x64")


@pytest.fixture(scope="session")
def win_pyexport_wheel(build_root: Path, pyexport_build_dir: Path) -> Path:
    """The [PyExport] sample for win-x64."""
    return build_wheel(PYEXPORT_PROJECT, build_root / "dist-pyexport-win", pyexport_build_dir, "--rid", "win-x64")


@pytest.fixture(scope="session")
def wine_prefix(tmp_path_factory) -> Path:
    """A 64-bit Wine prefix: the one .ci/test-roots keeps outside the clone when it is ours to use,
    else a new one for this session (Wine refuses a prefix another user owns)."""
    tool_or_skip("wine")
    script = REPO / ".ci" / "test-roots"
    printed = subprocess.run(["bash", str(script), "--print"], capture_output=True, text=True, check=True).stdout.split()
    cached = Path(printed[2])
    if (cached / ".complete").is_file() and cached.stat().st_uid == os.getuid():
        return cached
    prefix = tmp_path_factory.mktemp("wine") / "prefix"
    environment = {**wine_environment(prefix), "WINEARCH": "win64"}
    subprocess.run(["wineboot", "--init"], env=environment, capture_output=True, check=True, timeout=300)
    return prefix


@pytest.fixture(scope="session")
def windows_host(tmp_path_factory) -> Path:
    """tests/windows/host.c as a Windows program (mingw-w64)."""
    compiler = tool_or_skip("x86_64-w64-mingw32-gcc")
    host = tmp_path_factory.mktemp("windows-host") / "host.exe"
    subprocess.run([compiler, "-municode", "-O2", "-Wall", "-Werror", str(REPO / "tests" / "windows" / "host.c"), "-o", str(host)],
                   check=True, capture_output=True)
    return host


LIBRARY_PROJECT = REPO / "csharp_src" / "samples" / "LibraryShaped"


@pytest.fixture(scope="session")
def library_wheel(build_root: Path) -> Path:
    """The library-shaped sample (csharp_src/samples/LibraryShaped), built once for the session."""
    return build_wheel(LIBRARY_PROJECT, build_root / "dist-library", build_root / "library")


@pytest.fixture(scope="session")
def library_clean(tmp_path_factory, library_wheel: Path) -> Path:
    """A venv with no site packages (no numpy) holding only the library-shaped sample."""
    python = make_venv(tmp_path_factory.mktemp("library-clean") / "venv", system_site_packages=False)
    pip_install(python, library_wheel)
    return python


@pytest.fixture(scope="session")
def library_numpy(tmp_path_factory, library_wheel: Path) -> Path:
    """A venv seeing Debian's numpy, holding the library-shaped sample."""
    python = make_venv(tmp_path_factory.mktemp("library-numpy") / "venv", system_site_packages=True)
    pip_install(python, library_wheel)
    return python
