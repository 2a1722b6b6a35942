"""The library-shaped sample's numbers, calls that read like Python, and raw exports taking what C
programmers pass (csharp_src/samples/LibraryShaped: Numbers.cs, Pointers.cs), on both backends."""

from __future__ import annotations

import pytest

from support import LEAK_BATCHES, call_json, leak_in

pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


# -- raw exports: pointers as C code passes them (Pointers.cs) ------------------------------------------


def test_raw_pointers_take_none_and_ctypes_objects(library_clean):
    code = """
import ctypes, json, libraryshaped as m
buffer = ctypes.create_string_buffer(32)
number = ctypes.c_int32(0)
m.ptr_store(ctypes.byref(number), 7)
stored = [number.value]
m.ptr_store(ctypes.pointer(number), 9)
stored.append(number.value)
values = (ctypes.c_double * 3)(1.0, 2.0, 4.0)
print(json.dumps({
    "null": m.ptr_last_error(None, 0),  # Geopack's gp_last_error(NULL, 0): the length only
    "copied": [m.ptr_last_error(buffer, len(buffer)), buffer.value.decode()],
    "c_char_p": m.ptr_greeting_length(ctypes.c_char_p(b"World")),  # the endjin sample's call
    "null_name": m.ptr_greeting_length(None),
    "stored": stored,
    "sums": [m.ptr_sum(values, 3), m.ptr_sum(ctypes.byref(values, 8), 2), m.ptr_sum(ctypes.addressof(values), 1),
             m.ptr_sum(ctypes.cast(values, ctypes.POINTER(ctypes.c_double)), 2)],
    "addresses": [m.ptr_address(None) == 0, m.ptr_address(ctypes.c_void_p(ctypes.addressof(values))) == ctypes.addressof(values),
                  m.ptr_address(values) == ctypes.addressof(values), m.ptr_address(ctypes.c_void_p()) == 0,
                  m.ptr_handle(None) == 0, m.ptr_handle(ctypes.byref(number)) == ctypes.addressof(number)],
}))
"""
    assert call_json(library_clean, code) == {
        "null": 8, "copied": [8, "no error"], "c_char_p": len("Hello, World!"), "null_name": -1, "stored": [7, 9],
        "sums": [7.0, 6.0, 1.0, 3.0], "addresses": [True] * 6,
    }


def test_raw_pointers_refuse_wrong_kinds_naming_the_parameter(library_clean):
    code = """
import ctypes, json, libraryshaped as m
found = []
for call in (lambda: m.ptr_store(ctypes.byref(ctypes.c_double()), 1), lambda: m.ptr_sum(1.5, 1),
             lambda: m.ptr_sum(ctypes.pointer(ctypes.c_int32()), 1), lambda: m.ptr_address(-1),
             lambda: m.ptr_handle(bytearray(8))):
    try:
        call()
        found.append("no error")
    except (TypeError, OverflowError) as exc:
        found.append(f"{type(exc).__name__}: {exc}")
print(json.dumps(found))
"""
    found = call_json(library_clean, code)
    assert found[0] == "TypeError: ptr_store() argument 'target' must point to int32 items, not to c_double (a CArgObject)"
    assert found[1].startswith("TypeError: ptr_sum() argument 'values' must be None (NULL), an int address, a ctypes pointer "
                               "(c_char_p, c_void_p, byref(...), a POINTER instance) or a writable C-contiguous buffer of float64")
    assert found[1].endswith("not float")
    assert found[2] == "TypeError: ptr_sum() argument 'values' must point to float64 items, not to c_int (a LP_c_int)"
    assert found[3].startswith("OverflowError: ptr_address() argument 'data' = -1 is not an address")
    assert found[4].startswith("TypeError: ptr_handle() argument 'handle' must be int or an address (None, a ctypes pointer")


# -- complex numbers (Numbers.cs) -------------------------------------------------------------------------


def test_complex_scalars_nullables_and_lists(library_clean):
    code = """
import json, libraryshaped as m
def pair(z):
    return None if z is None else [type(z).__name__, z.real, z.imag]
print(json.dumps({
    "conjugate": pair(m.conjugate(1 + 2j)),
    "from_float": pair(m.conjugate(2.5)),
    "from_int": pair(m.conjugate(3)),
    "maybe": [pair(m.maybe_conjugate(1j)), pair(m.maybe_conjugate(None))],
    "times_i": [pair(z) for z in m.times_i([1, 1j, 2 - 1j])],
}))
"""
    assert call_json(library_clean, code) == {
        "conjugate": ["complex", 1.0, -2.0], "from_float": ["complex", 2.5, -0.0], "from_int": ["complex", 3.0, -0.0],
        "maybe": [["complex", 0.0, -1.0], None],
        "times_i": [["complex", 0.0, 1.0], ["complex", -1.0, 0.0], ["complex", 1.0, 2.0]],
    }


