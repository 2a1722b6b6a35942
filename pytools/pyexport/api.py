"""Builds and validates the [PyExport] API model from the inspector's report.

Every problem is collected and reported together, each naming the member, parameter and type at fault.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Optional, Sequence, Union

from ..errors import AotWheelError
from ..report import Constant, DeclaredMethod, DeclaredParameter, DeclaredProperty, DeclaredType, Report, TypeShape
from ..xmldoc import MemberDoc, method_doc_id
from .model import Api, ClassModel, Default, EnumModel, Member, Param, RecordField, RecordModel, TypeNode
from .naming import check_collisions, check_identifier, parameter_name, safe_identifier, snake_case
from .resolve import SUPPORTED, Resolver, Unsupported, display

# Names the generated package defines itself.
RESERVED_MODULE_NAMES = ("DotNetError",)
RESERVED_CLASS_NAMES = ("close", "closed")
# Object plumbing every .NET class has; not exported from [PyExport] classes.
SKIPPED_METHODS = frozenset({"Equals", "GetHashCode", "Deconstruct", "GetType", "Finalize"})
VOID = TypeNode("void", "void")
# `default` of a value type, in Python (a `null` constant in metadata).
_ZEROS = {
    "timespan": "_datetime.timedelta(0)", "guid": "_uuid.UUID(int=0)", "datetime": "_datetime.datetime.min",
    "dateonly": "_datetime.date.min", "timeonly": "_datetime.time()", "decimal": "_decimal.Decimal(0)",
    "biginteger": "0", "int128": "0", "uint128": "0", "half": "0.0",
}
# What may carry a [PyExport] mark (and so a Python name of its own).
Marked = Union[DeclaredType, DeclaredMethod, DeclaredProperty]


class ApiBuilder:
    def __init__(self, report: Report, docs: Mapping[str, MemberDoc]) -> None:
        self.types: dict[str, DeclaredType] = {t.name: t for t in report.types}
        self.docs = docs
        self.assembly = report.assembly
        self.problems: list[str] = []
        exported = {n for n, t in self.types.items() if t.py_export is not None and t.kind == "class" and not t.is_static}
        self.resolver = Resolver(self.types, exported)

    def build(self, reserved: Iterable[tuple[str, str]] = ()) -> Api:
        functions: list[Member] = []
        classes: list[ClassModel] = []
        for name, declared in self.types.items():
            marked = declared.py_export is not None
            if marked and not declared.is_public:
                self.problems.append(f"{name}: a [PyExport] type must be public")
                continue
            if marked and declared.kind == "class" and declared.is_static:
                functions += self._functions(declared, [m for m in declared.methods if m.is_static and not m.is_constructor
                                                        and (m.is_public or m.py_export is not None)])
            elif marked and declared.kind == "class":
                if declared.is_generic:
                    self.problems.append(f"{name}: a generic class cannot be exported ([PyExport] needs a closed type)")
                    continue
                classes.append(self._class(declared))
            elif marked and declared.kind in ("struct", "enum"):
                self._resolve(TypeShape("valuetype", name), name)
            elif marked:
                self.problems.append(f"{name}: [PyExport] applies to classes, structs, enums and static methods, not to a {declared.kind}")
            else:
                functions += self._functions(declared, [m for m in declared.methods if m.py_export is not None])
        records = self._records()  # first: resolving record fields can reach enums no signature names
        enums = self._enums()
        names = [(n, f"hand-written export {n}") for n, _ in reserved] + [(n, "aotwheel's own " + n) for n in RESERVED_MODULE_NAMES]
        names += [(e.python_name, e.name) for e in enums] + [(r.python_name, r.name) for r in records]
        names += [(c.python_name, c.name) for c in classes] + [(f.python_name, f.origin) for f in functions]
        self.problems += check_collisions(names, f"the module {self.assembly or ''}".rstrip())
        if self.problems:
            raise AotWheelError(
                f"{len(self.problems)} problem(s) with [PyExport] members:\n  " + "\n  ".join(self.problems)
                + (f"\nSupported types: {SUPPORTED}" if any("is not supported" in p for p in self.problems) else "")
            )
        return Api(tuple(functions), tuple(classes), enums, records, self.assembly)

    # -- members ---------------------------------------------------------------------------------

    def _functions(self, owner: DeclaredType, methods: Sequence[DeclaredMethod]) -> list[Member]:
        found = []
        for method in methods:
            where = f"{owner.name}.{method.name}"
            if not method.is_static:
                self.problems.append(f"{where}: [PyExport] on a method needs a static method (or mark the class)")
                continue
            if not method.is_public or not owner.is_public:
                self.problems.append(f"{where}: a [PyExport] method must be public, in a public type")
                continue
            python_name = self._python_name(method, snake_case(method.name), where)
            member = self._member(owner, method, "function", python_name, f"aotwheel_fn_{python_name}")
            if member:
                found.append(member)
        return found

    def _class(self, declared: DeclaredType) -> ClassModel:
        name = declared.name
        python_class = self._python_name(declared, declared.simple_name, name)
        members: list[Member] = []
        constructors = [m for m in declared.methods if m.is_constructor and m.is_public and not m.is_static]
        if len(constructors) > 1:
            self.problems.append(
                f"{name}: {len(constructors)} public constructors all map to {python_class}.__init__; keep one "
                "(optional parameters carry over) and add [PyExport] static factory methods for the others"
            )
        constructor = None
        if constructors and not declared.is_abstract:
            constructor = self._member(declared, constructors[0], "constructor", "__init__", f"aotwheel_{python_class}_new")
        for method in declared.methods:
            if method.is_constructor or not method.is_public or method.name in SKIPPED_METHODS:
                continue
            if method.name == "ToString" and not method.parameters and not method.is_static:
                member = self._member(declared, method, "method", "__str__", f"aotwheel_{python_class}_str")
            else:
                where = f"{name}.{method.name}"
                python_name = self._python_name(method, snake_case(method.name), where)
                kind = "static" if method.is_static else "method"
                member = self._member(declared, method, kind, python_name, f"aotwheel_{python_class}_{kind}_{python_name}")
            if member:
                members.append(member)
        for prop in declared.properties:
            if prop.is_static or prop.is_indexer:
                continue  # Python modules and classes have no static properties; indexers are not exported
            members += self._property(declared, prop, python_class)
        scope = f"the class {python_class}"
        named = [(m.python_name, f"{m.origin}") for m in members if m.kind != "setter"]
        named += [(n, f"aotwheel's own {python_class}.{n}") for n in RESERVED_CLASS_NAMES]
        self.problems += check_collisions(named, scope)
        return ClassModel(name, python_class, constructor, tuple(members), self._type_doc(name))

    def _property(self, owner: DeclaredType, prop: DeclaredProperty, python_class: str) -> list[Member]:
        where = f"{owner.name}.{prop.name}"
        python_name = self._python_name(prop, snake_case(prop.name), where)
        node = self._resolve(prop.type, f"{where}, property type", nullable=prop.nullable)
        if node is None:
            return []
        doc = self._doc(f"P:{owner.name.replace('+', '.')}.{prop.name}", {}, f"The .NET property {where}.")
        found = []
        if prop.can_read:
            found.append(Member("getter", python_name, owner.name, prop.name, (), node,
                                f"aotwheel_{python_class}_get_{python_name}", doc))
        if prop.can_write and prop.can_read:  # a Python property setter needs its getter
            value = Param("value", "value", node)
            found.append(Member("setter", python_name, owner.name, prop.name, (value,), VOID,
                                f"aotwheel_{python_class}_set_{python_name}", doc))
        return found

    def _member(self, owner: DeclaredType, method: DeclaredMethod, kind: str, python_name: str, entry_point: str) -> Optional[Member]:
        where = f"{owner.name}.{method.name}"
        if method.is_generic:
            self.problems.append(f"{where}: generic methods cannot be exported")
            return None
        params: list[Param] = []
        ok = True
        for declared in method.parameters:
            param = self._param(declared, f"{where}, parameter '{declared.name}'")
            ok = ok and param is not None
            if param:
                params.append(param)
        returns = VOID
        if method.returns.name != "void" or method.returns.kind != "primitive":
            resolved = self._resolve(method.returns, f"{where}, return type", nullable=method.returns_nullable)
            ok = ok and resolved is not None
            returns = resolved or VOID
        if not ok:
            return None
        names = {p.cs_name: p.python_name for p in params}
        signature = ", ".join(f"{display(p.type)} {p.name}" for p in method.parameters)
        footer = (f"Creates a .NET {owner.name}({signature})." if kind == "constructor"
                  else f"Calls the .NET method {where}({signature}).")
        doc_id = method_doc_id(owner.name, method.name, [p.type for p in method.parameters])
        # [PyExport(ReleaseGil = true)] on the method, or on the class exporting it.
        release_gil = any(mark.release_gil for mark in (method.py_export, owner.py_export) if mark is not None)
        return Member(kind, python_name, owner.name, method.name, tuple(params), returns, entry_point,
                      self._doc(doc_id, names, footer), release_gil)

    def _param(self, declared: DeclaredParameter, where: str) -> Optional[Param]:
        shape, out = declared.type, False
        if shape.kind == "byref" and shape.element is not None and (declared.is_out or declared.is_in):
            out = declared.is_out
            shape = shape.element  # a plain ref parameter stays byref: the resolver rejects it
        node = self._resolve(shape, where, nullable=declared.nullable)
        if node is None:
            return None
        if out and node.tag == "span" and node.container != "array":
            self.problems.append(f"{where}: an out parameter cannot be a span")
            return None
        default = None
        if declared.is_params:
            default = Default("()")
        elif declared.default is not None and not out:
            default = self._default(declared.default, node)
        return Param(declared.name, parameter_name(declared.name), node, out, default)

    def _default(self, constant: Constant, node: TypeNode) -> Optional[Default]:
        """The Python spelling of a C# default value; None when it has none (the parameter stays required)."""
        kind, value = constant.kind, constant.value
        target = node.args[0] if node.tag == "nullable" else node
        if kind == "null":
            if node.tag == "nullable" or node.nullable or node.tag in ("string", "object"):
                return Default("None")
            return Default(_ZEROS[target.tag]) if target.tag in _ZEROS else None
        if kind == "decimal":  # from [DecimalConstant]: `decimal rate = 0.2m`
            return Default(f"_decimal.Decimal({value!r})")
        if kind == "bool":
            return Default(repr(bool(value)))
        if kind in ("string", "char"):
            return Default(repr(value))
        if kind == "float" and value is not None:  # the report's parser checked each kind's value
            number = float(value)
            return Default(repr(number) if math.isfinite(number) else f"float({str(value)!r})")
        if kind == "int" and isinstance(value, int):
            if target.tag == "enum":
                return Default(f"{self._type_python_name(target.name)}({int(value)})")
            if target.tag in ("float", "double"):
                return Default(repr(float(value)))
            if target.tag == "bool":
                return Default(repr(bool(value)))
            return Default(repr(int(value)))
        return None

    def _resolve(self, shape: TypeShape, where: str, nullable: bool = False) -> Optional[TypeNode]:
        try:
            return self.resolver.resolve(shape, nullable=nullable)
        except Unsupported as exc:
            self.problems.append(f"{where}: type {display(shape)} is not supported ({exc})")
            return None

    # -- types -----------------------------------------------------------------------------------

    def _enums(self) -> tuple[EnumModel, ...]:
        enums = []
        for name in sorted(self.resolver.enums):
            declared = self.types[name]
            assert declared.underlying is not None, "the report's parser requires it of enums"
            members = tuple((v.name, v.number) for v in declared.values)
            enums.append(EnumModel(name, self._type_python_name(name), declared.underlying, declared.is_flags, members,
                                   self._type_doc(name)))
        return tuple(enums)

    def _records(self) -> tuple[RecordModel, ...]:
        done: dict[str, RecordModel] = {}
        while pending := sorted(self.resolver.records - done.keys()):
            for name in pending:
                done[name] = self._record(self.types[name])
        return tuple(done[n] for n in sorted(done))

    def _record(self, declared: DeclaredType) -> RecordModel:
        name = declared.name
        fields: list[tuple[str, TypeShape, bool]] = [(f.name, f.type, not f.is_read_only) for f in declared.fields]
        fields += [(p.name, p.type, p.can_write or p.is_init_only) for p in declared.properties
                   if p.can_read and not p.is_static and not p.is_indexer]
        resolved = []
        for field_name, shape, _ in fields:
            node = self._resolve(shape, f"{name}, field '{field_name}'")
            if node is not None:
                resolved.append(RecordField(field_name, safe_identifier(snake_case(field_name)), node))
        self.problems += check_collisions([(f.python_name, f"{name}.{f.cs_name}") for f in resolved], f"the dataclass {declared.simple_name}")
        construct, ordered = self._construction(declared, resolved, all(w for _, _, w in fields))
        # A positional record documents its fields as <param>s: named as the dataclass names them.
        field_names = {f.cs_name: f.python_name for f in resolved}
        return RecordModel(name, self._type_python_name(name), tuple(ordered), construct, self._type_doc(name, field_names))

    def _construction(self, declared: DeclaredType, fields: list[RecordField], all_settable: bool) -> tuple[str, list[RecordField]]:
        by_name = {f.cs_name.lower(): f for f in fields}
        for ctor in declared.methods:
            if not ctor.is_constructor or not ctor.is_public or ctor.is_static:
                continue
            names = [p.name.lower() for p in ctor.parameters]
            if len(names) == len(fields) and set(names) == set(by_name):
                return "constructor", [by_name[n] for n in names]
        parameterless = declared.kind == "struct" or any(
            m.is_constructor and m.is_public and not m.parameters for m in declared.methods)
        if not (all_settable and parameterless):
            self.problems.append(
                f"{declared.name}: a record or struct crosses to Python by value, so it needs a public constructor "
                "taking every public field/property (as positional records have), or settable fields/properties"
            )
        return "initializer", fields

    def _type_python_name(self, name: str) -> str:
        declared = self.types[name]
        return self._python_name(declared, declared.simple_name, name)

    def _python_name(self, declared: Marked, default: str, where: str) -> str:
        mark = declared.py_export
        python = (mark.name if mark else None) or safe_identifier(default)
        try:
            check_identifier(python, where)
        except AotWheelError as exc:
            self.problems.append(str(exc))
        return python

    def _type_doc(self, name: str, field_names: Mapping[str, str] | None = None) -> str:
        return self._doc(f"T:{name.replace('+', '.')}", field_names or {}, f"The .NET type {name}.")

    def _doc(self, doc_id: str, names: Mapping[str, str], footer: str) -> str:
        doc = self.docs.get(doc_id)
        return doc.docstring(dict(names), footer) if doc else footer


def build_api(report: Report, docs: Mapping[str, MemberDoc], reserved: Iterable[tuple[str, str]] = ()) -> Api:
    """The validated [PyExport] API of an assembly; *reserved* holds (python name, origin) already taken."""
    return ApiBuilder(report, docs).build(reserved)
