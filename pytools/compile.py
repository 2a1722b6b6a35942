"""Stage 2: compile the C# project with NativeAOT into a native shared library.

Runs `dotnet publish` with every output redirected into aotwheel's build folder, streams the
SDK's output, turns failures into errors that quote the compiler's own lines, and skips the
whole step when a content hash of the inputs says nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from xml.sax.saxutils import escape
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence, TypeVar

from . import __version__, processes
from .atomic import write_file
from .errors import AotWheelError
from .inputs import BuildInputs, InputStamp, query_command
from .linking import LinkPlan, plan_link
from .log import Log
from .project import DEFAULT_BUILD_DIR, FACTS_CACHE, Project, save_facts
from .resources import support_dir, templates_dir
from .targets import Target, check_buildable_here
from .toolchain import OLDEST_AOT_FRAMEWORK, dotnet_command, dotnet_environment, native_linker, sdk_info
from .windows import WindowsCrossLink, plan_windows_link, runtime_pack_version, unresolved_error, unresolved_symbols

T = TypeVar("T")
STAMP_NAME = "inputs.json"
# The generate step's files (generate.py, run by AotWheel.targets inside the publish).
GENERATE_REQUEST = "request.json"
# Not *.cs, as the support sources (support_sources.SOURCE_SUFFIX): the SDK's globs must not find it.
GENERATED_SOURCE = "AotWheel.Generated.cs.aotwheel"
GENERATED_PLAN = "plan.json"
GENERATE_ERROR = "error.txt"

ERROR_LINE = re.compile(r": (?:fatal )?error [A-Z]+\d*:")
# What a native compiler or linker prints ("ld.lld: error: ...", "error: undefined symbol: ..."); MSBuild's
# own summary of the failed link only quotes the whole command line.
NATIVE_ERROR_LINE = re.compile(r"(?:^|[\s:])(?:fatal )?error ?: ")
LONGEST_QUOTED_LINE = 500
QUOTE = {'"': "&quot;"}
# The line a build step logs when it starts running the SDK (not when it finds it can skip it).
STEP_STARTED = re.compile(r"^dotnet (?:build|publish) .+\.csproj \(")
MISSING_PACKAGE = re.compile(r"error NU110[123]: Unable to find package (\S+?)\.? ")
AOT_PACKAGES = ("ILCompiler", "Runtime.NativeAOT", "NETCore.App.Runtime", "ILLink")
# NativeAOT's code generation prints nothing for tens of seconds: say it still runs, in every log
# (a CI log or a pipe too, where a long silence looks like a hang).
HEARTBEAT_SECONDS = 10.0


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


class NativeCompiler:
    """Compiles one project for one target. The framework is settled by the first build: the
    configured one, else the project's own, falling back to an older .NET when the newer one's
    NativeAOT packages are not on the feed (with a warning)."""

    def __init__(
        self, project: Project, target: Target, build_dir: Path, *, debug: bool = False,
        framework: str | None = None, manylinux: str | None = None, log: Log = print,
    ) -> None:
        check_buildable_here(target)
        self.project, self.target, self.debug, self.log = project, target, debug, log
        # The project's floor is for its Linux targets; --manylinux for another target is refused.
        floor = manylinux or (project.config.manylinux if target.os == "linux" else None)
        where = "--manylinux" if manylinux else "[tool.aotwheel] manylinux"
        self.link: LinkPlan | None = plan_link(target, floor, where)
        self.windows_link: WindowsCrossLink | None = plan_windows_link(target, project.config.windows_linker)
        self.build_dir = build_dir
        self._candidates = framework_candidates(project, framework)
        # A framework an earlier build fell back to stays settled: start there, not with a retry.
        settled = [i for i, f in enumerate(self._candidates) if (self._out_for(f) / STAMP_NAME).is_file()]
        del self._candidates[:settled[0] if settled else 0]

    @property
    def framework(self) -> str:
        return self._candidates[0]

    @property
    def out(self) -> Path:
        return self._out_for(self.framework)

    def _out_for(self, framework: str) -> Path:
        return (self.build_dir / f"{self.target.rid}-{framework}{'-debug' if self.debug else ''}").resolve()

    @property
    def configuration(self) -> str:
        return "Debug" if self.debug else "Release"

    @property
    def library(self) -> Path:
        return self.out / "publish" / self.target.library_name(self.project.assembly_name)

    @property
    def assembly(self) -> Path:
        return (
            self.out / ".msbuild" / "bin" / self.project.csproj.stem / self.configuration / self.framework / self.target.rid
            / f"{self.project.assembly_name}.dll"
        )

    @property
    def intermediate(self) -> Path:
        """MSBuild's obj folder of this build (AotWheel.props), where NativeAOT leaves link.rsp."""
        return self.out / ".msbuild" / "obj" / self.project.csproj.stem / self.configuration / self.framework / self.target.rid

    def publish(self, extra_sources: Path | None = None, generate: Path | None = None,
                choose_sources: Callable[[BuildInputs], bool] | None = None, outputs: Sequence[Path] = ()) -> NativeBuild:
        """`dotnet publish` with NativeAOT, skipped when none of its inputs changed.

        *extra_sources* is a folder of C# files compiled into the project as well (aotwheel's
        run-time support), which *choose_sources* may rewrite from the project's inputs when they
        changed (returning whether it did); *generate* is the generate step's folder
        (GENERATE_REQUEST in; the binding's C#, GENERATED_PLAN or GENERATE_ERROR out). *outputs* are
        folders aotwheel writes into (the wheels'), which may sit in the project: not inputs, so a
        wheel written there does not make the next check ask MSBuild."""
        started = time.monotonic()
        skipped = self._with_fallback(lambda: self._publish_unless_current(extra_sources, generate, choose_sources, outputs))
        if not self.assembly.is_file():
            raise AotWheelError(f"dotnet publish did not leave the managed assembly at {self.assembly}")
        return NativeBuild(
            self.target, self.framework, self.library, self.assembly, skipped, time.monotonic() - started
        )

    def _publish_unless_current(self, extra_sources: Path | None, generate: Path | None,
                                choose_sources: Callable[[BuildInputs], bool] | None, outputs: Sequence[Path]) -> bool:
        # Bound here, per attempt: after a framework fallback the stamp belongs to the new framework's folder.
        stamp = self.input_stamp("publish", extra_sources, generate=generate, outputs=outputs)
        skipped = (self.library.is_file() and self.assembly.is_file() and stamp.is_current()
                   and (generate is None or (generate / GENERATED_PLAN).is_file()))
        if skipped:
            self.log(f"dotnet publish skipped: inputs unchanged since {self.library.name} was built")
        else:
            if choose_sources is not None and choose_sources(stamp.inputs()):
                stamp = self.input_stamp("publish", extra_sources, generate=generate, outputs=outputs).reading_of(stamp)
            # A first build restores the packages, whose props and targets the project then imports
            # too: the inputs read before it are not the ones to keep.
            first = stamp.load() is None
            stamp.forget()
            started_ns = time.time_ns()
            self._run("publish", extra_sources, generate)
            if not self.library.is_file():
                raise AotWheelError(f"dotnet publish reported success but wrote no {self.library}")
            if first:
                stamp = self.input_stamp("publish", extra_sources, generate=generate, outputs=outputs)
            stamp.save(started_ns)
        record = stamp.load()
        if record is not None:
            save_facts(self.build_dir / FACTS_CACHE, self.project, record)
        return skipped

    def input_stamp(self, verb: str, extra_sources: Path | None, path: Path | None = None,
                    generate: Path | None = None, outputs: Sequence[Path] = ()) -> InputStamp:
        """The stamp that says whether `dotnet <verb>` with *extra_sources* (and the generate step
        in *generate*) would read anything new."""
        command = self.command(verb, extra_sources, generate)
        key = hashlib.sha256(f"aotwheel {__version__}\0{chr(0).join(command)}\0".encode())
        key.update(repr(sorted(self.project.config.all_runtime_options().items())).encode())
        key.update(repr(sorted(self.project.config.runtime_settings().items())).encode())
        for source in sorted(extra_sources.iterdir()) if extra_sources else ():
            key.update(source.name.encode() + b"\0" + hashlib.sha256(source.read_bytes()).digest())
        if generate is not None:  # what the step is asked, and the code that answers
            key.update((generate / GENERATE_REQUEST).read_bytes() + generator_digest().encode())
        return InputStamp(
            path or self.out / STAMP_NAME, key.hexdigest(), query_command(command, verb), self.build_dir,
            dotnet_environment(), self.log, outputs,
        )

    def _with_fallback(self, step: Callable[[], T]) -> T:
        failures: list[MissingAotPackages] = []
        while True:
            try:
                return step()
            except MissingAotPackages as missing:
                failures.append(missing)
                if len(self._candidates) == 1:
                    raise missing if len(failures) == 1 else AotWheelError("\n".join(map(str, failures))) from None
                self._candidates.pop(0)
                self.log(f"warning: {missing}\nwarning: building for {self.framework} instead")

    def command(self, verb: str, extra_sources: Path | None, generate: Path | None = None) -> list[str]:
        config = self.project.config
        support = support_dir() / "build"
        properties = {
            "TargetFramework": self.framework,
            "PublishAot": "true",
            "NativeLib": "Shared",
            "SelfContained": "true",
            "InvariantGlobalization": str(config.invariant_globalization).lower(),
            "StripSymbols": str(config.strip_symbols and not self.debug).lower(),
            "ConcurrentGarbageCollection": str(config.concurrent_gc).lower(),
            "CustomAfterDirectoryBuildProps": str(support / "AotWheel.props"),
            "CustomAfterMicrosoftCommonTargets": str(support / "AotWheel.targets"),
            # A multi-targeted ProjectReference's outer build, which aotwheel asks for its inputs.
            "CustomAfterMicrosoftCommonCrossTargetingTargets": str(support / "AotWheel.targets"),
            "AotWheelBuildRoot": str(self.build_dir.resolve()) + os.sep,
            "AotWheelBuildDir": str(self.out) + os.sep,
            # What an earlier default build left in a project folder is never compiled (AotWheel.props).
            "AotWheelDefaultBuildDir": f"{DEFAULT_BUILD_DIR}/",
            "AotWheelProject": str(self.project.csproj),
            "AotWheelExtraCompileDir": str(extra_sources) + os.sep if extra_sources else "",
            **({"AotWheelGenerateDir": str(generate.resolve()) + os.sep, "AotWheelPython": sys.executable} if generate else {}),
            "GenerateDocumentationFile": "true",
            # Deterministic, path-independent IL, so a rebuild elsewhere gives the same library.
            "Deterministic": "true",
            "PathMap": f"{self.project.root}=/src",
            **(self.link.msbuild_properties(self.build_dir, config.strip_symbols and not self.debug) if self.link else {}),
            **(self.windows_link.msbuild_properties(self.build_dir) if self.windows_link else {}),
            **config.msbuild_properties,
        }
        if self.project.target_frameworks != (self.framework,):
            # Restore ignores a global TargetFramework and would restore the csproj's own framework(s),
            # whose NativeAOT packages may be the missing ones; TargetFrameworks it does honour.
            properties["TargetFrameworks"] = self.framework
        return [
            *dotnet_command(), verb, str(self.project.csproj),
            "-c", self.configuration,
            "-r", self.target.rid,
            *(["-o", str(self.out / "publish")] if verb == "publish" else []),
            "-nologo",
            *(f"-p:{name}={_escape(value)}" for name, value in properties.items()),
        ]

    def _write_runtime_options(self) -> None:
        # A boolean option is also a feature switch (Trim): the compiler then trims by the user's
        # value, as it does by the SDK's own switches (which AotWheel.targets replaces by these).
        items = []
        for name, value in sorted(self.project.config.all_runtime_options().items()):
            trim = ' Trim="true"' if value in ("true", "false") else ""
            items.append(f'    <AotWheelRuntimeOption Include="{escape(name, QUOTE)}" Value="{escape(value, QUOTE)}"{trim} />\n')
        for name, value in sorted(self.project.config.runtime_settings().items()):
            items.append(f'    <IlcArg Include="{escape(f"--runtimeopt:{name}={value}", QUOTE)}" />\n')
        write_file(self.out / "runtime-options.targets", f"<Project>\n  <ItemGroup>\n{''.join(items)}  </ItemGroup>\n</Project>\n")

    def _run(self, verb: str, extra_sources: Path | None, generate: Path | None = None) -> None:
        if self.target.os != "windows" and (self.link is None or self.link.zig is None) and native_linker() is None:
            raise AotWheelError("NativeAOT needs a native linker: install clang (apt-get install clang) or gcc")
        self._write_runtime_options()
        what = "NativeAOT" if verb == "publish" else "managed"
        linker = self.link or self.windows_link
        linked = f", linked with {linker.describe()}" if verb == "publish" and linker else ""
        self.log(f"dotnet {verb} {self.project.csproj.name} ({self.framework}, {self.target.rid}, {what}{linked})")
        command = self.command(verb, extra_sources, generate)
        if generate is not None:
            (generate / GENERATE_ERROR).unlink(missing_ok=True)
        self.log("$ " + " ".join(shlex.quote(part) for part in command))
        started = time.monotonic()
        lines, status = _run_streaming(command, self.log, cwd=self.project.csproj.parent)
        self.log(f"dotnet {verb} ({what}) took {time.monotonic() - started:.1f}s")
        errors = _unique(line.strip() for line in lines if ERROR_LINE.search(line))
        missing = _unique(m.group(1) for line in errors if (m := MISSING_PACKAGE.search(line)))
        if any(marker in name for name in missing for marker in AOT_PACKAGES):
            raise MissingAotPackages(self.framework, missing)
        undefined = unresolved_symbols(lines) if self.windows_link and status != 0 else []
        if undefined:
            version = runtime_pack_version(self.intermediate / "native" / "link.rsp")
            raise unresolved_error(self.library, self.target, undefined, self.framework, version)
        if generate is not None and (generate / GENERATE_ERROR).is_file():  # the generate step's own error
            raise AotWheelError((generate / GENERATE_ERROR).read_text(encoding="utf-8"))
        if errors or status != 0:
            native = [line.strip() for line in lines if NATIVE_ERROR_LINE.search(line) and not ERROR_LINE.search(line)]
            errors = _unique(native[:1] + errors)
            detail = "\n".join(map(_shorten, errors)) if errors else "\n".join(lines[-20:])
            raise AotWheelError(f"dotnet {verb} of {self.project.csproj} failed:\n{detail}")


