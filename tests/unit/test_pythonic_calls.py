"""Calls that read like Python: `params T[]` as *args, static properties as module and class
attributes, buffer annotations as the stubs spell them; planned from an inspector report and called
on the ctypes backend against gcc-built shims (no SDK)."""

from __future__ import annotations

import inspect

import pytest

from aotwheel.plan.model import Backend, MemberKind
from aotwheel.plan.planner import plan_binding
from generated_packages import imported_package
from pyexport_reports import array, generic, method, param, prim, prop, report, support_exports, type_


def params(name, shape):
    return {**param(name, array(shape)), "isParams": True}


def static(shape_prop):
    return {**shape_prop, "isStatic": True}


REPORT = report(
    type_("Lib.Api", static=True, export={}, methods=[
        method("MeanOf", params("values", prim("double")), returns=prim("double")),
        method("Describe", param("label", prim("string")), params("values", prim("int")), returns=prim("string")),
        method("Sum", param("values", generic("System.ReadOnlySpan`1", prim("double"))), returns=prim("double")),
    ], properties=[static(prop("Limit", prim("int"))), static(prop("Hidden", prim("int"), read=False, write=True))]),
    type_("Lib.Shape", export={}, methods=[method("", ctor=True)], properties=[static(prop("Made", prim("int")))]),
    exports=support_exports(),
)
PLAN = plan_binding(REPORT, {}, Backend.CTYPES)


def test_the_plan():
    kinds = {f.python_name: f.kind for f in PLAN.functions}
    assert kinds == {"mean_of": MemberKind.FUNCTION, "describe": MemberKind.FUNCTION, "sum": MemberKind.FUNCTION,
                     "limit": MemberKind.STATIC_GETTER}  # a property without a public getter is not exported
    assert [p.variadic for p in PLAN.functions[1].params] == [False, True]
    assert [(m.python_name, m.kind) for m in PLAN.classes[0].members] == [("made", MemberKind.STATIC_GETTER)]
    assert "limit" not in PLAN.public_names and [m.python_name for m in PLAN.module_properties] == ["limit"]


SHIMS_C = r"""
static int32_t limit = 7, made = 0;
int32_t @mean_of@(const double *values, intptr_t count, double *r0, uint8_t **error) {
    double s = 0; for (intptr_t i = 0; i < count; i++) s += values[i]; *r0 = count ? s / count : 0; return 0;
}
int32_t @sum@(const double *values, intptr_t count, double *r0, uint8_t **error) {
    double s = 0; for (intptr_t i = 0; i < count; i++) s += values[i]; *r0 = s; return 0;
}
int32_t @limit@(int32_t *r0, uint8_t **error) { *r0 = limit++; return 0; }
int32_t @Shape@(intptr_t *r0, uint8_t **error) { made++; *r0 = new_handle(0); return 0; }
int32_t @Shape.made@(int32_t *r0, uint8_t **error) { *r0 = made; return 0; }
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with imported_package(PLAN, SHIMS_C, tmp_path_factory.mktemp("pythonic"), "pythonic_demo") as module:
        yield module


def test_params_are_star_args(api):
    assert api.mean_of(1.0, 2.0, 6.0) == 3.0 and api.mean_of() == 0.0 and api.mean_of(*range(5)) == 2.0
    assert str(inspect.signature(api.mean_of)) == "(*values: float) -> float"
    assert str(inspect.signature(api.describe)) == "(label: str, *values: int) -> str"
    with pytest.raises(TypeError, match=r"mean_of\(\) argument 'values': every item must fit float64"):
        api.mean_of(1.0, "2")


def test_static_properties_are_read_at_each_access(api):
    first = api.limit
    assert api.limit == first + 1 and "limit" in api.__all__ and "limit" in dir(api)
    from pythonic_demo import limit
    assert limit >= first + 2  # importlib reads it (hasattr) before the import does
    with pytest.raises(AttributeError, match="module 'pythonic_demo' has no attribute 'hidden'"):
        api.hidden
    assert api.Shape.made == 0
    shape = api.Shape()
    assert api.Shape.made == 1 and shape.made == 1
    with pytest.raises(AttributeError, match="Shape.made is a read-only .NET static property"):
        shape.made = 3
    shape.close()


def test_buffer_annotations_are_spelled_as_in_the_stubs(api):
    assert str(inspect.signature(api.sum)) == "(values: ArrayLike) -> float"
    stub = (api._api.__file__[:-3] + ".pyi")
    text = open(stub).read()
    assert "def mean_of(*values: float) -> float: ..." in text and "\nlimit: int\n" in text
    assert "made: _typing.ClassVar[int]" in text and '"limit"' in text
