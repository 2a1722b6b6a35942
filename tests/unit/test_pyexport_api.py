"""The [PyExport] part of the binding plan (plan/planner.py), from fake inspector reports (no SDK
needed): kinds, numbers, symbols, typed defaults, enum members, records, and every refusal."""

from __future__ import annotations

import pytest

from aotwheel.bindings.python import render_package
from aotwheel.errors import AotWheelError
from aotwheel.plan.model import (
    Backend, Construct, Container, Default, DefaultKind, EnumMember, Layout, MemberKind, Tag, TypeRef,
)
from aotwheel.plan.planner import plan_binding
from aotwheel.xmldoc import MemberDoc
from pyexport_reports import array, byref, export, generic, method, named, param, prim, prop, report, static_class, type_

POINT = type_("Lib.Point", record=True, properties=[prop("X", prim("double"), init=True), prop("Y", prim("double"), init=True)],
              methods=[method("", param("X", prim("double")), param("Y", prim("double")), ctor=True)])
COLOR = type_("Lib.Color", kind="enum", values=[{"name": "Red", "value": {"kind": "int", "value": 0}},
                                                 {"name": "None", "value": {"kind": "int", "value": 1}}])


def build(*types, exports=(), docs=None):
    return plan_binding(report(*types, exports=exports), docs or {})


def test_static_class_functions_get_snake_case_names_typed_defaults_and_outputs():
    plan = build(static_class(
        method("CountWords", param("text", prim("string")), returns=prim("int")),
        method("Greet", param("name", prim("string")), param("times", prim("int"), default={"kind": "int", "value": 2}),
               param("mood", named("Lib.Color"), default={"kind": "int", "value": 1}), returns=prim("string")),
        method("TryParse", param("text", prim("string")), param("value", byref(prim("int")), out=True), returns=prim("bool")),
        method("Hidden", public=False),  # not public and not marked: not reported by the inspector in practice
    ), COLOR)
    assert [(f.number, f.kind, f.python_name, f.symbol) for f in plan.functions] == [
        (0, MemberKind.FUNCTION, "count_words", "aotwheel_0_count_words"),
        (1, MemberKind.FUNCTION, "greet", "aotwheel_1_greet"),
        (2, MemberKind.FUNCTION, "try_parse", "aotwheel_2_try_parse"),
    ]
    count_words, greet, try_parse = plan.functions
    assert [p.default for p in greet.params] == [None, Default(DefaultKind.INT, 2), Default(DefaultKind.ENUM, 1)]
    assert greet.params[2].type == TypeRef(Tag.ENUM, "global::Lib.Color", name="Lib.Color")
    assert [t.tag for t in try_parse.outputs] == [Tag.BOOL, Tag.INT] and [p.python_name for p in try_parse.inputs] == ["text"]
    assert try_parse.map is None  # an out parameter has no column
    assert count_words.map is not None and count_words.map.symbol == "aotwheel_map_0_count_words"
    assert [leaf.layout for value in count_words.map.inputs for leaf in value.leaves] == [Layout.STRING]
    assert count_words.map.result.leaves[0].layout is Layout.FIXED
    (color,) = plan.enums
    assert (color.name, color.python_name, color.underlying, color.flags) == ("Lib.Color", "Color", Tag.INT, False)
    assert color.members == (EnumMember("Red", 0), EnumMember("None_", 1))  # `None` is a keyword


def test_single_marked_method_and_rename():
    plan = build(type_("Lib.Misc", methods=[method("MakeLoud", param("t", prim("string")), returns=prim("string"),
                                                   export={"name": "shout"}), method("Other")]))
    (shout,) = plan.functions
    assert (shout.python_name, shout.qualified_name, shout.symbol, shout.origin) == (
        "shout", "shout", "aotwheel_0_shout", "Lib.Misc.MakeLoud")


