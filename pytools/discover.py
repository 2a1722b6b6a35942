"""Stage 3: what the assembly offers Python, from its metadata (the inspector's `Report`, see
inspector.py) and its XML documentation, checked against the native library's real symbol table.

Pure: no SDK is needed, so `aotwheel package` runs this on a saved manifest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from .abi import PRIMITIVES, SUPPORTED_SUMMARY, AbiType, Export, Parameter
from .binary import NativeLibrary
from .errors import AotWheelError
from .log import Log
from .manifest import Manifest
from .pyexport.api import build_api
from .pyexport.model import Api
from .pyexport.naming import check_identifier, export_parameter_name, safe_identifier
from .report import DeclaredExport, Report, TypeShape
from .xmldoc import MemberDoc, method_doc_id, parse_xml_docs

# Exported by the NativeAOT runtime itself in every library, not by user code.
RUNTIME_EXPORTS = frozenset({"DotNetRuntimeDebugHeader", "DotNetRuntimeContractDescriptor"})


@dataclass(frozen=True)
class Bindable:
    """What one library offers Python: its hand-written exports and its [PyExport] API."""

    exports: tuple[Export, ...]
    api: Optional[Api]  # None when the assembly has no [PyExport] member


def discover(manifest: Manifest, library: NativeLibrary, log: Log = print) -> Bindable:
    """The exports and the [PyExport] API *manifest* describes, checked against *library*."""
    docs = parse_xml_docs(manifest.docs_xml, f"{manifest.assembly}.xml")
    exports = tuple(exports_from_report(manifest.report, docs, library))
    api = api_from_report(manifest.report, docs)
    if exports or api is None:
        log(f"{len(exports)} exports: {', '.join(e.entry_point for e in exports)}")
    if api is not None:
        log(f"Python API ([PyExport]): {len(api.functions)} functions, {len(api.classes)} classes, "
            f"{len(api.records)} dataclasses, {len(api.enums)} enums")
    return Bindable(exports, api)


def exports_from_report(report: Report, docs: dict[str, MemberDoc], library: NativeLibrary) -> list[Export]:
    """The bindable exports in an inspector *report*, checked against *library*'s symbols."""
    exports = declared_exports(report, docs)
    generated = [d.entry_point for d in report.exports if d.entry_point and is_generated_export(d)]
    check_symbols(exports, library, generated)
    return exports


def declared_exports(report: Report, docs: Mapping[str, MemberDoc]) -> list[Export]:
    """The hand-written exports an inspector *report* declares, validated and sorted by entry point:
    what the native backend's entry points are generated for before the library exists."""
    exports = [_export(d, docs) for d in report.exports if d.entry_point and not is_generated_export(d)]
    seen: dict[str, Export] = {}
    for export in exports:
        if export.entry_point in seen:
            raise AotWheelError(
                f"EntryPoint {export.entry_point!r} is declared twice: on {seen[export.entry_point].qualified_method} "
                f"and on {export.qualified_method}"
            )
        seen[export.entry_point] = export
    return sorted(exports, key=lambda e: e.entry_point)


# The native backend's extension-module entry point (csharp.py, templates/csharp/shims.cs.j2).
NATIVE_MODULE_INIT = "PyInit__lib"


def is_generated_export(declared: DeclaredExport) -> bool:
    """aotwheel's own [PyExport] shims and run-time support: bound by the [PyExport] API, not as raw functions."""
    entry_point = declared.entry_point or ""
    return ((entry_point.startswith("aotwheel_") or entry_point == NATIVE_MODULE_INIT)
            and declared.declaring_type.startswith("AotWheel."))


def api_from_report(report: Report, docs: Mapping[str, MemberDoc]) -> Optional[Api]:
    """The [PyExport] API an inspector report describes, or None when there is none. The hand-written
    exports' names are reserved: they share the package's namespace."""
    # Validated first: two exports with one EntryPoint are refused for that, not as a name clash.
    reserved = [(e.entry_point, e.qualified_method) for e in declared_exports(report, docs)]
    api = build_api(report, docs, reserved)
    return None if api.empty else api


def check_symbols(exports: list[Export], library: NativeLibrary, generated: Iterable[str] = ()) -> None:
    """The declared exports (*generated* ones included) must be exactly the library's symbols."""
    declared = {e.entry_point for e in exports} | set(generated)
    native = set(library.exported_functions) - RUNTIME_EXPORTS
    missing = sorted(declared - native)
    unexpected = sorted(native - declared)
    problems = [f"{name}: declared in the assembly but not exported by {library.path.name}" for name in missing]
    problems += [f"{name}: exported by {library.path.name} but not declared in the assembly's metadata" for name in unexpected]
    if problems:
        raise AotWheelError("the assembly's exports and the native symbol table differ:\n  " + "\n  ".join(problems))


def _export(declared: DeclaredExport, docs: Optional[Mapping[str, MemberDoc]] = None) -> Export:
    where = f"{declared.declaring_type}.{declared.method}"
    entry_point = declared.entry_point or ""
    if not declared.is_static or declared.is_generic:
        raise AotWheelError(f"{where}: an UnmanagedCallersOnly export must be static and not generic")
    python_name = safe_identifier(entry_point)
    check_identifier(python_name, f"{where} (EntryPoint)")
    parameters = tuple(
        Parameter(p.name, export_parameter_name(p.name), _abi_type(p.type, f"{where}, parameter '{p.name}'"))
        for p in declared.parameters
    )
    returns = _abi_type(declared.returns, f"{where}, return type", allow_void=True)
    export = Export(entry_point, python_name, declared.declaring_type, declared.method, parameters, returns,
                    release_gil=declared.release_gil)
    doc_id = method_doc_id(declared.declaring_type, declared.method, [p.type for p in declared.parameters])
    member_doc = (docs or {}).get(doc_id)
    if member_doc is None:
        return export
    names = {p.name: p.python_name for p in parameters}
    return dataclasses.replace(export, doc=member_doc.docstring(names, export.origin))


def _abi_type(shape: TypeShape, where: str, allow_void: bool = False) -> AbiType:
    element = shape.element
    if shape.kind == "pointer" and element is not None:
        if element.kind == "primitive" and element.name in PRIMITIVES:
            return AbiType(PRIMITIVES[element.name], pointer=True)
    elif shape.kind == "primitive" and shape.name in PRIMITIVES and (shape.name != "void" or allow_void):
        return AbiType(PRIMITIVES[shape.name])
    reason = {
        "bool": "bool is not blittable; pass a byte (0 or 1) instead",
        "char": "char is not blittable; pass a ushort (UTF-16 code unit) instead",
        "void": "void is only a return type",
    }.get(shape.name, "not a blittable primitive or a pointer to one")
    raise AotWheelError(f"{where}: type {shape.name} is not supported ({reason}). Supported: {SUPPORTED_SUMMARY}")
