"""`aotwheel doctor`: check what a NativeAOT build needs, and say how to fix what is missing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import __version__
from .atomic import write_file
from .binary import read_native_library
from .errors import AotWheelError
from .linking import host_machine
from .log import Log
from .platform_tags import glibc_floor
from .targets import host_os, host_rid, target_for
from .toolchain import (
    OLDEST_AOT_FRAMEWORK, ZIG_INSTALL_HINT, cache_dir as aotwheel_cache, dotnet_executable, find_zig, native_linker, sdk_info,
)
from .windows import find_cross_tools, missing_cross_tools

PROBE_PROJECT = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>{framework}</TargetFramework><AllowUnsafeBlocks>true</AllowUnsafeBlocks></PropertyGroup>
</Project>
"""
PROBE_SOURCE = """using System.Runtime.InteropServices;
public static class Probe
{
    [UnmanagedCallersOnly(EntryPoint = "aotwheel_probe")]
    public static int Answer(int x) => x + 1;
}
"""
PROBE_EXPORT = "aotwheel_probe"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", sys.version_info >= (3, 9), f"{version} at {sys.executable}", "use Python 3.9 or later")


def check_sdk() -> Check:
    try:
        sdk = sdk_info()
    except AotWheelError as exc:
        return Check(".NET SDK", False, str(exc), f"install the .NET SDK {OLDEST_AOT_FRAMEWORK} or later from https://dot.net")
    ok = sdk.major >= OLDEST_AOT_FRAMEWORK
    return Check(
        ".NET SDK", ok, f"{sdk.version} at {dotnet_executable()} (bundled runtime {sdk.bundled_runtime})",
        f"install the .NET SDK {OLDEST_AOT_FRAMEWORK} or later",
    )


def check_linker() -> Check:
    if host_os() == "windows":
        return Check("linker", True, "MSVC is found by the SDK (install the 'Desktop development with C++' workload)")
    linker = native_linker()
    strip = shutil.which("objcopy") or shutil.which("llvm-objcopy")
    if linker is None:
        return Check("linker", False, "neither clang nor gcc is on PATH", "apt-get install clang (or your OS's clang)")
    if strip is None:
        return Check("linker", False, f"{linker}, but no objcopy for StripSymbols", "apt-get install binutils")
    return Check("linker", True, f"{shutil.which(linker)}; {strip}")


def check_zig() -> Check:
    try:
        zig = find_zig()
    except AotWheelError as exc:
        return Check("zig", False, str(exc), ZIG_INSTALL_HINT)
    if zig is None:
        return Check("zig", False, "none found: Linux wheels get this machine's glibc as their floor, and only "
                     f"{host_machine()} ones", ZIG_INSTALL_HINT)
    return Check("zig", True, zig.describe())


WINDOWS_CROSS = "win-x64 link"


def check_windows_cross() -> Check:
    """Whether this Linux machine has what linking win-x64 needs (the probe build then proves it)."""
    missing = missing_cross_tools()
    if missing:
        return Check(WINDOWS_CROSS, False, "cannot link win-x64 here: lacks " + "; ".join(what for what, _ in missing),
                     "; ".join(fix for _, fix in missing))
    return Check(WINDOWS_CROSS, True, find_cross_tools(target_for("win-x64")).describe())


