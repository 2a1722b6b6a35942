"""Generated packages on the ctypes backend, imported and called against a gcc-built library with the
C ABI of a NativeAOT one (no SDK needed): hand-written exports, and a [PyExport] API whose shims are
written in C by the slot convention of plan/types.py."""

from __future__ import annotations

import array
import ast
import ctypes
import dataclasses
import inspect
import pydoc
from pathlib import Path

import pytest

from aotwheel.binary import read_native_library
from aotwheel.discover import check_library
from aotwheel.errors import AotWheelError
from aotwheel.plan.model import Backend, MemberKind
from aotwheel.plan.planner import plan_binding
from generated_packages import imported_package
from pyexport_reports import (
    byref, export, generic, method, named, param, pointer, prim, prop, report, static_class, support_exports, type_,
)

# -- hand-written exports ----------------------------------------------------------------------------

RAW_C = r"""
int32_t add(int32_t a, int32_t b) { return a + b; }
uint8_t echo_byte(uint8_t v) { return v; }
int8_t echo_sbyte(int8_t v) { return v; }
uint64_t echo_ulong(uint64_t v) { return v; }
float echo_float(float v) { return v; }
double sum_doubles(const double *v, ptrdiff_t n) { double s = 0; for (ptrdiff_t i = 0; i < n; i++) s += v[i]; return s; }
void fill_squares(double *v, ptrdiff_t n) { for (ptrdiff_t i = 0; i < n; i++) v[i] = (double)i * i; }
size_t text_length(const uint8_t *s) { size_t n = 0; while (s[n]) n++; return n; }
uint64_t byte_sum(const void *p, size_t n) { uint64_t s = 0; for (size_t i = 0; i < n; i++) s += ((const uint8_t *)p)[i]; return s; }
int64_t range_sum(int64_t from, int64_t to) { return (to - from); }
void *identity(void *p) { return p; }
void fill_bytes(uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = 0xFF; }
void fill_any(void *p, size_t n) { for (size_t i = 0; i < n; i++) ((uint8_t *)p)[i] = 0xFF; }
"""

RAW_EXPORTS = [
    export("add", ("a", prim("int")), ("b", prim("int")), returns=prim("int")),
    export("echo_byte", ("v", prim("byte")), returns=prim("byte")),
    export("echo_sbyte", ("v", prim("sbyte")), returns=prim("sbyte")),
    export("echo_ulong", ("v", prim("ulong")), returns=prim("ulong")),
    export("echo_float", ("v", prim("float")), returns=prim("float")),
    export("sum_doubles", ("values", pointer(prim("double"))), ("count", prim("nint")), returns=prim("double")),
    export("fill_squares", ("values", pointer(prim("double"))), ("count", prim("nint"))),
    export("text_length", ("text", pointer(prim("byte"))), returns=prim("nuint")),
    export("byte_sum", ("data", pointer(prim("void"))), ("length", prim("nuint")), returns=prim("ulong")),
    export("range_sum", ("from", prim("long")), ("to", prim("long")), returns=prim("long")),
    export("identity", ("data", pointer(prim("void"))), returns=pointer(prim("void"))),
    export("fill_bytes", ("data", pointer(prim("byte"))), ("count", prim("nuint"))),
    export("fill_any", ("data", pointer(prim("void"))), ("count", prim("nuint"))),
]
RAW_PLAN = plan_binding(report(exports=RAW_EXPORTS + support_exports()), {}, Backend.CTYPES)


def _folder(module) -> Path:
    return Path(module.__file__).parent


@pytest.fixture(scope="module")
def bound(tmp_path_factory):
    with imported_package(RAW_PLAN, RAW_C, tmp_path_factory.mktemp("raw"), "native_demo") as module:
        yield module


def test_scalars_round_trip(bound):
    assert bound.add(2, 3) == 5
    assert bound.add(a=-7, b=2) == -5
    assert bound.echo_byte(255) == 255
    assert bound.echo_sbyte(-128) == -128
    assert bound.echo_ulong(2**64 - 1) == 2**64 - 1
    assert bound.echo_float(0.5) == 0.5
    assert bound.range_sum(from_=3, to=10) == 7


