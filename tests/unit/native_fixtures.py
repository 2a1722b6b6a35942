"""Tiny real native libraries built with this machine's toolchains, for the binary and tag tests.

Each library is built once per test run (cached here, not in a conftest) into one temporary
directory; a test whose toolchain is missing is skipped with the reason.
"""

from __future__ import annotations

import atexit
import functools
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# The ELF machine gcc targets here, in platform-tag spelling.
HOST_ELF_MACHINE = {"amd64": "x86_64", "arm64": "aarch64"}.get(
    platform.machine().lower(), platform.machine().lower()
)

ELF_EXPORTS_C = r"""
#include <stdlib.h>
#include <string.h>
int answer(void) { return 42; }
size_t measure(const char *s) { return strlen(s); }
void *grab(size_t n) { return malloc(n); }
__attribute__((weak)) int maybe(void) { return 1; }
__attribute__((visibility("protected"))) int guarded(void) { return 2; }
__attribute__((visibility("hidden"))) int secret(void) { return 3; }
static int local_only(void) { return 4; }
int use_local(void) { return local_only() + secret(); }
int counter = 7;
const int table[4] = {1, 2, 3, 4};
"""

# getrandom is GLIBC_2.25 and reallocarray GLIBC_2.26 on every architecture.
ELF_GLIBC_2_26_C = r"""
#include <stdlib.h>
#include <sys/random.h>
long fill(void *buffer, size_t n) { return getrandom(buffer, n, 0); }
void *grow(void *p, size_t count, size_t size) { return reallocarray(p, count, size); }
"""

# pthread_create moved into libc in glibc 2.34 and got the GLIBC_2.34 version there.
# .NET 8's exports: untyped (NOTYPE) global symbols in .text. Beside them an untyped data symbol and
# a section whose __start_/__stop_ bounds the linker defines, neither of which is a function.
ELF_UNTYPED_C = r"""
__asm__(".text\n.globl untyped_export\nuntyped_export:\n ret\n"
        ".data\n.globl untyped_data\nuntyped_data:\n .long 7\n"
        ".section codesec,\"ax\"\n .long 0\n.text\n");
extern char __start_codesec[], __stop_codesec[];
long typed(void) { return __stop_codesec - __start_codesec; }
"""

ELF_GLIBC_2_34_C = r"""
#include <pthread.h>
static void *run(void *arg) { return arg; }
int spawn(void) {
    pthread_t thread;
    if (pthread_create(&thread, 0, run, 0)) return -1;
    return pthread_join(thread, 0);
}
"""

HELPER_C = "int helper_value(void) { return 5; }\n"
USES_HELPER_C = r"""
#include <stdlib.h>
int helper_value(void);
int doubled(void) { return 2 * helper_value(); }
void *make(size_t n) { return malloc(n); }
"""
USES_ZLIB_C = '#include <zlib.h>\nconst char *zlib_version_string(void) { return zlibVersion(); }\n'

PE_C = r"""
__declspec(dllexport) int add(int a, int b) { return a + b; }
__declspec(dllexport) int mul(int a, int b) { return a * b; }
__declspec(dllexport) int shared_value = 5;
int not_exported(void) { return 3; }
"""
PE_FORWARD_DEF = "LIBRARY forwarding\nEXPORTS\n    add\n    HeapAllocFwd = KERNEL32.HeapAlloc\n"
PE_FORWARD_C = "int add(int a, int b) { return a + b; }\n"
EXE_C = "int main(void) { return 0; }\n"

MACHO_C = r"""
int answer(void) { return 42; }
int twice(int x) { return 2 * x; }
int counter = 7;
__attribute__((visibility("hidden"))) int secret(void) { return 1; }
"""
# lld wants dyld_stub_binder from libSystem when a dylib calls into another one; this stands in
# for the real libSystem, which needs the macOS SDK.
MACHO_LIBSYSTEM_C = 'void binder(void) __asm__("dyld_stub_binder");\nvoid binder(void) {}\n'
MACHO_DEP_C = "int dep_value(void) { return 3; }\n"
MACHO_USES_DEP_C = "int dep_value(void);\nint plus_dep(int x) { return x + dep_value(); }\n"


