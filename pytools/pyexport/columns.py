"""`.map`: which functions get it, and how each of their values crosses as a column.

A mappable function's parameters and result flatten into *leaf columns*: a scalar-like parameter is
one leaf, a record parameter one leaf per field. Each leaf crosses in one of three layouts, shared by
the C# shim (csharp.py, Columns.cs) and the Python side (python.py, _columns.py):

- fixed:  one native item per row (numbers; bool as a byte; char as ushort; an enum as its
          underlying type), zero-copy from numpy when the item type is exact;
- string: one UTF-8 blob plus int64 offsets (rows + 1);
- wire:   every row in the composite wire encoding of WireReader/WireWriter, plus int64 offsets.
          Any scalar type with a codec crosses this way, so a new one needs no column code.

Nulls of fixed and string leaves travel in a validity byte mask; wire leaves carry their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .model import NUMERIC, Member, RecordModel, TypeNode

# Scalar-like tags by layout; a tag absent here makes its function not mappable.
FIXED_TAGS = frozenset(NUMERIC) | {"bool", "char", "enum"}
WIRE_TAGS = frozenset({"datetime", "datetimeoffset", "timespan", "guid", "decimal", "dateonly", "timeonly", "biginteger",
                       "int128", "uint128", "half"})
LEAF_TAGS = FIXED_TAGS | WIRE_TAGS | {"string"}


@dataclass(frozen=True)
class Leaf:
    """One column: *node* as declared (a Nullable<T> included), *scalar* the value type inside it."""

    python_name: str  # the parameter, or the record field
    cs_name: str  # the record field's C# name ("" for a plain parameter)
    node: TypeNode

    @property
    def scalar(self) -> TypeNode:
        return self.node.item if self.node.tag == "nullable" else self.node

    @property
    def nullable(self) -> bool:
        return self.node.tag == "nullable" or self.node.nullable

    @property
    def layout(self) -> str:
        tag = self.scalar.tag
        return "fixed" if tag in FIXED_TAGS else "string" if tag == "string" else "wire"


@dataclass(frozen=True)
class Value:
    """A parameter or the result: one leaf, or a record's leaves (*record* set)."""

    python_name: str
    node: TypeNode
    leaves: tuple[Leaf, ...]
    record: Optional[RecordModel] = None


def leaf_node(node: TypeNode) -> bool:
    inner = node.item if node.tag == "nullable" else node
    return inner.tag in LEAF_TAGS


def value(name: str, node: TypeNode, records: Mapping[str, RecordModel]) -> Optional[Value]:
    """*node* as columns, or None when it is not scalar-like."""
    if leaf_node(node):
        return Value(name, node, (Leaf(name, "", node),))
    if node.tag == "record" and node.name in records:
        record = records[node.name]
        if record.fields and all(leaf_node(f.type) for f in record.fields):
            return Value(name, node, tuple(Leaf(f.python_name, f.cs_name, f.type) for f in record.fields), record)
    return None


@dataclass(frozen=True)
class MapPlan:
    member: Member
    inputs: tuple[Value, ...]
    result: Value

    @property
    def entry_point(self) -> str:
        # `aotwheel_map__...` cannot be any other shim's name (those are aotwheel_<class or fn>_...).
        return "aotwheel_map__" + self.member.entry_point.removeprefix("aotwheel_")


def map_plan(member: Member, records: Mapping[str, RecordModel]) -> Optional[MapPlan]:
    """The `.map` of *member*, or None when it gets none: a static function with at least one
    parameter, no out parameters, and scalar-like (or record-of-scalar) parameters and result."""
    if member.kind not in ("function", "static") or not member.params or any(p.out for p in member.params):
        return None
    result = value("result", member.returns, records)
    inputs = [value(p.python_name, p.type, records) for p in member.params]
    if result is None or any(v is None for v in inputs):
        return None
    return MapPlan(member, tuple(v for v in inputs if v is not None), result)
