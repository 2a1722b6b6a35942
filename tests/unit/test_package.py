"""`aotwheel package`: a library built elsewhere plus its manifest -> a wheel, with no SDK.
The Windows path is exercised on a real PE DLL built here by mingw-w64."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.manifest import MANIFEST_FORMAT, Manifest
from aotwheel.package import package_library
from aotwheel.plan.model import PLAN_FORMAT, Backend
from aotwheel.plan.planner import plan_binding
from aotwheel.report import CONTRACT, Report
from aotwheel.xmldoc import parse_xml_docs

# The library carries its plan's digest (it is checked at import, on Windows; here only exported).
DLL_SOURCE = r"""
__declspec(dllexport) int add(int a, int b) { return a + b; }
__declspec(dllexport) double total(double *values, int count) { double s = 0; for (int i = 0; i < count; i++) s += values[i]; return s; }
__declspec(dllexport) const char *aotwheel_plan_digest(void) { return "see the manifest"; }
"""


def _primitive(name):
    return {"kind": "primitive", "name": name}


def _export(entry, method, returns, **parameters):
    return {
        "entryPoint": entry, "declaringType": "Demo.Exports", "method": method, "isStatic": True, "isGeneric": False, "releaseGil": False,
        "returns": returns, "parameters": [{"name": n, "type": t} for n, t in parameters.items()],
    }


def _plan(*exports):
    """The plan `aotwheel build` would save for the Demo assembly with *exports* (by default add and total)."""
    docs = ('<?xml version="1.0"?><doc><members><member name="M:Demo.Exports.Add(System.Int32,System.Int32)">'
            "<summary>Adds on Windows.</summary></member></members></doc>")
    exports = exports or (
        _export("add", "Add", _primitive("int"), a=_primitive("int"), b=_primitive("int")),
        _export("total", "Total", _primitive("double"),
                values={"kind": "pointer", "name": "double*", "element": _primitive("double")}, count=_primitive("int")),
    )
    report = Report.from_json({"contract": CONTRACT, "assembly": "Demo", "types": [], "exports": list(exports)}, "test")
    return plan_binding(report, parse_xml_docs(docs, "Demo.xml"), Backend.CTYPES)


def _manifest(path, plan=None, **overrides):
    data = {
        "format": MANIFEST_FORMAT,
        "import_name": "demo",
        "assembly": "Demo",
        "metadata": {"name": "demo", "version": "1.0.0", "summary": "A demo", "urls": [["Home", "https://x.example"]]},
        "plan": (plan or _plan()).to_json(),
        **overrides,
    }
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def windows_dll(tmp_path_factory):
    compiler = shutil.which("x86_64-w64-mingw32-gcc")
    if compiler is None:
        pytest.skip("mingw-w64 is not installed")
    folder = tmp_path_factory.mktemp("pe")
    (folder / "demo.c").write_text(DLL_SOURCE)
    subprocess.run([compiler, "-shared", "-O1", "-o", str(folder / "Demo.dll"), str(folder / "demo.c")], check=True)
    return folder / "Demo.dll"


def test_windows_dll_becomes_a_win_amd64_wheel(windows_dll, tmp_path):
    manifest = _manifest(tmp_path / "aotwheel-manifest.json")
    built = package_library(windows_dll, manifest, tmp_path / "dist", log=lambda line: None)
    assert built.path.name == "demo-1.0.0-py3-none-win_amd64.whl"
    assert built.plan == _plan() and [e.symbol for e in built.plan.exports] == ["add", "total"]
    with zipfile.ZipFile(built.path) as archive:
        names = archive.namelist()
        api = archive.read("demo/_api.py").decode()
        native = archive.read("demo/_native.py").decode()
    assert "demo/Demo.dll" in names and "demo/__init__.pyi" in names
    assert 'load_library(__file__, "Demo.dll")' in api
    assert "Adds on Windows." in api  # the docs were read into the plan when it was made
    assert f'PLAN = "{built.plan.digest}"' in native


def test_cli_package_then_inspect(windows_dll, tmp_path):
    library = tmp_path / "Demo.dll"
    shutil.copy(windows_dll, library)
    _manifest(tmp_path / "aotwheel-manifest.json")  # found beside the library by default
    result = subprocess.run([sys.executable, "-m", "aotwheel", "package", str(library), "-o", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    wheel = next((tmp_path / "out").glob("*.whl"))
    inspected = subprocess.run([sys.executable, "-m", "aotwheel", "inspect", str(wheel)], capture_output=True, text=True)
    assert "tag:      win_amd64" in inspected.stdout and "backend:  ctypes" in inspected.stdout
    assert "add(a: int, b: int) -> int" in inspected.stdout


def test_manifest_must_match_the_library(windows_dll, tmp_path):
    manifest = _manifest(tmp_path / "m.json", _plan(_export("add", "Add", _primitive("int"), a=_primitive("int"),
                                                            b=_primitive("int"))))
    with pytest.raises(AotWheelError, match="total: exported by Demo.dll but not declared"):
        package_library(windows_dll, manifest, tmp_path / "dist", log=lambda line: None)
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


@pytest.mark.parametrize("content, message", [
    ("not json", "not a readable manifest"),
    ('{"format": "other"}', "not an aotwheel manifest"),
    (json.dumps({"format": MANIFEST_FORMAT, "plan": _plan().to_json()}), "incomplete manifest"),
])
def test_bad_manifests_are_named(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(AotWheelError, match=message) as raised:
        Manifest.load(path)
    assert str(path) in str(raised.value)


def _python_files(files):
    import base64

    return {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}


def test_python_source_files_ship_beside_the_bindings(windows_dll, tmp_path):
    files = {"helpers.py": b"from . import add\n\ndef twice(a):\n    return add(a, a)\n", "data/rates.json": b"[1, 2]"}
    manifest = _manifest(tmp_path / "m.json", python_files=_python_files(files))
    assert Manifest.load(manifest).python_files == files
    built = package_library(windows_dll, manifest, tmp_path / "dist", log=lambda line: None)
    with zipfile.ZipFile(built.path) as archive:
        assert archive.read("demo/helpers.py") == files["helpers.py"]
        assert archive.read("demo/data/rates.json") == b"[1, 2]"
        assert "demo/__init__.py" in archive.namelist()
        record = archive.read("demo-1.0.0.dist-info/RECORD").decode()
    assert "demo/helpers.py," in record and "demo/data/rates.json," in record


@pytest.mark.parametrize("name, message", [
    ("__init__.py", "demo/__init__.py has the name of a file aotwheel generates (demo/__init__.py)"),
    ("PY.TYPED", "demo/PY.TYPED has the name of a file aotwheel generates (demo/py.typed)"),
    ("_aotwheel.py", "demo/_aotwheel.py has the name of a file aotwheel generates"),
    ("add.py", "demo/add.py would hide the generated demo.add once imported"),
    ("total/__init__.py", "demo/total/__init__.py would hide the generated demo.total"),
])
def test_python_source_clashing_with_generated_names_is_an_error(windows_dll, tmp_path, name, message):
    manifest = _manifest(tmp_path / "m.json", python_files=_python_files({name: b"x = 1\n"}))
    with pytest.raises(AotWheelError, match=re.escape(message)):
        package_library(windows_dll, manifest, tmp_path / "dist", log=lambda line: None)
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def _with_plan(path, change):
    data = json.loads(path.read_text())
    change(data["plan"])
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("change, found", [
    (lambda plan: plan.pop("format"), "its binding plan is of format null"),
    (lambda plan: plan.update(format=PLAN_FORMAT + 1), f"its binding plan is of format {PLAN_FORMAT + 1}"),
])
def test_a_manifest_of_another_plan_format_is_refused_before_anything_else(tmp_path, change, found):
    manifest = _with_plan(_manifest(tmp_path / "aotwheel-manifest.json"), change)
    with pytest.raises(AotWheelError) as raised:
        package_library(tmp_path / "Demo.dll", manifest, tmp_path / "dist", log=lambda line: None)  # no library needed
    message = str(raised.value)
    assert message.startswith(f"{manifest}: built by an incompatible aotwheel ({found}; ")
    assert f"reads format {PLAN_FORMAT}); rebuild the library with this aotwheel" in message


def test_a_manifest_written_before_plans_existed_is_incompatible_not_foreign(tmp_path):
    # An older aotwheel saved the inspector's report instead of a plan.
    manifest = _manifest(tmp_path / "m.json", format="aotwheel-manifest/1", report={"assembly": "Demo"})
    data = json.loads(manifest.read_text())
    del data["plan"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(AotWheelError, match="built by an incompatible aotwheel"):
        Manifest.load(manifest)


def test_a_malformed_plan_names_the_manifest_and_the_field(tmp_path):
    manifest = _with_plan(_manifest(tmp_path / "m.json"), lambda plan: plan["exports"][1]["params"][0]["type"].pop("tag"))
    with pytest.raises(AotWheelError) as raised:
        Manifest.load(manifest)
    assert str(raised.value) == f"{manifest}: plan.exports[1].params[0].type.tag: missing"


def test_a_saved_manifest_loads_back_equal(tmp_path):
    original = Manifest.load(_manifest(tmp_path / "m.json", python_files=_python_files({"x.py": b"x = 1\n"})))
    original.save(tmp_path / "again.json")
    assert Manifest.load(tmp_path / "again.json") == original


# What `aotwheel build` needs to compile and inspect (the SDK, the linkers, the [PyExport] phases):
# `aotwheel package`, run where no SDK is, must not even import it.
COMPILE_STACK = frozenset({
    "aotwheel.builder", "aotwheel.compile", "aotwheel.toolchain", "aotwheel.inputs", "aotwheel.linking",
    "aotwheel.inspector", "aotwheel.plan.planner",  # the plan is read from the manifest, not made again
})


def test_the_package_command_never_imports_the_compile_stack(windows_dll, tmp_path):
    manifest = _manifest(tmp_path / "m.json")
    script = ("import sys; from aotwheel.cli import main; code = main(sys.argv[1:]); "
              "print(sorted(m for m in sys.modules if m.startswith('aotwheel'))); sys.exit(code)")
    result = subprocess.run(
        [sys.executable, "-c", script, "package", str(windows_dll), "--manifest", str(manifest), "-o", str(tmp_path / "dist")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Built wheel:" in result.stdout
    loaded = set(ast.literal_eval(result.stdout.splitlines()[-1]))
    assert {"aotwheel.package", "aotwheel.discover", "aotwheel.bindings.python"} <= loaded  # the command ran
    assert not loaded & COMPILE_STACK, sorted(loaded & COMPILE_STACK)