def test_integer_like_objects_are_accepted(bound):
    class Index:
        def __index__(self):
            return 4

    assert bound.add(Index(), True) == 5


def test_a_native_write_never_reaches_immutable_bytes_or_str(bound):
    # A byte* or void* may be written through: bytes and str go as private copies (bytes objects
    # are shared: constants, and CPython's cached one-byte bytes), writable buffers as themselves.
    constant = b"\x00" * 32
    bound.fill_bytes(constant, 32)
    bound.fill_any(constant, 32)
    bound.fill_bytes(b"a", 1)
    text = "a"
    bound.fill_bytes(text, 1)
    assert constant == bytes(32) and b"\x00" * 32 == bytes(32)
    assert b"a" == bytes([97]) and text == "a" and "a".encode() == bytes([97])
    writable = bytearray(8)
    bound.fill_bytes(writable, 8)
    view = memoryview(bytearray(4))
    bound.fill_any(view, 4)
    assert writable == b"\xff" * 8 and view.tobytes() == b"\xff" * 4


# The buffer messages are _aotwheel.lendable's, the same for [PyExport] spans (test below).
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m: m.add("1", 2), TypeError, "add() argument 'a' must be int, not str"),
        (lambda m: m.add(1, None), TypeError, "add() argument 'b' must be int, not NoneType"),
        (lambda m: m.add(1.0, 2), TypeError, "add() argument 'a' must be int, not float"),
        (lambda m: m.add(2**31, 0), OverflowError, "add() argument 'a' = 2147483648 is out of range [-2147483648, 2147483647]"),
        (lambda m: m.echo_byte(-1), OverflowError, "echo_byte() argument 'v' = -1 is out of range [0, 255]"),
        (lambda m: m.echo_byte(256), OverflowError, "'v' = 256 is out of range [0, 255]"),
        (lambda m: m.echo_sbyte(128), OverflowError, "'v' = 128 is out of range [-128, 127]"),
        (lambda m: m.echo_ulong(2**64), OverflowError, "'v' = 18446744073709551616 is out of range"),
        (lambda m: m.echo_float("0.5"), TypeError, "echo_float() argument 'v' must be float, not str"),
        (lambda m: m.sum_doubles([1.0], 1), TypeError,
         "sum_doubles() argument 'values' must be a writable C-contiguous buffer of float64 (.NET writes into it), not list"),
        (lambda m: m.sum_doubles(array.array("f", [1.0]), 1), TypeError,
         "'values' must be a writable C-contiguous buffer of float64, got items of float32"),
        (lambda m: m.sum_doubles(array.array("q", [1]), 1), TypeError, "got items of int64"),
        (lambda m: m.sum_doubles(b"12345678", 1), TypeError, "got items of uint8"),
        (lambda m: m.sum_doubles(memoryview(array.array("d", [1.0, 2.0, 3.0]))[::2], 2), ValueError,
         "sum_doubles() argument 'values' must be C-contiguous (for numpy: numpy.ascontiguousarray)"),
        (lambda m: m.sum_doubles(memoryview(bytearray(16)).cast("d").toreadonly(), 2), TypeError,
         ".NET writes into it, and this one is read-only"),
        (lambda m: m.text_length("a\0b"), ValueError, "text_length() argument 'text': the str contains a NUL character"),
        (lambda m: m.text_length("\ud800"), ValueError, "the str has a lone surrogate '\\ud800' at index 0; UTF-8"),
        (lambda m: m.text_length(12.0), TypeError, "text_length() argument 'text' must be None (NULL), an int address, a "
                                                   "ctypes pointer (c_char_p, c_void_p, byref(...), a POINTER instance) or a "
                                                   "writable C-contiguous buffer of uint8 (numpy array, array.array, bytearray, "
                                                   "memoryview, a ctypes array such as create_string_buffer(...), bytes or str), "
                                                   "not float"),
        (lambda m: m.sum_doubles(1.5, 0), TypeError, "'values' must be None (NULL), an int address, a ctypes pointer"),
    ],
)
def test_bad_arguments_raise_naming_the_parameter(bound, call, error, message):
    with pytest.raises(error) as raised:
        call(bound)
    assert message in str(raised.value)


