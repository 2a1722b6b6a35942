"""Discovery's decisions on the inspector's report: what is bindable, and the symbol-table check."""

from __future__ import annotations

from pathlib import Path

import pytest

from aotwheel.binary import NativeLibrary
from aotwheel.discover import _export, check_symbols, exports_from_report
from aotwheel.errors import AotWheelError
from aotwheel.report import CONTRACT, Report


def primitive(name):
    return {"kind": "primitive", "name": name}


def pointer(element):
    return {"kind": "pointer", "name": element["name"] + "*", "element": element}


def raw_export(entry="work", returns=None, static=True, generic=False, **parameters):
    """One export as the inspector reports it, read by the report's parser."""
    raw = {
        "entryPoint": entry,
        "declaringType": "Lib.Exports",
        "method": "Work",
        "isStatic": static,
        "isGeneric": generic,
        "releaseGil": False,
        "returns": returns or primitive("void"),
        "parameters": [{"name": name, "type": shape} for name, shape in parameters.items()],
    }
    return Report.from_json({"contract": CONTRACT, "assembly": "Lib", "exports": [raw], "types": []}, "test").exports[0]


def library(*functions):
    return NativeLibrary(Path("/x/Lib.so"), "elf", "x86_64", frozenset(functions), (), {}, None, 0)


def test_primitives_and_pointers_are_bound():
    export = _export(raw_export(returns=primitive("double"), values=pointer(primitive("double")), count=primitive("nint")))
    assert export.entry_point == "work"
    assert [p.type.csharp for p in export.parameters] == ["double*", "nint"]
    assert export.returns.csharp == "double"
    assert _export(raw_export(data=pointer(primitive("void")))).parameters[0].type.csharp == "void*"


def test_python_keywords_get_a_trailing_underscore():
    export = _export(raw_export(entry="lambda", **{"from": primitive("int"), "_hidden": primitive("int")}))
    assert export.python_name == "lambda_"
    assert [p.python_name for p in export.parameters] == ["from_", "_hidden_"]


@pytest.mark.parametrize(
    "shape, fragment",
    [
        (primitive("bool"), "type bool is not supported (bool is not blittable"),
        (primitive("char"), "type char is not supported (char is not blittable"),
        (primitive("string"), "type string is not supported"),
        ({"kind": "valuetype", "name": "Lib.Point"}, "type Lib.Point is not supported"),
        (pointer(pointer(primitive("int"))), "type int** is not supported"),
        (pointer(primitive("bool")), "type bool* is not supported"),
        (primitive("void"), "void is only a return type"),
    ],
)
def test_unsupported_parameter_types_name_method_parameter_and_type(shape, fragment):
    with pytest.raises(AotWheelError) as raised:
        _export(raw_export(flag=shape))
    message = str(raised.value)
    assert "Lib.Exports.Work, parameter 'flag'" in message
    assert fragment in message
    assert "Supported:" in message


def test_unsupported_return_type_is_named():
    with pytest.raises(AotWheelError, match=r"Lib.Exports.Work, return type: type bool is not supported"):
        _export(raw_export(returns=primitive("bool")))


def test_generic_or_instance_methods_are_refused():
    with pytest.raises(AotWheelError, match="must be static and not generic"):
        _export(raw_export(static=False))
    with pytest.raises(AotWheelError, match="must be static and not generic"):
        _export(raw_export(generic=True))


@pytest.mark.parametrize("entry", ["my-func", "_private", "9lives"])
def test_entry_points_that_cannot_be_python_names_are_refused(entry):
    with pytest.raises(AotWheelError, match=repr(entry)):
        _export(raw_export(entry=entry))


def test_symbol_table_must_match_exactly():
    exports = [_export(raw_export(entry="a")), _export(raw_export(entry="b"))]
    check_symbols(exports, library("a", "b", "DotNetRuntimeDebugHeader"))
    with pytest.raises(AotWheelError) as raised:
        check_symbols(exports, library("a", "c"))
    message = str(raised.value)
    assert "b: declared in the assembly but not exported by Lib.so" in message
    assert "c: exported by Lib.so but not declared" in message


def test_aotwheels_own_exports_are_checked_but_not_bound():
    hand_written = {"entryPoint": "work", "declaringType": "Lib.Exports", "method": "Work", "isStatic": True,
                    "isGeneric": False, "releaseGil": False, "returns": primitive("void"), "parameters": []}
    own = [dict(hand_written, entryPoint=name, declaringType="AotWheel.Generated") for name in ("aotwheel_fn_x", "PyInit__lib")]
    impostor = dict(hand_written, entryPoint="aotwheel_mine", declaringType="Lib.Exports")  # not in aotwheel's namespace
    report = Report.from_json({"contract": CONTRACT, "assembly": "Lib", "exports": [hand_written, *own, impostor],
                               "types": []}, "test")
    bound = exports_from_report(report, {}, library("work", "aotwheel_fn_x", "PyInit__lib", "aotwheel_mine"))
    assert [e.entry_point for e in bound] == ["aotwheel_mine", "work"]
    with pytest.raises(AotWheelError, match="PyInit__lib: declared in the assembly but not exported by Lib.so"):
        exports_from_report(report, {}, library("work", "aotwheel_fn_x", "aotwheel_mine"))
