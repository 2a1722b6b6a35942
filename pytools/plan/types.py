"""The type registry: one object per .NET type aotwheel binds, holding everything about how it
crosses: its Python annotation, the check of a Python value, the ctypes slots and the codec of
the ctypes backend, the native backend's conversions both ways, and its `.map` column form.

The renderers (bindings/) walk a BindingPlan and ask `entry(ref)` for each type; nothing outside
this module decides anything per type. Adding a type is one entry here (plus its run-time support
in _dotnet.py, _columns.py and Interop.cs/CPython.cs when it needs new helpers) and its tests.

Conventions of the generated C# these entries spell:
- ctypes shims (`S<n>`): each input as slots (a scalar by value; a string or an encoded value as
  pointer + byte length; a buffer as pointer + item count; an object as its handle), one pointer
  per result, then the error pointer.
- native entry points (`P<n>`): each argument converted from the Python object to the .NET value
  in C# (`Py.*` in CPython.cs for single types, generated `Values.V<n>`/`O<n>` for composites);
  what the fast path does not take goes to the member's Python check, which converts it or raises
  the ctypes backend's own error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

from ..abi import PRIMITIVES, Primitive
from .model import Container, Layout, RecordPlan, Tag, TypeRef

INTEROP = "global::AotWheel.Interop."
GENERATED = "global::AotWheel.Generated."
PY = INTEROP + "Py."
NUMBERS = INTEROP + "Numbers."

NUMERIC_TAGS = frozenset(Tag(p.csharp) for p in PRIMITIVES.values() if p.kind != "void")


class Passing:
    """How a value crosses a ctypes shim (its slots)."""

    SCALAR = "scalar"
    STRING = "string"
    BUFFER = "buffer"
    HANDLE = "handle"
    CODEC = "codec"
    VOID = "void"
    POINTER = "pointer"


@dataclass(frozen=True)
class Slot:
    """One native value of the ctypes convention: its C# type and the ctypes type carrying it."""

    csharp: str
    ctype: str


SELF = Slot("nint", "c_ssize_t")  # an object's handle
ERROR = Slot("byte*", "c_void_p")  # the error pointer's target: a failed call's error block


@dataclass(frozen=True)
class Spelling:
    """How annotations are spelled: in the generated module (private aliases, which no user name
    can shadow) or in its stub (plain names, and aliases only where a user name shadows one)."""

    stub: bool
    shadowed: frozenset[str] = frozenset()

    def typing(self, name: str) -> str:
        if not self.stub:
            return f"_t.{name}"
        return f"_typing.{name}" if name in self.shadowed else name

    def builtin(self, name: str) -> str:
        if name == "None":
            return name
        if not self.stub:
            return f"_{name}"
        return f"_builtins.{name}" if name in self.shadowed else name

    def module(self, module: str) -> str:
        """The prefix of a standard-library module's names: `_datetime.` or `datetime.`."""
        return f"_{module}." if not self.stub or module in self.shadowed else f"{module}."

    def runtime(self, name: str) -> str:
        """The annotation of a buffer or an array result: at run time _aotwheel's object of that
        name (which inspect.signature shows as the stubs spell it), in the stub an alias of
        _aotwheel.pyi."""
        if not self.stub:
            return f"_aw.{name}"
        return f"_aw.{name}" if name in self.shadowed else name


class EnumFacts(Protocol):
    def underlying(self, name: str) -> Primitive:
        """An enum's underlying primitive."""


class PythonSide(EnumFacts, Protocol):
    """What the Python renderer gives an entry."""

    def class_name(self, name: str) -> str:
        """The Python class of an enum, record or class (by .NET name)."""

    def codec(self, ref: TypeRef) -> str:
        """The module-level name of the codec object of *ref* (made once)."""

    def uses(self, module: str) -> None:
        """Note that the module's annotations name a standard-library module."""

    def polymorphic_index(self, name: str) -> Optional[int]:
        """A class's index in plan.python_classes when exported classes derive from it (its results
        are wrapped as the object's own class), else None."""


class CSharpSide(EnumFacts, Protocol):
    """What the C# renderer gives an entry."""

    def codec(self, ref: TypeRef) -> int:
        """The number of the wire reader and writer of *ref* (Codecs.R<n>, Codecs.W<n>)."""

    def converter(self, ref: TypeRef) -> int:
        """The number of the native conversions of *ref* (Values.V<n>, Values.O<n>)."""

    def record(self, name: str) -> RecordPlan:
        ...

    def class_index(self, name: str) -> int:
        """The index of a Python class in the table registered with `_lib` (plan.python_classes)."""

    def real_class(self, name: str) -> Optional[str]:
        """For a class that exported classes derive from, the C# method `int (object? value)` giving
        the index of the value's most derived exported class; else None."""

    def delegate(self, ref: TypeRef) -> int:
        """The number of the factory making a delegate of type *ref* from a Python callable's
        number (Callbacks.D<n>)."""


@dataclass(frozen=True)
class CtypesInput:
    """One input of a ctypes call: statements preparing it, its slot arguments, and a `with` item
    (a buffer lent for the call) or None."""

    prepare: tuple[str, ...]
    slots: tuple[str, ...]
    borrow: Optional[str] = None


@dataclass(frozen=True)
class NativeInput:
    """One argument of a native entry point: declarations, the conversion (a C# bool expression,
    false with a Python error set), and the expression the call passes."""

    declarations: tuple[str, ...]
    conversion: str
    argument: str
    buffer_bytes: str = ""  # for a lent buffer, its size in bytes (the GIL policy)


def _where(where: str) -> str:
    return repr(where)


