"""Rendering of the C# shims and the Python side from a [PyExport] model (no SDK needed)."""

from __future__ import annotations

import ast

from aotwheel.bindings.base import BindingInput
from aotwheel.bindings.ctypes_backend import CtypesBackend
from aotwheel.pyexport.api import build_api
from aotwheel.pyexport.csharp import render_shims
from aotwheel.pyexport.python import docstring_literal, render_python
from pyexport_reports import array, byref, generic, method, named, param, prim, prop, report, static_class, type_

POINT = type_("Lib.Point", record=True, properties=[prop("X", prim("double"), init=True)],
              methods=[method("", param("X", prim("double")), ctor=True)])
COUNTER = type_("Lib.Counter", export={}, methods=[method("", ctor=True), method("Next", returns=prim("int"), static=False)],
                properties=[prop("Name", prim("string"), write=True)])
API = build_api(report(static_class(
    method("Sum", param("values", generic("System.ReadOnlySpan`1", prim("double"))), returns=prim("double")),
    method("Fill", param("values", generic("System.Span`1", prim("int")))),
    method("Split", param("text", prim("string")), returns=generic("System.Collections.Generic.List`1", prim("string"))),
    method("Mid", param("a", named("Lib.Point", "class")), returns=named("Lib.Point", "class")),
    method("Div", param("a", prim("int")), param("rest", byref(prim("int")), out=True), returns=prim("int")),
    method("Range", param("n", prim("int")), returns=array(prim("double"))),
    method("Flag", param("on", prim("bool")), param("c", prim("char")), returns=generic("System.Nullable`1", prim("int"))),
), POINT, COUNTER), {})


def test_every_shim_catches_everything_and_reports_through_the_error_pointer():
    source = render_shims(API)
    assert source.count("[UnmanagedCallersOnly(EntryPoint = ") == source.count("catch (global::System.Exception exception)")
    # 7 functions, ctor, method, get, set; and the .map of mid and flag
    assert source.count("return Errors.Capture(exception, error);") == 13
    assert 'EntryPoint = "aotwheel_fn_sum"' in source
    assert "public static int S0(double* a0, nint n0, double* r0, byte** error)" in source
    assert "new global::System.ReadOnlySpan<double>(a0, checked((int)n0))" in source
    assert "new global::System.Span<int>(a0, checked((int)n0))" in source
    assert "global::Lib.Api.Div(a0, out var o1);" in source and "*r1 = o1;" in source
    assert "global::Lib.Api.Flag(a0 != 0, (char)a1)" in source
    assert "*r0 = Handles.New(result);" in source and "Handles.Get<global::Lib.Counter>(self).Name = Utf8.Read(a0, n0);" in source
    assert "public static global::Lib.Point R" in source and "new global::Lib.Point(R" in source


def test_python_side_is_valid_and_mirrors_the_native_signature():
    files = render_python(API, "Lib.so", "Docs.", "0.0")
    module = files["_api.py"].decode()
    ast.parse(module)
    ast.parse(files["_api.pyi"].decode())
    assert "def sum(values: _rt.ArrayLike) -> float:" in module
    assert "_rt.Borrow(values, \"d\", False, \"sum() argument 'values'\") as (_a0, _n0)" in module
    assert "_rt.Borrow(values, \"i\", True, " in module
    assert "def div(a: int) -> _t.Tuple[int, int]:" in module
    assert "def flag(on: bool, c: str) -> _t.Optional[int]:" in module
    assert "class Counter(_rt.DotNetObject):" in module and "    @name.setter" in module
    assert "@_dataclasses.dataclass(frozen=True)\nclass Point:" in module
    stub = files["_api.pyi"].decode()
    assert "def range(n: int) -> ArrayResult: ..." in stub and "def split(text: str) -> List[str]: ..." in stub
    assert "    def __init__(self) -> None: ..." in stub


def test_backend_adds_the_api_and_reexports_it():
    binding = BindingInput("lib", "lib", "1.0", "Lib", "Lib.so", (), API)
    files = CtypesBackend().render(binding)
    assert {"_api.py", "_api.pyi", "_dotnet.py", "__init__.py", "__init__.pyi"} <= set(files)
    init = files["__init__.py"].decode()
    assert "from ._api import *" in init and "__all__ += _api_names" in init
    assert '"DotNetError", "Point", "Counter", "sum"' in files["__init__.pyi"].decode()
    plain = CtypesBackend().render(BindingInput("lib", "lib", "1.0", "Lib", "Lib.so", ()))
    assert "_api.py" not in plain and "_api" not in plain["__init__.py"].decode()


def test_docstring_literal_escapes_and_indents():
    assert docstring_literal('say """hi""" \\ there', "    ") == '"""say \\"""hi\\""" \\\\ there"""'
    assert docstring_literal("one\n\ntwo", "    ") == '"""one\n\n    two\n    """'


def test_business_types_cross_as_codecs_and_half_buffers_as_float16():
    decimal_, half = named("System.Decimal"), named("System.Half")
    api = build_api(report(static_class(
        method("Net", param("gross", decimal_), param("rate", decimal_, default={"kind": "decimal", "value": "0.2"}),
               returns=decimal_),
        method("When", param("day", named("System.DateOnly")), returns=generic("System.Nullable`1", named("System.TimeOnly"))),
        method("Halves", param("values", generic("System.Span`1", half)), returns=array(half)),
        method("Big", param("n", named("System.Numerics.BigInteger")), returns=named("System.Int128")),
    )), {})
    shims = render_shims(api)
    assert "WireReader.Decode<global::System.Decimal>(a0, n0, Codecs.R" in shims
    assert "public static int S2(global::System.Half* a0, nint n0, byte** r0, byte** error)" in shims
    assert "new global::System.Span<global::System.Half>(a0, checked((int)n0))" in shims
    assert "r.ReadDecimal()" in shims and "w.WriteInt128(v);" in shims and "r.ReadBigInteger()" in shims
    files = render_python(api, "Lib.so", "Docs.", "0.0")
    module, stub = files["_api.py"].decode(), files["_api.pyi"].decode()
    ast.parse(module)
    ast.parse(stub)
    assert "def net(gross: _decimal.Decimal, rate: _decimal.Decimal = _decimal.Decimal('0.2')) -> _decimal.Decimal:" in module
    assert "def when(day: _datetime.date) -> _t.Optional[_datetime.time]:" in module
    assert "_rt.Borrow(values, \"e\", True, " in module and "_rt.take_array(_r0, \"e\")" in module
    assert "def big(n: int) -> int:" in module and "_rt.BigInteger()" in module and "_rt.Int128()" in module
    assert "def net(gross: decimal.Decimal, rate: decimal.Decimal = ...) -> decimal.Decimal: ..." in stub
    assert "import decimal\n" in stub
