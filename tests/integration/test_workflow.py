"""aotwheel beside the user's own .NET workflow, on one project laid out as users lay them out: a
git repository holding a csproj at the top of its folder (App) with a ProjectReference to ../Core,
a parent Directory.Build.props and global.json, a source in a folder named build. One NativeAOT publish is
shared by the tests, which run in file order (the last one edits ../Core)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPRODUCIBLE_EPOCH
from support import REPO, SYSTEM_PYTHON, call_json, make_venv, pip_install

pytestmark = pytest.mark.sdk

REFCORE = REPO / "tests" / "projects" / "refcore"
ENV = dict(os.environ, SOURCE_DATE_EPOCH=REPRODUCIBLE_EPOCH)


def aotwheel(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "aotwheel", *args], capture_output=True, text=True,
                            cwd=cwd, env=env or ENV)
    assert result.returncode == 0, f"aotwheel {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def dotnet_build(project: Path) -> None:
    result = subprocess.run(["dotnet", "build", "-nologo", str(project)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "CS0579" not in result.stdout


def the_wheel(out: Path) -> Path:
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def refcore(tmp_path_factory) -> Path:
    """A copy of the project, first built by the user's `dotnet build` (obj/ and bin/ in App and
    Core), then by aotwheel with its default build folder inside App."""
    root = tmp_path_factory.mktemp("workflow") / "refcore"
    shutil.copytree(REFCORE, root, ignore=shutil.ignore_patterns("bin", "obj", "aotwheel"))
    (root / ".gitignore").write_text("bin/\nobj/\n**/build/aotwheel/\n*.local\n")  # the repository is refcore
    git(root, "init", "-q")
    git(root, "add", "-A")
    dotnet_build(root / "App")
    assert list((root / "App" / "obj").rglob("*.AssemblyInfo.cs")) and list((root / "Core" / "obj").rglob("*.AssemblyInfo.cs"))
    aotwheel("build", str(root / "App"), "-o", str(root.parent / "dist"))
    return root


@pytest.fixture(scope="module")
def wheel(refcore: Path) -> Path:
    return the_wheel(refcore.parent / "dist")


@pytest.fixture(scope="module")
def python(tmp_path_factory, wheel: Path) -> Path:
    interpreter = make_venv(tmp_path_factory.mktemp("workflow-venv") / "venv", system_site_packages=False)
    pip_install(interpreter, wheel)
    return interpreter


def test_dotnet_build_and_aotwheel_build_in_either_order(refcore, wheel):
    # The fixture ran `dotnet build` then `aotwheel build` (which would have failed with CS0579 on
    # the user's obj/ files); now `dotnet build` after it, with aotwheel's build/ inside App.
    assert list((refcore / "App" / "build" / "aotwheel").rglob("*.AssemblyInfo.cs"))
    dotnet_build(refcore / "App")
    again = aotwheel("build", str(refcore / "App"), "-o", str(refcore.parent / "again"))
    assert "dotnet publish skipped" in again.stdout
    assert the_wheel(refcore.parent / "again").read_bytes() == wheel.read_bytes()


def test_runtime_option_wins_over_the_switch_the_sdk_sets(refcore, python):
    # pyproject.toml: System.Globalization.PredefinedCulturesOnly = false; InvariantGlobalization
    # makes the SDK set it to true. Only the user's value may reach the compiler.
    (rsp,) = (refcore / "App" / "build" / "aotwheel").rglob("RefApp.ilc.rsp")
    switches = {line.strip() for line in rsp.read_text().splitlines() if "PredefinedCulturesOnly" in line}
    assert switches == {"--feature:System.Globalization.PredefinedCulturesOnly=false",
                        "--runtimeknob:System.Globalization.PredefinedCulturesOnly=false"}
    assert call_json(python, "import json, refapp; print(json.dumps(refapp.named_culture_ok()))") == 1


def test_bytes_and_str_are_never_written_and_buffers_stay_zero_copy(python):
    code = """
