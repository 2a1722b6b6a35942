"""[PyExport] API model building and validation from fake inspector reports (no SDK needed)."""

from __future__ import annotations

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.pyexport.api import build_api
from aotwheel.xmldoc import MemberDoc
from pyexport_reports import array, byref, generic, method, named, param, prim, prop, report, static_class, type_

POINT = type_("Lib.Point", record=True, properties=[prop("X", prim("double"), init=True), prop("Y", prim("double"), init=True)],
              methods=[method("", param("X", prim("double")), param("Y", prim("double")), ctor=True)])
COLOR = type_("Lib.Color", kind="enum", values=[{"name": "Red", "value": {"kind": "int", "value": 0}},
                                                 {"name": "None", "value": {"kind": "int", "value": 1}}])


def build(*types, reserved=()):
    return build_api(report(*types), {}, reserved)


def test_static_class_functions_get_snake_case_names_defaults_and_outputs():
    api = build(static_class(
        method("CountWords", param("text", prim("string")), returns=prim("int")),
        method("Greet", param("name", prim("string")), param("times", prim("int"), default={"kind": "int", "value": 2}),
               param("mood", named("Lib.Color"), default={"kind": "int", "value": 1}), returns=prim("string")),
        method("TryParse", param("text", prim("string")), param("value", byref(prim("int")), out=True), returns=prim("bool")),
        method("Hidden", public=False),  # not public and not marked: not reported by the inspector in practice
    ), COLOR)
    names = [f.python_name for f in api.functions]
    assert names == ["count_words", "greet", "try_parse"]
    greet = api.functions[1]
    assert [p.default.python if p.default else None for p in greet.params] == [None, "2", "Color(1)"]
    try_parse = api.functions[2]
    assert [o.tag for o in try_parse.outputs] == ["bool", "int"] and [p.python_name for p in try_parse.inputs] == ["text"]
    assert api.enums[0].python_name == "Color" and api.enums[0].members == (("Red", 0), ("None", 1))


def test_single_marked_method_and_rename():
    api = build(type_("Lib.Misc", methods=[method("MakeLoud", param("t", prim("string")), returns=prim("string"),
                                                  export={"name": "shout"}), method("Other")]))
    assert [f.python_name for f in api.functions] == ["shout"]
    assert api.functions[0].entry_point == "aotwheel_fn_shout"


def test_class_members_properties_and_records():
    counter = type_("Lib.Counter", export={}, methods=[
        method("", param("start", prim("int")), ctor=True),
        method("Increment", returns=prim("int"), static=False),
        method("Where", returns=named("Lib.Point", "class"), static=False),
        method("Parse", param("text", prim("string")), returns=named("Lib.Counter", "class")),
        method("ToString", returns=prim("string"), static=False),
        method("Equals", param("obj", prim("object")), returns=prim("bool"), static=False),
    ], properties=[prop("Count", prim("int")), prop("Name", prim("string"), write=True)])
    api = build(counter, POINT)
    cls = api.classes[0]
    assert cls.constructor is not None and cls.constructor.python_name == "__init__"
    assert [(m.kind, m.python_name) for m in cls.members] == [
        ("method", "increment"), ("method", "where"), ("static", "parse"), ("method", "__str__"),
        ("getter", "count"), ("getter", "name"), ("setter", "name")]
    assert api.records[0].construct == "constructor" and [f.python_name for f in api.records[0].fields] == ["x", "y"]


@pytest.mark.parametrize(
    "shape, fragment",
    [
        (prim("object"), "type object is not supported"),
        (named("System.IO.Stream", "class"), "type System.IO.Stream is not supported"),
        (generic("System.Span`1", prim("string")), "Span<string>: spans and memory are supported for numeric (and Half) items only"),
        (generic("System.Collections.Generic.Dictionary`2", prim("double"), prim("int")), "dictionary keys must be"),
        (generic("System.Collections.Generic.List`1", generic("System.Span`1", prim("int"))), "only as a parameter or return type"),
        ({"kind": "pointer", "name": "int*", "element": prim("int")}, "pointer types are not supported"),
        (byref(prim("int")), "ref parameters are not supported"),
        (named("Lib.Plain", "class"), "neither a [PyExport] class, a record, a struct nor an enum"),
        (generic("System.Func`1", prim("int")), "Func<int> is not supported"),
    ],
)
def test_unsupported_parameter_types_name_method_parameter_and_type(shape, fragment):
    plain = type_("Lib.Plain")
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Work", param("value", shape))), plain)
    message = str(error.value)
    assert "Lib.Api.Work, parameter 'value': type " in message and fragment in message
    assert "Supported types: string, bool, char" in message


def test_every_problem_is_reported_together():
    with pytest.raises(AotWheelError) as error:
        build(static_class(
            method("A", param("x", prim("object"))),
            method("B", returns=prim("object")),
            method("C", generic_method=True),
        ), type_("Lib.Bad", export={}, kind="interface"))
    message = str(error.value)
    assert message.startswith("4 problem(s) with [PyExport] members:")
    assert "Lib.Api.B, return type: type object is not supported" in message
    assert "Lib.Api.C: generic methods cannot be exported" in message
    assert "[PyExport] applies to classes, structs, enums and static methods, not to a interface" in message


