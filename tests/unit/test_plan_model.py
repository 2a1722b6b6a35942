"""The binding plan as saved in the manifest (plan/model.py): JSON that reads back equal, a digest
that changes with the plan, and a saved plan of another format or shape refused with its path."""

from __future__ import annotations

import copy
import dataclasses
import json
import math

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.plan.model import PLAN_FORMAT, Backend, BindingPlan, Default, DefaultKind
from aotwheel.plan.planner import plan_binding
from pyexport_reports import (
    array, byref, export, generic, method, named, param, pointer, prim, prop, report, static_class, support_exports, type_,
)

SOURCE = "/builds/lib/aotwheel-manifest.json"

# A plan using every part of the model: functions with .map (plain and record columns), defaults of
# each kind, out parameters, a class with every member kind, a flags enum, records of both
# constructions, composite types, and hand-written exports with pointers.
ORDER = type_("Lib.Order", record=True,
              properties=[prop("Qty", prim("int"), init=True), prop("Sku", prim("string"), init=True),
                          prop("When", generic("System.Nullable`1", named("System.DateTime")), init=True)],
              methods=[method("", param("Qty", prim("int")), param("Sku", prim("string")),
                              param("When", generic("System.Nullable`1", named("System.DateTime"))), ctor=True)])
SIZE = type_("Lib.Size", kind="struct", fields=[{"name": "Width", "type": prim("int"), "isReadOnly": False, "nullable": False}])
MODE = type_("Lib.Mode", kind="enum", flags=True, underlying="byte",
             values=[{"name": "Read", "value": {"kind": "int", "value": 1}}, {"name": "Write", "value": {"kind": "int", "value": 2}}])
BOX = type_("Lib.Box", export={"releaseGil": True}, methods=[
    method("", param("size", named("Lib.Size")), ctor=True),
    method("Grow", param("by", prim("double"), default={"kind": "float", "value": "nan"}), returns=prim("bool"), static=False),
    method("Make", param("mode", named("Lib.Mode"), default={"kind": "int", "value": 3}), returns=named("Lib.Box", "class")),
], properties=[prop("Label", prim("string"), write=True)])
REPORT = report(static_class(
    method("Price", param("order", named("Lib.Order", "class")), param("rate", named("System.Decimal"),
                                                                     default={"kind": "decimal", "value": "0.10"}),
           returns=prim("double")),
    method("Split", param("text", prim("string"), default={"kind": "string", "value": "a b"}), param("sep", prim("char"),
                                                                                                  default={"kind": "char", "value": 32}),
           returns=generic("System.Collections.Generic.List`1", prim("string"))),
    method("Stats", param("values", generic("System.ReadOnlySpan`1", prim("double"))),
           param("count", byref(prim("int")), out=True),
           returns=generic("System.ValueTuple`2", prim("double"), generic("System.Nullable`1", named("System.Guid")))),
    method("Index", param("words", generic("System.Collections.Generic.Dictionary`2", prim("string"), array(prim("int")))),
           param("note", prim("string"), default={"kind": "null"}, nullable=True), returns=prim("long")),
), ORDER, SIZE, MODE, BOX, exports=[export("scale", ("values", pointer(prim("double"))), ("count", prim("nint")),
                                            returns=prim("double"), release_gil=True), *support_exports()])
PLAN = plan_binding(REPORT, {})


def test_the_plan_covers_what_it_is_meant_to():
    assert PLAN.functions and PLAN.classes and PLAN.enums and PLAN.exports and len(PLAN.records) == 2
    assert any(f.map is not None and f.map.inputs[0].record for f in PLAN.functions)  # record columns
    assert {p.default.kind for m in PLAN.members() for p in m.params if p.default} >= {
        DefaultKind.DECIMAL, DefaultKind.STRING, DefaultKind.FLOAT, DefaultKind.ENUM, DefaultKind.NONE}


