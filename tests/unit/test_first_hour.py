"""What a new user meets first, where no SDK is needed: the PEP 517 config settings, the errors of
a bad pyproject.toml, a framework without NativeAOT, a python-source
module that would clash with the generated package, `doctor` printing as it goes, `inspect` of a
folder, quoted hints, `init`'s question, concise output (the backend, the rebuild on import), a
failed write named and left behind whole or not at all, the scaffold's requires-python."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aotwheel import cli, compile as compile_stage, doctor
from aotwheel.errors import AotWheelError
from aotwheel.metadata import DistributionMetadata
from aotwheel.package import check_python_source, planned_package
from aotwheel.plan.model import Backend
from aotwheel.plan.planner import plan_binding
from aotwheel.project import MSBuildFacts, Project
from aotwheel.report import CONTRACT, Report
from aotwheel.settings import CONFIG_SETTINGS, BuildSettings, from_config_settings
from aotwheel.toolchain import SdkInfo


# -- PEP 517 config settings -------------------------------------------------------------------------

def test_config_settings_mean_what_the_build_flags_mean(tmp_path):
    settings = from_config_settings(
        {"rid": "linux-arm64", "manylinux": "host", "framework": "net9.0", "debug": "true", "build-dir": "out/b"}, tmp_path,
    )
    assert settings == BuildSettings("linux-arm64", "host", "net9.0", True, (tmp_path / "out" / "b").resolve())
    assert BuildSettings.from_json(settings.to_json()) == settings  # as the editable hook keeps them
    assert from_config_settings(None, tmp_path) == BuildSettings()
    assert from_config_settings({"debug": "0", "rid": ["linux-x64", "linux-x64"]}, tmp_path) == BuildSettings("linux-x64")


@pytest.mark.parametrize("settings, message", [
    ({"arch": "x64"}, "unknown config setting 'arch'; aotwheel knows: rid (the target runtime identifier"),
    ({"rid": ["linux-x64", "linux-arm64"]}, "'rid' is given 2 times (linux-x64, linux-arm64); give it once"),
    ({"debug": "maybe"}, "'debug' must be true or false, not 'maybe'"),
    ({"build-dir": ""}, "'build-dir' is empty"),
])
def test_a_bad_config_setting_is_an_error_that_lists_the_known_ones(tmp_path, settings, message):
    with pytest.raises(AotWheelError, match=re.escape(message)) as raised:
        from_config_settings(settings, tmp_path)
    if "unknown" in message:
        assert all(key in str(raised.value) for key in CONFIG_SETTINGS)


def test_the_configuration_docs_list_the_config_settings_as_build_options():
    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text[text.index("## PEP 517 backend"):]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| `(--[a-z-]+)` \|", section, flags=re.M))
    assert set(rows) == set(CONFIG_SETTINGS)
    options = vars(cli.parser().parse_args(["build"]))  # what `aotwheel build` takes
    assert all(option.lstrip("-").replace("-", "_") in options for option in rows.values()), rows


def test_the_backend_reports_a_bad_setting_as_an_error_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import aotwheel.backend as b; b.build_wheel('out', {'flavour': 'x'})"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: unknown config setting 'flavour'; aotwheel knows: rid")


def test_every_hook_takes_the_config_settings(monkeypatch, tmp_path):
    """build_wheel and build_editable build with them; build_sdist reads the project with their build folder."""
    from aotwheel import backend, builder, editable, project, sdist

    monkeypatch.chdir(tmp_path)
    given = {"rid": "linux-arm64", "manylinux": "host", "build-dir": "b"}
    expected = from_config_settings(given, tmp_path)
    seen: dict[str, object] = {}

    class Builder:
        def __init__(self, directory, build_dir, log):
            seen["wheel build_dir"] = build_dir

        def build_one(self, out_dir, settings):
            seen["wheel"] = settings
            return type("Built", (), {"path": out_dir / "x.whl"})()

    monkeypatch.setattr(builder, "ProjectBuilder", Builder)
    monkeypatch.setattr(editable, "write_editable_wheel",
                        lambda root, out, log, settings: seen.setdefault("editable", settings) and out / "e.whl")
    monkeypatch.setattr(project.Project, "load", classmethod(lambda cls, root, build_dir=None: seen.setdefault("sdist", build_dir)))
    monkeypatch.setattr(sdist, "write_sdist", lambda loaded, out, log: out / "x.tar.gz")
    assert backend.build_wheel(str(tmp_path), given) == "x.whl"
    assert backend.build_editable(str(tmp_path), given) == "e.whl"
    assert backend.build_sdist(str(tmp_path), given) == "x.tar.gz"
    assert seen == {"wheel build_dir": expected.build_dir, "wheel": expected, "editable": expected,
                    "sdist": expected.build_dir}


# -- [project] errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("table, message", [
    ('name = "shop"\nversoin = "1.0"', r"unknown key 'versoin' in \[project\]; did you mean 'version'\?"),
    ('name = "my shop"', r"invalid distribution name 'my shop': .*, e\.g\. 'my-shop'"),
    ('name = "shop"\nversion = "one"', r"invalid version 'one': not a PEP 440 version \(e\.g\. \"1\.0\.0\""),
    ('name = "shop"\nrequires-python = "3.9+"', r"invalid requires-python '3\.9\+': not a version specifier \(e\.g\. \">=3\.9\"\)"),
])
def test_project_errors_name_the_file_and_suggest_a_fix(tmp_path, monkeypatch, table, message):
    (tmp_path / "Lib.csproj").write_text('<Project Sdk="Microsoft.NET.Sdk" />\n')
    (tmp_path / "pyproject.toml").write_text(f"[project]\n{table}\n")
    monkeypatch.setattr("aotwheel.project.read_msbuild_facts", lambda csproj: MSBuildFacts("Lib", ("net10.0",)))
    with pytest.raises(AotWheelError, match=f"^{tmp_path / 'pyproject.toml'}: {message}"):
        Project.load(tmp_path)


# -- exports -------------------------------------------------------------------------------------------

def report_with_exports(*entry_points: str) -> Report:
    exports = [
        {"entryPoint": entry, "declaringType": "Lib.Exports", "method": f"M{i}", "isStatic": True, "isGeneric": False,
         "releaseGil": False, "returns": {"kind": "primitive", "name": "int"}, "parameters": []}
        for i, entry in enumerate(entry_points)
    ]
    return Report.from_json({"contract": CONTRACT, "assembly": "Lib", "exports": exports, "types": []}, "test")


def test_a_framework_without_nativeaot_names_the_framework_option(monkeypatch):
    sdk = SdkInfo("10.0.401", Path("/sdk"), "10.0.12")
    monkeypatch.setattr(compile_stage, "sdk_info", lambda: sdk)
    for declared in (("netstandard2.0",), ("net6.0", "netstandard2.1")):
        with pytest.raises(AotWheelError, match=r"the project targets .*\. Build it for one: --framework net10\.0 "
                           r"\(or \[tool\.aotwheel\] target-framework = \"net10\.0\"\)"):
            compile_stage.fallback_frameworks(declared)


def test_python_source_is_checked_against_the_planned_package():
    plan = plan_binding(report_with_exports("net_price"), {}, Backend.NATIVE)
    files = planned_package(plan, DistributionMetadata(name="lib", version="1.0"), "Lib.so")
    assert "_lib.abi3.so" in files and "_api.py" in files

    def check(*python_files: str) -> None:
        check_python_source("lib", python_files, files, set(plan.public_names))

    check("helpers.py", "data/rates.json")  # fine
    with pytest.raises(AotWheelError, match=r"python-source: lib/__init__\.py has the name of a file aotwheel generates"):
        check("__init__.py")
    with pytest.raises(AotWheelError, match=r"python-source: lib/_lib\.abi3\.so has the name of a file aotwheel generates"):
        check("_lib.abi3.so")
    with pytest.raises(AotWheelError, match=r"python-source: lib/net_price\.py would hide the generated lib\.net_price"):
        check("net_price.py")


# -- commands ------------------------------------------------------------------------------------------

def test_doctor_prints_each_check_before_the_next_one_runs(monkeypatch, capsys):
    seen_when_probing: list[str] = []

    def checks(log):
        yield doctor.Check("python", True, "3.11")
        seen_when_probing.append(capsys.readouterr().out)  # the slow probe would start here
        yield doctor.Check("NativeAOT net10.0 linux-x64", True, "built")

    monkeypatch.setattr(doctor, "run_checks", checks)
    assert cli.main(["doctor"]) == 0
    assert seen_when_probing == ["ok   python: 3.11\n"]
    assert "ok   NativeAOT net10.0 linux-x64: built" in capsys.readouterr().out


def test_doctor_gives_the_quick_checks_before_a_probe_builds(monkeypatch):
    made: list[str] = []
    for name in ("python", "sdk", "linker", "zig"):
        monkeypatch.setattr(doctor, f"check_{name}", lambda name=name: made.append(name) or doctor.Check(name, True, "found"))

    def probe(framework, rid, log):
        log(f"building {framework}")
        made.append(f"probe {framework}")
        return doctor.Check(f"NativeAOT {framework} {rid}", True, "built")

    monkeypatch.setattr(doctor, "probe_build", probe)
    monkeypatch.setattr(doctor, "sdk_info", lambda: SdkInfo("10.0.401", Path("/sdk"), "10.0.12"))
    monkeypatch.setattr(doctor, "host_os", lambda: "linux")
    monkeypatch.setattr(doctor, "find_zig", lambda: None)
    monkeypatch.setattr(doctor, "check_windows_cross", lambda: doctor.Check(doctor.WINDOWS_CROSS, False, "no lld-link"))
    said: list[str] = []
    checks = doctor.run_checks(said.append)
    assert [next(checks).name for _ in range(5)] == ["python", "sdk", "linker", "zig", "win-x64 link"]
    assert not [m for m in made if m.startswith("probe")]  # yielded, so printed, before any probe ran
    assert next(checks).name.startswith("NativeAOT net10.0") and said == ["building net10.0"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aotwheel", *args], capture_output=True, text=True, cwd=cwd)


def test_inspect_of_a_folder_says_what_it_takes(tmp_path):
    plain = run_cli("inspect", str(tmp_path))
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert plain.stderr == (f"error: {tmp_path} is a folder with no pyproject.toml or .csproj; aotwheel inspect takes a "
                            ".whl, a native library (.so, .dll, .dylib) or a project folder that was built\n")
    (tmp_path / "Lib.csproj").write_text('<Project Sdk="Microsoft.NET.Sdk" />\n')
    unbuilt = run_cli("inspect", str(tmp_path))
    assert unbuilt.returncode == 1
    assert f"is a project folder with no build in {tmp_path / 'build' / 'aotwheel'}: run `aotwheel build` first" in unbuilt.stderr


def test_an_os_error_is_an_error_line_naming_the_path(monkeypatch, capsys):
    def denied(args, log):
        raise PermissionError(13, "Permission denied", "/srv/dist/x.whl")

    monkeypatch.setattr(cli, "_schema", denied)
    assert cli.main(["schema"]) == 1
    assert capsys.readouterr().err == "error: /srv/dist/x.whl: Permission denied\n"


def test_the_next_step_hints_quote_a_path_with_spaces(monkeypatch, capsys, tmp_path):
    project = tmp_path / "my lib"
    monkeypatch.setattr("aotwheel.new.init_project", lambda path, attributes, log: [project / "pyproject.toml"])
    assert cli.main(["init", str(project), "--no-attributes"]) == 0
    assert f"next: aotwheel build '{project}' -o dist" in capsys.readouterr().out


def test_init_asks_for_the_attribute_package_on_a_terminal_only(monkeypatch, tmp_path):
    chosen: list[bool] = []
    monkeypatch.setattr("aotwheel.new.init_project",
                        lambda path, attributes, log: chosen.append(attributes) or [tmp_path / "pyproject.toml"])
    asked: list[str] = []

    def answer(reply: str):
        return lambda question: asked.append(question) or reply

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    for reply, expected in (("", True), ("y", True), ("n", False)):
        monkeypatch.setattr("builtins.input", answer(reply))
        assert cli.main(["init", str(tmp_path)]) == 0 and chosen.pop() is expected
    assert len(asked) == 3 and "AotWheel.Attributes" in asked[0] and asked[0].endswith("[Y/n] ")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)  # a script or CI: not asked, not done
    monkeypatch.setattr("builtins.input", answer("y"))
    assert cli.main(["init", str(tmp_path)]) == 0 and chosen.pop() is False and len(asked) == 3
    assert cli.main(["init", str(tmp_path), "--attributes"]) == 0 and chosen.pop() is True and len(asked) == 3


# -- output --------------------------------------------------------------------------------------------

def test_the_backend_log_shows_commands_only_with_aotwheel_verbose(monkeypatch, capsys):
    from aotwheel import backend

    monkeypatch.delenv("AOTWHEEL_VERBOSE", raising=False)
    backend._log("$ /usr/bin/dotnet publish -p:A=1 -p:B=2")
    backend._log("dotnet publish Lib.csproj (net10.0, linux-x64, NativeAOT)")
    assert capsys.readouterr().err == "dotnet publish Lib.csproj (net10.0, linux-x64, NativeAOT)\n"
    monkeypatch.setenv("AOTWHEEL_VERBOSE", "1")
    backend._log("$ /usr/bin/dotnet publish -p:A=1")
    assert capsys.readouterr().err == "$ /usr/bin/dotnet publish -p:A=1\n"


def test_the_rebuild_on_import_is_quiet_until_the_sdk_has_work(monkeypatch, capsys, tmp_path):
    from aotwheel.editable import _RebuildLog

    monkeypatch.delenv("AOTWHEEL_VERBOSE", raising=False)
    log = _RebuildLog(tmp_path)
    # Times moved, contents the same: the build finds nothing to do, and the import says nothing.
    log("dotnet publish skipped: inputs unchanged since Lib.so was built")
    assert capsys.readouterr().err == ""
    log("warning: something the user must see")
    assert capsys.readouterr().err == "warning: something the user must see\n"
    log("dotnet publish Lib.csproj (net10.0, linux-x64, NativeAOT)")
    log("$ /usr/bin/dotnet publish Lib.csproj -p:X=1")  # commands only with AOTWHEEL_VERBOSE
    log("dotnet publish (NativeAOT) took 14.2s")
    assert capsys.readouterr().err == (f"aotwheel: an input of {tmp_path} changed; rebuilding\n"
                                       "dotnet publish Lib.csproj (net10.0, linux-x64, NativeAOT)\n"
                                       "dotnet publish (NativeAOT) took 14.2s\n")


# -- files ---------------------------------------------------------------------------------------------

WRITE_PAST_THE_LIMIT = """import resource, signal, sys
from pathlib import Path
from aotwheel.atomic import atomic_output
from aotwheel.errors import AotWheelError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as a full disk's with ENOSPC
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    with atomic_output(Path(sys.argv[1])) as stream:
        stream.write(b"x" * 65536)
