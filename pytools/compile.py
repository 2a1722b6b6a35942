"""Stage 2: compile the C# project with NativeAOT into a native shared library.

Runs `dotnet publish` with every output redirected into aotwheel's build folder, streams the
SDK's output, turns failures into errors that quote the compiler's own lines, and skips the
whole step when a content hash of the inputs says nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .errors import AotWheelError
from .project import Project
from .resources import support_dir
from .targets import Target, check_buildable_here
from .toolchain import dotnet_command, dotnet_environment, native_linker

Log = Callable[[str], None]

# Folders that hold build products, never inputs.
IGNORED_DIRS = frozenset({"bin", "obj", "build", "dist", ".git", ".vs", ".vscode", ".idea", "__pycache__", ".venv"})
ERROR_LINE = re.compile(r": (?:fatal )?error [A-Z]+\d*:")
MISSING_PACKAGE = re.compile(r"error NU110[123]: Unable to find package (\S+?)\.? ")
AOT_PACKAGES = ("ILCompiler", "Runtime.NativeAOT", "NETCore.App.Runtime", "ILLink")
OLDEST_AOT_FRAMEWORK = 8


@dataclass(frozen=True)
class NativeBuild:
    """What stage 2 produced for one target."""

    target: Target
    framework: str
    library: Path  # the native shared library
    assembly: Path  # the managed assembly it was compiled from (read by discovery)
    skipped: bool  # True when the inputs were unchanged and the previous build was reused
    seconds: float


class MissingAotPackages(AotWheelError):
    """The NuGet sources lack the NativeAOT packages for a framework."""

    def __init__(self, framework: str, packages: list[str]):
        self.framework = framework
        self.packages = packages
        super().__init__(
            f"the NativeAOT packages for {framework} cannot be restored: "
            f"{', '.join(packages)} not found on the configured NuGet sources. "
            "Pin a framework whose packages your feed holds with [tool.aotwheel] target-framework "
            "(or --framework), or pin a runtime patch your feed holds with "
            "[tool.aotwheel] msbuild-properties = {RuntimeFrameworkVersion = \"9.0.N\"}; "
            "`aotwheel doctor` checks which are available."
        )


def compile_native(
    project: Project,
    target: Target,
    build_dir: Path,
    *,
    debug: bool = False,
    framework: str | None = None,
    log: Log = print,
) -> NativeBuild:
    """Publish *project* for *target* into *build_dir*, falling back to an older framework when
    the newest one's NativeAOT packages are not on the feed (and the user pinned none)."""
    check_buildable_here(target)
    pinned = framework or project.config.target_framework
    candidates = [pinned] if pinned else fallback_frameworks(project.target_frameworks)
    failures: list[MissingAotPackages] = []
    for candidate in candidates:
        try:
            return _publish(project, target, build_dir, candidate, debug, log)
        except MissingAotPackages as missing:
            failures.append(missing)
            if candidate != candidates[-1]:
                log(f"warning: {missing}\nwarning: trying {candidates[len(failures)]} instead")
    raise failures[-1] if len(failures) == 1 else AotWheelError("\n".join(str(f) for f in failures))


def fallback_frameworks(declared: tuple[str, ...]) -> list[str]:
    """The project's framework first, then older .NET majors that NativeAOT supports."""
    modern = [f for f in declared if re.fullmatch(r"net\d+\.0", f)]
    if not modern:
        raise AotWheelError(
            f"NativeAOT needs a target framework of net{OLDEST_AOT_FRAMEWORK}.0 or later; "
            f"the project targets {';'.join(declared) or 'nothing'}"
        )
    newest = max(int(f[3:-2]) for f in modern)
    if newest < OLDEST_AOT_FRAMEWORK:
        raise AotWheelError(f"NativeAOT needs net{OLDEST_AOT_FRAMEWORK}.0 or later; the project targets net{newest}.0")
    return [f"net{major}.0" for major in range(newest, OLDEST_AOT_FRAMEWORK - 1, -1)]


