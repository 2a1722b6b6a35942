"""How a Windows DLL is linked on Linux: lld-link with mingw-w64's import libraries and aotwheel's
own CRT stub, where an MSVC link would take Microsoft's static C runtime (which only Visual Studio
ships).

NativeAOT compiles the managed code for any OS; only its link needs Windows. aotwheel lets the
ILCompiler targets run past their cross-OS check, and points their linker at a small wrapper that
runs lld-link (zig's, else LLVM's) with three additions: the mingw-w64 import libraries (kernel32,
advapi32, ..., and the Universal CRT as ucrt.lib), aotwheel's CRT stub
(csharp_src/support/Windows/crt_stub.c, compiled once per toolchain and cached) and import
libraries for the few UCRT functions mingw-w64's ucrt.lib leaves out (the .def files beside it).
mingw-w64 lists the math functions it implements itself (ceil, log, ...) as data only in ucrt.lib,
so that its own win; aotwheel reads those names from the archive and gives them import thunks.
The DLL then imports only Windows' own DLLs and api-ms-win-crt-* (Windows 10 and later). This is
what cargo-xwin does for Rust, except that no MSVC runtime is downloaded.

On Windows the SDK links with MSVC, as before ([tool.aotwheel] windows-linker = "msvc").
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import struct
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .atomic import script_named_by_content
from .errors import AotWheelError
from .resources import support_dir
from .targets import Target, host_os
from .toolchain import ZIG_INSTALL_HINT, cache_dir, find_zig

MSVC = "msvc"
LLD = "lld"
WINDOWS_LINKERS = (MSVC, LLD)

# The static MSVC runtime libraries the runtime's objects name (/DEFAULTLIB); the stub replaces them.
MSVC_RUNTIME_LIBRARIES = ("libcmt.lib", "libcpmt.lib", "oldnames.lib")
# Where distributions put mingw-w64's x86_64 import libraries (Debian and Ubuntu; Fedora).
_MINGW_FOLDERS = ("/usr/x86_64-w64-mingw32/lib", "/usr/x86_64-w64-mingw32/sys-root/mingw/lib")
UCRT_ARCHIVE = "libucrt.a"
_MINGW_PROBES = ("libkernel32.a", UCRT_ARCHIVE)
MINGW_INSTALL_HINT = "install mingw-w64's import libraries: apt-get install mingw-w64-x86-64-dev (Fedora: mingw64-crt)"
LINKER_INSTALL_HINT = f"{ZIG_INSTALL_HINT}; or apt-get install clang lld llvm (clang, lld-link, llvm-dlltool)"
# What lld-link prints for each symbol nothing defines, directly or through MSBuild's reformatting.
_UNDEFINED = re.compile(r"error ?: (?:<root>: )?undefined symbol: (.+?)(?: \[[^\]]*\])?\s*$")
# The NativeAOT runtime's package in link.rsp: its own pack from .NET 10, inside the ILCompiler before.
_RUNTIME_PACK = re.compile(
    r"(?:microsoft\.netcore\.app\.runtime\.nativeaot\.|runtime\.)[a-z0-9-]+(?:\.microsoft\.dotnet\.ilcompiler)?[/\\]([0-9][^/\\]*)[/\\]",
    re.IGNORECASE,
)


def windows_linker(configured: str | None) -> str:
    """The linker of Windows targets: the configured one, else MSVC on Windows and lld elsewhere."""
    if configured is None:
        return MSVC if host_os() == "windows" else LLD
    return configured


def parse_windows_linker(value: str, where: str) -> str:
    if value not in WINDOWS_LINKERS:
        raise AotWheelError(
            f"{where}: {value!r} is not a Windows linker; use \"{MSVC}\" (Visual Studio's, on Windows) or "
            f"\"{LLD}\" (lld-link with aotwheel's CRT stub, from Linux)"
        )
    return value


@dataclass(frozen=True)
class CrossTools:
    """The programs a Windows link from Linux runs: a C compiler for the stub, lld-link, and an
    import-library maker, all from one toolchain; and mingw-w64's import libraries."""

    name: str  # "zig 0.11.0", "LLVM 14.0.6"
    cc: tuple[str, ...]  # with its option naming the x86_64 MSVC target
    lld_link: tuple[str, ...]
    dlltool: tuple[str, ...]
    import_libraries: Path

    def describe(self) -> str:
        return f"lld-link ({self.name}) with mingw-w64's import libraries ({self.import_libraries})"


def zig_tools(import_libraries: Path) -> CrossTools | None:
    zig = find_zig()
    if zig is None:
        return None
    return CrossTools(f"zig {zig.version}", (*zig.command, "cc", "-target", "x86_64-windows-msvc"), (*zig.command, "lld-link"),
                      (*zig.command, "dlltool"), import_libraries)


