"""platform_tag_for and check_machine on real libraries built by the tests.

A few cases no local toolchain can produce (musl, GLIBC_PRIVATE, a Windows ARM64 DLL, a missing
deployment target) are made with dataclasses.replace on a real library's facts.
"""

from __future__ import annotations

import dataclasses

import pytest
from packaging import tags

from aotwheel.binary import NativeLibrary, read_native_library
from aotwheel.errors import AotWheelError
from aotwheel.platform_tags import MANYLINUX_ALLOWED_LIBRARIES, check_machine, platform_tag_for
from aotwheel.targets import TARGETS, target_for

try:
    from . import native_fixtures as nf
except ImportError:  # tests/unit is not a package: pytest put its folder on sys.path
    import native_fixtures as nf

ARCH = nf.HOST_ELF_MACHINE


def _host_platforms() -> set[str]:
    return {tag.platform for tag in tags.sys_tags()}


# --- Linux ------------------------------------------------------------------------------------


def test_old_glibc_gets_the_manylinux2014_floor():
    result = platform_tag_for(read_native_library(nf.elf_exports()))
    # Both spellings, so pips older than 20.3 (which know only manylinux2014) accept the wheel too.
    assert result.tag == f"manylinux_2_17_{ARCH}.manylinux2014_{ARCH}"
    assert "2.17" in result.reason and "allow-list" in result.reason
    if ARCH == "x86_64":
        assert "GLIBC_2.2.5" in result.reason
    assert result.warnings == ()


def test_newest_glibc_version_sets_the_tag():
    result = platform_tag_for(read_native_library(nf.elf_glibc_2_26()))
    assert result.tag == f"manylinux_2_26_{ARCH}"
    assert "GLIBC_2.26 (from libc.so.6)" in result.reason
    assert result.warnings == ()


def test_glibc_2_34_symbols():
    result = platform_tag_for(read_native_library(nf.elf_glibc_2_34()))
    assert result.tag == f"manylinux_2_34_{ARCH}"
    # Built on this machine, so pip here must accept it.
    assert result.tag in _host_platforms()


def test_library_outside_allow_list_gives_linux_tag():
    result = platform_tag_for(read_native_library(nf.elf_uses_helper()))
    assert result.tag == f"linux_{ARCH}"
    assert "libhelper.so" in result.reason
    assert len(result.warnings) == 1
    assert "libhelper.so" in result.warnings[0] and "libuseshelper.so" in result.warnings[0]


def test_zlib_is_allowed():
    library = read_native_library(nf.elf_uses_zlib())
    assert "libz.so.1" in library.needed
    assert platform_tag_for(library).tag.startswith("manylinux_2_")


def test_musl_gives_linux_tag_with_warning():
    library = dataclasses.replace(
        read_native_library(nf.elf_exports()),
        needed=("libc.musl-x86_64.so.1",),
        symbol_versions={},
    )
    result = platform_tag_for(library)
    assert result.tag == f"linux_{ARCH}"
    assert "musl" in result.reason
    assert any("libc.musl-x86_64.so.1" in warning for warning in result.warnings)


def test_glibc_private_is_not_manylinux():
    real = read_native_library(nf.elf_exports())
    library = dataclasses.replace(
        real, symbol_versions={"libc.so.6": frozenset({"GLIBC_2.2.5", "GLIBC_PRIVATE"})}
    )
    result = platform_tag_for(library)
    assert result.tag == f"linux_{ARCH}"
    assert "GLIBC_PRIVATE" in result.warnings[0]


def test_glibc_versions_from_any_glibc_library_count():
    real = read_native_library(nf.elf_exports())
    library = dataclasses.replace(
        real,
        needed=("libc.so.6", "libm.so.6"),
        symbol_versions={
            "libc.so.6": frozenset({"GLIBC_2.2.5", "GLIBC_2.17"}),
            "libm.so.6": frozenset({"GLIBC_2.29"}),
        },
    )
    result = platform_tag_for(library)
    assert result.tag == f"manylinux_2_29_{ARCH}"
    assert "GLIBC_2.29 (from libm.so.6)" in result.reason


def test_version_order_is_numeric_not_textual():
    real = read_native_library(nf.elf_exports())
    library = dataclasses.replace(
        real, symbol_versions={"libc.so.6": frozenset({"GLIBC_2.9", "GLIBC_2.28", "GLIBC_2.3.4"})}
    )
    assert platform_tag_for(library).tag == f"manylinux_2_28_{ARCH}"


