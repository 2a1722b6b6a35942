"""The C# inspector's report (csharp_src/support/Inspector), typed: what a compiled assembly's
metadata declares, read once by `Report.from_json` and used by every stage that binds.

The report says what the metadata says, nothing more: discover.py decides which exports are
bindable and plan/planner.py which [PyExport] members are, each naming what it refuses.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NoReturn, Optional, Union

from . import __version__
from .errors import AotWheelError

# The version of the report's shape. Python owns it: aotwheel passes it to the inspector on its
# command line (`--contract N`) and the inspector writes it into the report as given, so the number
# exists once. The inspector is built from the sources shipped with this very aotwheel (cached by
# their digest), so a fresh report always matches this parser; the number guards the reports that
# outlive one run: the manifest saved beside a library (read by `aotwheel package`, perhaps by
# another aotwheel on another machine) and [PyExport]'s cached phase-A report. Bump it whenever
# the inspector's output (Program.cs, TypeReport.cs) or the manifest's content changes shape.
CONTRACT = 4

# What the inspector's TypeShape.Kind can be; the first four wrap an element type.
ELEMENT_KINDS = frozenset({"pointer", "byref", "array", "mdarray"})
SHAPE_KINDS = ELEMENT_KINDS | {
    "primitive", "valuetype", "class", "generic", "generic-parameter", "functionpointer", "initonly",
}
TYPE_KINDS = frozenset({"class", "struct", "enum", "interface", "delegate"})
# A constant's kind -> what its value may be ("none": no constant; "decimal": from [DecimalConstant]).
_CONSTANT_VALUES: dict[str, tuple[str, Callable[[object], bool]]] = {
    "none": ("no value", lambda v: v is None),
    "null": ("no value", lambda v: v is None),
    "bool": ("a boolean", lambda v: isinstance(v, bool)),
    "int": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ('a number, "nan", "inf" or "-inf"',
              lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)) or v in ("nan", "inf", "-inf")),
    "char": ("a UTF-16 code unit", lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0xFFFF),
    "string": ("a string", lambda v: isinstance(v, str)),
    "decimal": ("a string", lambda v: isinstance(v, str)),
}

ConstantValue = Union[bool, int, float, str, None]


@dataclass(frozen=True)
class TypeShape:
    """A type as a signature spells it: `kind` (SHAPE_KINDS) and the full `name` (`Ns.Outer+Inner`,
    `System.Collections.Generic.List`1`, a C# keyword for primitives), an element for pointers, refs
    and arrays, type arguments for generic instantiations."""

    kind: str
    name: str
    element: Optional[TypeShape] = None
    arguments: tuple[TypeShape, ...] = ()


@dataclass(frozen=True)
class Constant:
    """A constant from metadata (a parameter default, an enum value); `kind` is a key of _CONSTANT_VALUES.
    Floats that JSON cannot spell are the strings "nan", "inf", "-inf"."""

    kind: str
    value: ConstantValue = None


@dataclass(frozen=True)
class PyExportMark:
    """A [PyExport] attribute: its Name = "..." when given, and ReleaseGil = true."""

    name: Optional[str] = None
    release_gil: bool = False


@dataclass(frozen=True)
class ExportParameter:
    name: str
    type: TypeShape


@dataclass(frozen=True)
class DeclaredExport:
    """A method carrying [UnmanagedCallersOnly]; `entry_point` is None when it sets no EntryPoint."""

    entry_point: Optional[str]
    declaring_type: str
    method: str
    is_static: bool
    is_generic: bool
    returns: TypeShape
    parameters: tuple[ExportParameter, ...]
    release_gil: bool = False  # [ReleaseGil] on the method or its class


@dataclass(frozen=True)
class DeclaredParameter:
    name: str  # "argN" when metadata has no parameter row
    type: TypeShape
    is_out: bool
    is_in: bool
    is_params: bool
    nullable: bool  # a reference type annotated `T?`
    has_default: bool
    default: Optional[Constant] = None  # given when has_default


@dataclass(frozen=True)
class DeclaredMethod:
    name: str  # ".ctor" for constructors
    is_public: bool
    is_static: bool
    is_constructor: bool
    is_generic: bool
    py_export: Optional[PyExportMark]
    returns: TypeShape
    returns_nullable: bool
    parameters: tuple[DeclaredParameter, ...]


@dataclass(frozen=True)
class DeclaredProperty:
    name: str
    type: TypeShape
    is_static: bool
    is_indexer: bool
    can_read: bool  # a public getter
    can_write: bool  # a public setter that is not init-only
    is_init_only: bool
    nullable: bool
    py_export: Optional[PyExportMark]


@dataclass(frozen=True)
class DeclaredField:
    name: str
    type: TypeShape
    is_read_only: bool
    nullable: bool


@dataclass(frozen=True)
class EnumValue:
    name: str
    value: Constant  # an int constant

    @property
    def number(self) -> int:
        assert isinstance(self.value.value, int), "the parser admits int constants only"
        return self.value.value


@dataclass(frozen=True)
class DeclaredType:
    """A type the user wrote (compiler-generated and aotwheel's own are not reported), with its public
    members (and the non-public methods marked [PyExport], which aotwheel then refuses by name)."""

    name: str  # `Ns.Outer+Inner`
    simple_name: str
    kind: str  # TYPE_KINDS
    is_public: bool  # visible outside the assembly
    is_static: bool
    is_abstract: bool
    is_generic: bool
    is_record: bool
    is_flags: bool
    py_export: Optional[PyExportMark]
    fields: tuple[DeclaredField, ...]
    properties: tuple[DeclaredProperty, ...]
    methods: tuple[DeclaredMethod, ...]
    values: tuple[EnumValue, ...] = ()  # enums only
    underlying: Optional[str] = None  # enums only: the C# keyword of the underlying type
    base_type: str = ""  # the base class's full name (System.Object, ...); "" for interfaces or a generic base
    interfaces: tuple[str, ...] = ()  # the interfaces it declares it implements (named, not generic ones)


@dataclass(frozen=True)
class Report:
    contract: int
    assembly: str
    exports: tuple[DeclaredExport, ...]
    types: tuple[DeclaredType, ...]

    @classmethod
    def from_json(cls, data: object, source: str) -> Report:
        """The report in *data* (parsed JSON), checked for shape; errors name *source* (a file) and the
        field at fault. A report of another contract version is refused before anything else is read."""
        root = _Object(data, source, "report")
        contract = root.data.get("contract")
        if type(contract) is not int or contract != CONTRACT:  # not `true` nor 1.0
            found = "has no contract version" if contract is None else f"is of contract {json.dumps(contract)}"
            raise AotWheelError(
                f"{source}: built by an incompatible aotwheel (its report {found}; aotwheel {__version__} reads "
                f"contract {CONTRACT}); rebuild the library with this aotwheel (`aotwheel build`)"
            )
        return cls(
            contract=CONTRACT,
            assembly=root.text("assembly"),
            exports=tuple(_export(o) for o in root.objects("exports", label="entryPoint")),
            types=tuple(_type(o) for o in root.objects("types")),
        )

    def to_json(self) -> dict[str, Any]:
        """The report as the inspector writes it (every optional field spelled out), for saving."""
        result = _to_json(self)
        assert isinstance(result, dict)
        return result


def _to_json(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_camel(f.name): _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


# -- reading ---------------------------------------------------------------------------------------


class _Object:
    """One JSON object of the report; each read checks the field's type, and an error names the
    source and the field's path (`report.types["Lib.Api"].methods["Add"].isStatic`)."""

    def __init__(self, data: object, source: str, path: str) -> None:
        self.source, self.path = source, path
        if not isinstance(data, dict):
            self._fail(path, "an object", data)
        self.data: dict[str, Any] = data

    def _fail(self, path: str, expected: str, got: object) -> NoReturn:
        shown = json.dumps(got)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise AotWheelError(f"{self.source}: {path}: expected {expected}, got {shown}")

    def _get(self, key: str, expected: str, accept: Callable[[object], bool], optional: bool = False) -> Any:
        if key not in self.data and not optional:
            raise AotWheelError(f"{self.source}: {self.path}.{key}: missing (expected {expected})")
        value = self.data.get(key)
        if not (accept(value) or (optional and value is None)):
            self._fail(f"{self.path}.{key}", expected, value)
        return value

    def text(self, key: str) -> str:
        return str(self._get(key, "a string", lambda v: isinstance(v, str)))

    def optional_text(self, key: str) -> Optional[str]:
        value = self._get(key, "a string or null", lambda v: isinstance(v, str), optional=True)
        return None if value is None else str(value)

    def flag(self, key: str) -> bool:
        return bool(self._get(key, "true or false", lambda v: isinstance(v, bool)))

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._get(key, "an array of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v))
        return tuple(str(v) for v in values)

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        return str(self._get(key, "one of " + ", ".join(sorted(allowed)), lambda v: v in allowed))

    def value(self, key: str, expected: str, accept: Callable[[object], bool]) -> Any:
        return self._get(key, expected, accept, optional=True)

    def object(self, key: str) -> _Object:
        return _Object(self._get(key, "an object", lambda v: isinstance(v, dict)), self.source, f"{self.path}.{key}")

    def optional_object(self, key: str) -> Optional[_Object]:
        value = self._get(key, "an object or null", lambda v: isinstance(v, dict), optional=True)
        return None if value is None else _Object(value, self.source, f"{self.path}.{key}")

    def objects(self, key: str, label: str = "name", optional: bool = False) -> Iterator[_Object]:
        """The objects of the array *key* (absent counts as empty when *optional*), each named in
        errors by its *label* field when it has one, else by its index."""
        items = self._get(key, "an array", lambda v: isinstance(v, list), optional=optional) or []
        for index, item in enumerate(items):
            name = item.get(label) if isinstance(item, dict) else None
            yield _Object(item, self.source, f"{self.path}.{key}[{json.dumps(name) if isinstance(name, str) else index}]")


def _shape(o: _Object) -> TypeShape:
    kind = o.choice("kind", SHAPE_KINDS)
    element = o.optional_object("element")
    if kind in ELEMENT_KINDS and element is None:
        raise AotWheelError(f"{o.source}: {o.path}.element: missing (a {kind} type has an element type)")
    arguments = tuple(_shape(a) for a in o.objects("arguments", optional=kind != "generic"))
    if kind == "generic" and not arguments:
        raise AotWheelError(f"{o.source}: {o.path}.arguments: empty (a generic instantiation has type arguments)")
    return TypeShape(kind, o.text("name"), _shape(element) if element is not None else None, arguments)


def _constant(o: _Object) -> Constant:
    kind = o.choice("kind", frozenset(_CONSTANT_VALUES))
    expected, accept = _CONSTANT_VALUES[kind]
    value = o.value("value", f"{expected} (a {kind} constant)", accept)
    if value is None and kind not in ("none", "null"):
        raise AotWheelError(f"{o.source}: {o.path}.value: missing (expected {expected})")
    return Constant(kind, value)


def _mark(o: _Object) -> Optional[PyExportMark]:
    mark = o.optional_object("pyExport")
    if mark is None:
        return None
    return PyExportMark(mark.optional_text("name"), bool(mark.value("releaseGil", "true or false", lambda v: isinstance(v, bool))))


def _export(o: _Object) -> DeclaredExport:
    return DeclaredExport(
        entry_point=o.optional_text("entryPoint"),
        declaring_type=o.text("declaringType"),
        method=o.text("method"),
        is_static=o.flag("isStatic"),
        is_generic=o.flag("isGeneric"),
        returns=_shape(o.object("returns")),
        parameters=tuple(ExportParameter(p.text("name"), _shape(p.object("type"))) for p in o.objects("parameters")),
        release_gil=o.flag("releaseGil"),
    )


def _parameter(o: _Object) -> DeclaredParameter:
    has_default = o.flag("hasDefault")
    default = o.optional_object("default")
    if has_default and default is None:
        raise AotWheelError(f"{o.source}: {o.path}.default: missing (hasDefault is true)")
    return DeclaredParameter(
        name=o.text("name"),
        type=_shape(o.object("type")),
        is_out=o.flag("isOut"),
        is_in=o.flag("isIn"),
        is_params=o.flag("isParams"),
        nullable=o.flag("nullable"),
        has_default=has_default,
        default=_constant(default) if has_default and default is not None else None,
    )


def _method(o: _Object) -> DeclaredMethod:
    return DeclaredMethod(
        name=o.text("name"),
        is_public=o.flag("isPublic"),
        is_static=o.flag("isStatic"),
        is_constructor=o.flag("isConstructor"),
        is_generic=o.flag("isGeneric"),
        py_export=_mark(o),
        returns=_shape(o.object("returns")),
        returns_nullable=o.flag("returnsNullable"),
        parameters=tuple(_parameter(p) for p in o.objects("parameters")),
    )


def _property(o: _Object) -> DeclaredProperty:
    return DeclaredProperty(
        name=o.text("name"),
        type=_shape(o.object("type")),
        is_static=o.flag("isStatic"),
        is_indexer=o.flag("isIndexer"),
        can_read=o.flag("canRead"),
        can_write=o.flag("canWrite"),
        is_init_only=o.flag("isInitOnly"),
        nullable=o.flag("nullable"),
        py_export=_mark(o),
    )


def _field(o: _Object) -> DeclaredField:
    return DeclaredField(o.text("name"), _shape(o.object("type")), o.flag("isReadOnly"), o.flag("nullable"))


def _enum_value(o: _Object) -> EnumValue:
    value = _constant(o.object("value"))
    if value.kind != "int":
        raise AotWheelError(f"{o.source}: {o.path}.value.kind: expected \"int\" (an enum value), got {json.dumps(value.kind)}")
    return EnumValue(o.text("name"), value)


def _type(o: _Object) -> DeclaredType:
    kind = o.choice("kind", TYPE_KINDS)
    underlying = o.optional_text("underlying")
    if kind == "enum" and underlying is None:
        raise AotWheelError(f"{o.source}: {o.path}.underlying: missing (an enum has an underlying type)")
    return DeclaredType(
        name=o.text("name"),
        simple_name=o.text("simpleName"),
        kind=kind,
        is_public=o.flag("isPublic"),
        is_static=o.flag("isStatic"),
        is_abstract=o.flag("isAbstract"),
        is_generic=o.flag("isGeneric"),
        is_record=o.flag("isRecord"),
        is_flags=o.flag("isFlags"),
        py_export=_mark(o),
        fields=tuple(_field(f) for f in o.objects("fields")),
        properties=tuple(_property(p) for p in o.objects("properties")),
        methods=tuple(_method(m) for m in o.objects("methods")),
        values=tuple(_enum_value(v) for v in o.objects("values", optional=kind != "enum")),
        underlying=underlying,
        base_type=o.text("baseType"),
        interfaces=o.texts("interfaces"),
    )
