"""Inspector type shapes -> TypeNode, or an error that says what is supported."""

from __future__ import annotations

import re
from typing import Mapping

from ..report import DeclaredType, TypeShape
from .model import BUFFER_FORMATS, NUMERIC, TypeNode

SUPPORTED = (
    "string, bool, char, sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint, float, double, "
    "decimal, Int128, UInt128, System.Numerics.BigInteger, Half, "
    "enums, DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan, Guid, Nullable<T> of these, "
    "T[] / ReadOnlySpan<T> / Span<T> / ReadOnlyMemory<T> / Memory<T> of numeric T or Half (byte[] is bytes), "
    "arrays, List<T>, IList<T>, IReadOnlyList<T>, ICollection<T>, IReadOnlyCollection<T>, IEnumerable<T>, "
    "Dictionary<K, V> / IDictionary / IReadOnlyDictionary with string, integer, enum or Guid keys, "
    "value tuples, public records and structs whose fields are supported, [PyExport] classes, "
    "out parameters; void as a return type"
)

_WELL_KNOWN = {
    "System.DateTime": "datetime",
    "System.DateTimeOffset": "datetimeoffset",
    "System.TimeSpan": "timespan",
    "System.Guid": "guid",
    "System.Decimal": "decimal",
    "System.DateOnly": "dateonly",
    "System.TimeOnly": "timeonly",
    "System.Numerics.BigInteger": "biginteger",
    "System.Int128": "int128",
    "System.UInt128": "uint128",
    "System.Half": "half",
}
_SPANS = {
    "System.Span`1": "span", "System.ReadOnlySpan`1": "readonlyspan",
    "System.Memory`1": "memory", "System.ReadOnlyMemory`1": "readonlymemory",
}
_LISTS = {f"System.Collections.Generic.{n}`1" for n in (
    "List", "IList", "IReadOnlyList", "ICollection", "IReadOnlyCollection", "IEnumerable")}
_DICTS = {f"System.Collections.Generic.{n}`2" for n in ("Dictionary", "IDictionary", "IReadOnlyDictionary")}
_KEY_TAGS = frozenset(k for k, v in NUMERIC.items() if v[1] != "float") | {"string", "enum", "guid", "char"}


class Unsupported(Exception):
    """A type outside the supported set; the message says why."""


def cs_name(name: str) -> str:
    """`Ns.Outer+Inner` -> `global::Ns.Outer.Inner`."""
    return "global::" + name.replace("+", ".")


class Resolver:
    """Resolves shapes against the assembly's own types (from the inspector's "types" report)."""

    def __init__(self, types: Mapping[str, DeclaredType], exported_classes: set[str]) -> None:
        self.types = types
        self.exported_classes = exported_classes
        self.records: set[str] = set()  # records/structs reached so far (their fields resolved by the caller)
        self.enums: set[str] = set()

    def resolve(self, shape: TypeShape, *, top: bool = True, nullable: bool = False) -> TypeNode:
        """The node for *shape*; *top* is a parameter or return (spans allowed), else a nested element."""
        kind, name = shape.kind, shape.name
        if kind == "primitive":
            if name in NUMERIC or name in ("bool", "char"):
                return TypeNode(name, name)
            if name == "string":
                return TypeNode("string", "string", nullable=nullable)
            if name == "void":
                raise Unsupported("void is only a return type")
            raise Unsupported(f"{name} is not a supported type")
        if kind == "array" and shape.element is not None:
            item = self.resolve(shape.element, top=False)
            if top and item.tag in BUFFER_FORMATS:
                return TypeNode("span", item.cs + "[]", (item,), container="array")
            return TypeNode("list", item.cs + "[]", (item,), container="array")
        if kind == "generic":
            return self._generic(shape, top)
        if kind in ("valuetype", "class"):
            return self._named(name, kind, nullable)
        if kind == "byref":
            raise Unsupported("ref parameters are not supported (use out, or return a value)")
        raise Unsupported(f"{kind} types are not supported")

    def _generic(self, shape: TypeShape, top: bool) -> TypeNode:
        name = shape.name
        if name in _SPANS:
            item = self.resolve(shape.arguments[0], top=False)
            if item.tag not in BUFFER_FORMATS:
                raise Unsupported(f"{display(shape)}: spans and memory are supported for numeric (and Half) items only")
            if not top:
                raise Unsupported(f"{display(shape)} is supported only as a parameter or return type, not nested")
            return TypeNode("span", _generic_cs(name, [item]), (item,), container=_SPANS[name])
        if name == "System.Nullable`1":
            inner = self.resolve(shape.arguments[0], top=False)
            return TypeNode("nullable", inner.cs + "?", (inner,))
        args = [self.resolve(a, top=False) for a in shape.arguments]
        if name in _LISTS:
            return TypeNode("list", _generic_cs(name, args), tuple(args), container="list")
        if name in _DICTS:
            if args[0].tag not in _KEY_TAGS:
                raise Unsupported(f"{display(shape)}: dictionary keys must be string, an integer, char, an enum or Guid")
            return TypeNode("dict", _generic_cs(name, args), tuple(args))
        if re.fullmatch(r"System\.ValueTuple`[1-7]", name):
            return TypeNode("tuple", _generic_cs(name, args), tuple(args))
        raise Unsupported(f"{display(shape)} is not a supported type")

    def _named(self, name: str, kind: str, nullable: bool) -> TypeNode:
        if name in _WELL_KNOWN:
            return TypeNode(_WELL_KNOWN[name], cs_name(name))
        info = self.types.get(name)
        if info is None:
            raise Unsupported(f"{name} is not a supported type")
        if info.is_generic:
            raise Unsupported(f"generic type {name} is not supported")
        if info.kind == "enum":
            self.enums.add(name)
            return TypeNode("enum", cs_name(name), name=name)
        if name in self.exported_classes:
            return TypeNode("object", cs_name(name), name=name, nullable=nullable)
        if info.kind == "struct" or (info.kind == "class" and info.is_record):
            self.records.add(name)
            return TypeNode("record", cs_name(name), name=name)
        raise Unsupported(f"{name} is neither a [PyExport] class, a record, a struct nor an enum")


def _generic_cs(name: str, args: list[TypeNode]) -> str:
    return cs_name(re.sub(r"`\d+$", "", name)) + "<" + ", ".join(a.cs for a in args) + ">"


def display(shape: TypeShape) -> str:
    """A C#-like spelling for messages: `List<string>`, `Span<bool>`."""
    kind, name = shape.kind, shape.name
    if kind == "generic":
        base = re.sub(r"`\d+$", "", name).rsplit(".", 1)[-1]
        return base + "<" + ", ".join(display(a) for a in shape.arguments) + ">"
    if kind in ("array", "pointer", "byref") and shape.element is not None:
        suffix = {"array": "[]", "pointer": "*", "byref": ""}[kind]
        return ("ref " if kind == "byref" else "") + display(shape.element) + suffix
    return name


