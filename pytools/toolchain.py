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