def generator_digest() -> str:
    """A digest of aotwheel's code and templates, which write the binding a publish compiles: a
    changed aotwheel publishes again, whatever its version says."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for root in (package, templates_dir(), support_dir()):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def sync_sources(folder: Path, files: dict[str, bytes]) -> bool:
    """Make *folder* hold exactly *files* (C# compiled in), touching only what changed (MSBuild
    compares timestamps); return whether anything did."""
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


def framework_candidates(project: Project, pinned: str | None = None) -> list[str]:
    """The frameworks a build tries, in order: the one pinned (*pinned*, else [tool.aotwheel]
    target-framework) alone, else the project's own and then older .NET majors."""
    pinned = pinned or project.config.target_framework
    return [pinned] if pinned else fallback_frameworks(project.target_frameworks)


def fallback_frameworks(declared: tuple[str, ...]) -> list[str]:
    """The project's framework first, then older .NET majors that NativeAOT supports."""
    modern = [f for f in declared if re.fullmatch(r"net\d+\.0", f)]
    newest = max((int(f[3:-2]) for f in modern), default=0)
    if newest < OLDEST_AOT_FRAMEWORK:
        suggested = _sdk_framework()
        raise AotWheelError(
            f"NativeAOT needs a target framework of net{OLDEST_AOT_FRAMEWORK}.0 or later; the project targets "
            f"{';'.join(declared) or 'nothing'}. Build it for one: --framework {suggested} (or [tool.aotwheel] "
            f"target-framework = \"{suggested}\"), or add {suggested} to the csproj's TargetFrameworks"
        )
    return [f"net{major}.0" for major in range(newest, OLDEST_AOT_FRAMEWORK - 1, -1)]