def test_buffers_are_passed_without_copying(bound):
    values = array.array("d", [0.0] * 4)
    bound.fill_squares(values, len(values))
    assert list(values) == [0.0, 1.0, 4.0, 9.0]
    assert bound.sum_doubles(values, 4) == 14.0
    assert bound.sum_doubles(memoryview(values), 4) == 14.0
    assert bound.identity(values) == values.buffer_info()[0]
    raw = bytearray(b"\x01\x02\x03")
    assert bound.byte_sum(raw, 3) == 6
    assert bound.byte_sum(array.array("H", [256]), 2) == 1  # void* takes any item type
    as_ctypes = (ctypes.c_double * 3)(1.0, 2.0, 3.0)  # format '<d', which memoryview.cast refuses
    assert bound.sum_doubles(as_ctypes, 3) == 6.0


def test_byte_pointers_take_text(bound):
    assert bound.text_length("héllo") == 6
    assert bound.text_length(b"abc") == 3
    assert bound.text_length(bytearray(b"xy\0")) == 2


def test_empty_buffer_is_a_null_pointer(bound):
    assert bound.sum_doubles(array.array("d"), 0) == 0.0
    assert bound.identity(bytearray()) == 0


def test_numpy_arrays(bound):
    np = pytest.importorskip("numpy")
    values = np.zeros((2, 3))
    bound.fill_squares(values, values.size)
    assert values.ravel().tolist() == [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]
    with pytest.raises(TypeError, match="float32"):
        bound.sum_doubles(np.zeros(3, dtype=np.float32), 3)
    with pytest.raises(ValueError, match="C-contiguous"):
        bound.sum_doubles(np.zeros((3, 3)).T, 9)
    assert bound.add(np.int64(2), np.int32(3)) == 5
    assert bound.echo_float(np.float32(1.5)) == 1.5


def test_signatures_are_real(bound):
    assert str(inspect.signature(bound.add)) == "(a: int, b: int) -> int"
    assert list(inspect.signature(bound.range_sum).parameters) == ["from_", "to"]
    assert bound.add.__doc__.startswith("Calls the .NET method Lib.Exports.Add(int a, int b) -> int.")
    assert bound.__all__ == [e.python_name for e in RAW_PLAN.exports]
    assert bound.add.__module__ == "native_demo" and bound._BACKEND == bound._api.BACKEND == "ctypes"


def test_stub_declares_every_function(bound):
    stub = ast.parse((_folder(bound) / "__init__.pyi").read_text())
    signatures = {node.name: f"({ast.unparse(node.args)}) -> {ast.unparse(node.returns)}"
                  for node in stub.body if isinstance(node, ast.FunctionDef)}
    assert set(signatures) == set(bound.__all__)
    assert signatures["sum_doubles"] == "(values: Buffer, count: int) -> float"
    assert signatures["text_length"] == "(text: BytesLike) -> int"
    assert signatures["identity"] == "(data: BytesLike) -> int"


def test_help_lists_no_alias_of_the_run_time_helper_as_a_submodule(bound):
    text = pydoc.render_doc(bound, renderer=pydoc.plaintext)
    contents = text[text.index("PACKAGE CONTENTS"):].split("\n\n", 1)[0]
    assert "_aotwheel" in contents
    assert "SUBMODULES" not in text and "_rt" not in text


def test_the_plan_matches_the_real_symbol_table(bound):
    library = read_native_library(next(p for p in _folder(bound).iterdir() if p.suffix == ".so"))
    check_library(RAW_PLAN, library, log=lambda line: None)
    one_more = plan_binding(report(exports=RAW_EXPORTS + [export("missing")] + support_exports()), {}, Backend.CTYPES)
    with pytest.raises(AotWheelError, match="missing: declared in the assembly but not exported by libnative_demo.so"):
        check_library(one_more, library, log=lambda line: None)