class TypeEntry:
    """The knowledge of one .NET type. Subclasses override what differs from a wire-encoded value."""

    passing = Passing.CODEC
    # The standard-library module (and class) the Python value is an instance of, for annotations.
    module = ""
    python_class = ""
    layout: Optional[Layout] = Layout.WIRE

    # -- Python ------------------------------------------------------------------------------------

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        if self.module:
            if not spelling.stub:
                py.uses(self.module)
            return spelling.module(self.module) + self.python_class
        return spelling.builtin(self.python_class)

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        """The _dotnet codec that writes and reads the wire encoding of a value."""
        raise NotImplementedError(ref.tag)

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        """The call that checks and converts the argument *value*: for the ctypes slots, and for the
        native entry point's fallback (which gets the same result, or the same error)."""
        return f"_rt.encode({py.codec(ref)}, {value}, {_where(where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i}, _n{i} = {self.check(ref, py, name, where)}",), (f"_a{i}", f"_n{i}"))

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        """The expression converting result variable `_r<j>` (of `result_slot`'s ctype) to Python."""
        return f"_rt.take({py.codec(ref)}, _r{j}.value)"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        """The _columns kind moving a column of these values (layout WIRE by default)."""
        return f'_cols.Wire({py.codec(ref)}, "{ref.cs.replace("global::System.", "")}")'

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        """`default(T)` as a Python expression, for a `= default` parameter; None: not expressible."""
        return None

    # -- overload dispatch -------------------------------------------------------------------------

    def dispatch_key(self, ref: TypeRef) -> str:
        """What Python tells this type's values apart by, in overload dispatch: overloads whose
        parameters have equal keys, position by position, cannot be told apart (a build error)."""
        return (f"{self.module}.{self.python_class}" if self.module else self.python_class) or ref.tag.value

    def dispatch_rank(self, ref: TypeRef) -> int:
        """Dispatch order: overloads whose parameters rank lower are tried first (int before float)."""
        return 0

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        """A Python expression of `_v`: whether an overload taking this type takes the value. By
        default the check's own verdict (its conversion is done again by the overload called)."""
        return f"_rt.converts(lambda: {self.check(ref, py, '_v', 'argument')})"

    # A result the native entry point returns as a handle, which Python makes its object of
    # (native_adapter): iterators and awaitables, whose run-time support is Python's.
    adapts_native_result = False
    # False: a parameter Python does not pass, which the shim makes (shim_argument) on both backends.
    from_python = True

    def native_adapter(self, ref: TypeRef, py: PythonSide) -> str:
        """The Python function making the result's object from the native entry point's handle."""
        raise NotImplementedError(ref.tag)

    # -- C#: ctypes shims ----------------------------------------------------------------------------

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return Slot("byte*", "c_void_p"), Slot("int", "c_int32")

    def result_slot(self, ref: TypeRef, cs: EnumFacts) -> Slot:
        """What one result pointer points to: a native block (Interop.cs Blob) by default."""
        return Slot("byte*", "c_void_p")

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return f"{INTEROP}WireReader.Decode<{ref.cs}>(a{i}, n{i}, {GENERATED}Codecs.R{cs.codec(ref)})"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {INTEROP}Blob.Encode<{ref.cs}>({value}, {GENERATED}Codecs.W{cs.codec(ref)});"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        raise NotImplementedError(ref.tag)

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        raise NotImplementedError(ref.tag)

    # -- C#: the native backend ----------------------------------------------------------------------

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        """Slot *k*: the native conversion, else the Python check's encoding decoded."""
        return NativeInput(
            (f"{ref.cs} a{k};",),
            f"{INTEROP}CPython.Value<{ref.cs}>(ref member, {k}, slots[{k}], &{self.native_reader(ref, cs)}, "
            f"{GENERATED}Codecs.R{cs.codec(ref)}, out a{k})",
            f"a{k}")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        """The C# method `bool (nint o, out T value)` converting a Python object natively: false (no
        Python error left) where this fast path does not apply."""
        raise NotImplementedError(ref.tag)

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        """The C# method `nint (T value)` making the Python object of a .NET value (a new
        reference; 0 with a Python error set)."""
        raise NotImplementedError(ref.tag)

    def native_read(self, ref: TypeRef, cs: CSharpSide, source: str, target: str) -> str:
        return f"{self.native_reader(ref, cs)}({source}, out {target})"

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{self.native_builder(ref, cs)}({value})"

    # -- C#: .map columns ------------------------------------------------------------------------------

    def column_read(self, ref: TypeRef, cs: CSharpSide, column: str) -> str:
        return f"{INTEROP}Columns.Wire<{ref.cs}>({column}, i, {GENERATED}Codecs.R{cs.codec(ref)})"

    def column_write(self, ref: TypeRef, cs: CSharpSide, column: str, j: int, value: str) -> tuple[Optional[str], str]:
        """(the ColumnWriter declaration or None, the statement storing *value* in row `i`)."""
        return (f"var w{j} = new {INTEROP}ColumnWriter(rows);",
                f"w{j}.Wire<{ref.cs}>({value}, {GENERATED}Codecs.W{cs.codec(ref)});")


# -- scalars: numbers, bool, char, enums -------------------------------------------------------------


class ScalarEntry(TypeEntry):
    """One native value by value: a numeric primitive, or a type that crosses as one."""

    passing = Passing.SCALAR
    layout = Layout.FIXED

    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        """The primitive the value crosses as."""
        raise NotImplementedError

    def to_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return value

    def from_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return value

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        wire = self.wire(ref, cs)
        return (Slot(wire.csharp, wire.ctype),)

    def result_slot(self, ref: TypeRef, cs: EnumFacts) -> Slot:
        return self.slots(ref, cs)[0]

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return self.from_wire(ref, cs, f"a{i}")

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {self.to_wire(ref, cs, value)};"

    def column_read(self, ref: TypeRef, cs: CSharpSide, column: str) -> str:
        return self.from_wire(ref, cs, f"{INTEROP}Columns.Fixed<{self.wire(ref, cs).csharp}>({column}, i)")

    def column_write(self, ref: TypeRef, cs: CSharpSide, column: str, j: int, value: str) -> tuple[Optional[str], str]:
        return None, f"{INTEROP}Columns.SetFixed<{self.wire(ref, cs).csharp}>({column}, i, {self.to_wire(ref, cs, value)});"

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_r{j}.value"


class NumericEntry(ScalarEntry):
    def __init__(self, primitive: Primitive) -> None:
        self.primitive = primitive
        self.python_class = primitive.python

    @property
    def is_float(self) -> bool:
        return self.primitive.kind == "float"

    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        return self.primitive

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f'_rt.Number("{self.primitive.struct_format}")'

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        if self.is_float:
            return f"_aw.check_float({value}, {_where(where)})"
        return f"_aw.check_int({value}, {self.primitive.minimum}, {self.primitive.maximum}, {_where(where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        check = self.check(ref, py, name, where)
        if self.is_float:
            return CtypesInput((f"if _type({name}) is not _float: {name} = {check}",), (name,))
        low, high = self.primitive.minimum, self.primitive.maximum
        return CtypesInput((f"if _type({name}) is not _int or not {low} <= {name} <= {high}: {name} = {check}",), (name,))

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        return f'_cols.Fixed("{self.primitive.struct_format}", "{self.primitive.csharp}")'

    def dispatch_key(self, ref: TypeRef) -> str:
        return "float" if self.is_float else "int"

    def dispatch_rank(self, ref: TypeRef) -> int:
        return 2 if self.is_float else 1

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        if self.is_float:
            return "_rt.is_real(_v)"
        return f"_rt.is_integer(_v, {self.primitive.minimum}, {self.primitive.maximum})"

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        return "0.0" if self.is_float else "0"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"r.Read{_WIRE_NAMES[self.primitive.csharp]}()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"w.Write{_WIRE_NAMES[self.primitive.csharp]}(v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        take = f"ref member, {k}, slots[{k}]"
        p = self.primitive
        if self.is_float:
            return NativeInput((f"double a{k} = 0;",), f"{INTEROP}CPython.Double({take}, &a{k})", f"({p.csharp})a{k}")
        if p.kind == "unsigned":
            return NativeInput((f"ulong a{k} = 0;",), f"{INTEROP}CPython.UInt64({take}, {p.maximum}UL, &a{k})", f"({p.csharp})a{k}")
        return NativeInput((f"long a{k} = 0;",), f"{INTEROP}CPython.Int64({take}, {p.minimum}L, {p.maximum}L, &a{k})",
                           f"({p.csharp})a{k}")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}{_WIRE_NAMES[self.primitive.csharp]}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return PY + {"float": "FromDouble", "unsigned": "FromUInt64", "signed": "FromInt64"}[self.primitive.kind]


