"""Rendering of the C# shims and the Python side from a [PyExport] model (no SDK needed)."""

from __future__ import annotations

import ast
import re

from aotwheel.abi import PRIMITIVES, AbiType, Export, Parameter
from aotwheel.bindings.base import BindingInput
from aotwheel.bindings.ctypes_backend import CtypesBackend
from aotwheel.pyexport.api import build_api
from aotwheel.pyexport.csharp import render_shims
from aotwheel.pyexport.model import api_members
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
    # 7 functions, ctor, method, get, set: an export forwarding to the shim body that catches, and a
    # native entry point that catches; the .map of mid and flag; PyInit__lib (CreateModule catches).
    assert source.count("[UnmanagedCallersOnly(EntryPoint = ") == 11 + 2 + 1
    assert len(re.findall(r"public static int X\d+\(.*\) => S\d+\(", source)) == 11
    assert source.count("return Errors.Capture(exception, error);") == 13
    assert source.count("return CPython.Fail(exception);") == 11
    assert source.count("catch (global::System.Exception exception)") == 13 + 11
    assert 'EntryPoint = "PyInit__lib"' in source
    without = render_shims(API, native=False)
    assert "PyInit__lib" not in without and "CPython." not in without
    assert 'EntryPoint = "aotwheel_fn_sum"' in source
    assert "public static int S0(double* a0, nint n0, double* r0, byte** error)" in source
    assert "new global::System.ReadOnlySpan<double>(a0, checked((int)n0))" in source
    assert "new global::System.Span<int>(a0, checked((int)n0))" in source
    assert "global::Lib.Api.Div(a0, out var o1);" in source and "*r1 = o1;" in source
    assert "global::Lib.Api.Flag(a0 != 0, (char)a1)" in source
    assert "*r0 = Handles.New(result);" in source and "Handles.Get<global::Lib.Counter>(self).Name = Utf8.Read(a0, n0);" in source
    assert "public static global::Lib.Point R" in source and "new global::Lib.Point(R" in source


def test_native_entry_points_convert_each_slot_kind():
    source = render_shims(API)
    assert "static nint P0(nint function, nint* args, nint nargsf, nint kwnames)" in source
    # sum(ReadOnlySpan<double>): a read-only buffer of 8-byte 'd' items, lent and released
    assert "CPython.Buffer(ref member, 0, slots[0], (byte)'d', 8, false, &views[0], &keep[0], &a0, &n0)" in source
    # fill(Span<int>): writable
    assert "(byte)'i', 4, true," in source
    assert "CPython.Utf8(ref member, 0, slots[0], false, &a0, &n0, &keep[0])" in source
    assert "CPython.Bool(ref member, 0, slots[0], &a0)" in source and "CPython.Checked(ref member, 1, slots[1], &a1)" in source
    # a method's slot 0 is its object's handle; the setter's value comes next
    assert "CPython.Self(ref member, 0, slots[0], &a0)" in source
    # buffers of 64 KiB or more release the GIL
    assert "n0 * 8 >= CPython.ReleaseGilBytes ? CPython.SaveThread() : 0" in source


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
    # a record is a frozen dataclass whose methods are written out: no dataclasses import
    assert "\nclass Point:" in module and "    __dataclass_fields__ = _rt.DataclassMetadata()" in module
    assert "dataclasses" not in module.split("__all__")[0]
    assert "        __dataclass_builtins_object__.__setattr__(self, 'x', x)" in module
    # the standard library modules the API's annotations name, only those: none here
    assert not re.search(r"^import (datetime|decimal|uuid)", module, re.M)
    # the native backend: module functions become native function objects presenting the def;
    # members call theirs from the def
    assert "    sum = _rt.native_function(_native._function(0, 'sum', ('values',), 1, (lambda v: _rt.lendable(v, \"d\", False, \"sum() argument 'values'\"),), (None,), (), None, 0), sum)" in module
    # a method binds to its class's instances; a constructor's def calls its entry point
    assert "    Counter.next = _rt.native_function(_native._function(" in module and ", Counter, 0), Counter.__dict__['next'])" in module
    assert "    Counter.name = _rt.native_property(Counter.__dict__['name'], fset=_native._function(" in module
    assert "            return self._adopt(_n" in module
    assert render_python(API, "Lib.so", "Docs.", "0.0", "ctypes")["_api.py"].decode().count('_aotwheel.native_module(__package__, "ctypes")') == 1
    stub = files["_api.pyi"].decode()
    assert "def range(n: int) -> ArrayResult: ..." in stub and "def split(text: str) -> List[str]: ..." in stub
    assert "    def __init__(self) -> None: ..." in stub


