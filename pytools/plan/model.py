"""The binding plan: everything the C# of a library and the Python of its package are rendered
from, decided once (plan/planner.py) from the inspector's report and saved in the manifest.

Kinds are enums, every member carries its entry-point number and the symbols it is reached by, and
the plan's digest is compiled into the library and written into the package, which refuses to load
a library of another plan. Per-type knowledge (how each .NET type crosses) is not here: it is the
type registry's (plan/types.py), looked up by each TypeRef's tag.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import sys
import typing
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

from .. import __version__
from ..errors import AotWheelError

# The shape of a saved plan; bump it when a field changes meaning. The digest covers it and
# aotwheel's version, since the renderings of one plan change between versions.
PLAN_FORMAT = 2


class Tag(str, enum.Enum):
    """What a .NET type is, for the type registry: numeric primitives by their C# keyword, then
    the other types aotwheel binds."""

    SBYTE = "sbyte"
    BYTE = "byte"
    SHORT = "short"
    USHORT = "ushort"
    INT = "int"
    UINT = "uint"
    LONG = "long"
    ULONG = "ulong"
    NINT = "nint"
    NUINT = "nuint"
    FLOAT = "float"
    DOUBLE = "double"
    VOID = "void"
    BOOL = "bool"
    CHAR = "char"
    STRING = "string"
    ENUM = "enum"
    RECORD = "record"
    OBJECT = "object"
    DATETIME = "datetime"
    DATETIMEOFFSET = "datetimeoffset"
    TIMESPAN = "timespan"
    DATEONLY = "dateonly"
    TIMEONLY = "timeonly"
    GUID = "guid"
    DECIMAL = "decimal"
    BIGINTEGER = "biginteger"
    INT128 = "int128"
    UINT128 = "uint128"
    HALF = "half"
    NULLABLE = "nullable"  # args: the value type
    LIST = "list"  # args: the item; container ARRAY or LIST
    DICT = "dict"  # args: key, value
    TUPLE = "tuple"  # args: the items
    SPAN = "span"  # args: a numeric (or Half) item; lent as a buffer
    POINTER = "pointer"  # a raw export's T*: args: the primitive T (VOID for void*)
    ADDRESS = "address"  # a raw export's nint/nuint parameter (IntPtr, UIntPtr): args: the primitive
    COMPLEX = "complex"  # System.Numerics.Complex
    GRID = "grid"  # a rectangular array T[,] / T[,,] of a numeric primitive T: args: T; cs spells the rank
    # A Func/Action/Predicate parameter, given a Python callable: args: the delegate's parameter
    # types, then its result (VOID for an action).
    DELEGATE = "delegate"
    ITERATOR = "iterator"  # an IEnumerable<T> / IEnumerator<T> method result, pulled lazily: args: the item
    ASYNC_ITERATOR = "async_iterator"  # an IAsyncEnumerable<T> method result, for `async for`: args: the item
    TASK = "task"  # a Task / Task<T> / ValueTask / ValueTask<T> method result, awaited: args: T (VOID without)
    CANCELLATION = "cancellation"  # a CancellationToken parameter: not Python's to pass (cancelled with the await)


class Container(str, enum.Enum):
    """The .NET collection a LIST or SPAN is declared as."""

    NONE = ""
    ARRAY = "array"
    LIST = "list"
    SPAN = "span"
    READONLYSPAN = "readonlyspan"
    MEMORY = "memory"
    READONLYMEMORY = "readonlymemory"


@dataclass(frozen=True)
class TypeRef:
    """A bound .NET type, as a tree."""

    tag: Tag
    cs: str  # the C# spelling, fully qualified (global::...)
    args: tuple[TypeRef, ...] = ()
    name: str = ""  # the .NET full name of an ENUM, RECORD or OBJECT: a key of the plan's type tables
    container: Container = Container.NONE
    nullable: bool = False  # a reference type annotated `T?` (string?, Box?)

    @property
    def item(self) -> TypeRef:
        return self.args[0]


class MemberKind(str, enum.Enum):
    FUNCTION = "function"  # a [PyExport] static method, a module function
    STATIC = "static"  # a static method of an exported class
    METHOD = "method"
    CONSTRUCTOR = "constructor"
    GETTER = "getter"
    SETTER = "setter"
    STATIC_GETTER = "static_getter"  # a static property: a module attribute (of a static class) or a class attribute
    EXPORT = "export"  # a hand-written [UnmanagedCallersOnly] export, called as declared

    @property
    def has_self(self) -> bool:
        """Whether the member's first input is its object."""
        return self in (MemberKind.METHOD, MemberKind.GETTER, MemberKind.SETTER)


