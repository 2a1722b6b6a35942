"""The native calling convention of a [PyExport] member, once: its slots.

Every member's shim body takes its object's handle (methods and property accessors), then each
input as one or two slots (scalars by value; strings and encoded composites as pointer + byte
length; buffers as pointer + item count; objects as handles), then one pointer per result, then
`byte** error`, and returns Status.Ok or Status.Error. The C# shims and native entry points
(csharp.py) and the ctypes calls (python.py) are all rendered from these slots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ..abi import PRIMITIVES
from .model import Api, Member, TypeNode, api_members


@dataclass(frozen=True)
class Slot:
    """One native value: its C# type and the ctypes type that carries it."""

    csharp: str  # "int", "byte*", "nint", "global::System.Double*"
    ctype: str  # a ctypes name: "c_int32", "c_void_p", ...


SELF = Slot("nint", "c_ssize_t")  # the handle of the member's object
ERROR = Slot("byte*", "c_void_p")  # what the error pointer points to: a failed call's error block


def wire_scalar(node: TypeNode, enum_underlying: Mapping[str, str]) -> str:
    """The C# type a scalar crosses as: bool as byte, char as ushort, an enum as its underlying type."""
    if node.tag == "bool":
        return "byte"
    if node.tag == "char":
        return "ushort"
    if node.tag == "enum":
        return enum_underlying[node.name]
    return node.tag


def input_slots(node: TypeNode, enum_underlying: Mapping[str, str]) -> tuple[Slot, ...]:
    """The slots of one input of type *node*."""
    passing = node.passing
    if passing == "scalar":
        wire = wire_scalar(node, enum_underlying)
        return (Slot(wire, PRIMITIVES[wire].ctype),)
    if passing in ("string", "codec"):
        return Slot("byte*", "c_void_p"), Slot("int", "c_int32")
    if passing == "buffer":
        return Slot(f"{node.item.cs}*", "c_void_p"), Slot("nint", "c_ssize_t")
    return (SELF,)  # an object, by handle


def result_slot(node: TypeNode, enum_underlying: Mapping[str, str]) -> Slot:
    """What one result's pointer points to: a scalar, a handle, or the address of a native block
    (Interop.cs's Blob: 4-byte length, then the bytes) that the caller frees."""
    passing = node.passing
    if passing == "scalar":
        wire = wire_scalar(node, enum_underlying)
        return Slot(wire, PRIMITIVES[wire].ctype)
    if passing == "handle":
        return SELF
    return Slot("byte*", "c_void_p")


def has_self(member: Member) -> bool:
    """Whether the member's slots start with the handle of its object."""
    return member.kind in ("method", "getter", "setter")


def results(member: Member) -> tuple[TypeNode, ...]:
    """The member's results in slot order: a constructor's new object, else its outputs."""
    if member.kind == "constructor":
        owner = f"global::{member.owner.replace('+', '.')}"
        return (TypeNode("object", owner, name=member.owner),)
    return member.outputs


def first_raw_number(api: Optional[Api]) -> int:
    """The native entry points of the hand-written exports are numbered after the [PyExport]
    members' (api_members), in entry-point order."""
    return len(api_members(api)) if api is not None else 0