@functools.lru_cache(maxsize=None)
def build_dir() -> Path:
    """One scratch directory for every library of this test run, removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="aotwheel-native-"))
    atexit.register(shutil.rmtree, directory, True)
    return directory


def require_tool(name: str) -> str:
    """The path of *name* on PATH, or skip the test."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def glibc_version() -> tuple[int, int]:
    """The running glibc's (major, minor), or skip when not on glibc."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        text = ""
    if not text.startswith("glibc "):
        pytest.skip("not a glibc system")
    major, minor = text.split()[1].split(".")[:2]
    return int(major), int(minor)


@functools.lru_cache(maxsize=None)
def _compile(output: str, sources: tuple[tuple[str, str], ...], command: tuple[str, ...]) -> Path:
    """Write *sources* and run *command* (which names them and `{out}`) in build_dir()."""
    directory = build_dir()
    for name, text in sources:
        (directory / name).write_text(text)
    target = directory / output
    argv = [part.replace("{out}", str(target)) for part in command]
    result = subprocess.run(argv, cwd=directory, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"building {output} failed: {' '.join(argv)}\n{result.stderr}")
    return target


def gcc_library(name: str, source: str, *flags: str) -> Path:
    """lib<name>.so built from *source* with `gcc -shared -fPIC`."""
    gcc = require_tool("gcc")
    c_file = f"{name}.c"
    command = (gcc, "-shared", "-fPIC", "-O1", c_file, "-o", "{out}", *flags)
    return _compile(f"lib{name}.so", ((c_file, source),), command)


def elf_exports() -> Path:
    """Functions of every visibility and binding, plus data objects, needing only old glibc."""
    return gcc_library("exports", ELF_EXPORTS_C)


def elf_untyped_exports() -> Path:
    return gcc_library("untyped", ELF_UNTYPED_C)


def elf_glibc_2_26() -> Path:
    """Needs GLIBC_2.25 (getrandom) and GLIBC_2.26 (reallocarray)."""
    if glibc_version() < (2, 26):
        pytest.skip("glibc older than 2.26")
    return gcc_library("glibc226", ELF_GLIBC_2_26_C)


def elf_glibc_2_34() -> Path:
    """Needs GLIBC_2.34 (pthread_create, now in libc.so.6)."""
    if glibc_version() < (2, 34):
        pytest.skip("before glibc 2.34 pthread_create lives in libpthread with an older version")
    return gcc_library("glibc234", ELF_GLIBC_2_34_C)


def elf_uses_helper() -> Path:
    """Links libhelper.so, a library built here and so on no allow-list."""
    helper = gcc_library("helper", HELPER_C, "-Wl,-soname,libhelper.so")
    return gcc_library("useshelper", USES_HELPER_C, f"-L{helper.parent}", "-lhelper")


def elf_uses_zlib() -> Path:
    """Links the system zlib (libz.so.1, on the allow-list); skips without zlib headers."""
    if not any(Path(d, "zlib.h").exists() for d in ("/usr/include", "/usr/local/include")):
        pytest.skip("zlib development files are not installed")
    return gcc_library("useszlib", USES_ZLIB_C, "-lz")


def mingw_dll(compiler: str, name: str) -> Path:
    """<name>.dll with two exported functions and one exported variable."""
    path = require_tool(compiler)
    command = (path, "-shared", "-O1", "pe.c", "-o", "{out}")
    return _compile(f"{name}.dll", (("pe.c", PE_C),), command)


def mingw_forwarding_dll() -> Path:
    """A DLL exporting one function and one forwarder to KERNEL32.HeapAlloc (via a .def file)."""
    path = require_tool("x86_64-w64-mingw32-gcc")
    sources = (("forward.c", PE_FORWARD_C), ("forward.def", PE_FORWARD_DEF))
    command = (path, "-shared", "forward.c", "forward.def", "-o", "{out}")
    return _compile("forwarding.dll", sources, command)


def mingw_exe() -> Path:
    """A Windows executable, which is not a DLL."""
    path = require_tool("x86_64-w64-mingw32-gcc")
    return _compile("program.exe", (("program.c", EXE_C),), (path, "program.c", "-o", "{out}"))


def _require_macho_linker() -> str:
    """clang, if it can link Mach-O with lld (ld64.lld); otherwise skip."""
    clang = require_tool("clang")
    path_dirs = os.environ.get("PATH", "").split(os.pathsep)
    linker_dirs = [Path(clang).resolve().parent, *map(Path, path_dirs)]
    if not any((d / "ld64.lld").exists() for d in linker_dirs):
        pytest.skip("ld64.lld (lld's Mach-O linker) is not installed")
    return clang


def clang_dylib(
    name: str, source: str, target: str, *flags: str, extra: tuple[tuple[str, str], ...] = ()
) -> Path:
    """<name>.dylib linked by ld64.lld for *target* (e.g. arm64-apple-macos11), with no SDK."""
    clang = _require_macho_linker()
    c_file = f"{name}.c"
    command = (
        clang, "-target", target, "-fuse-ld=lld", "-shared", "-nostdlib",
        c_file, "-o", "{out}", *flags,
    )
    return _compile(f"{name}.dylib", ((c_file, source), *extra), command)


def macho_arm64() -> Path:
    """arm64 dylib for macOS 11: LC_BUILD_VERSION and an export trie in LC_DYLD_INFO_ONLY."""
    return clang_dylib("answer_arm64", MACHO_C, "arm64-apple-macos11")


def macho_x86_64() -> Path:
    """x86_64 dylib for macOS 10.13, which lld describes with LC_VERSION_MIN_MACOSX."""
    return clang_dylib("answer_x86_64", MACHO_C, "x86_64-apple-macos10.13")


def macho_with_dependencies() -> Path:
    """arm64 dylib for macOS 12.3 loading @rpath/libdep.dylib and /usr/lib/libSystem.B.dylib."""
    clang_dylib(
        "libSystem", MACHO_LIBSYSTEM_C, "arm64-apple-macos11",
        "-Wl,-install_name,/usr/lib/libSystem.B.dylib",
    )
    clang_dylib(
        "libdep", MACHO_DEP_C, "arm64-apple-macos11", "-Wl,-install_name,@rpath/libdep.dylib"
    )
    return clang_dylib(
        "uses_dep", MACHO_USES_DEP_C, "arm64-apple-macos12.3", "-L.", "-ldep", "-lSystem"
    )


# NativeAOT links its exports with a version script, so they carry a version (add@@V1.0) and
# the version itself appears as an absolute OBJECT symbol named V1.0.
VERSIONED_C = "int answer(void) { return 42; }\nint hidden_by_script(void) { return 0; }\n"
VERSION_SCRIPT = "V1.0 {\n    global: answer;\n    local: *;\n};\n"


def elf_versioned_exports() -> Path:
    """A .so whose exports are versioned by a linker version script, as NativeAOT's are."""
    gcc = require_tool("gcc")
    sources = (("versioned.c", VERSIONED_C), ("versioned.map", VERSION_SCRIPT))
    command = (
        gcc, "-shared", "-fPIC", "versioned.c", "-Wl,--version-script=versioned.map", "-o", "{out}",
    )
    return _compile("libversioned.so", sources, command)


def elf_executable() -> Path:
    """A non-PIE ELF executable (ET_EXEC), which is not a shared library."""
    gcc = require_tool("gcc")
    command = (gcc, "-no-pie", "program.c", "-o", "{out}")
    return _compile("program", (("program.c", EXE_C),), command)
