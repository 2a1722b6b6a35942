"""`aotwheel inspect`: what a wheel or a native library exports, its platform tag and why."""

from __future__ import annotations

import ast
import tempfile
import zipfile
from pathlib import Path

from .binary import NativeLibrary, read_native_library
from .errors import AotWheelError
from .platform_tags import PlatformTag, platform_tag_for

LIBRARY_SUFFIXES = (".so", ".dll", ".dylib")


def _stub_signatures(stub: str) -> list[str]:
    """`name(a: int, b: int) -> int` for every function in a generated `.pyi`."""
    signatures = []
    for node in ast.parse(stub).body:
        if isinstance(node, ast.FunctionDef):
            arguments = ", ".join(
                f"{a.arg}: {ast.unparse(a.annotation)}" if a.annotation else a.arg for a in node.args.args
            )
            returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            signatures.append(f"{node.name}({arguments}){returns}")
    return signatures


def _library_report(library: NativeLibrary, tag: PlatformTag) -> list[str]:
    lines = [
        f"library:  {library.path.name} ({library.binary_format}, {library.machine}, {library.size:,} bytes)",
        f"tag:      {tag.tag}",
        f"why:      {tag.reason}",
        f"needs:    {', '.join(library.needed) or 'nothing'}",
    ]
    lines += [f"warning:  {w}" for w in tag.warnings]
    return lines


def inspect_path(path: Path) -> list[str]:
    """Report lines for a `.whl` or a native library."""
    if not path.is_file():
        raise AotWheelError(f"{path}: no such file")
    if path.suffix == ".whl":
        return _inspect_wheel(path)
    library = read_native_library(path)
    lines = _library_report(library, platform_tag_for(library))
    lines.append(f"exports:  {len(library.exported_functions)} functions")
    lines += [f"  {name}" for name in sorted(library.exported_functions)]
    return lines


def _inspect_wheel(path: Path) -> list[str]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise AotWheelError(f"{path}: not a wheel (not a zip file)") from None
    with archive:
        names = archive.namelist()
        libraries = [n for n in names if n.endswith(LIBRARY_SUFFIXES)]
        if not libraries:
            raise AotWheelError(f"{path}: no native library inside; not an aotwheel wheel")
        lines = [f"wheel:    {path.name} ({path.stat().st_size:,} bytes)"]
        declared_tag = path.stem.rsplit("-", 1)[-1]
        with tempfile.TemporaryDirectory() as scratch:
            for name in libraries:
                extracted = Path(scratch) / Path(name).name
                extracted.write_bytes(archive.read(name))
                library = read_native_library(extracted)
                tag = platform_tag_for(library)
                lines += _library_report(library, tag)
                if tag.tag != declared_tag:
                    lines.append(f"warning:  the file name says {declared_tag}, the binary says {tag.tag}")
        for stub in (n for n in names if n.endswith("/__init__.pyi")):
            signatures = _stub_signatures(archive.read(stub).decode("utf-8"))
            lines.append(f"exports:  {len(signatures)} functions in {stub.split('/')[0]}")
            lines += [f"  {s}" for s in signatures]
    return lines