def test_class_members_properties_and_records():
    counter = type_("Lib.Counter", export={}, methods=[
        method("", param("start", prim("int")), ctor=True),
        method("Increment", returns=prim("int"), static=False),
        method("Where", returns=named("Lib.Point", "class"), static=False),
        method("Parse", param("text", prim("string")), returns=named("Lib.Counter", "class")),
        method("ToString", returns=prim("string"), static=False),
        method("Equals", param("obj", prim("object")), returns=prim("bool"), static=False),
    ], properties=[prop("Count", prim("int")), prop("Name", prim("string"), write=True)])
    plan = build(counter, POINT)
    (cls,) = plan.classes
    assert cls.constructor is not None and not cls.abstract
    assert (cls.constructor.kind, cls.constructor.python_name, cls.constructor.qualified_name, cls.constructor.symbol) == (
        MemberKind.CONSTRUCTOR, "__init__", "Counter", "aotwheel_0_Counter")
    assert [(m.number, m.kind, m.python_name, m.symbol) for m in cls.members] == [
        (1, MemberKind.METHOD, "increment", "aotwheel_1_Counter_increment"),
        (2, MemberKind.METHOD, "where", "aotwheel_2_Counter_where"),
        (3, MemberKind.STATIC, "parse", "aotwheel_3_Counter_parse"),
        (4, MemberKind.METHOD, "__str__", "aotwheel_4_Counter___str__"),
        (5, MemberKind.GETTER, "count", "aotwheel_5_Counter_count"),
        (6, MemberKind.GETTER, "name", "aotwheel_6_Counter_name"),
        (7, MemberKind.SETTER, "name", "aotwheel_7_Counter_name"),
    ]
    assert cls.constructor.results == (TypeRef(Tag.OBJECT, "global::Lib.Counter", name="Lib.Counter"),)
    assert not any(m.map for m in cls.members)  # methods have no .map, and parse's object result no column
    (point,) = plan.records
    assert point.construct is Construct.CONSTRUCTOR and [f.python_name for f in point.fields] == ["x", "y"]
    assert plan.python_classes() == ["Lib.Point", "Lib.Counter"]


def test_numbers_count_over_the_whole_plan_and_symbols_are_unique():
    # Box.area and a function named Box_area share a symbol part; the numbers keep their symbols apart.
    box = type_("Lib.Box", export={}, methods=[method("", ctor=True), method("Area", returns=prim("int"), static=False)])
    plan = build(static_class(method("Other", export={"name": "Box_area"})), box,
                 exports=[export("raw", ("a", prim("int")), returns=prim("int"))])
    members = plan.members()
    assert [m.number for m in members] == list(range(len(members)))
    assert [m.symbol for m in members] == ["aotwheel_0_Box_area", "aotwheel_1_Box", "aotwheel_2_Box_area", "raw"]
    assert len(plan.symbols()) == len({m.symbol for m in members} | {m.map.symbol for m in members if m.map}) + 2  # digest, PyInit


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
        (generic("System.Func`1", prim("object")), "Func<object> is not supported"),
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
        ), type_("Lib.Bad", export={}, kind="delegate"))
    message = str(error.value)
    assert message.startswith("4 problem(s) with [PyExport] members:")
    assert "Lib.Api.B, return type: type object is not supported" in message
    assert "Lib.Api.C: generic methods cannot be exported" in message
    assert "[PyExport] applies to classes, structs, enums and static methods, not to a delegate" in message


