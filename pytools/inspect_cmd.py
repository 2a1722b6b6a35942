"""`aotwheel inspect`: what a wheel or a native library exports, its platform tag and why."""

from __future__ import annotations

import ast
import tempfile
import zipfile
from pathlib import Path

from .binary import NativeLibrary, read_native_library
from .plan.model import NATIVE_MODULE_INIT
from .errors import AotWheelError
from .manifest import MANIFEST_NAME, Manifest
from .platform_tags import PlatformTag, platform_tag_for
from .project import default_build_dir, owning_project

LIBRARY_SUFFIXES = (".so", ".dll", ".dylib")


def _signature(node: ast.FunctionDef, *, drop_self: bool = False) -> str:
    """`(a: int, b: str = ...) -> bool` as the stub spells it (stubs use positional parameters only)."""
    arguments = node.args.args
    defaults = [None] * (len(arguments) - len(node.args.defaults)) + list(node.args.defaults)
    parts = [
        (f"{a.arg}: {ast.unparse(a.annotation)}" if a.annotation else a.arg) + ("" if d is None else f" = {ast.unparse(d)}")
        for a, d in list(zip(arguments, defaults))[1 if drop_self else 0:]
    ]
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"({', '.join(parts)}){returns}"


def _stub_signatures(stub: str) -> list[str]:
    """`name(a: int, b: int) -> int` for every function in a generated `.pyi`."""
    return [f"{node.name}{_signature(node)}" for node in ast.parse(stub).body if isinstance(node, ast.FunctionDef)]


def _decorators(node: ast.FunctionDef | ast.ClassDef) -> set[str]:
    return {ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}


def _api_report(stub: str) -> list[str]:
    """The [PyExport] Python API a generated `_api.pyi` declares: functions, classes with their
    constructors, methods and properties, dataclasses and enums, with signatures."""
    counts = {"functions": 0, "classes": 0, "dataclasses": 0, "enums": 0}
    lines = []
    body = ast.parse(stub).body
    overloaded: set[str] = set()  # the functions listed so far (an overload set counts once)
    # A function with .map is declared `name: _Map_name`, a Protocol whose __call__ is the function.
    callables = {
        node.name: next(m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "__call__")
        for node in body if isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "_typing.Protocol" for b in node.bases)
        and any(isinstance(m, ast.FunctionDef) and m.name == "__call__" for m in node.body)
    }
    for node in body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.annotation) in callables:
            counts["functions"] += 1
            call = callables[ast.unparse(node.annotation)]
            lines.append(f"  def {ast.unparse(node.target)}{_signature(call, drop_self=True)}  (also .map)")
        elif isinstance(node, ast.ClassDef) and node.name in callables:
            continue
        elif isinstance(node, ast.FunctionDef):
            overload = "_typing.overload" in _decorators(node)
            counts["functions"] += 0 if overload and node.name in overloaded else 1
            overloaded.add(node.name)
            lines.append(f"  def {node.name}{_signature(node)}" + ("  (overload)" if overload else ""))
        elif isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            if "_dataclasses.dataclass" in _decorators(node):
                counts["dataclasses"] += 1
                fields = [f"{ast.unparse(f.target)}: {ast.unparse(f.annotation)}" for f in node.body if isinstance(f, ast.AnnAssign)]
                lines.append(f"  dataclass {node.name}({', '.join(fields)})")
            elif any(b.startswith("_enum.") for b in bases):
                counts["enums"] += 1
                members = [f"{ast.unparse(m.targets[0])}={ast.unparse(m.value)}" for m in node.body if isinstance(m, ast.Assign)]
                lines.append(f"  enum {node.name}({', '.join(b.split('.')[-1] for b in bases)}): {', '.join(members)}")
            else:
                counts["classes"] += 1
                derives = [b for b in bases if b != "_dotnet.DotNetObject"]
                lines.append(f"  class {node.name}" + (f"({', '.join(derives)})" if derives else ""))
                lines += _class_members(node)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return [f"api:      {summary} ([PyExport])", *lines]


