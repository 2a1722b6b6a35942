"""Stage 1: find the C# project, read `[tool.aotwheel]`, and settle the names and version of the wheel."""

from __future__ import annotations

import difflib
import json
import keyword
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import processes
from .atomic import write_file
from .errors import AotWheelError
from .metadata import DistributionMetadata, metadata_from_pyproject
from .sources import Sources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

DEFAULT_VERSION = "0.1.0"  # of a project whose pyproject.toml and csproj name none, and of a new one


@dataclass(frozen=True)
class ToolConfig:
    """The `[tool.aotwheel]` table, validated. Every key is documented in docs/configuration.md."""

    csproj: str | None = None
    module_name: str | None = None
    target_framework: str | None = None
    manylinux: str | None = None  # the glibc floor ("2_17", ...) or "host"; None: 2_17 with a zig, else host
    rids: tuple[str, ...] = ()
    windows_linker: str | None = None  # "msvc" | "lld"; None: MSVC on Windows, lld elsewhere (windows.py)
    # "native": the library is also a CPython extension module, used where it loads (ctypes
    # elsewhere); "ctypes": ctypes only.
    backend: str = "native"
    invariant_globalization: bool = True
    strip_symbols: bool = True
    # Background GC needs a GC thread that a fork()ed child does not have: a child that collected
    # would hang. Off by default, so wheels survive PySpark's forking worker daemon.
    concurrent_gc: bool = False
    gc_heap_hard_limit: int | None = None  # bytes
    # The GC sizes its gen0 budget from the CPU's L3 cache unless told: 80 MiB committed per runtime
    # on a 260 MiB-L3 Xeon, paid once per wheel in every worker process. A fixed budget makes the
    # working set the same on every machine (docs/reliability.md); 0 keeps .NET's cache-derived one.
    gc_gen0_size: int = 16 << 20  # bytes
    runtime_options: dict[str, str] = field(default_factory=dict)
    msbuild_properties: dict[str, str] = field(default_factory=dict)
    python_source: str | None = None  # folder holding <import name>/ with the user's own modules
    # Files published though sources.py would leave them out (glob patterns, project-relative).
    sdist_include: tuple[str, ...] = ()

    def all_runtime_options(self) -> dict[str, str]:
        """The runtime configuration knobs compiled into the library."""
        options = dict(self.runtime_options)
        if self.gc_heap_hard_limit is not None:
            options["System.GC.HeapHardLimit"] = str(self.gc_heap_hard_limit)
        return options

    def runtime_settings(self) -> dict[str, str]:
        """GC settings without a public runtimeconfig name, compiled in with ILC's --runtimeopt. The
        runtime reads each like its DOTNET_<name> variable (hex), which still wins when it is set."""
        return {"GCgen0size": format(self.gc_gen0_size, "x")} if self.gc_gen0_size else {}

    @classmethod
    def from_table(cls, table: dict[str, Any], source: Path) -> ToolConfig:
        kinds: dict[str, type | tuple[type, ...]] = {
            "csproj": str,
            "module-name": str,
            "target-framework": str,
            "manylinux": str,
            "rids": list,
            "windows-linker": str,
            "backend": str,
            "invariant-globalization": bool,
            "strip-symbols": bool,
            "concurrent-gc": bool,
            "gc-heap-hard-limit": (int, str),
            "gc-gen0-size": (int, str),
            "runtime-options": dict,
            "msbuild-properties": dict,
            "python-source": str,
            "sdist-include": list,
        }
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in kinds:
                close = difflib.get_close_matches(key, kinds, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(kinds)}"
                raise AotWheelError(f"{source}: unknown key [tool.aotwheel] {key!r}{hint}")
            if not isinstance(value, kinds[key]):
                expected = kinds[key]
                names = " or ".join(t.__name__ for t in expected) if isinstance(expected, tuple) else expected.__name__
                raise AotWheelError(
                    f"{source}: [tool.aotwheel] {key!r} must be a {names}, not {type(value).__name__}"
                )
            values[key.replace("-", "_")] = value
        if "gc_heap_hard_limit" in values:
            values["gc_heap_hard_limit"] = parse_size(values["gc_heap_hard_limit"], f"{source}: [tool.aotwheel] gc-heap-hard-limit")
        if "manylinux" in values:
            from .linking import parse_floor

            parse_floor(values["manylinux"], f"{source}: [tool.aotwheel] manylinux")
        if "windows_linker" in values:
            from .windows import parse_windows_linker

            parse_windows_linker(values["windows_linker"], f"{source}: [tool.aotwheel] windows-linker")
        if "gc_gen0_size" in values:
            size = values["gc_gen0_size"]
            # 0 switches the bound off (.NET then derives the budget from the CPU's cache).
            unbounded = not isinstance(size, bool) and str(size).strip() == "0"
            values["gc_gen0_size"] = 0 if unbounded else parse_size(size, f"{source}: [tool.aotwheel] gc-gen0-size")
        if "rids" in values:
            values["rids"] = tuple(str(r) for r in values["rids"])
        if "runtime_options" in values:
            values["runtime_options"] = {str(k): str(v).lower() if isinstance(v, bool) else str(v)
                                         for k, v in values["runtime_options"].items()}
        if "sdist_include" in values:
            values["sdist_include"] = _include_patterns(values["sdist_include"], f"{source}: [tool.aotwheel] sdist-include")
        if "msbuild_properties" in values:
            values["msbuild_properties"] = {str(k): str(v) for k, v in values["msbuild_properties"].items()}
        if values.get("backend", "native") not in ("native", "ctypes"):
            raise AotWheelError(f"{source}: [tool.aotwheel] backend must be 'native' or 'ctypes', not {values['backend']!r}")
        return cls(**values)


