"""Inspector type shapes -> TypeRef (plan/model.py), or an error that says what is supported."""

from __future__ import annotations

import re
from typing import Mapping

from ..report import DeclaredType, TypeShape
from .model import Container, Tag, TypeRef, csharp_name
from .types import BUFFER_FORMATS, GRID_ITEMS, NUMERIC_TAGS, grid_rank

SUPPORTED = (
    "string, bool, char, sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint, float, double, "
    "decimal, Int128, UInt128, System.Numerics.BigInteger, System.Numerics.Complex, Half, "
    "enums, DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan, Guid, Nullable<T> of these, "
    "T[] / ReadOnlySpan<T> / Span<T> / ReadOnlyMemory<T> / Memory<T> of numeric T, Half or Complex (byte[] is bytes), "
    "rectangular arrays T[,] / T[,,] of numeric T, "
    "arrays, List<T>, IList<T>, IReadOnlyList<T>, ICollection<T>, IReadOnlyCollection<T>, IEnumerable<T>, "
    "Dictionary<K, V> / IDictionary / IReadOnlyDictionary with string, integer, enum or Guid keys, "
    "value tuples, public records and structs whose fields are supported, [PyExport] classes, "
    "out parameters; void as a return type; "
    "Func<...> / Action<...> / Predicate<T> parameters of these (Python callables); "
    "IEnumerable<T> / IEnumerator<T> / IAsyncEnumerable<T> method results (lazy iterators, async ones); Task, Task<T>, ValueTask, ValueTask<T> "
    "method results (awaitables), with CancellationToken parameters"
)

_WELL_KNOWN = {
    "System.DateTime": Tag.DATETIME,
    "System.DateTimeOffset": Tag.DATETIMEOFFSET,
    "System.TimeSpan": Tag.TIMESPAN,
    "System.Guid": Tag.GUID,
    "System.Decimal": Tag.DECIMAL,
    "System.DateOnly": Tag.DATEONLY,
    "System.TimeOnly": Tag.TIMEONLY,
    "System.Numerics.BigInteger": Tag.BIGINTEGER,
    "System.Int128": Tag.INT128,
    "System.UInt128": Tag.UINT128,
    "System.Half": Tag.HALF,
    "System.Numerics.Complex": Tag.COMPLEX,
}
_SPANS = {
    "System.Span`1": Container.SPAN, "System.ReadOnlySpan`1": Container.READONLYSPAN,
    "System.Memory`1": Container.MEMORY, "System.ReadOnlyMemory`1": Container.READONLYMEMORY,
}
_LISTS = {f"System.Collections.Generic.{n}`1" for n in (
    "List", "IList", "IReadOnlyList", "ICollection", "IReadOnlyCollection", "IEnumerable")}
_ITERATORS = {f"System.Collections.Generic.{n}`1" for n in ("IEnumerable", "IEnumerator")}
_TASKS = {f"System.Threading.Tasks.{n}" for n in ("Task", "Task`1", "ValueTask", "ValueTask`1")}
_DICTS = {f"System.Collections.Generic.{n}`2" for n in ("Dictionary", "IDictionary", "IReadOnlyDictionary")}
_KEYWORDS = frozenset(t.value for t in NUMERIC_TAGS) | {"bool", "char"}
_KEY_TAGS = frozenset(t for t in NUMERIC_TAGS if t not in (Tag.FLOAT, Tag.DOUBLE)) | {Tag.STRING, Tag.ENUM, Tag.GUID, Tag.CHAR}


class Unsupported(Exception):
    """A type outside the supported set; the message says why."""