def llvm_tools(import_libraries: Path) -> CrossTools | None:
    found = [shutil.which(name) for name in ("clang", "lld-link", "llvm-dlltool")]
    if not all(found):
        return None
    clang, lld_link, dlltool = (str(path) for path in found)
    return CrossTools(f"LLVM {_version_of(lld_link)}", (clang, "--target=x86_64-pc-windows-msvc"), (lld_link,), (dlltool,),
                      import_libraries)


def _version_of(program: str) -> str:
    try:
        result = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown version"
    match = re.search(r"\d+\.\d+(?:\.\d+)?", result.stdout)
    return match.group(0) if match else "unknown version"


def mingw_import_libraries() -> Path | None:
    """mingw-w64's x86_64 import library folder, where a distribution installed it."""
    compiler = shutil.which("x86_64-w64-mingw32-gcc")
    candidates = [Path(folder) for folder in _MINGW_FOLDERS]
    if compiler:
        found = subprocess.run([compiler, "-print-file-name=libkernel32.a"], capture_output=True, text=True)
        if found.returncode == 0 and os.path.isabs(found.stdout.strip()):
            candidates.insert(0, Path(found.stdout.strip()).parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in _MINGW_PROBES):
            return folder.resolve()
    return None


def missing_cross_tools() -> list[tuple[str, str]]:
    """What this machine lacks to link Windows DLLs, as (what, how to install it); empty when nothing."""
    missing = []
    if host_os() != "linux":
        missing.append((f"a Linux host (this is {host_os()})", "build Windows wheels on Linux, or on Windows with MSVC"))
    if mingw_import_libraries() is None:
        missing.append(("mingw-w64's import libraries", MINGW_INSTALL_HINT))
    if zig_tools(Path()) is None and llvm_tools(Path()) is None:
        missing.append(("zig, or clang with lld-link and llvm-dlltool", LINKER_INSTALL_HINT))
    return missing


def find_cross_tools(target: Target) -> CrossTools:
    """zig when one is found (the zig that links the Linux wheels), else LLVM's tools from PATH; or an
    error saying what to install."""
    if target.machine != "amd64":
        raise AotWheelError(
            f"{target.rid} cannot be linked on Linux: aotwheel cross-links win-x64 only (neither NuGet's "
            f"NativeAOT packs for {target.rid} nor arm64 import libraries of the Universal CRT were at hand to "
            f"prove it); build {target.rid} on Windows with MSVC"
        )
    missing = missing_cross_tools()
    folder = mingw_import_libraries()
    tools = (zig_tools(folder) or llvm_tools(folder)) if folder and not missing else None
    if tools is None:
        needs = "; ".join(f"{what}: {fix}" for what, fix in missing)
        raise AotWheelError(
            f"building {target.rid} on Linux links it with lld-link, mingw-w64's import libraries and aotwheel's "
            f"CRT stub, and this machine lacks {needs}. `aotwheel doctor` checks again; on Windows, "
            f"windows-linker = \"{MSVC}\" links with Visual Studio instead"
        )
    return tools


@dataclass(frozen=True)
class CrossRuntime:
    """The compiled pieces a link adds (cached): the stub object, the import libraries of the UCRT
    functions mingw-w64 leaves out, and a folder of `<name>.lib` links to mingw-w64's `lib<name>.a`."""

    folder: Path

    @property
    def stub(self) -> Path:
        return self.folder / "crt_stub.obj"

    @property
    def libraries(self) -> Path:
        return self.folder / "lib"

    def extra_imports(self) -> list[Path]:
        return sorted(self.folder.glob("*.lib"))


def data_only_imports(archive: Path) -> dict[str, list[str]]:
    """{DLL: names} that an import library (an ar archive) declares without a function thunk: its
    `__imp_X` with no `X`, from the archive's symbol table."""
    data = archive.read_bytes()
    members = _archive_members(data) if data[:8] == b"!<arch>\n" else {}
    first = min(members, default=None)
    if first is None or members[first][0] != "/":
        raise AotWheelError(f"{archive} is not an ar archive with a symbol table")
    table = members[first][1]
    count = struct.unpack_from(">I", table)[0]
    offsets = struct.unpack_from(f">{count}I", table, 4)
    symbols = table[4 + 4 * count:].split(b"\0")[:count]
    by_name = dict(members.values())
    imports: dict[str, set[str]] = defaultdict(set)
    thunks: dict[str, set[str]] = defaultdict(set)
    for offset, raw in zip(offsets, symbols):
        name, body = members.get(offset, ("", b""))
        dll = _member_dll(name, body, by_name)
        if dll is not None:
            symbol = raw.decode("ascii", "replace")
            (imports if symbol.startswith("__imp_") else thunks)[dll].add(symbol.removeprefix("__imp_"))
    return {dll: sorted(imports[dll] - thunks[dll]) for dll in sorted(imports) if imports[dll] - thunks[dll]}


