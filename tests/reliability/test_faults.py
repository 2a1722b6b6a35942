"""Faults that must not take Python down with them, or must at least say what happened: .NET's
hardware exceptions beside faulthandler, a stack overflow, a damaged installed library, and
several runtimes under an address-space cap. Every case runs in a child process under a timeout.

The Faults test library is installed once, and copied under other package names: a copy loaded
from another path is another library to the loader, with a runtime, a GC and a signal front of
its own (checked below through /proc/self/maps)."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest

from support import call_json, make_venv, pip_install, run_python

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

COPIES = 6
CAP_KIB = 4_000_000  # `ulimit -v 4000000`, as YARN's vmem check or a container might impose


@pytest.fixture(scope="module")
def faults_python(tmp_path_factory, faults_wheel: Path) -> Path:
    python = make_venv(tmp_path_factory.mktemp("faults") / "venv", system_site_packages=False)
    pip_install(python, faults_wheel)
    site = Path(run_python(python, "import faults, os; print(os.path.dirname(os.path.dirname(faults.__file__)))")
                .stdout.strip())
    for number in range(1, COPIES + 1):
        shutil.copytree(site / "faults", site / f"faults{number}", ignore=shutil.ignore_patterns("__pycache__"))
    return python


def expect_exceptions(*modules: str) -> str:
    """Code that makes each module's library fault in hardware and records what Python saw."""
    return f"""
seen = []
for module in ({", ".join(modules)},):
    for call in (lambda: module.divide(1, 0), lambda: module.read_missing(3)):
        try:
            call()
            seen.append("returned")
        except Exception as exc:
            seen.append(f"{{type(exc).__name__}}: {{exc}}")
"""


DIVIDE = "DotNetZeroDivisionError: Attempted to divide by zero. [System.DivideByZeroException]"
NULL = "DotNetError: Object reference not set to an instance of an object. [System.NullReferenceException]"

# What each scenario does to faulthandler before the faults, around the import (which starts the
# runtime) and the first call.
FAULTHANDLER_ORDERS = {
    "never": ("", ""),
    "enabled before import": ("faulthandler.enable()", ""),
    "enabled after the first call": ("", "faulthandler.enable()"),
    "enabled before, disabled after": ("faulthandler.enable()", "faulthandler.disable()"),
    "enabled after, then disabled": ("", "faulthandler.enable(); faults.divide(4, 2); faulthandler.disable()"),
    "enabled, disabled, enabled again": (
        "", "faulthandler.enable(); faults.divide(4, 2); faulthandler.disable(); faults.divide(4, 2); faulthandler.enable()"),
}


@pytest.mark.parametrize("order", FAULTHANDLER_ORDERS)
def test_hardware_exceptions_arrive_as_python_exceptions_whatever_faulthandler_does(faults_python, order):
    before, after = FAULTHANDLER_ORDERS[order]
    code = f"""
import faulthandler, json
{before}
import faults
assert faults.divide(7, 2) == 3
{after}
{expect_exceptions("faults")}
print(json.dumps([seen, faulthandler.is_enabled()]))
"""
    seen, enabled = call_json(faults_python, code)
    assert seen == [DIVIDE, NULL]
    assert enabled == (order in ("enabled before import", "enabled after the first call", "enabled, disabled, enabled again"))


@pytest.mark.parametrize("order", ["enabled before the imports", "enabled between the imports", "enabled after both"])
def test_two_libraries_each_keep_their_exceptions_and_faulthandler_still_reports_other_crashes(faults_python, order):
    code = f"""
import ctypes, faulthandler, json, sys
{"faulthandler.enable()" if order == "enabled before the imports" else ""}
import faults
faults.divide(4, 2)
{"faulthandler.enable()" if order == "enabled between the imports" else ""}
import faults1
faults1.divide(4, 2)
{"faulthandler.enable()" if order == "enabled after both" else ""}
{expect_exceptions("faults", "faults1")}
maps = open("/proc/self/maps").read()
print(json.dumps([seen, maps.count("/faults/_lib.abi3.so") > 0 and maps.count("/faults1/_lib.abi3.so") > 0]), flush=True)
ctypes.string_at(1)  # a real crash outside .NET: faulthandler must still report it
"""
    result = run_python(faults_python, code, timeout=60)
    seen, two_libraries = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == [DIVIDE, NULL] * 2
    assert two_libraries
    assert result.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in result.stderr
    assert "in <module>" in result.stderr, result.stderr


def test_a_raw_export_that_catches_a_hardware_fault_keeps_working_under_faulthandler(faults_python):
    # A raw export's own catch block sees the DivideByZeroException when faulthandler was enabled
    # before the import (pytest, PySpark's workers), or once any [PyExport] call re-fronted.
    code = """
import faulthandler, json
faulthandler.enable()
import faults
print(json.dumps(faults.divide_or_min(1, 0)))
"""
    assert call_json(faults_python, code) == -2**31