class DefaultKind(str, enum.Enum):
    NONE = "none"  # None
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"  # value: a float, or "nan", "inf", "-inf"
    STRING = "string"  # a str (a char's default too)
    DECIMAL = "decimal"  # value: the decimal's text, exactly
    ENUM = "enum"  # value: the number; a member of the parameter's enum when it names one
    ZERO = "zero"  # `default` of the parameter's value type: timedelta(0), UUID(int=0), ...
    EMPTY = "empty"  # a `params` array: ()


@dataclass(frozen=True)
class Default:
    kind: DefaultKind
    value: Union[bool, int, float, str, None] = None


@dataclass(frozen=True)
class Param:
    cs_name: str
    python_name: str
    type: TypeRef
    out: bool = False
    default: Optional[Default] = None

    @property
    def variadic(self) -> bool:
        """A `params T[]` parameter: Python's *args."""
        return self.default is not None and self.default.kind is DefaultKind.EMPTY


class Layout(str, enum.Enum):
    """How one `.map` column crosses (bindings render Columns.cs and _columns.py to match)."""

    FIXED = "fixed"  # one native item per row, zero-copy from numpy when the item type is exact
    TICKS = "ticks"  # one int64 per row (dates and durations in .NET ticks, day numbers), vectorized
    STRING = "string"  # one UTF-8 blob plus int64 offsets
    WIRE = "wire"  # each row in the composite wire encoding, plus int64 offsets


@dataclass(frozen=True)
class Leaf:
    """One column: a plain parameter, or one field of a record parameter or result."""

    python_name: str
    cs_name: str  # the record field's C# name ("" for a plain parameter)
    type: TypeRef  # as declared (a Nullable<T> included)
    layout: Layout

    @property
    def scalar(self) -> TypeRef:
        return self.type.item if self.type.tag is Tag.NULLABLE else self.type

    @property
    def nullable(self) -> bool:
        return self.type.tag is Tag.NULLABLE or self.type.nullable

    @property
    def masked(self) -> bool:
        """Whether nulls travel in the column's validity mask (fixed and ticks leaves of value
        types); string leaves carry theirs too, and wire leaves encode their own."""
        return self.layout in (Layout.FIXED, Layout.TICKS)

    @property
    def column_type(self) -> TypeRef:
        """The type whose column form moves the leaf: a wire leaf's as declared (its codec writes
        the nulls), any other's value type."""
        return self.type if self.layout is Layout.WIRE else self.scalar


@dataclass(frozen=True)
class MapValue:
    """A parameter (or the result) as columns: one leaf, or a record's fields."""

    python_name: str
    type: TypeRef
    leaves: tuple[Leaf, ...]
    record: str = ""  # the record's .NET name when the value is one


@dataclass(frozen=True)
class MapPlan:
    symbol: str  # the row-loop export
    inputs: tuple[MapValue, ...]
    result: MapValue


@dataclass(frozen=True)
class Member:
    """Something Python calls: a [PyExport] function, method, constructor or property accessor, or
    a hand-written export."""

    number: int  # its native entry point; one count over the whole plan
    kind: MemberKind
    python_name: str  # in its scope: `area`, `__init__`, `__str__`
    qualified_name: str  # as messages name it: `Box.area`, `Box` (a constructor), `add`
    owner: str  # the .NET declaring type
    cs_name: str  # the .NET method or property
    params: tuple[Param, ...]
    returns: TypeRef
    symbol: str  # what ctypes calls: the shim export, or the hand-written export itself
    doc: str
    release_gil: bool = False  # [PyExport(ReleaseGil = true)], [ReleaseGil]: other threads run meanwhile
    map: Optional[MapPlan] = None

    @property
    def inputs(self) -> tuple[Param, ...]:
        """The parameters Python passes."""
        return tuple(p for p in self.params if not p.out and p.type.tag is not Tag.CANCELLATION)

    @property
    def outputs(self) -> tuple[TypeRef, ...]:
        """The results in Python order: the return value (unless void), then each out parameter."""
        head = () if self.returns.tag is Tag.VOID else (self.returns,)
        return head + tuple(p.type for p in self.params if p.out)

    @property
    def results(self) -> tuple[TypeRef, ...]:
        """The member's results in slot order: a constructor's new object, else its outputs."""
        if self.kind is MemberKind.CONSTRUCTOR:
            return (TypeRef(Tag.OBJECT, csharp_name(self.owner), name=self.owner),)
        return self.outputs

    @property
    def origin(self) -> str:
        return f"{self.owner}.{self.cs_name}"