def probe_build(framework: str, rid: str, log: Log = print) -> Check:
    """Build a one-export library for *framework* and *rid* with the default linker, check its export
    (and call it, when it is for this machine). Successes are cached per SDK, zig and aotwheel version;
    *log* hears of a build before it starts (it takes up to a minute)."""
    from .compile import NativeCompiler
    from .project import Project

    name = f"NativeAOT {framework} {rid}"
    zig = find_zig()
    cross = find_cross_tools(target_for(rid)) if target_for(rid).os == "windows" else None
    key = hashlib.sha256(repr((__version__, sdk_info().version, framework, rid, zig, cross)).encode()).hexdigest()[:16]
    cached = cache_dir() / f"probe-{key}.txt"
    if cached.is_file():
        return Check(name, True, cached.read_text(encoding="utf-8") + " (cached)")
    log(f"...  {name}: building a one-export library")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "Probe.csproj").write_text(PROBE_PROJECT.format(framework=framework))
        (folder / "Probe.cs").write_text(PROBE_SOURCE)
        try:
            compiler = NativeCompiler(Project.load(folder), target_for(rid), folder / "build", log=lambda line: None)
            library = read_native_library(compiler.publish().library)
        except AotWheelError as exc:
            lines = str(exc).splitlines()  # "... failed:" then the first real error line
            return Check(name, False, (lines[1] if len(lines) > 1 else lines[0])[:400], "build for another framework ([tool.aotwheel] target-framework), or add a NuGet source holding its NativeAOT packages")
        if PROBE_EXPORT not in library.exported_functions:
            return Check(name, False, f"the probe library does not export {PROBE_EXPORT}", "report this as an aotwheel bug")
        linker = compiler.link or compiler.windows_link
        detail = f"built ({linker.describe() if linker else 'the SDK linker'})"
        if library.binary_format == "elf":
            detail += "; needs glibc {}.{}".format(*glibc_floor(library))
        if rid == host_rid():
            answer = subprocess.run(
                [sys.executable, "-c", f"import ctypes; print(ctypes.CDLL({str(library.path)!r}).{PROBE_EXPORT}(41))"],
                capture_output=True, text=True, timeout=120,
            )
            if answer.stdout.strip() != "42":
                return Check(name, False, f"the probe library built but its call failed: {answer.stderr.strip()[-300:]}")
            detail += "; loaded and called"
    write_file(cached, detail)
    return Check(name, True, detail)


def cache_dir() -> Path:
    """Where doctor keeps what it has proven: `doctor/` in aotwheel's cache folder."""
    return aotwheel_cache() / "doctor"


def run_checks(log: Log = print) -> Iterator[Check]:
    """Every check, each yielded as soon as it is made (the probe builds take a while)."""
    python, sdk, linker = check_python(), check_sdk(), check_linker()
    yield from (python, sdk, linker)
    if host_os() == "linux":
        yield check_zig()
        yield check_windows_cross()
    if not sdk.ok:
        return
    built = []
    for major in range(sdk_info().major, OLDEST_AOT_FRAMEWORK - 1, -1):
        probe = probe_build(f"net{major}.0", host_rid(), log)
        yield probe
        if probe.ok:
            built.append(f"net{major}.0")
    if host_os() == "linux" and built and find_zig() is not None:
        other = {"linux-x64": "linux-arm64", "linux-arm64": "linux-x64"}[host_rid()]
        yield probe_build(built[0], other, log)
    if host_os() == "linux" and built and not missing_cross_tools():
        yield probe_build(built[0], "win-x64", log)


def check_lines(check: Check) -> list[str]:
    """How one check is printed: ok or BAD, what was found, and the fix of a problem."""
    lines = [f"{'ok ' if check.ok else 'BAD'}  {check.name}: {check.detail}"]
    if not check.ok and check.fix:
        lines.append(f"     fix: {check.fix}")
    return lines


def summary(checks: list[Check]) -> tuple[list[str], bool]:
    """The closing lines and whether a NativeAOT build can work (some framework's probe built)."""
    lines = []
    basics = all(c.ok for c in checks if c.name not in ("zig", WINDOWS_CROSS) and not c.name.startswith("NativeAOT"))
    built = [c.name.split()[1:] for c in checks if c.name.startswith("NativeAOT") and c.ok]
    frameworks = list(dict.fromkeys(framework for framework, _ in built))
    if frameworks:
        lines.append(f"NativeAOT builds work here for: {', '.join(frameworks)} (each built just now or before)")
    rids = list(dict.fromkeys(rid for _, rid in built))
    linux_rids = [rid for rid in rids if rid.startswith("linux")]
    if host_os() == "linux" and "win-x64" in rids:
        lines.append("Windows wheels this machine can build: win-x64 (linked with lld-link and aotwheel's CRT stub)")
    if host_os() == "linux" and linux_rids:
        floors = "2_17 and later (zig)" if any(c.name == "zig" and c.ok for c in checks) else "this machine's glibc only (no zig)"
        lines.append(f"Linux wheels this machine can build: {', '.join(linux_rids)}; glibc floors: {floors}")
    return lines, basics and bool(frameworks)
