"""The plan's decisions on class hierarchies, interfaces and overloads (plan/planner.py), from fake
inspector reports (no SDK): Python bases, derived classes most derived first, abstractness, overload
sets in dispatch order, and the overloads Python cannot tell apart."""

from __future__ import annotations

import copy
import re

import pytest

from aotwheel.bindings.csharp import render_csharp
from aotwheel.bindings.python import render_package
from aotwheel.errors import AotWheelError
from aotwheel.inspect_cmd import _api_report
from aotwheel.plan.model import CLASS_OF_SYMBOL, BindingPlan, MemberKind, OverloadSet, Tag
from aotwheel.plan.planner import plan_binding
from aotwheel.report import Report
from pyexport_reports import array, generic, method, named, param, prim, prop, report, report_json, static_class, type_

MEASURABLE = type_("Lib.IMeasurable", kind="interface", export={},
                   methods=[method("Area", returns=prim("double"), static=False)])
SHAPE = type_("Lib.Shape", export={}, abstract=True, interfaces=["Lib.IMeasurable"], methods=[
    method("Area", returns=prim("double"), static=False),
    method("", ctor=True),  # protected in practice; abstract classes get no constructor either way
    method("Largest", param("shapes", generic("System.Collections.Generic.IReadOnlyList`1", named("Lib.Shape", "class"))),
           returns=named("Lib.Shape", "class")),
])
CIRCLE = type_("Lib.Circle", export={}, base="Lib.Shape", interfaces=["Lib.IMeasurable"],
               methods=[method("", param("radius", prim("double")), ctor=True)])
# Not exported: what derives from it has Shape as its Python base.
MIDDLE = type_("Lib.Middle", base="Lib.Shape", abstract=True)
SQUARE = type_("Lib.Square", export={}, base="Lib.Middle", methods=[method("", ctor=True)])
UNIT = type_("Lib.Unit", export={}, base="Lib.Square", methods=[method("", ctor=True)])


def build(*types):
    return plan_binding(report(*types), {})


def refusal(*types) -> str:
    with pytest.raises(AotWheelError) as error:
        build(*types)
    return str(error.value)


def test_exported_bases_become_python_bases_base_first():
    # Derived types listed first: the plan still orders every base before what derives from it.
    plan = build(UNIT, SQUARE, CIRCLE, MIDDLE, SHAPE, MEASURABLE)
    by_name = {c.name: c for c in plan.classes}
    assert [c.name for c in plan.classes] == ["Lib.IMeasurable", "Lib.Shape", "Lib.Square", "Lib.Circle", "Lib.Unit"]
    assert by_name["Lib.Shape"].bases == ("Lib.IMeasurable",)
    # IMeasurable, declared again by Circle, is implied by Shape: Python's MRO would refuse it after Shape.
    assert by_name["Lib.Circle"].bases == ("Lib.Shape",)
    assert by_name["Lib.Square"].bases == ("Lib.Shape",)  # through the unexported Middle
    assert by_name["Lib.Unit"].bases == ("Lib.Square",)
    assert by_name["Lib.IMeasurable"].bases == ()
    # Most derived first, so that a type switch meets a class before any of its bases.
    assert by_name["Lib.Shape"].derived == ("Lib.Unit", "Lib.Circle", "Lib.Square")
    assert by_name["Lib.IMeasurable"].derived == ("Lib.Unit", "Lib.Circle", "Lib.Square", "Lib.Shape")
    assert by_name["Lib.Circle"].derived == () and by_name["Lib.Square"].derived == ("Lib.Unit",)
    assert plan.polymorphic and CLASS_OF_SYMBOL in plan.symbols()


def test_abstract_classes_and_interfaces_get_no_constructor():
    plan = build(SHAPE, CIRCLE, MEASURABLE)
    shape, interface, circle = (plan.class_plan(n) for n in ("Lib.Shape", "Lib.IMeasurable", "Lib.Circle"))
    assert shape.constructor is None and shape.is_abstract and not shape.is_interface and shape.abstract
    assert interface.constructor is None and interface.is_abstract and interface.is_interface
    assert circle.constructor is not None and not circle.abstract
    assert [(m.kind, m.python_name) for m in interface.members] == [(MemberKind.METHOD, "area")]


def test_a_plan_without_derived_classes_needs_no_class_export():
    plan = build(type_("Lib.Circle", export={}, methods=[method("", ctor=True)]))
    assert not plan.polymorphic and CLASS_OF_SYMBOL not in plan.symbols()
    assert "ClassOf" not in render_csharp(plan)


