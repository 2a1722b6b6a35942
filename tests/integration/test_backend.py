"""The PEP 517/660 backend through the real front ends: pip wheel, pip install, python -m build, pip install -e."""

from __future__ import annotations

import email.parser
import os
import platform
import re
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from support import REPO, make_venv, run_python

pytestmark = pytest.mark.sdk

PRICING = REPO / "tests" / "projects" / "pricing"


@pytest.fixture(scope="module")
def frontend_python(tmp_path_factory) -> Path:
    """A venv seeing Debian's pip/build/setuptools, with this checkout's aotwheel installed (the build
    requirement; there is no package index here, so the front ends run without build isolation)."""
    python = make_venv(tmp_path_factory.mktemp("frontend") / "venv", system_site_packages=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", str(REPO)],
        check=True, capture_output=True, text=True,
    )
    return python


@pytest.fixture()
def pricing(tmp_path) -> Path:
    copy = tmp_path / "pricing"
    shutil.copytree(PRICING, copy, ignore=shutil.ignore_patterns("build", "dist"))
    return copy


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def test_python_m_build_makes_sdist_and_wheel_from_it(frontend_python, pricing):
    built = run(frontend_python, "-m", "build", "--no-isolation", "-o", "dist", ".", cwd=pricing)
    assert "$ /" not in built.stdout + built.stderr  # concise: the kilobyte-long commands only with AOTWHEEL_VERBOSE
    sdist = next((pricing / "dist").glob("*.tar.gz"))
    wheel = next((pricing / "dist").glob("*.whl"))
    assert sdist.name == "contoso_pricing-2.1.0.tar.gz"
    machine = platform.machine()  # zig-linked at the default floor
    assert wheel.name == f"contoso_pricing-2.1.0-py3-none-manylinux_2_17_{machine}.manylinux2014_{machine}.whl"
    names = tarfile.open(sdist).getnames()
    assert "contoso_pricing-2.1.0/src/Contoso.Pricing/Pricing.cs" in names
    assert "contoso_pricing-2.1.0/PKG-INFO" in names
    assert not [n for n in names if "/build/" in n or "/bin/" in n or "/obj/" in n]
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.parser.Parser().parsestr(archive.read("contoso_pricing-2.1.0.dist-info/METADATA").decode())
    assert metadata["Name"] == "contoso-pricing"
    assert metadata["Summary"] == "Price calculations from a C# library"
    assert metadata["Requires-Python"] == ">=3.8"
    assert metadata["Author-email"] == "Contoso Data Team <data@contoso.example>"
    assert metadata.get_all("Provides-Extra") == ["arrays"]
    assert 'numpy>=1.20; extra == "arrays"' in metadata.get_all("Requires-Dist")
    assert "Project-URL" in metadata and "Net prices computed" in metadata.get_payload()