@pytest.mark.parametrize(
    "types, fragment",
    [
        ((static_class(method("Add")), static_class(method("add"), name="Lib.Other")),
         "Lib.Other.add and Lib.Api.Add both map to the Python name 'add' in the module Lib"),
        ((type_("Lib.C", export={}, methods=[method("", param("a", prim("int")), ctor=True),
                                             method("", param("a", prim("long")), ctor=True)]),),
         "Lib.C(int) and Lib.C(long): Python cannot tell these overloads apart (both take (int) arguments)"),
        ((type_("Lib.C", export={}, methods=[method("Close", static=False)]),),
         "aotwheel's own C.close and Lib.C.Close both map to the Python name 'close' in the class C"),
        ((type_("Lib.Hidden", export={}, public=False),), "Lib.Hidden: a [PyExport] type must be public"),
        ((type_("Lib.M", methods=[method("Run", static=False, export={})]),), "needs a static method"),
        ((static_class(method("Do", export={"name": "_private"})),), "'_private' cannot be a public Python name"),
        ((static_class(method("Raise", export={"name": "DotNetError"})),),
         "Lib.Api.Raise and aotwheel's own DotNetError both map to the Python name 'DotNetError'"),
        ((COLOR, type_("Lib.Twice", kind="enum", export={}, values=[{"name": n, "value": {"kind": "int", "value": i}}
                                                                    for i, n in enumerate(("mro", "mro_"))])),
         "Lib.Twice.mro_ and Lib.Twice.mro both map to the Python name 'mro_' in the enum Twice"),
        ((static_class(method("Dump"), method("Dotnet")), static_class(method("X"), name="Lib.DotNetError")), None),
    ],
)
def test_collisions_and_shapes_that_cannot_be_exported(types, fragment):
    if fragment is None:  # a C# class named DotNetError is fine when it is not exported itself
        build(*types)
        return
    with pytest.raises(AotWheelError) as error:
        build(*types)
    assert fragment in str(error.value)


def test_hand_written_exports_reserve_their_python_names():
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Add")), exports=[export("add")])
    assert "Lib.Api.Add and hand-written export Lib.Exports.Add both map to the Python name 'add'" in str(error.value)
    # The export `lambda` is the Python function `lambda_`: that is the name it takes.
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Other", export={"name": "lambda_"})), exports=[export("lambda")])
    assert "both map to the Python name 'lambda_'" in str(error.value)


def test_record_needs_a_way_to_be_constructed():
    frozen = type_("Lib.Frozen", record=True, properties=[prop("A", prim("int"))])
    with pytest.raises(AotWheelError) as error:
        build(static_class(method("Echo", param("value", named("Lib.Frozen", "class")))), frozen)
    assert "Lib.Frozen: a record or struct crosses to Python by value" in str(error.value)


def test_struct_with_public_fields_uses_an_initializer_and_arrays_become_buffers_or_lists():
    size = type_("Lib.Size", kind="struct", fields=[{"name": "Width", "type": prim("int"), "isReadOnly": False, "nullable": False}])
    plan = build(static_class(
        method("Area", param("size", named("Lib.Size"))),
        method("Sum", param("values", array(prim("double")))),
        method("Names", param("values", array(prim("string")))),
    ), size)
    assert plan.records[0].construct is Construct.INITIALIZER
    area, total, names = (f.params[0].type for f in plan.functions)
    assert area.tag is Tag.RECORD and area.name == "Lib.Size"
    assert (total.tag, total.container, total.item.tag) == (Tag.SPAN, Container.ARRAY, Tag.DOUBLE)
    assert (names.tag, names.container, names.item.tag) == (Tag.LIST, Container.ARRAY, Tag.STRING)