@pytest.mark.parametrize(
    "types, fragment",
    [
        ((static_class(method("Add")), static_class(method("add"), name="Lib.Other")),
         "Lib.Other.add and Lib.Api.Add both map to the Python name 'add'"),
        ((type_("Lib.C", export={}, methods=[method("", ctor=True), method("", param("a", prim("int")), ctor=True)]),),
         "2 public constructors all map to C.__init__"),
        ((type_("Lib.C", export={}, methods=[method("Close", static=False)]),), "map to the Python name 'close'"),
        ((type_("Lib.Hidden", export={}, public=False),), "Lib.Hidden: a [PyExport] type must be public"),
        ((type_("Lib.M", methods=[method("Run", static=False, export={})]),), "needs a static method"),
        ((static_class(method("Do", export={"name": "_private"})),), "'_private' cannot be a public Python name"),
        ((static_class(method("Dump"), method("Dotnet")), static_class(method("X"), name="Lib.DotNetError")), None),
    ],
)
def test_collisions_and_shapes_that_cannot_be_exported(types, fragment):
    if fragment is None:  # a C# class named DotNetError is fine when it is not exported itself
        build(*types)
        return
    with pytest.raises(AotWheelError, match=None) as error:
        build(*types)
    assert fragment in str(error.value)


def test_hand_written_exports_reserve_their_names():
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Add")), reserved=[("add", "Lib.Exports.Add")])
    assert "Lib.Api.Add and hand-written export add both map to the Python name 'add'" in str(error.value)


def test_record_needs_a_way_to_be_constructed():
    frozen = type_("Lib.Frozen", record=True, properties=[prop("A", prim("int"))])
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Echo", param("value", named("Lib.Frozen", "class")))), frozen)
    assert "Lib.Frozen: a record or struct crosses to Python by value" in str(error.value)


def test_struct_with_public_fields_uses_an_initializer_and_arrays_become_buffers_or_lists():
    size = type_("Lib.Size", kind="struct", fields=[{"name": "Width", "type": prim("int"), "isReadOnly": False, "nullable": False}])
    api = build(static_class(
        method("Area", param("size", named("Lib.Size"))),
        method("Sum", param("values", array(prim("double")))),
        method("Names", param("values", array(prim("string")))),
    ), size)
    assert api.records[0].construct == "initializer"
    assert [f.params[0].type.tag for f in api.functions] == ["record", "span", "list"]


def test_business_types_resolve_everywhere_with_their_defaults():
    decimal_, date, half = named("System.Decimal"), named("System.DateOnly"), named("System.Half")
    line = type_("Lib.Line", record=True, properties=[prop("Amount", decimal_, init=True), prop("Weight", half, init=True)],
                 methods=[method("", param("Amount", decimal_), param("Weight", half), ctor=True)])
    api = build(static_class(
        method("Net", param("gross", decimal_), param("rate", decimal_, default={"kind": "decimal", "value": "0.20"}),
               returns=decimal_),
        method("Shift", param("day", date, default={"kind": "null"}), param("at", named("System.TimeOnly"), default={"kind": "null"}),
               param("big", named("System.Numerics.BigInteger"), default={"kind": "null"}),
               param("wide", generic("System.Nullable`1", named("System.Int128")), default={"kind": "null"}),
               param("rate", generic("System.Nullable`1", decimal_), default={"kind": "decimal", "value": "1.5"})),
        method("Halves", param("values", generic("System.Span`1", half)), param("copy", array(half)),
               param("prices", array(decimal_)), returns=generic("System.ReadOnlyMemory`1", half)),
        method("Line", param("line", named("Lib.Line", "class")), param("serial", byref(named("System.UInt128")), out=True)),
    ), line)
    net, shift, halves, line_fn = api.functions
    assert [p.type.tag for p in net.params] == ["decimal", "decimal"] and net.params[1].default.python == "_decimal.Decimal('0.20')"
    assert [p.default.python for p in shift.params] == [
        "_datetime.date.min", "_datetime.time()", "0", "None", "_decimal.Decimal('1.5')"]
    assert [p.type.tag for p in halves.params] == ["span", "span", "list"] and halves.returns.tag == "span"
    assert [o.tag for o in line_fn.outputs] == ["uint128"]
    assert [f.type.tag for f in api.records[0].fields] == ["decimal", "half"]


def test_a_record_docstring_names_the_dataclass_fields_not_the_csharp_ones():
    docs = {"T:Lib.Point": MemberDoc(summary="A point.", parameters={"X": "Across.", "Y": "Up."})}
    uses = static_class(method("Origin", returns=named("Lib.Point", "class")))
    doc = build_api(report(uses, POINT), docs).records[0].doc
    assert "Args:\n    x: Across.\n    y: Up." in doc
    assert "X:" not in doc and "Y:" not in doc
