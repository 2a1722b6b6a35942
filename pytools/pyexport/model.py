"""The [PyExport] API model: what the shims and the Python side are rendered from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..abi import PRIMITIVES

# Numeric primitives: C# keyword -> (struct format, kind, size), from the one table of ABI types.
NUMERIC = {p.csharp: (p.struct_format, p.kind, p.size) for p in PRIMITIVES.values() if p.kind != "void"}

# How a value crosses the native boundary, by TypeNode.tag.
SCALAR_TAGS = frozenset(NUMERIC) | {"bool", "char", "enum"}

# Items a buffer (span, numeric array) may hold, with their struct format. Half is not an ABI
# primitive (ctypes has no 16-bit float): it crosses as a scalar inside codecs, and in buffers.
BUFFER_FORMATS = {**{tag: fmt for tag, (fmt, _, _) in NUMERIC.items()}, "half": "e"}


@dataclass(frozen=True)
class TypeNode:
    """A supported .NET type, as a tree.

    tag: a NUMERIC keyword, "bool", "char", "string", "void", "enum", "record", "object",
    "datetime", "datetimeoffset", "timespan", "guid", "decimal", "dateonly", "timeonly", "biginteger",
    "int128", "uint128", "half", "nullable" (args: inner), "list" (args: item; container:
    array/list), "dict" (args: key, value), "tuple" (args: items), "span" (args: a BUFFER_FORMATS
    item; container: array/span/readonlyspan/memory/readonlymemory).
    """

    tag: str
    cs: str  # the declared C# spelling, fully qualified (global::...)
    args: tuple["TypeNode", ...] = ()
    name: str = ""  # .NET full name for enum/record/object
    container: str = ""
    nullable: bool = False  # a reference type annotated as nullable (string?, Foo?)

    @property
    def passing(self) -> str:
        """scalar | string | buffer | handle | codec | void: the native calling convention used."""
        if self.tag in SCALAR_TAGS:
            return "scalar"
        if self.tag in ("string", "void"):
            return self.tag
        if self.tag == "span":
            return "buffer"
        if self.tag == "object":
            return "handle"
        return "codec"

    @property
    def item(self) -> "TypeNode":
        return self.args[0]


@dataclass(frozen=True)
class Default:
    """A parameter's default value as a Python expression (rendered as-is)."""

    python: str


@dataclass(frozen=True)
class Param:
    cs_name: str
    python_name: str
    type: TypeNode
    out: bool = False
    default: Optional[Default] = None


@dataclass(frozen=True)
class Member:
    """A function, method, constructor or property accessor, with its generated entry point."""

    kind: str  # function | static | method | constructor | getter | setter
    python_name: str
    owner: str  # .NET declaring type
    cs_name: str  # method or property name
    params: tuple[Param, ...]
    returns: TypeNode
    entry_point: str
    doc: str = ""
    release_gil: bool = False  # [PyExport(ReleaseGil = true)]: the native backend lets other threads run

    @property
    def inputs(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if not p.out)

    @property
    def outputs(self) -> tuple[TypeNode, ...]:
        """Results in Python order: the return value (unless void), then each out parameter."""
        head = () if self.returns.tag == "void" else (self.returns,)
        return head + tuple(p.type for p in self.params if p.out)

    @property
    def origin(self) -> str:
        return f"{self.owner}.{self.cs_name}"


@dataclass(frozen=True)
class EnumModel:
    name: str
    python_name: str
    underlying: str  # a NUMERIC keyword
    flags: bool
    members: tuple[tuple[str, int], ...]
    doc: str = ""


@dataclass(frozen=True)
class RecordField:
    cs_name: str
    python_name: str
    type: TypeNode


@dataclass(frozen=True)
class RecordModel:
    name: str
    python_name: str
    fields: tuple[RecordField, ...]
    construct: str  # "constructor" (positional, by field order) or "initializer" ({ F = ... })
    doc: str = ""


@dataclass(frozen=True)
class ClassModel:
    name: str
    python_name: str
    constructor: Optional[Member]
    members: tuple[Member, ...]  # methods, static methods, property getters and setters
    doc: str = ""


@dataclass(frozen=True)
class Api:
    """Everything [PyExport] exposes from one assembly."""

    functions: tuple[Member, ...] = ()
    classes: tuple[ClassModel, ...] = ()
    enums: tuple[EnumModel, ...] = ()
    records: tuple[RecordModel, ...] = ()
    assembly: str = ""

    @property
    def empty(self) -> bool:
        return not (self.functions or self.classes or self.enums or self.records)

    @property
    def public_names(self) -> list[str]:
        return [e.python_name for e in self.enums] + [r.python_name for r in self.records] + [
            c.python_name for c in self.classes] + [f.python_name for f in self.functions]


def api_members(api: Api) -> list[Member]:
    """Every member with a shim, in the order that numbers the shims and native entry points."""
    members = list(api.functions)
    for cls in api.classes:
        members += ([cls.constructor] if cls.constructor else []) + list(cls.members)
    return members