def test_a_library_of_another_plan_is_refused_at_import(tmp_path):
    with pytest.raises(ImportError) as raised:
        with imported_package(RAW_PLAN, RAW_C, tmp_path, "mixed_demo", digest="0" * 32):
            pass
    message = str(raised.value)
    assert f"was generated from the binding plan {'0' * 32}, but this package from the plan {RAW_PLAN.digest}" in message


# -- a [PyExport] API ----------------------------------------------------------------------------------

COLOR = type_("Lib.Color", kind="enum", values=[{"name": n, "value": {"kind": "int", "value": v}}
                                                 for n, v in (("Red", 0), ("None", 1), ("mro", 2))])
POINT = type_("Lib.Point", record=True, properties=[prop("X", prim("double"), init=True), prop("Y", prim("double"), init=True)],
              methods=[method("", param("X", prim("double")), param("Y", prim("double")), ctor=True)])
COUNTER = type_("Lib.Counter", export={}, methods=[method("", param("start", prim("int")), ctor=True),
                                                   method("Increment", returns=prim("int"), static=False)],
                properties=[prop("Count", prim("int"), write=True)])
API_REPORT = report(static_class(
    method("Add", param("a", prim("int")), param("b", prim("int"), default={"kind": "int", "value": 2}), returns=prim("int")),
    method("Divide", param("a", prim("double")), param("b", prim("double")), returns=prim("double")),
    method("Greet", param("name", prim("string")), returns=prim("string")),
    method("TryHalve", param("n", prim("int")), param("half", byref(prim("int")), out=True), returns=prim("bool")),
    method("Sum", param("values", generic("System.ReadOnlySpan`1", prim("double"))), returns=prim("double")),
    method("Address", param("values", generic("System.ReadOnlySpan`1", prim("double"))), returns=prim("long")),
    method("Fill", param("data", generic("System.Span`1", prim("byte")))),
    method("Next", param("color", named("Lib.Color"), default={"kind": "int", "value": 0}), returns=named("Lib.Color")),
    method("Scale", param("p", named("Lib.Point", "class")), param("by", prim("double")), returns=named("Lib.Point", "class")),
), COLOR, POINT, COUNTER, exports=support_exports())
API_PLAN = plan_binding(API_REPORT, {}, Backend.CTYPES)