def test_business_types_resolve_everywhere_with_their_defaults():
    decimal_, date, half = named("System.Decimal"), named("System.DateOnly"), named("System.Half")
    line = type_("Lib.Line", record=True, properties=[prop("Amount", decimal_, init=True), prop("Weight", half, init=True)],
                 methods=[method("", param("Amount", decimal_), param("Weight", half), ctor=True)])
    plan = build(static_class(
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
    net, shift, halves, line_fn = plan.functions
    assert [p.type.tag for p in net.params] == [Tag.DECIMAL, Tag.DECIMAL]
    assert net.params[1].default == Default(DefaultKind.DECIMAL, "0.20")  # the decimal's text, exactly
    assert [p.default for p in shift.params] == [
        Default(DefaultKind.ZERO), Default(DefaultKind.ZERO), Default(DefaultKind.ZERO), Default(DefaultKind.NONE),
        Default(DefaultKind.DECIMAL, "1.5")]
    assert [(p.type.tag, p.type.container) for p in halves.params] == [
        (Tag.SPAN, Container.SPAN), (Tag.SPAN, Container.ARRAY), (Tag.LIST, Container.ARRAY)]
    assert (halves.returns.tag, halves.returns.container) == (Tag.SPAN, Container.READONLYMEMORY)
    assert [o.tag for o in line_fn.outputs] == [Tag.UINT128]
    assert [f.type.tag for f in plan.records[0].fields] == [Tag.DECIMAL, Tag.HALF]


@pytest.mark.parametrize(
    "shape, constant, expected",
    [
        (prim("double"), {"kind": "float", "value": "nan"}, Default(DefaultKind.FLOAT, "nan")),
        (prim("double"), {"kind": "float", "value": "-inf"}, Default(DefaultKind.FLOAT, "-inf")),
        (prim("double"), {"kind": "float", "value": -0.0}, Default(DefaultKind.FLOAT, -0.0)),
        (prim("double"), {"kind": "int", "value": 3}, Default(DefaultKind.FLOAT, 3.0)),
        (prim("bool"), {"kind": "bool", "value": True}, Default(DefaultKind.BOOL, True)),
        (prim("char"), {"kind": "char", "value": 65}, Default(DefaultKind.STRING, "A")),
        (prim("char"), {"kind": "char", "value": 0xD800}, Default(DefaultKind.STRING, "\ud800")),  # a lone surrogate
        (prim("string"), {"kind": "string", "value": "hé"}, Default(DefaultKind.STRING, "hé")),
        (prim("string"), {"kind": "null"}, Default(DefaultKind.NONE)),
        (prim("long"), {"kind": "int", "value": -(2**63)}, Default(DefaultKind.INT, -(2**63))),
        (prim("int"), {"kind": "null"}, Default(DefaultKind.ZERO)),
        (named("System.Guid"), {"kind": "null"}, Default(DefaultKind.ZERO)),
        (named("Lib.Point", "class"), {"kind": "null"}, None),  # a record has no zero
        (named("Lib.Color"), {"kind": "null"}, Default(DefaultKind.ENUM, 0)),
    ],
)
def test_defaults_are_typed(shape, constant, expected):
    plan = build(static_class(method("Use", param("value", shape, default=constant))), POINT, COLOR)
    assert plan.functions[0].params[0].default == expected


def test_a_default_python_cannot_spell_leaves_the_parameters_before_it_required():
    # `int a = 1, DateTimeOffset when = default`: `when` is required in Python, so `a` must be too
    # (no required parameter may follow one with a default).
    plan = build(static_class(method("Use", param("a", prim("int"), default={"kind": "int", "value": 1}),
                                     param("when", named("System.DateTimeOffset"), default={"kind": "null"}))))
    assert [p.default for p in plan.functions[0].params] == [None, None]
    module = render_package(plan, "lib.so", "Docs.")["_api.py"].decode()
    compile(module, "_api.py", "exec")


def test_a_params_array_defaults_to_empty():
    api = static_class(method("Join", {**param("parts", array(prim("string"))), "isParams": True}, returns=prim("string")))
    assert build(api).functions[0].params[0].default == Default(DefaultKind.EMPTY)


def test_release_gil_comes_from_the_method_or_its_class():
    plan = build(static_class(method("Crunch", export={"releaseGil": True}), method("Quick")),
                 type_("Lib.Slow", static=True, export={"releaseGil": True}, methods=[method("Wait")]))
    assert {f.python_name: f.release_gil for f in plan.functions} == {"crunch": True, "quick": False, "wait": True}


def test_a_record_docstring_names_the_dataclass_fields_not_the_csharp_ones():
    docs = {"T:Lib.Point": MemberDoc(summary="A point.", parameters={"X": "Across.", "Y": "Up."})}
    uses = static_class(method("Origin", returns=named("Lib.Point", "class")))
    doc = build(uses, POINT, docs=docs).records[0].doc
    assert "Args:\n    x: Across.\n    y: Up." in doc
    assert "X:" not in doc and "Y:" not in doc


def test_the_backend_is_the_callers():
    uses = static_class(method("Origin", returns=named("Lib.Point", "class")))
    assert plan_binding(report(uses, POINT), {}, Backend.CTYPES).backend is Backend.CTYPES
    assert build(uses, POINT).backend is Backend.NATIVE
