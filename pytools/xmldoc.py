"""C# XML documentation (`<summary>`, `<param>`, `<returns>`, `<exception>`) as Python docstrings."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .errors import AotWheelError
from .report import TypeShape

# Keyword names the inspector reports -> the CLR names documentation IDs use.
_CLR_NAMES = {
    "bool": "System.Boolean", "char": "System.Char", "sbyte": "System.SByte", "byte": "System.Byte",
    "short": "System.Int16", "ushort": "System.UInt16", "int": "System.Int32", "uint": "System.UInt32",
    "long": "System.Int64", "ulong": "System.UInt64", "nint": "System.IntPtr", "nuint": "System.UIntPtr",
    "float": "System.Single", "double": "System.Double", "string": "System.String", "object": "System.Object",
    "void": "System.Void",
}
_ELEMENT_SUFFIXES = {"pointer": "*", "byref": "@", "array": "[]"}


@dataclass(frozen=True)
class MemberDoc:
    summary: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    returns: str = ""
    exceptions: tuple[tuple[str, str], ...] = ()

    def docstring(self, parameter_names: dict[str, str], footer: str) -> str:
        """The docstring: summary, Args (with Python names), Returns, Raises, then *footer*."""
        parts = [self.summary] if self.summary else []
        documented = [(parameter_names.get(name, name), text) for name, text in self.parameters.items() if text]
        if documented:
            parts.append("Args:\n" + "\n".join(f"    {name}: {text}" for name, text in documented))
        if self.returns:
            parts.append(f"Returns:\n    {self.returns}")
        if self.exceptions:
            parts.append("Raises:\n" + "\n".join(f"    {kind}: {text}" for kind, text in self.exceptions))
        parts.append(footer)
        return "\n\n".join(parts)


def type_doc_name(shape: TypeShape) -> str:
    """The documentation-ID spelling of an inspector type shape (`System.Double*`, `A.B.C`)."""
    kind, name, element = shape.kind, shape.name, shape.element
    if kind == "primitive":
        return _CLR_NAMES.get(name, name)
    if kind in _ELEMENT_SUFFIXES and element is not None:
        return type_doc_name(element) + _ELEMENT_SUFFIXES[kind]
    if kind == "generic":
        base = re.sub(r"`\d+$", "", name).replace("+", ".")
        return base + "{" + ",".join(type_doc_name(a) for a in shape.arguments) + "}"
    return name.replace("+", ".")


def method_doc_id(declaring_type: str, method: str, parameter_shapes: Sequence[TypeShape]) -> str:
    """`M:Ns.Type.Method(System.Int32,System.Double*)`, as the C# compiler writes it."""
    member = "#ctor" if method == ".ctor" else method
    head = f"M:{declaring_type.replace('+', '.')}.{member}"
    if not parameter_shapes:
        return head
    return head + "(" + ",".join(type_doc_name(s) for s in parameter_shapes) + ")"


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    pieces = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag in ("paramref", "typeparamref"):
            pieces.append(child.get("name", ""))
        elif tag == "see" or tag == "seealso":
            target = child.get("cref") or child.get("langword") or child.get("href") or ""
            pieces.append(child.text or target.split(":", 1)[-1].split("(")[0].rsplit(".", 1)[-1])
        else:
            pieces.append(_text(child))
        pieces.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def read_xml_docs(path: Path) -> dict[str, MemberDoc]:
    """Every documented member of the XML documentation file *path* (none if it is missing)."""
    return parse_xml_docs(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else {}


def parse_xml_docs(text: str, source: str) -> dict[str, MemberDoc]:
    """Every documented member of the XML documentation *text*, keyed by documentation ID."""
    if not text:
        return {}
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise AotWheelError(f"{source}: unreadable XML documentation: {exc}") from None
    docs: dict[str, MemberDoc] = {}
    for member in root.iter("member"):
        docs[member.get("name", "")] = MemberDoc(
            summary=_text(member.find("summary")),
            parameters={p.get("name", ""): _text(p) for p in member.findall("param")},
            returns=_text(member.find("returns")),
            exceptions=tuple(
                (e.get("cref", "").split(":", 1)[-1].rsplit(".", 1)[-1], _text(e)) for e in member.findall("exception")
            ),
        )
    return docs
