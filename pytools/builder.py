"""The public API: build wheels from a C# project, stage by stage.

    ProjectBuilder(Path("MyLib")).build(Path("dist"))

Stages: project (project.py) -> compile (compile.py: one `dotnet publish`, inside which the
generate step, generate.py, inspects the compiled assembly, plans the binding and writes its C#)
-> discover (discover.py: the library against the plan) -> package (package.py, bindings/ for the
Python side).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from .atomic import check_folder
from .binary import read_native_library
from .compile import NativeBuild, NativeCompiler
from .discover import check_library
from .generate import GenerateRequest, generated_plan, write_request
from .linking import HOST_LINKER, LinkPlan
from .log import Log
from .manifest import MANIFEST_NAME, Manifest
from .package import write_wheel
from .plan.model import BindingPlan
from .platform_tags import PlatformTag, check_machine, glibc_floor
from .project import Project, default_build_dir
from .settings import BuildSettings
from .support_sources import SupportSources
from .targets import Target, check_buildable_here, host_os, host_rid, target_for
from .windows import LLD, windows_linker


@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    target: Target
    tag: PlatformTag
    plan: BindingPlan
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
        """The targets to build: as asked, else those of [tool.aotwheel] rids that this machine
        builds (the key also lists other OSes' targets, for `generate-ci`), else this machine's.
        Targets of another OS are refused here, before anything is compiled, except Windows ones on
        Linux (linked with lld-link) unless the project links Windows with MSVC."""
        if rids:
            chosen = [target_for(r) for r in dict.fromkeys(rids)]
        else:
            configured = [target_for(r) for r in self.project.config.rids]
            # None built here: the first is kept, to be refused below with the OS that builds it.
            chosen = [t for t in configured if self._builds_here(t)] or configured[:1] or [target_for(host_rid())]
            chosen.sort(key=lambda t: t.rid != host_rid())  # the PEP 517 backend builds only the first
        for target in chosen:
            check_buildable_here(target)
        return chosen

    def _builds_here(self, target: Target) -> bool:
        if target.os == host_os():
            return True
        return target.os == "windows" and host_os() == "linux" and windows_linker(self.project.config.windows_linker) == LLD

    def build(
        self, out_dir: Path, *, rids: Sequence[str] = (), debug: bool = False, framework: str | None = None,
        manylinux: str | None = None,
    ) -> list[BuiltWheel]:
        """One wheel per target. Every target's linker is settled before the first compile, so a
        missing zig or a bad floor fails at once."""
        check_folder(out_dir, "the output folder")
        targets = self.targets(rids)
        # A floor is for the Linux targets among them (and refused when there are none).
        linux = any(t.os == "linux" for t in targets)
        compilers = [
            NativeCompiler(
                self.project, target, self.build_dir, debug=debug, framework=framework,
                manylinux=manylinux if target.os == "linux" or not linux else None, log=self.log,
            )
            for target in targets
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
            # One publish: the project's assembly is compiled with aotwheel's run-time support, then
            # the generate step plans and writes the binding, then NativeAOT compiles both (generate.py).
            root = compiler.build_dir.resolve() / "pyexport" / target.rid
            support = SupportSources(self.project, root / "support", self.log)
            write_request(root / "generate", GenerateRequest(
                backend=self.project.config.backend, csproj_name=self.project.csproj.name,
                import_name=self.project.import_name, distribution=self.project.metadata.name,
                version=self.project.metadata.version,
                built_library=target.library_name(self.project.assembly_name),
                python_files=tuple(sorted(self.project.python_source_files())),
            ))
            native = compiler.publish(extra_sources=support.folder, generate=root / "generate",
                                      choose_sources=support.choose, outputs=(out_dir,))
            plan = generated_plan(root / "generate")
        with self._stage("discover"):
            library = read_native_library(native.library)
            check_machine(library, target)
            if compiler.link is not None:  # a Linux target
                self._warn_about_floor(compiler.link, glibc_floor(library))
            check_library(plan, library, self.log)
            manifest = Manifest(
                import_name=self.project.import_name,
                assembly=self.project.assembly_name,
                metadata=self.project.metadata,
                plan=plan,
                python_files={name: path.read_bytes() for name, path in self.project.python_source_files().items()},
            )
            manifest.save(native.library.with_name(MANIFEST_NAME))
        with self._stage("package"):
            packaged = write_wheel(manifest, library, out_dir, self.log)
        return BuiltWheel(packaged.path, target, packaged.tag, plan, native)

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
