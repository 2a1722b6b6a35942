"""The README's install path for aotwheel itself, without a package index: a wheel of aotwheel built
from a fresh copy of the repository, installed into a venv, carries its templates, C# support and
the [tool.aotwheel] schema."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from support import fresh_copy, make_venv


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def test_a_wheel_of_aotwheel_installs_without_an_index_and_works(tmp_path: Path) -> None:
    clone = fresh_copy(tmp_path / "aotwheel")
    builder = make_venv(tmp_path / "builder", system_site_packages=True)  # Debian's build and setuptools
    run(builder, "-m", "build", "--no-isolation", "--wheel", "-o", tmp_path / "dist", clone)
    wheel = next((tmp_path / "dist").glob("aotwheel-*-py3-none-any.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "aotwheel/templates/schema/tool-aotwheel.schema.json" in names
    assert "aotwheel/templates/new/Library.cs.j2" in names

    user = make_venv(tmp_path / "user", system_site_packages=True)  # its dependencies, from Debian
    run(user, "-m", "pip", "install", "--quiet", "--no-index", wheel)
    aotwheel = tmp_path / "user" / "bin" / "aotwheel"
    schema = Path(run(aotwheel, "schema", "--path").stdout.strip())
    assert schema.is_relative_to(tmp_path / "user") and json.loads(schema.read_text())["properties"]
    run(aotwheel, "new", tmp_path / "fresh-lib", "--framework", "net9.0")
    assert (tmp_path / "fresh-lib" / "src" / "FreshLib" / "Library.cs").is_file()
