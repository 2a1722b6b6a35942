"""What an sdist (and a wheel's python-source) may publish: sources.py's rules and sdist_members, on
trees holding every hazard, inside a git repository and outside any. MSBuild's list of the files the
build reads is given here (asking it needs the SDK: tests/integration/test_workflow.py does that)."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from aotwheel import sdist
from aotwheel.errors import AotWheelError
from aotwheel.metadata import metadata_from_pyproject
from aotwheel.project import Project, ToolConfig

CREDENTIALS = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><add key="corp" value="https://nuget.corp.example/v3/index.json" /></packageSources>
  <packageSourceCredentials>
    <corp><add key="Username" value="ci" /><add key="ClearTextPassword" value="hunter2" /></corp>
  </packageSourceCredentials>
</configuration>
"""


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def project_at(root: Path, **config: object) -> Project:
    """A project as Project.load makes it (which would ask MSBuild for the assembly name)."""
    files: list[Path] = []
    metadata = metadata_from_pyproject({"name": "proj", "version": "1.0", "readme": "README.md"}, root,
                                       fallback_name="proj", fallback_version="1.0", files_read=files)
    tool = ToolConfig.from_table(config, root / "pyproject.toml")
    return Project(root, root / "Lib.csproj", "Lib", ("net10.0",), "proj", metadata, tool, tuple(files))


