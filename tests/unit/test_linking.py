"""The glibc floor setting, the choice of linker per target, and the zig wrapper NativeAOT links through."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aotwheel import linking
from aotwheel.errors import AotWheelError
from aotwheel.linking import LinkPlan, parse_floor, plan_link
from aotwheel.targets import target_for
from aotwheel.toolchain import Zig

HOST_RID = "linux-x64" if linking.host_machine() == "x86_64" else "linux-arm64"
OTHER_RID = "linux-arm64" if HOST_RID == "linux-x64" else "linux-x64"
ECHO_ZIG = Zig(("echo",), "0.11.0", "a test")


@pytest.mark.parametrize("value, floor", [("2_17", (2, 17)), ("2_28", (2, 28)), ("2.31", (2, 31)),
                                          ("manylinux_2_34", (2, 34)), ("host", None)])
def test_floors_parse(value, floor):
    assert parse_floor(value, "here") == floor


@pytest.mark.parametrize("value", ["2_5", "3_1", "manylinux2014", "latest", ""])
def test_bad_floor_names_the_setting_and_the_choices(value):
    with pytest.raises(AotWheelError, match=r"^\[tool.aotwheel\] manylinux: .* \"2_17\" .*\"host\""):
        parse_floor(value, "[tool.aotwheel] manylinux")


def test_default_is_2_17_with_a_zig_and_the_host_linker_without(monkeypatch):
    monkeypatch.setattr(linking, "find_zig", lambda: ECHO_ZIG)
    plan = plan_link(target_for(HOST_RID), None)
    assert (plan.zig, plan.floor, plan.zig_target) == (ECHO_ZIG, (2, 17), f"{linking.host_machine()}-linux-gnu.2.17")
    monkeypatch.setattr(linking, "find_zig", lambda: None)
    plan = plan_link(target_for(HOST_RID), None)
    assert (plan.zig, plan.floor, plan.chosen) == (None, None, False)


def test_a_floor_or_another_arch_without_zig_fails_at_once_saying_how_to_get_one(monkeypatch):
    monkeypatch.setattr(linking, "find_zig", lambda: None)
    with pytest.raises(AotWheelError, match=r"--manylinux 2_28 needs zig .*pip install ziglang.*AOTWHEEL_ZIG"):
        plan_link(target_for(HOST_RID), "2_28")
    with pytest.raises(AotWheelError, match=rf"building {OTHER_RID} .* needs zig .*pip install ziglang"):
        plan_link(target_for(OTHER_RID), None)
    with pytest.raises(AotWheelError, match=rf"cannot build {OTHER_RID} with the host linker"):
        plan_link(target_for(OTHER_RID), "host")


def test_a_floor_is_for_linux_targets_only():
    with pytest.raises(AotWheelError, match="Linux targets only, not win-x64"):
        plan_link(target_for("win-x64"), "2_17")
    assert plan_link(target_for("win-x64"), None) is None


def test_wrapper_drops_what_zig_refuses_and_keeps_every_section(tmp_path):
    plan = LinkPlan(target_for(HOST_RID), ECHO_ZIG, (2, 17), chosen=True)
    wrapper = plan.msbuild_properties(tmp_path, strip_symbols=False)["CppCompilerAndLinker"]
    arguments = ["-shared", "--target=x86_64-linux-gnu", "-fuse-ld=lld", "-Wl,--gc-sections", "-gz=zlib",
                 "-Wl,--discard-all", "-Wl,-e,0x0", "-Wl,-e0x0", "-Wl,--build-id=sha1", "-o", "lib with space.so", "a.o"]
    ran = subprocess.run([wrapper, *arguments], capture_output=True, text=True, check=True)
    words = ran.stdout.split()
    assert words[:9] == ["cc", "-target", plan.zig_target, "-shared", "-o", "lib", "with", "space.so", "a.o"]
    assert words[9] == "-Wl,--no-gc-sections"
    # .NET 8's -lz finds this machine's zlib through a folder linking to it.
    if len(words) > 10:
        (search,) = words[10:]
        assert (Path(search[2:]) / "libz.so").resolve().name.startswith("libz.so.1")
    # The same zig and floor reuse the wrapper; another floor gets another one (and another digest).
    assert plan.msbuild_properties(tmp_path, strip_symbols=False)["CppCompilerAndLinker"] == wrapper
    other = LinkPlan(target_for(HOST_RID), ECHO_ZIG, (2, 28), chosen=True)
    assert other.msbuild_properties(tmp_path, strip_symbols=False)["CppCompilerAndLinker"] != wrapper


def test_stripping_another_arch_uses_an_objcopy_that_reads_it(tmp_path):
    properties = LinkPlan(target_for(OTHER_RID), ECHO_ZIG, (2, 17), chosen=True).msbuild_properties(tmp_path, True)
    assert properties["ObjCopyName"] == "llvm-objcopy"
    assert "ObjCopyName" not in LinkPlan(target_for(HOST_RID), ECHO_ZIG, (2, 17), True).msbuild_properties(tmp_path, True)


def test_explicit_zig_setting_wins_and_a_bad_one_is_named(monkeypatch, tmp_path):
    from aotwheel import toolchain

    fake = tmp_path / "zig"
    fake.write_text("#!/bin/sh\necho 0.99.0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("AOTWHEEL_ZIG", str(fake))
    toolchain.find_zig.cache_clear()
    try:
        assert toolchain.find_zig() == Zig((str(fake),), "0.99.0", "$AOTWHEEL_ZIG")
        monkeypatch.setenv("AOTWHEEL_ZIG", str(tmp_path / "absent"))
        toolchain.find_zig.cache_clear()
        with pytest.raises(AotWheelError, match=r"\$AOTWHEEL_ZIG=.*absent.* is not a zig"):
            toolchain.find_zig()
    finally:
        toolchain.find_zig.cache_clear()
