"""The C ABI types an `UnmanagedCallersOnly` export may use, and how each maps to Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Primitive:
    """A blittable C# primitive as it crosses the boundary."""

    csharp: str  # C# keyword: "int"
    ctype: str  # ctypes name: "c_int32"
    python: str  # annotation: "int"
    kind: str  # "signed" | "unsigned" | "float" | "void"
    size: int  # bytes; 0 for void
    struct_format: str  # standard-size struct/array format letter ("" for void)

    @property
    def minimum(self) -> int:
        return -(1 << (self.size * 8 - 1)) if self.kind == "signed" else 0

    @property
    def maximum(self) -> int:
        return (1 << (self.size * 8 - 1)) - 1 if self.kind == "signed" else (1 << (self.size * 8)) - 1


# nint/nuint are pointer-sized; every target aotwheel builds for is 64-bit.
PRIMITIVES: dict[str, Primitive] = {
    p.csharp: p
    for p in (
        Primitive("sbyte", "c_int8", "int", "signed", 1, "b"),
        Primitive("byte", "c_uint8", "int", "unsigned", 1, "B"),
        Primitive("short", "c_int16", "int", "signed", 2, "h"),
        Primitive("ushort", "c_uint16", "int", "unsigned", 2, "H"),
        Primitive("int", "c_int32", "int", "signed", 4, "i"),
        Primitive("uint", "c_uint32", "int", "unsigned", 4, "I"),
        Primitive("long", "c_int64", "int", "signed", 8, "q"),
        Primitive("ulong", "c_uint64", "int", "unsigned", 8, "Q"),
        Primitive("nint", "c_ssize_t", "int", "signed", 8, "q"),
        Primitive("nuint", "c_size_t", "int", "unsigned", 8, "Q"),
        Primitive("float", "c_float", "float", "float", 4, "f"),
        Primitive("double", "c_double", "float", "float", 8, "d"),
        Primitive("void", "None", "None", "void", 0, ""),
    )
}

# Named in errors so a user sees at once what would have been accepted.
SUPPORTED_SUMMARY = (
    "sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint, float, double, "
    "void (return only), and pointers to these (e.g. double*, byte*, void*)"
)


@dataclass(frozen=True)
class AbiType:
    """A primitive, or a single pointer to one (`double*`); `void*` is a pointer to void."""

    primitive: Primitive
    pointer: bool = False

    @property
    def csharp(self) -> str:
        return self.primitive.csharp + ("*" if self.pointer else "")

    @property
    def is_void(self) -> bool:
        return self.primitive.kind == "void" and not self.pointer


@dataclass(frozen=True)
class Parameter:
    name: str  # as written in C#
    python_name: str  # a keyword gets a trailing underscore
    type: AbiType


@dataclass(frozen=True)
class Export:
    """One exported native function, as discovered from the assembly metadata."""

    entry_point: str  # the native symbol
    python_name: str  # the Python function name: the entry point, a keyword getting a trailing underscore
    declaring_type: str
    method: str
    parameters: tuple[Parameter, ...]
    returns: AbiType
    doc: Optional[str] = None
    release_gil: bool = False  # [ReleaseGil]: the native backend lets other threads run during the call

    @property
    def qualified_method(self) -> str:
        return f"{self.declaring_type}.{self.method}"

    @property
    def origin(self) -> str:
        """`Calls the .NET method Ns.Type.Add(int a, int b) -> int.`: the last line of every docstring."""
        parameters = ", ".join(f"{p.type.csharp} {p.name}" for p in self.parameters)
        return f"Calls the .NET method {self.qualified_method}({parameters}) -> {self.returns.csharp}."
