"""A raw export's pointer parameters take what C programmers pass: None as NULL, int addresses and
ctypes objects (c_char_p, create_string_buffer, byref, POINTER instances, c_void_p), besides
buffers; imported and called on the ctypes backend against a gcc-built library (no SDK)."""

from __future__ import annotations

import ctypes

import pytest

from aotwheel.plan.model import Backend
from aotwheel.plan.planner import plan_binding
from generated_packages import imported_package
from pyexport_reports import export, pointer, prim, report, support_exports

POINTERS_C = r"""
#include <string.h>
static const char message[] = "no error";
/* Geopack's style: the length of the last error; copies it when given a buffer. */
int32_t last_error(uint8_t *buffer, int32_t capacity) {
    int32_t n = (int32_t)strlen(message);
    if (buffer != 0 && capacity > 0) { int32_t m = n < capacity - 1 ? n : capacity - 1; memcpy(buffer, message, m); buffer[m] = 0; }
    return n;
}
int32_t text_length(const uint8_t *s) { if (!s) return -1; int32_t n = 0; while (s[n]) n++; return n; }
uint64_t address(void *p) { return (uint64_t)p; }
ptrdiff_t echo_nint(ptrdiff_t v) { return v; }
size_t echo_nuint(size_t v) { return v; }
void set_int(int32_t *p, int32_t value) { *p = value; }
double sum_doubles(const double *v, ptrdiff_t n) { double s = 0; for (ptrdiff_t i = 0; i < n; i++) s += v[i]; return s; }
"""

EXPORTS = [
    export("last_error", ("buffer", pointer(prim("byte"))), ("capacity", prim("int")), returns=prim("int")),
    export("text_length", ("text", pointer(prim("byte"))), returns=prim("int")),
    export("address", ("data", pointer(prim("void"))), returns=prim("ulong")),
    export("echo_nint", ("handle", prim("nint")), returns=prim("nint")),
    export("echo_nuint", ("handle", prim("nuint")), returns=prim("nuint")),
    export("set_int", ("target", pointer(prim("int"))), ("value", prim("int"))),
    export("sum_doubles", ("values", pointer(prim("double"))), ("count", prim("nint")), returns=prim("double")),
]
PLAN = plan_binding(report(exports=EXPORTS + support_exports()), {}, Backend.CTYPES)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    with imported_package(PLAN, POINTERS_C, tmp_path_factory.mktemp("pointers"), "pointer_demo") as module:
        yield module


def test_none_is_null(raw):
    assert raw.last_error(None, 0) == len("no error")
    assert raw.text_length(None) == -1
    assert raw.address(None) == 0


def test_ctypes_strings_and_buffers(raw):
    assert raw.text_length(ctypes.c_char_p(b"hello")) == 5
    buffer = ctypes.create_string_buffer(64)
    assert raw.last_error(buffer, len(buffer)) == 8 and buffer.value == b"no error"
    assert raw.text_length(ctypes.c_char_p()) == -1  # a NULL c_char_p


def test_ctypes_pointers_and_addresses(raw):
    number = ctypes.c_int32(0)
    raw.set_int(ctypes.byref(number), 7)
    assert number.value == 7
    raw.set_int(ctypes.pointer(number), 9)
    assert number.value == 9
    values = (ctypes.c_double * 4)(1.0, 2.0, 3.0, 4.0)
    assert raw.sum_doubles(ctypes.byref(values, 8), 2) == 5.0  # byref's offset counts
    assert raw.sum_doubles(ctypes.cast(values, ctypes.POINTER(ctypes.c_double)), 4) == 10.0
    assert raw.address(ctypes.c_void_p(ctypes.addressof(values))) == ctypes.addressof(values)
    assert raw.sum_doubles(ctypes.addressof(values), 3) == 6.0  # an int address, as ctypes takes it
    assert raw.address(ctypes.c_void_p()) == 0


def test_intptr_parameters_take_addresses_too(raw):
    # An IntPtr is a number (a count as often as a handle), so no buffers: None and ctypes pointers.
    number = ctypes.c_int32()
    assert raw.echo_nint(-5) == -5 and raw.echo_nuint(2**64 - 1) == 2**64 - 1
    assert raw.echo_nint(None) == 0 and raw.echo_nuint(None) == 0
    assert raw.echo_nuint(ctypes.byref(number)) == ctypes.addressof(number)
    assert raw.echo_nint(ctypes.c_void_p(ctypes.addressof(number))) == ctypes.addressof(number)
    assert raw.echo_nint(ctypes.c_void_p(2**64 - 8)) == -8  # as C casts it
    with pytest.raises(TypeError, match=r"echo_nint\(\) argument 'handle' must be int or an address \(None, a ctypes"):
        raw.echo_nint(bytearray(8))
    with pytest.raises(OverflowError, match="out of range"):
        raw.echo_nint(2**63)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m: m.set_int(ctypes.byref(ctypes.c_double()), 1), TypeError,
         "set_int() argument 'target' must point to int32 items, not to c_double (a CArgObject)"),
        (lambda m: m.sum_doubles(ctypes.pointer(ctypes.c_int32()), 1), TypeError,
         "sum_doubles() argument 'values' must point to float64 items, not to c_int (a LP_c_int)"),
        (lambda m: m.address(-1), OverflowError, "address() argument 'data' = -1 is not an address"),
        (lambda m: m.address(1.0), TypeError, "address() argument 'data' must be None (NULL), an int address, a ctypes "
                                              "pointer (c_char_p, c_void_p, byref(...), a POINTER instance) or a writable "
                                              "C-contiguous buffer (numpy array"),
        (lambda m: m.address("text"), TypeError, "address() argument 'data' must be None (NULL)"),
        (lambda m: m.set_int(True, 1), TypeError, "set_int() argument 'target' must be None (NULL)"),
    ],
)
def test_wrong_pointers_raise_naming_the_parameter(raw, call, error, message):
    with pytest.raises(error) as raised:
        call(raw)
    assert message in str(raised.value)
