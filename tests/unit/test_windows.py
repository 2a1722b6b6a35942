"""pytools/windows.py without the SDK: where Windows is linked and what is refused, the tools it finds
and what it says when they are missing, the import libraries read from an archive, the CRT stub's
cache, and how a failed link is reported. The real links run in tests/integration/test_windows_wheel.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aotwheel import windows
from aotwheel.errors import AotWheelError
from aotwheel.project import ToolConfig
from aotwheel.targets import check_buildable_here, host_os, target_for

pytestmark = pytest.mark.skipif(host_os() != "linux", reason="Windows DLLs are cross-linked on Linux")

WIN_X64 = target_for("win-x64")


def test_linux_links_windows_with_lld_by_default_and_refuses_msvc() -> None:
    assert windows.windows_linker(None) == "lld"
    assert windows.plan_windows_link(target_for("linux-x64"), None) is None
    with pytest.raises(AotWheelError, match='windows-linker = "msvc": win-x64 is linked by Visual Studio, on Windows'):
        windows.plan_windows_link(WIN_X64, "msvc")
    check_buildable_here(WIN_X64)  # no longer refused as another OS
    with pytest.raises(AotWheelError, match="links Windows DLLs on Linux, nothing else"):
        check_buildable_here(target_for("osx-arm64"))


def test_win_arm64_is_refused_saying_why() -> None:
    with pytest.raises(AotWheelError, match="win-arm64 cannot be linked on Linux: aotwheel cross-links win-x64 only"):
        windows.plan_windows_link(target_for("win-arm64"), None)


def test_the_windows_linker_key_is_checked() -> None:
    assert ToolConfig.from_table({"windows-linker": "msvc"}, Path("pyproject.toml")).windows_linker == "msvc"
    with pytest.raises(AotWheelError, match=r"windows-linker: 'link' is not a Windows linker; use \"msvc\""):
        ToolConfig.from_table({"windows-linker": "link"}, Path("pyproject.toml"))


def without(monkeypatch: pytest.MonkeyPatch, *programs: str) -> None:
    """This machine as if *programs* were not on PATH."""
    real = shutil.which
    monkeypatch.setattr(windows.shutil, "which", lambda name, *a, **k: None if name in programs else real(name, *a, **k))


def test_missing_linker_tools_are_named_with_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(windows, "find_zig", lambda: None)
    without(monkeypatch, "lld-link")
    with pytest.raises(AotWheelError) as raised:
        windows.plan_windows_link(WIN_X64, None)
    message = str(raised.value)
    assert "lacks zig, or clang with lld-link and llvm-dlltool" in message
    assert "pip install ziglang" in message and "apt-get install clang lld llvm" in message


def test_missing_import_libraries_are_named_with_how_to_install_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(windows, "_MINGW_FOLDERS", (str(tmp_path),))
    without(monkeypatch, "x86_64-w64-mingw32-gcc")
    assert windows.mingw_import_libraries() is None
    with pytest.raises(AotWheelError, match="mingw-w64's import libraries: install mingw-w64's import libraries: "
                                            "apt-get install mingw-w64-x86-64-dev"):
        windows.find_cross_tools(WIN_X64)


DEMO_DEF = "LIBRARY api-ms-win-crt-demo-l1-1-0.dll\nEXPORTS\nfunction_one\nfunction_two\nvariable DATA\n"


@pytest.mark.parametrize("dlltool", ["llvm-dlltool", "x86_64-w64-mingw32-dlltool"])
def test_data_only_imports_are_read_from_an_import_archive(dlltool: str, tmp_path: Path) -> None:
    program = shutil.which(dlltool)
    if program is None:
        pytest.skip(f"{dlltool} is not installed")
    (tmp_path / "demo.def").write_text(DEMO_DEF)
    # GNU dlltool names members after the archive (libapi-ms-win-crt-demo-l1-1-0s00001.o), llvm-dlltool after the DLL.
    archive = tmp_path / "libapi-ms-win-crt-demo-l1-1-0.a"
    machine = ["-m", "i386:x86-64"]
    subprocess.run([program, *machine, "-d", str(tmp_path / "demo.def"), "-l", str(archive)], check=True, cwd=tmp_path)
    assert windows.data_only_imports(archive) == {"api-ms-win-crt-demo-l1-1-0.dll": ["variable"]}


def test_mingws_ucrt_lists_its_own_math_as_data_only() -> None:
    folder = windows.mingw_import_libraries()
    if folder is None:
        pytest.skip("mingw-w64 is not installed")
    found = windows.data_only_imports(folder / windows.UCRT_ARCHIVE)
    assert {"ceil", "floor", "log", "pow", "sqrt"} <= set(found["api-ms-win-crt-math-l1-1-0.dll"])
    assert all(dll.startswith("api-ms-win-crt-") for dll in found)


def test_not_an_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "libucrt.a").write_bytes(b"not an archive")
    with pytest.raises(AotWheelError, match="is not an ar archive with a symbol table"):
        windows.data_only_imports(tmp_path / "libucrt.a")


def test_the_stub_is_compiled_once_per_toolchain_into_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AOTWHEEL_CACHE_DIR", str(tmp_path / "cache"))
    folder = windows.mingw_import_libraries()
    tools = [t for t in (windows.zig_tools(folder), windows.llvm_tools(folder)) if t] if folder else []
    if not tools:
        pytest.skip("neither zig nor LLVM's tools, or no mingw-w64")
    runtimes = [windows.compile_cross_runtime(t) for t in tools]
    assert len({r.folder for r in runtimes}) == len(tools)  # one per toolchain
    for runtime, toolchain in zip(runtimes, tools):
        assert runtime.stub.read_bytes()[:2] == b"\x64\x86"  # a COFF object for x64
        assert (runtime.libraries / "kernel32.lib").resolve() == folder / "libkernel32.a"
        assert {p.name for p in runtime.extra_imports()} >= {"api-ms-win-crt-string-l1-1-0.lib",
                                                            "api-ms-win-crt-math-l1-1-0-thunks.lib"}
        built = runtime.stub.stat().st_mtime_ns
        assert windows.compile_cross_runtime(toolchain) == runtime and runtime.stub.stat().st_mtime_ns == built
        assert not list(runtime.folder.parent.glob(".build-*"))  # no staging folder left behind
        wrapper = windows.WindowsCrossLink(WIN_X64, toolchain).write_linker(tmp_path / "build").read_text()
        assert '"$@" /NODEFAULTLIB:libcmt.lib /NODEFAULTLIB:libcpmt.lib /NODEFAULTLIB:oldnames.lib' in wrapper
        assert str(runtime.stub) in wrapper and f"/LIBPATH:{runtime.libraries}" in wrapper


LLD_ERRORS = """\
  Generating native code
