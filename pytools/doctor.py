"""`aotwheel doctor`: check what a NativeAOT build needs, and say how to fix what is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .compile import MISSING_PACKAGE, OLDEST_AOT_FRAMEWORK
from .errors import AotWheelError
from .targets import host_os, host_rid
from .toolchain import dotnet_environment, dotnet_executable, native_linker, sdk_info

PROBE_PROJECT = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>{framework}</TargetFramework><PublishAot>true</PublishAot></PropertyGroup>
</Project>
"""


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
        return Check(".NET SDK", False, str(exc), "install the .NET SDK 8 or later from https://dot.net")
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


def check_aot_packages(framework: str) -> Check:
    """Restore a one-line NativeAOT probe project for *framework* (cached by NuGet after the first time)."""
    rid = host_rid()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "Probe.csproj"
        project.write_text(PROBE_PROJECT.format(framework=framework))
        result = subprocess.run(
            [dotnet_executable(), "restore", str(project), "-r", rid, "-nologo"],
            capture_output=True, text=True, env=dotnet_environment(), stdin=subprocess.DEVNULL,
        )
    if result.returncode == 0:
        return Check(f"NativeAOT packages {framework}", True, f"restore for {rid} works")
    missing = sorted({m.group(1) for m in MISSING_PACKAGE.finditer(result.stdout)})
    detail = f"missing on the NuGet sources: {', '.join(missing)}" if missing else result.stdout.strip()[-400:]
    return Check(
        f"NativeAOT packages {framework}", False, detail,
        "build for another framework ([tool.aotwheel] target-framework), or add a NuGet source holding them",
    )


def run_checks() -> list[Check]:
    checks = [check_python(), check_sdk(), check_linker()]
    if checks[1].ok:
        major = sdk_info().major
        checks += [check_aot_packages(f"net{m}.0") for m in range(major, OLDEST_AOT_FRAMEWORK - 1, -1)]
    return checks


def report(checks: list[Check]) -> tuple[list[str], bool]:
    """Printable lines and whether a NativeAOT build can work (some framework's packages restore)."""
    lines = []
    for check in checks:
        lines.append(f"{'ok ' if check.ok else 'BAD'}  {check.name}: {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"     fix: {check.fix}")
    basics = all(c.ok for c in checks if not c.name.startswith("NativeAOT"))
    frameworks = [c.name.rsplit(" ", 1)[1] for c in checks if c.name.startswith("NativeAOT") and c.ok]
    if frameworks:
        lines.append(f"NativeAOT builds work here for: {', '.join(frameworks)}")
    return lines, basics and bool(frameworks)
