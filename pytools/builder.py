"""The public API: build wheels from a C# project, stage by stage.

    ProjectBuilder(Path("MyLib")).build(Path("dist"))

Stages: project (project.py) -> compile (compile.py) -> discover (discover.py, binary.py)
-> generate (bindings/) -> package (platform_tags.py, wheel.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from . import __version__
from .abi import Export
from .binary import NativeLibrary, read_native_library
from .bindings.base import BindingInput
from .bindings.ctypes_backend import CtypesBackend
from .compile import NativeBuild, NativeCompiler
from .discover import discover_exports
from .platform_tags import PlatformTag, check_machine, platform_tag_for
from .project import Project
from .pyexport.model import Api
from .pyexport.stage import prepare as prepare_pyexport
from .targets import Target, check_buildable_here, host_rid, target_for
from .wheel import WheelWriter

Log = Callable[[str], None]


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
            self.project = Project.load(Path(directory))
        self.build_dir = Path(build_dir) if build_dir else self.project.root / "build" / "aotwheel"

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.log(f"[{name}] done in {time.monotonic() - started:.1f}s")

    def targets(self, rids: Sequence[str] = ()) -> list[Target]:
        """The targets to build: as asked, else as configured, else this machine's. Cross-OS ones are
        refused here, before anything is compiled."""
        chosen = [target_for(r) for r in (rids or self.project.config.rids or (host_rid(),))]
        for target in chosen:
            check_buildable_here(target)
        return chosen

    def build(
        self, out_dir: Path, *, rids: Sequence[str] = (), debug: bool = False, framework: str | None = None
    ) -> list[BuiltWheel]:
        return [self.build_target(t, out_dir, debug=debug, framework=framework) for t in self.targets(rids)]

    def build_target(
        self, target: Target, out_dir: Path, *, debug: bool = False, framework: str | None = None
    ) -> BuiltWheel:
        with self._stage("compile"):
            compiler = NativeCompiler(
                self.project, target, self.build_dir, debug=debug, framework=framework, log=self.log
            )
            pyexport = prepare_pyexport(compiler, self.log)
            native = compiler.publish(extra_sources=pyexport.sources)
        with self._stage("discover"):
            library = read_native_library(native.library)
            check_machine(library, target)
            exports = tuple(discover_exports(native.assembly, library))
            self.log(f"{len(exports)} exports: {', '.join(e.entry_point for e in exports)}")
        with self._stage("package"):
            tag = platform_tag_for(library)
            for warning in tag.warnings:
                self.log(f"warning: {warning}")
            path = self.write_wheel(library, exports, tag, out_dir, api=pyexport.api)
        self.log(f"platform tag {tag.tag}: {tag.reason}")
        return BuiltWheel(path, target, tag, exports, native)

    def render_package(
        self, library: NativeLibrary, exports: Sequence[Export], api: Api | None = None
    ) -> dict[str, bytes]:
        """The package folder's files (bindings plus the native library), keyed by relative path."""
        binding = BindingInput(
            import_name=self.project.import_name,
            distribution=self.project.metadata.name,
            version=self.project.metadata.version,
            assembly=self.project.assembly_name,
            library_filename=library.path.name,
            exports=tuple(exports),
            api=api,
        )
        files = CtypesBackend().render(binding)
        files[library.path.name] = library.path.read_bytes()
        return files

    def write_wheel(
        self, library: NativeLibrary, exports: Sequence[Export], tag: PlatformTag, out_dir: Path, api: Api | None = None
    ) -> Path:
        writer = WheelWriter(self.project.metadata, f"py3-none-{tag.tag}", generator=f"aotwheel {__version__}")
        for relative, data in sorted(self.render_package(library, exports, api).items()):
            writer.add_bytes(f"{self.project.import_name}/{relative}", data, executable=relative == library.path.name)
        return writer.write(Path(out_dir))