def test_complex_errors_name_the_parameter(library_clean):
    code = """
import json, libraryshaped as m
found = []
for call in (lambda: m.conjugate("1+2j"), lambda: m.conjugate(None), lambda: m.maybe_conjugate("x"),
             lambda: m.sum([1j, "x"])):
    try:
        call()
        found.append("no error")
    except TypeError as exc:
        found.append(str(exc))
print(json.dumps(found))
"""
    assert call_json(library_clean, code) == [
        "conjugate() argument 'value' must be complex, not str",
        "conjugate() argument 'value' must be complex, not NoneType",
        "maybe_conjugate() argument 'value' must be complex, not str",
        "sum() argument 'values': every item must fit complex128 (sum() argument 'values' must be complex, not str)",
    ]


def test_complex_spans_and_arrays_without_numpy(library_clean):
    code = """
import json, libraryshaped as m
roots = m.roots(4)
print(json.dumps({
    "sum": [m.sum([1 + 1j, 2, 3j]).real, m.sum([1 + 1j, 2, 3j]).imag],
    "roots": [type(roots).__name__, [round(z.real, 9) + 0.0 for z in roots], [round(z.imag, 9) + 0.0 for z in roots]],
}))
"""
    assert call_json(library_clean, code) == {"sum": [3.0, 4.0], "roots": ["list", [1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]]}


def test_complex_spans_are_numpy_complex128_zero_copy(library_numpy):
    code = """
import json, numpy as np, libraryshaped as m
values = np.array([1 + 2j, 3 - 1j, 0.5j])
m.double_in_place(values)  # Span<Complex>: written in place
roots = m.roots(3)
wrong = []
for bad in (np.zeros(2, dtype=np.complex64), np.zeros(4)):
    try:
        m.sum(bad)
    except TypeError as exc:
        wrong.append(str(exc))
print(json.dumps({
    "doubled": [[z.real, z.imag] for z in values.tolist()],
    "sum": [m.sum(values).real, m.sum(values).imag],
    "roots": [type(roots).__name__, str(roots.dtype), roots.shape[0], bool(np.allclose(roots ** 3, 1))],
    "scalar": [m.conjugate(np.complex128(1 + 1j)).imag, m.conjugate(np.complex64(2j)).imag],
    "wrong": wrong,
}))
"""
    found = call_json(library_numpy, code)
    assert found["doubled"] == [[2.0, 4.0], [6.0, -2.0], [0.0, 1.0]]
    assert found["sum"] == [8.0, 3.0]
    assert found["roots"] == ["ndarray", "complex128", 3, True]
    assert found["scalar"] == [-1.0, -2.0]
    assert found["wrong"] == ["sum() argument 'values' must be a C-contiguous buffer of complex128, got items of Zf",
                              "sum() argument 'values' must be a C-contiguous buffer of complex128, got items of float64"]


# -- rectangular arrays and tuples of arrays (Numbers.cs) -------------------------------------------------


