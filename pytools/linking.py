"""How a Linux library is linked: zig for a chosen glibc floor and for other architectures, or the
host linker (whose glibc becomes the floor).

NativeAOT hands linking to the C compiler named by `CppCompilerAndLinker`. aotwheel points it at a
small wrapper that runs `zig cc -target <arch>-linux-gnu.<floor>`, so the library binds only glibc
symbol versions up to the floor, whatever glibc the build machine has (as maturin's --zig does).
"""

from __future__ import annotations

import platform
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .atomic import script_named_by_content
from .errors import AotWheelError
from .targets import Target
from .toolchain import ZIG_INSTALL_HINT, Zig, find_zig, objcopy_for

HOST_LINKER = "host"
DEFAULT_FLOOR = (2, 17)  # manylinux2014: what old pips and every glibc cluster still in service accept
_FLOOR = re.compile(r"(?:manylinux_)?(\d+)[_.](\d+)")

# Arguments the ILCompiler targets pass to clang that zig 0.11's cc or linker refuse, or that must
# not reach it: zig picks its own target and linker.
_DROPPED_ARGUMENTS = (
    "-Wl,--discard-all", "-gz=zlib", "-Wl,-e,0x0", "-Wl,-e0x0", "-Wl,--build-id=sha1", "-Wl,--gc-sections"
)
# .NET 8 links the system zlib (`-lz`; .NET 9 and later link their own statically). zig searches no
# system folders, so for this machine's architecture it is shown this machine's libz.so.1 (on the
# manylinux allow-list); for another architecture there is none to show.
_LIBRARY_FOLDERS = ("/lib/{triple}", "/usr/lib/{triple}", "/lib64", "/usr/lib64", "/usr/lib")
_DROPPED_PREFIXES = ("--target=", "-fuse-ld=")


def parse_floor(value: str, where: str) -> tuple[int, int] | None:
    """`"2_17"` (or `2.17`, `manylinux_2_17`) -> (2, 17); `"host"` -> None (the host linker)."""
    if value == HOST_LINKER:
        return None
    match = _FLOOR.fullmatch(value.strip())
    if match is None or int(match[1]) != 2 or int(match[2]) < DEFAULT_FLOOR[1]:
        raise AotWheelError(
            f"{where}: {value!r} is not a manylinux glibc floor; use one like \"2_17\" (manylinux2014, "
            f"the oldest zig and NativeAOT support), \"2_28\", or \"{HOST_LINKER}\" for the host linker"
        )
    return int(match[1]), int(match[2])


def host_machine() -> str:
    """This machine's architecture, as Target.machine spells it."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


@dataclass(frozen=True)
class LinkPlan:
    """The linker one Linux target is built with. zig is None for the host linker."""

    target: Target
    zig: Zig | None
    floor: tuple[int, int] | None  # the glibc floor zig links against; None with the host linker
    chosen: bool  # False when the host linker was a fallback the user did not ask for

    @property
    def zig_target(self) -> str:
        assert self.floor is not None
        return f"{self.target.machine}-linux-gnu.{self.floor[0]}.{self.floor[1]}"

    def describe(self) -> str:
        if self.zig is None:
            return "the host linker"
        return f"{self.zig.describe()}, target {self.zig_target}"

    def msbuild_properties(self, build_root: Path, strip_symbols: bool) -> dict[str, str]:
        """`CppCompilerAndLinker` (the zig wrapper) and, across architectures, an objcopy that reads the target's files."""
        if self.zig is None:
            return {}
        properties = {"CppCompilerAndLinker": str(self._write_wrapper(build_root, self._system_libraries(build_root)))}
        if strip_symbols and self.target.machine != host_machine():
            objcopy = objcopy_for(self.target.machine)
            if objcopy is None:
                raise AotWheelError(
                    f"stripping a {self.target.machine} library needs llvm-objcopy (binutils' objcopy reads only "
                    f"this machine's architecture): apt-get install llvm, or set [tool.aotwheel] strip-symbols = false"
                )
            properties["ObjCopyName"] = objcopy
        return properties

    def _system_libraries(self, build_root: Path) -> Path | None:
        """A folder holding `libz.so` -> this machine's libz.so.1, when linking for this machine's architecture."""
        if self.target.machine != host_machine():
            return None
        for folder in _LIBRARY_FOLDERS:
            libz = Path(folder.format(triple=f"{host_machine()}-linux-gnu")) / "libz.so.1"
            if libz.is_file():
                links = build_root.resolve() / "zig" / "system-libraries"
                links.mkdir(parents=True, exist_ok=True)
                link = links / "libz.so"
                if not link.is_symlink() or link.resolve() != libz.resolve():
                    link.unlink(missing_ok=True)
                    link.symlink_to(libz)
                return links
        return None

    def _write_wrapper(self, build_root: Path, library_folder: Path | None) -> Path:
        assert self.zig is not None
        # A different zig or floor: another name, so another publish command.
        return script_named_by_content(build_root / "zig", f"cc-{self.zig_target}",
                                       _wrapper_script(self.zig, self.zig_target, library_folder))


def _wrapper_script(zig: Zig, zig_target: str, library_folder: Path | None) -> str:
    search = f" -L{shlex.quote(str(library_folder))}" if library_folder else ""
    dropped = " | ".join(_DROPPED_ARGUMENTS + tuple(f"{p}*" for p in _DROPPED_PREFIXES))
    return f"""#!/bin/sh
# Written by aotwheel: NativeAOT's compiler and linker, as zig cc for {zig_target}.
# Drops the arguments zig refuses and keeps every section: with --gc-sections lld drops the
# __modules section NativeAOT's startup finds through __start___modules, and dlopen fails.
for argument; do
  shift
  case "$argument" in
    {dropped}) ;;
    *) set -- "$@" "$argument" ;;
  esac
done
exec {' '.join(shlex.quote(part) for part in zig.command)} cc -target {zig_target} "$@" -Wl,--no-gc-sections{search}
"""


def plan_link(target: Target, requested: str | None, where: str = "--manylinux") -> LinkPlan | None:
    """The linker for *target* given the requested floor (`"2_17"`, `"host"`, or None for the default:
    2_17 with a zig, else the host linker). None for non-Linux targets, which link with the SDK's own choice."""
    floor = parse_floor(requested, where) if requested is not None else None
    if target.os != "linux":
        if requested is not None:
            raise AotWheelError(f"{where} {requested}: a glibc floor applies to Linux targets only, not {target.rid}")
        return None
    cross = target.machine != host_machine()
    if requested == HOST_LINKER:
        if cross:
            raise AotWheelError(
                f"cannot build {target.rid} with the host linker on this {host_machine()} machine: "
                f"linking for another architecture needs zig ({ZIG_INSTALL_HINT})"
            )
        return LinkPlan(target, None, None, chosen=True)
    zig = find_zig()
    if zig is None:
        if requested is not None:
            raise AotWheelError(f"{where} {requested} needs zig to link against an older glibc: {ZIG_INSTALL_HINT}")
        if cross:
            raise AotWheelError(
                f"building {target.rid} on this {host_machine()} machine needs zig to link for "
                f"{target.machine}: {ZIG_INSTALL_HINT}"
            )
        return LinkPlan(target, None, None, chosen=False)
    return LinkPlan(target, zig, floor or DEFAULT_FLOOR, chosen=True)