@pytest.fixture(params=["git", "no-git"])
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """outer/repo/proj: a project with every hazard, two folders below a NuGet.config with a password.
    "git": repo is a repository (everything tracked but what .gitignore excludes, one file untracked);
    "no-git": the same files, no repository anywhere."""
    outer = tmp_path / "outer"
    repo = outer / "repo"
    proj = repo / "proj"
    write(outer / "NuGet.config", CREDENTIALS)
    write(repo / ".gitignore", "ignored.txt\nlocal/\n*.log\n")
    write(repo / "global.json", '{"sdk": {"version": "10.0.100"}}')
    write(proj / "pyproject.toml", '[project]\nname = "proj"\nversion = "1.0"\nreadme = "README.md"\n'
                                   '[tool.aotwheel]\npython-source = "python"\n')
    write(proj / "Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />")
    write(proj / "Lib.cs", "class Lib {}")
    write(proj / "README.md", "# proj")
    for name in (".env", ".pypirc", ".npmrc", "key.snk", "cert.pfx", "server.pem", "ignored.txt", "debug.log",
                 "local/notes.txt", "node_modules/left-pad/index.js", ".vs/settings.json", "Sub/.env.local",
                 "python/proj/.hidden", "python/proj/ignored.txt", "bin/Lib.dll", "obj/cache.json"):
        write(proj / name, "SECRET")
    write(proj / ".gitignore", "*.tmp\n")
    write(proj / "python" / "proj" / "helper.py", "def help(): pass\n")
    (tmp_path / "secret.txt").write_text("SECRET outside")
    (proj / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (proj / "alias.cs").symlink_to("Lib.cs")
    if request.param == "git":
        git(repo, "init", "-q")
        git(repo, "add", "-A")  # .env, key.snk and the others tracked, as a careless commit would
    write(proj / "docs" / "guide.md", "untracked, not ignored")
    return proj


SHIPPED = {"pyproject.toml", "Lib.csproj", "Lib.cs", "README.md", "alias.cs", "docs/guide.md",
           "python/proj/helper.py"}


def test_only_sources_ship(tree: Path) -> None:
    project = project_at(tree, **{"python-source": "python"})
    lines: list[str] = []
    members = sdist.sdist_members(project, [tree / "Lib.csproj", tree / "Lib.cs"], [tree], lines.append)
    in_git = (tree.parent / ".git").exists()
    # The global.json at the repository's root ships; above the repository, or with none, no walk.
    assert set(members) == SHIPPED | ({".aotwheel-outside/global.json", ".aotwheel-outside/ROOT"} if in_git else set())
    assert members["alias.cs"] == tree / "Lib.cs"  # a link inside the project ships its content
    assert not [m for m in members.values() if isinstance(m, Path) and "SECRET" in m.read_text()]
    assert lines == [f"warning: left out of the sdist: {tree / 'leak.txt'} (a symlink to "
                     f"{tree.parents[2] / 'secret.txt'}, outside the project folder)"]


def test_the_wheel_ships_the_same_python_source(tree: Path) -> None:
    project = project_at(tree, **{"python-source": "python"})
    assert project.python_source_files() == {"helper.py": tree / "python" / "proj" / "helper.py"}


def test_sdist_include_ships_what_the_rules_leave_out(tree: Path) -> None:
    project = project_at(tree, **{"python-source": "python", "sdist-include": ["ignored.txt", "python/proj/.hidden", "local"]})
    members = sdist.sdist_members(project, [tree / "Lib.csproj"], [tree], lambda line: None)
    assert {"ignored.txt", "python/proj/.hidden", "local/notes.txt"} <= set(members)
    assert set(project.python_source_files()) == {"helper.py", ".hidden"}  # in the wheel as in the sdist


def test_an_include_pattern_that_matches_nothing_is_an_error(tree: Path) -> None:
    project = project_at(tree, **{"sdist-include": ["LICENSE*"]})
    with pytest.raises(AotWheelError, match=r"sdist-include pattern 'LICENSE\*' matches no file"):
        sdist.sdist_members(project, [tree / "Lib.csproj"], [tree], lambda line: None)


def test_an_include_never_follows_a_link_out_of_the_project(tree: Path) -> None:
    project = project_at(tree, **{"sdist-include": ["leak.txt"]})
    with pytest.raises(AotWheelError, match="named by .tool.aotwheel. sdist-include, but a symlink to .*secret.txt"):
        sdist.sdist_members(project, [tree / "Lib.csproj"], [tree], lambda line: None)


@pytest.mark.parametrize("pattern", ["../x", "/etc/passwd", "a/../../b", "", "a\\b"])
def test_include_patterns_stay_in_the_project_folder(pattern: str, tmp_path: Path) -> None:
    with pytest.raises(AotWheelError, match="sdist-include"):
        ToolConfig.from_table({"sdist-include": [pattern]}, tmp_path / "pyproject.toml")


def test_a_file_msbuild_reads_that_the_rules_leave_out_is_named(tree: Path) -> None:
    project = project_at(tree)
    lines: list[str] = []
    members = sdist.sdist_members(project, [tree / "Lib.csproj", tree / "ignored.txt", tree / "key.snk"], [tree], lines.append)
    assert "ignored.txt" not in members and "key.snk" not in members
    reason = "git ignores it" if (tree.parent / ".git").exists() else "a .gitignore excludes it"
    assert f"warning: left out of the sdist: {tree / 'ignored.txt'} ({reason}), though MSBuild reads it; " \
           "[tool.aotwheel] sdist-include ships it" in lines
    assert any(line.startswith(f"warning: left out of the sdist: {tree / 'key.snk'} (a key file)") for line in lines)


def test_a_file_msbuild_reads_through_a_link_out_of_the_project_stops_the_sdist(tree: Path) -> None:
    (tree / "Shared.cs").symlink_to(tree.parents[2] / "secret.txt")
    with pytest.raises(AotWheelError, match=r"Shared.cs: MSBuild reads it, but it is a symlink to .*secret.txt"):
        sdist.sdist_members(project_at(tree), [tree / "Lib.csproj", tree / "Shared.cs"], [tree], lambda line: None)


def test_python_source_never_follows_a_link_out_of_the_project(tree: Path) -> None:
    (tree / "python" / "proj" / "data.json").symlink_to(tree.parents[2] / "secret.txt")
    with pytest.raises(AotWheelError, match=r"data.json: a symlink to .*secret.txt, outside the project folder"):
        project_at(tree, **{"python-source": "python"}).python_source_files()


def test_python_source_follows_folder_links_inside_the_project_and_no_loop(tree: Path) -> None:
    write(tree / "shared" / "units.py", "M = 1\n")
    (tree / "python" / "proj" / "units").symlink_to(tree / "shared", target_is_directory=True)
    (tree / "shared" / "again").symlink_to(tree / "shared", target_is_directory=True)  # a loop
    (tree / "python" / "proj" / "outside").symlink_to(tree.parents[2], target_is_directory=True)
    if (tree.parent / ".git").exists():
        git(tree.parent, "add", "-A")
    with pytest.raises(AotWheelError, match="outside: a symlink to"):
        project_at(tree, **{"python-source": "python"}).python_source_files()
    (tree / "python" / "proj" / "outside").unlink()
    files = project_at(tree, **{"python-source": "python"}).python_source_files()
    assert set(files) == {"helper.py", "units/units.py"}


def test_a_nuget_config_with_a_password_stops_the_sdist(tree: Path) -> None:
    config = write(tree / "NuGet.config", CREDENTIALS)
    if (tree.parent / ".git").exists():
        git(tree.parent, "add", "-A")
    with pytest.raises(AotWheelError) as error:
        sdist.sdist_members(project_at(tree), [tree / "Lib.csproj"], [tree], lambda line: None)
    message = str(error.value)
    assert message.startswith(f"{config}: holds a credential (<packageSourceCredentials> <corp> ClearTextPassword)")
    assert 'value="%NUGET_CLEARTEXTPASSWORD%"' in message and "NuGet expands %NAME%" in message
    assert "hunter2" not in message


def test_a_nuget_config_naming_environment_variables_ships(tree: Path) -> None:
    write(tree / "NuGet.config", CREDENTIALS.replace('"hunter2"', '"%CORP_TOKEN%"'))
    if (tree.parent / ".git").exists():
        git(tree.parent, "add", "-A")
    members = sdist.sdist_members(project_at(tree), [tree / "Lib.csproj"], [tree], lambda line: None)
    assert "NuGet.config" in members


@pytest.mark.parametrize("content, where", [
    ('<configuration><apikeys><add key="https://www.nuget.org/api/v2" value="AQAAANCMnd8BFdERjHoAwE" /></apikeys></configuration>',
     "<apikeys> https://www.nuget.org/api/v2"),
    ('<configuration><config><add key="http_proxy.password" value="pw" /></config></configuration>',
     "<config> http_proxy.password"),
    ('<configuration><packageSources><add key="feed" value="https://ci:pw@feed.example/v3/index.json" /></packageSources></configuration>',
     "<packageSources> feed"),
    ('<configuration><packageSourceCredentials><corp><add key="Password" value="AQAAAN" /></corp></packageSourceCredentials></configuration>',
     "<packageSourceCredentials> <corp> Password"),
])
def test_every_kind_of_nuget_secret_is_refused(tmp_path: Path, content: str, where: str) -> None:
    config = write(tmp_path / "nuget.config", content)
    with pytest.raises(AotWheelError, match=f"holds a credential \\({where}\\)"):
        sdist.refuse_credentials(config)


def test_secrets_named_as_environment_variables_are_no_secrets(tmp_path: Path) -> None:
    sdist.refuse_credentials(write(tmp_path / "NuGet.config", (
        '<configuration><packageSources><add key="feed" value="https://ci:%FEED_TOKEN%@feed.example/v3/index.json" />'
        '</packageSources><apikeys><add key="https://feed.example" value="%FEED_API_KEY%" /></apikeys>'
        '<config><add key="http_proxy.password" value=" %PROXY_PASSWORD% " /></config></configuration>')))


def test_an_unreadable_nuget_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AotWheelError, match="cannot be read as XML, so it cannot be checked for credentials"):
        sdist.refuse_credentials(write(tmp_path / "NuGet.Config", "<configuration>"))