def test_the_saved_plan_reads_back_equal():
    text = json.dumps(PLAN.to_json(), sort_keys=True)  # as the manifest writes it
    again = BindingPlan.from_json(json.loads(text), SOURCE)
    assert again == PLAN and again.digest == PLAN.digest
    assert json.dumps(again.to_json(), sort_keys=True) == text


@pytest.mark.parametrize("value", [True, 0, -(2**63), 2**64 - 1, 2.5, -0.0, "nan", "", "\ud800", None])
def test_every_default_value_reads_back_as_itself(value):
    kind = {bool: DefaultKind.BOOL, int: DefaultKind.INT, float: DefaultKind.FLOAT, str: DefaultKind.STRING}.get(type(value))
    plan = _with_default(Default(kind or DefaultKind.NONE, value))
    again = BindingPlan.from_json(json.loads(json.dumps(plan.to_json())), SOURCE)
    read = again.functions[0].params[0].default
    assert read == plan.functions[0].params[0].default and type(read.value) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, read.value) == math.copysign(1, value)


def test_the_digest_follows_the_plan():
    assert len(PLAN.digest) == 32 and int(PLAN.digest, 16) >= 0
    assert plan_binding(REPORT, {}).digest == PLAN.digest  # planning is deterministic
    changed = [
        _with_default(Default(DefaultKind.INT, 1)),
        dataclasses.replace(PLAN, functions=(dataclasses.replace(PLAN.functions[0], doc="Other."), *PLAN.functions[1:])),
        dataclasses.replace(PLAN, exports=(dataclasses.replace(PLAN.exports[0], release_gil=False),)),
        dataclasses.replace(PLAN, backend=Backend.CTYPES),
        dataclasses.replace(PLAN, support_symbols=PLAN.support_symbols[1:]),
    ]
    digests = {PLAN.digest} | {plan.digest for plan in changed}
    assert len(digests) == len(changed) + 1


def test_a_plan_of_another_format_is_refused_first():
    for data in ({**PLAN.to_json(), "format": PLAN_FORMAT + 1}, {"functions": "not read"}, None):
        with pytest.raises(AotWheelError) as raised:
            BindingPlan.from_json(data, SOURCE)
        found = json.dumps(data.get("format")) if isinstance(data, dict) else "null"
        assert str(raised.value) == (
            f"{SOURCE}: built by an incompatible aotwheel (its binding plan is of format {found}; aotwheel "
            f"{_version()} reads format {PLAN_FORMAT}); rebuild the library with this aotwheel")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["functions"][0].update(kind="procedure"), 'plan.functions[0].kind: "procedure" is not a MemberKind'),
    (lambda d: d["functions"][0].pop("symbol"), "plan.functions[0].symbol: missing"),
    (lambda d: d["functions"][0].update(number="0"), 'plan.functions[0].number: expected int, got "0"'),
    (lambda d: d["classes"][0]["members"][0]["returns"].update(tag="sometype"),
     'plan.classes[0].members[0].returns.tag: "sometype" is not a Tag'),
    (lambda d: d["exports"][0].update(params={}), "plan.exports[0].params: expected a list"),
    (lambda d: d.update(enums=[["Lib.Mode"]]), "plan.enums[0]: expected an object"),
    (lambda d: d["records"][0]["fields"][0].update(type=None), "plan.records[0].fields[0].type: expected an object"),
])
def test_a_malformed_plan_names_the_file_and_the_field(change, message):
    data = copy.deepcopy(PLAN.to_json())
    change(data)
    with pytest.raises(AotWheelError) as raised:
        BindingPlan.from_json(data, SOURCE)
    assert str(raised.value) == f"{SOURCE}: {message}"


def _with_default(default: Default) -> BindingPlan:
    function = PLAN.functions[1]
    first = dataclasses.replace(function.params[0], default=default)
    return dataclasses.replace(PLAN, functions=(dataclasses.replace(function, params=(first, *function.params[1:])),))


def _version() -> str:
    from aotwheel import __version__

    return __version__
