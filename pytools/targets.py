"""Runtime identifiers (RIDs) aotwheel can build for, and what each implies for the binary and the wheel."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

from .errors import AotWheelError


@dataclass(frozen=True)
class Target:
    """One .NET runtime identifier and the native facts that follow from it."""

    rid: str
    os: str  # "linux" | "windows" | "macos"
    binary_format: str  # "elf" | "pe" | "macho"
    machine: str  # the architecture as the platform tag spells it: x86_64, aarch64, amd64, arm64
    library_suffix: str

    def library_name(self, stem: str) -> str:
        """File name of the native library NativeAOT writes for an assembly called *stem*."""
        return stem + self.library_suffix


TARGETS: dict[str, Target] = {
    t.rid: t
    for t in (
        Target("linux-x64", "linux", "elf", "x86_64", ".so"),
        Target("linux-arm64", "linux", "elf", "aarch64", ".so"),
        Target("win-x64", "windows", "pe", "amd64", ".dll"),
        Target("win-arm64", "windows", "pe", "arm64", ".dll"),
        Target("osx-x64", "macos", "macho", "x86_64", ".dylib"),
        Target("osx-arm64", "macos", "macho", "arm64", ".dylib"),
    )
}


def target_for(rid: str) -> Target:
    """The target for *rid*, or an error listing the supported ones."""
    try:
        return TARGETS[rid]
    except KeyError:
        raise AotWheelError(
            f"unsupported runtime identifier {rid!r}; supported: {', '.join(TARGETS)}"
        ) from None


def host_os() -> str:
    """The OS this process runs on, in the vocabulary of Target.os."""
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    raise AotWheelError(f"aotwheel does not know how to build on {sys.platform!r}")


def host_rid() -> str:
    """The RID matching this machine, the default build target."""
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if arch is None:
        raise AotWheelError(f"aotwheel does not know the architecture {machine!r}")
    prefix = {"linux": "linux", "windows": "win", "macos": "osx"}[host_os()]
    return f"{prefix}-{arch}"


def check_buildable_here(target: Target) -> None:
    """Refuse, before any compiling, a target of another OS, except a Windows one on Linux (linked
    with lld-link: windows.py checks the tools)."""
    here = host_os()
    if target.os != here and not (target.os == "windows" and here == "linux"):
        raise AotWheelError(
            f"cannot build {target.rid} on {here}: NativeAOT does not compile across operating "
            f"systems (aotwheel links Windows DLLs on Linux, nothing else). Build {target.rid} wheels on a "
            f"{target.os} machine, for example with the CI workflow from `aotwheel generate-ci github`."
        )