def test_the_settings_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    proj = tmp_path / "a" / "repo" / "src" / "proj"
    write(proj / "Lib.csproj")
    for folder in (tmp_path / "a", tmp_path / "a" / "repo", tmp_path / "a" / "repo" / "src"):
        write(folder / "global.json", "{}")
    assert sdist._parent_settings([proj]) == set()  # no repository: not even the folder above
    git(tmp_path / "a" / "repo", "init", "-q")
    assert sdist._parent_settings([proj]) == {tmp_path / "a" / "repo" / "global.json",
                                              tmp_path / "a" / "repo" / "src" / "global.json"}


def test_where_git_cannot_answer_the_gitignore_files_decide(tmp_path: Path) -> None:
    proj = tmp_path / "repo" / "proj"
    (tmp_path / "repo" / ".git").mkdir(parents=True)  # a .git that is no repository
    write(tmp_path / "repo" / ".git" / "info" / "exclude", "excluded.txt\n")
    write(tmp_path / "repo" / ".gitignore", "ignored.txt\n")
    for name in ("Lib.csproj", "Lib.cs", "README.md", "pyproject.toml", "ignored.txt", "excluded.txt"):
        write(proj / name)
    lines: list[str] = []
    members = sdist.sdist_members(project_at(proj), [proj / "Lib.csproj"], [proj], lines.append)
    assert set(members) == {"Lib.csproj", "Lib.cs", "README.md", "pyproject.toml"}
    assert lines[0].startswith(f"note: git cannot list the files of {tmp_path / 'repo'} (")
    assert lines[0].endswith("judging them by its .gitignore files instead")


