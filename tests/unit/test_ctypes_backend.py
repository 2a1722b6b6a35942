"""The generated ctypes bindings, exercised against a gcc-built library with the same C ABI as a
NativeAOT export (no SDK needed)."""

from __future__ import annotations

import array
import ctypes
import importlib
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aotwheel.abi import PRIMITIVES, AbiType, Export, Parameter
from aotwheel.bindings.base import BindingInput
from aotwheel.bindings.ctypes_backend import CtypesBackend, library_fingerprint

# Besides the exports, the three every aotwheel library has (csharp_src/support/Runtime), as no-ops.
C_SOURCE = r"""
#include <stddef.h>
#include <stdint.h>
int32_t aotwheel_runtime_start(void) { return 0; }
void aotwheel_signal_front(int32_t faulthandler_enabled) { (void)faulthandler_enabled; }
static int64_t fork_guard[5];
void *aotwheel_fork_guard(void) { return fork_guard; }
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


def _type(name: str, pointer: bool = False) -> AbiType:
    return AbiType(PRIMITIVES[name], pointer)


def _export(name: str, returns: AbiType, *parameters: tuple[str, AbiType]) -> Export:
    params = tuple(Parameter(p, p + "_" if p in ("from", "lambda") else p, t) for p, t in parameters)
    return Export(name, name, "Native.Lib", name.title().replace("_", ""), params, returns)


EXPORTS = (
    _export("add", _type("int"), ("a", _type("int")), ("b", _type("int"))),
    _export("echo_byte", _type("byte"), ("v", _type("byte"))),
    _export("echo_sbyte", _type("sbyte"), ("v", _type("sbyte"))),
    _export("echo_ulong", _type("ulong"), ("v", _type("ulong"))),
    _export("echo_float", _type("float"), ("v", _type("float"))),
    _export("sum_doubles", _type("double"), ("values", _type("double", True)), ("count", _type("nint"))),
    _export("fill_squares", _type("void"), ("values", _type("double", True)), ("count", _type("nint"))),
    _export("text_length", _type("nuint"), ("text", _type("byte", True))),
    _export("byte_sum", _type("ulong"), ("data", _type("void", True)), ("length", _type("nuint"))),
    _export("range_sum", _type("long"), ("from", _type("long")), ("to", _type("long"))),
    _export("identity", _type("void", True), ("data", _type("void", True))),
    _export("fill_bytes", _type("void"), ("data", _type("byte", True)), ("count", _type("nuint"))),
    _export("fill_any", _type("void"), ("data", _type("void", True)), ("count", _type("nuint"))),
)


@pytest.fixture(scope="module")
def bound(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    root = tmp_path_factory.mktemp("ctypes_backend")
    package = root / "native_demo"
    package.mkdir()
    (root / "lib.c").write_text(C_SOURCE)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(package / "libdemo.so"), str(root / "lib.c")], check=True)
    fingerprint = library_fingerprint(package / "libdemo.so")
    files = CtypesBackend().render(BindingInput("native_demo", "native-demo", "1.0", "Native", "libdemo.so", fingerprint, EXPORTS))
    for name, data in files.items():
        (package / name).write_bytes(data)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("native_demo")
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("native_demo", None)
        for name in ("native_demo._aotwheel", "native_demo._native"):
            sys.modules.pop(name, None)


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


@pytest.mark.parametrize(
    "call, error, fragment",
    [
        (lambda m: m.add("1", 2), TypeError, "'a'"),
        (lambda m: m.add(1, None), TypeError, "'b'"),
        (lambda m: m.add(1.0, 2), TypeError, "'a'"),
        (lambda m: m.add(2**31, 0), OverflowError, "'a'"),
        (lambda m: m.echo_byte(-1), OverflowError, "'v'"),
        (lambda m: m.echo_byte(256), OverflowError, "'v'"),
        (lambda m: m.echo_sbyte(128), OverflowError, "'v'"),
        (lambda m: m.echo_ulong(2**64), OverflowError, "'v'"),
        (lambda m: m.echo_float("0.5"), TypeError, "'v'"),
        (lambda m: m.sum_doubles([1.0], 1), TypeError, "'values'"),
        (lambda m: m.sum_doubles(array.array("f", [1.0]), 1), TypeError, "float64"),
        (lambda m: m.sum_doubles(array.array("q", [1]), 1), TypeError, "int64"),
        (lambda m: m.sum_doubles(b"12345678", 1), TypeError, "read-only"),
        (lambda m: m.sum_doubles(memoryview(array.array("d", [1.0, 2.0, 3.0]))[::2], 2), ValueError, "C-contiguous"),
        (lambda m: m.sum_doubles(memoryview(bytearray(16)).cast("d").toreadonly(), 2), TypeError, "read-only"),
        (lambda m: m.text_length("a\0b"), ValueError, "NUL"),
        (lambda m: m.text_length("\ud800"), ValueError, "UTF-8"),
        (lambda m: m.text_length(12), TypeError, "'text'"),
        (lambda m: m.sum_doubles(None, 0), TypeError, "'values'"),
    ],
)
def test_bad_arguments_raise_naming_the_parameter(bound, call, error, fragment):
    with pytest.raises(error) as raised:
        call(bound)
    assert fragment in str(raised.value)


def test_buffers_are_passed_without_copying(bound):
    values = array.array("d", [0.0] * 4)
    bound.fill_squares(values, len(values))
    assert list(values) == [0.0, 1.0, 4.0, 9.0]
    assert bound.sum_doubles(values, 4) == 14.0
    assert bound.sum_doubles(memoryview(values), 4) == 14.0
    raw = bytearray(b"\x01\x02\x03")
    assert bound.byte_sum(raw, 3) == 6
    assert bound.byte_sum(array.array("H", [256]), 2) == 1  # void* takes any item type
    assert bound.identity(raw) != 0
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
    assert bound.add.__doc__.startswith("Calls the .NET method Native.Lib.Add(int a, int b) -> int.")
    assert bound.__all__ == [e.python_name for e in EXPORTS]


def test_stub_declares_every_function(tmp_path):
    files = CtypesBackend().render(BindingInput("native_demo", "native-demo", "1.0", "Native", "libdemo.so", (1000, 0), EXPORTS))
    stub = files["__init__.pyi"].decode()
    compile(stub, "__init__.pyi", "exec")
    for export in EXPORTS:
        assert f"def {export.python_name}(" in stub
    assert "def sum_doubles(values: Buffer, count: int) -> float:" in stub
    assert "def text_length(text: BytesLike) -> int:" in stub
    assert files["py.typed"] == b""


def test_help_lists_no_alias_of_the_run_time_helper_as_a_submodule(bound):
    import pydoc

    text = pydoc.render_doc(bound, renderer=pydoc.plaintext)
    contents = text[text.index("PACKAGE CONTENTS"):].split("\n\n", 1)[0]
    assert "_aotwheel" in contents
    assert "SUBMODULES" not in text and "_rt" not in text


def test_pyexport_lends_bytes_only_where_dotnet_cannot_write(tmp_path):
    # [PyExport]: a Span<byte>/Memory<byte> parameter (writable) refuses bytes and str's encodings;
    # ReadOnlySpan<byte> (read-only in C#) borrows them without a copy.
    package = tmp_path / "lent"
    package.mkdir()
    templates = Path(__file__).resolve().parents[2] / "templates" / "ctypes"
    for name in ("_aotwheel.py", "_dotnet.py"):
        shutil.copy(templates / name, package / name)
    (package / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    try:
        dotnet = importlib.import_module("lent._dotnet")
        with pytest.raises(TypeError, match="read-only"):
            dotnet.Borrow(b"\0" * 8, "B", True, "fill() argument 'data'")
        data = b"abc"
        with dotnet.Borrow(data, "B", False, "sum() argument 'data'") as (address, count):
            assert count == 3 and ctypes.string_at(address, 3) == data
        writable = bytearray(b"xyz")
        with dotnet.Borrow(writable, "B", True, "fill() argument 'data'") as (address, count):
            assert address == ctypes.addressof(ctypes.c_char.from_buffer(writable))
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("lent", "lent._dotnet", "lent._aotwheel"):
            sys.modules.pop(name, None)