# The shims as NativeAOT compiles them (CSharpRenderer.shim): each input's slots, a pointer per
# result, the error pointer; 0 for success, else 1 with *error set.
API_C = r"""
int32_t @add@(int32_t a, int32_t b, int32_t *r0, uint8_t **error) { *r0 = a + b; return 0; }
int32_t @divide@(double a, double b, double *r0, uint8_t **error) {
    if (b == 0) return fail(error, "ZeroDivisionError", "System.DivideByZeroException", "Attempted to divide by zero.");
    *r0 = a / b; return 0;
}
int32_t @greet@(const uint8_t *name, int32_t n, uint8_t **r0, uint8_t **error) {
    uint8_t text[128];
    if (n > 100) return fail(error, "ValueError", "System.ArgumentException", "name is too long");
    memcpy(text, "Hello, ", 7); memcpy(text + 7, name, (size_t)n); text[7 + n] = '!';
    *r0 = blob(text, 8 + n); return 0;
}
int32_t @try_halve@(int32_t n, uint8_t *r0, int32_t *r1, uint8_t **error) { *r0 = n % 2 == 0; *r1 = n / 2; return 0; }
int32_t @sum@(const double *values, intptr_t count, double *r0, uint8_t **error) {
    double s = 0; for (intptr_t i = 0; i < count; i++) s += values[i]; *r0 = s; return 0;
}
int32_t @address@(const double *values, intptr_t count, int64_t *r0, uint8_t **error) { *r0 = (int64_t)(intptr_t)values; return 0; }
int32_t @fill@(uint8_t *data, intptr_t count, uint8_t **error) { memset(data, 0xFF, (size_t)count); return 0; }
int32_t @next@(int32_t color, int32_t *r0, uint8_t **error) { *r0 = color + 1; return 0; }
int32_t @scale@(const uint8_t *point, int32_t n, double by, uint8_t **r0, uint8_t **error) {
    double xy[2];
    if (n != 16) return fail(error, "ValueError", "System.ArgumentException", "a Point is two doubles");
    memcpy(xy, point, 16); xy[0] *= by; xy[1] *= by; *r0 = blob(xy, 16); return 0;
}
int32_t @Counter@(int32_t start, intptr_t *r0, uint8_t **error) { *r0 = new_handle(start); return 0; }
int32_t @Counter.increment@(intptr_t self, int32_t *r0, uint8_t **error) { *r0 = (int32_t)++*(int64_t *)self; return 0; }
int32_t @Counter.count@(intptr_t self, int32_t *r0, uint8_t **error) { *r0 = (int32_t)*(int64_t *)self; return 0; }
int32_t @Counter.count=@(intptr_t self, int32_t value, uint8_t **error) { *(int64_t *)self = value; return 0; }
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with imported_package(API_PLAN, API_C, tmp_path_factory.mktemp("api"), "api_demo") as module:
        yield module


def test_pyexport_calls_convert_arguments_and_results(api):
    assert api.add(2) == 4 and api.add(2, b=5) == 7
    assert api.divide(1, 4) == 0.25
    assert api.greet("Ada") == "Hello, Ada!" and api.greet("Zoë") == "Hello, Zoë!"
    assert api.try_halve(4) == (True, 2) and api.try_halve(5) == (False, 2)
    assert api.sum([1.0, 2.5]) == 3.5 and api.sum(array.array("d", [1.0, 2.0])) == 3.0 and api.sum(()) == 0.0
    assert api.scale(api.Point(1.0, 2.0), 3.0) == api.Point(3.0, 6.0)


def test_enums_cross_as_members_and_keep_unnamed_values(api):
    # None and mro cannot be Python enum members as spelled: the plan renamed them.
    assert [m.name for m in api.Color] == ["Red", "None_", "mro_"]
    assert api.next() is api.Color.None_ and api.next(api.Color.None_) is api.Color.mro_
    assert api.next(1) is api.Color.mro_  # an int in the underlying range is taken
    beyond = api.next(api.Color.mro_)
    assert beyond == 3 and type(beyond) is int  # .NET may return a value the enum does not name
    with pytest.raises(TypeError, match=r"next\(\) argument 'color' must be Color, not bool"):
        api.next(True)


def test_dotnet_exceptions_arrive_as_python_ones(api):
    with pytest.raises(ZeroDivisionError) as raised:
        api.divide(1, 0)
    assert isinstance(raised.value, api.DotNetError)
    assert raised.value.dotnet_type == "System.DivideByZeroException"
    assert str(raised.value) == "Attempted to divide by zero. [System.DivideByZeroException]"
    with pytest.raises(ValueError, match="name is too long"):
        api.greet("x" * 101)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m: m.add("1"), TypeError, "add() argument 'a' must be int, not str"),
        (lambda m: m.add(2**31), OverflowError, "add() argument 'a' = 2147483648 is out of range"),
        (lambda m: m.divide("1", 2), TypeError, "divide() argument 'a' must be float, not str"),
        (lambda m: m.greet(None), TypeError, "greet() argument 'name' must be str, not NoneType"),
        (lambda m: m.greet("\udc00"), ValueError, "greet() argument 'name': the str has a lone surrogate"),
        (lambda m: m.scale((1.0, 2.0), 1.0), TypeError, "scale() argument 'p' must be Point, not tuple"),
        (lambda m: m.scale(m.Point("1", 2.0), 1.0), TypeError, "scale() argument 'p'.x must be float, not str"),
        # spans: the raw exports' messages (_aotwheel.lendable)
        (lambda m: m.sum(array.array("f", [1.0])), TypeError,
         "sum() argument 'values' must be a C-contiguous buffer of float64, got items of float32"),
        (lambda m: m.sum(["x"]), TypeError, "sum() argument 'values': every item must fit float64"),
        (lambda m: m.fill(b"abc"), TypeError,
         "fill() argument 'data' must be a writable C-contiguous buffer of uint8: .NET writes into it, and this one is read-only"),
        (lambda m: m.fill([1, 2]), TypeError,
         "fill() argument 'data' must be a writable C-contiguous buffer of uint8 (.NET writes into it), not list"),
    ],
)
def test_pyexport_bad_arguments_raise_naming_the_parameter(api, call, error, message):
    with pytest.raises(error) as raised:
        call(api)
    assert message in str(raised.value)


def test_spans_are_lent_without_copying(api):
    values = array.array("d", [1.0, 2.0])
    assert api.address(values) == values.buffer_info()[0]
    frozen = bytes(16)  # read-only spans borrow read-only buffers too, without a copy
    assert api.address(memoryview(frozen).cast("d")) == ctypes.cast(ctypes.c_char_p(frozen), ctypes.c_void_p).value
    data = bytearray(3)
    api.fill(data)
    assert data == b"\xff" * 3
    np = pytest.importorskip("numpy")
    column = np.arange(4.0)
    assert api.address(column) == column.ctypes.data and api.sum(column) == 6.0


def test_objects_hold_a_handle_until_closed(api):
    from api_demo import _dotnet

    counter = api.Counter(5)
    assert counter.increment() == 6 and counter.count == 6
    counter.count = 10
    assert counter.count == 10 and _dotnet.live_handles() == 1
    counter.close()
    assert counter.closed and _dotnet.live_handles() == 0
    with pytest.raises(ValueError, match="the Counter object is closed"):
        counter.increment()
    with api.Counter(1) as scoped:
        assert scoped.increment() == 2
    assert scoped.closed and _dotnet.live_handles() == 0


def test_records_are_frozen_dataclasses(api):
    point = api.Point(1.0, 2.0)
    assert repr(point) == "Point(x=1.0, y=2.0)" and point == api.Point(x=1.0, y=2.0) and hash(point) == hash(api.Point(1.0, 2.0))
    assert [f.name for f in dataclasses.fields(api.Point)] == ["x", "y"]
    assert dataclasses.replace(point, y=5.0) == api.Point(1.0, 5.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 3.0


def test_pyexport_signatures_are_real_and_the_module_is_the_package(api):
    add = inspect.signature(api.add)
    assert str(add) == "(a: int, b: int = 2) -> int"
    assert inspect.signature(api.next).parameters["color"].default is api.Color.Red
    assert inspect.signature(api.try_halve).return_annotation == __import__("typing").Tuple[bool, int]
    assert inspect.signature(api.scale).parameters["p"].annotation is api.Point
    assert api.add.__module__ == api.Point.__module__ == api.Counter.__module__ == "api_demo"
    assert api.__all__ == ["DotNetError", *API_PLAN.public_names]
    assert api._BACKEND == "ctypes" and api._BACKEND_REASON == "the package was built with backend = 'ctypes'"


def test_the_native_backend_falls_back_to_ctypes_where_lib_does_not_load(tmp_path):
    # Without the extension module `_lib` (PyPy, a free-threaded build), the same calls serve.
    plan = plan_binding(API_REPORT, {}, Backend.NATIVE)
    assert {m.kind for m in plan.members()} >= {MemberKind.FUNCTION, MemberKind.CONSTRUCTOR, MemberKind.SETTER}
    with imported_package(plan, API_C, tmp_path, "fallback_demo") as module:
        assert module._BACKEND == "ctypes" and module._BACKEND_REASON.startswith("the native extension module did not load here")
        assert module.add(1) == 3 and module.Counter(2).increment() == 3
