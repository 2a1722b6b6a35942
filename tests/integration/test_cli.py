"""The CLI end to end: new -> build -> install -> test, and its error paths."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
import sys

import pytest

from conftest import POC_PROJECT, REPRODUCIBLE_EPOCH
from support import REPO, build_wheel, make_venv, pip_install, run_aotwheel

pytestmark = pytest.mark.sdk


def test_new_project_builds_and_its_tests_pass(tmp_path):
    run_aotwheel("new", str(tmp_path / "demo-lib"), "--framework", "net9.0")
    project = tmp_path / "demo-lib"
    assert (project / "src" / "DemoLib" / "Exports.cs").is_file()
    wheel = build_wheel(project, tmp_path / "dist", tmp_path / "build")
    assert wheel.name.startswith("demo_lib-0.1.0-py3-none-manylinux_")
    python = make_venv(tmp_path / "venv", system_site_packages=True)  # Debian's pytest
    pip_install(python, wheel)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_inspect_wheel_shows_signatures_and_why_of_the_tag(poc_wheel):
    output = run_aotwheel("inspect", str(poc_wheel)).stdout
    assert "tag:      manylinux_2_34_x86_64" in output
    assert "GLIBC_2.34" in output
    assert "add(a: int, b: int) -> int" in output
    assert "sum_doubles(values: Buffer, count: int) -> float" in output
    assert "needs:    " in output and "libc.so.6" in output


def test_cross_os_target_is_refused_before_compiling(tmp_path):
    result = run_aotwheel("build", str(POC_PROJECT), "--rid", "win-x64", "-o", str(tmp_path), check=False)
    assert result.returncode == 1
    assert "NativeAOT does not compile across operating systems" in result.stderr
    assert "generate-ci" in result.stderr
    assert "dotnet publish" not in result.stdout
    assert not list(tmp_path.iterdir())


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


def test_doctor_reports_the_frameworks_that_work():
    result = run_aotwheel("doctor", check=False)
    assert "ok   .NET SDK" in result.stdout
    assert "NativeAOT builds work here for:" in result.stdout and "net9.0" in result.stdout
    assert result.returncode == 0


def test_package_rebuilds_the_same_wheel_from_library_and_manifest(poc_wheel, build_root, tmp_path):
    library = build_root / "poc" / "linux-x64-net9.0" / "publish" / "AotSample.Poc.so"
    assert (library.parent / "aotwheel-manifest.json").is_file()
    result = run_aotwheel("package", str(library), "-o", str(tmp_path))
    repackaged = next(tmp_path.glob("*.whl"))
    assert repackaged.name == poc_wheel.name
    assert f"Built wheel: {repackaged}" in result.stdout
    with zipfile.ZipFile(poc_wheel) as built, zipfile.ZipFile(repackaged) as again:
        assert built.namelist() == again.namelist()
        for name in built.namelist():
            assert built.read(name) == again.read(name), name


def test_net10_project_falls_back_when_the_feed_lacks_its_nativeaot_pack(tmp_path):
    # This machine's NuGet feed has no Microsoft.NETCore.App.Runtime.NativeAOT.* package (docs/nativeaot.md);
    # where it has one, net10.0 simply builds and the fallback is not exercised.
    project = tmp_path / "Zoo10"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    csproj = project / "TypeZoo.csproj"
    csproj.write_text(csproj.read_text().replace("net9.0", "net10.0"))
    pinned = run_aotwheel("build", str(project), "-o", str(tmp_path / "none"), "--framework", "net10.0",
                          "--build-dir", str(tmp_path / "b"), check=False)
    if pinned.returncode == 0:
        pytest.skip("the NuGet feed here has the net10.0 NativeAOT packages")
    assert "the NativeAOT packages for net10.0 cannot be restored" in pinned.stderr
    assert "Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64" in pinned.stderr
    assert not (tmp_path / "none").exists() or not list((tmp_path / "none").iterdir())

    result = run_aotwheel("build", str(project), "-o", str(tmp_path / "dist"), "--build-dir", str(tmp_path / "b"))
    assert "warning: building for net9.0 instead" in result.stdout
    assert next((tmp_path / "dist").glob("typezoo-*.whl"))


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
