"""Stage 5 (package) as a unit of its own: a native library plus its export manifest -> a wheel.

`aotwheel build` writes the manifest beside the library it compiled; `aotwheel package` turns a
library built elsewhere (for instance on another OS's CI runner) and its manifest into the same
wheel, with no SDK and no C# sources needed.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .abi import Export
from .atomic import atomic_output
from .binary import NativeLibrary, read_native_library
from .bindings.base import BindingInput
from .bindings.ctypes_backend import CtypesBackend, library_fingerprint
from .discover import NATIVE_MODULE_INIT, exports_from_report
from .errors import AotWheelError
from .metadata import DistributionMetadata
from .platform_tags import PlatformTag, platform_tag_for
from .pyexport.model import Api
from .pyexport.stage import api_from_report
from .wheel import WheelWriter
from .xmldoc import parse_xml_docs

MANIFEST_FORMAT = "aotwheel-manifest/1"
MANIFEST_NAME = "aotwheel-manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What a wheel needs besides the library: names, metadata, and the assembly's own description
    (the inspector's report and the XML documentation), from which the bindings are derived."""

    import_name: str
    assembly: str
    metadata: DistributionMetadata
    report: dict[str, Any]
    docs_xml: str
    # The user's own files shipped beside the bindings ([tool.aotwheel] python-source), carried here
    # so that `aotwheel package` on another machine makes the same wheel without the sources.
    python_files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def save(self, path: Path) -> None:
        data = {
            "format": MANIFEST_FORMAT,
            "import_name": self.import_name,
            "assembly": self.assembly,
            "metadata": dataclasses.asdict(self.metadata),
            "report": self.report,
            "docs_xml": self.docs_xml,
            "python_files": {name: base64.b64encode(data).decode("ascii") for name, data in self.python_files.items()},
        }
        with atomic_output(path) as stream:
            stream.write(json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AotWheelError(f"{path}: not a readable manifest: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise AotWheelError(f"{path}: not an aotwheel manifest (expected format {MANIFEST_FORMAT!r})")
        try:
            raw = data["metadata"]
            raw["urls"] = tuple(tuple(pair) for pair in raw.get("urls", ()))
            metadata = DistributionMetadata(**raw)
            python_files = {name: base64.b64decode(text) for name, text in data.get("python_files", {}).items()}
            return cls(data["import_name"], data["assembly"], metadata, data["report"], data["docs_xml"], python_files)
        except (KeyError, TypeError, ValueError) as exc:
            raise AotWheelError(f"{path}: incomplete manifest ({exc})") from None


@dataclass(frozen=True)
class PackagedWheel:
    path: Path
    tag: PlatformTag
    exports: tuple[Export, ...]
    api: Api | None


def write_wheel(manifest: Manifest, library: NativeLibrary, out_dir: Path, log: Callable[[str], None] = print) -> PackagedWheel:
    """Bind *library* as *manifest* describes it and write the wheel, tagged from the binary."""
    docs = parse_xml_docs(manifest.docs_xml, f"{manifest.assembly}.xml")
    exports = tuple(exports_from_report(manifest.report, docs, library))
    api = api_from_report(manifest.report, docs)
    if exports or api is None:
        log(f"{len(exports)} exports: {', '.join(e.entry_point for e in exports)}")
    if api is not None:
        log(f"Python API ([PyExport]): {len(api.functions)} functions, {len(api.classes)} classes, "
            f"{len(api.records)} dataclasses, {len(api.enums)} enums")
    tag = platform_tag_for(library)
    for warning in tag.warnings:
        log(f"warning: {warning}")
    native = api is not None and NATIVE_MODULE_INIT in library.exported_functions
    shipped = shipped_library_name(library.path.name, native)
    binding = BindingInput(
        import_name=manifest.import_name,
        distribution=manifest.metadata.name,
        version=manifest.metadata.version,
        assembly=manifest.assembly,
        library_filename=shipped,
        library_fingerprint=library_fingerprint(library.path),
        exports=exports,
        api=api,
        native_module=native,
    )
    files = CtypesBackend().render(binding)
    files[shipped] = library.path.read_bytes()
    files.update(_checked_python_source(manifest, files, _public_names(exports, api)))
    writer = WheelWriter(manifest.metadata, f"py3-none-{tag.tag}")
    for relative, data in sorted(files.items()):
        writer.add_bytes(f"{manifest.import_name}/{relative}", data, executable=relative == shipped)
    path = writer.write(Path(out_dir))
    log(f"platform tag {tag.tag}: {tag.reason}")
    return PackagedWheel(path, tag, exports, api)


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


def _public_names(exports: tuple[Export, ...], api: Api | None) -> set[str]:
    return {e.python_name for e in exports} | set(api.public_names if api else ())


def _checked_python_source(manifest: Manifest, generated: dict[str, bytes], public: set[str]) -> dict[str, bytes]:
    """The user's python-source files, refused where one would replace a generated file or, as a
    submodule attribute, hide a generated function or class."""
    package = manifest.import_name
    taken = {name.casefold(): name for name in generated}
    for relative in manifest.python_files:
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
    return dict(manifest.python_files)


def package_library(library_path: Path, manifest_path: Path | None, out_dir: Path, log: Callable[[str], None] = print) -> PackagedWheel:
    """`aotwheel package`: the manifest defaults to the one beside the library."""
    manifest = Manifest.load(manifest_path or library_path.with_name(MANIFEST_NAME))
    return write_wheel(manifest, read_native_library(library_path), out_dir, log)
