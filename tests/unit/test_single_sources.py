"""Facts written in one place only: aotwheel's version and the default build folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aotwheel import compile as compile_module
from aotwheel.compile import NativeCompiler
from aotwheel.metadata import metadata_from_pyproject
from aotwheel.project import DEFAULT_BUILD_DIR, Project, ToolConfig, default_build_dir, read_pyproject
from aotwheel.resources import support_dir
from aotwheel.targets import target_for

REPO = Path(__file__).resolve().parents[2]


def test_the_distribution_version_is_read_from_the_package() -> None:
    pyproject = read_pyproject(REPO / "pyproject.toml")
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "aotwheel.__version__"}


def test_the_default_build_folder_is_spelt_once(tmp_path: Path) -> None:
    assert default_build_dir(tmp_path) == tmp_path / "build" / "aotwheel"
    spelt = re.compile(r"""build/aotwheel|["']build["']\s*/\s*["']aotwheel["']""")
    elsewhere = [
        str(path.relative_to(REPO)) for path in sorted((REPO / "pytools").rglob("*.py"))
        if path.name != "project.py" and spelt.search(path.read_text(encoding="utf-8"))
    ]
    assert elsewhere == []


def test_msbuild_excludes_the_default_build_folder_it_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_module, "dotnet_command", lambda: ["dotnet"])
    metadata = metadata_from_pyproject({}, tmp_path, fallback_name="lib", fallback_version="1.0")
    project = Project(tmp_path, tmp_path / "Lib.csproj", "Lib", ("net10.0",), "lib", metadata, ToolConfig())
    command = NativeCompiler(project, target_for("linux-x64"), tmp_path / "b", log=lambda line: None).command("publish", None)
    assert f"-p:AotWheelDefaultBuildDir={DEFAULT_BUILD_DIR}/" in command
    props = (support_dir() / "build" / "AotWheel.props").read_text(encoding="utf-8")
    assert "**/$(AotWheelDefaultBuildDir)**;" in props