import json, refapp
constant = b"\\x00" * 32
refapp.fill(constant, 32)
text = "a"
refapp.fill(text, 1)
refapp.fill(b"a", 1)
writable = bytearray(4)
refapp.fill(writable, 4)
print(json.dumps([constant == bytes(32), b"\\x00" * 32 == bytes(32), text == "a", b"a" == bytes([97]),
                  list(writable)]))
"""
    assert call_json(python, code) == [True, True, True, True, [255] * 4]


def test_readme_notes_and_tests_edits_rebuild_nothing(refcore, wheel):
    app = refcore / "App"
    (app / "NOTES.txt").write_text("new file\n")
    (app / "tests").mkdir(exist_ok=True)
    (app / "tests" / "test_refapp.py").write_text("def test_nothing(): pass\n")
    for folder in (app, app / "tests"):  # times older than the racy window (a stamp distrusts fresh ones)
        os.utime(folder, (time.time() - 60, time.time() - 60))
    first = aotwheel("build", "-v", str(app), "-o", str(refcore.parent / "notes"))
    # New files: MSBuild is asked again, and its answer is that nothing it reads changed.
    assert "-t:AotWheelInputs" in first.stdout
    assert "dotnet publish skipped" in first.stdout
    with open(app / "README.md", "a") as readme:
        readme.write("More words.\n")
    second = aotwheel("build", "-v", str(app), "-o", str(refcore.parent / "readme"))
    # An edit in place moves no folder and no input: not even MSBuild is asked.
    assert "-t:AotWheelInputs" not in second.stdout and "dotnet publish skipped" in second.stdout
    assert the_wheel(refcore.parent / "notes").read_bytes() == wheel.read_bytes()
    with zipfile.ZipFile(the_wheel(refcore.parent / "readme")) as edited, zipfile.ZipFile(wheel) as built:
        assert edited.read("refapp/_lib.abi3.so") == built.read("refapp/_lib.abi3.so")
        assert "More words." in edited.read("refapp-1.0.0.dist-info/METADATA").decode()  # the README is the description


def test_sdist_carries_what_msbuild_reads_and_builds_a_wheel(refcore, tmp_path):
    app = refcore / "App"
    # What a working folder holds beside the sources: none of it may ship.
    hazards = {".env": "API_KEY=s3cret", "Signing.snk": "key", "notes.local": "ignored by git",
               "node_modules/left-pad/index.js": "js", ".vs/settings.json": "{}"}
    for name, text in hazards.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    git(refcore, "add", "App/.env", "App/Signing.snk")  # tracked by mistake: still not published
    (tmp_path / "outside-secret.txt").write_text("not the project's")
    (app / "leak.txt").symlink_to(tmp_path / "outside-secret.txt")
    (app / "docs").mkdir()
    (app / "docs" / "usage.md").write_text("untracked, not ignored: ships")
    # Above the repository, two folders up from App: the settings walk stops before it.
    above = refcore.parent / "NuGet.config"
    above.write_text('<configuration><packageSourceCredentials><corp><add key="ClearTextPassword" value="hunter2" />'
                     "</corp></packageSourceCredentials></configuration>")
    code = "import sys; from aotwheel.backend import {0}; print({0}(sys.argv[1]))"
    try:
        made = subprocess.run([sys.executable, "-c", code.format("build_sdist"), str(tmp_path)], cwd=app,
                              capture_output=True, text=True, env=ENV)
    finally:
        above.unlink()
    assert made.returncode == 0, made.stderr
    assert f"warning: left out of the sdist: {app / 'leak.txt'} (a symlink to" in made.stderr
    sdist = tmp_path / made.stdout.split()[-1]
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        archive.extractall(tmp_path / "unpacked")
        assert not [m.name for m in archive.getmembers() if not m.isfile()]  # no links, no folders
    top = "refapp-1.0.0"
    expected = {f"{top}/pyproject.toml", f"{top}/Exports.cs", f"{top}/RefApp.csproj", f"{top}/Sources/build/Factor.cs",
                f"{top}/docs/usage.md", f"{top}/.aotwheel-outside/ROOT", f"{top}/.aotwheel-outside/Core/Rules.cs",
                f"{top}/.aotwheel-outside/Core/Core.csproj", f"{top}/.aotwheel-outside/Directory.Build.props",
                f"{top}/.aotwheel-outside/global.json"}
    assert expected - names == set()
    assert not [n for n in names if "/obj/" in n or "/bin/" in n or "build/aotwheel" in n or n.endswith(".so")]
    shipped = {n.split("/", 1)[1] for n in names}
    assert not shipped & {*hazards, "leak.txt", ".gitignore", ".aotwheel-outside/.gitignore", "NuGet.config",
                          ".aotwheel-outside/NuGet.config"}, shipped

    built = subprocess.run([sys.executable, "-c", code.format("build_wheel"), str(tmp_path / "wheel")],
                           cwd=tmp_path / "unpacked" / top, capture_output=True, text=True, env=ENV)
    assert built.returncode == 0, built.stderr[-3000:]
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, the_wheel(tmp_path / "wheel"))
    assert call_json(python, "import json, refapp; print(json.dumps(refapp.bonus(5)))") == 10


def test_develop_into_an_active_venv_without_pip_then_an_out_of_tree_edit_rebuilds(refcore, tmp_path):
    venv = tmp_path / "uv-like"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    assert subprocess.run([str(venv / "bin" / "python"), "-c", "import pip"], capture_output=True).returncode != 0
    active = dict(ENV, VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    installed = aotwheel("develop", str(refcore / "App"), env=active)
    assert f"(for {venv / 'bin' / 'python'})" in installed.stdout

    def call(points: int) -> subprocess.CompletedProcess:
        # The venv has no aotwheel: its import hook asks the interpreter that installed it.
        return subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"import refapp; print(refapp.bonus({points}), refapp.__file__)"],
            capture_output=True, text=True, env=active, cwd=tmp_path, timeout=900,
        )

    first = call(5)
    assert first.returncode == 0, first.stderr
    value, location = first.stdout.split()
    assert value == "10" and location.startswith(str(refcore / "App" / "build" / "aotwheel" / "editable"))
    assert "rebuilding" not in first.stderr

    rules = refcore / "Core" / "Rules.cs"  # outside the project folder
    rules.write_text(rules.read_text().replace("points * 2", "points * 3"))
    second = call(5)
    assert second.returncode == 0, second.stderr
    assert "rebuilding" in second.stderr and second.stdout.split()[0] == "15"

    rebuilt = aotwheel("build", str(refcore / "App"), "-o", str(tmp_path / "dist"))
    assert "dotnet publish skipped" in rebuilt.stdout  # the import's rebuild left a current stamp
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, the_wheel(tmp_path / "dist"))
    assert call_json(python, "import json, refapp; print(json.dumps(refapp.bonus(5)))") == 15


def test_a_multi_targeted_reference_is_asked_for_its_inputs(tmp_path):
    # Its outer build has no Compile items; no publish is needed to see what the build would read.
    from aotwheel.compile import NativeCompiler
    from aotwheel.project import Project
    from aotwheel.targets import target_for

    root = tmp_path / "refcore"
    shutil.copytree(REFCORE, root, ignore=shutil.ignore_patterns("bin", "obj", "aotwheel"))
    core = root / "Core" / "Core.csproj"
    core.write_text(core.read_text().replace("<TargetFramework>net9.0</TargetFramework>",
                                             "<TargetFrameworks>netstandard2.0;net9.0</TargetFrameworks>"
                                             "<LangVersion>latest</LangVersion>"))
    project = Project.load(root / "App")
    compiler = NativeCompiler(project, target_for("linux-x64"), root / "App" / "build" / "aotwheel", log=lambda line: None)
    inputs = compiler.input_stamp("publish", None).inputs()
    assert str(root / "Core" / "Rules.cs") in inputs.files and str(core) in inputs.files
    assert str(root / "App" / "Sources" / "build" / "Factor.cs") in inputs.files
    assert str(root / "Directory.Build.props") in inputs.files
    assert not [f for f in inputs.files if "/obj/" in f or "/build/aotwheel/" in f]
