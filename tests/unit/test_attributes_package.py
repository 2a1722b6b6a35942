"""The AotWheel.Attributes package's text edits and versions (no SDK needed here; the package is
packed, restored and compiled in tests/integration/test_attributes.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from aotwheel import attributes
from aotwheel.attributes import (
    _add_source, add_reference, attribute_sources, nuget_version, references_package, stale_cached_package,
)
from aotwheel.gitignore import ignore_build_output


@pytest.mark.parametrize("pep440, nuget", [
    ("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("1.0.0rc1", "1.0.0-rc.1"), ("2.0b3", "2.0.0-beta.3"),
    ("0.3.0.dev2", "0.3.0-dev.2"), ("1.0.post2", "1.0.0.2"), ("1.0a1.dev4", "1.0.0-alpha.1.dev.4"),
])
def test_nuget_version_of_a_pep440_version(pep440, nuget):
    assert nuget_version(pep440) == nuget


CSPROJ = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
</Project>
"""


def test_add_reference_inserts_one_item_group_and_keeps_the_rest(tmp_path):
    csproj = tmp_path / "Lib.csproj"
    csproj.write_text(CSPROJ)
    assert add_reference(csproj, None) == [csproj]
    text = csproj.read_text()
    assert text.startswith(CSPROJ[: CSPROJ.index("</Project>")])
    assert text.endswith(f'  <ItemGroup>\n    <PackageReference Include="AotWheel.Attributes" Version="{nuget_version()}" '
                         'PrivateAssets="all" />\n  </ItemGroup>\n</Project>\n')
    assert references_package(text)
    assert add_reference(csproj, None) == [] and csproj.read_text() == text  # once


def test_add_reference_with_central_package_management(tmp_path):
    csproj, props = tmp_path / "Lib.csproj", tmp_path / "Directory.Packages.props"
    csproj.write_text(CSPROJ)
    props.write_text("<Project>\n  <ItemGroup>\n    <PackageVersion Include=\"Markdig\" Version=\"1.6.0\" />\n  </ItemGroup>\n</Project>\n")
    assert add_reference(csproj, str(props)) == [csproj, props]
    assert '<PackageReference Include="AotWheel.Attributes" PrivateAssets="all" />' in csproj.read_text()
    assert f'<PackageVersion Include="AotWheel.Attributes" Version="{nuget_version()}" />' in props.read_text()
    assert "Markdig" in props.read_text()


@pytest.mark.parametrize("config, expected", [
    ('<configuration>\n  <packageSources>\n    <add key="corp" value="https://x/v3/index.json" />\n  </packageSources>\n</configuration>\n',
     '<configuration>\n  <packageSources>\n    <add key="aotwheel" value="nuget" />\n    <add key="corp" value="https://x/v3/index.json" />\n  </packageSources>\n</configuration>\n'),
    ("<configuration>\n  <packageSources />\n</configuration>\n",
     '<configuration>\n  <packageSources>\n    <add key="aotwheel" value="nuget" />\n  </packageSources>\n</configuration>\n'),
    ("<configuration>\n  <config />\n</configuration>\n",
     '<configuration>\n  <config />\n  <packageSources>\n    <add key="aotwheel" value="nuget" />\n  </packageSources>\n</configuration>\n'),
])
def test_an_existing_nuget_config_gets_the_feed_added(tmp_path, config, expected):
    path = tmp_path / "NuGet.config"
    path.write_text(config)
    assert _add_source(path)
    assert path.read_text() == expected
    assert not _add_source(path)  # already there


def test_a_stale_extracted_package_of_this_version_is_found(tmp_path):
    content = tmp_path / "aotwheel.attributes" / nuget_version() / "contentFiles" / "cs" / "any" / "AotWheel"
    content.mkdir(parents=True)
    for name, data in attribute_sources().items():
        (content / name).write_bytes(data)
    assert stale_cached_package(str(tmp_path), nuget_version()) is None
    (content / "PyExportAttribute.cs").write_text("// an older build of aotwheel's sources\n")
    assert stale_cached_package(str(tmp_path), nuget_version()) == tmp_path / "aotwheel.attributes" / nuget_version()
    assert stale_cached_package(str(tmp_path), "0.0.1") is None  # another version: not this aotwheel's to judge


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_added_where_git_does_not_ignore_and_the_feed_kept(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("[Bb]in/\n*.nupkg\n")  # as GitHub's VisualStudio.gitignore has them
    project = tmp_path / "Lib"
    project.mkdir()
    feed = f"{attributes.FEED_DIR}/{attributes.package_file_name()}"
    added = ignore_build_output(project, [feed])
    assert added == ["build/", "dist/", "obj/", "__pycache__/", f"!/{feed}"]  # bin/ was ignored already
    assert (project / ".gitignore").read_text() == "".join(f"{line}\n" for line in added)
    check = lambda path: subprocess.run(["git", "-C", str(project), "check-ignore", "-q", "--no-index", path]).returncode
    assert [check(p) for p in ("build/x", "dist/x.whl", "bin/x", "obj/x", feed)] == [0, 0, 0, 0, 1]
    assert ignore_build_output(project, [feed]) == []  # nothing more to add


def test_gitignore_outside_git_reads_the_folders_own_file(tmp_path, monkeypatch):
    monkeypatch.setattr("aotwheel.gitignore.git_ignores", lambda folder, relative: None)  # no git work tree
    (tmp_path / ".gitignore").write_text("/build\n*.log")
    assert ignore_build_output(tmp_path) == ["dist/", "bin/", "obj/", "__pycache__/"]
    assert (tmp_path / ".gitignore").read_text() == "/build\n*.log\ndist/\nbin/\nobj/\n__pycache__/\n"
