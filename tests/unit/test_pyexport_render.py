"""The renderers (bindings/): the C# and the Python of a plan. What they render is checked against
the plan (every symbol exported, every name qualified, every entry point catching), run (the
generated packages imported against gcc-built libraries), and, for one small fixed plan, compared
with snapshots in tests/unit/snapshots/.

Regenerate the snapshots after an intended renderer or template change with
    AOTWHEEL_UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_pyexport_render.py
and review the diff.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import decimal
import inspect
import math
import os
import re
import typing
import uuid
from pathlib import Path

import pytest

from aotwheel import __version__
from aotwheel.bindings.csharp import render_csharp
from aotwheel.bindings.files import PackageInput, package_files
from aotwheel.bindings.python import NATIVE_FUNCTION_FIELDS, docstring_literal, render_package
from aotwheel.plan.model import Backend, BindingPlan, MemberKind
from aotwheel.plan.planner import plan_binding
from aotwheel.resources import support_dir
from generated_packages import imported_package, live_blocks
from pyexport_reports import (
    array, byref, export, generic, method, named, param, pointer, prim, prop, report, static_class, support_exports, type_,
)
from test_plan_model import PLAN as RICH_PLAN

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

# -- the small fixed plan of the snapshots ------------------------------------------------------------

SMALL_REPORT = report(
    static_class(
        method("Add", param("a", prim("int")), param("b", prim("int"), default={"kind": "int", "value": 2}), returns=prim("int")),
        method("Greet", param("name", prim("string"), default={"kind": "null"}, nullable=True), returns=prim("string")),
        method("Sum", param("values", generic("System.ReadOnlySpan`1", prim("double"))), returns=prim("double")),
        method("Split", param("text", prim("string")), param("count", byref(prim("int")), out=True),
               returns=generic("System.Collections.Generic.List`1", prim("string"))),
    ),
    type_("Lib.Shade", kind="enum", values=[{"name": "Light", "value": {"kind": "int", "value": 0}},
                                            {"name": "Dark", "value": {"kind": "int", "value": 1}}]),
    type_("Lib.Point", record=True, properties=[prop("X", prim("double"), init=True), prop("Y", prim("double"), init=True)],
          methods=[method("", param("X", prim("double")), param("Y", prim("double")), ctor=True)]),
    type_("Lib.Canvas", export={}, methods=[
        method("", param("shade", named("Lib.Shade")), ctor=True),
        method("Plot", param("at", named("Lib.Point", "class")), returns=prim("bool"), static=False),
    ], properties=[prop("Title", prim("string"), write=True)]),
    exports=[export("scale", ("values", pointer(prim("double"))), ("count", prim("nint")), ("by", prim("double"))),
             *support_exports()],
)
SMALL_PLAN = plan_binding(SMALL_REPORT, {})


def _normalized(text: str, plan: BindingPlan) -> str:
    """*text* without what changes with every aotwheel version (its version, and so the digest)."""
    return text.replace(plan.digest, "<digest>").replace(f"aotwheel {__version__}", "aotwheel <version>")


@pytest.mark.parametrize("name", ["small_plan._api.py.txt", "small_plan.Shims.cs.txt"])
def test_render_matches_snapshot(name):
    if name.endswith(".cs.txt"):
        rendered = render_csharp(SMALL_PLAN)
    else:
        rendered = render_package(SMALL_PLAN, "_lib.abi3.so", "Python bindings for Lib.")["_api.py"].decode()
    rendered = _normalized(rendered, SMALL_PLAN)
    snapshot = SNAPSHOTS / name
    if os.environ.get("AOTWHEEL_UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.is_file(), f"{snapshot} is missing; create it with AOTWHEEL_UPDATE_SNAPSHOTS=1"
    assert rendered == snapshot.read_text(encoding="utf-8"), (
        f"the rendering of the small plan differs from {snapshot}; if the change is intended, rerun with "
        "AOTWHEEL_UPDATE_SNAPSHOTS=1 and review the diff")


# -- the C# --------------------------------------------------------------------------------------------

PLANS = {"small": SMALL_PLAN, "rich": RICH_PLAN}


def _code(source: str) -> list[str]:
    """The C# lines without comments and string literals."""
    lines = []
    for line in source.splitlines():
        line = re.sub(r'"(?:[^"\\]|\\.)*"(u8)?', '""', line)
        lines.append(line.split("//", 1)[0])
    return lines


