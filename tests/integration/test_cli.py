"""The CLI end to end: new -> build -> install -> test, and its error paths."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import zipfile
import sys

import pytest

from conftest import POC_PROJECT, REPRODUCIBLE_EPOCH
from pathlib import Path

from support import REPO, build_wheel, call_json, forget_stale_attribute_package, git, make_venv, pip_install, run_aotwheel

from aotwheel.targets import host_rid
from aotwheel.toolchain import sdk_info

pytestmark = pytest.mark.sdk


def test_new_project_builds_from_a_fresh_clone_with_dotnet_and_with_aotwheel(tmp_path):
    made = run_aotwheel("new", str(tmp_path / "demo lib"), "--name", "demo-lib")  # the SDK's own framework
    project = tmp_path / "demo lib"
    assert f"next: aotwheel build '{project}' -o dist" in made.stdout  # quoted: the folder has a space
    assert (project / "src" / "DemoLib" / "Library.cs").is_file()
    forget_stale_attribute_package()
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "new")
    clone = tmp_path / "clone of demo"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)

    # A plain `dotnet build` of the clone, with a package cache of its own: the attribute package
    # comes from the clone's own feed (nuget/, named by a relative path in NuGet.config).
    plain = subprocess.run(
        ["dotnet", "build", str(clone / "src" / "DemoLib"), "-nologo"], capture_output=True, text=True,
        env=dict(os.environ, NUGET_PACKAGES=str(tmp_path / "fresh-packages")),
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert (tmp_path / "fresh-packages" / "aotwheel.attributes").is_dir()

    built = run_aotwheel("build", str(clone), "-o", str(clone / "dist"))
    assert "[PyExport] attributes from the AotWheel.Attributes package" in built.stdout  # aotwheel added none
    # A [PyExport] scaffold: one NativeAOT publish, timed (no managed build before it); no command lines without -v.
    assert "dotnet build " not in built.stdout
    assert re.search(r"^dotnet publish \(NativeAOT\) took \d+\.\ds$", built.stdout, flags=re.M), built.stdout
    assert "\n$ " not in built.stdout
    wheel = next((clone / "dist").glob("*.whl"))
    assert wheel.name.startswith("demo_lib-0.1.0-py3-none-manylinux_")
    python = make_venv(tmp_path / "venv", system_site_packages=True)  # Debian's pytest
    pip_install(python, wheel)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(clone / "tests")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    # Both builds' output (bin/, obj/, build/, dist/) is ignored: git has nothing new to add.
    assert git(clone, "add", "-A", "-n") == ""
    inspected = run_aotwheel("inspect", str(clone)).stdout  # a built project folder
    assert inspected.startswith(f"build:    {host_rid()}-{sdk_info().framework} (")
    assert re.search(r"\n  aotwheel_\d+_greet\n", inspected), inspected  # the plan's symbol of greet


def test_inspect_wheel_shows_signatures_and_why_of_the_tag(poc_wheel):
    output = run_aotwheel("inspect", str(poc_wheel)).stdout
    # The session's wheels are zig-linked at the default floor (.ci/setup puts zig on PATH).
    assert f"tag:      manylinux_2_17_{platform.machine()}.manylinux2014_{platform.machine()}" in output
    assert "older than the manylinux2014 floor" in output or "GLIBC_2.17" in output
    assert "add(a: int, b: int) -> int" in output
    assert "sum_doubles(values: Buffer, count: int) -> float" in output
    assert "needs:    " in output and "libc.so.6" in output
    assert "backend:  native (the library is also the extension module _lib" in output


def test_inspect_lists_the_python_api_of_a_pyexport_wheel(pyexport_wheel):
    output = run_aotwheel("inspect", str(pyexport_wheel)).stdout
    assert "exports:  0 functions" not in output
    assert "([PyExport])" in output and "api:      " in output
    assert "  def count_words(text: str) -> int" in output
    assert "  class Counter" in output
    assert "    __init__(start: int = ..., name: str = ...) -> None" in output
    assert "    increment(by: int = ...) -> int" in output
    assert "    static parse(text: str) -> Counter" in output
    assert "    property count: int (read-only)" in output and "    property name: str\n" in output
    assert "  dataclass Point(x: float, y: float)" in output
    assert "  enum Color(IntEnum): Red=0, Green=1, Blue=5" in output


def test_cross_os_target_is_refused_before_compiling(tmp_path):
    # Windows targets are linked here (test_windows_wheel.py); macOS ones are not.
    result = run_aotwheel("build", str(POC_PROJECT), "--rid", "osx-arm64", "-o", str(tmp_path), check=False)
    assert result.returncode == 1
    assert "NativeAOT does not compile across operating systems" in result.stderr
    assert "links Windows DLLs on Linux, nothing else" in result.stderr
    assert "generate-ci" in result.stderr
    assert "dotnet publish" not in result.stdout
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("option", ["-o", "--build-dir"])
@pytest.mark.parametrize("where", ["the file", "below the file"])
def test_an_output_folder_that_is_a_file_is_refused_before_compiling(tmp_path, option, where):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    folder = blocker if where == "the file" else blocker / "sub"
    paths = {"-o": str(tmp_path / "dist"), "--build-dir": str(tmp_path / "build"), option: str(folder)}
    result = run_aotwheel("build", str(POC_PROJECT), *(part for pair in paths.items() for part in pair), check=False)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    what = "output" if option == "-o" else "build"
    expected = "is a file, not a folder" if where == "the file" else f"cannot be created: {blocker} is a file"
    assert result.stderr.strip() == f"error: the {what} folder {folder} {expected}"
    assert "dotnet" not in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_failing_link_shows_the_linkers_first_error_even_with_q(tmp_path):
    # A zig whose linking fails as lld does; found through $AOTWHEEL_ZIG.
    zig = tmp_path / "zig"
    zig.write_text('#!/bin/sh\n[ "$1" = version ] && { echo 0.11.0; exit 0; }\n'
                   'echo "error: ld.lld: undefined symbol: aotwheel_missing_symbol" >&2\nexit 1\n')
    zig.chmod(0o755)
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "aotwheel", "build", str(REPO / "tests" / "projects" / "TypeZoo"), "-q", "-o", str(out),
         "--build-dir", str(tmp_path / "b")],
        capture_output=True, text=True, env=dict(os.environ, AOTWHEEL_ZIG=str(zig)),
    )
    assert result.returncode == 1
    summary = result.stderr.splitlines()
    assert summary[0].startswith("error: dotnet publish of ") and summary[0].endswith("failed:"), result.stderr
    assert "undefined symbol: aotwheel_missing_symbol" in summary[1], result.stderr
    assert all(len(line) < 700 for line in summary), "MSBuild's quoted link command is cut short"
    assert not out.exists() or not list(out.iterdir())


def test_compile_error_names_file_and_line_and_writes_no_wheel(tmp_path):
    project = tmp_path / "Broken"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    source = project / "Zoo.cs"
    source.write_text(source.read_text().replace("=> value;", "=> valu;", 1))
    out = tmp_path / "dist"
    result = run_aotwheel("build", str(project), "-o", str(out), "--build-dir", str(tmp_path / "b"), check=False)
    assert result.returncode == 1
    assert "Zoo.cs(7," in result.stderr and "error CS0103" in result.stderr
    assert not out.exists() or not list(out.iterdir())


def test_unknown_config_key_suggests_the_right_one(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    (project / "pyproject.toml").write_text('[tool.aotwheel]\nstrip-symbol = false\n')
    result = run_aotwheel("build", str(project), "-o", str(tmp_path / "dist"), check=False)
    assert result.returncode == 1
    assert "unknown key [tool.aotwheel] 'strip-symbol'; did you mean 'strip-symbols'?" in result.stderr


def test_repeat_build_skips_dotnet_and_is_byte_identical(poc_wheel, build_root, tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH=REPRODUCIBLE_EPOCH)
    wheels = []
    for attempt in ("one", "two"):
        result = subprocess.run(
            [sys.executable, "-m", "aotwheel", "build", str(POC_PROJECT), "-o", str(tmp_path / attempt),
             "--build-dir", str(build_root / "poc")],
            capture_output=True, text=True, env=env,
        )
        assert result.returncode == 0, result.stderr
        assert "dotnet publish skipped: inputs unchanged" in result.stdout
        wheels.append(next((tmp_path / attempt).glob("*.whl")))
    first, second = (hashlib.sha256(w.read_bytes()).hexdigest() for w in wheels)
    assert first == second


def test_net8_project_builds_and_answers(tmp_path):
    # .NET 8's compiler writes exports as untyped (NOTYPE) symbols; they must count as exports.
    project = tmp_path / "Zoo8"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    csproj = project / "TypeZoo.csproj"
    csproj.write_text(csproj.read_text().replace(f">{sdk_info().framework}<", ">net8.0<"))
    wheel = build_wheel(project, tmp_path / "dist", tmp_path / "build")
    assert (tmp_path / "build" / f"{host_rid()}-net8.0" / "publish").is_dir()
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, wheel)
    code = "import typezoo as z, json; print(json.dumps([z.echo_int(-5), z.echo_byte(255), z.echo_double(0.25)]))"
    assert call_json(python, code) == [-5, 255, 0.25]


def test_doctor_claims_only_what_it_built():
    result = run_aotwheel("doctor", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   .NET SDK" in result.stdout
    frameworks = [f"net{major}.0" for major in range(sdk_info().major, 7, -1)]
    for framework in frameworks:  # each probe was built and called, now or in an earlier run (cached)
        assert f"ok   NativeAOT {framework} {host_rid()}: built" in result.stdout, result.stdout
        assert "loaded and called" in result.stdout
    assert f"NativeAOT builds work here for: {', '.join(frameworks)}" in result.stdout
    assert "ok   zig: zig 0." in result.stdout  # .ci/setup puts one on PATH
    assert "glibc floors: 2_17 and later (zig)" in result.stdout
    assert "linux-x64, linux-arm64" in result.stdout or "linux-arm64, linux-x64" in result.stdout
    # mingw-w64 and zig (.ci/setup): win-x64 links here, and its probe was built.
    assert "ok   win-x64 link: lld-link (zig 0." in result.stdout
    assert f"ok   NativeAOT {frameworks[0]} win-x64: built (lld-link" in result.stdout
    assert "Windows wheels this machine can build: win-x64" in result.stdout


def test_package_rebuilds_the_same_wheel_from_library_and_manifest(poc_wheel, build_root, tmp_path):
    library = build_root / "poc" / f"{host_rid()}-{sdk_info().framework}" / "publish" / "AotSample.Poc.so"
    assert (library.parent / "aotwheel-manifest.json").is_file()
    result = run_aotwheel("package", str(library), "-o", str(tmp_path))
    repackaged = next(tmp_path.glob("*.whl"))
    assert repackaged.name == poc_wheel.name
    assert f"Built wheel: {repackaged}" in result.stdout
    with zipfile.ZipFile(poc_wheel) as built, zipfile.ZipFile(repackaged) as again:
        assert built.namelist() == again.namelist()
        for name in built.namelist():
            assert built.read(name) == again.read(name), name


def feed_without_the_newest_packs(folder: Path, older: str) -> Path:
    """A NuGet.config whose only source is a local folder holding the NativeAOT packages of *older*
    (copied from the user's package cache after a normal restore), with a private package cache: to
    NuGet the newest framework's NativeAOT packs do not exist, whatever the real feed serves."""
    probe = folder / "probe"
    probe.mkdir(parents=True)
    (probe / "Probe.csproj").write_text(
        f'<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>{older}</TargetFramework>'
        '<PublishAot>true</PublishAot></PropertyGroup></Project>'
    )
    subprocess.run(["dotnet", "restore", str(probe), "-r", host_rid(), "-nologo"], check=True, capture_output=True)
    assets = json.loads((probe / "obj" / "project.assets.json").read_text())
    cache = Path(assets["project"]["restore"]["packagesPath"])
    wanted = [name.split("/") for name in assets["libraries"]] + [
        (d["name"], d["version"].strip("[]").split(",")[0].strip())
        for d in assets["project"]["frameworks"][older].get("downloadDependencies", [])
    ]
    source = folder / "source"
    source.mkdir()
    for name, version in wanted:
        nupkg = cache / name.lower() / version / f"{name.lower()}.{version}.nupkg"
        shutil.copy(nupkg, source)
    config = folder / "NuGet.Config"
    config.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="older-only" value="{source}" /></packageSources>
  <config><add key="globalPackagesFolder" value="{folder / "packages"}" /></config>
</configuration>
""")
    return config


def test_framework_falls_back_when_the_feed_lacks_the_newest_nativeaot_packs(tmp_path):
    project = tmp_path / "Zoo"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    newest = sdk_info().framework
    older = f"net{sdk_info().major - 1}.0"
    assert f"<TargetFramework>{newest}</TargetFramework>" in (project / "TypeZoo.csproj").read_text()
    shutil.copy(feed_without_the_newest_packs(tmp_path / "feed", older), project / "NuGet.Config")

    pinned = run_aotwheel("build", str(project), "-o", str(tmp_path / "none"), "--framework", newest,
                          "--build-dir", str(tmp_path / "b"), check=False)
    assert pinned.returncode == 1, pinned.stdout
    assert f"the NativeAOT packages for {newest} cannot be restored" in pinned.stderr
    assert f"Microsoft.NETCore.App.Runtime.NativeAOT.{host_rid()}" in pinned.stderr
    assert not (tmp_path / "none").exists() or not list((tmp_path / "none").iterdir())

    result = run_aotwheel("build", str(project), "-o", str(tmp_path / "dist"), "--build-dir", str(tmp_path / "b"))
    assert f"warning: building for {older} instead" in result.stdout
    wheel = next((tmp_path / "dist").glob("typezoo-*.whl"))
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, wheel)
    assert call_json(python, "import typezoo, json; print(json.dumps(typezoo.echo_int(41)))") == 41


def test_build_folders_inside_the_project_are_never_compiled(tmp_path):
    # The SDK compiles every **/*.cs under the project, including the generated AssemblyInfo files of
    # an earlier build left in build/aotwheel, or in a --build-dir inside the project.
    project = tmp_path / "Zoo"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    source = project / "Zoo.cs"
    run_aotwheel("build", str(project), "-o", str(tmp_path / "one"))  # default: Zoo/build/aotwheel
    assert list((project / "build" / "aotwheel").rglob("*.AssemblyInfo.cs"))
    for attempt, build_dir in enumerate([tmp_path / "outside", project / "inside", project / "inside", None]):
        source.write_text(source.read_text() + f"\n// change {attempt}\n")
        extra = ["--build-dir", str(build_dir)] if build_dir else []
        run_aotwheel("build", str(project), "-o", str(tmp_path / f"out{attempt}"), *extra)


def test_init_writes_a_pyproject_beside_an_existing_csproj_and_never_replaces_it(tmp_path):
    project = tmp_path / "Contoso.Pricing"
    shutil.copytree(REPO / "tests" / "projects" / "pricing" / "src" / "Contoso.Pricing", project)
    (project / "README.md").write_text("# Pricing\n")
    result = run_aotwheel("init", str(project))
    pyproject = project / "pyproject.toml"
    assert result.stdout.splitlines()[0] == f"Wrote {pyproject}"
    text = pyproject.read_text()
    assert 'requires = ["aotwheel"]\nbuild-backend = "aotwheel.backend"' in text
    assert 'readme = "README.md"' in text and "[tool.aotwheel]" not in text  # the only csproj is found
    from aotwheel.project import Project

    # The same names `aotwheel build` picked without it.
    loaded = Project.load(project)
    assert (loaded.import_name, loaded.metadata.name, loaded.metadata.version) == ("contoso_pricing", "contoso_pricing", "0.1.0")

    pyproject.write_text("# mine\n")
    again = run_aotwheel("init", str(project / "Contoso.Pricing.csproj"), check=False)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith(f"error: {pyproject} already exists; aotwheel init does not replace it")
    assert pyproject.read_text() == "# mine\n"


def test_init_with_several_csproj_names_the_one_and_refuses_to_guess(tmp_path):
    source = REPO / "tests" / "projects" / "pricing" / "src" / "Contoso.Pricing"
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    shutil.copy(source / "Contoso.Pricing.csproj", tmp_path / "Other.csproj")
    guessed = run_aotwheel("init", str(tmp_path), check=False)
    assert guessed.returncode == 1
    assert "several .csproj files (Contoso.Pricing.csproj, Other.csproj); name one" in guessed.stderr
    assert not (tmp_path / "pyproject.toml").exists()
    run_aotwheel("init", str(tmp_path / "Other.csproj"))
    assert 'name = "other"' in (tmp_path / "pyproject.toml").read_text()
    assert '[tool.aotwheel]\ncsproj = "Other.csproj"\n' in (tmp_path / "pyproject.toml").read_text()
    for wrong, message in ((tmp_path / "missing", "no such file or folder"), (tmp_path / "Pricing.cs", "is not a .csproj file")):
        result = run_aotwheel("init", str(wrong), check=False)
        assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_the_csproj_folder_of_a_project_builds_as_that_project(tmp_path):
    """`aotwheel build src/X` is `aotwheel build .` when ./pyproject.toml names src/X/X.csproj: the
    same import name, and the build folder at the project's root, not inside the csproj's folder."""
    run_aotwheel("new", str(tmp_path / "contoso-pricing"), "--framework", "net9.0")
    from aotwheel.builder import ProjectBuilder

    whole = ProjectBuilder(tmp_path / "contoso-pricing", log=lambda line: None)
    inner = ProjectBuilder(tmp_path / "contoso-pricing" / "src" / "ContosoPricing", log=lambda line: None)
    assert inner.project == whole.project and inner.project.import_name == "contoso_pricing"
    assert inner.build_dir == whole.build_dir == (tmp_path / "contoso-pricing" / "build" / "aotwheel")


def test_python_source_modules_ship_inside_the_package_and_the_sdist(tmp_path):
    """A mixed project: the user's own module (and a data file) beside the generated bindings,
    calling them; in the wheel, in a clean venv with no .NET, and in the sdist."""
    project = tmp_path / "mixed-lib"
    run_aotwheel("new", str(project), "--framework", "net9.0")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'python-source = "python"\n')
    missing = run_aotwheel("build", str(project), "-o", str(tmp_path / "dist"), check=False)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "python-source = 'python' has no folder mixed_lib/ (the import name)" in missing.stderr
    assert "dotnet build" not in missing.stdout  # stopped before compiling

    package = project / "python" / "mixed_lib"
    (package / "stats").mkdir(parents=True)
    (package / "stats" / "__init__.py").write_text(
        "import json, pathlib\n"
        "from .. import mean, greet\n\n"
        "WEIGHTS = json.loads((pathlib.Path(__file__).parent / 'weights.json').read_text())\n\n"
        "def weighted_mean(values):\n"
        "    return mean([v * w for v, w in zip(values, WEIGHTS)])\n\n"
        "def welcome(name):\n"
        "    return greet(name.title())\n"
    )
    (package / "stats" / "weights.json").write_text("[1, 2, 3]")
    (package / "stats" / "__pycache__").mkdir()
    (package / "stats" / "__pycache__" / "junk.pyc").write_bytes(b"junk")
    wheel = build_wheel(project, tmp_path / "dist", tmp_path / "build")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "mixed_lib/stats/__init__.py" in names and "mixed_lib/stats/weights.json" in names
    assert not [n for n in names if "__pycache__" in n]
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, wheel)
    code = ("import mixed_lib.stats as s, mixed_lib; "
            "print(s.weighted_mean([1.0, 1.0, 1.0]), s.welcome('ada'), mixed_lib.add(1, 2))")
    from support import run_python

    called = run_python(python, code)
    assert called.returncode == 0, called.stderr
    assert called.stdout.split() == ["2.0", "Hello,", "Ada!", "3"]

    from aotwheel.project import Project
    from aotwheel.sdist import sdist_files

    listed = set(sdist_files(Project.load(project)))
    assert {"python/mixed_lib/stats/__init__.py", "python/mixed_lib/stats/weights.json"} <= listed


def test_aotwheel_sdist_is_the_hooks_sdist_and_refuses_credentials(tmp_path):
    project = tmp_path / "shop"
    run_aotwheel("new", str(project), "--framework", "net9.0")
    env = dict(os.environ, SOURCE_DATE_EPOCH=REPRODUCIBLE_EPOCH)
    made = run_aotwheel("sdist", str(project), "-o", str(tmp_path / "cli"), env=env)
    (built,) = [line.split(": ", 1)[1] for line in made.stdout.splitlines() if line.startswith("Built sdist: ")]
    hook = subprocess.run(
        [sys.executable, "-c", "import sys; from aotwheel.backend import build_sdist; print(build_sdist(sys.argv[1]))",
         str(tmp_path / "hook")], cwd=project, env=env, capture_output=True, text=True,
    )
    assert hook.returncode == 0, hook.stderr
    assert (tmp_path / "hook" / hook.stdout.split()[-1]).read_bytes() == Path(built).read_bytes()
    assert Path(built).name == "shop-0.1.0.tar.gz"

    config = project / "NuGet.config"
    config.write_text('<configuration><packageSourceCredentials><corp><add key="ClearTextPassword" value="hunter2" />'
                      "</corp></packageSourceCredentials></configuration>")
    refused = run_aotwheel("sdist", str(project), "-o", str(tmp_path / "refused"), env=env, check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"error: {config}: holds a credential (<packageSourceCredentials> <corp> "
                                     "ClearTextPassword)"), refused.stderr
    assert "hunter2" not in refused.stderr
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())  # nothing half-written


def test_a_global_json_asking_for_a_missing_sdk_is_reported_in_reading_order(tmp_path):
    # Built from another folder: dotnet runs in the project's, so the project's global.json counts.
    shutil.copytree(POC_PROJECT, tmp_path / "lib", ignore=shutil.ignore_patterns("build", "bin", "obj"))
    (tmp_path / "global.json").write_text('{"sdk": {"version": "8.0.100", "rollForward": "disable"}}')
    result = run_aotwheel("build", str(tmp_path / "lib"), "-o", str(tmp_path / "dist"), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].endswith(": the .NET SDK 8.0.100 is not installed"), lines
    assert lines[1] == f"requested by: {tmp_path / 'global.json'}"
    heading = lines.index("installed SDKs:")
    installed = subprocess.run(["dotnet", "--list-sdks"], capture_output=True, text=True, cwd=REPO).stdout.split("\n")[0]
    assert lines[heading + 1] == "  " + installed.strip()
