"""The inspector's report, typed: one parser that checks the shape and names the file and field at
fault, the contract version, and the saved form reading back equal."""

from __future__ import annotations

import copy
import json
import re

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.report import CONTRACT, Constant, Report, TypeShape
from pyexport_reports import generic, method, named, param, prim, prop, report_json, type_

SOURCE = "/builds/lib/aotwheel-manifest.json"

# A report using every part of the format: exports (one without an EntryPoint), an enum, a record
# with fields and properties, methods with out/params/default parameters, generic and nested shapes.
FULL = {
    **report_json(
        type_("Lib.Color", kind="enum", flags=True, underlying="byte",
              values=[{"name": "Red", "value": {"kind": "int", "value": 1}}]),
        type_("Lib.Point", kind="struct", record=True, export={"name": "Pt"},
              fields=[{"name": "X", "type": prim("double"), "isReadOnly": True, "nullable": False}],
              properties=[prop("Label", prim("string"), write=True)]),
        type_("Lib.Api", static=True, export={}, methods=[
            method("Scale", param("by", prim("double"), default={"kind": "float", "value": "nan"}),
                   param("name", prim("string"), default={"kind": "null"}, nullable=True),
                   param("rate", named("System.Decimal"), default={"kind": "decimal", "value": "1.10"}),
                   param("fill", prim("char"), default={"kind": "char", "value": 0xD800}),
                   returns=generic("System.Collections.Generic.Dictionary`2", prim("string"),
                                   {"kind": "array", "name": "int[]", "element": prim("int")})),
            method("Try", param("value", {"kind": "byref", "name": "ref int", "element": prim("int")}, out=True),
                   returns=prim("bool"), export={"name": "attempt", "releaseGil": True}),
        ]),
    ),
    "exports": [
        {"entryPoint": "add", "declaringType": "Lib.Native", "method": "Add", "isStatic": True, "isGeneric": False, "releaseGil": False,
         "returns": prim("int"), "parameters": [{"name": "p", "type": {"kind": "pointer", "name": "int*", "element": prim("int")}}]},
        {"entryPoint": None, "declaringType": "Lib.Native", "method": "Callback", "isStatic": True, "isGeneric": False, "releaseGil": False,
         "returns": prim("void"), "parameters": []},
    ],
}


def parse(data, source=SOURCE):
    return Report.from_json(data, source)


def broken(change):
    """FULL with one change made by *change* (a function of the copy); the error it raises."""
    data = copy.deepcopy(FULL)
    change(data)
    with pytest.raises(AotWheelError) as raised:
        parse(data)
    return str(raised.value)


def test_every_part_is_read_into_its_typed_field():
    report = parse(FULL)
    assert (report.contract, report.assembly) == (CONTRACT, "Lib")
    add, callback = report.exports
    assert add.entry_point == "add" and add.parameters[0].type == TypeShape("pointer", "int*", TypeShape("primitive", "int"))
    assert callback.entry_point is None
    color, point, api = report.types
    assert (color.kind, color.underlying, color.is_flags, color.values[0].number) == ("enum", "byte", True, 1)
    assert point.py_export is not None and point.py_export.name == "Pt" and point.fields[0].is_read_only
    assert point.properties[0].can_write and point.underlying is None
    scale, attempt = api.methods
    assert [p.default for p in scale.parameters] == [Constant("float", "nan"), Constant("null"), Constant("decimal", "1.10"),
                                                     Constant("char", 0xD800)]  # a char as its UTF-16 code unit
    assert scale.parameters[1].nullable and scale.returns.arguments[1].element == TypeShape("primitive", "int")
    assert attempt.py_export is not None and attempt.py_export.name == "attempt" and attempt.py_export.release_gil
    assert attempt.parameters[0].is_out and point.py_export.release_gil is False  # written only when true


def test_the_saved_form_reads_back_equal():
    report = parse(FULL)
    saved = json.loads(json.dumps(report.to_json()))
    assert parse(saved) == report
    assert saved["contract"] == CONTRACT and saved["exports"][0]["entryPoint"] == "add"  # the inspector's spelling


