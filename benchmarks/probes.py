"""The measurements, run by benchmarks/run.py in a child process of the benchmark venv.

Each subcommand prints one JSON document on stdout. The child imports the generated packages
(installed from the built wheels), loads the same NativeAOT library directly with ctypes, and loads
the gcc-compiled floor (benchmarks/floor.c) through ctypes and through cffi's API mode; every
variant of an operation is timed in the same process, round after round, in rotating order, so that
a noisy neighbour hits all of them alike. Both packages, the PoC sample's raw exports and the
[PyExport] sample, run on the backend that AOTWHEEL_BACKEND selected; run.py starts the call and
threads probes once per backend, and the probes check the backend before measuring.

    python probes.py calls        --floor floor.so --cffi DIR --backend native|ctypes [--rounds 15]
    python probes.py instructions --floor floor.so --cffi DIR --backend native|ctypes --marker marker.so \
                                  --n1 N1 --n2 N2
                                  (under valgrind --tool=callgrind; see probe_instructions)
    python probes.py bulk    --floor floor.so [--rounds 7] [--size-library LIB] [--floor-default-align LIB]
    python probes.py threads --floor floor.so --backend native|ctypes [--rounds 15]

Start-up is measured by startup_probe.py, which must import nothing before it starts its clock.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import decimal
import importlib
import json
import math
import os
import re
import statistics
import sys
import threading
import time
import timeit
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Sequence, Tuple

PACKAGE = "aotsample_poc"
PYEXPORT_PACKAGE = "pyexportsample"  # built from csharp_src/samples/PyExportSample
# The [PyExport] functions whose shims the calls probe times directly through ctypes, with the
# argtypes _api.py gives them (a shim's symbol is aotwheel_<entry-point number>_<function>).
PYEXPORT_SHIMS = ("add_many", "echo_string", "sum", "throw")

# The C signatures of the exports (the same as the generated binding declares; checked below).
SIGNATURES: Dict[str, Tuple[tuple, Any]] = {
    "add": ((ctypes.c_int32, ctypes.c_int32), ctypes.c_int32),
    "add_releasing_gil": ((ctypes.c_int32, ctypes.c_int32), ctypes.c_int32),
    "copy_utf8": ((ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32), ctypes.c_int32),
    "sum_doubles": ((ctypes.c_void_p, ctypes.c_ssize_t), ctypes.c_double),
    "scale_doubles": ((ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_double), None),
    "increment_floats": ((ctypes.c_void_p, ctypes.c_ssize_t), None),
    "spin": ((ctypes.c_int64,), ctypes.c_int64),
}

CONVERSION_VALUES = {
    "x": 1.5,
    "when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
    "aware": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    "delta": datetime.timedelta(days=3, seconds=5, microseconds=7),
    "day": datetime.date(2024, 5, 6),
    "clock": datetime.time(7, 8, 9, 10),
    "guid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": decimal.Decimal("-12345.6789"),
}
TEXT = "Grüße aus Zürich — ça va? ✓ 12345"  # 33 characters, 41 bytes of UTF-8


class ProbeError(Exception):
    pass


# -- loading ---------------------------------------------------------------------------------------


def load_package():
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError as exc:
        raise ProbeError(f"cannot import {PACKAGE} (the wheel built from the PoC sample): {exc}") from None
    missing = [name for name in SIGNATURES if not hasattr(package, name)]
    if missing:
        raise ProbeError(
            f"{package.__file__} lacks the exports {', '.join(missing)}: the wheel was built from an older "
            "csharp_src/samples/PocExports/Exports.cs"
        )
    return package


def check_backends(package, pyexport_api, expected: str) -> None:
    """Both packages run on *expected*, the backend this probe process was started for."""
    running = {PACKAGE: package._BACKEND, PYEXPORT_PACKAGE: pyexport_api.BACKEND}
    wrong = {name: backend for name, backend in running.items() if backend != expected}
    if wrong:
        raise ProbeError(f"this probe was started for the {expected} backend (AOTWHEEL_BACKEND="
                         f"{os.environ.get('AOTWHEEL_BACKEND')!r}), but " + ", ".join(
                             f"{name} runs on {backend}" for name, backend in wrong.items()))


def native_library_path(package) -> Path:
    libraries = sorted(Path(package.__file__).parent.glob("*.so"))
    if len(libraries) != 1:
        raise ProbeError(f"expected one native library in {Path(package.__file__).parent}, found {libraries}")
    return libraries[0]


def load_c_library(path: Path, package=None) -> ctypes.CDLL:
    """*path* loaded with ctypes, each export given the argtypes/restype the generated binding uses."""
    try:
        library = ctypes.CDLL(str(path.resolve()))  # by absolute path: never a search of the library path
    except OSError as exc:
        raise ProbeError(f"cannot load {path}: {exc}") from None
    for name, (argtypes, restype) in SIGNATURES.items():
        function = getattr(library, name)  # cached on the CDLL (library[name] would be a fresh object)
        function.argtypes, function.restype = argtypes, restype
        bound = getattr(package, f"_fn_{name}", None) if package is not None else None
        # On the native backend the binding's function pointers carry no prototype (its entry points
        # convert the arguments and call the address): the ctypes process checks them.
        if bound is not None and bound.argtypes is not None \
                and (tuple(bound.argtypes), bound.restype) != (argtypes, restype):
            raise ProbeError(
                f"the generated binding declares {name} as {bound.argtypes} -> {bound.restype}; "
                f"the benchmark assumes {argtypes} -> {restype}: update SIGNATURES in {__file__}"
            )
    return library


def load_pyexport():
    """The [PyExport] package, and on its ctypes backend its library loaded again through plain
    ctypes with the shims of PYEXPORT_SYMBOLS given the argtypes/restype the generated _api.py gives
    them (None on the native backend, whose _api.py declares no ctypes prototypes)."""
    try:
        package = importlib.import_module(PYEXPORT_PACKAGE)
        api = importlib.import_module(f"{PYEXPORT_PACKAGE}._api")
    except ImportError as exc:
        raise ProbeError(f"cannot import {PYEXPORT_PACKAGE} (the wheel built from the PyExportSample sample): {exc}") from None
    missing = [name for name in ("add_many", "echo_string", "sum", "throw", "crunch", "crunch_holding_gil")
               if not hasattr(package, name)]
    if missing:
        raise ProbeError(f"{package.__file__} lacks {', '.join(missing)}: csharp_src/samples/PyExportSample changed")
    if api.BACKEND != "ctypes":
        return package, None
    library = ctypes.CDLL(str(native_library_path(package).resolve()))
    bound = {re.sub(r"^aotwheel_\d+_", "", getattr(v, "__name__", "")): v for v in vars(api).values()
             if isinstance(v, ctypes._CFuncPtr)}
    shims = {}
    for name in PYEXPORT_SHIMS:
        if name not in bound:
            raise ProbeError(f"{api.__file__} binds no shim of {name}: update PYEXPORT_SHIMS in {__file__}")
        function = library[bound[name].__name__]
        function.argtypes, function.restype = bound[name].argtypes, bound[name].restype
        shims[name] = function
    free = library.aotwheel_free
    free.argtypes, free.restype = (ctypes.c_void_p,), None
    return package, (shims, free)


def numpy_module():
    try:
        import numpy
    except ImportError:
        raise ProbeError("numpy is not importable in the benchmark venv (it must see Debian's python3-numpy)") from None
    return numpy


# -- timing ----------------------------------------------------------------------------------------


def calibrated_timer(statement: str, namespace: Dict[str, Any], target_seconds: float) -> Tuple[timeit.Timer, int]:
    """A timeit.Timer for *statement* and the number of loops that takes about *target_seconds*."""
    timer = timeit.Timer(statement, globals=namespace)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target_seconds / 4 or number >= 10**8:
            return timer, max(1, int(number * target_seconds / max(elapsed, 1e-9)))
        number *= 10


def summary(samples: Sequence[float]) -> Dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": list(samples)}


def rotated(items: Sequence[Any], round_index: int) -> List[Any]:
    shift = round_index % len(items)
    return list(items[shift:]) + list(items[:shift])


def per_round_ratios(samples: Dict[str, List[float]], pairs: Dict[str, Tuple[str, str]]) -> Dict[str, Dict[str, Any]]:
    """Ratios taken within each round (numerator and denominator measured seconds apart), summarised,
    plus the ratio of the two best times ("of_min")."""
    ratios = {}
    for name, (top, bottom) in pairs.items():
        if top in samples and bottom in samples:
            ratios[name] = summary([a / b for a, b in zip(samples[top], samples[bottom])])
            ratios[name]["of_min"] = min(samples[top]) / min(samples[bottom])
    return ratios


# -- calls -----------------------------------------------------------------------------------------


class CallRow(NamedTuple):
    """One timed statement of the calls probe. *processes* are the backends (AOTWHEEL_BACKEND) of
    the probe processes that run it: the generated bindings' calls, [PyExport] and raw, in both
    (*per_backend*: the tables show both), references and baselines in both too (ratios are taken
    within one process; the tables show the native process's), everything that does not depend on
    the backend once."""

    key: str
    group: str
    label: str
    statement: str
    processes: Tuple[str, ...] = ("native",)
    per_backend: bool = False


BACKENDS = ("native", "ctypes")
BOTH = BACKENDS
# The empty statement: timeit's own loop, subtracted from every row ("net" figures).
LOOP = CallRow("loop", "loop", "empty timeit loop (pass)", "pass", BOTH)
# Each group: its title and its reference, the row its ratios divide by.
CALL_GROUPS = {
    "add": ("two small ints in, one out", "gcd"),
    "gil": ("a call that releases the GIL vs one that holds it", "gcd"),
    "string": (f"a {len(TEXT)}-character str in, the same str out; the same str object every call, its "
               "UTF-8 form cached", "encode_decode"),
    "fresh_string": ("the same with a fresh str every call (t = s[:-1] + s[-1]: no UTF-8 form cached yet)",
                     "fresh_encode_decode"),
    "sum": ("sum of 1,000 float64 (a numpy array)", "numpy_sum"),
    "exception": ("a .NET exception arriving as a Python exception (information)", "python_raise"),
    "conversions": ("one value in, the same value out, by type (the arguments made beforehand)", "echo_double"),
}
CALL_ROWS = (
    CallRow("gcd", "add", "math.gcd(12, 18): C-extension call (reference)", "gcd(12, 18)", BOTH),
    CallRow("add_many", "add", "[PyExport] add_many(1, 2)", "add_many(1, 2)", BOTH, per_backend=True),
    CallRow("add_many_shim", "add", "[PyExport] add_many's shim through ctypes directly (out-cells reused)",
            "px_add(1, 2, 0, r_i32, r_err); px_i32.value", ("ctypes",)),
    # The native backend holds the GIL for add; the ctypes fallback's ctypes.CDLL calls always release it.
    CallRow("raw_add", "add", "raw add(1, 2): generated binding", "raw_add(1, 2)", BOTH, per_backend=True),
    CallRow("raw_add_releasing_gil", "add", "raw add_releasing_gil(1, 2): generated binding, [ReleaseGil]",
            "raw_add_releasing_gil(1, 2)", BOTH, per_backend=True),
    CallRow("raw_add_cdll", "add", "raw add: ctypes.CDLL on the NativeAOT symbol (GIL released)", "aot_add(1, 2)"),
    CallRow("raw_add_pydll", "add", "raw add: ctypes.PyDLL on the NativeAOT symbol (GIL held)", "aot_add_holding(1, 2)"),
    CallRow("gcc_add", "add", "gcc add: ctypes.CDLL (floor of ctypes)", "floor_add(1, 2)"),
    CallRow("cffi_add", "add", "gcc add: cffi API mode (a generated C extension)", "cffi_add(1, 2)"),
    CallRow("crunch", "gil", "[PyExport] crunch(0), ReleaseGil = true", "crunch(0)", BOTH, per_backend=True),
    CallRow("crunch_holding_gil", "gil", "[PyExport] crunch_holding_gil(0), holds the GIL", "crunch_holding_gil(0)", BOTH, per_backend=True),
    CallRow("encode_decode", "string", "s.encode().decode(): no call (reference)", "s.encode().decode()", BOTH),
    CallRow("echo_string", "string", "[PyExport] echo_string(s)", "echo_string(s)", BOTH, per_backend=True),
    CallRow("echo_string_shim", "string", "[PyExport] echo_string's shim through ctypes directly",
            "b = s.encode(); px_echo(b, len(b), r_ptr, r_err); p = px_ptr.value; "
            "string_at(p + 4, c_int32.from_address(p).value).decode(); px_free(p)", ("ctypes",)),
    CallRow("raw_copy_utf8", "string", "raw copy_utf8 + decode: generated binding",
            "n = raw_copy_utf8(s, out, 256); out[:n].decode()", BOTH, per_backend=True),
    CallRow("raw_copy_utf8_cdll", "string", "raw copy_utf8 + decode: ctypes.CDLL on the NativeAOT symbol",
            "n = aot_copy_utf8(s.encode(), out_c, 256); out[:n].decode()"),
    CallRow("gcc_copy_utf8", "string", "gcc copy_utf8 + decode: ctypes.CDLL (floor of ctypes)",
            "n = floor_copy_utf8(s.encode(), out_c, 256); out[:n].decode()"),
    CallRow("cffi_copy_utf8", "string", "gcc copy_utf8 + decode: cffi API mode",
            "n = cffi_copy_utf8(s.encode(), out_p, 256); out[:n].decode()"),
    CallRow("fresh_encode_decode", "fresh_string", "t = s[:-1] + s[-1]; t.encode().decode() (reference)",
            "t = s[:-1] + s[-1]; t.encode().decode()", BOTH),
    CallRow("fresh_echo_string", "fresh_string", "[PyExport] t = s[:-1] + s[-1]; echo_string(t)",
            "t = s[:-1] + s[-1]; echo_string(t)", BOTH, per_backend=True),
    CallRow("fresh_copy", "fresh_string", "t = s[:-1] + s[-1] alone (what both rows above spend making t)",
            "t = s[:-1] + s[-1]", BOTH),
    CallRow("numpy_sum", "sum", "numpy a.sum() (reference)", "a.sum()", BOTH),
    CallRow("sum", "sum", "[PyExport] sum(a)", "sum(a)", BOTH, per_backend=True),
    CallRow("sum_shim", "sum", "[PyExport] sum's shim through ctypes directly (the array's address)",
            "px_sum(address, 1000, r_f64, r_err); px_f64.value", ("ctypes",)),
    CallRow("raw_sum_doubles", "sum", "raw sum_doubles(a, 1000): generated binding", "raw_sum_doubles(a, 1000)",
            BOTH, per_backend=True),
    CallRow("raw_sum_doubles_cdll", "sum", "raw sum_doubles: ctypes.CDLL on the NativeAOT symbol (the address)",
            "aot_sum_doubles(address, 1000)"),
    CallRow("gcc_sum_doubles", "sum", "gcc sum_doubles: ctypes.CDLL (floor of ctypes; the address)",
            "floor_sum_doubles(address, 1000)"),
    CallRow("cffi_sum_doubles", "sum", "gcc sum_doubles: cffi API mode (a double * made once)",
            "cffi_sum_doubles(cffi_address, 1000)"),
    CallRow("python_raise", "exception", "Python raise + except (reference)",
            "try:\n    raise RuntimeError('boom')\nexcept RuntimeError:\n    pass", BOTH),
    CallRow("throw", "exception", "[PyExport] throw('InvalidOperation') -> DotNetError",
            "try:\n    throw('InvalidOperation')\nexcept DotNetError:\n    pass", BOTH, per_backend=True),
    CallRow("echo_double", "conversions", "[PyExport] echo_double(x): a float (reference)", "echo_double(x)", BOTH,
            per_backend=True),
    CallRow("echo_datetime", "conversions", "[PyExport] echo_date_time(when): a naive datetime",
            "echo_date_time(when)", BOTH, per_backend=True),
    CallRow("echo_aware", "conversions", "[PyExport] echo_date_time_offset(aware): an aware datetime (timezone +2:00)",
            "echo_date_time_offset(aware)", BOTH, per_backend=True),
    CallRow("echo_timedelta", "conversions", "[PyExport] echo_time_span(delta): a timedelta", "echo_time_span(delta)",
            BOTH, per_backend=True),
    CallRow("echo_date", "conversions", "[PyExport] echo_date_only(day): a date", "echo_date_only(day)", BOTH,
            per_backend=True),
    CallRow("echo_time", "conversions", "[PyExport] echo_time_only(clock): a time", "echo_time_only(clock)", BOTH,
            per_backend=True),
    CallRow("echo_uuid", "conversions", "[PyExport] echo_guid(guid): a UUID", "echo_guid(guid)", BOTH, per_backend=True),
    CallRow("echo_decimal", "conversions", "[PyExport] echo_decimal(amount): Decimal('-12345.6789')",
            "echo_decimal(amount)", BOTH, per_backend=True),
    CallRow("throw_shim", "exception", "[PyExport] throw's shim through ctypes directly (.NET throw, catch, "
            "serialising; the block freed)", "px_throw(kind, 16, boom, 4, r_err); px_free(px_err.value)", ("ctypes",)),
)
# Where the binding's own time goes (private run-time helpers of the ctypes backend and the raw
# binding; skipped with a note if their API changes). Timed in the ctypes process only, ns only.
INTERNALS = {
    "lendable(ndarray float64)": "px_aw.lendable(a, 'd', True, '', \"sum_doubles() argument 'values'\")",
    "lendable(bytearray)": "px_aw.lendable(out, 'B', True, 'text', \"copy_utf8() argument 'output'\")",
    "lendable(str)": "px_aw.lendable(s, 'B', True, 'text', \"copy_utf8() argument 'text'\")",
    "memoryview(ndarray)": "memoryview(a)",
    "byref(c_char.from_buffer(ndarray))": "byref(c_char.from_buffer(a))",
    "[PyExport] c_int32() + c_void_p() (out-cells)": "c_int32(); c_void_p()",
    "[PyExport] byref(cell)": "byref(px_err)",
    "[PyExport] _dotnet.utf8(str)": "px_rt.utf8(s, \"echo_string() argument 'value'\", False)",
    "Lend(ndarray) enter + exit":
        "with px_aw.Lend(a, 'd', False, '', \"sum() argument 'values'\") as (p, n): pass",
    "[PyExport] _dotnet._read_error() (decode the exception block, no call)":
        "px_rt._read_error(px_rt._Reader(error_block))",
}


def rows_of(backend: str) -> List[CallRow]:
    """The loop baseline and the rows the probe process of *backend* runs, in table order."""
    return [LOOP] + [row for row in CALL_ROWS if backend in row.processes]


def call_rows_in_order(calls: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The merged call rows (run.py's measure_calls) as the tables show them: in CALL_ROWS order, a
    per-backend row once per backend (native first), any other row once (the native process's
    where both ran it)."""
    shown = []
    for row in CALL_ROWS:
        backends = BACKENDS if row.per_backend else row.processes[:1]
        shown += [calls["rows"][f"{backend}/{row.key}"] for backend in backends]
    return shown


def call_label(entry: Dict[str, Any]) -> str:
    """A row's label, naming the backend of a per-backend row."""
    row = next(r for r in CALL_ROWS if r.key == entry["key"])
    if row.per_backend:
        return f"{row.label}, {'native backend' if entry['backend'] == 'native' else 'ctypes fallback'}"
    return row.label


def load_cffi(folder: str):
    """The cffi API-mode module built from benchmarks/floor.c by cffi_floor.py into *folder*."""
    sys.path.insert(0, folder)
    try:
        return importlib.import_module("aotbench_cffi_floor")
    except ImportError as exc:
        raise ProbeError(f"cannot import the cffi floor module from {folder}: {exc}") from None
    finally:
        sys.path.remove(folder)


def call_setup(args: argparse.Namespace) -> Dict[str, Any]:
    """The namespace every call statement runs in, after checking that every variant gives the same
    answers, and that the [PyExport] package runs on the backend this process was started for."""
    np = numpy_module()
    package = load_package()
    aot = load_c_library(native_library_path(package), package)
    aot_holding = ctypes.PyDLL(str(native_library_path(package).resolve())).add
    aot_holding.argtypes, aot_holding.restype = SIGNATURES["add"]
    floor = load_c_library(Path(args.floor))
    cffi_module = load_cffi(args.cffi)
    cffi, ffi = cffi_module.lib, cffi_module.ffi
    values = np.random.default_rng(1).random(1000)
    address = values.ctypes.data
    output = bytearray(256)
    output_c = (ctypes.c_char * len(output)).from_buffer(output)  # the same memory, as a ctypes array
    px, px_lib = load_pyexport()
    check_backends(package, importlib.import_module(f"{PYEXPORT_PACKAGE}._api"), args.backend)
    namespace: Dict[str, Any] = {
        "binding": package, "gcd": math.gcd,
        "raw_add": package.add, "raw_add_releasing_gil": package.add_releasing_gil,
        "raw_copy_utf8": package.copy_utf8, "raw_sum_doubles": package.sum_doubles,
        "aot_add": aot.add, "aot_add_holding": aot_holding, "aot_copy_utf8": aot.copy_utf8,
        "aot_sum_doubles": aot.sum_doubles,
        "floor_add": floor.add, "floor_copy_utf8": floor.copy_utf8, "floor_sum_doubles": floor.sum_doubles,
        "cffi_add": cffi.add, "cffi_copy_utf8": cffi.copy_utf8, "cffi_sum_doubles": cffi.sum_doubles,
        "cffi_address": ffi.cast("double *", address), "out_p": ffi.from_buffer(output),
        "a": values, "address": address, "s": TEXT, "out": output, "out_c": output_c,
        "c_char": ctypes.c_char, "byref": ctypes.byref, "memoryview": memoryview,
        # The [PyExport] functions under their own names, as `from pyexportsample import ...` gives them.
        "add_many": px.add_many, "echo_string": px.echo_string, "sum": px.sum, "throw": px.throw,
        "crunch": px.crunch, "crunch_holding_gil": px.crunch_holding_gil, "DotNetError": px.DotNetError,
        "px_rt": importlib.import_module(f"{PYEXPORT_PACKAGE}._dotnet"),
        "px_aw": importlib.import_module(f"{PYEXPORT_PACKAGE}._aotwheel"),
        "echo_double": px.echo_double, "echo_date_time": px.echo_date_time, "echo_date_time_offset": px.echo_date_time_offset,
        "echo_time_span": px.echo_time_span, "echo_date_only": px.echo_date_only, "echo_time_only": px.echo_time_only,
        "echo_guid": px.echo_guid, "echo_decimal": px.echo_decimal, **CONVERSION_VALUES,
        "string_at": ctypes.string_at, "c_int32": ctypes.c_int32, "c_void_p": ctypes.c_void_p,
    }

    # A str keeps the UTF-8 form that PyUnicode_AsUTF8AndSize makes of it (the native backend reads
    # str arguments with it), and s.encode() then copies that instead of encoding. Cached here, so
    # that the rows with s see it in the same state in every process, whichever ran first; the
    # fresh_string rows make a new str each call.
    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
    as_utf8.argtypes, as_utf8.restype = (ctypes.py_object, ctypes.c_void_p), ctypes.c_void_p
    as_utf8(TEXT, None)

    # Same answers from every variant before timing anything.
    for name in ("raw_add", "raw_add_releasing_gil", "aot_add", "aot_add_holding", "floor_add", "cffi_add",
                 "add_many"):
        if namespace[name](2, 3) != 5:
            raise ProbeError(f"{name}(2, 3) != 5")
    n = package.copy_utf8(TEXT, output, len(output))
    if output[:n].decode() != TEXT or floor.copy_utf8(TEXT.encode(), output_c, len(output)) != n \
            or cffi.copy_utf8(TEXT.encode(), namespace["out_p"], len(output)) != n or px.echo_string(TEXT) != TEXT:
        raise ProbeError("copy_utf8 or echo_string does not round-trip the text")
    sums = {package.sum_doubles(values, values.size), aot.sum_doubles(address, values.size),
            floor.sum_doubles(address, values.size), cffi.sum_doubles(namespace["cffi_address"], values.size),
            px.sum(values)}
    if len(sums) != 1 or not math.isclose(sums.pop(), float(values.sum()), rel_tol=1e-12):
        raise ProbeError("sum_doubles disagrees between the bindings, the NativeAOT symbol, the gcc floor and cffi")
    wrong = [name for name, function in (("x", px.echo_double), ("when", px.echo_date_time),
                                         ("aware", px.echo_date_time_offset), ("delta", px.echo_time_span),
                                         ("day", px.echo_date_only), ("clock", px.echo_time_only), ("guid", px.echo_guid),
                                         ("amount", px.echo_decimal))
             if function(CONVERSION_VALUES[name]) != CONVERSION_VALUES[name]]
    if wrong:
        raise ProbeError(f"[PyExport] echoes do not give back {wrong}")
    if px.crunch(1000) != px.crunch_holding_gil(1000) or px.crunch(0) != 1:
        raise ProbeError("[PyExport] crunch and crunch_holding_gil disagree")
    try:
        px.throw("InvalidOperation")
        raise ProbeError("[PyExport] throw('InvalidOperation') raised nothing")
    except px.DotNetError as exc:
        if not isinstance(exc, RuntimeError) or exc.dotnet_type != "System.InvalidOperationException":
            raise ProbeError(f"[PyExport] throw('InvalidOperation') raised {exc!r} ({exc.dotnet_type})") from None
    if px_lib is not None:
        add_shims(namespace, px_lib, values)
    return namespace


def add_shims(namespace: Dict[str, Any], px_lib: Tuple[Dict[str, Any], Any], values: Any) -> None:
    """The [PyExport] shims called through ctypes directly (the ctypes backend's calls without
    its Python wrappers), checked, and a copy of the error block one of them wrote."""
    shims, free = px_lib
    px_i32, px_f64, px_ptr, px_err = ctypes.c_int32(), ctypes.c_double(), ctypes.c_void_p(), ctypes.c_void_p()
    namespace.update({
        "px_add": shims["add_many"], "px_echo": shims["echo_string"],
        "px_sum": shims["sum"], "px_throw": shims["throw"], "px_free": free,
        # Out-cells made once: the direct calls are the cheapest possible use of the shims' ABI.
        "px_i32": px_i32, "px_f64": px_f64, "px_ptr": px_ptr, "px_err": px_err,
        "r_i32": ctypes.byref(px_i32), "r_f64": ctypes.byref(px_f64), "r_ptr": ctypes.byref(px_ptr),
        "r_err": ctypes.byref(px_err), "kind": b"InvalidOperation", "boom": b"boom",
    })
    checks = {
        "add": (eval("px_add(1, 2, 0, r_i32, r_err) or px_i32.value", namespace), 3),
        "sum": (eval("px_sum(address, 1000, r_f64, r_err) or px_f64.value", namespace), namespace["sum"](values)),
        "echo": (eval("px_echo(s.encode(), len(s.encode()), r_ptr, r_err) or "
                      "string_at(px_ptr.value + 4, c_int32.from_address(px_ptr.value).value).decode()", namespace), TEXT),
        "throw": (bool(eval("px_throw(kind, 16, boom, 4, r_err)", namespace)), True),
    }
    free(px_ptr.value)
    # A copy of the block the shim wrote for the exception, to time its decoding alone.
    namespace["error_block"] = ctypes.string_at(px_err.value + 4, ctypes.c_int32.from_address(px_err.value).value)
    free(px_err.value)
    wrong = [name for name, (got, expected) in checks.items() if got != expected]
    if wrong:
        raise ProbeError(f"direct ctypes calls of the [PyExport] shims give wrong answers: {wrong}")


def probe_calls(args: argparse.Namespace) -> Dict[str, Any]:
    """ns per call of every row of this process's backend (and, in the ctypes process, the
    internals), all in the same rounds in rotating order."""
    namespace = call_setup(args)
    statements = {row.key: row.statement for row in rows_of(args.backend)}
    internals = {}
    if args.backend == "ctypes":
        for label, statement in INTERNALS.items():
            try:
                exec(compile(statement, "<internal>", "exec"), namespace)
            except Exception as exc:  # the helper's private API changed: report, do not fail the run
                print(f"note: skipping internal measurement {label}: {exc!r}", file=sys.stderr)
                continue
            internals[label] = statement
            statements[f"internal/{label}"] = statement

    timers = {key: calibrated_timer(statement, namespace, args.batch_seconds) for key, statement in statements.items()}
    samples: Dict[str, List[float]] = {key: [] for key in statements}
    keys = list(statements)
    for round_index in range(args.rounds):
        for key in rotated(keys, round_index):
            timer, number = timers[key]
            samples[key].append(timer.timeit(number) / number * 1e9)
    return {
        "unit": "ns per call", "backend": args.backend, "rounds": args.rounds,
        "rows": {row.key: summary(samples[row.key]) for row in rows_of(args.backend)},
        "internals": {label: {"statement": statement, **summary(samples[f"internal/{label}"])}
                      for label, statement in internals.items()},
    }


def probe_instructions(args: argparse.Namespace) -> Dict[str, Any]:
    """Run under callgrind by run.py: every row of this process's backend, in the loop the ns
    figures come from (timeit's), *n1* and then *n2* times after a warm-up, each run closed by a
    callgrind dump labelled `KEY|N` (benchmarks/callgrind_marker.c). run.py reads the dumps:
    (instructions of the n2 run - those of the n1 run) / (n2 - n1) is one iteration of the loop."""
    namespace = call_setup(args)
    marker = ctypes.CDLL(str(Path(args.marker).resolve())).aotbench_segment_end
    marker.argtypes, marker.restype = (ctypes.c_char_p,), None
    for row in rows_of(args.backend):
        timer = timeit.Timer(row.statement, globals=namespace)
        timer.timeit(args.warm_up)  # specialises the loop's bytecode; first-call work of each function
        marker(f"{row.key}|warm-up".encode())
        for count in (args.n1, args.n2):
            timer.timeit(count)
            marker(f"{row.key}|{count}".encode())
    return {"backend": args.backend, "n1": args.n1, "n2": args.n2, "rows": [row.key for row in rows_of(args.backend)]}


# -- bulk ------------------------------------------------------------------------------------------


def probe_bulk(args: argparse.Namespace) -> Dict[str, Any]:
    np = numpy_module()
    package = load_package()
    floor = load_c_library(Path(args.floor))
    size_lib = load_c_library(Path(args.size_library)) if args.size_library else None
    floor_default_align = load_c_library(Path(args.floor_default_align)) if args.floor_default_align else None

    # Correctness first, on small arrays, including the empty case (the binding passes NULL then).
    for count in (0, 1, 7, 1001):
        x = np.arange(count, dtype=np.float64)
        package.scale_doubles(x, x.size, 2.0)
        y = np.arange(count, dtype=np.float32)
        package.increment_floats(y, y.size)
        if not (np.array_equal(x, np.arange(count) * 2.0) and np.array_equal(y, np.arange(count, dtype=np.float32) + 1)):
            raise ProbeError(f"scale_doubles/increment_floats give wrong results for n = {count}")
        if package.sum_doubles(x, x.size) != floor.sum_doubles(x.ctypes.data, x.size):
            raise ProbeError(f"sum_doubles differs from the gcc loop for n = {count}")

    n = args.elements
    a = np.random.default_rng(2).random(n)  # written, so every page is mapped before timing
    a_address = a.ctypes.data
    copy = np.empty_like(a)
    copy[...] = 0.0
    copy_address = copy.ctypes.data
    side = args.matrix_side
    m = np.ones((side, side), dtype=np.float32)
    m_address = m.ctypes.data
    one = np.float32(1)
    factors = [2.0, 0.5]  # exact in binary: the data never drifts, however many rounds run
    counter = [0]

    def factor() -> float:
        counter[0] += 1
        return factors[counter[0] % 2]

    def numpy_scale() -> None:
        np.multiply(a, factor(), out=a)  # a *= k

    def numpy_increment() -> None:
        np.add(m, one, out=m)  # m += 1

    variants: Dict[str, Dict[str, Callable[[], Any]]] = {
        "sum": {
            "binding": lambda: package.sum_doubles(a, n),
            "floor": lambda: floor.sum_doubles(a_address, n),
            "numpy": lambda: a.sum(),
        },
        "scale": {
            "binding": lambda: package.scale_doubles(a, n, factor()),
            "floor": lambda: floor.scale_doubles(a_address, n, factor()),
            "numpy": numpy_scale,
        },
        "increment": {
            "binding": lambda: package.increment_floats(m, m.size),
            "floor": lambda: floor.increment_floats(m_address, m.size),
            "numpy": numpy_increment,
        },
        "memcpy": {
            "ctypes.memmove": lambda: ctypes.memmove(copy_address, a_address, a.nbytes),
            "numpy.copyto": lambda: np.copyto(copy, a),
        },
    }
    if size_lib is not None:
        variants["sum"]["size_optimised"] = lambda: size_lib.sum_doubles(a_address, n)
        variants["scale"]["size_optimised"] = lambda: size_lib.scale_doubles(a_address, n, factor())
        variants["increment"]["size_optimised"] = lambda: size_lib.increment_floats(m_address, m.size)
    if floor_default_align is not None:
        variants["sum"]["floor_default_align"] = lambda: floor_default_align.sum_doubles(a_address, n)
        variants["scale"]["floor_default_align"] = lambda: floor_default_align.scale_doubles(a_address, n, factor())
        variants["increment"]["floor_default_align"] = lambda: floor_default_align.increment_floats(m_address, m.size)
    traffic = {  # bytes read + bytes written by one call
        "sum": a.nbytes, "scale": 2 * a.nbytes, "increment": 2 * m.nbytes, "memcpy": 2 * a.nbytes,
    }
    repeats = {"sum": 1, "scale": 1, "memcpy": 1, "increment": args.small_repeats}

    for op in variants.values():  # warm-up: page tables, caches, the .NET runtime's first call
        for call in op.values():
            call()
    samples: Dict[str, Dict[str, List[float]]] = {op: {v: [] for v in vs} for op, vs in variants.items()}
    for round_index in range(args.rounds):
        for op in rotated(list(variants), round_index):
            for repeat in range(repeats[op]):
                for variant in rotated(list(variants[op]), round_index + repeat):
                    started = time.perf_counter()
                    variants[op][variant]()
                    samples[op][variant].append(time.perf_counter() - started)

    result: Dict[str, Any] = {
        "elements": n, "matrix": [side, side], "rounds": args.rounds, "small_repeats": args.small_repeats,
        "traffic_bytes": traffic, "operations": {},
    }
    for op, op_samples in samples.items():
        entry: Dict[str, Any] = {"variants": {}}
        for variant, seconds in op_samples.items():
            best = min(seconds)
            entry["variants"][variant] = {
                "ms": summary([s * 1e3 for s in seconds]),
                "gb_per_s_at_median": traffic[op] / statistics.median(seconds) / 1e9,
                "gb_per_s_at_min": traffic[op] / best / 1e9,
            }
        entry["ratios"] = per_round_ratios(op_samples, {
            "binding/floor": ("binding", "floor"),
            "binding/numpy": ("binding", "numpy"),
            "size_optimised/binding": ("size_optimised", "binding"),
            "floor_default_align/floor": ("floor_default_align", "floor"),
        })
        result["operations"][op] = entry
    return result


# -- threads ---------------------------------------------------------------------------------------


def python_spin(iterations: int) -> int:
    state = 88172645463325252
    for _ in range(iterations):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    return state


def run_in_threads(work: Callable[[], Any], threads: int) -> Tuple[float, float]:
    """(wall seconds, process CPU seconds) for *threads* threads to each run *work* once, started together."""
    barrier = threading.Barrier(threads + 1)

    def worker() -> None:
        barrier.wait()
        work()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, time.process_time() - cpu_started


def main_thread_stall(work: Callable[[], Any]) -> Tuple[float, float]:
    """(seconds the main thread could not run Python, seconds *work* took) while another thread runs *work*.

    The main thread waits for the worker to start, sleeps 20 ms and wakes up: it needs the GIL to
    go on. If *work* releases the GIL, the main thread is back after ~20 ms whatever the load; if
    not, it is stuck until *work* returns. Unlike a speedup, this does not need idle CPUs.
    """
    started = threading.Event()
    took = [0.0]

    def worker() -> None:
        started.set()
        began = time.perf_counter()
        work()
        took[0] = time.perf_counter() - began

    thread = threading.Thread(target=worker)
    began = time.perf_counter()
    thread.start()
    started.wait()
    time.sleep(0.02)
    stall = time.perf_counter() - began - 0.02
    thread.join()
    return max(stall, 0.0), took[0]


def calibrate(work: Callable[[int], Any], seconds: float, start: int) -> int:
    iterations = start
    while True:
        began = time.perf_counter()
        work(iterations)
        elapsed = time.perf_counter() - began
        if elapsed >= seconds / 5:
            return max(1, int(iterations * seconds / elapsed))
        iterations *= 4


# The threads probe's variants whose GIL handling depends on the backend: the tables show both
# processes' figures; the others run the same code in both and the tables show the native process's.
THREADS_PER_BACKEND = ("binding", "crunch", "crunch_holding_gil")


def thread_rows_in_order(threads: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(variant, backend of the probe process) of every row the threads tables show, in the
    probe's order; *threads* is {backend: the threads probe's result}."""
    return [(name, backend) for name in threads[BACKENDS[0]]["variants"]
            for backend in (BACKENDS if name in THREADS_PER_BACKEND else BACKENDS[:1])]


def probe_threads(args: argparse.Namespace) -> Dict[str, Any]:
    package = load_package()
    floor = load_c_library(Path(args.floor))
    if package.spin(1000) != floor.spin(1000):
        raise ProbeError("spin() of the C# library and of the gcc floor disagree")
    px, _ = load_pyexport()
    check_backends(package, importlib.import_module(f"{PYEXPORT_PACKAGE}._api"), args.backend)
    native_iterations = calibrate(package.spin, args.seconds, 10**6)
    python_iterations = calibrate(python_spin, args.seconds / 2, 10**4)
    crunch_iterations = calibrate(px.crunch, args.seconds, 10**6)
    # The native backend releases the GIL only where [ReleaseGil] says so (the raw spin has it, as
    # crunch has ReleaseGil = true); the ctypes fallback's ctypes.CDLL calls release it always.
    works: Dict[str, Callable[[], Any]] = {
        "binding": lambda: package.spin(native_iterations),
        "floor": lambda: floor.spin(native_iterations),
        "python": lambda: python_spin(python_iterations),
        "crunch": lambda: px.crunch(crunch_iterations),
        "crunch_holding_gil": lambda: px.crunch_holding_gil(crunch_iterations),
    }
    samples: Dict[str, Dict[str, List[float]]] = {name: {"1": [], "2": []} for name in works}
    cpu_per_wall: Dict[str, List[float]] = {name: [] for name in works}  # CPUs the 2-thread run kept busy
    for round_index in range(args.rounds):
        for name in rotated(list(works), round_index):
            for threads in (("1", "2") if round_index % 2 == 0 else ("2", "1")):
                wall, cpu = run_in_threads(works[name], int(threads))
                samples[name][threads].append(wall)
                if threads == "2":
                    cpu_per_wall[name].append(cpu / wall)
    # GIL check: the gcc spin() through ctypes.PyDLL, which holds the GIL during the call, is the control.
    holding = ctypes.PyDLL(str(Path(args.floor).resolve())).spin
    holding.argtypes, holding.restype = (ctypes.c_int64,), ctypes.c_int64
    gil_works: Dict[str, Callable[[], Any]] = {
        "binding": works["binding"], "floor": works["floor"],
        "floor_pydll": lambda: holding(native_iterations),
        "crunch": works["crunch"], "crunch_holding_gil": works["crunch_holding_gil"],
    }
    stalls: Dict[str, List[Tuple[float, float]]] = {name: [] for name in gil_works}
    for round_index in range(3):
        for name in rotated(list(gil_works), round_index):
            stalls[name].append(main_thread_stall(gil_works[name]))
    result: Dict[str, Any] = {
        "backend": args.backend, "rounds": args.rounds,
        "native_iterations": native_iterations, "python_iterations": python_iterations,
        "crunch_iterations": crunch_iterations,
        "cpu_count": os.cpu_count(), "variants": {},
        "gil": {name: {"main_thread_stall_ms": summary([s * 1e3 for s, _ in rows]),
                       "call_ms": summary([c * 1e3 for _, c in rows])} for name, rows in stalls.items()},
    }
    for name, by_threads in samples.items():
        speedups = [2 * one / two for one, two in zip(by_threads["1"], by_threads["2"])]
        result["variants"][name] = {
            "one_thread_s": summary(by_threads["1"]),
            "two_threads_s": summary(by_threads["2"]),
            "speedup": summary(speedups),
            # Interference from other processes only adds time: the best times are the cleanest pair.
            "speedup_of_min": 2 * min(by_threads["1"]) / min(by_threads["2"]),
            # CPU seconds per wall second of the 2-thread runs: ~2 when both threads really ran at
            # once, ~1 when the GIL (or other processes taking a CPU) serialised them.
            "two_threads_cpu_per_wall": summary(cpu_per_wall[name]),
        }
    return result


# -- entry point -----------------------------------------------------------------------------------


def environment() -> Dict[str, Any]:
    info: Dict[str, Any] = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        info["numpy"] = None
    package = importlib.import_module(PACKAGE)
    info["package_file"] = package.__file__
    info["package_backend"] = package._BACKEND
    info["openblas_env"] = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    info["aotwheel_backend_env"] = os.environ.get("AOTWHEEL_BACKEND")
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("calls", "instructions"):
        command = commands.add_parser(name)
        command.add_argument("--floor", required=True)
        command.add_argument("--cffi", required=True, help="the folder of the cffi API-mode module (cffi_floor.py)")
        command.add_argument("--backend", required=True, choices=BACKENDS,
                             help="the backend AOTWHEEL_BACKEND selected: checked, and which rows to run")
        if name == "calls":
            command.add_argument("--rounds", type=int, default=15)
            command.add_argument("--batch-seconds", type=float, default=0.01)
        else:
            command.add_argument("--marker", required=True, help="callgrind_marker.c, compiled")
            command.add_argument("--warm-up", type=int, default=200)
            command.add_argument("--n1", type=int, required=True, help="iterations of the first counted run")
            command.add_argument("--n2", type=int, required=True, help="iterations of the second counted run")
    bulk = commands.add_parser("bulk")
    bulk.add_argument("--floor", required=True)
    bulk.add_argument("--rounds", type=int, default=7)
    bulk.add_argument("--elements", type=int, default=10**8)
    bulk.add_argument("--matrix-side", type=int, default=4096)
    bulk.add_argument("--small-repeats", type=int, default=3)
    bulk.add_argument("--size-library", help="the size-optimised build's library, timed through ctypes too")
    bulk.add_argument("--floor-default-align", help="floor.c built without -falign-loops, timed too")
    threads = commands.add_parser("threads")
    threads.add_argument("--floor", required=True)
    threads.add_argument("--backend", required=True, choices=BACKENDS,
                         help="the backend AOTWHEEL_BACKEND selected: checked")
    threads.add_argument("--rounds", type=int, default=15)
    threads.add_argument("--seconds", type=float, default=0.1)
    args = parser.parse_args(argv)
    probe = {"calls": probe_calls, "instructions": probe_instructions, "bulk": probe_bulk,
             "threads": probe_threads}[args.command]
    try:
        result = probe(args)
    except ProbeError as exc:
        print(f"probe {args.command} failed: {exc}", file=sys.stderr)
        return 1
    result["environment"] = environment()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
