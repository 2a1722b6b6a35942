"""Read what aotwheel needs from a native shared library: format, machine, exports, dependencies.

ELF is read with pyelftools, PE with pefile, and Mach-O (64-bit little-endian thin files) with the
small load-command parser below. Every problem with the file surfaces as an AotWheelError naming it.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pefile
from elftools.common.exceptions import ELFError
from elftools.construct import ConstructError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from .errors import AotWheelError


@dataclass(frozen=True)
class NativeLibrary:
    """The facts about one shared library that decide its bindings and its wheel tag."""

    path: Path
    binary_format: str  # "elf" | "pe" | "macho"
    # Platform-tag spelling: x86_64/aarch64 (ELF), amd64/arm64/x86 (PE), x86_64/arm64 (Mach-O).
    machine: str
    # Exported function symbols, without ELF @version suffixes or the Mach-O leading "_".
    exported_functions: frozenset[str]
    # DT_NEEDED / imported DLLs / LC_LOAD_DYLIB install names, in file order.
    needed: tuple[str, ...]
    # ELF: needed file name -> version names required from it (left out of the hash: a dict)
    symbol_versions: dict[str, frozenset[str]] = field(hash=False)
    minimum_os: str | None  # Mach-O: the macOS deployment target ("11.0"); None for ELF and PE
    size: int  # bytes on disk


class _Malformed(Exception):
    """Internal: the file's structure is inconsistent; becomes an AotWheelError naming the file."""


_FORMAT_LABELS = {"elf": "an ELF", "pe": "a PE (Windows DLL)", "macho": "a Mach-O"}

# Exceptions the third-party parsers raise on damaged input; read_native_library converts them.
_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    _Malformed,
    ELFError,
    ConstructError,
    pefile.PEFormatError,
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    EOFError,
    OverflowError,
    UnicodeDecodeError,
)
# pyelftools dereferences headers it failed to read and follows sh_link cycles, so damaged ELF
# files also raise these.
_ELF_INTERNAL_ERRORS: tuple[type[BaseException], ...] = (TypeError, AttributeError, RecursionError)


