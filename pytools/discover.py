"""Stage 3 (discover): the library as built, checked against its binding plan: every export the
plan names is in the real dynamic symbol table, and nothing else is.

Pure: no SDK is needed, so `aotwheel package` runs this on a saved manifest.
"""

from __future__ import annotations

from .binary import NativeLibrary
from .errors import AotWheelError
from .log import Log
from .plan.model import BindingPlan

# Exported by the NativeAOT runtime itself in every library, not by user code.
RUNTIME_EXPORTS = frozenset({"DotNetRuntimeDebugHeader", "DotNetRuntimeContractDescriptor"})


def check_library(plan: BindingPlan, library: NativeLibrary, log: Log = print) -> None:
    """The plan's exports must be exactly the library's symbols (besides the runtime's own)."""
    declared = plan.symbols()
    native = set(library.exported_functions) - RUNTIME_EXPORTS
    missing = sorted(declared - native)
    unexpected = sorted(native - declared)
    problems = [f"{name}: declared in the assembly but not exported by {library.path.name}" for name in missing]
    problems += [f"{name}: exported by {library.path.name} but not declared in the assembly's metadata" for name in unexpected]
    if problems:
        raise AotWheelError("the assembly's exports and the native symbol table differ:\n  " + "\n  ".join(problems))
    if plan.exports or not plan.has_api:
        log(f"{len(plan.exports)} exports: {', '.join(e.symbol for e in plan.exports)}")
    if plan.has_api:
        log(f"Python API ([PyExport]): {len(plan.function_names)} functions, {len(plan.classes)} classes, "
            f"{len(plan.records)} dataclasses, {len(plan.enums)} enums")