def _include_patterns(patterns: list[Any], where: str) -> tuple[str, ...]:
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise AotWheelError(f"{where}: each entry must be a glob pattern (a non-empty string), not {pattern!r}")
        if PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts or "\\" in pattern:
            raise AotWheelError(f"{where}: {pattern!r} must be relative to the project folder, with / and no '..'")
    return tuple(patterns)


@dataclass(frozen=True)
class MSBuildFacts:
    """Properties read from the evaluated project (so Directory.Build.props and imports count)."""

    assembly_name: str
    target_frameworks: tuple[str, ...]
    allows_unsafe_blocks: bool = False  # the user's own AllowUnsafeBlocks, as a plain `dotnet build` has it
    central_package_versions: str | None = None  # the Directory.Packages.props of central package management
    strong_name_key: str | None = None  # the key file the assembly is signed with (SignAssembly)


@dataclass(frozen=True)
class Project:
    """A C# project ready to build: where it is, what it is called, and how to package it."""

    root: Path
    csproj: Path
    assembly_name: str
    target_frameworks: tuple[str, ...]
    import_name: str
    metadata: DistributionMetadata
    config: ToolConfig
    metadata_files: tuple[Path, ...] = ()  # the readme and license files [project] names
    allows_unsafe_blocks: bool = False
    strong_name_key: Path | None = None  # the key file the project's assembly is signed with

    @classmethod
    def load(cls, directory: Path, build_dir: Path | None = None) -> Project:
        """Read *directory* (a folder with one .csproj, or a pyproject.toml naming one). MSBuild's
        answers are reused from the last build in *build_dir* while none of its inputs moved."""
        root = directory.resolve()
        if not root.is_dir():
            raise AotWheelError(f"{directory}: not a directory")
        pyproject_path = root / "pyproject.toml"
        if not pyproject_path.is_file():
            owner = owning_project(root)
            if owner is not None:  # the csproj's folder inside a project: build that project
                return cls.load(owner)
        pyproject = read_pyproject(pyproject_path)
        config = ToolConfig.from_table(pyproject.get("tool", {}).get("aotwheel", {}), pyproject_path)
        csproj = find_csproj(root, config.csproj, pyproject_path)
        cache = (build_dir or default_build_dir(root)) / FACTS_CACHE
        facts = cached_facts(cache, csproj) or read_msbuild_facts(csproj)
        fallback_name = python_identifier(facts.assembly_name.lower())
        fallback_version = csproj_version(csproj) or DEFAULT_VERSION
        metadata_files: list[Path] = []
        try:
            metadata = metadata_from_pyproject(
                pyproject.get("project", {}), root, fallback_name=fallback_name, fallback_version=fallback_version,
                files_read=metadata_files,
            )
        except AotWheelError as exc:  # the file at fault first, as for [tool.aotwheel]
            raise AotWheelError(f"{pyproject_path if pyproject else csproj}: {exc}") from None
        import_name = config.module_name or python_identifier(metadata.name.lower())
        if not import_name.isidentifier() or keyword.iskeyword(import_name):
            raise AotWheelError(f"{pyproject_path}: module-name {import_name!r} is not a Python identifier")
        project = cls(root, csproj, facts.assembly_name, facts.target_frameworks, import_name, metadata, config,
                      tuple(metadata_files), facts.allows_unsafe_blocks,
                      Path(facts.strong_name_key) if facts.strong_name_key else None)
        project.python_source_files()  # a missing or misplaced python-source stops the build before compiling
        return project

    def python_source_files(self) -> dict[str, Path]:
        """The user's own files that ship inside the package beside the generated bindings
        (`[tool.aotwheel] python-source`): package-relative POSIX path -> file (as reached). The
        publishing rules of sources.py choose them, as for the sdist (so a wheel built from the
        sdist holds the same); a link to outside the project folder is an error."""
        if self.config.python_source is None:
            return {}
        where = f"{self.root / 'pyproject.toml'}: [tool.aotwheel] python-source = {self.config.python_source!r}"
        source = (self.root / self.config.python_source).resolve()
        if source != self.root and self.root not in source.parents:
            raise AotWheelError(f"{where} lies outside the project folder {self.root}")
        package = source / self.import_name
        if not package.is_dir():
            raise AotWheelError(f"{where} has no folder {self.import_name}/ (the import name) holding your modules")
        sources = Sources(self.root, self.config.sdist_include)
        found = [p for p in sources.walk(package, skip=frozenset({"__pycache__"}))
                 if sources.outside_link(p) is not None or sources.left_out(p) is None]
        found += [p for p in sources.included() if package in p.parents]
        files = {}
        for path in sorted(set(found)):
            target = sources.outside_link(path)
            if target is not None:
                raise AotWheelError(
                    f"{path}: a symlink to {target}, outside the project folder {self.root}; nothing is published "
                    "through such a link: copy the file into the project"
                )
            if path.suffix not in (".pyc", ".pyo"):
                files[path.relative_to(package).as_posix()] = path
        return files


