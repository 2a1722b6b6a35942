"""Builders of fake inspector reports for the [PyExport] unit tests: JSON as the inspector writes
it, read by the one parser (`Report.from_json`)."""

from __future__ import annotations

from typing import Any

from aotwheel.report import CONTRACT, Report


def prim(name: str) -> dict[str, Any]:
    return {"kind": "primitive", "name": name}


def generic(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "generic", "name": name, "arguments": list(args)}


def named(name: str, kind: str = "valuetype") -> dict[str, Any]:
    return {"kind": kind, "name": name}


def array(element: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "array", "name": element["name"] + "[]", "element": element}


def byref(element: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "byref", "name": "ref " + element["name"], "element": element}


def param(name: str, shape: dict[str, Any], *, out=False, default=None, nullable=False) -> dict[str, Any]:
    return {"name": name, "type": shape, "isOut": out, "isIn": False, "isParams": False, "nullable": nullable,
            "hasDefault": default is not None, **({"default": default} if default is not None else {})}


def method(name: str, *params: dict[str, Any], returns=None, static=True, ctor=False, export=None, public=True,
           generic_method=False) -> dict[str, Any]:
    return {"name": ".ctor" if ctor else name, "isPublic": public, "isStatic": static and not ctor,
            "isConstructor": ctor, "isGeneric": generic_method, "pyExport": export,
            "returns": returns or prim("void"), "returnsNullable": False, "parameters": list(params)}


def type_(name: str, *, kind="class", static=False, export=None, methods=(), properties=(), fields=(),
          record=False, values=(), underlying="int", flags=False, public=True) -> dict[str, Any]:
    return {"name": name, "simpleName": name.rsplit(".", 1)[-1].rsplit("+", 1)[-1], "kind": kind, "isPublic": public,
            "isStatic": static, "isAbstract": static, "isGeneric": False, "isRecord": record, "isFlags": flags,
            "pyExport": export, "methods": list(methods), "properties": list(properties), "fields": list(fields),
            **({"values": list(values), "underlying": underlying} if kind == "enum" else {})}


def prop(name: str, shape: dict[str, Any], *, read=True, write=False, init=False) -> dict[str, Any]:
    return {"name": name, "type": shape, "isStatic": False, "isIndexer": False, "canRead": read, "canWrite": write,
            "isInitOnly": init, "nullable": False, "pyExport": None}


def report_json(*types: dict[str, Any]) -> dict[str, Any]:
    return {"contract": CONTRACT, "assembly": "Lib", "exports": [], "types": list(types)}


def report(*types: dict[str, Any]) -> Report:
    return Report.from_json(report_json(*types), "the test's report")


def static_class(*methods: dict[str, Any], name="Lib.Api") -> dict[str, Any]:
    return type_(name, static=True, export={}, methods=methods)
