"""The public API: build wheels from a C# project, stage by stage.

    ProjectBuilder(Path("MyLib")).build(Path("dist"))

Stages: project (project.py) -> compile (compile.py) -> discover (inspector.py, discover.py, binary.py)
-> generate (bindings/) -> package (package.py: platform_tags.py, wheel.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from .abi import Export
from .atomic import check_folder
from .binary import read_native_library
from .compile import NativeBuild, NativeCompiler
from .discover import Bindable, discover
from .errors import AotWheelError
from .inspector import read_assembly
from .linking import HOST_LINKER, LinkPlan
from .log import Log
from .manifest import MANIFEST_NAME, Manifest
from .package import check_planned_python_source, write_wheel
from .platform_tags import PlatformTag, check_machine, glibc_floor
from .project import Project, default_build_dir
from .pyexport.stage import PyExportBuild, prepare as prepare_pyexport
from .report import Report
from .settings import BuildSettings
from .targets import Target, check_buildable_here, host_os, host_rid, target_for



@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    target: Target
    tag: PlatformTag
    exports: tuple[Export, ...]
    native: NativeBuild


class ProjectBuilder:
    """Builds one C# project into one wheel per target."""

    def __init__(self, directory: Path, *, build_dir: Path | None = None, log: Log = print) -> None:
        self.log = log
        with self._stage("project"):
            self.project = Project.load(Path(directory), Path(build_dir) if build_dir else None)
        self.build_dir = Path(build_dir) if build_dir else default_build_dir(self.project.root)
        check_folder(self.build_dir, "the build folder")

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.log(f"[{name}] done in {time.monotonic() - started:.1f}s")

    def targets(self, rids: Sequence[str] = ()) -> list[Target]:
        """The targets to build: as asked, else those of [tool.aotwheel] rids that this machine's OS
        builds (the key also lists other OSes' targets, for `generate-ci`), else this machine's.
        Cross-OS ones are refused here, before anything is compiled."""
        if rids:
            chosen = [target_for(r) for r in dict.fromkeys(rids)]
        else:
            configured = [target_for(r) for r in self.project.config.rids]
            # None of this OS: the first is kept, to be refused below with the OS that builds it.
            chosen = [t for t in configured if t.os == host_os()] or configured[:1] or [target_for(host_rid())]
            chosen.sort(key=lambda t: t.rid != host_rid())  # the PEP 517 backend builds only the first
        for target in chosen:
            check_buildable_here(target)
        return chosen

    def build(
        self, out_dir: Path, *, rids: Sequence[str] = (), debug: bool = False, framework: str | None = None,
        manylinux: str | None = None,
    ) -> list[BuiltWheel]:
        """One wheel per target. Every target's linker is settled before the first compile, so a
        missing zig or a bad floor fails at once."""
        check_folder(out_dir, "the output folder")
        compilers = [
            NativeCompiler(
                self.project, target, self.build_dir, debug=debug, framework=framework, manylinux=manylinux,
                log=self.log,
            )
            for target in self.targets(rids)
        ]
        return [self._build_with(compiler, out_dir) for compiler in compilers]

    def build_target(
        self, target: Target, out_dir: Path, *, debug: bool = False, framework: str | None = None,
        manylinux: str | None = None,
    ) -> BuiltWheel:
        compiler = NativeCompiler(
            self.project, target, self.build_dir, debug=debug, framework=framework, manylinux=manylinux, log=self.log
        )
        return self._build_with(compiler, out_dir)

    def build_one(self, out_dir: Path, settings: BuildSettings) -> BuiltWheel:
        """The one wheel a PEP 517 hook or an editable install builds: for *settings*' rid, else for
        the first of `targets()`. (*settings*' build folder is the one this builder was made with.)"""
        target = self.targets([settings.rid] if settings.rid else ())[0]
        return self.build_target(
            target, out_dir, debug=settings.debug, framework=settings.framework, manylinux=settings.manylinux
        )

    def _build_with(self, compiler: NativeCompiler, out_dir: Path) -> BuiltWheel:
        target = compiler.target
        with self._stage("compile"):
            pyexport = prepare_pyexport(compiler, self.log)
            self._check_python_source(compiler, pyexport)  # before the long NativeAOT step, not after it
            native = compiler.publish(extra_sources=pyexport.sources)
        with self._stage("discover"):
            library = read_native_library(native.library)
            check_machine(library, target)
            if compiler.link is not None:
                self._warn_about_floor(compiler.link, glibc_floor(library))
            saved = native.library.with_name(MANIFEST_NAME)
            report, docs_xml = _reusable_description(native, saved) or _describe(native.assembly)
            manifest = Manifest(
                import_name=self.project.import_name,
                assembly=self.project.assembly_name,
                metadata=self.project.metadata,
                report=report,
                docs_xml=docs_xml,
                python_files={name: path.read_bytes() for name, path in self.project.python_source_files().items()},
            )
            manifest.save(saved)
            bindable = discover(manifest, library, self.log)
        with self._stage("package"):
            packaged = write_wheel(manifest, bindable, library, out_dir, self.log)
        return BuiltWheel(packaged.path, target, packaged.tag, packaged.exports, native)

    def _check_python_source(self, compiler: NativeCompiler, pyexport: PyExportBuild) -> None:
        files = self.project.python_source_files()
        if not files:
            return
        bound = pyexport.api is not None or bool(pyexport.exports)
        check_planned_python_source(
            self.project.import_name, files, compiler.target.library_name(self.project.assembly_name),
            self.project.config.backend if bound else "ctypes", Bindable(pyexport.exports, pyexport.api),
            (self.project.metadata.name, self.project.metadata.version, self.project.assembly_name),
        )

    def _warn_about_floor(self, link: LinkPlan, floor: tuple[int, int]) -> None:
        got = "{}.{}".format(*floor)
        if not link.chosen:
            self.log(
                f"warning: no zig found, so {link.target.rid} was linked with the host linker and the wheel needs "
                f"glibc {got} or later (this machine's); for a manylinux2014 wheel (glibc 2.17) install zig "
                f"(`pip install ziglang`) or set $AOTWHEEL_ZIG; --manylinux {HOST_LINKER} keeps the host linker "
                f"without this warning"
            )
        elif link.floor is not None and floor > link.floor:
            self.log(
                "warning: glibc {}.{} was asked for, but {} needs glibc {} (a static library it links, "
                "or a symbol zig's glibc {}.{} stubs lack); the wheel is tagged for glibc {}".format(
                    *link.floor, link.target.rid, got, *link.floor, got
                )
            )


def _describe(assembly: Path) -> tuple[Report, str]:
    """The inspector's report of *assembly* and its XML documentation."""
    docs = assembly.with_suffix(".xml")
    return read_assembly(assembly), docs.read_text(encoding="utf-8") if docs.is_file() else ""


def _reusable_description(native: NativeBuild, saved: Path) -> tuple[Report, str] | None:
    """When the publish was skipped, the description the last build saved of the same assembly
    (written after it, so not one of an older assembly, and of this aotwheel's contract, else
    unreadable): no need to run the inspector again."""
    try:
        if not native.skipped or saved.stat().st_mtime_ns < native.assembly.stat().st_mtime_ns:
            return None
        previous = Manifest.load(saved)
    except (OSError, AotWheelError):
        return None
    return previous.report, previous.docs_xml