def test_pip_install_dot_then_call(frontend_python, pricing, tmp_path):
    run(frontend_python, "-m", "pip", "install", "--no-build-isolation", "--no-deps", ".", cwd=pricing)
    result = run_python(
        frontend_python, "import contoso_pricing as p, array; a = array.array('q', [1000, 2000]); "
        "p.discount_all(a, 2, 2500); print(p.net_price(10000, 1500), list(a))", cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8500 [750, 1500]"
    assert "Net price in cents" in run_python(frontend_python, "import contoso_pricing as p; print(p.net_price.__doc__)").stdout


def test_pip_wheel_honours_config_settings(frontend_python, pricing, tmp_path):
    """`--config-settings` mean what `aotwheel build`'s options mean: here a host-linked wheel
    (this machine's glibc as its floor, not manylinux2014), from a build folder given too."""
    run(frontend_python, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(tmp_path / "wheels"),
        "--config-settings=manylinux=host", f"--config-settings=build-dir={tmp_path / 'b'}", ".", cwd=pricing)
    wheel = next((tmp_path / "wheels").glob("*.whl"))
    floor = re.fullmatch(rf"contoso_pricing-2\.1\.0-py3-none-manylinux_2_(\d+)_{platform.machine()}\.whl", wheel.name)
    assert floor and 17 < int(floor.group(1)) <= int(platform.libc_ver()[1].split(".")[1]), wheel.name
    assert list((tmp_path / "b").glob("*/publish/*.so")) and not (pricing / "build").exists()


def test_editable_install_rebuilds_when_csharp_changes(frontend_python, pricing, tmp_path):
    run(frontend_python, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "-e", ".", cwd=pricing)
    # A developer's environment: the SDK is in reach, so the import can rebuild.
    code = "import contoso_pricing as p; print(p.net_price(10000, 1500))"
    first = run(frontend_python, "-c", code, cwd=tmp_path)
    assert first.stdout.strip() == "8500"

    source = pricing / "src" / "Contoso.Pricing" / "Pricing.cs"
    source.write_text(source.read_text().replace("grossCents - grossCents", "1 + grossCents - grossCents"))
    second = run(frontend_python, "-c", code, cwd=tmp_path)
    assert f"aotwheel: an input of {pricing} changed; rebuilding" in second.stderr
    assert second.stdout.strip() == "8501"

    third = run(frontend_python, "-c", code, cwd=tmp_path)  # unchanged now: no rebuild
    assert third.stdout.strip() == "8501" and "rebuilding" not in third.stderr


def test_aotwheel_develop_installs_into_the_active_venv(frontend_python, pricing, tmp_path):
    result = run(frontend_python, "-m", "aotwheel", "develop", str(pricing), "--python", str(frontend_python), cwd=tmp_path)
    assert "(editable) into" in result.stdout
    called = run(frontend_python, "-c", "import contoso_pricing as p; print(p.net_price(200, 5000), p.__file__)", cwd=tmp_path)
    value, location = called.stdout.split()
    assert value == "100"
    assert location.startswith(str(pricing / "build" / "aotwheel" / "editable"))


def test_editable_install_never_serves_stale_code_silently(frontend_python, tmp_path):
    """The rebuild uses the installed aotwheel even with an `aotwheel` folder (a clone) in the working
    directory; a CLI build in between is no false "changed"; a rebuild that fails fails the import,
    unless AOTWHEEL_EDITABLE_STALE=1 asks for the last build."""
    zoo = tmp_path / "zoo"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", zoo)  # the csproj at the project's top, as init makes it
    (zoo / "pyproject.toml").write_text('[build-system]\nrequires = ["aotwheel"]\nbuild-backend = "aotwheel.backend"\n')
    run(frontend_python, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "-e", ".", cwd=zoo)
    run(frontend_python, "-m", "aotwheel", "build", ".", "-o", "dist", cwd=zoo)  # writes dist/ into the project folder
    clone = tmp_path / "work"
    (clone / "aotwheel").mkdir(parents=True)  # what a clone of aotwheel looks like from its parent folder
    (clone / "aotwheel" / "editable.py").write_text("raise RuntimeError('the clone was imported')\n")
    code = "import typezoo; print(typezoo.echo_int(41))"

    quiet = run(frontend_python, "-c", code, cwd=clone)
    assert quiet.stdout.strip() == "41" and quiet.stderr == ""  # nothing changed: nothing said

    source = zoo / "Zoo.cs"
    source.write_text(source.read_text().replace("EchoInt(int value) => value;", "EchoInt(int value) => value + 1;"))
    rebuilt = run(frontend_python, "-c", code, cwd=clone)
    assert rebuilt.stdout.strip() == "42"
    assert f"aotwheel: an input of {zoo} changed; rebuilding" in rebuilt.stderr and "$ /" not in rebuilt.stderr

    source.write_text(source.read_text().replace("EchoInt(int value) => value + 1;", "EchoInt(int value) => valu;"))
    failed = subprocess.run([str(frontend_python), "-c", code], cwd=clone, capture_output=True, text=True)
    assert failed.returncode == 1 and "error CS0103" in failed.stderr
    assert f"ImportError: typezoo (editable) cannot be rebuilt: rebuilding {zoo} failed (see above)" in failed.stderr
    assert "AOTWHEEL_EDITABLE_STALE=1" in failed.stderr

    stale = subprocess.run([str(frontend_python), "-c", code], cwd=clone, capture_output=True, text=True,
                           env=dict(os.environ, AOTWHEEL_EDITABLE_STALE="1"))
    assert stale.returncode == 0 and stale.stdout.strip() == "42"  # the last build, said so
    assert f"typezoo: rebuilding {zoo} failed (see above); importing the last build ($AOTWHEEL_EDITABLE_STALE is set)" in stale.stderr
