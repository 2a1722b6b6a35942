"""Where the .NET SDK and the native linker are, and what versions they are."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import AotWheelError

# The oldest .NET major whose SDK compiles a NativeAOT shared library (net8.0).
OLDEST_AOT_FRAMEWORK = 8
INSTALL_HINT = (
    "install the .NET SDK (https://dot.net) and make `dotnet` reachable on PATH, "
    "or set DOTNET_ROOT to its folder"
)


@functools.lru_cache(maxsize=None)
def dotnet_executable() -> str:
    """The `dotnet` host: PATH first, then $DOTNET_ROOT."""
    found = shutil.which("dotnet")
    if found:
        return found
    root = os.environ.get("DOTNET_ROOT")
    if root:
        for name in ("dotnet", "dotnet.exe"):
            candidate = Path(root) / name
            if candidate.is_file():
                return str(candidate)
    raise AotWheelError(f"the .NET SDK was not found: {INSTALL_HINT}")


def cache_dir() -> Path:
    """Where aotwheel keeps what it builds once per toolchain (the metadata inspector, the Windows CRT
    stub, doctor's results): $AOTWHEEL_CACHE_DIR, else $XDG_CACHE_HOME/aotwheel (~/.cache/aotwheel)."""
    configured = os.environ.get("AOTWHEEL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "aotwheel"


def dotnet_command() -> list[str]:
    return [dotnet_executable()]


def dotnet_environment() -> dict[str, str]:
    """The environment for SDK commands: quiet, no telemetry, no first-run banner."""
    env = dict(os.environ)
    env.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    env.setdefault("DOTNET_NOLOGO", "1")
    env.setdefault("DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1")
    return env


@dataclass(frozen=True)
class SdkInfo:
    version: str  # e.g. "10.0.401"
    path: Path  # the SDK folder, holding Microsoft.NETCoreSdk.BundledVersions.props
    bundled_runtime: str  # e.g. "10.0.12"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def framework(self) -> str:
        """The target framework moniker of the SDK's own runtime, e.g. `net10.0`."""
        return f"net{self.major}.0"


@functools.lru_cache(maxsize=None)
def sdk_info() -> SdkInfo:
    result = subprocess.run(
        [dotnet_executable(), "--list-sdks"], capture_output=True, text=True, env=dotnet_environment()
    )
    version_result = subprocess.run(
        [dotnet_executable(), "--version"], capture_output=True, text=True, env=dotnet_environment()
    )
    version = version_result.stdout.strip()
    if version_result.returncode != 0 or not version:
        raise AotWheelError(f"`dotnet --version` failed; {INSTALL_HINT}:\n{version_result.stderr.strip()}")
    folder = None
    for line in result.stdout.splitlines():
        match = re.match(r"(\S+) \[(.+)\]", line.strip())
        if match and match.group(1) == version:
            folder = Path(match.group(2)) / version
    if folder is None:
        raise AotWheelError(f"`dotnet --list-sdks` does not list the active SDK {version}")
    props = folder / "Microsoft.NETCoreSdk.BundledVersions.props"
    bundled = re.search(
        r"<BundledNETCoreAppPackageVersion>([^<]+)<", props.read_text(encoding="utf-8") if props.is_file() else ""
    )
    return SdkInfo(version, folder, bundled.group(1) if bundled else "")


def native_linker() -> str | None:
    """The linker NativeAOT will use on Unix: clang, else gcc (as the ILCompiler targets choose)."""
    for name in ("clang", "gcc"):
        if shutil.which(name):
            return name
    return None


ZIG_ENV = "AOTWHEEL_ZIG"
ZIG_INSTALL_HINT = (
    "install zig: `pip install ziglang` (the zig maturin uses), or put a `zig` (0.11 or later) on PATH, "
    f"or name one in ${ZIG_ENV}"
)


@dataclass(frozen=True)
class Zig:
    """A zig found to link with: how to run it, its version, and where it was found."""

    command: tuple[str, ...]  # e.g. ("/usr/bin/python3", "-m", "ziglang") or ("/usr/local/bin/zig",)
    version: str
    source: str  # "$AOTWHEEL_ZIG", "the ziglang package" or "PATH"

    def describe(self) -> str:
        return f"zig {self.version} ({' '.join(self.command)}, from {self.source})"


@functools.lru_cache(maxsize=None)
def find_zig() -> Zig | None:
    """The zig to link with: $AOTWHEEL_ZIG when set (an explicit choice wins), else the `ziglang`
    package of this Python (as maturin finds it), else `zig` on PATH."""
    explicit = os.environ.get(ZIG_ENV)
    if explicit:
        zig = _probe_zig((explicit,), f"${ZIG_ENV}")
        if zig is None:
            raise AotWheelError(f"${ZIG_ENV}={explicit!r} is not a zig that answers `zig version`")
        return zig
    import importlib.util
    import sys

    if importlib.util.find_spec("ziglang") is not None:
        zig = _probe_zig((sys.executable, "-m", "ziglang"), "the ziglang package")
        if zig is not None:
            return zig
    on_path = shutil.which("zig")
    return _probe_zig((on_path,), "PATH") if on_path else None


def _probe_zig(command: tuple[str, ...], source: str) -> Zig | None:
    try:
        result = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = result.stdout.strip()
    if result.returncode != 0 or not re.match(r"\d+\.\d+", version):
        return None
    return Zig(command, version, source)


def objcopy_for(machine: str) -> str | None:
    """An objcopy that reads *machine*'s ELF files: binutils' own only knows the host's."""
    import platform

    host = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    if machine == host and shutil.which("objcopy"):
        return "objcopy"
    return "llvm-objcopy" if shutil.which("llvm-objcopy") else None