def test_backend_adds_the_api_and_reexports_it():
    binding = BindingInput("lib", "lib", "1.0", "Lib", "Lib.so", (1000, 0), (), API)
    files = CtypesBackend().render(binding)
    assert {"_api.py", "_api.pyi", "_dotnet.py", "__init__.py", "__init__.pyi"} <= set(files)
    init = files["__init__.py"].decode()
    assert "from ._api import *" in init and "__all__ += _api_names" in init
    assert '"DotNetError", "Point", "Counter", "sum"' in files["__init__.pyi"].decode()
    plain = CtypesBackend().render(BindingInput("lib", "lib", "1.0", "Lib", "Lib.so", (1000, 0), ()))
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
    assert "_rt.Borrow(values, \"e\", True, " in module and "_rt.take_array(_r0.value, \"e\")" in module
    assert "def big(n: int) -> int:" in module and "_rt.BigInteger()" in module and "_rt.Int128()" in module
    # the modules its annotations and defaults name are imported, and no other (no GUID here)
    assert re.findall(r"^import (datetime|decimal|uuid) as _\1$", module, re.M) == ["datetime", "decimal"]
    # net has .map (decimal columns cross as wire columns), so its stub is a protocol
    assert "net: _Map_net" in stub
    assert "def __call__(self, gross: decimal.Decimal, rate: decimal.Decimal = ...) -> decimal.Decimal: ..." in stub
    assert "import decimal\n" in stub


# An enum named only by a record field (no signature of its own), nullable fields, a record result.
CHANNEL = type_("Lib.Channel", kind="enum", underlying="byte", values=[{"name": "Web", "value": {"kind": "int", "value": 0}}])
ORDER = type_("Lib.Order", record=True,
              properties=[prop("Weight", prim("float"), init=True), prop("Channel", named("Lib.Channel"), init=True),
                          prop("Sku", prim("string"), init=True),
                          prop("Discount", generic("System.Nullable`1", prim("double")), init=True),
                          prop("When", named("System.DateTime"), init=True)],
              methods=[method("", param("Weight", prim("float")), param("Channel", named("Lib.Channel")), param("Sku", prim("string")),
                              param("Discount", generic("System.Nullable`1", prim("double"))), param("When", named("System.DateTime")),
                              ctor=True)])
MAPPED = build_api(report(static_class(
    method("Price", param("order", named("Lib.Order", "class")), param("rate", prim("double")), returns=prim("double")),
    method("Echo", param("order", named("Lib.Order", "class")), returns=named("Lib.Order", "class")),
    method("Tags", param("tags", array(prim("string"))), returns=prim("int")),
    method("Nothing", param("a", prim("int"))),
    method("Constant", returns=prim("int")),
), ORDER, CHANNEL), {})


def test_an_enum_reached_only_through_a_record_field_is_exported_and_renders():
    assert [e.name for e in MAPPED.enums] == ["Lib.Channel"]
    source = render_shims(MAPPED)
    assert "(global::Lib.Channel)Columns.Fixed<byte>(inputs[1], i)" in source
    assert "(global::Lib.Channel)r.ReadByte()" in source


