"""The plan stage: the inspector's report and the XML documentation -> a validated BindingPlan.

Pure: no SDK, no files. Every problem is collected and reported together, each naming the member,
parameter and type at fault. Entry-point numbers and symbols are given here, once: [PyExport]
module functions first, then each class's constructor and members, then the hand-written exports.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Iterable, Mapping, Optional, Sequence, Union

from ..abi import PRIMITIVES, SUPPORTED_SUMMARY
from ..errors import AotWheelError
from ..report import Constant, DeclaredExport, DeclaredMethod, DeclaredParameter, DeclaredProperty, DeclaredType, Report, TypeShape
from ..xmldoc import MemberDoc, method_doc_id
from .model import (
    Backend, BindingPlan, ClassPlan, Construct, Default, DefaultKind, EnumMember, EnumPlan, Leaf, MapPlan, MapValue,
    Member, MemberKind, OverloadSet, Param, RecordField, RecordPlan, Tag, TypeRef,
)
from .naming import (
    check_collisions, check_identifier, enum_member_name, export_parameter_name, parameter_name, safe_identifier,
    snake_case, symbol_part,
)
from .resolve import SUPPORTED, Resolver, Unsupported, display
from .types import Spelling, entry, leaf_layout

# Names the generated package defines itself.
RESERVED_MODULE_NAMES = ("DotNetError",)
RESERVED_CLASS_NAMES = ("close", "closed")
# Object plumbing every .NET class has; not exported from [PyExport] classes.
SKIPPED_METHODS = frozenset({"Equals", "GetHashCode", "Deconstruct", "GetType", "Finalize"})
VOID = TypeRef(Tag.VOID, "void")
# What may carry a [PyExport] mark (and so a Python name of its own).
Marked = Union[DeclaredType, DeclaredMethod, DeclaredProperty]


def is_support_export(declared: DeclaredExport) -> bool:
    """An export of aotwheel's own run-time support (aotwheel_free, ...), not the user's."""
    return (declared.entry_point or "").startswith("aotwheel_") and declared.declaring_type.startswith("AotWheel.")


def plan_binding(report: Report, docs: Mapping[str, MemberDoc], backend: Backend = Backend.NATIVE,
                 generated_support: Sequence[str] = ()) -> BindingPlan:
    """The binding plan of the assembly *report* describes; *generated_support* are the exports of
    the run-time support compiled with the binding (not in the report's assembly)."""
    lowered = _lower_exports(declared_exports(report), docs)  # first: a duplicate EntryPoint is their error
    plan = Planner(report, docs).plan([(e.python_name, e.origin) for e in lowered])
    reported = {d.entry_point or "" for d in report.exports if d.entry_point and is_support_export(d)}
    support = tuple(sorted(reported | set(generated_support)))
    return _numbered(dataclasses.replace(plan, backend=backend, exports=tuple(lowered), support_symbols=support))


class Planner:
    """The [PyExport] part of the plan (numbered later, with the exports)."""

    def __init__(self, report: Report, docs: Mapping[str, MemberDoc]) -> None:
        self.types: dict[str, DeclaredType] = {t.name: t for t in report.types}
        self.docs = docs
        self.assembly = report.assembly
        self.problems: list[str] = []
        exported = {n for n, t in self.types.items()
                    if t.py_export is not None and t.kind in ("class", "interface") and not t.is_static}
        self.resolver = Resolver(self.types, exported)
        self.enums: dict[str, EnumPlan] = {}

    def plan(self, reserved: Iterable[tuple[str, str]] = ()) -> BindingPlan:
        functions: list[Member] = []
        classes: list[ClassPlan] = []
        for name, declared in self.types.items():
            marked = declared.py_export is not None
            if marked and not declared.is_public:
                self.problems.append(f"{name}: a [PyExport] type must be public")
                continue
            if marked and declared.kind == "class" and declared.is_static:
                functions += self._functions(declared, [m for m in declared.methods if m.is_static and not m.is_constructor
                                                        and (m.is_public or m.py_export is not None)])
                functions += [m for prop in declared.properties if prop.is_static and not prop.is_indexer
                              for m in self._static_property(declared, prop, "")]
            elif marked and declared.kind in ("class", "interface"):
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
        functions, overloads = self._overload_sets(functions, "")
        classes = self._hierarchy(classes)
        records = self._records()  # first: resolving record fields can reach enums no signature names
        enums = self._enums()
        names = [(n, f"hand-written export {o}") for n, o in reserved] + [(n, "aotwheel's own " + n) for n in RESERVED_MODULE_NAMES]
        names += [(e.python_name, e.name) for e in enums] + [(r.python_name, r.name) for r in records]
        candidates = {c for o in overloads for c in o.candidates}
        names += [(c.python_name, c.name) for c in classes]
        names += [(f.python_name, f.origin) for f in functions if f.python_name not in candidates]
        names += [(o.python_name, self._set_origin(o, functions)) for o in overloads]
        self.problems += check_collisions(names, f"the module {self.assembly or ''}".rstrip())
        if self.problems:
            raise AotWheelError(
                f"{len(self.problems)} problem(s) with [PyExport] members:\n  " + "\n  ".join(self.problems)
                + (f"\nSupported types: {SUPPORTED}" if any("is not supported" in p for p in self.problems) else "")
            )
        # Defaults that name an enum are settled once the enums are known.
        functions = [self._settle_defaults(f) for f in functions]
        classes = [dataclasses.replace(c, constructor=self._settle_defaults(c.constructor) if c.constructor else None,
                                       members=tuple(self._settle_defaults(m) for m in c.members)) for c in classes]
        return BindingPlan(self.assembly, Backend.NATIVE, tuple(functions), tuple(classes), enums, records,
                           overloads=tuple(overloads))

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
            member = self._member(owner, method, MemberKind.FUNCTION, python_name, python_name)
            if member:
                found.append(member)
        return found

    def _class(self, declared: DeclaredType) -> ClassPlan:
        name = declared.name
        python_class = self._python_name(declared, declared.simple_name, name)
        members: list[Member] = []
        constructors = [m for m in declared.methods if m.is_constructor and m.is_public and not m.is_static]
        constructor = None
        if declared.is_abstract:
            constructors = []
        elif len(constructors) == 1:
            constructor = self._member(declared, constructors[0], MemberKind.CONSTRUCTOR, "__init__", python_class)
        for ctor in constructors if len(constructors) > 1 else []:  # an overload set, made below
            member = self._member(declared, ctor, MemberKind.CONSTRUCTOR, "__init__", python_class)
            if member:
                members.append(member)
        overridden = self._inherited(declared)
        for method in declared.methods:
            if method.is_constructor or not method.is_public or method.name in SKIPPED_METHODS:
                continue
            if not method.is_static and (method.name, tuple(p.type for p in method.parameters)) in overridden:
                continue
            if declared.kind == "interface" and method.is_static:
                continue  # a static interface member is called through an implementation, not the interface
            if method.name == "ToString" and not method.parameters and not method.is_static:
                member = self._member(declared, method, MemberKind.METHOD, "__str__", f"{python_class}.__str__")
            else:
                where = f"{name}.{method.name}"
                python_name = self._python_name(method, snake_case(method.name), where)
                kind = MemberKind.STATIC if method.is_static else MemberKind.METHOD
                member = self._member(declared, method, kind, python_name, f"{python_class}.{python_name}")
            if member:
                members.append(member)
        for prop in declared.properties:
            if prop.is_indexer:
                continue  # indexers are not exported
            if prop.is_static:
                members += self._static_property(declared, prop, python_class)
                continue
            if (prop.name, (prop.type, prop.can_read, prop.can_write)) in overridden:
                continue
            members += self._property(declared, prop, python_class)
        scope = f"the class {python_class}"
        members, overloads = self._overload_sets(members, python_class)
        candidates = {c for o in overloads for c in o.candidates}
        named = [(m.python_name, m.origin) for m in members if m.kind is not MemberKind.SETTER and m.python_name not in candidates]
        named += [(o.python_name, self._set_origin(o, members)) for o in overloads]
        named += [(n, f"aotwheel's own {python_class}.{n}") for n in RESERVED_CLASS_NAMES]
        self.problems += check_collisions(named, scope)
        return ClassPlan(name, python_class, self._type_doc(name), constructor, tuple(members),
                         is_abstract=declared.is_abstract, is_interface=declared.kind == "interface",
                         overloads=tuple(overloads))

    # -- hierarchies -----------------------------------------------------------------------------

    def _inherited(self, declared: DeclaredType) -> set[tuple[str, tuple[object, ...]]]:
        """The instance methods (name, parameter types) and properties (name, (type, readable,
        writable)) an exported base class declares: a class declaring them again overrides them
        (or hides them) in .NET, and in Python inherits them, so that the base's overloads of the
        name stay callable on it; .NET's virtual dispatch reaches the override."""
        found: set[tuple[str, tuple[object, ...]]] = set()
        for ancestor in self._ancestors(declared.name):
            base = self.types[ancestor]
            if base.kind != "class":
                continue  # an interface's members are implemented, not inherited: each class keeps its own
            found |= {(m.name, tuple(p.type for p in m.parameters)) for m in base.methods
                      if m.is_public and not m.is_static and not m.is_constructor}
            found |= {(p.name, (p.type, p.can_read, p.can_write)) for p in base.properties if not p.is_static}
        return found

    def _exported_bases(self, name: str) -> list[str]:
        """The exported classes and interfaces *name* derives from directly, or through types that
        are not exported (a base class first)."""
        declared = self.types.get(name)
        if declared is None:
            return []
        found = []
        for parent in ([declared.base_type] if declared.base_type else []) + list(declared.interfaces):
            if parent in self.resolver.exported_classes:
                found.append(parent)
            else:
                found += [p for p in self._exported_bases(parent) if p not in found]
        return found

    def _ancestors(self, name: str) -> set[str]:
        """Every exported class and interface *name* is an instance of (itself excluded)."""
        found: set[str] = set()
        for parent in self._exported_bases(name):
            found |= {parent} | self._ancestors(parent)
        return found

    def _depth(self, name: str) -> int:
        """The longest chain of exported bases above *name*: a class is deeper than each of its bases."""
        return max((1 + self._depth(p) for p in self._exported_bases(name)), default=0)

    def _hierarchy(self, classes: list[ClassPlan]) -> list[ClassPlan]:
        """The classes with their Python bases and derived classes, every base before what derives from it."""
        planned = {c.name for c in classes}
        done = []
        for cls in classes:
            direct = [b for b in self._exported_bases(cls.name) if b in planned]
            # A base implied by another one (an interface its base class implements) is left out:
            # Python's method resolution order refuses a class listed after one deriving from it.
            bases = tuple(b for b in direct if not any(b in self._ancestors(other) for other in direct if other != b))
            derived = sorted((c.name for c in classes if cls.name in self._ancestors(c.name)), key=lambda n: (-self._depth(n), n))
            done.append(dataclasses.replace(cls, bases=bases, derived=tuple(derived)))
        return sorted(done, key=lambda c: self._depth(c.name))

    # -- overloads -------------------------------------------------------------------------------

    @staticmethod
    def _set_origin(overloads: OverloadSet, members: Sequence[Member]) -> str:
        first = next(m for m in members if m.python_name == overloads.candidates[0])
        return f"{first.origin} (overloaded)"

    def _dispatch_rank(self, param: Param) -> int:
        ref = param.type
        if ref.tag is Tag.OBJECT:  # a derived class before its base
            return -1 - self._depth(ref.name)
        return entry(ref).dispatch_rank(ref)

    def _overload_sets(self, members: list[Member], python_class: str) -> tuple[list[Member], list[OverloadSet]]:
        """*members* with each group of overloads (members of one Python name in one scope) renamed
        to private candidates in dispatch order, and the groups as overload sets."""
        groups: dict[tuple[str, str], list[Member]] = {}
        for member in members:
            if member.kind in (MemberKind.FUNCTION, MemberKind.STATIC, MemberKind.METHOD, MemberKind.CONSTRUCTOR):
                groups.setdefault((member.owner, member.python_name), []).append(member)
        renamed: dict[int, Member] = {}
        sets = []
        for (owner, python_name), group in groups.items():
            if len(group) < 2:
                continue
            kinds = {m.kind for m in group}
            if len(kinds) > 1:
                self.problems.append(
                    f"{owner}.{group[0].cs_name}: static and instance overloads both map to {group[0].qualified_name}; "
                    "rename one with [PyExport(Name = \"...\")]")
                continue
            self.problems += self._indistinguishable(group)
            ordered = sorted(range(len(group)), key=lambda i: (sum(self._dispatch_rank(p) for p in group[i].inputs), i))
            stem = "init" if python_name == "__init__" else python_name
            names = []
            for position, i in enumerate(ordered):
                candidate = f"_{stem}_{position}"
                names.append(candidate)
                renamed[id(group[i])] = dataclasses.replace(group[i], python_name=candidate)
            sets.append(OverloadSet(python_name, group[0].qualified_name, group[0].kind, tuple(names)))
        return [renamed.get(id(m), m) for m in members], sets

    def _indistinguishable(self, group: list[Member]) -> list[str]:
        """A problem for each pair of overloads some call cannot choose between: for some number of
        positional arguments both take, their parameters' dispatch keys are equal one by one."""
        problems = []
        for a_index, a in enumerate(group):
            for b in group[a_index + 1:]:
                for count in range(len(a.inputs) + 1):
                    if not (_required(a) <= count <= len(a.inputs) and _required(b) <= count <= len(b.inputs)):
                        continue
                    keys = [entry(p.type).dispatch_key(p.type) for p in a.inputs[:count]]
                    if keys == [entry(p.type).dispatch_key(p.type) for p in b.inputs[:count]]:
                        problems.append(
                            f"{_signature(a)} and {_signature(b)}: Python cannot tell these overloads apart "
                            f"(both take ({', '.join(keys)}) arguments); rename one with [PyExport(Name = \"...\")]")
                        break
        return problems

    def _property(self, owner: DeclaredType, prop: DeclaredProperty, python_class: str) -> list[Member]:
        where = f"{owner.name}.{prop.name}"
        python_name = self._python_name(prop, snake_case(prop.name), where)
        node = self._resolve(prop.type, f"{where}, property type", nullable=prop.nullable)
        if node is None:
            return []
        doc = self._doc(f"P:{owner.name.replace('+', '.')}.{prop.name}", {}, f"The .NET property {where}.")
        qualified = f"{python_class}.{python_name}"
        found = []
        if prop.can_read:
            found.append(Member(-1, MemberKind.GETTER, python_name, qualified, owner.name, prop.name, (), node, "", doc))
        if prop.can_write and prop.can_read:  # a Python property setter needs its getter
            value = Param("value", "value", node)
            found.append(Member(-1, MemberKind.SETTER, python_name, qualified, owner.name, prop.name, (value,), VOID, "", doc))
        return found

    def _static_property(self, owner: DeclaredType, prop: DeclaredProperty, python_class: str) -> list[Member]:
        """A public static getter as an attribute read at each access: of the module for a static
        class (*python_class* empty), else of the class. A static setter is not exported."""
        if not prop.can_read:
            return []
        where = f"{owner.name}.{prop.name}"
        python_name = self._python_name(prop, snake_case(prop.name), where)
        node = self._resolve(prop.type, f"{where}, property type", nullable=prop.nullable)
        if node is None:
            return []
        doc = self._doc(f"P:{owner.name.replace('+', '.')}.{prop.name}", {}, f"The .NET static property {where}.")
        qualified = f"{python_class}.{python_name}" if python_class else python_name
        return [Member(-1, MemberKind.STATIC_GETTER, python_name, qualified, owner.name, prop.name, (), node, "", doc)]

    def _member(self, owner: DeclaredType, method: DeclaredMethod, kind: MemberKind, python_name: str,
                qualified: str) -> Optional[Member]:
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
            resolved = self._resolve(method.returns, f"{where}, return type", nullable=method.returns_nullable, result=True)
            ok = ok and resolved is not None
            returns = resolved or VOID
        if not ok:
            return None
        if entry(returns).adapts_native_result and any(p.out for p in params):
            self.problems.append(f"{where}: a result of type {display(method.returns)} cannot come with out parameters")
            return None
        names = {p.cs_name: p.python_name for p in params}
        signature = ", ".join(f"{display(p.type)} {p.name}" for p in method.parameters)
        footer = (f"Creates a .NET {owner.name}({signature})." if kind is MemberKind.CONSTRUCTOR
                  else f"Calls the .NET method {where}({signature}).")
        doc_id = method_doc_id(owner.name, method.name, [p.type for p in method.parameters])
        # [PyExport(ReleaseGil = true)] on the method, or on the class exporting it.
        release_gil = any(mark.release_gil for mark in (method.py_export, owner.py_export) if mark is not None)
        # A callable may be called from another .NET thread while this one waits for it: the call
        # must not hold the GIL that thread needs (each callback takes it, Callbacks.cs).
        release_gil = release_gil or any(p.type.tag is Tag.DELEGATE for p in params)
        return Member(-1, kind, python_name, qualified, owner.name, method.name, tuple(params), returns, "",
                      self._doc(doc_id, names, footer), release_gil)

    def _param(self, declared: DeclaredParameter, where: str) -> Optional[Param]:
        shape, out = declared.type, False
        if shape.kind == "byref" and shape.element is not None and (declared.is_out or declared.is_in):
            out = declared.is_out
            shape = shape.element  # a plain ref parameter stays byref: the resolver rejects it
        node = self._resolve(shape, where, nullable=declared.nullable, parameter=not out)
        if node is None:
            return None
        if out and node.tag is Tag.SPAN and node.container.value != "array":
            self.problems.append(f"{where}: an out parameter cannot be a span")
            return None
        default = None
        if declared.is_params:
            default = Default(DefaultKind.EMPTY)
        elif declared.default is not None and not out:
            default = _default(declared.default, node)
        return Param(declared.name, parameter_name(declared.name), node, out, default)

    def _settle_defaults(self, member: Member) -> Member:
        """A `= default` of a value type Python cannot spell leaves its parameter required; an enum
        default that names no member stays a plain number (a `Level` numbered from 1 has no 0)."""
        params = []
        for p in member.params:
            default = p.default
            if default is not None and default.kind is DefaultKind.ZERO:
                target = p.type.item if p.type.tag is Tag.NULLABLE else p.type
                if target.tag is Tag.ENUM:
                    default = Default(DefaultKind.ENUM, 0)
                elif entry(target).zero(target, Spelling(stub=False)) is None:
                    default = None
            params.append(dataclasses.replace(p, default=default))
        # A default dropped leaves the parameters before it required too: Python has no required
        # parameter after a defaulted one.
        last_required = max((i for i, p in enumerate(params) if not p.out and p.default is None), default=-1)
        params = [dataclasses.replace(p, default=None) if i < last_required else p for i, p in enumerate(params)]
        return dataclasses.replace(member, params=tuple(params))

    def _resolve(self, shape: TypeShape, where: str, nullable: bool = False, parameter: bool = False,
                 result: bool = False) -> Optional[TypeRef]:
        try:
            return self.resolver.resolve(shape, nullable=nullable, parameter=parameter, result=result)
        except Unsupported as exc:
            self.problems.append(f"{where}: type {display(shape)} is not supported ({exc})")
            return None

    # -- types -----------------------------------------------------------------------------------

    def _enums(self) -> tuple[EnumPlan, ...]:
        enums = []
        for name in sorted(self.resolver.enums):
            declared = self.types[name]
            assert declared.underlying is not None, "the report's parser requires it of enums"
            members = tuple(EnumMember(enum_member_name(v.name), v.number) for v in declared.values)
            python_name = self._type_python_name(name)
            self.problems += check_collisions([(m.python_name, f"{name}.{v.name}") for m, v in zip(members, declared.values)],
                                              f"the enum {python_name}")
            enums.append(EnumPlan(name, python_name, Tag(declared.underlying), declared.is_flags, members, self._type_doc(name)))
        return tuple(enums)

    def _records(self) -> tuple[RecordPlan, ...]:
        done: dict[str, RecordPlan] = {}
        while pending := sorted(self.resolver.records - done.keys()):
            for name in pending:
                done[name] = self._record(self.types[name])
        return tuple(done[n] for n in sorted(done))

    def _record(self, declared: DeclaredType) -> RecordPlan:
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
        return RecordPlan(name, self._type_python_name(name), tuple(ordered), construct, self._type_doc(name, field_names))

    def _construction(self, declared: DeclaredType, fields: list[RecordField], all_settable: bool) -> tuple[Construct, list[RecordField]]:
        by_name = {f.cs_name.lower(): f for f in fields}
        for ctor in declared.methods:
            if not ctor.is_constructor or not ctor.is_public or ctor.is_static:
                continue
            names = [p.name.lower() for p in ctor.parameters]
            if len(names) == len(fields) and set(names) == set(by_name):
                return Construct.CONSTRUCTOR, [by_name[n] for n in names]
        parameterless = declared.kind == "struct" or any(
            m.is_constructor and m.is_public and not m.parameters for m in declared.methods)
        if not (all_settable and parameterless):
            self.problems.append(
                f"{declared.name}: a record or struct crosses to Python by value, so it needs a public constructor "
                "taking every public field/property (as positional records have), or settable fields/properties"
            )
        return Construct.INITIALIZER, fields

    def _type_python_name(self, name: str) -> str:
        declared = self.types[name]
        return self._python_name(declared, declared.simple_name, name)

    def _python_name(self, declared: Marked, default: str, where: str) -> str:
        """The [PyExport(Name = ...)] given (checked), else the default made public: leading
        underscores, which Python would read as private (and the generated code keeps for its own
        names), are dropped."""
        mark = declared.py_export
        python = (mark.name if mark else None) or safe_identifier(default.lstrip("_") or "member")
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


def _required(member: Member) -> int:
    return sum(1 for p in member.inputs if p.default is None)


def _signature(member: Member) -> str:
    """`Lib.Calc.Add(int, int)`, `Lib.Point(double)` (a constructor), as messages name an overload."""
    name = member.owner if member.kind is MemberKind.CONSTRUCTOR else member.origin
    return f"{name}({', '.join(p.type.cs.replace('global::', '') for p in member.inputs)})"


def _default(constant: Constant, node: TypeRef) -> Optional[Default]:
    """A C# default value, typed; None when it has none Python can take (the parameter stays required)."""
    kind, value = constant.kind, constant.value
    target = node.item if node.tag is Tag.NULLABLE else node
    if kind == "null":
        if node.tag is Tag.NULLABLE or node.nullable or node.tag in (Tag.STRING, Tag.OBJECT):
            return Default(DefaultKind.NONE)
        return Default(DefaultKind.ZERO)
    if kind == "decimal" and isinstance(value, str):  # from [DecimalConstant]: `decimal rate = 0.2m`
        return Default(DefaultKind.DECIMAL, value)
    if kind == "bool":
        return Default(DefaultKind.BOOL, bool(value))
    if kind == "string" and isinstance(value, str):
        return Default(DefaultKind.STRING, value)
    if kind == "char" and isinstance(value, int):
        return Default(DefaultKind.STRING, chr(value))
    if kind == "float" and value is not None and not isinstance(value, bool):
        number = float(value)
        return Default(DefaultKind.FLOAT, number if math.isfinite(number) else str(value))
    if kind == "int" and isinstance(value, int):
        if target.tag is Tag.ENUM:
            return Default(DefaultKind.ENUM, int(value))
        if target.tag in (Tag.FLOAT, Tag.DOUBLE, Tag.HALF):
            return Default(DefaultKind.FLOAT, float(value))
        if target.tag is Tag.BOOL:
            return Default(DefaultKind.BOOL, bool(value))
        return Default(DefaultKind.INT, int(value))
    return None


# -- hand-written exports --------------------------------------------------------------------------


def declared_exports(report: Report) -> list[DeclaredExport]:
    return [d for d in report.exports if d.entry_point and not is_support_export(d)]


def _lower_exports(exports: Sequence[DeclaredExport], docs: Mapping[str, MemberDoc]) -> list[Member]:
    """The hand-written exports as members called as declared, validated and sorted by entry point."""
    seen: dict[str, DeclaredExport] = {}
    members = []
    for declared in sorted(exports, key=lambda d: d.entry_point or ""):
        entry_point = declared.entry_point or ""
        if entry_point in seen:
            first = seen[entry_point]
            raise AotWheelError(
                f"EntryPoint {entry_point!r} is declared twice: on {first.declaring_type}.{first.method} and on "
                f"{declared.declaring_type}.{declared.method}; each [UnmanagedCallersOnly] export needs its own EntryPoint")
        seen[entry_point] = declared
        members.append(_export_member(declared, docs))
    return members


def _export_member(declared: DeclaredExport, docs: Mapping[str, MemberDoc]) -> Member:
    where = f"{declared.declaring_type}.{declared.method}"
    entry_point = declared.entry_point or ""
    if not declared.is_static or declared.is_generic:
        raise AotWheelError(f"{where}: an UnmanagedCallersOnly export must be static and not generic")
    python_name = safe_identifier(entry_point)
    check_identifier(python_name, f"{where} (EntryPoint)")
    params = tuple(Param(p.name, export_parameter_name(p.name), _address(_abi_type(p.type, f"{where}, parameter '{p.name}'")))
                   for p in declared.parameters)
    returns = _abi_type(declared.returns, f"{where}, return type", allow_void=True)
    spelled = ", ".join(f"{p.type.cs} {p.cs_name}" for p in params)
    origin = f"Calls the .NET method {where}({spelled}) -> {returns.cs}."
    doc_id = method_doc_id(declared.declaring_type, declared.method, [p.type for p in declared.parameters])
    member_doc = docs.get(doc_id)
    doc = member_doc.docstring({p.cs_name: p.python_name for p in params}, origin) if member_doc else origin
    if any(p.type.tag is Tag.POINTER for p in params):
        doc += ("\n\nPointer parameters take None (NULL), an int address, a ctypes pointer (c_char_p, c_void_p, "
                "byref(...), a POINTER instance) or a C-contiguous writable buffer of the matching item type (a ctypes "
                "array such as create_string_buffer(...) too), passed without copying; byte pointers also take bytes "
                "or str (NUL-terminated UTF-8).")
    return Member(-1, MemberKind.EXPORT, python_name, python_name, declared.declaring_type, declared.method, params,
                  returns, entry_point, doc, declared.release_gil)


def _address(ref: TypeRef) -> TypeRef:
    """A raw export's nint/nuint parameter takes addresses as C code passes them, besides numbers."""
    if ref.tag in (Tag.NINT, Tag.NUINT):
        return TypeRef(Tag.ADDRESS, ref.cs, (ref,))
    return ref


def _abi_type(shape: TypeShape, where: str, allow_void: bool = False) -> TypeRef:
    element = shape.element
    if shape.kind == "pointer" and element is not None:
        if element.kind == "primitive" and element.name in PRIMITIVES:
            return TypeRef(Tag.POINTER, element.name + "*", (TypeRef(Tag(element.name), element.name),))
    elif shape.kind == "primitive" and shape.name in PRIMITIVES and (shape.name != "void" or allow_void):
        return TypeRef(Tag(shape.name), shape.name)
    reason = {
        "bool": "bool is not blittable; pass a byte (0 or 1) instead",
        "char": "char is not blittable; pass a ushort (UTF-16 code unit) instead",
        "void": "void is only a return type",
    }.get(shape.name, "not a blittable primitive or a pointer to one")
    raise AotWheelError(f"{where}: type {shape.name} is not supported ({reason}). Supported: {SUPPORTED_SUMMARY}")


# -- numbers, symbols and .map ---------------------------------------------------------------------


def _numbered(plan: BindingPlan) -> BindingPlan:
    """The plan with every member's entry-point number, its shim symbol and its `.map` plan."""
    counter = iter(range(1 << 30))
    records = {r.name: r for r in plan.records}

    candidates = {c for o in plan.overloads for c in o.candidates}
    candidates |= {c for cls in plan.classes for o in cls.overloads for c in o.candidates}

    def number(member: Member) -> Member:
        n = next(counter)
        if member.kind is MemberKind.EXPORT:
            return dataclasses.replace(member, number=n)
        slug = symbol_part(member.qualified_name)
        symbol = f"aotwheel_{n}_{slug}"
        # An overloaded function has no `.map`: which overload a column would go to is not known.
        mapped = None if member.python_name in candidates else map_plan(member, records, f"aotwheel_map_{n}_{slug}")
        return dataclasses.replace(member, number=n, symbol=symbol, map=mapped)

    functions = tuple(number(f) for f in plan.functions)
    classes = []
    for cls in plan.classes:
        constructor = number(cls.constructor) if cls.constructor else None
        classes.append(dataclasses.replace(cls, constructor=constructor, members=tuple(number(m) for m in cls.members)))
    exports = tuple(number(e) for e in plan.exports)
    return dataclasses.replace(plan, functions=functions, classes=tuple(classes), exports=exports)


def _map_value(name: str, node: TypeRef, records: Mapping[str, RecordPlan]) -> Optional[MapValue]:
    layout = leaf_layout(node)
    if layout is not None:
        return MapValue(name, node, (Leaf(name, "", node, layout),))
    if node.tag is Tag.RECORD and node.name in records:
        record = records[node.name]
        leaves = [(f, leaf_layout(f.type)) for f in record.fields]
        if record.fields and all(layout is not None for _, layout in leaves):
            return MapValue(name, node, tuple(Leaf(f.python_name, f.cs_name, f.type, layout) for f, layout in leaves
                                              if layout is not None), record.name)
    return None


def map_plan(member: Member, records: Mapping[str, RecordPlan], symbol: str) -> Optional[MapPlan]:
    """The `.map` of *member*, or None when it gets none: a static function with at least one
    parameter, no out parameters, and scalar-like (or record-of-scalar) parameters and result."""
    if member.kind not in (MemberKind.FUNCTION, MemberKind.STATIC) or not member.params or any(p.out for p in member.params):
        return None
    result = _map_value("result", member.returns, records)
    inputs = [_map_value(p.python_name, p.type, records) for p in member.params]
    if result is None or any(v is None for v in inputs):
        return None
    return MapPlan(symbol, tuple(v for v in inputs if v is not None), result)
