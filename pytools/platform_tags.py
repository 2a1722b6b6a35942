"""The wheel platform tag a native library earns, decided from the binary as auditwheel would."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .binary import NativeLibrary
from .errors import AotWheelError
from .targets import Target


@dataclass(frozen=True)
class PlatformTag:
    """A platform tag, the one-sentence reason for it, and anything the user should know."""

    tag: str  # e.g. "manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_34_x86_64", "linux_x86_64", "win_amd64", "macosx_11_0_arm64"
    reason: str
    warnings: tuple[str, ...] = ()


# Libraries a manylinux wheel may depend on without bundling them: the "lib_whitelist" of the
# manylinux policies in auditwheel (src/auditwheel/policy/manylinux-policy.json), which PEP 600
# defers to, as of manylinux2014 (manylinux_2_17). The dynamic loaders are added because
# auditwheel treats them as the ELF interpreter, not as a dependency; NativeAOT links to one.
MANYLINUX_ALLOWED_LIBRARIES: frozenset[str] = frozenset(
    {
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libatomic.so.1",
        "libm.so.6",
        "libanl.so.1",
        "libdl.so.2",
        "librt.so.1",
        "libc.so.6",
        "libnsl.so.1",
        "libutil.so.1",
        "libpthread.so.0",
        "libresolv.so.2",
        "libX11.so.6",
        "libXext.so.6",
        "libXrender.so.1",
        "libICE.so.6",
        "libSM.so.6",
        "libGL.so.1",
        "libgobject-2.0.so.0",
        "libgthread-2.0.so.0",
        "libglib-2.0.so.0",
        "libz.so.1",
        "libexpat.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "ld-linux.so.2",
        "ld-linux-armhf.so.3",
    }
)

# manylinux2014's glibc: the oldest floor aotwheel tags for (and the oldest glibc on aarch64).
MANYLINUX_GLIBC_FLOOR: tuple[int, int] = (2, 17)

_GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)*$")
_MUSL_PREFIXES = ("libc.musl-", "ld-musl-")

_WINDOWS_TAGS = {"amd64": "win_amd64", "arm64": "win_arm64", "x86": "win32"}

# Deployment target assumed when a Mach-O file names none: the first macOS with each architecture
# that .NET still supports.
_MACOS_DEFAULT_MINIMUM = {"arm64": (11, 0), "x86_64": (10, 13)}
_MACOS_SYSTEM_PREFIXES = ("/usr/lib/", "/System/")


def platform_tag_for(library: NativeLibrary) -> PlatformTag:
    """The platform tag for a wheel whose only native code is *library*."""
    if library.binary_format == "elf":
        return _linux_tag(library)
    if library.binary_format == "pe":
        return _windows_tag(library)
    if library.binary_format == "macho":
        return _macos_tag(library)
    raise AotWheelError(
        f"{library.path}: no platform tag for binary format {library.binary_format!r}"
    )


def check_machine(library: NativeLibrary, target: Target) -> None:
    """Raise unless *library* has the binary format and machine that *target* promises."""
    if (library.binary_format, library.machine) == (target.binary_format, target.machine):
        return
    found = _describe(library.binary_format, library.machine)
    expected = _describe(target.binary_format, target.machine)
    raise AotWheelError(
        f"{library.path} is {found}, but target {target.rid} needs {expected}; "
        f"was it built for a different runtime identifier?"
    )


def _describe(binary_format: str, machine: str) -> str:
    """'an ELF x86_64 library', 'a PE (Windows DLL) arm64 library', ..."""
    label = {"elf": "an ELF", "pe": "a PE (Windows DLL)", "macho": "a Mach-O"}.get(
        binary_format, f"a {binary_format}"
    )
    return f"{label} {machine} library"


# --- Linux ------------------------------------------------------------------------------------


def _linux_tag(library: NativeLibrary) -> PlatformTag:
    """manylinux_2_X_<arch> from the newest GLIBC_2.X required, or linux_<arch> when not allowed."""
    arch = library.machine
    name = library.path.name
    musl = [lib for lib in library.needed if lib.startswith(_MUSL_PREFIXES)]
    if musl:
        return PlatformTag(
            tag=f"linux_{arch}",
            reason=f"linked against musl ({musl[0]}), which manylinux does not cover",
            warnings=(
                f"{name} needs {musl[0]}: it is a musl (Alpine) build, tagged linux_{arch}, "
                f"which PyPI does not accept; build on a glibc distribution for a manylinux wheel",
            ),
        )
    foreign = [lib for lib in library.needed if lib not in MANYLINUX_ALLOWED_LIBRARIES]
    private = sorted(
        lib for lib, names in library.symbol_versions.items() if "GLIBC_PRIVATE" in names
    )
    if foreign or private:
        warnings = tuple(
            f"{name} needs {lib}, which is not on the manylinux allow-list; the wheel is tagged "
            f"linux_{arch}, which PyPI does not accept (bundle or remove the dependency)"
            for lib in foreign
        ) + tuple(
            f"{name} uses GLIBC_PRIVATE symbols from {lib}, which no manylinux policy allows; "
            f"the wheel is tagged linux_{arch}"
            for lib in private
        )
        offenders = ", ".join(foreign + [f"GLIBC_PRIVATE from {lib}" for lib in private])
        return PlatformTag(
            tag=f"linux_{arch}",
            reason=f"not manylinux-compatible: needs {offenders}, outside the manylinux policy",
            warnings=warnings,
        )
    return PlatformTag(tag=_manylinux_tag(library), reason=_manylinux_reason(library))


def _highest_glibc(library: NativeLibrary) -> tuple[tuple[int, int], str, str] | None:
    """((2, X), version name, library) of the newest GLIBC_2.X version required, or None."""
    best: tuple[tuple[int, int], str, str] | None = None
    for lib in sorted(library.symbol_versions):
        for version in library.symbol_versions[lib]:
            match = _GLIBC_VERSION.match(version)
            if match is None:
                continue
            key = (int(match[1]), int(match[2]))
            if best is None or key > best[0]:
                best = (key, version, lib)
    return best


def glibc_floor(library: NativeLibrary) -> tuple[int, int]:
    """The oldest glibc *library* loads on, never below the manylinux2014 floor."""
    highest = _highest_glibc(library)
    return max(highest[0], MANYLINUX_GLIBC_FLOOR) if highest else MANYLINUX_GLIBC_FLOOR


def _manylinux_tag(library: NativeLibrary) -> str:
    """manylinux_<major>_<minor>_<arch>; at the 2.17 floor also its legacy alias manylinux2014_<arch>,
    as a compressed tag set, because pip before 20.3 knows only the legacy spelling (PEP 600)."""
    major, minor = glibc_floor(library)
    tag = f"manylinux_{major}_{minor}_{library.machine}"
    if (major, minor) == MANYLINUX_GLIBC_FLOOR:
        tag += f".manylinux2014_{library.machine}"
    return tag


def _manylinux_reason(library: NativeLibrary) -> str:
    """One sentence on the glibc floor and the NEEDED libraries."""
    floor = "{}.{}".format(*MANYLINUX_GLIBC_FLOOR)
    highest = _highest_glibc(library)
    if highest is None:
        glibc = f"no glibc symbol versions required, so the manylinux2014 floor glibc {floor}"
    elif highest[0] < MANYLINUX_GLIBC_FLOOR:
        glibc = (
            f"highest glibc symbol version {highest[1]} (from {highest[2]}) is older than "
            f"the manylinux2014 floor, so glibc {floor}"
        )
    else:
        glibc = f"highest glibc symbol version {highest[1]} (from {highest[2]})"
    needed = (
        "NEEDED libraries all on the manylinux allow-list"
        if library.needed
        else "no NEEDED libraries"
    )
    return f"{glibc}; {needed}"


# --- Windows ----------------------------------------------------------------------------------


def _windows_tag(library: NativeLibrary) -> PlatformTag:
    """win_amd64 / win_arm64 / win32 from the PE machine."""
    tag = _WINDOWS_TAGS.get(library.machine)
    if tag is None:
        raise AotWheelError(
            f"{library.path} is a Windows DLL for machine {library.machine}, which has no wheel "
            f"platform tag aotwheel knows (expected amd64, arm64 or x86)"
        )
    return PlatformTag(tag=tag, reason=f"PE machine {library.machine.upper()}")


# --- macOS ------------------------------------------------------------------------------------


def _macos_tag(library: NativeLibrary) -> PlatformTag:
    """macosx_<major>_<minor>_<arch> from the deployment target; minor is 0 from macOS 11 on."""
    arch = library.machine
    if arch not in _MACOS_DEFAULT_MINIMUM:
        raise AotWheelError(
            f"{library.path} is a Mach-O library for {arch}, which has no macOS wheel tag "
            f"aotwheel knows (expected arm64 or x86_64)"
        )
    warnings: list[str] = []
    default = _MACOS_DEFAULT_MINIMUM[arch]
    if library.minimum_os is None:
        major, minor = default
        source = f"no deployment target in the binary, so the {arch} default {major}.{minor}"
    else:
        major, minor = _parse_macos_version(library)
        source = f"deployment target (minos) {library.minimum_os}"
        if (major, minor) < default and arch == "arm64":
            major, minor = default
            source += ", raised to 11.0, the first macOS on arm64"
    if major >= 11 and minor != 0:
        warnings.append(
            f"{library.path.name} needs macOS {library.minimum_os}, but wheel tags for macOS 11 "
            f"and later carry only the major version, so it is tagged macosx_{major}_0 and pip "
            f"will also install it on macOS {major}.0-{major}.{minor - 1}, where it will not load"
        )
        minor = 0
    for install_name in library.needed:
        if not install_name.startswith(_MACOS_SYSTEM_PREFIXES):
            warnings.append(
                f"{library.path.name} loads {install_name}, which is not part of macOS; "
                f"the wheel works only where that library is installed at that path"
            )
    return PlatformTag(
        tag=f"macosx_{major}_{minor}_{arch}", reason=source, warnings=tuple(warnings)
    )


def _parse_macos_version(library: NativeLibrary) -> tuple[int, int]:
    """(major, minor) of library.minimum_os ("11.0", "10.13.1")."""
    parts = (library.minimum_os or "").split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise AotWheelError(
            f"{library.path}: cannot read the macOS deployment target {library.minimum_os!r}"
        ) from None
    return major, minor
