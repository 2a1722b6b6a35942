"""Stage 5 (package): the wheel, assembled from a native library, what discover found in it and
the manifest's names, metadata and Python files.

`aotwheel build` runs it after compiling (builder.py); `aotwheel package` (`package_library`) turns a
library built elsewhere (for instance on another OS's CI runner) and its saved manifest into the
same wheel, with no SDK and no C# sources: nothing here imports the compile stack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from .binary import NativeLibrary, read_native_library
from .bindings.files import PackageInput, library_fingerprint, package_files
from .discover import check_library
from .errors import AotWheelError
from .log import Log
from .manifest import MANIFEST_NAME, Manifest
from .metadata import DistributionMetadata
from .plan.model import Backend, BindingPlan
from .platform_tags import PlatformTag, platform_tag_for
from .wheel import WheelWriter


@dataclass(frozen=True)
class PackagedWheel:
    path: Path
    tag: PlatformTag
    plan: BindingPlan


def write_wheel(manifest: Manifest, library: NativeLibrary, out_dir: Path, log: Log = print) -> PackagedWheel:
    """The wheel of *library* with the bindings of the manifest's plan, tagged from the binary."""
    tag = platform_tag_for(library)
    for warning in tag.warnings:
        log(f"warning: {warning}")
    plan = manifest.plan
    shipped = shipped_library_name(library.path.name, plan.backend is Backend.NATIVE)
    package = PackageInput(manifest.metadata.name, manifest.metadata.version, shipped, library_fingerprint(library.path))
    files = package_files(plan, package)
    files[shipped] = library.path.read_bytes()
    check_python_source(manifest.import_name, manifest.python_files, files, set(plan.public_names))
    files.update(manifest.python_files)
    writer = WheelWriter(manifest.metadata, f"py3-none-{tag.tag}")
    for relative, data in sorted(files.items()):
        writer.add_bytes(f"{manifest.import_name}/{relative}", data, executable=relative == shipped)
    path = writer.write(Path(out_dir))
    log(f"platform tag {tag.tag}: {tag.reason}")
    return PackagedWheel(path, tag, plan)


def shipped_library_name(built: str, native: bool = False) -> str:
    """The library's name inside the package. A library with the native backend's PyInit__lib is
    the extension module `_lib`: `_lib.abi3.so` on Linux and macOS (Windows keeps the `.dll`, which
    Python does not import: ctypes serves there). Otherwise `PyExportSample.so` ->
    `PyExportSample.aot.so`: Python takes an `X.so` in a package for an extension module (help()
    lists it, `import pkg.X` tries to load it); a name with a second dot is neither."""
    stem, suffix = os.path.splitext(built)
    if native and suffix in (".so", ".dylib"):
        return "_lib.abi3.so"
    return f"{stem}.aot{suffix}" if suffix == ".so" else built


def planned_package(plan: BindingPlan, metadata: DistributionMetadata, built_library: str) -> dict[str, bytes]:
    """The files `write_wheel` will put in the package of *plan*, known before the library is
    compiled (*built_library*: its file name as built; its bytes and fingerprint stand in empty)."""
    shipped = shipped_library_name(built_library, plan.backend is Backend.NATIVE)
    files = package_files(plan, PackageInput(metadata.name, metadata.version, shipped, (0, 0)))
    files[shipped] = b""
    return files


def check_python_source(import_name: str, python_files: Iterable[str], generated: Mapping[str, bytes], public: set[str]) -> None:
    """Refuse a python-source file that would replace a generated file or, as a submodule
    attribute, hide a generated function or class."""
    package = import_name
    taken = {name.casefold(): name for name in generated}
    for relative in python_files:
        clash = taken.get(relative.casefold())
        if clash is not None:
            raise AotWheelError(
                f"python-source: {package}/{relative} has the name of a file aotwheel generates ({package}/{clash}); "
                f"rename yours (the package's __init__.py is the generated bindings: import your modules as "
                f"{package}.<module>)"
            )
        top = relative.split("/", 1)[0]
        module = top[: -len(".py")] if top.endswith(".py") else top
        if module in public:
            raise AotWheelError(
                f"python-source: {package}/{relative} would hide the generated {package}.{module} once imported; rename it"
            )


def package_library(library_path: Path, manifest_path: Optional[Path], out_dir: Path, log: Log = print) -> PackagedWheel:
    """`aotwheel package`: discover and package a library built elsewhere, from its saved manifest
    (by default the one beside it, of this aotwheel's contract)."""
    manifest = Manifest.load(manifest_path or library_path.with_name(MANIFEST_NAME))
    library = read_native_library(library_path)
    check_library(manifest.plan, library, log)
    return write_wheel(manifest, library, out_dir, log)
