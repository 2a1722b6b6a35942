"""Hand-written exports in the plan (planner: what is bindable, named and numbered how) and the
library checked against its plan (discover.check_library: the real symbol table, exactly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aotwheel.binary import NativeLibrary
from aotwheel.discover import check_library
from aotwheel.errors import AotWheelError
from aotwheel.plan.model import DIGEST_SYMBOL, NATIVE_MODULE_INIT, Backend, MemberKind, Tag, TypeRef
from aotwheel.plan.planner import plan_binding
from pyexport_reports import export, method, param, pointer, prim, report, static_class, support_exports


def planned(*exports, types=(), backend=Backend.NATIVE):
    return plan_binding(report(*types, exports=exports), {}, backend)


def only(*params, returns=None, entry="work"):
    """The one member planned for an export `work` of *params* (name, shape)."""
    (member,) = planned(export(entry, *params, returns=returns, method="Work")).exports
    return member


def library(*functions):
    return NativeLibrary(Path("/x/Lib.so"), "elf", "x86_64", frozenset(functions), (), {}, None, 0)


def test_primitives_and_pointers_are_bound_as_declared():
    member = only(("values", pointer(prim("double"))), ("count", prim("nint")), returns=prim("double"))
    assert (member.kind, member.symbol, member.python_name) == (MemberKind.EXPORT, "work", "work")
    assert [p.type for p in member.params] == [TypeRef(Tag.POINTER, "double*", (TypeRef(Tag.DOUBLE, "double"),)),
                                               TypeRef(Tag.ADDRESS, "nint", (TypeRef(Tag.NINT, "nint"),))]
    assert member.returns == TypeRef(Tag.DOUBLE, "double") and member.map is None
    assert only(("data", pointer(prim("void")))).params[0].type.item.tag is Tag.VOID
    assert member.doc.startswith("Calls the .NET method Lib.Exports.Work(double* values, nint count) -> double.")
    assert "Pointer parameters take None (NULL), an int address, a ctypes pointer" in member.doc


def test_python_keywords_get_a_trailing_underscore_and_private_names_are_kept_safe():
    member = only(("from", prim("int")), ("_hidden", prim("int")), entry="lambda")
    assert (member.python_name, member.symbol) == ("lambda_", "lambda")
    assert [p.python_name for p in member.params] == ["from_", "_hidden_"]
    assert [p.cs_name for p in member.params] == ["from", "_hidden"]


@pytest.mark.parametrize(
    "shape, fragment",
    [
        (prim("bool"), "type bool is not supported (bool is not blittable"),
        (prim("char"), "type char is not supported (char is not blittable"),
        (prim("string"), "type string is not supported"),
        ({"kind": "valuetype", "name": "Lib.Point"}, "type Lib.Point is not supported"),
        (pointer(pointer(prim("int"))), "type int** is not supported"),
        (pointer(prim("bool")), "type bool* is not supported"),
        (prim("void"), "void is only a return type"),
    ],
)
def test_unsupported_parameter_types_name_method_parameter_and_type(shape, fragment):
    with pytest.raises(AotWheelError) as raised:
        only(("flag", shape))
    message = str(raised.value)
    assert "Lib.Exports.Work, parameter 'flag'" in message
    assert fragment in message
    assert "Supported:" in message


def test_unsupported_return_type_is_named():
    with pytest.raises(AotWheelError, match=r"Lib.Exports.Work, return type: type bool is not supported"):
        only(returns=prim("bool"))


@pytest.mark.parametrize("change", [{"isStatic": False}, {"isGeneric": True}])
def test_generic_or_instance_methods_are_refused(change):
    with pytest.raises(AotWheelError, match="Lib.Exports.Work: an UnmanagedCallersOnly export must be static and not generic"):
        planned({**export("work", method="Work"), **change})


@pytest.mark.parametrize("entry", ["my-func", "_private", "9lives"])
def test_entry_points_that_cannot_be_python_names_are_refused(entry):
    with pytest.raises(AotWheelError, match=f"Lib.Exports.Work \\(EntryPoint\\): {entry!r} cannot be a public Python name"):
        only(entry=entry)


def test_an_entry_point_declared_twice_names_both_methods():
    with pytest.raises(AotWheelError) as raised:
        planned(export("work", method="Work"), export("work", owner="Lib.Other", method="Again"))
    assert str(raised.value) == (
        "EntryPoint 'work' is declared twice: on Lib.Exports.Work and on Lib.Other.Again; "
        "each [UnmanagedCallersOnly] export needs its own EntryPoint")


def test_exports_without_an_entry_point_are_not_bound():
    plan = planned(export(None, method="Callback"), export("work"))
    assert [e.symbol for e in plan.exports] == ["work"]


def test_exports_are_sorted_and_numbered_after_the_pyexport_members():
    api = static_class(method("Twice", param("n", prim("int")), returns=prim("int")))
    plan = planned(export("zeta"), export("alpha"), types=[api])
    assert [(m.number, m.kind, m.symbol) for m in plan.members()] == [
        (0, MemberKind.FUNCTION, "aotwheel_0_twice"), (1, MemberKind.EXPORT, "alpha"), (2, MemberKind.EXPORT, "zeta")]
    assert plan.public_names == ["twice", "alpha", "zeta"]


def test_aotwheels_own_exports_are_support_symbols_not_bindings():
    impostor = export("aotwheel_mine")  # named like aotwheel's, but declared outside its namespace
    plan = planned(export("work"), impostor, *support_exports())
    assert [e.symbol for e in plan.exports] == ["aotwheel_mine", "work"]
    assert plan.support_symbols == tuple(sorted(e["entryPoint"] for e in support_exports()))


def test_the_symbol_table_must_match_the_plan_exactly():
    plan = planned(export("a"), export("b"), backend=Backend.CTYPES)
    assert plan.symbols() == {"a", "b", DIGEST_SYMBOL}
    check_library(plan, library("a", "b", DIGEST_SYMBOL, "DotNetRuntimeDebugHeader"), log=lambda line: None)
    with pytest.raises(AotWheelError) as raised:
        check_library(plan, library("a", "c", DIGEST_SYMBOL), log=lambda line: None)
    assert str(raised.value) == (
        "the assembly's exports and the native symbol table differ:\n"
        "  b: declared in the assembly but not exported by Lib.so\n"
        "  c: exported by Lib.so but not declared in the assembly's metadata")


def test_the_symbol_check_covers_shims_map_loops_support_the_digest_and_the_native_module():
    api = static_class(method("Twice", param("n", prim("int")), returns=prim("int")))
    plan = planned(export("work"), *support_exports(), types=[api])
    expected = {"aotwheel_0_twice", "aotwheel_map_0_twice", "work", DIGEST_SYMBOL, NATIVE_MODULE_INIT, *plan.support_symbols}
    assert plan.symbols() == expected
    lines = []
    check_library(plan, library(*expected), log=lines.append)
    assert lines == ["1 exports: work", "Python API ([PyExport]): 1 functions, 0 classes, 0 dataclasses, 0 enums"]
    for absent in sorted(expected):
        with pytest.raises(AotWheelError, match=f"{absent}: declared in the assembly but not exported by Lib.so"):
            check_library(plan, library(*(expected - {absent})), log=lambda line: None)