def read_native_library(path: Path) -> NativeLibrary:
    """Read *path* (an ELF .so, a PE .dll or a Mach-O .dylib, told apart by magic bytes)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AotWheelError(f"cannot read native library {path}: {exc.strerror or exc}") from None
    binary_format = _detect_format(path, data)
    readers: dict[str, Callable[[Path, bytes], NativeLibrary]] = {
        "elf": _read_elf,
        "pe": _read_pe,
        "macho": _read_macho,
    }
    caught = _PARSE_ERRORS + (_ELF_INTERNAL_ERRORS if binary_format == "elf" else ())
    try:
        return readers[binary_format](path, data)
    except AotWheelError:
        raise
    except caught as exc:
        label = _FORMAT_LABELS[binary_format]
        detail = str(exc) or type(exc).__name__
        raise AotWheelError(
            f"{path} looks like {label} file but is truncated or malformed ({detail})"
        ) from None


# --- format detection -------------------------------------------------------------------------


def _detect_format(path: Path, data: bytes) -> str:
    """Return "elf", "pe" or "macho" from the magic bytes, or raise for anything else."""
    if not data:
        raise AotWheelError(f"{path} is empty, not a native library")
    magic = data[:4]
    if magic == b"\x7fELF":
        return "elf"
    if data[:2] == b"MZ":
        return "pe"
    if magic == b"\xcf\xfa\xed\xfe":
        return "macho"
    if magic == b"\xce\xfa\xed\xfe" or magic in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
        raise AotWheelError(
            f"{path} is a 32-bit or big-endian Mach-O file; only 64-bit little-endian "
            f"(x86_64, arm64) dylibs are supported"
        )
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf") and len(data) >= 8:
        if struct.unpack_from(">I", data, 4)[0] < 64:  # Java class files share the magic
            raise AotWheelError(
                f"{path} is a universal (fat) Mach-O file; aotwheel reads thin dylibs only. "
                f"Extract one architecture first, e.g. "
                f"`lipo {path.name} -thin arm64 -output <file>`"
            )
    raise AotWheelError(
        f"{path} is not a native library: its first bytes {data[:4].hex(' ')} are not an ELF, "
        f"PE or Mach-O header"
    )


# --- ELF --------------------------------------------------------------------------------------

_ELF_MACHINES = {
    "EM_X86_64": "x86_64",
    "EM_AARCH64": "aarch64",
    "EM_386": "i686",
    "EM_ARM": "armv7l",
    "EM_RISCV": "riscv64",
    "EM_S390": "s390x",
}

_ELF_FUNCTION_TYPES = ("STT_FUNC", "STT_GNU_IFUNC")
_ELF_EXPORT_BINDINGS = ("STB_GLOBAL", "STB_WEAK")
_SECTION_BOUNDS = ("__start_", "__stop_")
_ELF_EXPORT_VISIBILITIES = ("STV_DEFAULT", "STV_PROTECTED")


def _read_elf(path: Path, data: bytes) -> NativeLibrary:
    """Read an ELF shared object."""
    elf = ELFFile(io.BytesIO(data))
    _check_elf_bounds(path, elf, len(data))
    if elf["e_type"] != "ET_DYN":
        raise AotWheelError(
            f"{path} is an ELF file of type {elf['e_type']}, not a shared library (ET_DYN)"
        )
    if elf.num_sections() == 0:
        raise AotWheelError(
            f"{path} has no ELF section headers (stripped with sstrip?); aotwheel needs "
            f".dynsym and .gnu.version_r to read exports and glibc versions"
        )
    return NativeLibrary(
        path=path,
        binary_format="elf",
        machine=_elf_machine(elf),
        exported_functions=frozenset(_elf_exported_functions(elf)),
        needed=tuple(_elf_needed(elf)),
        symbol_versions=_elf_symbol_versions(elf),
        minimum_os=None,
        size=len(data),
    )


def _check_elf_bounds(path: Path, elf: ELFFile, size: int) -> None:
    """Raise if section or segment contents reach past the end of the file."""
    header_end = elf["e_shoff"] + elf["e_shnum"] * elf["e_shentsize"]
    if elf["e_shnum"] and header_end > size:
        raise AotWheelError(f"{path} is truncated: its ELF section headers end past the file")
    for segment in elf.iter_segments():
        if segment["p_offset"] + segment["p_filesz"] > size:
            raise AotWheelError(f"{path} is truncated: an ELF segment ends past the file")
    for section in elf.iter_sections():
        if section["sh_type"] != "SHT_NOBITS" and section["sh_offset"] + section["sh_size"] > size:
            raise AotWheelError(
                f"{path} is truncated: ELF section {section.name!r} ends past the file"
            )


def _elf_machine(elf: ELFFile) -> str:
    """The platform-tag spelling of the ELF e_machine."""
    machine = elf["e_machine"]
    if machine == "EM_PPC64":
        return "ppc64le" if elf.little_endian else "ppc64"
    if machine in _ELF_MACHINES:
        return _ELF_MACHINES[machine]
    return str(machine).lower().removeprefix("em_")


def _elf_exported_functions(elf: ELFFile) -> Iterator[str]:
    """Defined, global or weak, default or protected visibility function symbols of .dynsym.

    .NET 8's compiler writes its exports untyped (`NOTYPE GLOBAL add@@V1.0`, size 0), so an untyped
    symbol counts as a function when it is defined in an executable section. Data symbols (the
    runtime's descriptors) are typed OBJECT or live in data sections; the untyped `__start_X`/`__stop_X`
    bounds a linker defines for each section X (lld exports them when zig links) are no functions."""
    executable = {
        index for index, section in enumerate(elf.iter_sections()) if section["sh_flags"] & SH_FLAGS.SHF_EXECINSTR
    }
    for section in elf.iter_sections():
        if section["sh_type"] != "SHT_DYNSYM":
            continue
        for symbol in section.iter_symbols():
            entry = symbol.entry
            kind = entry["st_info"]["type"]
            if (
                symbol.name
                and (kind in _ELF_FUNCTION_TYPES or (kind == "STT_NOTYPE" and entry["st_shndx"] in executable
                                                     and not symbol.name.startswith(_SECTION_BOUNDS)))
                and entry["st_info"]["bind"] in _ELF_EXPORT_BINDINGS
                and entry["st_other"]["visibility"] in _ELF_EXPORT_VISIBILITIES
                and entry["st_shndx"] != "SHN_UNDEF"
            ):
                yield symbol.name.split("@", 1)[0]


def _elf_needed(elf: ELFFile) -> Iterator[str]:
    """DT_NEEDED entries in file order."""
    for section in elf.iter_sections():
        if section["sh_type"] == "SHT_DYNAMIC":
            for tag in section.iter_tags("DT_NEEDED"):
                yield tag.needed


def _elf_symbol_versions(elf: ELFFile) -> dict[str, frozenset[str]]:
    """For each library named in .gnu.version_r, the version names required from it."""
    versions: dict[str, set[str]] = {}
    for section in elf.iter_sections():
        if section["sh_type"] != "SHT_GNU_verneed":
            continue
        # Every entry takes 16 bytes; a damaged count must not make the loop run for minutes.
        budget = section["sh_size"] // 16
        for verneed, auxiliaries in section.iter_versions():
            names = versions.setdefault(verneed.name, set())
            budget -= 1 + verneed["vn_cnt"]
            if budget < 0:
                raise _Malformed(".gnu.version_r counts more entries than it holds")
            names.update(aux.name for aux in auxiliaries)
    return {library: frozenset(names) for library, names in versions.items()}


# --- PE ---------------------------------------------------------------------------------------

_PE_MACHINES = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "x86"}
_IMAGE_FILE_DLL = 0x2000
_IMAGE_SCN_MEM_EXECUTE = 0x20000000


def _read_pe(path: Path, data: bytes) -> NativeLibrary:
    """Read a PE DLL."""
    pe = pefile.PE(data=data, fast_load=True)
    try:
        _check_pe_bounds(path, pe, data)
        if not pe.FILE_HEADER.Characteristics & _IMAGE_FILE_DLL:
            raise AotWheelError(f"{path} is a Windows executable (.exe), not a DLL")
        pe.parse_data_directories(
            directories=[
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
                pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
            ]
        )
        code = pe.FILE_HEADER.Machine
        return NativeLibrary(
            path=path,
            binary_format="pe",
            machine=_PE_MACHINES.get(code, f"pe-machine-{code:#06x}"),
            exported_functions=frozenset(_pe_exported_functions(pe)),
            needed=_pe_imported_dlls(pe),
            symbol_versions={},
            minimum_os=None,
            size=len(data),
        )
    finally:
        pe.close()


def _check_pe_bounds(path: Path, pe: pefile.PE, data: bytes) -> None:
    """Raise if sections, the COFF symbol table or the certificate table reach past the file."""
    for section in pe.sections:
        if section.PointerToRawData + section.SizeOfRawData > len(data):
            name = section.Name.rstrip(b"\0").decode("ascii", "replace")
            raise AotWheelError(f"{path} is truncated: PE section {name!r} ends past the file")
    symbols_at = pe.FILE_HEADER.PointerToSymbolTable
    if symbols_at:  # MinGW keeps a COFF symbol table and its string table after the sections
        strings_at = symbols_at + 18 * pe.FILE_HEADER.NumberOfSymbols
        if strings_at + 4 > len(data) or strings_at + _u32(data, strings_at) > len(data):
            raise AotWheelError(f"{path} is truncated: its COFF symbol table ends past the file")
    directories = pe.OPTIONAL_HEADER.DATA_DIRECTORY
    security = pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_SECURITY"]
    if len(directories) > security:  # the certificate table is addressed by file offset
        certificates = directories[security]
        if certificates.Size and certificates.VirtualAddress + certificates.Size > len(data):
            raise AotWheelError(f"{path} is truncated: its signature ends past the file")


def _u32(data: bytes, offset: int) -> int:
    """The little-endian uint32 at *offset*."""
    return int(struct.unpack_from("<I", data, offset)[0])


def _pe_exported_functions(pe: pefile.PE) -> Iterator[str]:
    """Named, non-forwarded exports, minus those pointing into non-executable sections (data)."""
    directory = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    if directory is None:
        return
    for export in directory.symbols:
        if export.name is None or export.forwarder is not None:
            continue
        section = pe.get_section_by_rva(export.address)
        if section is not None and not section.Characteristics & _IMAGE_SCN_MEM_EXECUTE:
            continue
        yield export.name.decode("utf-8")


def _pe_imported_dlls(pe: pefile.PE) -> tuple[str, ...]:
    """DLL names from the import and delay-import directories, first occurrence kept."""
    names: dict[str, None] = {}
    for attribute in ("DIRECTORY_ENTRY_IMPORT", "DIRECTORY_ENTRY_DELAY_IMPORT"):
        for entry in getattr(pe, attribute, ()):
            names.setdefault(entry.dll.decode("utf-8"), None)
    return tuple(names)


# --- Mach-O -----------------------------------------------------------------------------------

_MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
_MH_DYLIB, _MH_BUNDLE = 6, 8

_LC_SYMTAB = 0x2
_LC_SEGMENT_64 = 0x19
_LC_LOAD_DYLIB = 0xC
_LC_VERSION_MIN_MACOSX = 0x24
_LC_BUILD_VERSION = 0x32
_LC_DYLD_INFO = 0x22
_LC_DYLD_INFO_ONLY = 0x80000022
_LC_DYLD_EXPORTS_TRIE = 0x80000033
_LC_DYLIB_LOADS = {
    _LC_LOAD_DYLIB,
    0x80000018,  # LC_LOAD_WEAK_DYLIB
    0x8000001F,  # LC_REEXPORT_DYLIB
    0x20,  # LC_LAZY_LOAD_DYLIB
    0x80000023,  # LC_LOAD_UPWARD_DYLIB
}

_PLATFORM_MACOS = 1
_PLATFORM_NAMES = {2: "iOS", 3: "tvOS", 4: "watchOS", 6: "Mac Catalyst", 7: "iOS simulator"}

_VM_PROT_EXECUTE = 0x4
_EXPORT_KIND_MASK, _EXPORT_KIND_REGULAR = 0x3, 0x0
_EXPORT_REEXPORT = 0x08
_EXPORT_STUB_AND_RESOLVER = 0x10


@dataclass(frozen=True)
class _Segment:
    vmaddr: int
    vmsize: int
    fileoff: int
    executable: bool


@dataclass
class _MachOCommands:
    """What the load commands say, gathered in one pass."""

    segments: list[_Segment] = field(default_factory=list)
    section_segments: list[_Segment] = field(default_factory=list)  # n_sect - 1 -> its segment
    needed: list[str] = field(default_factory=list)
    build_versions: list[tuple[int, int]] = field(default_factory=list)  # (platform, minos)
    export_trie: tuple[int, int] | None = None  # (file offset, size)
    symtab: tuple[int, int, int, int] | None = None  # (symoff, nsyms, stroff, strsize)
    version_min_macosx: int | None = None


def _read_macho(path: Path, data: bytes) -> NativeLibrary:
    """Read a 64-bit little-endian thin Mach-O dylib."""
    if len(data) < 32:
        raise AotWheelError(f"{path} is truncated: shorter than a Mach-O header")
    _, cputype, _, filetype, ncmds, sizeofcmds, _, _ = struct.unpack_from("<8I", data, 0)
    if filetype not in (_MH_DYLIB, _MH_BUNDLE):
        raise AotWheelError(
            f"{path} is a Mach-O file of type {filetype}, not a dynamic library (MH_DYLIB)"
        )
    if 32 + sizeofcmds > len(data):
        raise AotWheelError(f"{path} is truncated: its Mach-O load commands end past the file")
    commands = _macho_load_commands(path, data, ncmds, 32 + sizeofcmds)
    return NativeLibrary(
        path=path,
        binary_format="macho",
        machine=_MACHO_CPUS.get(cputype, f"macho-cpu-{cputype:#x}"),
        exported_functions=frozenset(_macho_exported_functions(data, commands)),
        needed=tuple(commands.needed),
        symbol_versions={},
        minimum_os=_macho_minimum_os(path, commands),
        size=len(data),
    )


def _macho_load_commands(path: Path, data: bytes, ncmds: int, end: int) -> _MachOCommands:
    """Walk the load commands and keep the ones aotwheel reads."""
    found = _MachOCommands()
    offset = 32
    for _ in range(ncmds):
        if offset + 8 > end:
            raise _Malformed("load commands overrun sizeofcmds")
        cmd, cmdsize = struct.unpack_from("<2I", data, offset)
        if cmdsize < 8 or offset + cmdsize > end:
            raise _Malformed(f"load command {cmd:#x} has bad size {cmdsize}")
        body = data[offset : offset + cmdsize]
        if cmd == _LC_SEGMENT_64:
            _macho_segment(path, body, len(data), found)
        elif cmd == _LC_SYMTAB:
            symoff, nsyms, stroff, strsize = struct.unpack_from("<4I", body, 8)
            found.symtab = (symoff, nsyms, stroff, strsize)
        elif cmd in (_LC_DYLD_INFO, _LC_DYLD_INFO_ONLY):
            export_off, export_size = struct.unpack_from("<2I", body, 40)
            if export_size:
                found.export_trie = (export_off, export_size)
        elif cmd == _LC_DYLD_EXPORTS_TRIE:
            export_off, export_size = struct.unpack_from("<2I", body, 8)
            found.export_trie = (export_off, export_size)
        elif cmd in _LC_DYLIB_LOADS:
            (name_offset,) = struct.unpack_from("<I", body, 8)
            found.needed.append(_c_string(body, name_offset))
        elif cmd == _LC_BUILD_VERSION:
            platform, minos = struct.unpack_from("<2I", body, 8)
            found.build_versions.append((platform, minos))
        elif cmd == _LC_VERSION_MIN_MACOSX:
            (found.version_min_macosx,) = struct.unpack_from("<I", body, 8)
        offset += cmdsize
    return found


def _macho_segment(path: Path, body: bytes, file_size: int, found: _MachOCommands) -> None:
    """Record one LC_SEGMENT_64 and the segment of each of its sections."""
    vmaddr, vmsize, fileoff, filesize, _, initprot, nsects, _ = struct.unpack_from(
        "<4Q4I", body, 24
    )
    if fileoff + filesize > file_size:
        name = body[8:24].rstrip(b"\0").decode("ascii", "replace")
        raise AotWheelError(f"{path} is truncated: Mach-O segment {name} ends past the file")
    segment = _Segment(vmaddr, vmsize, fileoff, bool(initprot & _VM_PROT_EXECUTE))
    if 72 + 80 * nsects > len(body):
        raise _Malformed("segment command too small for its sections")
    found.segments.append(segment)
    found.section_segments.extend([segment] * nsects)


def _macho_exported_functions(data: bytes, commands: _MachOCommands) -> Iterator[str]:
    """Exported names from the export trie, or else from the symbol table, minus known data."""
    if commands.export_trie is not None:
        offset, size = commands.export_trie
        if offset + size > len(data):
            raise _Malformed("export trie ends past the file")
        base = next((s.vmaddr for s in commands.segments if s.fileoff == 0 and s.vmsize), 0)
        for name, address in _walk_export_trie(data[offset : offset + size]):
            if address is None or _macho_is_code(commands.segments, base + address):
                yield _strip_underscore(name)
    elif commands.symtab is not None:
        yield from _macho_symtab_exports(data, commands)


def _walk_export_trie(trie: bytes) -> Iterator[tuple[str, int | None]]:
    """Yield (symbol, image offset) for regular exports; image offset None for resolver stubs."""
    pending: list[tuple[int, bytes]] = [(0, b"")]
    visited: set[int] = set()
    while pending:
        node, prefix = pending.pop()
        if node in visited or node >= len(trie):
            raise _Malformed("export trie has a loop or an edge past its end")
        visited.add(node)
        terminal_size, position = _uleb128(trie, node)
        children_at = position + terminal_size
        if terminal_size:
            flags, position = _uleb128(trie, position)
            kind = flags & _EXPORT_KIND_MASK
            if not flags & _EXPORT_REEXPORT and kind == _EXPORT_KIND_REGULAR:
                address, position = _uleb128(trie, position)
                stub = bool(flags & _EXPORT_STUB_AND_RESOLVER)
                yield prefix.decode("utf-8"), None if stub else address
        if children_at >= len(trie):
            raise _Malformed("export trie node runs past its end")
        count = trie[children_at]
        position = children_at + 1
        for _ in range(count):
            end = trie.index(b"\0", position)
            edge = trie[position:end]
            child, position = _uleb128(trie, end + 1)
            pending.append((child, prefix + edge))


def _macho_symtab_exports(data: bytes, commands: _MachOCommands) -> Iterator[str]:
    """External, defined, non-private-extern section symbols of LC_SYMTAB."""
    symoff, nsyms, stroff, strsize = commands.symtab or (0, 0, 0, 0)
    if symoff + 16 * nsyms > len(data) or stroff + strsize > len(data):
        raise _Malformed("symbol table ends past the file")
    strings = data[stroff : stroff + strsize]
    for index in range(nsyms):
        strx, n_type, n_sect, _, _ = struct.unpack_from("<IBBHQ", data, symoff + 16 * index)
        is_stab, is_private = n_type & 0xE0, n_type & 0x10
        is_external, is_section = n_type & 0x01, (n_type & 0x0E) == 0x0E
        if is_stab or is_private or not is_external or not is_section:
            continue
        if 0 < n_sect <= len(commands.section_segments):
            if not commands.section_segments[n_sect - 1].executable:
                continue
        yield _strip_underscore(_c_string(strings, strx))


def _macho_is_code(segments: list[_Segment], address: int) -> bool:
    """False only when *address* lies in a known segment that is not executable (data)."""
    for segment in segments:
        if segment.vmaddr <= address < segment.vmaddr + segment.vmsize:
            return segment.executable
    return True


def _macho_minimum_os(path: Path, commands: _MachOCommands) -> str | None:
    """The macOS deployment target from LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX."""
    builds = commands.build_versions
    for platform, minos in builds:
        if platform == _PLATFORM_MACOS:
            return _macho_version(minos)
    if builds:
        names = ", ".join(_PLATFORM_NAMES.get(p, f"platform {p}") for p, _ in builds)
        raise AotWheelError(f"{path} is built for {names}, not macOS")
    if commands.version_min_macosx is not None:
        return _macho_version(commands.version_min_macosx)
    return None


def _macho_version(encoded: int) -> str:
    """Decode the xxxx.yy.zz nibble encoding: 0x000B0000 -> "11.0", 0x000A0D01 -> "10.13.1"."""
    major, minor, patch = encoded >> 16, (encoded >> 8) & 0xFF, encoded & 0xFF
    return f"{major}.{minor}.{patch}" if patch else f"{major}.{minor}"


def _uleb128(data: bytes, position: int) -> tuple[int, int]:
    """Decode an unsigned LEB128 at *position*; return (value, next position)."""
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise _Malformed("bad ULEB128 number")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position


def _c_string(data: bytes, offset: int) -> str:
    """The NUL-terminated UTF-8 string starting at *offset*."""
    if offset >= len(data):
        raise _Malformed("string offset past its table")
    end = data.find(b"\0", offset)
    return data[offset : end if end >= 0 else len(data)].decode("utf-8")


def _strip_underscore(name: str) -> str:
    """Drop the leading underscore the Mach-O C ABI adds to every symbol."""
    return name[1:] if name.startswith("_") else name