def _support_types() -> set[str]:
    """The types of aotwheel's C# run-time support compiled into every library."""
    declaration = re.compile(r"^\s*(?:(?:public|internal|private|static|unsafe|sealed|readonly|ref|partial|abstract)\s+)*"
                             r"(?:class|struct|enum|interface|record)\s+(\w+)", re.M)
    names = set()
    for folder in ("PyExport", "Runtime"):
        for path in (support_dir() / folder).glob("*.cs"):
            names |= set(declaration.findall(path.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("which", sorted(PLANS))
@pytest.mark.parametrize("backend", list(Backend))
def test_the_csharp_names_no_type_unqualified(which, backend):
    # A user type in the global namespace (a `Status`, a `System` class) must not capture a name the
    # generated code means: every reference to aotwheel's support, to System and to the user's
    # namespaces is global::-qualified.
    plan = dataclasses.replace(PLANS[which], backend=backend)
    support = _support_types()
    assert {"Status", "Errors", "CPython", "Handles", "Blob", "Utf8", "Columns", "Py", "RuntimeStart"} <= support
    user = {m.owner for m in plan.members()} | {t.name for t in (*plan.enums, *plan.records, *plan.classes)}
    assert {name.split(".")[0] for name in user} == {"Lib"}
    roots = support | {"AotWheel", "System", "Lib", "Codecs", "Values", "Shims"}
    unqualified = []
    for number, line in enumerate(_code(render_csharp(plan)), 1):
        if line.strip().startswith("namespace "):
            continue
        for match in re.finditer(r"\b[A-Za-z_]\w*", line):
            before = line[:match.start()]
            declared = re.search(r"\b(class|struct|enum)\s+$", before)
            if match.group() in roots and not before.endswith((".", "::")) and not declared:
                unqualified.append(f"{number}: {line.strip()}")
    assert unqualified == []


@pytest.mark.parametrize("which", sorted(PLANS))
def test_the_csharp_exports_exactly_the_plans_symbols(which):
    for backend in Backend:
        planned = dataclasses.replace(PLANS[which], backend=backend)
        source = render_csharp(planned)
        exported = re.findall(r'UnmanagedCallersOnly\(EntryPoint = "(\w+)"\)', source)
        assert len(exported) == len(set(exported))
        # The support's own exports are compiled from csharp_src/support; the hand-written ones are the user's.
        assert set(exported) == planned.symbols() - set(planned.support_symbols) - {e.symbol for e in planned.exports}
        assert ('EntryPoint = "PyInit__lib"' in source) is (backend is Backend.NATIVE)
        assert ("CPython" in source) is (backend is Backend.NATIVE)


@pytest.mark.parametrize("which", sorted(PLANS))
def test_every_entry_point_catches_every_exception(which):
    # An exception escaping an UnmanagedCallersOnly method ends the process: each shim body, .map
    # loop and native entry point catches, and the exports forward to the shim bodies.
    plan = PLANS[which]
    source = render_csharp(plan)
    members = plan.members()
    shims = [m for m in members if m.kind is not MemberKind.EXPORT]
    maps = [m for m in members if m.map is not None]
    assert len(re.findall(r"public static int X(\d+)\(.*\) => S\1\(", source)) == len(shims)
    assert source.count("return global::AotWheel.Interop.Errors.Capture(exception, error);") == len(shims) + len(maps)
    assert source.count("return global::AotWheel.Interop.CPython.Fail(exception);") == len(members)
    entry_points = re.findall(r"static nint (P\d+)\(nint function, nint\* args, nint nargsf, nint kwnames\)", source)
    assert entry_points == [f"P{m.number}" for m in members]


def test_the_native_function_fields_are_the_ones_cpython_cs_reads():
    source = (support_dir() / "PyExport" / "CPython.cs").read_text(encoding="utf-8")
    declared = re.search(r"FunctionFields = \{([^}]*)\}", source)
    assert declared is not None
    assert tuple(re.findall(r'"(\w+)"', declared.group(1))) == NATIVE_FUNCTION_FIELDS


# -- the Python ----------------------------------------------------------------------------------------


def test_docstring_literal_escapes_and_indents():
    assert docstring_literal('say """hi""" \\ there', "    ") == '"""say \\"""hi\\""" \\\\ there"""'
    assert docstring_literal("one\n\ntwo", "    ") == '"""one\n\n    two\n    """'
    assert ast.literal_eval(docstring_literal('a """ \\n b', "")) == 'a """ \\n b'


def test_package_files_are_the_api_helpers_only_with_an_api():
    package = PackageInput("lib", "1.0", "_lib.abi3.so", (1234, 5678))
    with_api = package_files(SMALL_PLAN, package)
    raw_only = package_files(plan_binding(report(exports=[export("work")]), {}), package)
    common = {"__init__.py", "__init__.pyi", "_api.py", "_aotwheel.py", "_native.py", "py.typed"}
    assert common | {"_api.pyi", "_dotnet.py", "_columns.py"} <= set(with_api)
    assert common <= set(raw_only) and not {"_dotnet.py", "_columns.py"} & set(raw_only)
    native: dict = {}
    exec(with_api["_native.py"].decode(), native)
    assert (native["FINGERPRINT"], native["PLAN"]) == ((1234, 5678), SMALL_PLAN.digest)


def test_every_public_name_is_declared_in_the_stubs():
    files = package_files(RICH_PLAN, PackageInput("lib", "1.0", "lib.so", (1, 0)))
    declared = set()
    for name in ("__init__.pyi", "_api.pyi"):
        for node in ast.parse(files[name].decode()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                declared.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                declared.add(node.target.id)
    assert set(RICH_PLAN.public_names) <= declared


# Every type at every depth a record allows, enums and records named by no signature of their own,
# and the defaults of every kind.
DEEP = [named("Lib.Deep", "class"), generic("System.Nullable`1", named("Lib.Hidden")), array(named("Lib.Hidden")),
        generic("System.Collections.Generic.List`1", named("Lib.Deep", "class")),
        generic("System.Collections.Generic.Dictionary`2", named("Lib.Hidden"), named("Lib.Deep", "class")),
        generic("System.ValueTuple`2", named("Lib.Hidden"), prim("string")), named("System.Guid"),
        generic("System.Nullable`1", named("System.DateTimeOffset")), named("System.TimeSpan"), named("System.Half"),
        named("System.Decimal"), named("System.Numerics.BigInteger"), named("System.DateOnly"), named("System.TimeOnly")]
WIDE_REPORT = report(
    static_class(
        method("Use", param("o", named("Lib.Outer", "class")), returns=prim("int")),
        method("Defaults",
               param("day", named("System.DateOnly"), default={"kind": "null"}),
               param("at", named("System.TimeOnly"), default={"kind": "null"}),
               param("span", named("System.TimeSpan"), default={"kind": "null"}),
               param("id", named("System.Guid"), default={"kind": "null"}),
               param("rate", named("System.Decimal"), default={"kind": "decimal", "value": "0.20"}),
               param("big", named("System.Numerics.BigInteger"), default={"kind": "null"}),
               param("ratio", prim("double"), default={"kind": "float", "value": "nan"}),
               param("floor", prim("double"), default={"kind": "float", "value": "-inf"}),
               param("zero", prim("double"), default={"kind": "float", "value": -0.0}),
               param("letter", prim("char"), default={"kind": "char", "value": 65}),
               param("half", prim("char"), default={"kind": "char", "value": 0xD800}),
               param("level", named("Lib.Level"), default={"kind": "null"}),
               param("tags", named("Lib.Tags"), default={"kind": "int", "value": 0}),
               param("hidden", named("Lib.Hidden"), default={"kind": "int", "value": 1}),
               param("note", prim("string"), default={"kind": "string", "value": 'say "hi"\n'}),
               returns=generic("System.ValueTuple`2", prim("int"), generic("System.Nullable`1", named("System.Guid")))),
    ),
    type_("Lib.Outer", record=True, properties=[prop(f"F{i}", k, init=True) for i, k in enumerate(DEEP)],
          methods=[method("", *[param(f"F{i}", k) for i, k in enumerate(DEEP)], ctor=True)]),
    type_("Lib.Deep", record=True, properties=[prop("Tag", named("Lib.Other"), init=True)],
          methods=[method("", param("Tag", named("Lib.Other")), ctor=True)]),
    *[type_(n, kind="enum", underlying=u, flags=f, values=[{"name": "A", "value": {"kind": "int", "value": 1}}])
      for n, u, f in (("Lib.Hidden", "short", False), ("Lib.Other", "ulong", False), ("Lib.Level", "int", False),
                      ("Lib.Tags", "byte", True))],
    exports=support_exports(),
)
WIDE_PLAN = plan_binding(WIDE_REPORT, {}, Backend.CTYPES)


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    with imported_package(WIDE_PLAN, "", tmp_path_factory.mktemp("wide"), "wide_demo") as module:
        yield module


def test_every_annotation_of_every_type_resolves(wide):
    assert [e.name for e in WIDE_PLAN.enums] == ["Lib.Hidden", "Lib.Level", "Lib.Other", "Lib.Tags"]
    hints = {name: typing.get_type_hints(getattr(wide, name)) for name in ("use", "defaults")}
    hints["Outer"] = typing.get_type_hints(wide.Outer.__init__)
    assert hints["Outer"]["f0"] is wide.Deep and hints["Outer"]["f1"] == typing.Optional[wide.Hidden]
    assert hints["Outer"]["f4"] == typing.Dict[wide.Hidden, wide.Deep]
    assert hints["Outer"]["f6"] is uuid.UUID and hints["Outer"]["f7"] == typing.Optional[datetime.datetime]
    assert hints["Outer"]["f10"] is decimal.Decimal and hints["Outer"]["f12"] is datetime.date
    assert hints["defaults"]["return"] == typing.Tuple[int, typing.Optional[uuid.UUID]]
    for function in (wide.use, wide.defaults, wide.Outer.__init__, wide.Deep.__init__):
        assert not [a for a in inspect.signature(function).parameters.values() if isinstance(a.annotation, str)], function


def test_defaults_are_the_python_values_of_the_csharp_ones(wide):
    defaults = {n: p.default for n, p in inspect.signature(wide.defaults).parameters.items()}
    assert defaults["day"] == datetime.date.min and defaults["at"] == datetime.time() and defaults["span"] == datetime.timedelta(0)
    assert defaults["id"] == uuid.UUID(int=0) and defaults["big"] == 0
    assert defaults["rate"] == decimal.Decimal("0.20") and str(defaults["rate"]) == "0.20"
    assert math.isnan(defaults["ratio"]) and defaults["floor"] == -math.inf and math.copysign(1, defaults["zero"]) == -1
    assert defaults["letter"] == "A" and defaults["half"] == "\ud800"
    assert defaults["level"] == 0 and type(defaults["level"]) is int  # Level names no 0
    assert defaults["tags"] is wide.Tags(0) and defaults["hidden"] is wide.Hidden.A
    assert defaults["note"] == 'say "hi"\n'


def test_small_plan_map_and_class_members_run(tmp_path):
    body = r"""
int32_t @add@(int32_t a, int32_t b, int32_t *r0, uint8_t **error) { *r0 = a + b; return 0; }
int32_t @Canvas@(int32_t shade, intptr_t *r0, uint8_t **error) { *r0 = new_handle(shade); return 0; }
int32_t @Canvas.plot@(intptr_t self, const uint8_t *at, int32_t n, uint8_t *r0, uint8_t **error) {
    double xy[2]; memcpy(xy, at, 16); *r0 = *(int64_t *)self == 1 && xy[0] < xy[1]; return 0;
}
"""
    plan = plan_binding(SMALL_REPORT, {}, Backend.CTYPES)
    assert {f.python_name: f.map is not None for f in plan.functions} == {"add": True, "greet": True, "sum": False, "split": False}
    with imported_package(plan, body, tmp_path, "small_demo") as module:
        for function in plan.functions:  # .map is attached where the plan has one
            assert hasattr(getattr(module, function.python_name), "map") is (function.map is not None)
        assert module.add.map.__qualname__ == "add.map"
        canvas = module.Canvas(module.Shade.Dark)
        assert canvas.plot(module.Point(0.0, 1.0)) is True and canvas.plot(module.Point(2.0, 1.0)) is False
        assert isinstance(module.Canvas.title, property) and module.Canvas.title.fset is not None
        canvas.close()


def test_a_failure_without_details_still_says_so(tmp_path):
    # A shim that fails without an error block (Errors.Capture could not allocate one).
    plan = plan_binding(SMALL_REPORT, {}, Backend.CTYPES)
    with imported_package(plan, "", tmp_path, "failing_demo") as module:
        with pytest.raises(module.DotNetError) as raised:
            module.add(1)  # no C body: its stub fails without details
    assert "a .NET exception occurred, but its details could not be captured" in str(raised.value)


def test_a_failed_result_conversion_frees_the_later_results(tmp_path):
    # pair returns a string, then an out string and an out object: when the first cannot be
    # converted (here: not UTF-8), the block and the handle of the later ones are freed anyway.
    api = report(static_class(
        method("Pair", param("bad", prim("bool")), param("note", byref(prim("string")), out=True),
               param("box", byref(named("Lib.Box", "class")), out=True), returns=prim("string")),
    ), type_("Lib.Box", export={}), exports=support_exports())
    body = r"""
int32_t @pair@(uint8_t bad, uint8_t **r0, uint8_t **r1, intptr_t *r2, uint8_t **error) {
    *r0 = bad ? blob("\xff", 1) : blob("ok", 2); *r1 = blob("note", 4); *r2 = new_handle(7); return 0;
}
"""
    with imported_package(plan_binding(api, {}, Backend.CTYPES), body, tmp_path, "pair_demo") as module:
        from pair_demo import _dotnet

        text, note, box = module.pair(False)
        assert (text, note, type(box)) == ("ok", "note", module.Box)
        assert live_blocks(module) == 0 and _dotnet.live_handles() == 1
        box.close()
        with pytest.raises(UnicodeDecodeError):
            module.pair(True)
        assert live_blocks(module) == 0 and _dotnet.live_handles() == 0