def test_map_shims_only_for_scalar_like_functions_with_one_column_per_field():
    source = render_shims(MAPPED)
    assert source.count("(long rows, Column* inputs, Column* outputs, long* failed, byte** error)") == 2  # price, echo
    assert 'EntryPoint = "aotwheel_map__fn_price"' in source and 'EntryPoint = "aotwheel_map__fn_echo"' in source
    assert ("new global::Lib.Order(Columns.Fixed<float>(inputs[0], i), (global::Lib.Channel)Columns.Fixed<byte>(inputs[1], i), "
            "Columns.String(inputs[2], i), (Columns.IsValid(inputs[3], i) ? (double?)(Columns.Fixed<double>(inputs[3], i)) : null), "
            "Columns.Wire<global::System.DateTime>(inputs[4], i, Codecs.R") in source
    assert "Columns.Fixed<double>(inputs[5], i)" in source  # rate
    assert "var s2 = Columns.Split(&inputs[2], rows);" in source and "global::System.GC.KeepAlive(s2);" in source
    assert "w2.String(outputs[2], i, result.Sku);" in source and "outputs[4].Data = w4.Finish();" in source
    assert "Columns.SetNullable<double>(outputs[3], i, v3.HasValue ? (double?)v3.GetValueOrDefault() : null);" in source
    module = render_python(MAPPED, "Lib.so", "Docs.", "0.0")
    api, stub = module["_api.py"].decode(), module["_api.pyi"].decode()
    ast.parse(api) and ast.parse(stub)
    assert "_cols.attach(price, _map0)" in api and "_cols.attach(echo, _map1)" in api and "attach(tags" not in api
    assert "_cols.Leaf('discount', _cols.Fixed(\"d\", \"double\"), True)" in api
    assert "price: _Map_price" in stub and "def map(self, order: Column, rate: Column) -> MapResult: ..." in stub
    assert "def __call__(self, order: Order, rate: float) -> float: ..." in stub and "def tags(tags: Sequence[str]) -> int: ..." in stub


def test_a_static_method_of_a_class_gets_map_too():
    tool = type_("Lib.Tool", export={}, methods=[method("", ctor=True), method("Twice", param("n", prim("int")), returns=prim("int"))])
    files = render_python(build_api(report(tool), {}), "Lib.so", "Docs.", "0.0")
    api, stub = files["_api.py"].decode(), files["_api.pyi"].decode()
    assert "_cols.attach(Tool.twice, _map0)" in api
    assert "    twice: ClassVar[_Map_Tool_twice]" in stub and "@staticmethod" not in stub
    assert "class _Map_Tool_twice(Protocol):" in stub and "def __call__(self, n: int) -> int: ..." in stub
    assert 'EntryPoint = "aotwheel_map__Tool_static_twice"' in render_shims(build_api(report(tool), {}))


def test_every_supported_type_reached_only_inside_records_renders():
    # Enums and records named by no signature of their own, at every depth a record allows.
    kinds = [named("Lib.Deep", "class"), generic("System.Nullable`1", named("Lib.Hidden")), array(named("Lib.Hidden")),
             generic("System.Collections.Generic.List`1", named("Lib.Deep", "class")),
             generic("System.Collections.Generic.Dictionary`2", named("Lib.Hidden"), named("Lib.Deep", "class")),
             generic("System.ValueTuple`2", named("Lib.Hidden"), prim("string")), named("System.Guid"),
             generic("System.Nullable`1", named("System.DateTimeOffset")), named("System.TimeSpan")]
    outer = type_("Lib.Outer", record=True, properties=[prop(f"F{i}", k, init=True) for i, k in enumerate(kinds)],
                  methods=[method("", *[param(f"F{i}", k) for i, k in enumerate(kinds)], ctor=True)])
    deep = type_("Lib.Deep", record=True, properties=[prop("Tag", named("Lib.Other"), init=True)],
                 methods=[method("", param("Tag", named("Lib.Other")), ctor=True)])
    enums = [type_(n, kind="enum", underlying=u, values=[{"name": "A", "value": {"kind": "int", "value": 1}}])
             for n, u in (("Lib.Hidden", "short"), ("Lib.Other", "ulong"))]
    api = build_api(report(static_class(method("Use", param("o", named("Lib.Outer", "class")), returns=prim("int"))),
                           outer, deep, *enums), {})
    assert [e.name for e in api.enums] == ["Lib.Hidden", "Lib.Other"]
    assert "r.ReadUInt64()" in render_shims(api)
    files = render_python(api, "Lib.so", "Docs.", "0.0")
    ast.parse(files["_api.py"].decode()) and ast.parse(files["_api.pyi"].decode())


