"""The library-shaped sample's numbers, calls that read like Python, and raw exports taking what C
programmers pass (csharp_src/samples/LibraryShaped: Numbers.cs, Pointers.cs), on both backends."""

from __future__ import annotations

import pytest

from support import call_json

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
