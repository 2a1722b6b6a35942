"""The two compile phases of a library with [PyExport] members or hand-written exports, for the builder.

Phase A: a managed `dotnet build` of the user's code plus aotwheel's run-time support and the
attributes the project lacks (chosen, and checked for clashes, by support_sources.py); the inspector reads the [PyExport] members and the [UnmanagedCallersOnly] exports from that
assembly's metadata. Then the shims and the native backend's entry points are written next to the
support files, and phase B (`NativeCompiler.publish`) compiles all of it with NativeAOT.
Phase A is skipped when none of its inputs (as MSBuild lists them) changed (the previous report is reused),
so an unchanged project still rebuilds in about a second.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..abi import Export
from ..atomic import write_file
from ..attributes import attribute_sources
from ..bindings.ctypes_backend import backend_named
from ..compile import STAMP_NAME, NativeCompiler
from ..discover import api_from_report, declared_exports
from ..errors import AotWheelError
from ..inspector import read_assembly
from ..log import Log
from ..report import Report
from ..support_sources import check_no_clash, chosen_sources, project_sources, runtime_support
from ..xmldoc import MemberDoc, parse_xml_docs
from .model import Api

# Not *.cs: the build folder may sit inside the project, where the SDK compiles every *.cs it finds
# (AotWheel.targets compiles *.cs.aotwheel from the extra-sources folder only).
SUFFIX = ".cs.aotwheel"
SHIMS_FILE = "AotWheel.PyExport.Shims.g" + SUFFIX


@dataclass(frozen=True)
class PyExportBuild:
    api: Optional[Api]  # None when the project has no [PyExport] member
    sources: Optional[Path]  # the folder of C# files phase B compiles in (None: nothing to add)
    exports: tuple[Export, ...] = ()  # the hand-written exports, as declared in phase A's assembly


def prepare(compiler: NativeCompiler, log: Log = print) -> PyExportBuild:
    """Run phase A (or reuse its last result), validate the API and write the phase-B sources."""
    root = compiler.build_dir.resolve() / "pyexport" / compiler.target.rid
    support = root / "support"
    _sync(support, _as_last_chosen(support))
    stamp, saved = compiler.input_stamp("build", support, root / STAMP_NAME), root / "report.json"
    previous = _load(saved) if saved.is_file() and stamp.is_current() else None
    user = None
    if previous is not None:
        log("[PyExport] managed build skipped: inputs unchanged")
        report, docs = previous
    else:
        user = project_sources(stamp.inputs())
        if _sync(support, _suffixed(chosen_sources(compiler.project, stamp.inputs(), user, log))):
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
    api = api_from_report(report, docs)
    exports = declared_exports(report, docs)
    if api is None and not exports:
        return PyExportBuild(None, None)
    if api is not None:
        log(f"[PyExport] {len(api.functions)} functions, {len(api.classes)} classes, "
            f"{len(api.enums)} enums, {len(api.records)} dataclasses")
    generated = root / "generated"
    # The support is compiled in for hand-written exports too: they may carry [ReleaseGil].
    files = {p.name: p.read_bytes() for p in support.glob("*" + SUFFIX)}
    backend = backend_named(compiler.project.config.backend)
    files[SHIMS_FILE] = backend.csharp(api, exports, compiler.project.assembly_name).encode()
    if user is not None:  # the project's sources were read: the generated code may not clash with them either
        check_no_clash(user, {SHIMS_FILE: files[SHIMS_FILE]})
    _sync(generated, files)
    return PyExportBuild(api, generated, tuple(exports))


def _suffixed(sources: dict[str, bytes]) -> dict[str, bytes]:
    return {Path(name).stem + SUFFIX: data for name, data in sources.items()}


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


def _sync(folder: Path, files: dict[str, bytes]) -> bool:
    """Make *folder* hold exactly *files*, touching only what changed (MSBuild compares timestamps);
    return whether anything did."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = False
    for stale in folder.iterdir():
        if stale.name not in files:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
            changed = True
    for name, data in files.items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            write_file(path, data)
            changed = True
    return changed