def test_rectangular_arrays_are_numpy_arrays_in_c_order(library_numpy):
    code = """
import json, numpy as np, libraryshaped as m
matrix = np.arange(6.0).reshape(2, 3)
transposed = m.transpose(matrix)
cube = np.zeros((2, 3, 4), dtype=np.int32)
numbered = m.numbered(cube)
empty = m.eye(0, 3)
wrong = []
for call in (lambda: m.transpose(np.arange(6.0)), lambda: m.transpose(np.zeros((2, 2), dtype=np.float32)),
             lambda: m.transpose(np.arange(6.0).reshape(2, 3).T), lambda: m.total(np.zeros((2, 2), dtype=np.int32))):
    try:
        call()
        wrong.append("no error")
    except (TypeError, ValueError) as exc:
        wrong.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({
    "transposed": [type(transposed).__name__, str(transposed.dtype), list(transposed.shape), transposed.tolist()],
    "numbered": [str(numbered.dtype), list(numbered.shape), bool((numbered.ravel() == 1000 * np.arange(24)).all())],
    "total": m.total(np.arange(12, dtype=np.int64).reshape(3, 4)),
    "read_only": m.transpose(np.broadcast_to(np.ones(2), (3, 2)).copy()).shape[0],
    "empty": list(empty.shape),
    "nested": m.transpose([[1.0, 2.0], [3.0, 4.0]]).tolist(),
    "wrong": wrong,
}))
"""
    found = call_json(library_numpy, code)
    assert found["transposed"] == ["ndarray", "float64", [3, 2], [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]]
    assert found["numbered"] == ["int32", [2, 3, 4], True]
    assert found["total"] == 66 and found["read_only"] == 2 and found["empty"] == [0, 3]
    assert found["nested"] == [[1.0, 3.0], [2.0, 4.0]]
    assert found["wrong"] == [
        "ValueError: transpose() argument 'matrix' must have 2 dimensions, not 1 (shape (6,))",
        "TypeError: transpose() argument 'matrix' must be a C-contiguous buffer of float64, got items of float32",
        "ValueError: transpose() argument 'matrix' must be C-contiguous (for numpy: numpy.ascontiguousarray)",
        "TypeError: total() argument 'matrix' must be a C-contiguous buffer of int64, got items of int32",
    ]


def test_rectangular_arrays_without_numpy_are_nested_lists(library_clean):
    code = """
import json, libraryshaped as m
wrong = []
for call in (lambda: m.transpose([[1.0, 2.0], [3.0]]), lambda: m.transpose([1.0, 2.0]), lambda: m.total([[1, 2.5]])):
    try:
        call()
        wrong.append("no error")
    except (TypeError, ValueError) as exc:
        wrong.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({
    "transposed": m.transpose([[1, 2, 3], [4, 5, 6]]),
    "numbered": m.numbered([[[0, 0], [0, 0]], [[0, 0], [0, 5]]]),
    "total": m.total(((1, 2), (3, 4))),
    "empty": [m.eye(0, 2), m.eye(2, 0), m.transpose([])],
    "wrong": wrong,
}))
"""
    found = call_json(library_clean, code)
    assert found["transposed"] == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert found["numbered"] == [[[0, 1000], [2000, 3000]], [[4000, 5000], [6000, 7005]]]
    assert found["total"] == 10 and found["empty"] == [[], [[], []], []]
    assert found["wrong"][:2] == [
        "ValueError: transpose() argument 'matrix' is not rectangular: rows of lengths [1, 2] at depth 1",
        "TypeError: transpose() argument 'matrix' must be 2-dimensional: nested lists of 2 levels or an array (numpy), "
        "not float at depth 1",
    ]
    assert found["wrong"][2].startswith("TypeError: total() argument 'matrix': every item must fit int64 (")


def test_tuples_of_arrays_come_back_as_numpy_arrays(library_numpy, library_clean):
    code = """
import json, libraryshaped as m
x, y = m.squares(4)
print(json.dumps([type(x).__name__, type(y).__name__, list(x), list(y), list(m.pair_sums(([1.5, 2.5], [1, 2, 3])))]))
"""
    assert call_json(library_numpy, code) == ["ndarray", "ndarray", [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 4.0, 9.0], [4.0, 6]]
    assert call_json(library_clean, code) == ["list", "list", [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 4.0, 9.0], [4.0, 6]]


def test_numbers_do_not_leak_and_cross_from_threads(library_numpy):
    code = LEAK_BATCHES + """
import json, threading, numpy as np, libraryshaped as m
matrix = np.arange(64.0).reshape(8, 8)
values = np.ones(64, dtype=np.complex128)
def work(n):  # fresh results of every kind, none kept
    for i in range(n):
        m.conjugate(complex(i, 1))
        m.maybe_conjugate(None if i % 2 else 1j)
        m.sum(values)
        m.roots(8)
        m.transpose(matrix)
        m.transpose([[1.0, 2.0], [3.0, float(i)]])
        m.numbered(np.zeros((2, 2, 2), dtype=np.int32))
        m.squares(16)
        m.pair_sums(([1.0], [i]))
errors = []
def check(k):
    try:
        for i in range(2000):
            assert m.transpose(np.full((2, 3), float(k)))[2, 1] == k
            assert m.conjugate(complex(k, i)) == complex(k, -i)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=check, args=(k,)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps([rss_batches(work, 5_000), errors]))
"""
    samples, errors = call_json(library_numpy, code)
    assert errors == []
    assert leak_in(samples) is None, leak_in(samples)