lld-link : error : undefined symbol: ceil [/src/Lib.csproj]
  >>> referenced by /_/src/Math.NativeAot.cs:70
lld-link: error: undefined symbol: void * __cdecl operator new(unsigned __int64, struct std::nothrow_t const &)
lld-link: error: <root>: undefined symbol: _DllMainCRTStartup
lld-link : error : undefined symbol: ceil [/src/Lib.csproj]
error: undefined symbol: strnlen
"""


def test_unresolved_symbols_are_read_from_the_linkers_output() -> None:
    assert windows.unresolved_symbols(LLD_ERRORS.splitlines()) == [
        "ceil", "void * __cdecl operator new(unsigned __int64, struct std::nothrow_t const &)", "_DllMainCRTStartup",
        "strnlen",
    ]
    assert windows.unresolved_symbols(["lld-link : error : could not open 'x.lib'"]) == []


@pytest.mark.parametrize(("line", "version"), [
    ('"/root/.nuget/packages/microsoft.netcore.app.runtime.nativeaot.win-x64/10.0.12/runtimes/win-x64/native/dllmain.obj"', "10.0.12"),
    ('"/root/.nuget/packages/runtime.win-x64.microsoft.dotnet.ilcompiler/8.0.31/sdk/bootstrapperdll.obj"', "8.0.31"),
    ('"C:\\Users\\u\\.nuget\\packages\\microsoft.netcore.app.runtime.nativeaot.win-x64\\9.0.1\\x.lib"', "9.0.1"),
])
def test_the_runtime_version_is_read_from_the_link_response_file(tmp_path: Path, line: str, version: str) -> None:
    rsp = tmp_path / "link.rsp"
    rsp.write_text("\ufeff" + '"obj/Lib.obj"\n' + line + "\n", encoding="utf-8")
    assert windows.runtime_pack_version(rsp) == version
    assert windows.runtime_pack_version(tmp_path / "absent.rsp") is None


def test_an_unresolved_symbol_error_names_the_symbols_the_runtime_and_the_ways_out() -> None:
    error = str(windows.unresolved_error(Path("Lib.dll"), WIN_X64, ["ceil", "floor"], "net10.0", "10.0.12"))
    assert error.startswith("linking Lib.dll for win-x64 (.NET 10.0.12) left 2 symbol(s) undefined: ceil, floor.")
    assert "crt_stub.c" in error and "RuntimeFrameworkVersion" in error and 'windows-linker = "msvc"' in error
    guard = str(windows.unresolved_error(Path("Lib.dll"), WIN_X64, ["__guard_check_icall_fptr"], "net10.0", None))
    assert "(net10.0)" in guard and "ControlFlowGuard=Guard" in guard