def test_results_typed_as_a_base_are_wrapped_as_their_own_class():
    plan = build(SHAPE, CIRCLE, MEASURABLE, SQUARE, MIDDLE)
    source = render_csharp(plan)
    shape = plan.python_classes().index("Lib.Shape")
    circle, square = plan.python_classes().index("Lib.Circle"), plan.python_classes().index("Lib.Square")
    switch = re.search(rf"int ClassOf{shape}\(object\? value\) => value switch\s*\{{(.*?)\}};", source, re.S)
    assert switch is not None
    assert [line.strip() for line in switch.group(1).strip().splitlines()] == [
        f"global::Lib.Circle => {circle},", f"global::Lib.Square => {square},", f"_ => {shape},"]
    assert f'EntryPoint = "{CLASS_OF_SYMBOL}"' in source
    api = render_package(plan, "libLib.so", "doc")["_api.py"].decode()
    assert f"_rt.wrap_real(_r0.value, {shape})" in api  # Shape.largest's result, on the ctypes backend
    assert f'_rt.bind_classes(_lib, "{CLASS_OF_SYMBOL}", ' in api
    assert "class Circle(Shape):" in api and "class Shape(IMeasurable):" in api


ADD = static_class(
    method("Add", param("a", prim("int")), param("b", prim("int")), returns=prim("int")),
    method("Add", param("a", prim("double")), param("b", prim("double")), returns=prim("double")),
    method("Add", param("a", prim("string")), param("b", prim("string")), returns=prim("string")),
    method("Other", param("x", prim("int")), returns=prim("int")),
)


def test_overloads_become_one_set_in_dispatch_order():
    plan = build(ADD)
    (overloads,) = plan.overloads
    assert overloads == OverloadSet("add", "add", MemberKind.FUNCTION, ("_add_0", "_add_1", "_add_2"))
    # Most specific first: a str takes no number, and an int before a float (an int is a float too).
    assert [plan.function(c).params[0].type.tag for c in overloads.candidates] == [Tag.STRING, Tag.INT, Tag.DOUBLE]
    assert [plan.function(c).qualified_name for c in overloads.candidates] == ["add"] * 3  # as messages name them
    assert plan.public_names == ["other", "add"]
    assert all(plan.function(c).map is None for c in overloads.candidates)  # a column could go to either
    assert plan.function("other").map is not None
    assert len({plan.function(c).symbol for c in overloads.candidates}) == 3


def test_derived_class_parameters_are_tried_before_their_bases():
    plan = build(SHAPE, CIRCLE, MEASURABLE, static_class(
        method("Kind", param("shape", named("Lib.Shape", "class")), returns=prim("string")),
        method("Kind", param("value", prim("bool")), returns=prim("string")),
        method("Kind", param("circle", named("Lib.Circle", "class")), returns=prim("string")),
        method("Kind", param("value", prim("long")), returns=prim("string")),
    ))
    (overloads,) = plan.overloads
    assert [plan.function(c).params[0].python_name for c in overloads.candidates] == ["circle", "shape", "value", "value"]
    assert [plan.function(c).params[0].type.tag for c in overloads.candidates][2:] == [Tag.BOOL, Tag.LONG]


def test_constructor_and_method_overloads_of_a_class():
    plan = build(type_("Lib.Point", export={}, methods=[
        method("", ctor=True),
        method("", param("x", prim("double")), param("y", prim("double")), ctor=True),
        method("", param("text", prim("string")), ctor=True),
        method("Scale", param("factor", prim("double")), returns=named("Lib.Point", "class"), static=False),
        method("Scale", param("fx", prim("double")), param("fy", prim("double")), returns=named("Lib.Point", "class"), static=False),
    ]))
    (point,) = plan.classes
    assert point.constructor is None and not point.abstract
    assert point.overloads == (
        OverloadSet("__init__", "Point", MemberKind.CONSTRUCTOR, ("_init_0", "_init_1", "_init_2")),
        OverloadSet("scale", "Point.scale", MemberKind.METHOD, ("_scale_0", "_scale_1")),
    )
    assert [len(point.candidate(c).params) for c in point.overloads[0].candidates] == [0, 1, 2]
    assert [m.number for m in plan.members()] == list(range(5))


