"""Stage 3: read the exports from the compiled assembly's metadata and check them against the
native library's real symbol table.

The metadata is read by a small C# tool (csharp_src/support/Inspector) built once per SDK with
`dotnet build` and cached; it only reports, and this module decides what can be bound.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .abi import PRIMITIVES, SUPPORTED_SUMMARY, AbiType, Export, Parameter
from .binary import NativeLibrary
from .errors import AotWheelError
from .resources import support_dir
from .toolchain import dotnet_command, dotnet_environment, sdk_info
from .xmldoc import MemberDoc, method_doc_id

# Exported by the NativeAOT runtime itself in every library, not by user code.
RUNTIME_EXPORTS = frozenset({"DotNetRuntimeDebugHeader", "DotNetRuntimeContractDescriptor"})


def cache_dir() -> Path:
    configured = os.environ.get("AOTWHEEL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "aotwheel"


def inspector_path() -> Path:
    """Build the metadata inspector for the active SDK if it is not cached yet; return its dll."""
    source = support_dir() / "Inspector"
    sdk = sdk_info()
    digest = hashlib.sha256(sdk.version.encode())
    for path in sorted(source.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    target = cache_dir() / "inspector" / digest.hexdigest()[:16]
    dll = target / "AotWheel.Inspector.dll"
    if dll.is_file():
        return dll
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
    try:
        result = subprocess.run(
            [
                *dotnet_command(), "build", str(source / "AotWheel.Inspector.csproj"), "-c", "Release", "-nologo",
                f"-p:AotWheelFramework={sdk.framework}", f"-p:OutDir={staging / 'out'}{os.sep}",
                f"-p:BaseIntermediateOutputPath={staging / 'obj'}{os.sep}",
            ],
            capture_output=True, text=True, env=dotnet_environment(), stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise AotWheelError(f"building aotwheel's metadata inspector failed:\n{result.stdout}{result.stderr}")
        try:
            os.replace(staging / "out", target)
        except OSError:
            if not dll.is_file():  # another build won the race only if it left a complete inspector
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dll


def read_assembly(assembly: Path) -> dict[str, Any]:
    """The inspector's JSON report of *assembly*."""
    result = subprocess.run(
        [*dotnet_command(), str(inspector_path()), str(assembly)],
        capture_output=True, text=True, env=dotnet_environment(), stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AotWheelError(f"cannot read the metadata of {assembly}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def exports_from_report(report: dict[str, Any], docs: dict[str, MemberDoc], library: NativeLibrary) -> list[Export]:
    """The bindable exports in an inspector *report*, checked against *library*'s symbols."""
    declared = [raw for raw in report["exports"] if raw.get("entryPoint")]
    exports = [_export(raw, docs) for raw in declared if not is_generated_export(raw)]
    seen: dict[str, Export] = {}
    for export in exports:
        if export.entry_point in seen:
            raise AotWheelError(
                f"EntryPoint {export.entry_point!r} is declared twice: on {seen[export.entry_point].qualified_method} "
                f"and on {export.qualified_method}"
            )
        seen[export.entry_point] = export
    check_symbols(exports, library, [raw["entryPoint"] for raw in declared if is_generated_export(raw)])
    return sorted(exports, key=lambda e: e.entry_point)


# The native backend's extension-module entry point (csharp.py, templates/csharp/shims.cs.j2).
NATIVE_MODULE_INIT = "PyInit__lib"


def is_generated_export(raw: dict[str, Any]) -> bool:
    """aotwheel's own [PyExport] shims and run-time support: bound by the [PyExport] API, not as raw functions."""
    entry_point = str(raw["entryPoint"])
    return (entry_point.startswith("aotwheel_") or entry_point == NATIVE_MODULE_INIT) and str(raw["declaringType"]).startswith("AotWheel.")


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


def _export(raw: dict[str, Any], docs: dict[str, MemberDoc] | None = None) -> Export:
    where = f"{raw['declaringType']}.{raw['method']}"
    entry_point: str = raw["entryPoint"]
    if not raw["isStatic"] or raw["isGeneric"]:
        raise AotWheelError(f"{where}: an UnmanagedCallersOnly export must be static and not generic")
    python_name = entry_point + "_" if keyword.iskeyword(entry_point) else entry_point
    if not python_name.isidentifier() or python_name.startswith("_"):
        raise AotWheelError(
            f"{where}: EntryPoint {entry_point!r} cannot be a Python function name "
            "(use letters, digits and underscores, not starting with an underscore)"
        )
    parameters = tuple(
        Parameter(p["name"], _python_parameter_name(p["name"]), _abi_type(p["type"], f"{where}, parameter '{p['name']}'"))
        for p in raw["parameters"]
    )
    returns = _abi_type(raw["returns"], f"{where}, return type", allow_void=True)
    export = Export(entry_point, python_name, raw["declaringType"], raw["method"], parameters, returns)
    doc_id = method_doc_id(raw["declaringType"], raw["method"], [p["type"] for p in raw["parameters"]])
    member_doc = (docs or {}).get(doc_id)
    if member_doc is None:
        return export
    names = {p.name: p.python_name for p in parameters}
    return dataclasses.replace(export, doc=member_doc.docstring(names, export.origin))


def _python_parameter_name(name: str) -> str:
    # A leading underscore would risk shadowing the generated module's private names.
    return name + "_" if keyword.iskeyword(name) or name.startswith("_") else name


def _abi_type(shape: dict[str, Any], where: str, allow_void: bool = False) -> AbiType:
    kind, name = shape["kind"], shape["name"]
    if kind == "pointer":
        element = shape["element"]
        if element["kind"] == "primitive" and element["name"] in PRIMITIVES:
            return AbiType(PRIMITIVES[element["name"]], pointer=True)
    elif kind == "primitive" and name in PRIMITIVES and (name != "void" or allow_void):
        return AbiType(PRIMITIVES[name])
    reason = {
        "bool": "bool is not blittable; pass a byte (0 or 1) instead",
        "char": "char is not blittable; pass a ushort (UTF-16 code unit) instead",
        "void": "void is only a return type",
    }.get(name, "not a blittable primitive or a pointer to one")
    raise AotWheelError(f"{where}: type {name} is not supported ({reason}). Supported: {SUPPORTED_SUMMARY}")