# -- calls that read like Python (Numbers.cs) -------------------------------------------------------------


def test_params_arrays_are_star_args(library_clean):
    code = """
import inspect, json, math, libraryshaped as m
wrong = []
for call in (lambda: m.mean_of(1.0, "x"), lambda: m.mean_of([1.0, 2.0]), lambda: m.mean_of(values=[1.0])):
    try:
        call()
        wrong.append("no error")
    except TypeError as exc:
        wrong.append(str(exc))
p = m.Polynomial(1.0, 2.0, 3.0)
print(json.dumps({
    "mean": [m.mean_of(1.0, 2.0, 4.0), m.mean_of(5), math.isnan(m.mean_of()), m.mean_of(*range(1, 5))],
    "describe": [m.describe("n"), m.describe("n", 1, 2, 3)],
    "constructor": [p.at(2.0), m.Polynomial().at(3.0), p.at_complex(1j).real],
    "signatures": [str(inspect.signature(m.mean_of)), str(inspect.signature(m.describe)),
                   str(inspect.signature(m.Polynomial))],
    "wrong": wrong,
}))
"""
    found = call_json(library_clean, code)
    assert found["mean"] == [7 / 3, 5.0, True, 2.5]
    assert found["describe"] == ["n: 0", "n: 3"]
    assert found["constructor"] == [17.0, 0.0, -2.0]
    assert found["signatures"] == ["(*values: float) -> float", "(label: str, *values: int) -> str",
                                   "(*coefficients: float) -> None"]
    assert found["wrong"][0].startswith("mean_of() argument 'values': every item must fit float64")
    assert found["wrong"][1].startswith("mean_of() argument 'values': every item must fit float64")
    assert "mean_of() got an unexpected keyword argument 'values'" in found["wrong"][2]


def test_static_properties_are_attributes(library_clean):
    code = """
import json, libraryshaped as m
before = m.bumps
m.bump()
m.bump()
p = m.Polynomial(1.0)
made = m.Polynomial.made
p.at(1.0)
errors = []
for action in (lambda: setattr(p, "default_degree", 4), lambda: m.no_such_thing):
    try:
        action()
        errors.append("no error")
    except AttributeError as exc:
        errors.append(str(exc))
from libraryshaped import absolute
print(json.dumps({
    "module": [m.absolute, m.rules, before, m.bumps, absolute],
    "class": [m.Polynomial.default_degree, p.default_degree, m.Polynomial.made - made, p.made == m.Polynomial.made],
    "listed": [n in m.__all__ for n in ("absolute", "rules", "bumps")] + [n in dir(m) for n in ("absolute", "bumps")],
    "errors": errors,
}))
"""
    found = call_json(library_clean, code)
    assert found["module"] == [1e-9, "ieee-754", 0, 2, 1e-9]
    assert found["class"] == [3, 3, 1, True]
    assert found["listed"] == [True] * 5
    assert found["errors"] == ["Polynomial.default_degree is a read-only .NET static property",
                               "module 'libraryshaped' has no attribute 'no_such_thing'"]


def test_signatures_show_the_stubs_annotations(library_clean):
    code = """
import inspect, json, pathlib, libraryshaped as m
stub = (pathlib.Path(m.__file__).parent / "_api.pyi").read_text()
print(json.dumps({
    "signatures": [str(inspect.signature(f)) for f in (m.sum, m.double_in_place, m.transpose, m.squares, m.ptr_sum)],
    "stub": [line.strip() for line in stub.splitlines()
             if line.strip().startswith(("def transpose", "def mean_of", "absolute:", "made:", "default_degree:"))],
}))
"""
    found = call_json(library_clean, code)
    assert found["signatures"] == [
        "(values: ArrayLike) -> complex", "(values: ArrayLike) -> None", "(matrix: ArrayLike) -> ArrayResult",
        "(count: int) -> Tuple[ArrayResult, ArrayResult]", "(values: Buffer, count: int) -> float"]
    assert sorted(found["stub"]) == ["absolute: float", "def mean_of(*values: float) -> float: ...",
                                     "def transpose(matrix: ArrayLike) -> ArrayResult: ...",
                                     "default_degree: _typing.ClassVar[int]", "made: _typing.ClassVar[int]"]