def _class_members(node: ast.ClassDef) -> list[str]:
    lines = []
    for member in node.body:
        if not isinstance(member, ast.FunctionDef):
            continue
        decorators = _decorators(member)
        overload = "  (overload)" if "_typing.overload" in decorators else ""
        if "_builtins.property" in decorators:
            returns = f": {ast.unparse(member.returns)}" if member.returns else ""
            writable = any(isinstance(m, ast.FunctionDef) and m.name == member.name and f"{m.name}.setter" in _decorators(m)
                           for m in node.body)
            lines.append(f"    property {member.name}{returns}{'' if writable else ' (read-only)'}")
        elif f"{member.name}.setter" in decorators:
            continue
        elif "_builtins.staticmethod" in decorators:
            lines.append(f"    static {member.name}{_signature(member)}" + overload)
        else:
            lines.append(f"    {member.name}{_signature(member, drop_self=True)}" + overload)
    return lines


def _library_report(library: NativeLibrary, tag: PlatformTag) -> list[str]:
    lines = [
        f"library:  {library.path.name} ({library.binary_format}, {library.machine}, {library.size:,} bytes)",
        f"tag:      {tag.tag}",
        f"why:      {tag.reason}",
        f"needs:    {', '.join(library.needed) or 'nothing'}",
        "backend:  " + ("native (the library is also the extension module _lib; ctypes serves where it does not load)"
                        if NATIVE_MODULE_INIT in library.exported_functions else "ctypes"),
    ]
    lines += [f"warning:  {w}" for w in tag.warnings]
    return lines


def inspect_path(path: Path) -> list[str]:
    """Report lines for a `.whl`, a native library, or a project folder (the libraries its last
    builds left in its build folder)."""
    if path.is_dir():
        return _inspect_project(path)
    if not path.is_file():
        raise AotWheelError(f"{path}: no such file or folder")
    if path.suffix == ".whl":
        return _inspect_wheel(path)
    return _inspect_library(path)


def _inspect_library(path: Path) -> list[str]:
    library = read_native_library(path)
    lines = _library_report(library, platform_tag_for(library))
    lines.append(f"exports:  {len(library.exported_functions)} functions")
    lines += [f"  {name}" for name in sorted(library.exported_functions)]
    return lines


def _inspect_project(folder: Path) -> list[str]:
    takes = "aotwheel inspect takes a .whl, a native library (.so, .dll, .dylib) or a project folder that was built"
    if not (folder / "pyproject.toml").is_file() and not any(folder.glob("*.csproj")):
        raise AotWheelError(f"{folder} is a folder with no pyproject.toml or .csproj; {takes}")
    root = owning_project(folder.resolve()) or folder.resolve()  # a csproj's folder inside a project: that project
    # What `aotwheel build` leaves in <build folder>/<rid>-<tfm>[-debug]/publish/: the library beside its manifest.
    libraries = sorted(
        (p for m in default_build_dir(root).glob(f"*/publish/{MANIFEST_NAME}") for p in m.parent.iterdir()
         if p.suffix in LIBRARY_SUFFIXES and p.stem == Manifest.load(m).assembly),
        key=lambda p: p.stat().st_mtime, reverse=True,
    )
    if not libraries:
        raise AotWheelError(
            f"{folder} is a project folder with no build in {default_build_dir(root)}: run `aotwheel build` "
            f"first (or inspect the wheel it writes); {takes}"
        )
    lines = []
    for library in libraries:  # the newest build first
        lines.append(f"build:    {library.parent.parent.name} ({library})")
        lines += _inspect_library(library)
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
        # The generated stubs are the one description of the Python API a wheel carries.
        for stub in (n for n in names if n.endswith("/__init__.pyi")):
            package = stub.split("/")[0]
            signatures = _stub_signatures(archive.read(stub).decode("utf-8"))
            api = f"{package}/_api.pyi"
            if signatures or api not in names:
                lines.append(f"exports:  {len(signatures)} functions in {package}")
                lines += [f"  {s}" for s in signatures]
            if api in names:
                lines += _api_report(archive.read(api).decode("utf-8"))
    return lines