def publish_command(project: Project, target: Target, out: Path, framework: str, debug: bool) -> list[str]:
    config = project.config
    properties = {
        "TargetFramework": framework,
        "PublishAot": "true",
        "NativeLib": "Shared",
        "SelfContained": "true",
        "InvariantGlobalization": str(config.invariant_globalization).lower(),
        "StripSymbols": str(config.strip_symbols and not debug).lower(),
        "CustomAfterDirectoryBuildProps": str(support_dir() / "build" / "AotWheel.props"),
        "AotWheelBuildDir": str(out) + os.sep,
        # Deterministic and path-independent IL, so the managed side of a rebuild matches too.
        "Deterministic": "true",
        "PathMap": f"{project.root}=/src",
        **config.msbuild_properties,
    }
    return [
        *dotnet_command(), "publish", str(project.csproj),
        "-c", "Debug" if debug else "Release",
        "-r", target.rid,
        "-o", str(out / "publish"),
        "-nologo",
        *(f"-p:{name}={_escape(value)}" for name, value in properties.items()),
    ]


def _escape(value: str) -> str:
    # MSBuild splits -p values on ';' and ','; escaped they reach the property intact.
    return value.replace("%", "%25").replace(";", "%3B").replace(",", "%2C")


def _publish(project: Project, target: Target, build_dir: Path, framework: str, debug: bool, log: Log) -> NativeBuild:
    started = time.monotonic()
    out = (build_dir / f"{target.rid}-{framework}{'-debug' if debug else ''}").resolve()
    command = publish_command(project, target, out, framework, debug)
    library = out / "publish" / target.library_name(project.assembly_name)
    assembly = (
        out / "bin" / project.csproj.stem / ("Debug" if debug else "Release") / framework / target.rid
        / f"{project.assembly_name}.dll"
    )
    stamp = out / "inputs.sha256"
    digest = inputs_digest(project, command)
    if library.is_file() and assembly.is_file() and stamp.is_file() and stamp.read_text() == digest:
        log(f"dotnet publish skipped: inputs unchanged since {library.name} was built")
        return NativeBuild(target, framework, library, assembly, True, time.monotonic() - started)

    if target.os != "windows" and native_linker() is None:
        raise AotWheelError("NativeAOT needs a native linker: install clang (apt-get install clang) or gcc")
    stamp.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    log(f"dotnet publish {project.csproj.name} ({framework}, {target.rid}, NativeAOT)")
    lines = _run_streaming(command, log)
    errors = _unique(line.strip() for line in lines if ERROR_LINE.search(line))
    if any(MISSING_PACKAGE.search(line) for line in errors):
        missing = _unique(m.group(1) for line in errors if (m := MISSING_PACKAGE.search(line)))
        if any(marker in name for name in missing for marker in AOT_PACKAGES):
            raise MissingAotPackages(framework, missing)
    if errors or not library.is_file():
        detail = "\n".join(errors) if errors else "\n".join(lines[-20:])
        raise AotWheelError(f"dotnet publish of {project.csproj} failed:\n{detail}")
    if not assembly.is_file():
        raise AotWheelError(f"dotnet publish did not leave the managed assembly at {assembly}")
    stamp.write_text(digest)
    return NativeBuild(target, framework, library, assembly, False, time.monotonic() - started)


def _run_streaming(command: list[str], log: Log) -> list[str]:
    """Run *command*, echoing each line with a short prefix; return all lines."""
    lines: list[str] = []
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            env=dotnet_environment(), stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise AotWheelError(f"cannot run {command[0]}: {exc}") from None
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if line.strip():
                log(f"  dotnet | {line}")
    if process.returncode != 0 and not any(ERROR_LINE.search(line) for line in lines):
        lines.append(f"dotnet exited with status {process.returncode}")
    return lines


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def inputs_digest(project: Project, command: list[str]) -> str:
    """A hash of everything that can change the native library: sources, build files, options."""
    digest = hashlib.sha256()
    digest.update(f"aotwheel {__version__}\n".encode())
    digest.update("\0".join(command).encode())
    roots = {project.root, project.csproj.parent}
    for path in sorted({p for root in roots for p in _input_files(root)}):
        digest.update(str(path).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for parent in project.csproj.parents:
        for name in ("Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "NuGet.Config", "nuget.config", "global.json"):
            if (parent / name).is_file():
                digest.update((parent / name).read_bytes())
    return digest.hexdigest()


def _input_files(root: Path) -> Iterable[Path]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
        for name in filenames:
            yield Path(directory) / name