except AotWheelError as exc:
    print(exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_failed_write_is_an_error_naming_the_output_and_leaves_nothing(tmp_path):
    final = tmp_path / "dist" / "x.whl"
    result = subprocess.run([sys.executable, "-c", WRITE_PAST_THE_LIMIT, str(final)], capture_output=True, text=True)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == f"{final}: File too large\n"
    assert list((tmp_path / "dist").iterdir()) == []  # no partial file, under its name or a temporary one


def test_the_backend_reports_an_os_error_as_an_error_line_naming_the_path(tmp_path):
    code = ("import aotwheel.backend as b, aotwheel.settings as s\n"
            "def fail(*a): raise OSError(28, 'No space left on device', '/srv/out/x.tar.gz')\n"
            "s.from_config_settings = fail\n"
            "b.build_sdist('out')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == "error: /srv/out/x.tar.gz: No space left on device\n"


# -- the scaffold ----------------------------------------------------------------------------------------

def test_the_scaffold_claims_the_pythons_its_ci_tests(monkeypatch, tmp_path):
    from packaging.specifiers import SpecifierSet

    from aotwheel import new
    from aotwheel.ci import PYTHONS

    monkeypatch.setattr(new, "write_feed", lambda root, log: [])  # the package is packed with the SDK
    monkeypatch.setattr(new, "_ignore_build_output", lambda folder, log: [])
    new.create_project(tmp_path / "shop", framework="net10.0")
    requires = SpecifierSet(tomllib.loads((tmp_path / "shop" / "pyproject.toml").read_text())["project"]["requires-python"])
    oldest = PYTHONS[0]
    older = f"3.{int(oldest.split('.')[1]) - 1}"
    assert requires.contains(oldest) and not requires.contains(older)  # no claim below what CI tests