@dataclass(frozen=True)
class OverloadSet:
    """Public .NET overloads of one name, as one Python function, method or constructor: a call
    goes to the first candidate whose parameters take its arguments (by arity, then by each
    argument's type: plan/types.py `dispatch_test`), else raises TypeError listing them all."""

    python_name: str  # the public name: `add`, `scale`, `__init__`
    qualified_name: str  # as messages name it: `add`, `Point2.scale`, `Point2`
    kind: MemberKind  # FUNCTION, STATIC, METHOD or CONSTRUCTOR: the kind of every candidate
    candidates: tuple[str, ...]  # the candidates' private Python names (`_add_0`), in dispatch order


@dataclass(frozen=True)
class ClassPlan:
    name: str
    python_name: str
    doc: str
    constructor: Optional[Member]
    members: tuple[Member, ...]  # methods, static methods, property getters and setters; overload candidates
    # The exported base class, then the exported interfaces not already implied by it, as the
    # Python class's bases (in this order); () for a root, which derives from DotNetObject.
    bases: tuple[str, ...] = ()
    # Every exported class and interface whose instances are instances of this one, most derived
    # first: a result typed as this one is wrapped as the first of them the .NET object is.
    derived: tuple[str, ...] = ()
    is_abstract: bool = False  # an abstract class or an interface: Python cannot construct it
    is_interface: bool = False
    overloads: tuple[OverloadSet, ...] = ()

    @property
    def abstract(self) -> bool:
        """Whether Python cannot construct it (abstract, or no public constructor)."""
        return self.constructor is None and self.constructor_overloads is None

    @property
    def constructor_overloads(self) -> Optional[OverloadSet]:
        return next((o for o in self.overloads if o.kind is MemberKind.CONSTRUCTOR), None)

    def candidate(self, python_name: str) -> Member:
        return next(m for m in self.members if m.python_name == python_name)


@dataclass(frozen=True)
class EnumMember:
    python_name: str
    value: int


@dataclass(frozen=True)
class EnumPlan:
    name: str
    python_name: str
    underlying: Tag  # a numeric tag
    flags: bool
    members: tuple[EnumMember, ...]
    doc: str

    def names(self, value: int) -> bool:
        return any(m.value == value for m in self.members)


@dataclass(frozen=True)
class RecordField:
    cs_name: str
    python_name: str
    type: TypeRef


class Construct(str, enum.Enum):
    CONSTRUCTOR = "constructor"  # positional, by field order
    INITIALIZER = "initializer"  # { F = ... }


@dataclass(frozen=True)
class RecordPlan:
    name: str
    python_name: str
    fields: tuple[RecordField, ...]
    construct: Construct
    doc: str


class Backend(str, enum.Enum):
    NATIVE = "native"  # the library is also the extension module `_lib` (ctypes where it does not load)
    CTYPES = "ctypes"


