"""Builders of fake inspector reports for the binding-plan unit tests: JSON as the inspector writes
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
          record=False, values=(), underlying="int", flags=False, public=True, base="System.Object", interfaces=(),
          abstract=False) -> dict[str, Any]:
    return {"name": name, "simpleName": name.rsplit(".", 1)[-1].rsplit("+", 1)[-1], "kind": kind, "isPublic": public,
            "isStatic": static, "isAbstract": static or abstract or kind == "interface", "isGeneric": False,
            "isRecord": record, "isFlags": flags, "pyExport": export, "methods": list(methods),
            "properties": list(properties), "fields": list(fields),
            "baseType": "" if kind == "interface" else base, "interfaces": list(interfaces),
            **({"values": list(values), "underlying": underlying} if kind == "enum" else {})}


def prop(name: str, shape: dict[str, Any], *, read=True, write=False, init=False) -> dict[str, Any]:
    return {"name": name, "type": shape, "isStatic": False, "isIndexer": False, "canRead": read, "canWrite": write,
            "isInitOnly": init, "nullable": False, "pyExport": None}


def pointer(element: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "pointer", "name": element["name"] + "*", "element": element}


def export(entry: str | None, *params: tuple[str, dict[str, Any]], returns=None, owner="Lib.Exports", method="",
           static=True, generic_method=False, release_gil=False) -> dict[str, Any]:
    """A hand-written [UnmanagedCallersOnly] export as the inspector reports it; *params* are (name, shape)."""
    return {"entryPoint": entry, "declaringType": owner, "method": method or (entry or "Callback").title().replace("_", ""),
            "isStatic": static, "isGeneric": generic_method, "releaseGil": release_gil,
            "returns": returns or prim("void"), "parameters": [{"name": n, "type": t} for n, t in params]}


# The exports of aotwheel's run-time support (csharp_src/support) every library has: planned as
# support symbols, not bound.
SUPPORT_EXPORTS = ("aotwheel_runtime_start", "aotwheel_signal_front", "aotwheel_fork_guard", "aotwheel_free",
                   "aotwheel_free_handle", "aotwheel_live_handles", "aotwheel_callbacks_install", "aotwheel_callbacks_install_native",
                   "aotwheel_callback_result",
                   "aotwheel_callbacks_released", "aotwheel_iterator_next", "aotwheel_iterator_close", "aotwheel_task_when_done",
                   "aotwheel_task_wait", "aotwheel_task_result", "aotwheel_task_cancel",
                   "aotwheel_async_next", "aotwheel_async_close")


def support_exports() -> list[dict[str, Any]]:
    return [export(name, owner="AotWheel.Runtime") for name in SUPPORT_EXPORTS]


def report_json(*types: dict[str, Any], exports=()) -> dict[str, Any]:
    return {"contract": CONTRACT, "assembly": "Lib", "exports": list(exports), "types": list(types)}


def report(*types: dict[str, Any], exports=()) -> Report:
    return Report.from_json(report_json(*types, exports=exports), "the test's report")


def static_class(*methods: dict[str, Any], name="Lib.Api") -> dict[str, Any]:
    return type_(name, static=True, export={}, methods=methods)