def test_a_git_hooks_environment_does_not_redirect_the_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    proj = tmp_path / "repo" / "proj"
    for name in ("Lib.csproj", "Lib.cs", "README.md", "pyproject.toml"):
        write(proj / name)
    git(tmp_path / "repo", "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))  # as inside a hook of another repository
    members = sdist.sdist_members(project_at(proj), [proj / "Lib.csproj"], [proj], lambda line: None)
    assert set(members) == {"Lib.csproj", "Lib.cs", "README.md", "pyproject.toml"}


def test_a_repository_inside_the_project_answers_for_its_files(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    for name in ("Lib.csproj", "Lib.cs", "README.md", "pyproject.toml"):
        write(proj / name)
    git(proj, "init", "-q")
    vendor = proj / "vendor" / "lib"
    write(vendor / ".gitignore", "generated.cs\n")
    write(vendor / "Vendored.cs")
    write(vendor / "generated.cs")
    git(vendor, "init", "-q")
    members = sdist.sdist_members(project_at(proj), [proj / "Lib.csproj"], [proj], lambda line: None)
    assert set(members) == {"Lib.csproj", "Lib.cs", "README.md", "pyproject.toml", "vendor/lib/Vendored.cs"}


def test_a_project_file_the_rules_leave_out_stops_the_sdist(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    for name in ("Lib.csproj", "README.md", "pyproject.toml"):
        write(proj / name)
    write(proj / ".gitignore", "*.csproj\n")
    with pytest.raises(AotWheelError, match="an sdist without the project file cannot be built"):
        sdist.sdist_members(project_at(proj), [proj / "Lib.csproj"], [proj], lambda line: None)


def test_a_readme_linked_from_outside_ships_as_its_text(tmp_path: Path) -> None:
    proj = tmp_path / "repo" / "proj"
    write(tmp_path / "repo" / "README.md", "# the repository's readme")
    for name in ("Lib.csproj", "pyproject.toml"):
        write(proj / name)
    (proj / "README.md").symlink_to(tmp_path / "repo" / "README.md")  # its text is in PKG-INFO anyway
    members = sdist.sdist_members(project_at(proj), [proj / "Lib.csproj"], [proj], lambda line: None)
    assert members["README.md"] == tmp_path / "repo" / "README.md"


def test_a_file_msbuild_reads_and_sdist_include_names_ships_without_a_warning(tree: Path) -> None:
    project = project_at(tree, **{"sdist-include": ["key.snk"]})
    lines: list[str] = []
    members = sdist.sdist_members(project, [tree / "Lib.csproj", tree / "key.snk"], [tree], lines.append)
    assert "key.snk" in members and not [line for line in lines if "key.snk" in line]


def test_an_earlier_sdist_in_the_output_folder_is_no_source(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_at(tree)
    monkeypatch.setattr(sdist, "sdist_files", lambda project, log: sdist.sdist_members(
        project, [tree / "Lib.csproj"], [tree], lambda line: None))
    first = sdist.write_sdist(project, tree / "release")
    assert first.parent == tree / "release"
    with tarfile.open(sdist.write_sdist(project, tree / "release")) as archive:
        names = archive.getnames()
    assert "proj-1.0/Lib.cs" in names and not [n for n in names if "/release/" in n]