class Resolver:
    """Resolves shapes against the assembly's own types (from the inspector's "types" report)."""

    def __init__(self, types: Mapping[str, DeclaredType], exported_classes: set[str]) -> None:
        self.types = types
        self.exported_classes = exported_classes
        self.records: set[str] = set()  # records/structs reached so far (their fields resolved by the caller)
        self.enums: set[str] = set()

    def resolve(self, shape: TypeShape, *, top: bool = True, nullable: bool = False, parameter: bool = False,
                result: bool = False) -> TypeRef:
        """The node for *shape*; *top* is a parameter or return (spans allowed), else a nested element;
        *parameter*: a method's parameter (delegates allowed); *result*: a method's result
        (sequences are lazy iterators)."""
        kind, name = shape.kind, shape.name
        if _is_delegate(name):
            return self._delegate(shape, top and parameter, nullable)
        if name in _TASKS and not (result and top):
            raise Unsupported(f"{display(shape)} is supported as a method's result only (an awaitable)")
        if name in _TASKS:
            inner = [self.resolve(a, top=False) for a in shape.arguments] or [TypeRef(Tag.VOID, "void")]
            return TypeRef(Tag.TASK, _generic_cs(name, inner) if shape.arguments else csharp_name(name), tuple(inner))
        if name == "System.Threading.CancellationToken":
            if not (parameter and top):
                raise Unsupported("a CancellationToken is supported as a method parameter only (cancelled with the awaiting task)")
            return TypeRef(Tag.CANCELLATION, csharp_name(name))
        if result and top and name == "System.Collections.Generic.IAsyncEnumerable`1":
            item = self.resolve(shape.arguments[0], top=False)
            return TypeRef(Tag.ASYNC_ITERATOR, _generic_cs(name, [item]), (item,))
        if result and kind == "generic" and name in _ITERATORS:
            item = self.resolve(shape.arguments[0], top=False)
            return TypeRef(Tag.ITERATOR, _generic_cs(name, [item]), (item,))
        if kind == "primitive":
            if name in _KEYWORDS:
                return TypeRef(Tag(name), name)
            if name == "string":
                return TypeRef(Tag.STRING, "string", nullable=nullable)
            if name == "void":
                raise Unsupported("void is only a return type")
            raise Unsupported(f"{name} is not a supported type")
        if kind == "array" and shape.element is not None:
            item = self.resolve(shape.element, top=False)
            if top and item.tag.value in BUFFER_FORMATS:
                return TypeRef(Tag.SPAN, item.cs + "[]", (item,), container=Container.ARRAY)
            return TypeRef(Tag.LIST, item.cs + "[]", (item,), container=Container.ARRAY)
        if kind == "mdarray" and shape.element is not None:
            return self._grid(shape, top)
        if kind == "generic":
            return self._generic(shape, top)
        if kind in ("valuetype", "class"):
            return self._named(name, kind, nullable)
        if kind == "byref":
            raise Unsupported("ref parameters are not supported (use out, or return a value)")
        raise Unsupported(f"{kind} types are not supported")

    def _generic(self, shape: TypeShape, top: bool) -> TypeRef:
        name = shape.name
        if name in _SPANS:
            item = self.resolve(shape.arguments[0], top=False)
            if item.tag.value not in BUFFER_FORMATS:
                raise Unsupported(f"{display(shape)}: spans and memory are supported for numeric (and Half) items only")
            if not top:
                raise Unsupported(f"{display(shape)} is supported only as a parameter or return type, not nested")
            return TypeRef(Tag.SPAN, _generic_cs(name, [item]), (item,), container=_SPANS[name])
        if name == "System.Nullable`1":
            inner = self.resolve(shape.arguments[0], top=False)
            return TypeRef(Tag.NULLABLE, inner.cs + "?", (inner,))
        args = [self.resolve(a, top=False) for a in shape.arguments]
        if name in _LISTS:
            return TypeRef(Tag.LIST, _generic_cs(name, args), tuple(args), container=Container.LIST)
        if name in _DICTS:
            if args[0].tag not in _KEY_TAGS:
                raise Unsupported(f"{display(shape)}: dictionary keys must be string, an integer, char, an enum or Guid")
            return TypeRef(Tag.DICT, _generic_cs(name, args), tuple(args))
        if re.fullmatch(r"System\.ValueTuple`[1-7]", name):
            # Arrays of numbers in a tuple cross as arrays (numpy ones where numpy is installed), as
            # they do alone; in other collections they stay lists.
            args = [self._tuple_item(a) for a in shape.arguments]
            return TypeRef(Tag.TUPLE, _generic_cs(name, args), tuple(args))
        raise Unsupported(f"{display(shape)} is not a supported type")

    def _grid(self, shape: TypeShape, top: bool) -> TypeRef:
        assert shape.element is not None
        item = self.resolve(shape.element, top=False)
        if item.tag not in GRID_ITEMS:
            raise Unsupported(f"{display(shape)}: rectangular arrays are supported of numeric primitives only")
        if not top:
            raise Unsupported(f"{display(shape)}: a rectangular array is supported only as a parameter or return type")
        rank = grid_rank(shape.name)
        return TypeRef(Tag.GRID, f"{item.cs}[{',' * (rank - 1)}]", (item,))

    def _tuple_item(self, shape: TypeShape) -> TypeRef:
        if shape.kind == "array" and shape.element is not None:
            return self.resolve(shape, top=True)
        return self.resolve(shape, top=False)

    def _named(self, name: str, kind: str, nullable: bool) -> TypeRef:
        if name in _WELL_KNOWN:
            return TypeRef(_WELL_KNOWN[name], csharp_name(name))
        info = self.types.get(name)
        if info is None:
            raise Unsupported(f"{name} is not a supported type")
        if info.is_generic:
            raise Unsupported(f"generic type {name} is not supported")
        if info.kind == "enum":
            self.enums.add(name)
            return TypeRef(Tag.ENUM, csharp_name(name), name=name)
        if name in self.exported_classes:
            return TypeRef(Tag.OBJECT, csharp_name(name), name=name, nullable=nullable)
        if info.kind == "struct" or (info.kind == "class" and info.is_record):
            self.records.add(name)
            return TypeRef(Tag.RECORD, csharp_name(name), name=name)
        raise Unsupported(f"{name} is neither a [PyExport] class, a record, a struct nor an enum")


    def _delegate(self, shape: TypeShape, allowed: bool, nullable: bool) -> TypeRef:
        if not allowed:
            raise Unsupported(f"{display(shape)}: delegates are supported as method parameters only (a Python callable)")
        arguments = [self.resolve(a, top=False) for a in shape.arguments]
        name = shape.name
        if name.startswith("System.Func`"):
            parameters, result = arguments[:-1], arguments[-1]
        elif name == "System.Predicate`1":
            parameters, result = arguments, TypeRef(Tag.BOOL, "bool")
        else:
            parameters, result = arguments, TypeRef(Tag.VOID, "void")
        cs = _generic_cs(name, arguments) if shape.arguments else csharp_name(name)
        return TypeRef(Tag.DELEGATE, cs, (*parameters, result), nullable=nullable)


def _is_delegate(name: str) -> bool:
    """Func<...>, Action, Action<...>, Predicate<T>."""
    return name == "System.Action" or re.fullmatch(r"System\.(Func`([1-9]|1[0-7])|Action`([1-9]|1[0-6])|Predicate`1)", name) is not None


def _generic_cs(name: str, args: list[TypeRef]) -> str:
    return csharp_name(re.sub(r"`\d+$", "", name)) + "<" + ", ".join(a.cs for a in args) + ">"


def display(shape: TypeShape) -> str:
    """A C#-like spelling for messages: `List<string>`, `Span<bool>`."""
    kind, name = shape.kind, shape.name
    if kind == "generic":
        base = re.sub(r"`\d+$", "", name).rsplit(".", 1)[-1]
        return base + "<" + ", ".join(display(a) for a in shape.arguments) + ">"
    if kind == "mdarray" and shape.element is not None:
        return display(shape.element) + "[" + "," * (grid_rank(shape.name) - 1) + "]"
    if kind in ("array", "pointer", "byref") and shape.element is not None:
        suffix = {"array": "[]", "pointer": "*", "byref": ""}[kind]
        return ("ref " if kind == "byref" else "") + display(shape.element) + suffix
    return name