_WIRE_NAMES = {
    "sbyte": "SByte", "byte": "Byte", "short": "Int16", "ushort": "UInt16", "int": "Int32", "uint": "UInt32",
    "long": "Int64", "ulong": "UInt64", "nint": "IntPtr", "nuint": "UIntPtr", "float": "Single", "double": "Double",
}


class BoolEntry(ScalarEntry):
    python_class = "bool"

    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        return PRIMITIVES["byte"]

    def to_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"(byte)({value} ? 1 : 0)"

    def from_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{value} != 0"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.Bool()"

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_rt.check_bool({value}, {_where(where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i} = {self.check(ref, py, name, where)}",), (f"_a{i}",))

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_r{j}.value != 0"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        return "_cols.Bool()"

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.is_bool(_v)"

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        return "False"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "r.ReadBool()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "w.WriteBool(v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        return NativeInput((f"byte a{k} = 0;",), f"{INTEROP}CPython.Bool(ref member, {k}, slots[{k}], &a{k})", f"a{k} != 0")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}Bool"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}FromBool"


class CharEntry(ScalarEntry):
    python_class = "str"

    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        return PRIMITIVES["ushort"]

    def to_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"(ushort){value}"

    def from_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"(char){value}"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.Char()"

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.is_str(_v) and len(_v) == 1"

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_rt.check_char({value}, {_where(where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i} = {self.check(ref, py, name, where)}",), (f"_a{i}",))

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_chr(_r{j}.value)"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        return "_cols.Char()"

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        return "'\\x00'"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "r.ReadChar()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "w.WriteChar(v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        return NativeInput((f"long a{k} = 0;",), f"{INTEROP}CPython.Char(ref member, {k}, slots[{k}], &a{k})", f"(char)a{k}")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}Char"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}FromChar"


class EnumEntry(ScalarEntry):
    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        return cs.underlying(ref.name)

    def to_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"({cs.underlying(ref.name).csharp}){value}"

    def from_wire(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"({ref.cs}){value}"

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return py.class_name(ref.name)

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f'_rt.Enum({py.class_name(ref.name)}, "{py.underlying(ref.name).struct_format}")'

    def dispatch_key(self, ref: TypeRef) -> str:
        return "int"  # an enum parameter takes plain ints too

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        primitive = py.underlying(ref.name)
        return (f"_rt.check_enum({value}, {py.class_name(ref.name)}, {primitive.minimum}, {primitive.maximum}, "
                f"{_where(where)})")

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i} = {self.check(ref, py, name, where)}",), (f"_a{i}",))

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_rt.to_enum({py.class_name(ref.name)}, _r{j}.value)"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        return f'_cols.Enum({py.class_name(ref.name)}, "{py.underlying(ref.name).struct_format}")'

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"({ref.cs})r.Read{_WIRE_NAMES[cs.underlying(ref.name).csharp]}()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        underlying = cs.underlying(ref.name).csharp
        return f"w.Write{_WIRE_NAMES[underlying]}(({underlying})v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        primitive = cs.underlying(ref.name)
        index = cs.class_index(ref.name)
        take = f"ref member, {k}, slots[{k}], {index}"
        if primitive.kind == "unsigned" and primitive.size == 8:
            return NativeInput((f"ulong a{k} = 0;",), f"{INTEROP}CPython.EnumUnsigned({take}, {primitive.maximum}UL, &a{k})",
                               f"({ref.cs})({primitive.csharp})a{k}")
        return NativeInput((f"long a{k} = 0;",), f"{INTEROP}CPython.Enum({take}, {primitive.minimum}L, {primitive.maximum}L, &a{k})",
                           f"({ref.cs})({primitive.csharp})a{k}")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.V{cs.converter(ref)}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.O{cs.converter(ref)}"

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        primitive = cs.underlying(ref.name)
        index = cs.class_index(ref.name)
        if primitive.kind == "unsigned" and primitive.size == 8:
            read = f"{PY}EnumUnsigned(o, {index}, {primitive.maximum}UL, out var number)"
            build = f"return {PY}FromEnumUnsigned({index}, (ulong)value);"
        else:
            read = f"{PY}Enum(o, {index}, {primitive.minimum}L, {primitive.maximum}L, out var number)"
            build = f"return {PY}FromEnum({index}, (long)value);"
        return [f"if (!{read}) {{ value = default; return false; }}", f"value = ({ref.cs})({primitive.csharp})number;",
                "return true;"], [build]


# -- strings ---------------------------------------------------------------------------------------


class StringEntry(TypeEntry):
    passing = Passing.STRING
    python_class = "str"
    layout = Layout.STRING

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        text = spelling.builtin("str")
        return f"{spelling.typing('Optional')}[{text}]" if ref.nullable else text

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.String()"

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.is_str(_v)" + (" or _v is None" if ref.nullable else "")

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_rt.utf8({value}, {_where(where)}, {ref.nullable})"

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_rt.take_string(_r{j}.value)"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        return "_cols.String()"

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return f"{INTEROP}Utf8.Read(a{i}, n{i})"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {INTEROP}Blob.String({value});"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "r.ReadString()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "w.WriteString(v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        nullable = "true" if ref.nullable else "false"
        return NativeInput((f"string a{k};",), f"{INTEROP}CPython.String(ref member, {k}, slots[{k}], {nullable}, out a{k})", f"a{k}")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}{'NullableString' if ref.nullable else 'String'}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}FromString"

    def column_read(self, ref: TypeRef, cs: CSharpSide, column: str) -> str:
        return f"{INTEROP}Columns.String({column}, i)"

    def column_write(self, ref: TypeRef, cs: CSharpSide, column: str, j: int, value: str) -> tuple[Optional[str], str]:
        return f"var w{j} = new {INTEROP}ColumnWriter(rows);", f"w{j}.String({column}, i, {value});"


# -- single values with a codec: dates, GUIDs, decimals, big integers, Half ---------------------------


class ValueEntry(TypeEntry):
    """A value type with its own wire codec (`_rt.<codec>()`, `r.Read<name>()`) and its own native
    conversions (`Py.<name>`, `Py.From<name>`)."""

    def __init__(self, name: str, codec: str, module: str, python_class: str, zero: Optional[str],
                 layout: Layout = Layout.WIRE) -> None:
        self.name, self.codec, self.module, self.python_class, self._zero = name, codec, module, python_class, zero
        self.layout = layout

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_rt.{self.codec}()"

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        if self._zero is None:
            return None
        return self._zero.replace("@", spelling.module(self.module)) if self.module else self._zero

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"r.Read{self.name}()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"w.Write{self.name}(v);"

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}{self.name}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{PY}From{self.name}"

    def column(self, ref: TypeRef, py: PythonSide) -> str:
        if self.layout is Layout.TICKS:
            return f'_cols.Ticks({py.codec(ref)}, "{self.name}")'
        return super().column(ref, py)

    def column_read(self, ref: TypeRef, cs: CSharpSide, column: str) -> str:
        if self.layout is Layout.TICKS:
            return f"{INTEROP}Columns.{self.name}({column}, i)"
        return super().column_read(ref, cs, column)

    def column_write(self, ref: TypeRef, cs: CSharpSide, column: str, j: int, value: str) -> tuple[Optional[str], str]:
        if self.layout is Layout.TICKS:
            return None, f"{INTEROP}Columns.SetFixed<long>({column}, i, {INTEROP}Columns.Ticks({value}));"
        return super().column_write(ref, cs, column, j, value)


class HalfEntry(ValueEntry):
    """float <-> System.Half; a buffer item too (struct format "e")."""

    def __init__(self) -> None:
        super().__init__("Half", "Half", "", "float", "0.0")


class ComplexEntry(ValueEntry):
    """complex <-> System.Numerics.Complex (two doubles); a buffer item too (numpy complex128)."""

    def __init__(self) -> None:
        super().__init__("Complex", "Complex", "", "complex", "0j")

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{NUMBERS}ReadComplex(r)"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{NUMBERS}WriteComplex(w, v);"

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{NUMBERS}Complex"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{NUMBERS}FromComplex"


# -- composites: nullable, list, dict, tuple, record, object ------------------------------------------


def _guarded(made: str, body: list[str]) -> list[str]:
    """*body*, filling the new object *made*, releasing it when a .NET exception escapes (a string
    UTF-8 cannot carry): nothing half-built is left behind."""
    return ["try", "{", *("    " + line for line in body), "}", "catch", "{", f"    {PY}Release({made});", "    throw;", "}"]


class CompositeEntry(TypeEntry):
    """A type made of others: its native conversions are generated per instantiation (Values)."""

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.V{cs.converter(ref)}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.O{cs.converter(ref)}"

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        """The statements of V<n>(nint o, out T value) and of O<n>(T value)."""
        raise NotImplementedError(ref.tag)


class NullableEntry(CompositeEntry):
    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return f"{spelling.typing('Optional')}[{entry(ref.item).annotation(ref.item, py, spelling, param)}]"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_rt.Nullable({py.codec(ref.item)})"

    def dispatch_key(self, ref: TypeRef) -> str:
        return entry(ref.item).dispatch_key(ref.item)

    def dispatch_rank(self, ref: TypeRef) -> int:
        return entry(ref.item).dispatch_rank(ref.item)

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_v is None or {entry(ref.item).dispatch_test(ref.item, py)}"

    def zero(self, ref: TypeRef, spelling: Spelling) -> Optional[str]:
        return "None"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"r.ReadNullable<{ref.item.cs}>({GENERATED}Codecs.R{cs.codec(ref.item)})"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"w.WriteNullable<{ref.item.cs}>(v, {GENERATED}Codecs.W{cs.codec(ref.item)});"

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        inner = entry(ref.item)
        read = [f"if ({PY}IsNone(o)) {{ value = null; return true; }}",
                f"if (!{inner.native_read(ref.item, cs, 'o', 'var item')}) {{ value = null; return false; }}",
                "value = item;", "return true;"]
        build = ["if (!value.HasValue) return " + PY + "None();",
                 f"return {inner.native_build(ref.item, cs, 'value.GetValueOrDefault()')};"]
        return read, build


class ListEntry(CompositeEntry):
    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        item = entry(ref.item).annotation(ref.item, py, spelling, param)
        return f"{spelling.typing('Sequence' if param else 'List')}[{item}]"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_rt.List_({py.codec(ref.item)})"

    def dispatch_key(self, ref: TypeRef) -> str:
        return "sequence"  # lists and buffers take any sequence: told apart by their items only by value

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        method = "ReadArray" if ref.container is Container.ARRAY else "ReadList"
        return f"r.{method}<{ref.item.cs}>({GENERATED}Codecs.R{cs.codec(ref.item)})"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"w.WriteSequence<{ref.item.cs}>(v, {GENERATED}Codecs.W{cs.codec(ref.item)});"

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        item = entry(ref.item)
        array = ref.container is Container.ARRAY
        made = f"new {ref.item.cs}[count]" if array else f"new global::System.Collections.Generic.List<{ref.item.cs}>(count)"
        store = "items[i] = item;" if array else "items.Add(item);"
        read = ["value = default!;", f"if (!{PY}Sequence(o, out var count)) return false;", f"var items = {made};",
                "for (int i = 0; i < count; i++)", "{",
                f"    if (!{item.native_read(ref.item, cs, PY + 'Item(o, i)', 'var item')}) return false;",
                f"    {store}", "}", "value = items;", "return true;"]
        build = ["if (value is null) throw new global::System.InvalidOperationException(\"a null collection cannot be returned to Python\");",
                 f"var list = {PY}NewList();", "if (list == 0) return 0;",
                 *_guarded("list", ["foreach (var item in value)", "{",
                                    f"    if (!{PY}Append(list, {item.native_build(ref.item, cs, 'item')})) return {PY}Drop(list);",
                                    "}"]),
                 "return list;"]
        return read, build


class DictEntry(CompositeEntry):
    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        key, value = (entry(a).annotation(a, py, spelling, param) for a in ref.args)
        return f"{spelling.typing('Mapping' if param else 'Dict')}[{key}, {value}]"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.Dict_(" + ", ".join(py.codec(a) for a in ref.args) + ")"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        key, value = ref.args
        return (f"r.ReadDictionary<{key.cs}, {value.cs}>({GENERATED}Codecs.R{cs.codec(key)}, "
                f"{GENERATED}Codecs.R{cs.codec(value)})")

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        key, value = ref.args
        return (f"w.WriteDictionary<{key.cs}, {value.cs}>(v, {GENERATED}Codecs.W{cs.codec(key)}, "
                f"{GENERATED}Codecs.W{cs.codec(value)});")

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        key, value = ref.args
        read = ["value = default!;", f"if (!{PY}IsDict(o)) return false;",
                f"var items = new global::System.Collections.Generic.Dictionary<{key.cs}, {value.cs}>();",
                "nint position = 0, k, v;",
                f"while ({PY}Next(o, &position, &k, &v))", "{",
                f"    if (!{entry(key).native_read(key, cs, 'k', 'var key')} || "
                f"!{entry(value).native_read(value, cs, 'v', 'var item')}) return false;",
                "    items[key] = item;", "}", "value = items;", "return true;"]
        build = ["if (value is null) throw new global::System.InvalidOperationException(\"a null dictionary cannot be returned to Python\");",
                 f"var dict = {PY}NewDict();", "if (dict == 0) return 0;", "nint key = 0, item = 0;",
                 "try", "{",
                 "    foreach (var pair in value)", "    {",
                 f"        key = {entry(key).native_build(key, cs, 'pair.Key')};",
                 f"        item = {entry(value).native_build(value, cs, 'pair.Value')};",
                 f"        var stored = {PY}SetItem(dict, key, item);", "        key = item = 0;",
                 f"        if (!stored) return {PY}Drop(dict);", "    }", "}",
                 "catch", "{", f"    {PY}Release(key);", f"    {PY}Release(item);", f"    {PY}Release(dict);", "    throw;", "}",
                 "return dict;"]
        return read, build


class TupleEntry(CompositeEntry):
    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return f"{spelling.typing('Tuple')}[" + ", ".join(entry(a).annotation(a, py, spelling, param) for a in ref.args) + "]"

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return "_rt.Tuple_(" + ", ".join(py.codec(a) for a in ref.args) + ")"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"new {ref.cs}(" + ", ".join(f"{GENERATED}Codecs.R{cs.codec(a)}(r)" for a in ref.args) + ")"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return " ".join(f"{GENERATED}Codecs.W{cs.codec(a)}(w, v.Item{i + 1});" for i, a in enumerate(ref.args))

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        count = len(ref.args)
        read = ["value = default;", f"if (!{PY}IsTuple(o, {count})) return false;"]
        read += [f"if (!{entry(a).native_read(a, cs, f'{PY}TupleItem(o, {i})', f'var i{i}')}) return false;"
                 for i, a in enumerate(ref.args)]
        read += [f"value = ({', '.join(f'i{i}' for i in range(count))});", "return true;"]
        build = [f"nint* items = stackalloc nint[{count}];", f"new global::System.Span<nint>(items, {count}).Clear();", "try", "{"]
        build += [f"    items[{i}] = {entry(a).native_build(a, cs, f'value.Item{i + 1}')};" for i, a in enumerate(ref.args)]
        build += ["}", "catch", "{", f"    {PY}ReleaseAll(items, {count});", "    throw;", "}", f"return {PY}Tuple(items, {count});"]
        return read, build


class RecordEntry(CompositeEntry):
    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return py.class_name(ref.name)

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_rt.Record({py.class_name(ref.name)})"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        record = cs.record(ref.name)
        parts = [f"{GENERATED}Codecs.R{cs.codec(f.type)}(r)" for f in record.fields]
        if record.construct.value == "constructor":
            return f"new {ref.cs}(" + ", ".join(parts) + ")"
        return f"new {ref.cs} {{ " + ", ".join(f"{f.cs_name} = {p}" for f, p in zip(record.fields, parts)) + " }"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return " ".join(f"{GENERATED}Codecs.W{cs.codec(f.type)}(w, v.{f.cs_name});" for f in cs.record(ref.name).fields)

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        record = cs.record(ref.name)
        index = cs.class_index(ref.name)
        read = ["value = default!;", f"if (!{PY}IsInstance(o, {index})) return false;"]
        names = []
        for n, f in enumerate(record.fields):
            read += [f"var f{n} = {PY}Field(o, {index}, {n});", f"if (f{n} == 0) return false;",
                     f"var ok{n} = {entry(f.type).native_read(f.type, cs, f'f{n}', f'var v{n}')};",
                     f"{PY}Release(f{n});", f"if (!ok{n}) return false;"]
            names.append(f"v{n}")
        if record.construct.value == "constructor":
            read.append(f"value = new {ref.cs}({', '.join(names)});")
        else:
            read.append(f"value = new {ref.cs} {{ " + ", ".join(f"{f.cs_name} = v{n}" for n, f in enumerate(record.fields)) + " };")
        read.append("return true;")
        build = [f"var record = {PY}NewInstance({index});", "if (record == 0) return 0;"]
        build += _guarded("record", [
            f"if (!{PY}SetField(record, {index}, {n}, {entry(f.type).native_build(f.type, cs, f'value.{f.cs_name}')})) "
            f"return {PY}Drop(record);" for n, f in enumerate(record.fields)])
        build.append("return record;")
        return read, build


class ObjectEntry(TypeEntry):
    """A [PyExport] class instance: crosses as a handle into the Handles table."""

    passing = Passing.HANDLE
    layout = None

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        text = py.class_name(ref.name)
        return f"{spelling.typing('Optional')}[{text}]" if ref.nullable else text

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        index = py.polymorphic_index(ref.name)
        return f"_rt.Object({py.class_name(ref.name)}{'' if index is None else f', {index}'})"

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_rt.handle({value}, {py.class_name(ref.name)}, {_where(where)}, {ref.nullable})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i} = {self.check(ref, py, name, where)}",), (f"_a{i}",))

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        index = py.polymorphic_index(ref.name)
        if index is not None:  # wrapped as the object's own class
            return f"_rt.wrap_real(_r{j}.value, {index})"
        return f"{py.class_name(ref.name)}._wrap(_r{j}.value)"

    def dispatch_key(self, ref: TypeRef) -> str:
        return "object:" + ref.name

    def dispatch_test(self, ref: TypeRef, py: PythonSide) -> str:
        return f"_rt.is_instance(_v, {py.class_name(ref.name)})" + (" or _v is None" if ref.nullable else "")

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return (SELF,)

    def result_slot(self, ref: TypeRef, cs: EnumFacts) -> Slot:
        return SELF

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return f"{INTEROP}Handles.{'GetOrNull' if ref.nullable else 'Get'}<{ref.cs}>(a{i})"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {INTEROP}Handles.New({value});"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"r.ReadObject<{ref.cs}>()"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return "w.WriteObject(v);"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        nullable = "true" if ref.nullable else "false"
        return NativeInput((f"long a{k} = 0;",),
                           f"{INTEROP}CPython.Handle(ref member, {k}, slots[{k}], {cs.class_index(ref.name)}, {nullable}, &a{k})",
                           f"{INTEROP}Handles.{'GetOrNull' if ref.nullable else 'Get'}<{ref.cs}>((nint)a{k})")

    def native_reader(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.V{cs.converter(ref)}"

    def native_builder(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"{GENERATED}Values.O{cs.converter(ref)}"

    def converter_bodies(self, ref: TypeRef, cs: CSharpSide) -> tuple[list[str], list[str]]:
        index, nullable = cs.class_index(ref.name), "true" if ref.nullable else "false"
        real = cs.real_class(ref.name)
        return ([f"return {PY}Object<{ref.cs}>(o, {index}, {nullable}, out value);"],
                [f"return {PY}FromObject({index if real is None else f'{real}(value)'}, value);"])


# -- buffers: spans and numeric arrays; a raw export's pointers ------------------------------------------


# A buffer's items by struct format; "Z" (PEP 3118's complex prefix) stands for complex128, "Zd".
BUFFER_FORMATS = {**{p.csharp: p.struct_format for p in PRIMITIVES.values() if p.kind != "void"}, "half": "e",
                  "complex": "Z"}
_ITEM_SIZES = {Tag.HALF: 2, Tag.COMPLEX: 16}
# The items of rectangular arrays T[,], T[,,]: the numeric primitives.
GRID_ITEMS = NUMERIC_TAGS


def item_size(item: TypeRef) -> int:
    return _ITEM_SIZES.get(item.tag) or PRIMITIVES[item.tag.value].size


def grid_rank(spelling: str) -> int:
    """The rank of a rectangular array from its spelling: `double[,]` -> 2."""
    return spelling[spelling.rindex("["):].count(",") + 1


class SpanEntry(TypeEntry):
    """T[] / Span<T> / ReadOnlySpan<T> / Memory<T> / ReadOnlyMemory<T> of numbers: lent without a copy."""

    passing = Passing.BUFFER
    layout = None

    @staticmethod
    def writable(ref: TypeRef) -> bool:
        return ref.container in (Container.SPAN, Container.MEMORY)

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        is_bytes = ref.item.tag is Tag.BYTE
        if param:
            return spelling.runtime("BytesLike" if is_bytes else "ArrayLike")
        return spelling.builtin("bytes") if is_bytes else spelling.runtime("ArrayResult")

    def codec_expression(self, ref: TypeRef, py: PythonSide) -> str:
        """The codec of an array inside a tuple (alone, a span is lent, and returned as a block)."""
        return f'_rt.NumberArray("{BUFFER_FORMATS[ref.item.tag.value]}")'

    def native_read(self, ref: TypeRef, cs: CSharpSide, source: str, target: str) -> str:
        # Inside a tuple: the tuple's Python check encodes it (this fast path does not apply).
        return f"{NUMBERS}NotNative<{ref.cs}>({source}, out {target})"

    def dispatch_key(self, ref: TypeRef) -> str:
        return "sequence"  # lists and buffers take any sequence: told apart by their items only by value

    def lend_arguments(self, ref: TypeRef, value: str, where: str) -> str:
        return f'{value}, "{BUFFER_FORMATS[ref.item.tag.value]}", {self.writable(ref)}, "", {_where(where)}'

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_aw.lendable({self.lend_arguments(ref, value, where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((), (f"_a{i}", f"_n{i}"), f"_aw.Lend({self.lend_arguments(ref, name, where)}) as (_a{i}, _n{i})")

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        if ref.item.tag is Tag.BYTE:
            return f"_rt.take_bytes(_r{j}.value)"
        return f'_rt.take_array(_r{j}.value, "{BUFFER_FORMATS[ref.item.tag.value]}")'

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return Slot(f"{ref.item.cs}*", "c_void_p"), Slot("nint", "c_ssize_t")

    def span(self, ref: TypeRef, pointer: str, count: str) -> str:
        item = ref.item.cs
        readonly = f"new global::System.ReadOnlySpan<{item}>({pointer}, checked((int){count}))"
        return {
            Container.ARRAY: f"{readonly}.ToArray()",
            Container.READONLYSPAN: readonly,
            Container.SPAN: f"new global::System.Span<{item}>({pointer}, checked((int){count}))",
            Container.MEMORY: f"new {INTEROP}BorrowedMemory<{item}>({pointer}, {count}).Memory",
            Container.READONLYMEMORY: f"(global::System.ReadOnlyMemory<{item}>)new {INTEROP}BorrowedMemory<{item}>({pointer}, {count}).Memory",
        }[ref.container]

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return self.span(ref, f"a{i}", f"n{i}")

    def _blob(self, ref: TypeRef, value: str) -> str:
        item = ref.item.cs
        if ref.container is Container.ARRAY:
            return f"{INTEROP}Blob.Array<{item}>({value})"
        if ref.container in (Container.MEMORY, Container.READONLYMEMORY):
            return f"{INTEROP}Blob.Span<{item}>({value}.Span)"
        return f"{INTEROP}Blob.Span<{item}>({value})"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {self._blob(ref, value)};"

    def wire_read(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"r.ReadArray<{ref.item.cs}>({GENERATED}Codecs.R{cs.codec(ref.item)})"

    def wire_write(self, ref: TypeRef, cs: CSharpSide) -> str:
        return f"w.WriteSequence<{ref.item.cs}>(v, {GENERATED}Codecs.W{cs.codec(ref.item)});"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        fmt, size = BUFFER_FORMATS[ref.item.tag.value], item_size(ref.item)
        writable = "true" if self.writable(ref) else "false"
        return NativeInput(
            (f"void* a{k} = null;", f"nint n{k} = 0;"),
            f"{INTEROP}CPython.Buffer(ref member, {k}, slots[{k}], (byte)'{fmt}', {size}, {writable}, &views[{view}], &keep[{k}], &a{k}, &n{k})",
            self.span(ref, f"({ref.item.cs}*)a{k}", f"n{k}"), f"n{k} * {size}")

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        if ref.item.tag is Tag.BYTE:
            return f"{PY}FromBlobBytes({self._blob(ref, value)})"
        return f"{PY}FromBlobArray({self._blob(ref, value)}, (byte)'{BUFFER_FORMATS[ref.item.tag.value]}')"


class GridEntry(TypeEntry):
    """T[,] / T[,,] of a numeric primitive: an n-dimensional C-contiguous buffer of exactly T items
    (numpy), or nested lists, copied into a new .NET array (C order, as .NET lays them out); a
    numpy array of that shape as a result (nested lists without numpy). Slots: the items' address
    and the address of the shape (one int64 per dimension)."""

    passing = Passing.BUFFER
    layout = None

    @staticmethod
    def rank(ref: TypeRef) -> int:
        return grid_rank(ref.cs)

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return spelling.runtime("ArrayLike" if param else "ArrayResult")

    def lend_arguments(self, ref: TypeRef, value: str, where: str) -> str:
        return f'{value}, "{BUFFER_FORMATS[ref.item.tag.value]}", {self.rank(ref)}, {_where(where)}'

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_aw.grid_lendable({self.lend_arguments(ref, value, where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((), (f"_a{i}", f"_n{i}"), f"_aw.LendGrid({self.lend_arguments(ref, name, where)}) as (_a{i}, _n{i})")

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f'_rt.take_array(_r{j}.value, "{BUFFER_FORMATS[ref.item.tag.value]}", {self.rank(ref)})'

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return Slot(f"{ref.item.cs}*", "c_void_p"), Slot("long*", "c_void_p")

    def _array(self, ref: TypeRef, pointer: str, shape: str) -> str:
        dims = ", ".join(f"{shape}[{d}]" for d in range(self.rank(ref)))
        return f"{NUMBERS}Grid{self.rank(ref)}<{ref.item.cs}>({pointer}, {dims})"

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return self._array(ref, f"a{i}", f"n{i}")

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {NUMBERS}GridBlob<{ref.item.cs}>({value});"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        fmt, size = BUFFER_FORMATS[ref.item.tag.value], item_size(ref.item)
        return NativeInput(
            (f"void* a{k} = null;", f"long* n{k} = stackalloc long[{self.rank(ref)}];"),
            f"{NUMBERS}Grid(ref member, {k}, slots[{k}], (byte)'{fmt}', {size}, {self.rank(ref)}, &views[{view}], &keep[{k}], &a{k}, n{k})",
            self._array(ref, f"({ref.item.cs}*)a{k}", f"n{k}"), f"views[{view}].Len")

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        fmt = BUFFER_FORMATS[ref.item.tag.value]
        return f"{NUMBERS}FromGridBlob({NUMBERS}GridBlob<{ref.item.cs}>({value}), (byte)'{fmt}', {self.rank(ref)})"


class PointerEntry(TypeEntry):
    """A raw export's `T*`: None (NULL), an int address or a ctypes pointer (c_char_p, c_void_p,
    byref(), a POINTER instance) as C code passes them, else a buffer lent without a copy (any item
    type for void*; bytes and, for byte pointers, str as a private NUL-terminated copy); an int
    address as a result."""

    passing = Passing.POINTER
    layout = None

    @staticmethod
    def text(ref: TypeRef) -> bool:
        """Byte pointers are C strings as often as buffers."""
        return ref.item.tag in (Tag.BYTE, Tag.SBYTE)

    @staticmethod
    def fmt(ref: TypeRef) -> str:
        return "" if ref.item.tag is Tag.VOID else PRIMITIVES[ref.item.tag.value].struct_format

    def copies(self, ref: TypeRef) -> bool:
        """Whether bytes (and, for text, str) go as a private copy, freed after the call."""
        return self.text(ref) or ref.item.tag is Tag.VOID

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        if not param:
            return spelling.builtin("int")
        return spelling.runtime("BytesLike" if self.copies(ref) else "Buffer")

    def lend_arguments(self, ref: TypeRef, value: str, where: str) -> str:
        copy = "text" if self.text(ref) else "bytes" if ref.item.tag is Tag.VOID else ""
        return f'{value}, "{self.fmt(ref)}", "{copy}", {_where(where)}'

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        return f"_aw.pointer_lendable({self.lend_arguments(ref, value, where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((), (f"_a{i}",), f"_aw.LendPointer({self.lend_arguments(ref, name, where)}) as (_a{i}, _n{i})")

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return (Slot(f"{ref.item.cs}*", "c_void_p"),)

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        letter = f"(byte)'{self.fmt(ref)}'" if self.fmt(ref) else "0"
        size = 1 if ref.item.tag is Tag.VOID else PRIMITIVES[ref.item.tag.value].size
        declarations: tuple[str, ...] = (f"void* a{k} = null;", f"nint n{k} = 0;")
        copy = "null"
        if self.copies(ref):
            declarations += (f"byte* c{k} = null;",)
            copy = f"&c{k}"
        text = "true" if self.text(ref) else "false"
        return NativeInput(declarations,
                           f"{INTEROP}CPython.Pointer(ref member, {k}, slots[{k}], {text}, {letter}, {size}, "
                           f"&views[{view}], &keep[{k}], &a{k}, &n{k}, {copy})",
                           f"({ref.item.cs}*)a{k}", f"views[{view}].Len")

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{PY}FromUInt64((ulong){value})"


class AddressEntry(ScalarEntry):
    """A raw export's `nint`/`nuint` parameter (IntPtr, UIntPtr): a number as its primitive takes
    one, or an address as C code passes one: None (NULL) or a ctypes pointer (c_void_p, c_char_p,
    byref(), a POINTER instance). Buffers are not taken: an IntPtr is as often a count."""

    def numeric(self, ref: TypeRef) -> NumericEntry:
        known = _ENTRIES[ref.item.tag]
        assert isinstance(known, NumericEntry)
        return known

    def wire(self, ref: TypeRef, cs: EnumFacts) -> Primitive:
        return self.numeric(ref).primitive

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return spelling.builtin("int")

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        p = self.numeric(ref).primitive
        return f"_aw.address_int({value}, {p.minimum}, {p.maximum}, {_where(where)})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        p = self.numeric(ref).primitive
        check = self.check(ref, py, name, where)
        return CtypesInput((f"if _type({name}) is not _int or not {p.minimum} <= {name} <= {p.maximum}: {name} = {check}",), (name,))

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        # The number's fast path; anything else goes to this entry's check (the member's).
        return self.numeric(ref).native_input(ref.item, cs, k, view)


class DelegateEntry(TypeEntry):
    """A Func/Action/Predicate parameter: a Python callable, registered with the package's
    _dotnet.py (crossing as its number) and called through its dispatcher (Callbacks.cs); its
    arguments and result cross in the wire encoding, so every type with a codec may appear."""

    passing = Passing.SCALAR
    layout = None

    @staticmethod
    def signature(ref: TypeRef) -> tuple[tuple[TypeRef, ...], TypeRef]:
        return ref.args[:-1], ref.args[-1]

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        parameters, result = self.signature(ref)
        # The callable receives .NET's values (as results do) and gives one back (as a parameter does).
        given = ", ".join(entry(p).annotation(p, py, spelling, False) for p in parameters)
        text = f"{spelling.typing('Callable')}[[{given}], {entry(result).annotation(result, py, spelling, True)}]"
        return f"{spelling.typing('Optional')}[{text}]" if ref.nullable else text

    def check(self, ref: TypeRef, py: PythonSide, value: str, where: str) -> str:
        parameters, result = self.signature(ref)
        codecs = "".join(py.codec(p) + ", " for p in parameters).rstrip(" ")
        returned = "None" if result.tag is Tag.VOID else py.codec(result)
        return f"_rt.callback({value}, ({codecs}), {returned}, {_where(where)}, {ref.nullable})"

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((f"_a{i} = {self.check(ref, py, name, where)}",), (f"_a{i}",))

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return (Slot("long", "c_int64"),)

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return f"{GENERATED}Callbacks.D{cs.delegate(ref)}(a{i})"

    def native_input(self, ref: TypeRef, cs: CSharpSide, k: int, view: int) -> NativeInput:
        return NativeInput((f"long a{k} = 0;",), f"{INTEROP}CPython.Checked(ref member, {k}, slots[{k}], &a{k})",
                           f"{GENERATED}Callbacks.D{cs.delegate(ref)}(a{k})")

    def factory(self, ref: TypeRef, cs: CSharpSide, number: int) -> str:
        """The C# method making the delegate from a callable's number (0: null)."""
        parameters, result = self.signature(ref)
        names = [f"p{i}" for i in range(len(parameters))]
        writes = " ".join(f"{GENERATED}Codecs.W{cs.codec(p)}(w, {n});" for p, n in zip(parameters, names))
        write = f"w => {{ {writes} }}" if parameters else "null"
        call = (f"callable.Run({write})" if result.tag is Tag.VOID
                else f"callable.Call<{result.cs}>({write}, {GENERATED}Codecs.R{cs.codec(result)})")
        return (f"public static {ref.cs} D{number}(long id)\n{{\n"
                f"    if (id == 0) return null;\n"
                f"    var callable = new {INTEROP}PythonCallable(id);\n"
                f"    return ({', '.join(names)}) => {call};\n}}")


class IteratorEntry(TypeEntry):
    """An IEnumerable<T> / IEnumerator<T> result: a handle to an Iterators.cs Iterator, which
    _dotnet.DotNetIterator pulls one wire-encoded item at a time."""

    passing = Passing.HANDLE
    layout = None
    adapts_native_result = True

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return f"{spelling.typing('Iterator')}[{entry(ref.item).annotation(ref.item, py, spelling, False)}]"

    def result_slot(self, ref: TypeRef, cs: EnumFacts) -> Slot:
        return SELF

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_rt.iterator(_r{j}.value, {py.codec(ref.item)})"

    def native_adapter(self, ref: TypeRef, py: PythonSide) -> str:
        return f"lambda h: _rt.iterator(h, {py.codec(ref.item)})"

    def _iterator(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{INTEROP}Handles.New({INTEROP}Iterators.Of<{ref.item.cs}>({value}, {GENERATED}Codecs.W{cs.codec(ref.item)}))"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {self._iterator(ref, cs, value)};"

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{PY}FromInt64((long){self._iterator(ref, cs, value)})"


class AsyncIteratorEntry(IteratorEntry):
    """An IAsyncEnumerable<T> result: a handle to a Tasks.cs AsyncItems, which
    _dotnet.DotNetAsyncIterator pulls with one awaited MoveNextAsync per item."""

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return f"{spelling.typing('AsyncIterator')}[{entry(ref.item).annotation(ref.item, py, spelling, False)}]"

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_rt.async_iterator(_r{j}.value, {py.codec(ref.item)})"

    def native_adapter(self, ref: TypeRef, py: PythonSide) -> str:
        return f"lambda h: _rt.async_iterator(h, {py.codec(ref.item)})"

    def _iterator(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{INTEROP}Handles.New({INTEROP}Tasks.Items<{ref.item.cs}>({value}, {GENERATED}Codecs.W{cs.codec(ref.item)}))"


class TaskEntry(TypeEntry):
    """A Task / Task<T> / ValueTask / ValueTask<T> result: a handle to a Tasks.cs PendingTask, which
    _dotnet.DotNetTask awaits (its result in the wire encoding)."""

    passing = Passing.HANDLE
    layout = None
    adapts_native_result = True

    def annotation(self, ref: TypeRef, py: PythonSide, spelling: Spelling, param: bool) -> str:
        return f"{spelling.typing('Awaitable')}[{entry(ref.item).annotation(ref.item, py, spelling, False)}]"

    def _codec(self, ref: TypeRef, py: PythonSide) -> str:
        return "None" if ref.item.tag is Tag.VOID else py.codec(ref.item)

    def result_slot(self, ref: TypeRef, cs: EnumFacts) -> Slot:
        return SELF

    def ctypes_result(self, ref: TypeRef, py: PythonSide, j: int) -> str:
        return f"_rt.task(_r{j}.value, {self._codec(ref, py)})"

    def native_adapter(self, ref: TypeRef, py: PythonSide) -> str:
        return f"lambda h: _rt.task(h, {self._codec(ref, py)})"

    def _pending(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        if ref.item.tag is Tag.VOID:
            return f"{INTEROP}Handles.New({INTEROP}Tasks.Of({value}))"
        return f"{INTEROP}Handles.New({INTEROP}Tasks.Of<{ref.item.cs}>({value}, {GENERATED}Codecs.W{cs.codec(ref.item)}))"

    def shim_store(self, ref: TypeRef, cs: CSharpSide, j: int, value: str) -> str:
        return f"*r{j} = {self._pending(ref, cs, value)};"

    def native_build(self, ref: TypeRef, cs: CSharpSide, value: str) -> str:
        return f"{PY}FromInt64((long){self._pending(ref, cs, value)})"


class CancellationEntry(TypeEntry):
    """A CancellationToken parameter: Python passes nothing; the call makes a source for it (Tasks.cs),
    which cancelling the awaiting Python task cancels."""

    passing = Passing.VOID
    layout = None
    from_python = False

    def ctypes_input(self, ref: TypeRef, py: PythonSide, name: str, i: int, where: str) -> CtypesInput:
        return CtypesInput((), ())

    def slots(self, ref: TypeRef, cs: EnumFacts) -> tuple[Slot, ...]:
        return ()

    def shim_argument(self, ref: TypeRef, cs: CSharpSide, i: int) -> str:
        return f"{INTEROP}Tasks.Token()"


class VoidEntry(TypeEntry):
    passing = Passing.VOID
    layout = None
    python_class = "None"


# -- the registry ----------------------------------------------------------------------------------------

_ENTRIES: dict[Tag, TypeEntry] = {
    **{tag: NumericEntry(PRIMITIVES[tag.value]) for tag in NUMERIC_TAGS},
    Tag.VOID: VoidEntry(),
    Tag.BOOL: BoolEntry(),
    Tag.CHAR: CharEntry(),
    Tag.STRING: StringEntry(),
    Tag.ENUM: EnumEntry(),
    Tag.DATETIME: ValueEntry("DateTime", "DateTime", "datetime", "datetime", "@datetime.min", Layout.TICKS),
    Tag.DATETIMEOFFSET: ValueEntry("DateTimeOffset", "DateTimeOffset", "datetime", "datetime", None),
    Tag.TIMESPAN: ValueEntry("TimeSpan", "TimeSpan", "datetime", "timedelta", "@timedelta(0)", Layout.TICKS),
    Tag.DATEONLY: ValueEntry("DateOnly", "DateOnly", "datetime", "date", "@date.min", Layout.TICKS),
    Tag.TIMEONLY: ValueEntry("TimeOnly", "TimeOnly", "datetime", "time", "@time()", Layout.TICKS),
    Tag.GUID: ValueEntry("Guid", "Guid", "uuid", "UUID", "@UUID(int=0)"),
    Tag.DECIMAL: ValueEntry("Decimal", "Decimal", "decimal", "Decimal", "@Decimal(0)"),
    Tag.BIGINTEGER: ValueEntry("BigInteger", "BigInteger", "", "int", "0"),
    Tag.INT128: ValueEntry("Int128", "Int128", "", "int", "0"),
    Tag.UINT128: ValueEntry("UInt128", "UInt128", "", "int", "0"),
    Tag.HALF: HalfEntry(),
    Tag.NULLABLE: NullableEntry(),
    Tag.LIST: ListEntry(),
    Tag.DICT: DictEntry(),
    Tag.TUPLE: TupleEntry(),
    Tag.RECORD: RecordEntry(),
    Tag.OBJECT: ObjectEntry(),
    Tag.SPAN: SpanEntry(),
    Tag.POINTER: PointerEntry(),
    Tag.ADDRESS: AddressEntry(),
    Tag.COMPLEX: ComplexEntry(),
    Tag.GRID: GridEntry(),
    Tag.DELEGATE: DelegateEntry(),
    Tag.ITERATOR: IteratorEntry(),
    Tag.ASYNC_ITERATOR: AsyncIteratorEntry(),
    Tag.TASK: TaskEntry(),
    Tag.CANCELLATION: CancellationEntry(),
}


def entry(ref: TypeRef) -> TypeEntry:
    """The registry's entry for *ref*'s type."""
    return _ENTRIES[ref.tag]


def leaf_layout(ref: TypeRef) -> Optional[Layout]:
    """The `.map` column form of a value of type *ref* (Nullable<T> as T's), or None when it is not a
    column leaf (a composite, an object, a buffer)."""
    inner = ref.item if ref.tag is Tag.NULLABLE else ref
    if inner.tag in (Tag.NULLABLE, Tag.LIST, Tag.DICT, Tag.TUPLE, Tag.RECORD):
        return None
    return entry(inner).layout
