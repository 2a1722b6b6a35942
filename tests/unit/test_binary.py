"""read_native_library on real ELF, PE and Mach-O files built by the tests, and on damaged files."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from aotwheel.binary import read_native_library
from aotwheel.errors import AotWheelError

try:
    from . import native_fixtures as nf
except ImportError:  # tests/unit is not a package: pytest put its folder on sys.path
    import native_fixtures as nf


# --- ELF --------------------------------------------------------------------------------------


def test_elf_exports_are_defined_visible_functions_only():
    library = read_native_library(nf.elf_exports())
    # counter/table are data, secret is hidden, local_only is static: none are exported functions.
    expected = {"answer", "measure", "grab", "maybe", "guarded", "use_local"}
    assert library.exported_functions == expected


def test_elf_untyped_symbols_in_code_are_exports_like_net8s():
    library = read_native_library(nf.elf_untyped_exports())
    assert library.exported_functions == {"untyped_export", "typed"}


def test_elf_basic_facts():
    path = nf.elf_exports()
    library = read_native_library(path)
    assert library.path == path
    assert library.binary_format == "elf"
    assert library.machine == nf.HOST_ELF_MACHINE
    assert library.size == path.stat().st_size
    assert library.minimum_os is None
    assert library.needed == ("libc.so.6",)


def test_elf_old_glibc_versions():
    versions = read_native_library(nf.elf_exports()).symbol_versions
    assert set(versions) == {"libc.so.6"}
    if nf.HOST_ELF_MACHINE == "x86_64":
        assert versions["libc.so.6"] == {"GLIBC_2.2.5"}


def test_elf_newer_glibc_versions_are_listed():
    versions = read_native_library(nf.elf_glibc_2_26()).symbol_versions
    assert {"GLIBC_2.25", "GLIBC_2.26"} <= versions["libc.so.6"]
    assert read_native_library(nf.elf_glibc_2_34()).symbol_versions["libc.so.6"] >= {"GLIBC_2.34"}


def test_elf_needed_keeps_link_order():
    library = read_native_library(nf.elf_uses_helper())
    assert library.needed == ("libhelper.so", "libc.so.6")
    assert library.exported_functions == {"doubled", "make"}


def test_elf_version_script_suffix_and_version_symbol_dropped():
    library = read_native_library(nf.elf_versioned_exports())
    # readelf shows answer@@V1.0 and an ABS OBJECT symbol V1.0, as in NativeAOT output.
    assert library.exported_functions == {"answer"}


def test_elf_executable_is_rejected():
    path = nf.elf_executable()
    with pytest.raises(AotWheelError, match="not a shared library") as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)


# --- PE ---------------------------------------------------------------------------------------


def test_pe_x64_exports_imports_machine():
    path = nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64")
    library = read_native_library(path)
    assert library.binary_format == "pe"
    assert library.machine == "amd64"
    # shared_value is exported too, but lives in .data: not a function.
    assert library.exported_functions == {"add", "mul"}
    assert {"KERNEL32.dll", "msvcrt.dll"} <= set(library.needed)
    assert library.symbol_versions == {}
    assert library.minimum_os is None
    assert library.size == path.stat().st_size


def test_pe_x86_machine():
    library = read_native_library(nf.mingw_dll("i686-w64-mingw32-gcc", "pe32"))
    assert library.machine == "x86"
    assert library.exported_functions == {"add", "mul"}


def test_pe_forwarded_export_is_not_a_function_here():
    library = read_native_library(nf.mingw_forwarding_dll())
    assert library.exported_functions == {"add"}


def test_pe_executable_is_rejected():
    path = nf.mingw_exe()
    with pytest.raises(AotWheelError, match="not a DLL") as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)


# --- Mach-O -----------------------------------------------------------------------------------
# Debian's lld links real Mach-O dylibs (ld64.lld) without an Apple SDK, so these are genuine.

_LC_DYLD_INFO_ONLY = 0x80000022
_LC_DYLD_EXPORTS_TRIE = 0x80000033
_LC_BUILD_VERSION = 0x32


def _load_command_offset(data: bytes, wanted: int) -> int:
    """File offset of the first load command *wanted* in a 64-bit Mach-O image."""
    ncmds = struct.unpack_from("<I", data, 16)[0]
    offset = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<2I", data, offset)
        if cmd == wanted:
            return offset
        offset += size
    raise AssertionError(f"load command {wanted:#x} not found")


def _patched_copy(source: Path, tmp_path: Path, patch) -> Path:
    data = bytearray(source.read_bytes())
    patch(data)
    target = tmp_path / source.name
    target.write_bytes(bytes(data))
    return target


def test_macho_arm64_exports_and_minos():
    path = nf.macho_arm64()
    library = read_native_library(path)
    assert library.binary_format == "macho"
    assert library.machine == "arm64"
    # Leading underscores stripped; counter is data, secret is hidden.
    assert library.exported_functions == {"answer", "twice"}
    assert library.minimum_os == "11.0"
    assert library.needed == ()
    assert library.size == path.stat().st_size


def test_macho_x86_64_version_min_macosx():
    library = read_native_library(nf.macho_x86_64())
    assert library.machine == "x86_64"
    assert library.minimum_os == "10.13"
    assert library.exported_functions == {"answer", "twice"}


def test_macho_load_dylib_install_names():
    library = read_native_library(nf.macho_with_dependencies())
    assert library.needed == ("@rpath/libdep.dylib", "/usr/lib/libSystem.B.dylib")
    assert library.minimum_os == "12.3"
    assert library.exported_functions == {"plus_dep"}


def test_macho_symtab_fallback_without_export_trie(tmp_path):
    def drop_trie(data: bytearray) -> None:
        offset = _load_command_offset(data, _LC_DYLD_INFO_ONLY)
        struct.pack_into("<2I", data, offset + 40, 0, 0)  # export_off, export_size

    library = read_native_library(_patched_copy(nf.macho_arm64(), tmp_path, drop_trie))
    assert library.exported_functions == {"answer", "twice"}


def test_macho_lc_dyld_exports_trie(tmp_path):
    # Newer linkers put the trie in LC_DYLD_EXPORTS_TRIE; turn lld's LC_DYLD_INFO_ONLY into one.
    def retype(data: bytearray) -> None:
        offset = _load_command_offset(data, _LC_DYLD_INFO_ONLY)
        export_off, export_size = struct.unpack_from("<2I", data, offset + 40)
        struct.pack_into("<I", data, offset, _LC_DYLD_EXPORTS_TRIE)
        struct.pack_into("<2I", data, offset + 8, export_off, export_size)
        struct.pack_into("<2I", data, offset + 40, 0, 0)

    library = read_native_library(_patched_copy(nf.macho_arm64(), tmp_path, retype))
    assert library.exported_functions == {"answer", "twice"}


def test_macho_for_ios_is_rejected(tmp_path):
    def make_ios(data: bytearray) -> None:
        struct.pack_into("<I", data, _load_command_offset(data, _LC_BUILD_VERSION) + 8, 2)

    path = _patched_copy(nf.macho_arm64(), tmp_path, make_ios)
    with pytest.raises(AotWheelError, match="iOS") as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)


def test_macho_fat_file_is_rejected_clearly(tmp_path):
    thin = nf.macho_arm64().read_bytes()
    path = tmp_path / "universal.dylib"
    # fat_header + one fat_arch (big-endian), then the thin image at offset 4096.
    header = struct.pack(">2I", 0xCAFEBABE, 1)
    header += struct.pack(">5I", 0x0100000C, 0, 4096, len(thin), 12)
    path.write_bytes(header.ljust(4096, b"\0") + thin)
    with pytest.raises(AotWheelError, match="universal") as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)


def test_macho_32_bit_is_rejected(tmp_path):
    path = tmp_path / "old.dylib"
    path.write_bytes(struct.pack("<7I", 0xFEEDFACE, 7, 3, 6, 0, 0, 0))
    with pytest.raises(AotWheelError, match="32-bit") as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)


# --- damaged and foreign files ----------------------------------------------------------------


def _assert_rejected(path: Path, match: str | None = None) -> AotWheelError:
    with pytest.raises(AotWheelError, match=match) as caught:
        read_native_library(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_empty_file(tmp_path):
    path = tmp_path / "empty.so"
    path.write_bytes(b"")
    _assert_rejected(path, "empty")


def test_missing_file(tmp_path):
    _assert_rejected(tmp_path / "nowhere.so", "cannot read")


def test_garbage_file(tmp_path):
    path = tmp_path / "garbage.dll"
    path.write_bytes(b"\x13\x37" + random.Random(5).randbytes(4094))
    _assert_rejected(path, "not a native library")


def test_text_file_named_like_a_library(tmp_path):
    path = tmp_path / "notes.dylib"
    path.write_text("just some text\n")
    _assert_rejected(path, "not a native library")


_BUILDERS = {
    "elf": nf.elf_exports,
    "pe": lambda: nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64"),
    "macho": nf.macho_arm64,
}


@pytest.mark.parametrize("kind", sorted(_BUILDERS))
@pytest.mark.parametrize("keep", ["2", "6", "40", "half", "all-but-one"])
def test_truncated_library(tmp_path, kind, keep):
    data = _BUILDERS[kind]().read_bytes()
    length = {"half": len(data) // 2, "all-but-one": len(data) - 1}.get(keep) or int(keep)
    path = tmp_path / f"cut-{kind}.bin"
    path.write_bytes(data[:length])
    _assert_rejected(path)


@pytest.mark.parametrize("kind", sorted(_BUILDERS))
def test_header_garbage_after_magic(tmp_path, kind):
    data = bytearray(_BUILDERS[kind]().read_bytes())
    start = 4 if kind != "pe" else 2
    data[start:256] = random.Random(kind).randbytes(256 - start)
    path = tmp_path / f"scrambled-{kind}.bin"
    path.write_bytes(bytes(data))
    _assert_rejected(path)