def read_pyproject(path: Path) -> dict[str, Any]:
    """The parsed pyproject.toml at *path*; empty when there is none."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AotWheelError(f"{path}: invalid TOML: {exc}") from None


def owning_project(folder: Path) -> Path | None:
    """The folder above *folder* whose pyproject.toml names, as its `[tool.aotwheel] csproj`, a
    project file in *folder*: building the csproj's folder then means building that project (same
    names, same build folder). Only the nearest pyproject.toml above is asked."""
    for parent in folder.parents:
        path = parent / "pyproject.toml"
        if path.is_file():
            configured = read_pyproject(path).get("tool", {}).get("aotwheel", {}).get("csproj")
            if isinstance(configured, str) and (parent / configured).resolve().parent == folder:
                return parent
            return None
    return None


SIZE_UNITS = {"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


def parse_size(value: int | str, where: str) -> int:
    """`536870912`, `"512MB"`, `"2GB"` -> bytes."""
    if isinstance(value, bool):
        raise AotWheelError(f"{where}: expected a size like 512MB, not a boolean")
    if isinstance(value, int):
        number, unit = value, ""
    else:
        match = re.fullmatch(r"\s*(\d+)\s*([KMG]?B?)\s*", value.upper())
        if not match:
            raise AotWheelError(f"{where}: {value!r} is not a size like 512MB or 2GB")
        number, unit = int(match.group(1)), match.group(2)
    if number <= 0:
        raise AotWheelError(f"{where}: the size must be positive")
    return number * SIZE_UNITS[unit]


def python_identifier(name: str) -> str:
    """`Contoso.Pricing` -> `contoso_pricing`: the import name made of any distribution or assembly
    name; every non-identifier character becomes `_`, and a leading `_` keeps a name that starts
    with a digit or is a keyword importable. (Names of .NET members, identifiers already, are
    plan/naming.py's.)"""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = "_" + ident
    return ident


def find_csproj(root: Path, configured: str | None, pyproject_path: Path) -> Path:
    if configured is not None:
        csproj = (root / configured).resolve()
        if not csproj.is_file():
            raise AotWheelError(f"{pyproject_path}: [tool.aotwheel] csproj = {configured!r} does not exist")
        return csproj
    found = sorted(root.glob("*.csproj"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise AotWheelError(
            f"{root}: no .csproj here; put one in this folder or name it in pyproject.toml "
            f"([tool.aotwheel] csproj = \"path/to/Project.csproj\")"
        )
    names = ", ".join(p.name for p in found)
    raise AotWheelError(f"{root}: several .csproj files ({names}); choose one with [tool.aotwheel] csproj")


FACTS_CACHE = "msbuild-facts.json"
# Where a project's intermediate files go unless --build-dir says otherwise, relative to its folder.
DEFAULT_BUILD_DIR = PurePosixPath("build/aotwheel")


def default_build_dir(root: Path) -> Path:
    return root / DEFAULT_BUILD_DIR


def cached_facts(cache: Path, csproj: Path) -> MSBuildFacts | None:
    """The facts a build saved in *cache*, if no file MSBuild evaluated and no folder moved (a
    source file may have: the facts are properties, which no source changes)."""
    from .inputs import recorded_inputs, unchanged_since

    try:
        data = json.loads(cache.read_text())
        record = data["record"]
        if data["csproj"] == str(csproj) and (unchanged_since(record) or recorded_inputs(record) is not None):
            return MSBuildFacts(data["assembly_name"], tuple(data["target_frameworks"]), data["allows_unsafe_blocks"],
                                strong_name_key=data["strong_name_key"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def save_facts(cache: Path, project: Project, record: dict[str, Any]) -> None:
    """Keep *project*'s MSBuild facts with a build's input *record* (which holds the csproj and every
    file it imports), so the next load need not evaluate the project while none of them moved."""
    data = {"csproj": str(project.csproj), "assembly_name": project.assembly_name,
            "target_frameworks": list(project.target_frameworks), "allows_unsafe_blocks": project.allows_unsafe_blocks,
            "strong_name_key": str(project.strong_name_key) if project.strong_name_key else None, "record": record}
    write_file(cache, json.dumps(data))


def read_msbuild_facts(csproj: Path) -> MSBuildFacts:
    """Ask MSBuild itself, so names set by imports or Directory.Build.props are right."""
    from .toolchain import dotnet_command

    command = [
        *dotnet_command(), "msbuild", str(csproj), "-nologo",
        "-getProperty:AssemblyName", "-getProperty:TargetFramework", "-getProperty:TargetFrameworks",
        "-getProperty:AllowUnsafeBlocks", "-getProperty:ManagePackageVersionsCentrally",
        "-getProperty:DirectoryPackagesPropsPath", "-getProperty:SignAssembly", "-getProperty:AssemblyOriginatorKeyFile",
    ]
    # From the project's folder, as dotnet picks the SDK by the global.json above the current folder.
    try:
        result = processes.run(command, cwd=csproj.parent, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise AotWheelError(f"cannot run {command[0]}: {exc}") from None
    if result.returncode != 0:
        missing_sdk = sdk_not_found(result.stdout, result.stderr)
        if missing_sdk:
            raise AotWheelError(f"{csproj}: {missing_sdk}")
        detail = (result.stdout + result.stderr).strip()
        raise AotWheelError(f"{csproj}: MSBuild could not evaluate the project:\n{detail}")
    try:
        properties = json.loads(result.stdout)["Properties"]
    except (ValueError, KeyError):
        raise AotWheelError(f"{csproj}: unexpected output from MSBuild: {result.stdout[:500]}") from None
    frameworks = properties.get("TargetFrameworks") or properties.get("TargetFramework") or ""
    central = properties.get("ManagePackageVersionsCentrally", "").lower() == "true"
    signed = properties.get("SignAssembly", "").lower() == "true"
    return MSBuildFacts(
        assembly_name=properties["AssemblyName"],
        target_frameworks=tuple(f.strip() for f in frameworks.split(";") if f.strip()),
        allows_unsafe_blocks=properties.get("AllowUnsafeBlocks", "").lower() == "true",
        central_package_versions=(properties.get("DirectoryPackagesPropsPath") or None) if central else None,
        strong_name_key=str(csproj.parent / key) if signed and (key := properties.get("AssemblyOriginatorKeyFile")) else None,
    )


def sdk_not_found(stdout: str, stderr: str) -> str | None:
    """The host's "compatible .NET SDK was not found" report, in reading order. The host writes
    the installed SDKs to stdout and their heading to stderr, so joined they come out of order."""
    if "A compatible .NET SDK was not found" not in stderr:
        return None
    requested = re.search(r"^Requested SDK version: (.+)$", stderr, flags=re.M)
    global_json = re.search(r"^global\.json file: (.+)$", stderr, flags=re.M)
    installed = [line.strip() for line in stdout.splitlines() if line.strip()]
    lines = [
        f"the .NET SDK {requested.group(1).strip() if requested else 'that was asked for'} is not installed",
        *([f"requested by: {global_json.group(1).strip()}"] if global_json else []),
        "installed SDKs:",
        *(f"  {line}" for line in installed or ["(none)"]),
        "Install that SDK, or change the version (or add \"rollForward\") in that global.json.",
    ]
    return "\n".join(lines)


def csproj_version(csproj: Path) -> str | None:
    """The literal `<Version>` the user wrote in the project file, if any (the SDK's implicit 1.0.0 is not one)."""
    try:
        tree = ET.parse(csproj)
    except ET.ParseError as exc:
        raise AotWheelError(f"{csproj}: not valid XML: {exc}") from None
    for element in tree.iter():
        if element.tag.rsplit("}", 1)[-1] == "Version" and element.text and "$(" not in element.text:
            return element.text.strip()
    return None
