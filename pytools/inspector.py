"""The inspect stage: what a project's compiled metadata declares.

The C# metadata inspector (csharp_src/support/Inspector) is built once per SDK with `dotnet build`
and cached, then run on a compiled assembly to get its `Report`. It only reports; the plan stage
(plan/planner.py) decides what can be bound. `inspect_project` runs the managed build that gives
the assembly (phase A: the user's code with aotwheel's attributes and run-time support) and keeps
its report beside it, reused while no input MSBuild lists has changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import processes
from .atomic import write_file
from .attributes import attribute_sources
from .compile import STAMP_NAME, NativeCompiler, sync_sources
from .csharp_sources import SourceScan
from .errors import AotWheelError
from .log import Log
from .report import CONTRACT, Report
from .resources import support_dir
from .support_sources import chosen_sources, project_sources, runtime_support
from .toolchain import cache_dir, dotnet_command, dotnet_environment, sdk_info
from .xmldoc import MemberDoc, parse_xml_docs

# Not *.cs: the build folder may sit inside the project, where the SDK compiles every *.cs it finds
# (AotWheel.targets compiles *.cs.aotwheel from the extra-sources folder only).
SOURCE_SUFFIX = ".cs.aotwheel"


@dataclass(frozen=True)
class Inspection:
    """The project's metadata as the plan stage reads it."""

    report: Report
    docs: dict[str, MemberDoc]
    support: dict[str, bytes]  # aotwheel's C# sources phase A compiled in (phase B does too), by file name
    user: Optional[SourceScan]  # what the project's sources declare; None when phase A was skipped


def inspect_project(compiler: NativeCompiler, log: Log = print) -> Inspection:
    """Run phase A (or reuse its last report) and read the assembly's metadata.

    Phase A is a managed build of the project with aotwheel's run-time support and the attributes
    the project lacks (chosen, and checked for clashes, by support_sources.py)."""
    root = compiler.build_dir.resolve() / "pyexport" / compiler.target.rid
    support = root / "support"
    sync_sources(support, _as_last_chosen(support))
    stamp, saved = compiler.input_stamp("build", support, root / STAMP_NAME), root / "report.json"
    previous = _load(saved) if saved.is_file() and stamp.is_current() else None
    user = None
    if previous is not None:
        log("managed build skipped: inputs unchanged")
        report, docs = previous
    else:
        user = project_sources(stamp.inputs())
        if sync_sources(support, _suffixed(chosen_sources(compiler.project, stamp.inputs(), user, log))):
            stamp = compiler.input_stamp("build", support, root / STAMP_NAME).reading_of(stamp)
        # A first build restores the packages, whose props and targets the project then imports too:
        # the inputs read before it (to choose the sources) are not the ones to keep.
        first = stamp.load() is None
        stamp.forget()
        framework = compiler.framework
        assembly = compiler.build_managed(support)
        if first or compiler.framework != framework:  # (fell back: the stamp must describe the build that ran)
            stamp = compiler.input_stamp("build", support, root / STAMP_NAME)
        report = read_assembly(assembly)
        docs_path = assembly.with_suffix(".xml")
        docs_xml = docs_path.read_text(encoding="utf-8") if docs_path.is_file() else ""
        write_file(saved, json.dumps({"report": report.to_json(), "docs": docs_xml}))
        stamp.save()
        docs = parse_xml_docs(docs_xml, str(docs_path))
    chosen = {p.name: p.read_bytes() for p in sorted(support.glob("*" + SOURCE_SUFFIX))}
    return Inspection(report, docs, chosen, user)


def _suffixed(sources: dict[str, bytes]) -> dict[str, bytes]:
    return {Path(name).stem + SOURCE_SUFFIX: data for name, data in sources.items()}


def _as_last_chosen(support: Path) -> dict[str, bytes]:
    """aotwheel's current sources, as the last build chose them (support_sources.py): the run-time
    support, and the attributes that the folder still holds (all when there was no build yet). So
    an unchanged project compares equal with its last build, and a changed one chooses again."""
    attributes = _suffixed(attribute_sources())
    kept = {n: d for n, d in attributes.items() if not support.is_dir() or (support / n).is_file()}
    return {**_suffixed(runtime_support()), **kept}


def _load(saved: Path) -> Optional[tuple[Report, dict[str, MemberDoc]]]:
    """The last phase A's report and documentation; None when there is none this aotwheel can read
    (one of another contract, written by another aotwheel: phase A runs again)."""
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        return Report.from_json(data["report"], str(saved)), parse_xml_docs(data["docs"], str(saved))
    except (OSError, ValueError, KeyError, TypeError, AotWheelError):
        return None


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
        result = processes.run(
            [
                *dotnet_command(), "build", str(source / "AotWheel.Inspector.csproj"), "-c", "Release", "-nologo",
                f"-p:AotWheelFramework={sdk.framework}", f"-p:OutDir={staging / 'out'}{os.sep}",
                f"-p:BaseIntermediateOutputPath={staging / 'obj'}{os.sep}",
            ],
            env=dotnet_environment(), stdin=subprocess.DEVNULL,
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


def read_assembly(assembly: Path) -> Report:
    """The inspector's report of *assembly*."""
    result = processes.run(
        [*dotnet_command(), str(inspector_path()), "--contract", str(CONTRACT), str(assembly)],
        env=dotnet_environment(), stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AotWheelError(f"cannot read the metadata of {assembly}: {result.stderr.strip()}")
    source = f"the inspector's report of {assembly}"
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise AotWheelError(f"{source}: not JSON ({exc})") from None
    return Report.from_json(data, source)