@pytest.mark.parametrize("faulthandler_enabled", [False, True])
@pytest.mark.parametrize("thread", ["main thread", "another thread"])
def test_a_stack_overflow_in_dotnet_is_named_on_stderr(faults_python, faulthandler_enabled, thread):
    call = "faults.recurse(10**9)"
    if thread == "another thread":  # not the one that imported: it gets its signal stack at its first call
        call = f"""
import threading
worker = threading.Thread(target=lambda: {call})
worker.start()
worker.join()"""
    code = f"""
import faulthandler
{"faulthandler.enable()" if faulthandler_enabled else ""}
import faults
{call}
"""
    result = run_python(faults_python, code, timeout=60)
    assert result.returncode == -signal.SIGSEGV
    assert "stack overflow in .NET code" in result.stderr
    assert "faults/_lib.abi3.so" in result.stderr


@pytest.mark.parametrize("damage", ["empty", "64 bytes", "half", "last 3000 bytes cut", "one byte changed"])
def test_a_damaged_library_fails_the_import_naming_the_file(faults_python, tmp_path, damage):
    site = Path(run_python(faults_python, "import faults, os; print(os.path.dirname(faults.__file__))").stdout.strip())
    package = tmp_path / "faults"
    shutil.copytree(site, package, ignore=shutil.ignore_patterns("__pycache__"))
    library = package / "_lib.abi3.so"
    data = library.read_bytes()
    damaged = {
        "empty": b"",
        "64 bytes": data[:64],
        "half": data[: len(data) // 2],
        "last 3000 bytes cut": data[:-3000],
        "one byte changed": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
    }[damage]
    library.write_bytes(damaged)
    code = f"""
import json, sys
sys.path.insert(0, {str(tmp_path)!r})
try:
    import faults
    print(json.dumps(["imported", faults.divide(4, 2)]))
except ImportError as exc:
    print(json.dumps(["ImportError", str(exc)]))
"""
    outcome, message = call_json(faults_python, code)
    assert outcome == "ImportError"
    assert str(library) in message and "reinstall" in message


def test_six_runtimes_under_an_address_space_cap_and_a_clear_error_for_the_seventh(faults_python):
    code = f"""
import importlib, json, resource
resource.setrlimit(resource.RLIMIT_AS, ({CAP_KIB} * 1024, {CAP_KIB} * 1024))
results, refusal = [], None
for name in ["faults"] + [f"faults{{n}}" for n in range(1, {COPIES} + 1)]:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        refusal = str(exc)
        break
    results.append([module.divide(9, 3), module.allocate(64)])
try:
    module.allocate(10_000)  # more than this runtime's heap limit: an exception, not a crash
    too_much = "allocated"
except MemoryError:
    too_much = "MemoryError"
print(json.dumps([results, refusal, too_much]))
"""
    results, refusal, too_much = call_json(faults_python, code)
    assert len(results) >= 4 and all(r == [3, 64] for r in results)
    if refusal is not None:  # how many fit depends on what else the process maps
        assert "RLIMIT_AS" in refusal and "DOTNET_GCRegionRange" in refusal
    assert too_much == "MemoryError"


def test_three_runtimes_and_sixteen_threads_under_a_cap(faults_python):
    code = f"""
import json, resource
from concurrent.futures import ThreadPoolExecutor
resource.setrlimit(resource.RLIMIT_AS, ({CAP_KIB} * 1024, {CAP_KIB} * 1024))
import faults, faults1, faults2
modules = [faults, faults1, faults2]
def work(k):
    module = modules[k % 3]
    return module.allocate(4) + module.divide(k, 1)
with ThreadPoolExecutor(16) as pool:
    total = sum(pool.map(work, range(3000)))
print(json.dumps(total))
"""
    assert call_json(faults_python, code) == 4 * 3000 + sum(range(3000))


def test_the_gc_settings_for_a_cap_do_not_reach_child_processes(faults_python):
    # What the user set before the import (a DOTNET_GCgen0size of theirs, say) stays; nothing is added.
    code = f"""
import json, os, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, ({CAP_KIB} * 1024, {CAP_KIB} * 1024))
before = sorted(k for k in os.environ if k.startswith("DOTNET_GC"))
import faults
faults.divide(4, 2)
child = subprocess.run([sys.executable, "-c", "import os; print(sorted(k for k in os.environ if k.startswith('DOTNET_GC')))"],
                       capture_output=True, text=True).stdout.strip()
print(json.dumps([before, sorted(k for k in os.environ if k.startswith("DOTNET_GC")), child]))
"""
    before, after, child = call_json(faults_python, code)
    assert after == before and child == str(before)


@pytest.mark.parametrize("value", ["4000000", "0x4000000"])
def test_a_heap_limit_the_user_set_is_honoured_and_left_as_it_was(faults_python, value):
    # 64 MiB, as .NET reads it (hex); with a `0x` prefix .NET alone would ignore it.
    code = f"""
import json, os
os.environ["DOTNET_GCHeapHardLimit"] = {value!r}
import faults
try:
    outcome = faults.allocate(200)
except MemoryError:
    outcome = "MemoryError"
print(json.dumps([outcome, os.environ["DOTNET_GCHeapHardLimit"]]))
"""
    assert call_json(faults_python, code) == ["MemoryError", value]


@pytest.mark.parametrize("limit", ["4000000", "8000000", "10000000"])
def test_a_heap_that_fills_its_whole_reservation_raises_memory_error(faults_python, limit):
    # A reservation of twice the limit: the heap reaches the top of its range, where the .NET 10
    # GC leaves the last page of its region map uncommitted (gc_bookkeeping.c). Before the guard,
    # a 128 MiB limit died by SIGSEGV here every time, with nothing on stderr.
    code = f"""
import json, os
os.environ["DOTNET_GCHeapHardLimit"] = {limit!r}
os.environ["DOTNET_GCRegionRange"] = {format(2 * int(limit, 16), "x")!r}
import faults
outcome = []
for _ in range(2):
    try:
        faults.allocate(4000)
    except MemoryError:
        outcome.append("MemoryError")
outcome.append(faults.divide(6, 3))
print(json.dumps(outcome))
"""
    assert call_json(faults_python, code) == ["MemoryError", "MemoryError", 2]


def test_a_gc_setting_dotnet_would_ignore_fails_the_import_naming_it(faults_python):
    code = """
import json, os
os.environ["DOTNET_GCHeapHardLimitPercent"] = "25%"
try:
    import faults
    print(json.dumps("imported"))
except ImportError as exc:
    print(json.dumps(str(exc)))
"""
    message = call_json(faults_python, code)
    assert "DOTNET_GCHeapHardLimitPercent='25%'" in message and "hexadecimal" in message


# How each fatal error in .NET starts, and the cause the one line on stderr gives for it.
FATAL_ERRORS = {
    "exception on a .NET thread": ("faults.start('thread')", signal.SIGABRT,
                                   "unhandled System.InvalidOperationException on a thread .NET code started: the worker thread failed"),
    "exception on a pool thread": ("faults.start('pool')", signal.SIGABRT,
                                   "unhandled System.InvalidOperationException on a .NET thread-pool thread (a work item, a Task "
                                   "or a Timer callback): the pool item failed"),
    "exception in a Timer": ("faults.start('timer')", signal.SIGABRT, "thread-pool thread (a work item, a Task or a Timer callback): the timer failed"),
    "exception escaping a raw export": ("faults.throw_escaping(3)", signal.SIGABRT,
                                        "unhandled System.InvalidOperationException escaping an [UnmanagedCallersOnly] export called "
                                        "from Python: escaped with 3"),
    "FailFast on a .NET thread": ("faults.start('failfast')", signal.SIGABRT, "Environment.FailFast or a fatal error inside the .NET runtime"),
    "FailFast in a call": ("faults.fail_fast_here('stop')", signal.SIGABRT, "Environment.FailFast or a fatal error inside the .NET runtime"),
    "stack overflow on a .NET thread": ("faults.start('overflow')", signal.SIGSEGV, "stack overflow in .NET code"),
    "stack overflow on a pool thread": ("faults.start('pool overflow')", signal.SIGSEGV, "stack overflow in .NET code"),
}


@pytest.mark.parametrize("faulthandler_enabled", [False, True])
@pytest.mark.parametrize("failure", FATAL_ERRORS)
def test_a_fatal_error_in_dotnet_is_named_in_one_line_on_stderr(faults_python, failure, faulthandler_enabled):
    # Before: .NET's own message, which never says which library failed, or (a stack overflow on a
    # thread .NET started) nothing at all.
    start, ending, cause = FATAL_ERRORS[failure]
    code = f"""
import faulthandler, time
{"faulthandler.enable()" if faulthandler_enabled else ""}
import faults
{start}
time.sleep(60)
"""
    result = run_python(faults_python, code, timeout=60)
    assert result.returncode == -ending, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Fatal error in the .NET library ")]
    assert len(lines) == 1, result.stderr
    assert "/faults/_lib.abi3.so: " in lines[0] and cause in lines[0] and lines[0].endswith("The process cannot continue.")