@pytest.mark.parametrize("overloads, fragment", [
    ((method("Add", param("a", prim("int"))), method("Add", param("a", prim("long")))),
     "Lib.Api.Add(int) and Lib.Api.Add(long): Python cannot tell these overloads apart (both take (int) arguments)"),
    # An optional parameter: Add(1) matches both.
    ((method("Add", param("a", prim("int")), param("b", prim("int"), default={"kind": "int", "value": 0})),
      method("Add", param("a", prim("int")))),
     "Lib.Api.Add(int, int) and Lib.Api.Add(int): Python cannot tell these overloads apart (both take (int) arguments)"),
    ((method("F", param("a", prim("string"))), method("F", param("a", prim("char")))), "both take (str) arguments"),
    ((method("F", param("a", generic("System.Collections.Generic.List`1", prim("int")))),
      method("F", param("a", array(prim("double"))))), "both take (sequence) arguments"),
    ((method("F", param("a", named("Lib.Color"))),), "both take (int) arguments"),
])
def test_overloads_python_cannot_tell_apart_are_refused_naming_both(overloads, fragment):
    color = type_("Lib.Color", kind="enum", values=[{"name": "Red", "value": {"kind": "int", "value": 0}}])
    if len(overloads) == 1:
        overloads = (*overloads, method("F", param("a", prim("int"))))
    assert fragment in refusal(static_class(*overloads), color)


def test_static_and_instance_overloads_of_one_name_are_refused():
    message = refusal(type_("Lib.C", export={}, methods=[
        method("", ctor=True), method("Go", static=False), method("Go", param("a", prim("int")))]))
    assert "Lib.C.Go: static and instance overloads both map to C.go" in message


def test_plans_with_hierarchies_and_overloads_round_trip_through_json():
    plan = build(SHAPE, CIRCLE, MEASURABLE, ADD)
    assert BindingPlan.from_json(plan.to_json(), "test") == plan


def test_the_report_of_a_type_needs_its_base_and_interfaces():
    for field, fragment in (("baseType", "baseType: missing (expected a string)"),
                            ("interfaces", "interfaces: missing (expected an array of strings)")):
        data = report_json(copy.deepcopy(CIRCLE))
        del data["types"][0][field]
        with pytest.raises(AotWheelError, match=re.escape(fragment)):
            Report.from_json(data, "r.json")
    data = report_json(dict(CIRCLE, interfaces=["Lib.IMeasurable", 3]))
    with pytest.raises(AotWheelError, match=re.escape('report.types["Lib.Circle"].interfaces: expected an array of strings')):
        Report.from_json(data, "r.json")


def test_stubs_spell_overloads_with_typing_overload():
    stub = render_package(build(ADD, type_("Lib.P", export={}, methods=[
        method("", ctor=True), method("", param("x", prim("int")), ctor=True)])), "libLib.so", "doc")["_api.pyi"].decode()
    assert "@_typing.overload\ndef add(a: int, b: int) -> int: ..." in stub
    assert "    @_typing.overload\n    def __init__(self, x: int) -> None: ..." in stub
    assert not re.search(r"\b_(add|init)_\d", stub)


def test_inspect_lists_bases_and_each_overload_counting_a_set_once():
    plan = build(SHAPE, CIRCLE, MEASURABLE, ADD)
    report = _api_report(render_package(plan, "libLib.so", "doc")["_api.pyi"].decode())
    assert report[0] == "api:      2 functions, 3 classes, 0 dataclasses, 0 enums ([PyExport])"
    assert "  class Circle(Shape)" in report and "  class IMeasurable" in report
    assert [line for line in report if line.startswith("  def add")] == [
        "  def add(a: str, b: str) -> str  (overload)", "  def add(a: int, b: int) -> int  (overload)",
        "  def add(a: float, b: float) -> float  (overload)"]
    assert plan.function_names == ["other", "add"]


def test_overrides_are_inherited_so_the_bases_overloads_stay_callable():
    base = type_("Lib.Base", export={}, abstract=True, methods=[
        method("Describe", returns=prim("string"), static=False),
        method("Describe", param("digits", prim("int")), returns=prim("string"), static=False),
        method("Make", returns=named("Lib.Base", "class")),
    ], properties=[prop("Size", prim("double"))])
    derived = type_("Lib.Derived", export={}, base="Lib.Base", methods=[
        method("", ctor=True),
        method("Describe", returns=prim("string"), static=False),  # an override
        method("Describe", param("text", prim("string")), returns=prim("string"), static=False),  # a new overload
        method("Make", returns=named("Lib.Base", "class")),  # static: hides, and is its own
    ], properties=[prop("Size", prim("double")), prop("Extra", prim("int"))])
    plan = build(base, derived)
    members = {(m.kind, m.python_name, tuple(p.python_name for p in m.params)) for m in plan.class_plan("Lib.Derived").members}
    assert members == {(MemberKind.METHOD, "describe", ("text",)), (MemberKind.STATIC, "make", ()),
                       (MemberKind.GETTER, "extra", ())}
    assert [o.python_name for o in plan.class_plan("Lib.Base").overloads] == ["describe"]