@pytest.mark.parametrize("contract, found", [
    (None, "has no contract version"),
    (CONTRACT + 1, f"is of contract {CONTRACT + 1}"),
    (True, "is of contract true"),
    (str(CONTRACT), f'is of contract "{CONTRACT}"'),
])
def test_another_contract_is_refused_first_and_says_rebuild(contract, found):
    data = {"contract": contract, "types": "anything: not read"}
    if contract is None:
        del data["contract"]
    with pytest.raises(AotWheelError) as raised:
        parse(data)
    assert re.fullmatch(
        rf"{re.escape(SOURCE)}: built by an incompatible aotwheel \(its report {re.escape(found)}; aotwheel \S+ reads "
        rf"contract {CONTRACT}\); rebuild the library with this aotwheel \(`aotwheel build`\)", str(raised.value))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["types"][2]["methods"][0].update(isStatic="yes"),
     'report.types["Lib.Api"].methods["Scale"].isStatic: expected true or false, got "yes"'),
    (lambda d: d["types"][2]["methods"][0]["parameters"][0].pop("type"),
     'report.types["Lib.Api"].methods["Scale"].parameters["by"].type: missing (expected an object)'),
    (lambda d: d["exports"][0]["parameters"][0]["type"].update(kind="tuple"),
     'report.exports["add"].parameters["p"].type.kind: expected one of array, byref, class, functionpointer, '
     'generic, generic-parameter, initonly, mdarray, pointer, primitive, valuetype, got "tuple"'),
    (lambda d: d["exports"][1].update(method=None), "report.exports[1].method: expected a string, got null"),
    (lambda d: d["types"][2]["methods"][0]["returns"].update(arguments=[]),
     'report.types["Lib.Api"].methods["Scale"].returns.arguments: empty (a generic instantiation has type arguments)'),
    (lambda d: d["types"][0].pop("underlying"), 'report.types["Lib.Color"].underlying: missing (an enum has an underlying type)'),
    (lambda d: d["types"][0]["values"][0]["value"].update(kind="string", value="1"),
     'report.types["Lib.Color"].values["Red"].value.kind: expected "int" (an enum value), got "string"'),
    (lambda d: d["types"][2]["methods"][0]["parameters"][0].pop("default"),
     'report.types["Lib.Api"].methods["Scale"].parameters["by"].default: missing (hasDefault is true)'),
    (lambda d: d["types"][2]["methods"][0]["parameters"][0]["default"].update(value="many"),
     'report.types["Lib.Api"].methods["Scale"].parameters["by"].default.value: '
     'expected a number, "nan", "inf" or "-inf" (a float constant), got "many"'),
    (lambda d: d["types"][2]["methods"][0]["parameters"][3]["default"].update(value="A"),
     'report.types["Lib.Api"].methods["Scale"].parameters["fill"].default.value: '
     'expected a UTF-16 code unit (a char constant), got "A"'),
    (lambda d: d["types"][2]["methods"][0]["parameters"][3]["default"].update(value=0x10000),
     'report.types["Lib.Api"].methods["Scale"].parameters["fill"].default.value: '
     'expected a UTF-16 code unit (a char constant), got 65536'),
    (lambda d: d["types"][1]["properties"].append("Label"), 'report.types["Lib.Point"].properties[1]: expected an object, got "Label"'),
    (lambda d: d.update(types={}), "report.types: expected an array, got {}"),
    (lambda d: d["types"][1].update(kind="record"),
     'report.types["Lib.Point"].kind: expected one of class, delegate, enum, interface, struct, got "record"'),
])
def test_a_malformed_report_names_the_file_and_the_field(change, message):
    assert broken(change) == f"{SOURCE}: {message}"


def test_a_long_wrong_value_is_shortened_in_the_message():
    message = broken(lambda d: d.update(assembly=["x" * 100]))
    head, shown = message.split(" got ")
    assert head == f"{SOURCE}: report.assembly: expected a string,"
    assert shown == '["' + "x" * 55 + "..." and len(shown) == 60