def test_nativeaot_style_dependencies_are_allowed():
    # NativeAOT .so files need libc.so.6 and the dynamic loader, nothing else.
    loaders = {"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
    assert {"libc.so.6", *loaders} <= MANYLINUX_ALLOWED_LIBRARIES
    real = read_native_library(nf.elf_exports())
    library = dataclasses.replace(real, needed=("libc.so.6", "ld-linux-x86-64.so.2"))
    assert platform_tag_for(library).tag == f"manylinux_2_17_{ARCH}.manylinux2014_{ARCH}"


# --- Windows ----------------------------------------------------------------------------------


def test_windows_amd64():
    result = platform_tag_for(read_native_library(nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64")))
    assert result.tag == "win_amd64"
    assert result.warnings == ()


def test_windows_x86_is_win32():
    library = read_native_library(nf.mingw_dll("i686-w64-mingw32-gcc", "pe32"))
    assert platform_tag_for(library).tag == "win32"


def test_windows_arm64():
    real = read_native_library(nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64"))
    assert platform_tag_for(dataclasses.replace(real, machine="arm64")).tag == "win_arm64"


# --- macOS ------------------------------------------------------------------------------------


def test_macos_arm64_11():
    result = platform_tag_for(read_native_library(nf.macho_arm64()))
    assert result.tag == "macosx_11_0_arm64"
    assert "11.0" in result.reason
    assert result.warnings == ()


def test_macos_x86_64_10_13():
    assert platform_tag_for(read_native_library(nf.macho_x86_64())).tag == "macosx_10_13_x86_64"


def test_macos_minor_version_dropped_from_11_on_and_foreign_dylib_named():
    result = platform_tag_for(read_native_library(nf.macho_with_dependencies()))
    assert result.tag == "macosx_12_0_arm64"
    assert any("12.3" in warning for warning in result.warnings)
    named = [w for w in result.warnings if "@rpath/libdep.dylib" in w]
    assert len(named) == 1
    assert not any("libSystem" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("machine", "expected"),
    [("arm64", "macosx_11_0_arm64"), ("x86_64", "macosx_10_13_x86_64")],
)
def test_macos_default_when_no_deployment_target(machine, expected):
    real = read_native_library(nf.macho_arm64())
    library = dataclasses.replace(real, machine=machine, minimum_os=None)
    assert platform_tag_for(library).tag == expected


def test_macos_arm64_never_below_11():
    real = read_native_library(nf.macho_arm64())
    library = dataclasses.replace(real, minimum_os="10.15")
    assert platform_tag_for(library).tag == "macosx_11_0_arm64"


# --- tags are well formed -----------------------------------------------------------------------


def test_tags_parse_as_wheel_tags():
    libraries = [nf.elf_exports(), nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64"), nf.macho_arm64()]
    for path in libraries:
        tag = platform_tag_for(read_native_library(path)).tag
        parsed = tags.parse_tag(f"py3-none-{tag}")
        assert {t.platform for t in parsed} == set(tag.split("."))  # a compressed tag set counts each


# --- check_machine ----------------------------------------------------------------------------


def _other_target(library: NativeLibrary, binary_format: str):
    return next(
        t
        for t in TARGETS.values()
        if t.binary_format == binary_format and t.machine != library.machine
    )


def test_check_machine_accepts_matching_target():
    library = read_native_library(nf.elf_exports())
    target = next(t for t in TARGETS.values() if (t.binary_format, t.machine) == ("elf", ARCH))
    check_machine(library, target)
    check_machine(read_native_library(nf.macho_arm64()), target_for("osx-arm64"))
    dll = read_native_library(nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64"))
    check_machine(dll, target_for("win-x64"))


def test_check_machine_wrong_architecture():
    library = read_native_library(nf.elf_exports())
    target = _other_target(library, "elf")
    with pytest.raises(AotWheelError) as caught:
        check_machine(library, target)
    message = str(caught.value)
    assert str(library.path) in message
    assert f"ELF {ARCH}" in message
    assert target.rid in message and target.machine in message


def test_check_machine_wrong_format():
    library = read_native_library(nf.mingw_dll("x86_64-w64-mingw32-gcc", "pe64"))
    with pytest.raises(AotWheelError) as caught:
        check_machine(library, target_for("linux-x64"))
    message = str(caught.value)
    assert str(library.path) in message
    assert "PE (Windows DLL) amd64" in message
    assert "linux-x64" in message and "ELF x86_64" in message


def test_check_machine_macos_architecture():
    library = read_native_library(nf.macho_arm64())
    with pytest.raises(AotWheelError, match="osx-x64"):
        check_machine(library, target_for("osx-x64"))


def test_only_the_2_17_floor_carries_the_legacy_alias():
    real = read_native_library(nf.elf_exports())
    for version, expected in (("GLIBC_2.17", f"manylinux_2_17_{ARCH}.manylinux2014_{ARCH}"),
                              ("GLIBC_2.18", f"manylinux_2_18_{ARCH}")):
        library = dataclasses.replace(real, symbol_versions={"libc.so.6": frozenset({version})})
        assert platform_tag_for(library).tag == expected

