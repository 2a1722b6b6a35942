"""win-x64 wheels built on this Linux machine (lld-link, mingw-w64's import libraries, aotwheel's CRT
stub: pytools/windows.py), and their DLLs run under Wine by a mingw-compiled host that calls them as
the generated package does under Windows CPython (tests/windows/host.c: LoadLibraryExW with the
flags ctypes uses, aotwheel_runtime_start, then the exports).

No Windows CPython can be had here, so the package's Python side on Windows is tested by the
generated CI's windows-latest job; docs/nativeaot.md says what is tested where."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

from conftest import POC_PROJECT
from support import REPO, run_aotwheel, windows_path, wine_environment

from aotwheel.binary import read_native_library
from aotwheel.discover import RUNTIME_EXPORTS
from aotwheel.platform_tags import platform_tag_for
from aotwheel.targets import target_for
from aotwheel.windows import WindowsCrossLink, llvm_tools, mingw_import_libraries, zig_tools

pytestmark = pytest.mark.sdk

# What a DLL may import on Windows 10 and later without installing anything: the system DLLs the
# NativeAOT SDK links against (Microsoft.NETCore.Native.Windows.targets) and the Universal CRT's
# api-ms-win-crt-* sets. Not vcruntime140.dll, msvcp140.dll, ucrtbased.dll or msvcrt.dll.
WINDOWS_SYSTEM_DLLS = frozenset({
    "advapi32.dll", "bcrypt.dll", "crypt32.dll", "iphlpapi.dll", "kernel32.dll", "mswsock.dll", "ncrypt.dll",
    "normaliz.dll", "ntdll.dll", "ole32.dll", "oleaut32.dll", "secur32.dll", "user32.dll", "version.dll", "ws2_32.dll",
})
STACK_BUFFER_OVERRUN = 0xC0000409  # __fastfail's exception code


def extracted(wheel: Path, folder: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    return folder


def run_host(host: Path, prefix: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["wine", str(host), *arguments], env=wine_environment(prefix), capture_output=True,
                            text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def host_json(host: Path, prefix: Path, *arguments: str) -> dict:
    return json.loads(run_host(host, prefix, *arguments).stdout.strip().splitlines()[-1])


def package_module(folder: Path, package: str, module: str) -> types.ModuleType:
    """*package*.*module* from an unpacked wheel, without the package's __init__ (which would load
    the DLL): the generated modules are plain Python, the same on Linux as on Windows."""
    name = f"unpacked_{package}"
    if name not in sys.modules:
        shell = types.ModuleType(name)
        shell.__path__ = [str(folder / package)]
        sys.modules[name] = shell
    spec = importlib.util.spec_from_file_location(f"{name}.{module}", folder / package / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def test_poc_wheel_is_win_amd64_with_the_dll_under_its_own_name(win_poc_wheel, tmp_path):
    folder = extracted(win_poc_wheel, tmp_path / "wheel")
    dll = folder / "aotsample_poc" / "AotSample.Poc.dll"
    library = read_native_library(dll)
    assert (library.binary_format, library.machine) == ("pe", "amd64")
    assert platform_tag_for(library).tag == "win_amd64"
    assert win_poc_wheel.name == "aotsample_poc-1.2.0-py3-none-win_amd64.whl"
    # Windows imports no extension module from a .dll: no _lib beside it, and the package loads the
    # DLL by its own name, which _native.py's fingerprint vouches for.
    assert sorted(p.name for p in (folder / "aotsample_poc").iterdir()) == [
        "AotSample.Poc.dll", "__init__.py", "__init__.pyi", "_aotwheel.py", "_aotwheel.pyi", "_api.py", "_api.pyi",
        "_native.py", "py.typed"]
    assert '_aw.load_library(__file__, "AotSample.Poc.dll")' in (folder / "aotsample_poc" / "_api.py").read_text()
    runtime = package_module(folder, "aotsample_poc", "_aotwheel")
    assert runtime.fingerprint(str(dll)) == package_module(folder, "aotsample_poc", "_native").FINGERPRINT


def test_dll_imports_only_what_every_windows_10_has(win_poc_wheel, win_pyexport_wheel, tmp_path):
    for wheel in (win_poc_wheel, win_pyexport_wheel):
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dll"))
            archive.extract(name, tmp_path)
        imports = [dll.lower() for dll in read_native_library(tmp_path / name).needed]
        assert "kernel32.dll" in imports and any(dll.startswith("api-ms-win-crt-") for dll in imports)
        foreign = [dll for dll in imports if dll not in WINDOWS_SYSTEM_DLLS and not dll.startswith("api-ms-win-crt-")]
        assert foreign == [], f"{name} imports {foreign}, which Windows does not ship"


def test_package_makes_the_same_wheel_from_the_dll_and_its_manifest(win_poc_wheel, build_root, tmp_path):
    # Discovery on the real DLL: its PE exports checked against the assembly's metadata.
    dll = next((build_root / "poc").glob("win-x64-*/publish/AotSample.Poc.dll"))
    result = run_aotwheel("package", str(dll), "-o", str(tmp_path))
    assert "platform tag win_amd64" in result.stdout
    repackaged = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(win_poc_wheel) as built, zipfile.ZipFile(repackaged) as again:
        assert built.namelist() == again.namelist()
        assert all(built.read(n) == again.read(n) for n in built.namelist())
    exported = read_native_library(dll).exported_functions - RUNTIME_EXPORTS
    raw = {name for name in exported if not name.startswith("aotwheel_") and name != "PyInit__lib"}
    assert raw == {"add", "add_releasing_gil", "copy_utf8", "fill_squares", "increment_floats", "markdown_to_html",
                   "process_id", "read_text_file", "scale_doubles", "spin", "sum_doubles", "write_text_file"}
    inspected = run_aotwheel("inspect", str(repackaged)).stdout
    assert "tag:      win_amd64" in inspected


def test_every_poc_export_answers_under_wine_from_one_thread_and_from_eight(
        win_poc_wheel, wine_prefix, windows_host, tmp_path):
    folder = extracted(win_poc_wheel, tmp_path / "wheel")
    out = tmp_path / "out"
    out.mkdir()
    answers = host_json(windows_host, wine_prefix, "poc", windows_path(folder / "aotsample_poc" / "AotSample.Poc.dll"),
                        windows_path(out))
    text = lambda key: bytes.fromhex(answers[key]).decode()  # noqa: E731
    assert answers["runtime_start"] == 0  # no signal front on Windows
    assert answers["add"] == [5, -5] and answers["add_releasing_gil"] == 42
    assert text("markdown_to_html") == "<h1>Hi</h1>\n<p><em>naïve</em></p>\n"
    # A file written through a non-ASCII path, read back, and a missing one: .NET's
    # FileNotFoundException is thrown and caught inside the export, which returns -1.
    written = out / "written by dotnet ✓ é.txt"
    assert written.read_text(encoding="utf-8") == "line one\nline two ✓"
    assert answers["write_text_file"] == len("line one\nline two ✓".encode())
    assert text("read_text_file") == "line one\nline two ✓"
    assert answers["read_missing_file"] == -1
    assert answers["sum_doubles"] == 7.0 and answers["fill_squares"] == [0, 1, 4, 9, 16]
    assert answers["scale_doubles"] == [3, 5, 6] and answers["increment_floats"] == [1.5, 0]
    assert answers["copy_utf8"] == 6 and bytes.fromhex(answers["copy_utf8_out"]) == "héllo".encode()[:4]
    pid, host_pid = answers["process_id"]
    assert pid == host_pid
    state = 0x9E3779B97F4A7C15
    for _ in range(1000):
        state ^= (state << 13) & (2**64 - 1)
        state ^= state >> 7
        state ^= (state << 17) & (2**64 - 1)
    assert int(answers["spin"]) == (state - 2**64 if state >= 2**63 else state)
    # 8 threads at once, 300 rounds of add, markdown_to_html, sum_doubles and copy_utf8 each.
    assert answers["threads"] == {"count": 8, "calls": 8 * 300 * 4, "mismatches": 0}


def test_pyexport_shims_answer_under_wine(win_pyexport_wheel, wine_prefix, windows_host, tmp_path):
    folder = extracted(win_pyexport_wheel, tmp_path / "wheel")
    dll = folder / "pyexportsample" / "PyExportSample.dll"
    exports = read_native_library(dll).exported_functions
    # The shims' symbols, as the binding plan named them (the number of each member's entry point).
    shims = [next(name for name in exports if re.fullmatch(rf"aotwheel_\d+_{function}", name))
             for function in ("add_many", "count_words", "throw")]
    answers = host_json(windows_host, wine_prefix, "pyexport", windows_path(dll), *shims)
    assert answers["add_many"] == [0, 6, 0] and answers["count_words"] == [0, 3, 0]
    assert answers["throw_status"] != 0 and answers["live_handles"] == 0
    # The exception, encoded by the DLL, decoded by the package's own _dotnet module.
    dotnet = package_module(folder, "pyexportsample", "_dotnet")
    error = dotnet._read_error(dotnet._Reader(bytes.fromhex(answers["throw_error"])))
    assert isinstance(error, KeyError) and isinstance(error, dotnet.DotNetError)
    assert error.dotnet_type == "System.Collections.Generic.KeyNotFoundException"
    assert error.message == "no such key ✓"
    assert "PyExportSample.Errors.Throw" in error.dotnet_stack_trace


def stub_probe(tools, build_root: Path, folder: Path) -> Path:
    """tests/windows/stub_probe.c linked into a DLL by the lld-link wrapper a win-x64 build uses."""
    link = WindowsCrossLink(target_for("win-x64"), tools)
    wrapper = link.write_linker(build_root)
    folder.mkdir()
    obj, dll = folder / "stub_probe.obj", folder / "stub_probe.dll"
    subprocess.run([*tools.cc, "-O1", "-g0", "-fstack-protector-strong", "-c", str(REPO / "tests" / "windows" / "stub_probe.c"),
                    "-o", str(obj)], check=True, capture_output=True)
    subprocess.run([str(wrapper), "/DLL", f"/OUT:{dll}", str(obj), "kernel32.lib", "ucrt.lib"], check=True, capture_output=True)
    return dll


def test_crt_stub_pieces_under_wine_compiled_by_zig_and_by_llvm(wine_prefix, windows_host, tmp_path):
    folder = mingw_import_libraries()
    if folder is None:
        pytest.fail("mingw-w64's import libraries are missing: .ci/setup installs mingw-w64")
    cookies = []
    for toolchain, tools in (("zig", zig_tools(folder)), ("llvm", llvm_tools(folder))):
        if tools is None:
            pytest.fail(f"the {toolchain} tools are missing here: .ci/setup installs zig, clang, lld and llvm")
        dll = stub_probe(tools, tmp_path / "build", tmp_path / toolchain)
        imports = [name.lower() for name in read_native_library(dll).needed]
        assert [name for name in imports if not name.startswith("api-ms-win-crt-")] == ["kernel32.dll"]
        answers = host_json(windows_host, wine_prefix, "stub", windows_path(dll))
        # C initializers, then C++ ones, then DllMain; at FreeLibrary DllMain, then atexit's, newest first.
        assert answers["events_at_load"] == [1, 2, 3] and answers["events_at_detach"] == [4, 5, 6], toolchain
        # thread_local initializers: on first use in the thread that loaded the DLL, at start in a new one.
        here, again, other, other_again = answers["thread_numbers"]
        assert here == again > 0 and other == other_again > 0 and other != here, toolchain
        assert answers["big_frame"] == 41, toolchain  # __chkstk probed a 256 KiB frame in a new thread
        assert (answers["new_delete"], answers["guard_dispatch"], answers["float"]) == (1, 42, 5), toolchain
        assert answers["short_copy"] == 3 + ord("a"), toolchain
        cookies.append(int(answers["cookie"]))
        # An overrun of a protected frame's buffer reaches the cookie check, which ends the process.
        overrun = run_host(windows_host, wine_prefix, "overflow", windows_path(dll), check=False)
        assert "overflowing" in overrun.stdout and "survived" not in overrun.stdout, toolchain
        assert overrun.returncode == STACK_BUFFER_OVERRUN & 0xFF, (toolchain, overrun)
    # The GS cookie: set at load, not the default, its top 16 bits clear, new in each process.
    assert all(cookie != 0x2B992DDFA232 and 0 < cookie < 1 << 48 for cookie in cookies)
    assert cookies[0] != cookies[1]


def test_win_x64_without_a_linker_fails_at_once_saying_what_to_install(tmp_path):
    bare = tmp_path / "bin"  # dotnet only: no zig, clang or lld-link
    bare.mkdir()
    dotnet = shutil.which("dotnet")
    assert dotnet is not None
    (bare / "dotnet").symlink_to(Path(dotnet).resolve())
    environment = {"PATH": str(bare), "HOME": str(Path.home()), "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    result = run_aotwheel("build", str(POC_PROJECT), "--rid", "win-x64", "-o", str(tmp_path / "dist"),
                          "--build-dir", str(tmp_path / "build"), env=environment, check=False)
    assert result.returncode == 1, result.stdout
    assert "lacks zig, or clang with lld-link and llvm-dlltool" in result.stderr
    assert "pip install ziglang" in result.stderr and "apt-get install clang lld llvm" in result.stderr
    assert "dotnet publish" not in result.stdout and not (tmp_path / "dist").exists()


MISSING_SYMBOL_CSPROJ = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>{framework}</TargetFramework><AllowUnsafeBlocks>true</AllowUnsafeBlocks></PropertyGroup>
  <!-- Linked statically (no LoadLibrary at run time): the symbol must come from the link. -->
  <ItemGroup><DirectPInvoke Include="ucrtbase" /></ItemGroup>
</Project>
"""
MISSING_SYMBOL_CS = """using System.Runtime.InteropServices;
public static class Calls
{
    [DllImport("ucrtbase")] static extern int aotwheel_missing_crt_function(int x);
    [UnmanagedCallersOnly(EntryPoint = "call_missing")]
    public static int CallMissing(int x) => aotwheel_missing_crt_function(x);
}
"""


def test_an_unresolved_symbol_fails_the_link_naming_it_and_the_runtime(tmp_path):
    from aotwheel.toolchain import sdk_info

    project = tmp_path / "Missing"
    project.mkdir()
    (project / "Missing.csproj").write_text(MISSING_SYMBOL_CSPROJ.format(framework=sdk_info().framework))
    (project / "Calls.cs").write_text(MISSING_SYMBOL_CS)
    result = run_aotwheel("build", str(project), "--rid", "win-x64", "-o", str(tmp_path / "dist"), check=False)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith(f"error: linking Missing.dll for win-x64 (.NET {sdk_info().bundled_runtime}) "), message
    assert "left 1 symbol(s) undefined: aotwheel_missing_crt_function." in message
    assert "crt_stub.c" in message and 'windows-linker = "msvc"' in message
    assert not (tmp_path / "dist").exists()