def test_hand_written_exports_get_native_entry_points_numbered_after_the_api():
    def export(name, returns, *parameters, release_gil=False):
        params = tuple(Parameter(p, p, AbiType(PRIMITIVES[t.rstrip("*")], t.endswith("*"))) for p, t in parameters)
        return Export(name, name, "Lib.Native", name.title(), params,
                      AbiType(PRIMITIVES[returns.rstrip("*")], returns.endswith("*")), release_gil=release_gil)

    exports = [export("add", "int", ("a", "int"), ("b", "int")), export("spin", "long", ("n", "long"), release_gil=True),
               export("fill", "void", ("data", "void*"), ("count", "nuint")), export("sum", "double", ("values", "double*"))]
    source = render_shims(API, exports)
    first = len(api_members(API))
    assert f"public static nint PyInit() => CPython.CreateModule(&NativeEntry, {first + 4});" in source
    # Called through the export's address, which C# needs for an UnmanagedCallersOnly method.
    add = source[source.index(f"static nint P{first}("):source.index(f"static nint P{first + 1}(")]
    assert "var value = ((delegate* unmanaged<int, int, int>)member.Target)((int)a0, (int)a1);" in add
    assert "CPython.Int64(ref member, 0, slots[0], -2147483648L, 2147483647L, &a0)" in add
    assert "SaveThread" not in add and "CheckSignals" not in add and "result = CPython.FromInt64(value);" in add
    spin = source[source.index(f"static nint P{first + 1}("):source.index(f"static nint P{first + 2}(")]
    assert "var thread = CPython.SaveThread();" in spin
    fill = source[source.index(f"static nint P{first + 2}("):source.index(f"static nint P{first + 3}(")]
    # void*: a writable buffer of any item type, or bytes (a private copy, freed after the call);
    # 64 KiB of buffers release the GIL.
    assert "CPython.Text(ref member, 0, slots[0], false, 0, &views[0], &keep[0], &a0, &n0, &c0)" in fill
    assert "NativeMemory.Free(c0);" in fill
    assert "var thread = views[0].Len >= CPython.ReleaseGilBytes ? CPython.SaveThread() : 0;" in fill
    assert "((delegate* unmanaged<void*, nuint, void>)member.Target)((void*)a0, (nuint)a1);" in fill
    assert "result = CPython.NoneResult();" in fill
    assert "CPython.Buffer(ref member, 0, slots[0], (byte)'d', 8, true," in source[source.index(f"static nint P{first + 3}("):]
    # Without the native backend there are no entry points at all.
    assert "member.Target" not in render_shims(API, exports, native=False)


def test_the_native_backend_registers_each_export_after_the_api_members_and_ctypes_does_not():
    from aotwheel.bindings.ctypes_backend import backend_named

    add = Export("add", "add", "Lib.Native", "Add", (Parameter("a", "a", AbiType(PRIMITIVES["int"])),), AbiType(PRIMITIVES["int"]))
    binding = BindingInput("lib", "lib", "1.0", "Lib", "_lib.abi3.so", (1000, 0), (add,), API)
    native, plain = backend_named("native"), backend_named("ctypes")
    init = native.render(binding)["__init__.py"].decode()
    ast.parse(init)
    assert f'_native._function(\n        {len(api_members(API))}, "add", (\'a\',), 1, ' in init
    assert "_ctypes.cast(_fn_add, _ctypes.c_void_p).value), add)" in init
    assert "_native" not in plain.render(binding)["__init__.py"].decode()
    assert "PyInit__lib" in native.csharp(API, (add,), "Lib") and "PyInit__lib" not in plain.csharp(API, (add,), "Lib")


def test_a_failed_result_conversion_frees_the_later_results():
    api = build_api(report(static_class(
        method("Pair", param("a", prim("int")), param("note", byref(prim("string")), out=True),
               param("box", byref(named("Lib.Counter", "class")), out=True), returns=prim("string")),
        method("Div", param("a", prim("int")), param("rest", byref(prim("int")), out=True), returns=prim("int")),
    ), COUNTER), {})
    module = render_python(api, "Lib.so", "Docs.", "0.0", "ctypes")["_api.py"].decode()
    ast.parse(module)
    assert "_rt.discard_results(((1, 'block', _r1.value), (2, 'handle', _r2.value)), _k)" in module
    assert "    return (_v0, _v1, _v2)" in module
    assert "    return (_r0.value, _r1.value)" in module  # scalars own nothing
