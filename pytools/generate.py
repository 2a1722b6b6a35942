"""The generate step, run by MSBuild inside a build's one `dotnet publish` (AotWheel.targets'
AotWheelGenerate), once the project's assembly is compiled and before NativeAOT compiles it:

    python -m aotwheel.generate FOLDER ASSEMBLY DOCS SDK_VERSION

It reads the assembly's metadata (the inspector), plans the binding (plan/planner.py), checks the
python-source files against the package that plan gives, and writes the binding's C# (compiled
into the assembly AotWheel.Generated next) and the plan (read back by the builder) into FOLDER. The
builder writes FOLDER's request first (`write_request`). An error is written to FOLDER's error
file, which the builder raises as it is: MSBuild's output around it says nothing more.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .atomic import write_file
from .bindings.csharp import render_csharp
from .compile import GENERATE_ERROR, GENERATE_REQUEST, GENERATED_PLAN, GENERATED_SOURCE
from .errors import AotWheelError
from .inspector import read_assembly
from .metadata import DistributionMetadata
from .package import check_python_source, planned_package
from .plan.model import Backend, BindingPlan
from .plan.planner import plan_binding
from .support_sources import runtime_support_exports
from .xmldoc import parse_xml_docs


@dataclass(frozen=True)
class GenerateRequest:
    """What the step needs besides the assembly: the build's settings and names."""

    backend: str
    csproj_name: str
    import_name: str
    distribution: str
    version: str
    built_library: str  # the native library's file name as the publish writes it
    python_files: tuple[str, ...]  # the python-source files, relative to the package folder


def write_request(folder: Path, request: GenerateRequest) -> None:
    write_file(folder / GENERATE_REQUEST, json.dumps(asdict(request), sort_keys=True))


def generated_plan(folder: Path) -> BindingPlan:
    """The plan the step wrote in *folder* during the publish."""
    path = folder / GENERATED_PLAN
    return BindingPlan.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))


def generate(folder: Path, assembly: Path, docs: Path | None, sdk_version: str | None = None) -> BindingPlan:
    data: dict[str, Any] = json.loads((folder / GENERATE_REQUEST).read_text(encoding="utf-8"))
    data["python_files"] = tuple(data["python_files"])
    request = GenerateRequest(**data)
    report = read_assembly(assembly, sdk_version)
    member_docs = parse_xml_docs(docs.read_text(encoding="utf-8"), str(docs)) if docs and docs.is_file() else {}
    plan = plan_binding(report, member_docs, Backend(request.backend), runtime_support_exports())
    if not plan.members():
        raise AotWheelError(
            f"{request.csproj_name}: nothing to bind: no [UnmanagedCallersOnly(EntryPoint = \"...\")] export "
            "and no [PyExport] member (docs/types.md)")
    if request.python_files:
        metadata = DistributionMetadata(name=request.distribution, version=request.version)
        check_python_source(request.import_name, request.python_files,
                            planned_package(plan, metadata, request.built_library), set(plan.public_names))
    source = render_csharp(plan).encode()
    generated = folder / GENERATED_SOURCE
    if not generated.is_file() or generated.read_bytes() != source:  # unchanged: MSBuild skips its compile
        write_file(generated, source)
    write_file(folder / GENERATED_PLAN, json.dumps(plan.to_json()))
    return plan


def main(argv: list[str]) -> int:
    folder, assembly = Path(argv[0]), Path(argv[1])
    docs, sdk_version = (argv[2:] + ["", ""])[:2]
    try:
        generate(folder, assembly, Path(docs) if docs else None, sdk_version or None)
    except AotWheelError as exc:
        write_file(folder / GENERATE_ERROR, str(exc))
        print(f"aotwheel: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
