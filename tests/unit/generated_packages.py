"""Generated packages imported for real, against a gcc-built library with the C ABI of a NativeAOT
one (no SDK needed): the plan's shims and hand-written exports are C functions written by each
test, following the slot convention of plan/types.py; the run-time support every library has
(aotwheel_runtime_start, ..., aotwheel_plan_digest) is C here too.

A plan symbol a test writes no C for gets a stub that reports a failed call, so that a plan can be
imported (its signatures, classes and enums inspected) without a C body for every member.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator, Optional

import pytest

from aotwheel.bindings.files import PackageInput, library_fingerprint, package_files
from aotwheel.plan.model import BindingPlan, MemberKind

# aotwheel's run-time support (csharp_src/support), as C: the runtime needs no starting, the plan
# digest is the one the package expects, blocks are malloc'd (and counted in the data symbol
# live_blocks, which leak tests read), and a handle is a malloc'd int64.
SUPPORT_C = r"""
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
int32_t aotwheel_runtime_start(void) { return 0; }
void aotwheel_signal_front(int32_t faulthandler_enabled) { (void)faulthandler_enabled; }
static int64_t fork_guard[5];
void *aotwheel_fork_guard(void) { return fork_guard; }
const char *aotwheel_plan_digest(void) { return "@digest@"; }
static int64_t live_handles;
int64_t live_blocks;
void aotwheel_free(void *block) { if (block) { free(block); live_blocks--; } }
void aotwheel_free_handle(intptr_t handle) { if (handle) { free((void *)handle); live_handles--; } }
int64_t aotwheel_live_handles(void) { return live_handles; }
/* Callbacks, iterators and tasks (Callbacks.cs, Iterators.cs, Tasks.cs): bound at import, unused here. */
void aotwheel_callbacks_install(void *dispatch) { (void)dispatch; }
int32_t aotwheel_callbacks_install_native(void *dispatch) { (void)dispatch; return 0; }
void aotwheel_callback_result(void *result, const void *data, int32_t length) { (void)result; (void)data; (void)length; }
int32_t aotwheel_callbacks_released(int64_t *ids, int32_t capacity) { (void)ids; (void)capacity; return 0; }
int32_t aotwheel_iterator_next(intptr_t handle, void *buffer, int32_t capacity, int32_t *length, void **error) {
    (void)handle; (void)buffer; (void)capacity; (void)length; (void)error; return 2;
}
int32_t aotwheel_iterator_close(intptr_t handle, void **error) { (void)handle; (void)error; return 0; }
int32_t aotwheel_task_when_done(intptr_t handle, int64_t done, void **error) { (void)handle; (void)done; (void)error; return 0; }
int32_t aotwheel_task_wait(intptr_t handle, int32_t ms, int32_t *done, void **error) { (void)handle; (void)ms; *done = 1; (void)error; return 0; }
int32_t aotwheel_task_result(intptr_t handle, void **result, void **error) { (void)handle; *result = 0; (void)error; return 0; }
int32_t aotwheel_task_cancel(intptr_t handle, void **error) { (void)handle; (void)error; return 0; }
int32_t aotwheel_async_next(intptr_t handle, intptr_t *pending, void **error) { (void)handle; *pending = 0; (void)error; return 0; }
int32_t aotwheel_async_close(intptr_t handle, void **error) { (void)handle; (void)error; return 0; }
static intptr_t new_handle(int64_t value) { int64_t *p = malloc(8); *p = value; live_handles++; return (intptr_t)p; }
/* A native block (Interop.cs Blob): a 4-byte length, then the bytes. */
static uint8_t *blob(const void *data, int32_t length) {
    uint8_t *p = malloc(4 + (size_t)length); memcpy(p, &length, 4); memcpy(p + 4, data, (size_t)length); live_blocks++; return p;
}
static size_t put_string(uint8_t *out, const char *text) {
    int32_t n = (int32_t)strlen(text); memcpy(out, &n, 4); memcpy(out + 4, text, (size_t)n); return 4 + (size_t)n;
}
/* A failed call's error block (Errors.Capture): category, .NET type, message, stack trace, no inner exceptions. */
static int32_t fail(uint8_t **error, const char *category, const char *type, const char *message) {
    uint8_t data[1024]; size_t n = 0; int32_t inner = 0;
    n += put_string(data + n, category); n += put_string(data + n, type); n += put_string(data + n, message);
    n += put_string(data + n, ""); memcpy(data + n, &inner, 4); n += 4;
    *error = blob(data, (int32_t)n);
    return 1;
}
"""

_PLACEHOLDER = re.compile(r"@([\w.]+=?)@")


def c_source(plan: BindingPlan, body: str, digest: Optional[str] = None) -> str:
    """The library's C: the support, *body* (`@qualified_name@` spells a member's symbol, `@Box.size=@`
    a property setter's), and a failing stub for every other symbol the plan names. The library
    carries *digest*, by default the plan's own."""
    symbols = {m.qualified_name + ("=" if m.kind is MemberKind.SETTER else ""): m.symbol for m in plan.members()}
    symbols["digest"] = plan.digest if digest is None else digest
    source = _PLACEHOLDER.sub(lambda match: symbols[match.group(1)], SUPPORT_C + body)
    stubs = [f"int32_t {name}(void) {{ return 1; }}" for name in sorted(plan.symbols())
             if not re.search(rf"\b{re.escape(name)}\s*\(", source)]
    return source + "\n" + "\n".join(stubs) + "\n"


def build_library(plan: BindingPlan, body: str, path: Path, digest: Optional[str] = None) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    source = path.with_suffix(".c")
    source.write_text(c_source(plan, body, digest))
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(path), str(source)], check=True)
    return path


def live_blocks(module: ModuleType) -> int:
    """The native blocks of *module*'s library not freed yet."""
    return ctypes.c_int64.in_dll(module._api._lib, "live_blocks").value


@contextlib.contextmanager
def imported_package(plan: BindingPlan, body: str, root: Path, name: str, digest: Optional[str] = None) -> Iterator[ModuleType]:
    """The package generated from *plan*, imported from *root* with its library built from *body*."""
    package = root / name
    package.mkdir(parents=True)
    library = build_library(plan, body, package / f"lib{name}.so", digest)
    files = package_files(plan, PackageInput(name, "1.0", library.name, library_fingerprint(library)))
    for relative, data in files.items():
        (package / relative).write_bytes(data)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