def _archive_members(data: bytes) -> dict[int, tuple[str, bytes]]:
    """{header offset: (name, body)} of a GNU or MSVC-style ar archive, long names resolved."""
    members: dict[int, tuple[str, bytes]] = {}
    long_names = b""
    at = 8
    while at + 60 <= len(data):
        raw_name, size = data[at:at + 16].decode("ascii", "replace").rstrip(), int(data[at + 48:at + 58])
        body = data[at + 60:at + 60 + size]
        if raw_name == "//":
            long_names = body
        name = raw_name
        if raw_name.startswith("/") and raw_name[1:].isdigit():
            start = int(raw_name[1:])
            name = long_names[start:long_names.index(b"\n", start)].decode("ascii", "replace")
        members[at] = (name.rstrip("/") if name not in ("/", "//") else name, body)
        at += 60 + size + (size & 1)
    return members


def _member_dll(name: str, body: bytes, by_name: dict[str, bytes]) -> str | None:
    """The DLL an import member imports from. A short import object (llvm-dlltool, MSVC) names it
    after the symbol; a GNU dlltool member `<prefix>s00042.o` shares it with the tail member
    `<prefix>t.o`, whose .idata$7 section holds the name."""
    if body[:4] == b"\0\0\xff\xff":
        return body[20:].split(b"\0")[1].decode("ascii", "replace")
    match = re.fullmatch(r"(.*?)s\d+\.o", name)
    tail = by_name.get(f"{match.group(1)}t.o") if match else None
    if tail is None or len(tail) < 20:
        return None
    sections = struct.unpack_from("<H", tail, 2)[0]
    start = 20 + struct.unpack_from("<H", tail, 16)[0]
    for header in range(start, start + 40 * sections, 40):
        if tail[header:header + 8] == b".idata$7":
            size, pointer = struct.unpack_from("<II", tail, header + 16)
            return tail[pointer:pointer + size].split(b"\0")[0].decode("ascii", "replace") or None
    return None


def _stub_sources() -> list[Path]:
    return sorted(p for p in (support_dir() / "Windows").iterdir() if p.suffix in (".c", ".def"))


def compile_cross_runtime(tools: CrossTools) -> CrossRuntime:
    """The stub and import libraries for *tools*, compiled once per toolchain, sources and mingw-w64
    folder (a content digest names the cache folder), into a staging folder renamed into place."""
    digest = hashlib.sha256(repr((tools.name, tools.cc, tools.lld_link, tools.dlltool, str(tools.import_libraries))).encode())
    for source in [*_stub_sources(), tools.import_libraries / UCRT_ARCHIVE]:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    runtime = CrossRuntime(cache_dir() / "windows-crt" / f"x64-{digest.hexdigest()[:16]}")
    if runtime.stub.is_file():
        return runtime
    runtime.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=runtime.folder.parent, prefix=".build-"))
    try:
        _build_cross_runtime(tools, CrossRuntime(staging))
        try:
            os.replace(staging, runtime.folder)
        except OSError:
            if not runtime.stub.is_file():  # another build won the race only if it left a complete folder
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return runtime


def _build_cross_runtime(tools: CrossTools, runtime: CrossRuntime) -> None:
    for source in _stub_sources():
        if source.suffix == ".c":
            # No stack protector: the stub sets the cookie protected code checks. -g0: zig adds
            # CodeView otherwise; the stub's symbols are in the map lld-link can write.
            _tool(tools.cc, "-O2", "-g0", "-fno-stack-protector",
                  "-ffreestanding", "-fno-builtin", "-c", str(source), "-o", str(runtime.stub))
        else:
            _tool(tools.dlltool, "-m", "i386:x86-64", "-d", str(source),
                  "-l", str(runtime.folder / source.with_suffix(".lib").name))
    for dll, names in data_only_imports(tools.import_libraries / UCRT_ARCHIVE).items():
        definition = runtime.folder / f"{dll[:-4]}-thunks.def"
        definition.write_text(f"LIBRARY {dll}\nEXPORTS\n" + "".join(f"{name}\n" for name in names))
        _tool(tools.dlltool, "-m", "i386:x86-64", "-d", str(definition), "-l", str(definition.with_suffix(".lib")))
    runtime.libraries.mkdir()
    for archive in tools.import_libraries.glob("lib*.a"):
        (runtime.libraries / f"{archive.name[3:-2]}.lib").symlink_to(archive)