def _sdk_framework() -> str:
    """The framework to suggest: the SDK's own, else the oldest NativeAOT builds."""
    try:
        return sdk_info().framework
    except AotWheelError:
        return f"net{OLDEST_AOT_FRAMEWORK}.0"


def _escape(value: str) -> str:
    # MSBuild splits -p values on ';' and ','; escaped they reach the property intact.
    return value.replace("%", "%25").replace(";", "%3B").replace(",", "%2C")


def _run_streaming(command: list[str], log: Log, cwd: Path | None = None) -> tuple[list[str], int]:
    """Run *command* (in *cwd*: dotnet picks the SDK by the global.json above it) in a process group
    of its own, echoing each line with a short prefix; return all lines and the exit status. A
    silence of HEARTBEAT_SECONDS is broken by a line with the time elapsed, whether the log is a
    terminal or not. An interrupt ends the whole group before it propagates (processes.py)."""
    lines: list[str] = []
    try:
        process = processes.start(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            env=dotnet_environment(), stdin=subprocess.DEVNULL, cwd=cwd,
        )
    except OSError as exc:
        raise AotWheelError(f"cannot run {command[0]}: {exc}") from None
    assert process.stdout is not None
    started = last_line = time.monotonic()
    finished = threading.Event()

    def beat(interval: float) -> None:
        nonlocal last_line
        while not finished.wait(interval / 4):
            now = time.monotonic()
            if now - last_line >= interval:
                log(f"  dotnet | ... still running, {now - started:.0f}s so far")
                last_line = now

    threading.Thread(target=beat, args=(HEARTBEAT_SECONDS,), daemon=True).start()
    try:
        for line in process.stdout:
            last_line = time.monotonic()
            line = line.rstrip("\n")
            lines.append(line)
            if line.strip():
                log(f"  dotnet | {line}")
        process.wait()
    except BaseException:
        processes.end_group(process)
        raise
    finally:
        finished.set()
        process.stdout.close()
    return lines, process.returncode


def _shorten(line: str) -> str:
    # MSBuild's line for a failed link quotes the whole command (kilobytes); the first native error says more.
    return line if len(line) <= LONGEST_QUOTED_LINE else line[:LONGEST_QUOTED_LINE] + " [...]"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