@dataclass(frozen=True)
class BindingPlan:
    """The binding of one assembly: what Python calls, and how."""

    assembly: str
    backend: Backend
    functions: tuple[Member, ...] = ()  # [PyExport] module functions
    classes: tuple[ClassPlan, ...] = ()
    enums: tuple[EnumPlan, ...] = ()
    records: tuple[RecordPlan, ...] = ()
    exports: tuple[Member, ...] = ()  # hand-written exports (MemberKind.EXPORT), by entry point
    overloads: tuple[OverloadSet, ...] = ()  # of module functions; their candidates are in `functions`
    # Exports of aotwheel's run-time support compiled into every library (aotwheel_free, ...).
    support_symbols: tuple[str, ...] = ()
    format: int = PLAN_FORMAT

    @property
    def has_api(self) -> bool:
        """Whether there is a [PyExport] API (and so `_api.py`, `_dotnet.py`)."""
        return bool(self.functions or self.classes or self.enums or self.records)

    def members(self) -> list[Member]:
        """Every member, in entry-point number order."""
        found = list(self.functions)
        for cls in self.classes:
            found += ([cls.constructor] if cls.constructor else []) + list(cls.members)
        found += self.exports
        return found

    @property
    def public_names(self) -> list[str]:
        """The [PyExport] API's module names, then the exports'."""
        names = [e.python_name for e in self.enums] + [r.python_name for r in self.records]
        names += [c.python_name for c in self.classes] + self.function_names
        return names + [e.python_name for e in self.exports]

    @property
    def function_names(self) -> list[str]:
        """The module functions' Python names: one per overload set, not its candidates'."""
        candidates = {c for o in self.overloads for c in o.candidates}
        return [f.python_name for f in self.functions if f.python_name not in candidates and f.kind is not MemberKind.STATIC_GETTER] \
            + [o.python_name for o in self.overloads]

    def function(self, python_name: str) -> Member:
        return next(f for f in self.functions if f.python_name == python_name)

    def class_plan(self, name: str) -> ClassPlan:
        return next(c for c in self.classes if c.name == name)

    @property
    def polymorphic(self) -> bool:
        """Whether some exported class has exported subclasses (and so the library has the
        CLASS_OF_SYMBOL export, by which the ctypes backend learns a result's own class)."""
        return any(c.derived for c in self.classes)

    @property
    def module_properties(self) -> list[Member]:
        """The static properties of static classes: module attributes read at each access."""
        return [f for f in self.functions if f.kind is MemberKind.STATIC_GETTER]

    def python_classes(self) -> list[str]:
        """The .NET names of the types whose Python classes the native backend converts to and from
        (registered with `_lib` at import, in this order)."""
        return [e.name for e in self.enums] + [r.name for r in self.records] + [c.name for c in self.classes]

    def enum(self, name: str) -> EnumPlan:
        return next(e for e in self.enums if e.name == name)

    def record(self, name: str) -> RecordPlan:
        return next(r for r in self.records if r.name == name)

    def python_name(self, name: str) -> str:
        """The Python class name of an enum, record or class."""
        named: list[Union[EnumPlan, RecordPlan, ClassPlan]] = [*self.enums, *self.records, *self.classes]
        return next(declared.python_name for declared in named if declared.name == name)

    def symbols(self) -> set[str]:
        """Every export the library must have for this plan, besides the runtime's own."""
        found = set(self.support_symbols) | {DIGEST_SYMBOL}
        for member in self.members():
            found.add(member.symbol)
            if member.map is not None:
                found.add(member.map.symbol)
        if self.backend is Backend.NATIVE:
            found.add(NATIVE_MODULE_INIT)
        if self.polymorphic:
            found.add(CLASS_OF_SYMBOL)
        return found

    def to_json(self) -> dict[str, Any]:
        data = _to_json(self)
        assert isinstance(data, dict)
        return data

    @classmethod
    def from_json(cls, data: object, source: str) -> BindingPlan:
        """The plan saved as *data*; one of another format (an older aotwheel's) is refused."""
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise AotWheelError(
                f"{source}: built by an incompatible aotwheel (its binding plan is of format {json.dumps(found)}; "
                f"aotwheel {__version__} reads format {PLAN_FORMAT}); rebuild the library with this aotwheel")
        plan = _from_json(cls, data, source, "plan")
        assert isinstance(plan, BindingPlan)
        return plan

    @property
    def digest(self) -> str:
        """What the library and the package both carry: equal digests, equal plans."""
        canonical = json.dumps([PLAN_FORMAT, __version__, self.to_json()], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


# The native backend's extension-module entry point, and the export giving the library's plan digest.
NATIVE_MODULE_INIT = "PyInit__lib"
DIGEST_SYMBOL = "aotwheel_plan_digest"
# The export giving the index (in python_classes) of the most derived exported class of a handle's object.
CLASS_OF_SYMBOL = "aotwheel_class_of"


def csharp_name(name: str) -> str:
    """`Ns.Outer+Inner` -> `global::Ns.Outer.Inner`."""
    return "global::" + name.replace("+", ".")


def walk(ref: TypeRef) -> Iterator[TypeRef]:
    """*ref* and every type inside it, outermost first."""
    yield ref
    for arg in ref.args:
        yield from walk(arg)


# -- JSON ------------------------------------------------------------------------------------------


def _to_json(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


def _from_json(kind: Any, data: object, source: str, path: str) -> object:
    """*data* as an instance of the annotation *kind*, each field checked; errors name the path."""
    origin = typing.get_origin(kind)
    if origin is Union:
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is not type(None):
                try:
                    return _from_json(option, data, source, path)
                except AotWheelError:
                    continue
        raise AotWheelError(f"{source}: {path}: unexpected value {json.dumps(data)[:60]}")
    if origin is tuple:
        if not isinstance(data, list):
            raise AotWheelError(f"{source}: {path}: expected a list")
        item = typing.get_args(kind)[0]
        return tuple(_from_json(item, value, source, f"{path}[{i}]") for i, value in enumerate(data))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(data)
        except ValueError:
            raise AotWheelError(f"{source}: {path}: {json.dumps(data)} is not a {kind.__name__}") from None
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise AotWheelError(f"{source}: {path}: expected an object")
        hints = typing.get_type_hints(kind, vars(sys.modules[__name__]))
        values = {}
        for f in dataclasses.fields(kind):
            if f.name in data:
                values[f.name] = _from_json(hints[f.name], data[f.name], source, f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING:
                raise AotWheelError(f"{source}: {path}.{f.name}: missing")
        return kind(**values)
    if kind in (str, int, bool, float) and isinstance(data, kind) and not (kind is int and isinstance(data, bool)):
        return data
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    raise AotWheelError(f"{source}: {path}: expected {getattr(kind, '__name__', kind)}, got {json.dumps(data)[:60]}")