def _tool(command: tuple[str, ...], *arguments: str) -> None:
    result = subprocess.run([*command, *arguments], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise AotWheelError(
            f"building aotwheel's Windows CRT stub failed: {' '.join(map(shlex.quote, (*command, *arguments)))}\n"
            f"{result.stdout}{result.stderr}".rstrip()
        )


@dataclass(frozen=True)
class WindowsCrossLink:
    """The link of one Windows target on Linux."""

    target: Target
    tools: CrossTools

    def describe(self) -> str:
        return self.tools.describe()

    def msbuild_properties(self, build_root: Path) -> dict[str, str]:
        """Past the SDK's cross-OS check and its Visual Studio lookup, to the wrapper below; source
        link is an MSVC linker option lld-link refuses."""
        return {
            "DisableUnsupportedError": "true",
            "IlcUseEnvironmentalTools": "true",
            "CppLinker": str(self.write_linker(build_root)),
            "EnableSourceLink": "false",
        }

    def linker_arguments(self, runtime: CrossRuntime) -> list[str]:
        """What the wrapper adds to the SDK's link: the MSVC runtime libraries left out, the stub and
        the import libraries in."""
        return [
            *(f"/NODEFAULTLIB:{name}" for name in MSVC_RUNTIME_LIBRARIES),
            f"/LIBPATH:{runtime.libraries}", str(runtime.stub), *map(str, runtime.extra_imports()),
        ]

    def write_linker(self, build_root: Path) -> Path:
        runtime = compile_cross_runtime(self.tools)
        quoted = " ".join(map(shlex.quote, self.tools.lld_link))
        added = " ".join(map(shlex.quote, self.linker_arguments(runtime)))
        text = (
            "#!/bin/sh\n"
            f"# Written by aotwheel: NativeAOT's linker for {self.target.rid}, as lld-link ({self.tools.name}) with\n"
            "# mingw-w64's import libraries and aotwheel's CRT stub in place of the MSVC runtime.\n"
            f'exec {quoted} "$@" {added}\n'
        )
        # Another toolchain or stub: another name, so another publish command.
        return script_named_by_content(build_root / "windows", f"lld-link-{self.target.rid}", text)


def plan_windows_link(target: Target, configured: str | None) -> WindowsCrossLink | None:
    """The cross link of a Windows *target* built here; None where the SDK links (MSVC on Windows).
    A Windows target off Windows needs the lld tools now, before anything compiles."""
    if target.os != "windows":
        return None
    linker = windows_linker(configured)
    if host_os() == "windows":
        if linker == LLD:
            raise AotWheelError(
                f"windows-linker = \"{LLD}\" cross-links from Linux; on Windows, {target.rid} links with MSVC "
                f"(windows-linker = \"{MSVC}\", the default there)"
            )
        return None
    if linker == MSVC:
        raise AotWheelError(
            f"windows-linker = \"{MSVC}\": {target.rid} is linked by Visual Studio, on Windows; build it there "
            f"(the CI workflow from `aotwheel generate-ci` does), or set windows-linker = \"{LLD}\" to link it here"
        )
    return WindowsCrossLink(target, find_cross_tools(target))


def unresolved_symbols(lines: Iterable[str]) -> list[str]:
    """The symbols a failed lld-link left undefined, in its order, each once."""
    return list(dict.fromkeys(m.group(1).strip() for line in lines if (m := _UNDEFINED.search(line))))


def runtime_pack_version(link_response_file: Path) -> str | None:
    """The NativeAOT runtime pack version a link used (10.0.12), read from the SDK's link.rsp."""
    try:
        match = _RUNTIME_PACK.search(link_response_file.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return None
    return match.group(1) if match else None


def unresolved_error(library: Path, target: Target, symbols: list[str], framework: str, version: str | None) -> AotWheelError:
    runtime = f".NET {version}" if version else framework
    guard = [s for s in symbols if s.startswith("__guard_")]
    hint = (
        " Control-flow guard (ControlFlowGuard=Guard) needs the load-configuration directory of MSVC's CRT: "
        f"build with MSVC on Windows (windows-linker = \"{MSVC}\") or leave it off."
        if guard else
        f" The {runtime} runtime asks them of Microsoft's C runtime, and aotwheel's CRT stub "
        "(csharp_src/support/Windows/crt_stub.c) does not provide them (what a runtime asks for can change "
        "with each .NET release). Build for a runtime this aotwheel links ([tool.aotwheel] target-framework, or "
        "msbuild-properties = {RuntimeFrameworkVersion = \"...\"}), or link on Windows with MSVC "
        f"(windows-linker = \"{MSVC}\")."
    )
    return AotWheelError(
        f"linking {library.name} for {target.rid} ({runtime}) left {len(symbols)} symbol(s) undefined: "
        f"{', '.join(symbols)}.{hint}"
    )
