"""Renders a package's Python side from a BindingPlan: `_api.py` (every member: its ctypes call,
and the registration of its native entry point), the stubs, `__init__.py` and `_native.py`.

Per-type spellings come from the type registry (plan/types.py); this module lays out defs, classes
and the native registration. The generated module's own names all start with `_`, which no user
name can (naming.check_identifier), and it reaches builtins through private aliases: a user's
`int` function or `property` method cannot shadow what the generated code relies on.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .. import __version__
from ..abi import PRIMITIVES, Primitive
from ..plan.model import (
    CLASS_OF_SYMBOL, BindingPlan, ClassPlan, Default, DefaultKind, MapPlan, MapValue, Member, MemberKind, OverloadSet, Tag,
    TypeRef,
)
from ..plan.types import ERROR, SELF, CtypesInput, Passing, Spelling, entry
from ..resources import template_environment

RUNTIME = Spelling(stub=False)
# The keyword arguments of `_lib._function`, which CPython.cs reads by these names (and refuses
# any other set with a TypeError naming it).
NATIVE_FUNCTION_FIELDS = ("number", "name", "names", "required", "checks", "defaults", "owner", "target")


def docstring_literal(text: str, indent: str) -> str:
    """A triple-quoted docstring: escaped, continuation lines indented."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"""')
    lines = escaped.splitlines() or [""]
    body = "\n".join(line and indent + line if i else line for i, line in enumerate(lines))
    return f'"""{body}\n{indent}"""' if len(lines) > 1 else f'"""{body}"""'


def python_tuple(items: Iterable[str]) -> str:
    """A Python tuple display: `()`, `(a,)`, `(a, b)`."""
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def user_names(plan: BindingPlan) -> frozenset[str]:
    """Every Python name the user's types and members take, in any scope of the stub."""
    names = set(plan.public_names)
    for cls in plan.classes:
        names |= {m.python_name for m in cls.members} | {o.python_name for o in cls.overloads}
    for record in plan.records:
        names |= {f.python_name for f in record.fields}
    for enum in plan.enums:
        names |= {m.python_name for m in enum.members}
    for member in plan.members():
        names |= {p.python_name for p in member.params}
    return frozenset(names)


class PythonRenderer:
    """Implements plan.types.PythonSide for one plan."""

    def __init__(self, plan: BindingPlan, library: str) -> None:
        self.plan = plan
        self.library = library
        self.stub = Spelling(stub=True, shadowed=user_names(plan))
        self.codec_ids: dict[TypeRef, int] = {}
        self.codec_lines: list[str] = []
        self.record_lines: list[str] = []
        self.ffi: list[dict[str, str]] = []
        self.maps: list[dict[str, Any]] = []
        self.natives: list[str] = []
        self.overload_tables: list[str] = []
        self.classes = {name: i for i, name in enumerate(plan.python_classes())}
        # The standard-library modules the module's annotations and defaults name (of datetime,
        # decimal, uuid): only those are imported, each costing about 1.5 ms.
        self.library_modules: set[str] = set()
        # Every annotation text of the module's defs: evaluated as one dict compiled with the module
        # (finish_annotations), where eval() of each text at import would compile it then.
        self.annotation_texts: set[str] = set()

    # -- PythonSide --------------------------------------------------------------------------------

    def class_name(self, name: str) -> str:
        return self.plan.python_name(name)

    def underlying(self, name: str) -> Primitive:
        return PRIMITIVES[self.plan.enum(name).underlying.value]

    def polymorphic_index(self, name: str) -> Optional[int]:
        return self.classes[name] if self.plan.class_plan(name).derived else None

    def uses(self, module: str) -> None:
        self.library_modules.add(module)

    def codec(self, ref: TypeRef) -> str:
        if ref in self.codec_ids:
            return f"_C{self.codec_ids[ref]}"
        if ref.tag is Tag.RECORD:
            number = self.codec_ids[ref] = len(self.codec_ids)
            self.codec_lines.append(f"_C{number} = {entry(ref).codec_expression(ref, self)}")
            record = self.plan.record(ref.name)
            fields = ", ".join(f"({f.python_name!r}, {self.codec(f.type)})" for f in record.fields)
            self.record_lines.append(f"_C{number}.fields = ({fields}{',' if len(record.fields) == 1 else ''})")
            return f"_C{number}"
        expression = entry(ref).codec_expression(ref, self)  # registers the codecs inside it first
        number = self.codec_ids[ref] = len(self.codec_ids)
        self.codec_lines.append(f"_C{number} = {expression}")
        return f"_C{number}"

    # -- annotations -------------------------------------------------------------------------------

    def annotation(self, ref: TypeRef, spelling: Spelling, param: bool) -> str:
        return entry(ref).annotation(ref, self, spelling, param)

    def returns(self, member: Member, spelling: Spelling) -> str:
        outputs = member.outputs
        if member.kind is MemberKind.CONSTRUCTOR or not outputs:
            return "None"
        if len(outputs) == 1:
            return self.annotation(outputs[0], spelling, False)
        return f"{spelling.typing('Tuple')}[" + ", ".join(self.annotation(o, spelling, False) for o in outputs) + "]"

    def default(self, default: Default, ref: TypeRef) -> str:
        """A parameter default as a Python expression in the module."""
        kind, value = default.kind, default.value
        target = ref.item if ref.tag is Tag.NULLABLE else ref
        if kind is DefaultKind.NONE:
            return "None"
        if kind is DefaultKind.EMPTY:
            return "()"
        if kind is DefaultKind.FLOAT and isinstance(value, str):
            return f"_float({value!r})"
        if kind is DefaultKind.DECIMAL:
            self.uses("decimal")
            return f"_decimal.Decimal({value!r})"
        if kind is DefaultKind.ENUM and isinstance(value, int):
            enum = self.plan.enum(target.name)
            return f"{enum.python_name}({value})" if enum.names(value) or enum.flags else repr(value)
        if kind is DefaultKind.ZERO:
            zero = entry(target).zero(target, RUNTIME)
            assert zero is not None, "the planner keeps no default it cannot spell"
            if entry(target).module:
                self.uses(entry(target).module)
            return zero
        return repr(value)

    def signature(self, member: Member, spelling: Spelling) -> str:
        parts = ["self"] if member.kind.has_self or member.kind is MemberKind.CONSTRUCTOR else []
        annotations = []
        for p in member.inputs:
            if p.variadic:  # `params T[]`: *args of T
                annotations.append(self.annotation(p.type.item, spelling, True))
                parts.append(f"*{p.python_name}: {annotations[-1]}")
                continue
            default = "" if p.default is None else " = " + ("..." if spelling.stub else self.default(p.default, p.type))
            annotations.append(self.annotation(p.type, spelling, True))
            parts.append(f"{p.python_name}: {annotations[-1]}{default}")
        annotations.append(self.returns(member, spelling))
        if not spelling.stub:
            self.annotation_texts.update(annotations)
        return f"({', '.join(parts)}) -> {annotations[-1]}"

    # -- bodies ------------------------------------------------------------------------------------

    @staticmethod
    def where(member: Member, param: str) -> str:
        if member.kind is MemberKind.SETTER:
            return f"{member.qualified_name} value"
        return f"{member.qualified_name}() argument '{param}'"

    def body(self, member: Member) -> list[str]:
        """The def's ctypes call (the native backend's constructor first tries its entry point)."""
        prepare: list[str] = []
        slots: list[str] = ["self._live_handle()"] if member.kind.has_self else []
        argtypes: list[str] = [f"_ctypes.{SELF.ctype}"] if slots else []
        borrows: list[str] = []
        for i, param in enumerate(member.params):
            if param.out:
                continue
            code: CtypesInput = entry(param.type).ctypes_input(param.type, self, param.python_name, i, self.where(member, param.python_name))
            prepare += code.prepare
            slots += code.slots
            argtypes += [f"_ctypes.{slot.ctype}" for slot in entry(param.type).slots(param.type, self)]
            if code.borrow:
                borrows.append(code.borrow)
        if member.kind is MemberKind.EXPORT:
            return self._export_body(member, prepare, slots, argtypes, borrows)
        values = []
        results = member.results
        for j, node in enumerate(results):
            if member.kind is MemberKind.CONSTRUCTOR:  # the handle, which the def adopts
                ctype, value = f"_ctypes.{SELF.ctype}()", f"_r{j}.value"
            else:
                ctype = f"_ctypes.{entry(node).result_slot(node, self).ctype}()"
                value = entry(node).ctypes_result(node, self, j)
            prepare.append(f"_r{j} = {ctype}")
            slots.append(f"_byref(_r{j})")
            argtypes.append("_ctypes.c_void_p")  # a pointer to the result
            values.append(value)
        prepare.append(f"_e = _ctypes.{ERROR.ctype}()")
        slots.append("_byref(_e)")
        argtypes.append("_ctypes.c_void_p")
        self.ffi.append({"name": f"_f{member.number}", "symbol": member.symbol, "argtypes": python_tuple(argtypes),
                         "restype": "_ctypes.c_int32"})
        call = [f"if _f{member.number}({', '.join(slots)}):", "    raise _rt.error(_e.value)"]
        if borrows:
            call = [f"with {', '.join(borrows)}:"] + ["    " + line for line in call]
        if member.kind is MemberKind.CONSTRUCTOR:
            tail = [f"self._adopt({values[0]})"]
        elif not values:
            tail = []
        elif len(values) == 1:
            tail = [f"return {values[0]}"]
        else:
            tail = _gather_results(values, results)
        head = []
        if member.kind is MemberKind.CONSTRUCTOR:
            arguments = ", ".join(p.python_name for p in member.inputs)
            head = ["if _native is not None:", f"    return self._adopt(_n{member.number}({arguments}))"]
        elif _variadic(member):  # the native entry point takes the *args tuple as its last argument
            arguments = ", ".join((["self"] if member.kind.has_self else []) + [p.python_name for p in member.inputs])
            head = ["if _native is not None:", f"    return _n{member.number}({arguments})"]
        return head + prepare + ["if _faulthandler_enabled() is not _signals_seen: _refront()"] + call + tail

    def _export_body(self, member: Member, prepare: list[str], slots: list[str], argtypes: list[str],
                     borrows: list[str]) -> list[str]:
        """A hand-written export, called as declared: arguments by value, its result returned."""
        returns = member.returns
        restype = "None" if returns.tag is Tag.VOID else "_ctypes.c_void_p" if returns.tag is Tag.POINTER else (
            f"_ctypes.{PRIMITIVES[returns.tag.value].ctype}")
        self.ffi.append({"name": f"_f{member.number}", "symbol": member.symbol, "argtypes": python_tuple(argtypes),
                         "restype": restype})
        # ctypes gives None for a NULL c_void_p; the annotation promises an int address.
        call = f"_f{member.number}({', '.join(slots)})" + (" or 0" if returns.tag is Tag.POINTER else "")
        lines = [call if returns.tag is Tag.VOID else f"return {call}"]
        if borrows:
            lines = [f"with {', '.join(borrows)}:"] + ["    " + line for line in lines]
        return prepare + lines

    # -- the native backend ------------------------------------------------------------------------

    def native(self, member: Member, owner: Optional[ClassPlan]) -> None:
        """Register the member's native entry point: in place of its def in the module or class
        (a constructor's def calls it instead)."""
        names = (["self"] if member.kind.has_self else []) + [p.python_name for p in member.inputs]
        checks = []
        if owner is not None and member.kind.has_self:
            checks.append(f"lambda v: _rt.self_handle(v, {owner.python_name}, {self.where(member, 'self')!r})")
        for param in member.inputs:
            check = entry(param.type).check(param.type, self, "v", self.where(member, param.python_name))
            checks.append(f"lambda v: {check}")
        defaults = [self.default(p.default, p.type) for p in member.inputs if p.default is not None]
        if member.kind is MemberKind.CONSTRUCTOR:  # the def passes every argument: no defaults here
            defaults = []
        target = f"_ctypes.cast(_lib[{member.symbol!r}], _ctypes.c_void_p).value" if member.kind is MemberKind.EXPORT else "0"
        fields = {
            "number": str(member.number), "name": repr(member.qualified_name), "names": python_tuple(repr(n) for n in names),
            "required": str(len(names) - len(defaults)), "checks": python_tuple(checks), "defaults": python_tuple(defaults),
            "owner": owner.python_name if owner is not None and member.kind.has_self else "None", "target": target,
        }
        function = f"_native._function({', '.join(f'{f}={fields[f]}' for f in NATIVE_FUNCTION_FIELDS)})"
        returned = entry(member.returns)
        if returned.adapts_native_result and member.kind is not MemberKind.CONSTRUCTOR:
            function = f"_rt.adapted({function}, {returned.native_adapter(member.returns, self)})"
        name = member.python_name
        if member.kind is MemberKind.STATIC_GETTER and owner is None:
            self.natives.append(f"_MODULE_PROPERTIES[{name!r}] = _aw.native_function({function}, _MODULE_PROPERTIES[{name!r}])")
        elif member.kind is MemberKind.STATIC_GETTER and owner is not None:
            self.natives.append(f"{owner.python_name}.{name} = _rt.static_property(_aw.native_function("
                                f"{function}, {owner.python_name}.__dict__[{name!r}].fget))")
        elif _variadic(member):  # its def stays, and calls this with the *args tuple
            self.natives.append(f"_n{member.number} = {function}")
        elif owner is None:
            self.natives.append(f"{name} = _aw.native_function({function}, {name})")
        elif member.kind in (MemberKind.GETTER, MemberKind.SETTER):
            accessor = "fget" if member.kind is MemberKind.GETTER else "fset"
            self.natives.append(f"{owner.python_name}.{name} = _rt.native_property("
                                f"{owner.python_name}.__dict__[{name!r}], {accessor}={function})")
        elif member.kind is MemberKind.CONSTRUCTOR:
            self.natives.append(f"_n{member.number} = {function}")
        else:
            definition = f"{owner.python_name}.__dict__[{name!r}]" + (".__func__" if member.kind is MemberKind.STATIC else "")
            native = f"_aw.native_function({function}, {definition})"
            if returned.adapts_native_result and member.kind is MemberKind.STATIC:  # a Python function would bind
                native = f"_staticmethod({native})"
            self.natives.append(f"{owner.python_name}.{name} = {native}")

    def callable(self, member: Member, owner: Optional[ClassPlan]) -> dict[str, Any]:
        indent = "        " if owner else "    "
        doc = member.doc
        protocol = ""
        if member.map is not None:
            protocol = self.map(member.map, member)
            doc += (f"\n\n{member.qualified_name}.map(...) applies it to whole columns (arrays, Series, DataFrames) "
                    "in one .NET call.")
        rendered = {
            "kind": member.kind.value,
            "name": member.python_name,
            "signature": self.signature(member, RUNTIME),
            "stub_signature": self.signature(member, self.stub),
            "doc": docstring_literal(doc, indent),
            "body": self.body(member),
            "protocol": protocol,
            "stub_type": self.returns(member, self.stub),
        }
        self.native(member, owner)
        return rendered

    # -- overloads ---------------------------------------------------------------------------------

    def dispatcher(self, overloads: OverloadSet, candidates: list[Member], owner: Optional[ClassPlan]) -> dict[str, Any]:
        """The def of an overload set (calling its dispatch table `_O<n>`, made at the end of the
        module), and that table."""
        number = len(self.overload_tables)
        kind = overloads.kind
        bound = kind in (MemberKind.METHOD, MemberKind.CONSTRUCTOR)
        self.annotation_texts.add("_t.Any")
        returns = "None" if kind is MemberKind.CONSTRUCTOR else "_t.Any"
        signature = f"({'self, ' if bound else ''}*args: _t.Any, **kwargs: _t.Any) -> {returns}"
        call = f"_O{number}.call(args, kwargs{', self' if bound else ''})"
        shown = [self._shown(overloads, m) for m in candidates]
        first = candidates[0]
        what = "constructors" if kind is MemberKind.CONSTRUCTOR else "methods"
        doc = "\n".join(shown) + (
            f"\n\nOverloads of the .NET {what} {first.origin}: a call goes to the first, in this order, whose "
            "parameters take its arguments (a bool is no int or float here), else raises TypeError listing them. "
            "typing.get_overloads() gives each one's signature (Python 3.11+).")
        rows = []
        for member in candidates:
            function = member.python_name if owner is None else f"_rt.plain({owner.python_name}.__dict__[{member.python_name!r}])"
            names = python_tuple(repr(p.python_name) for p in member.inputs)
            required = sum(1 for p in member.inputs if p.default is None)
            tests = python_tuple(f"lambda _v: {entry(p.type).dispatch_test(p.type, self)}" for p in member.inputs)
            rows.append(f"({function}, {names}, {required}, {tests})")
        dispatcher = overloads.python_name if owner is None else f"{owner.python_name}.{overloads.python_name}"
        self.overload_tables.append(
            f"_O{number} = _rt.Overloads({overloads.qualified_name!r}, {python_tuple(repr(t) for t in shown)}, "
            f"{python_tuple(rows)}, {dispatcher})")
        indent = "        " if owner else "    "
        return {
            "kind": kind.value, "name": overloads.python_name, "signature": signature,
            "call": ("" if kind is MemberKind.CONSTRUCTOR else "return ") + call,
            "doc": docstring_literal(doc, indent),
            "stubs": [self.signature(m, self.stub) for m in candidates],
        }

    def _shown(self, overloads: OverloadSet, member: Member) -> str:
        """One overload as its dispatcher's docstring and TypeError show it: `add(a: int, b: int) -> int`."""
        signature = self.signature(member, self.stub)
        if member.kind.has_self or member.kind is MemberKind.CONSTRUCTOR:
            signature = "(" + signature[len("(self"):].lstrip(", ")
        return overloads.qualified_name + signature

    # -- .map --------------------------------------------------------------------------------------

    def map_value(self, value: MapValue) -> str:
        leaves = "".join(f"_cols.Leaf({leaf.python_name!r}, {entry(leaf.column_type).column(leaf.column_type, self)}, "
                         f"{leaf.nullable}), " for leaf in value.leaves)
        record = self.class_name(value.record) if value.record else "None"
        return f"_cols.Value({value.python_name!r}, {record}, ({leaves.rstrip(' ')}))"

    def _map_result(self, plan: MapPlan) -> str:
        if plan.result.record:
            return f"a dict of columns by {self.class_name(plan.result.record)} field (a DataFrame for pandas input)"
        leaf = plan.result.leaves[0]
        scalar = leaf.scalar
        if scalar.tag.value in PRIMITIVES and scalar.tag is not Tag.VOID:
            primitive = PRIMITIVES[scalar.tag.value]
            kind = {"signed": "int", "unsigned": "uint", "float": "float"}[primitive.kind]
            items = f"{kind}{8 * primitive.size}"
            if leaf.nullable:
                return (f"a numpy array of {items} (NaN for null)" if kind == "float"
                        else f"a numpy object array ({items} values, None for null)")
            return f"a numpy array of {items}"
        if scalar.tag is Tag.BOOL and not leaf.nullable:
            return "a numpy array of bool"
        numpy_dates = {Tag.DATETIME: "datetime64[us] (objects where .NET returns UTC times)",
                       Tag.TIMESPAN: "timedelta64[us]", Tag.DATEONLY: "datetime64[D]"}
        if scalar.tag in numpy_dates:
            return f"a numpy array of {numpy_dates[scalar.tag]}" + (" (NaT for null)" if leaf.nullable else "")
        return f"a numpy object array ({self.annotation(leaf.type, self.stub, False)} items)"

    def map(self, plan: MapPlan, member: Member) -> str:
        """Register the `.map` of *member*; returns the name of its stub protocol."""
        number = len(self.maps)
        function = member.qualified_name
        inputs = member.inputs
        runtime = ", ".join(f"{p.python_name}: _t.Any" + ("" if p.default is None else f" = {self.default(p.default, p.type)}")
                            for p in inputs)
        self.annotation_texts.add("_t.Any")
        columns = ", ".join(f"{p.python_name}: _columns.Column" + ("" if p.default is None else " = ...") for p in inputs)
        records = [v for v in plan.inputs if v.record]
        doc = (f"Applies {function}() to whole columns in one .NET call: the loop over rows runs in .NET, "
               "without the GIL.\n\n"
               "Each argument is a column (a 1-D numpy array, a pandas Series or any sequence) or one value "
               "used for every row"
               + (f"; a record argument ({', '.join(repr(v.python_name) for v in records)}) also takes a pandas "
                  "DataFrame or a mapping of field names to columns (extra columns are ignored)" if records else "")
               + ". None, NaN and pandas.NA are null where the .NET value is nullable (else ValueError).\n\n"
               f"Returns {self._map_result(plan)}; with a pandas argument, a pandas object carrying its index. "
               "A .NET exception names the row. Needs numpy.")
        arguments = "".join(p.python_name + ", " for p in inputs).rstrip(" ")
        values = "".join(self.map_value(v) + ", " for v in plan.inputs).rstrip(" ")
        self.maps.append({
            "number": number, "function": function,
            "signature": f"({runtime}) -> _t.Any",
            "doc": docstring_literal(doc, "    "),
            "call": f"return _cols.apply(_lib, _P{number}, ({arguments}))",
            "plan": f"_cols.Plan({function!r}, {plan.symbol!r}, ({values}), {self.map_value(plan.result)})",
            "protocol": "_Map_" + function.replace(".", "_"),
            "stub_map": f"(self, {columns}) -> _columns.MapResult",
            "stub_call": _method_stub(self.signature(member, self.stub)),
        })
        protocol: str = self.maps[-1]["protocol"]
        return protocol

    # -- files -------------------------------------------------------------------------------------

    def render(self, docstring: str) -> dict[str, bytes]:
        plan = self.plan
        classes = []
        for cls in plan.classes:
            candidates = {c for o in cls.overloads for c in o.candidates}
            members = [dict(self.callable(m, cls), candidate=m.python_name in candidates)
                       for m in ([cls.constructor] if cls.constructor else []) + list(cls.members)]
            dispatchers = [self.dispatcher(o, [cls.candidate(c) for c in o.candidates], cls) for o in cls.overloads]
            bases = [self.class_name(b) for b in cls.bases]
            classes.append({"name": cls.python_name, "doc": docstring_literal(cls.doc, "    "),
                            "has_constructor": not cls.abstract, "members": members, "overloads": dispatchers,
                            "bases": ", ".join(bases) or "_rt.DotNetObject", "stub_bases": ", ".join(bases) or "_dotnet.DotNetObject",
                            "refusal": repr(_refusal(cls, plan)), "is_abstract": cls.is_abstract})
        module_candidates = {c for o in plan.overloads for c in o.candidates}
        functions = [dict(self.callable(f, None), candidate=f.python_name in module_candidates)
                     for f in plan.functions if f.kind is not MemberKind.STATIC_GETTER]
        module_properties = [self.callable(f, None) for f in plan.module_properties]
        module_overloads = [self.dispatcher(o, [plan.function(c) for c in o.candidates], None) for o in plan.overloads]
        exports = [self.callable(e, None) for e in plan.exports]
        records = []
        for r in plan.records:
            fields = [(f.python_name, self.annotation(f.type, RUNTIME, False)) for f in r.fields]
            self.annotation_texts.update(text for _, text in fields)
            records.append({"name": r.python_name, "doc": docstring_literal(r.doc, "    "),
                            "fields": [(name, text, self.annotation(f.type, self.stub, False)) for (name, text), f in zip(fields, r.fields)],
                            "match_args": python_tuple(repr(name) for name, _ in fields),
                            "methods": _frozen_dataclass_methods(fields)})
        self.annotation_texts.add("None")  # every __init__ returns it
        for record in plan.records:  # every record has a codec, so dataclasses convert both ways
            self.codec(TypeRef(Tag.RECORD, "global::" + record.name.replace("+", "."), name=record.name))
        enums = [
            {"name": e.python_name, "doc": docstring_literal(e.doc, "    "), "base": "IntFlag" if e.flags else "IntEnum",
             "members": [(m.python_name, m.value) for m in e.members]}
            for e in plan.enums
        ]
        field_names = {r.name: r.fields for r in plan.records}
        classes_table = python_tuple(
            f"({self.class_name(name)}, {python_tuple(repr(f.python_name) for f in field_names.get(name, ()))})"
            for name in plan.python_classes())
        context = {
            "docstring": docstring, "tool_version": __version__, "library": self.library, "digest": plan.digest,
            "api": plan.has_api, "backend": plan.backend.value,
            "names": (["DotNetError"] if plan.has_api else []) + plan.public_names,
            "enums": enums, "records": records, "classes": classes, "functions": functions, "exports": exports,
            "module_properties": module_properties, "property_names": [p.python_name for p in plan.module_properties],
            "ffi": self.ffi, "maps": self.maps, "codecs": self.codec_lines + self.record_lines,
            "natives": self.natives, "classes_table": classes_table, "overloads": module_overloads,
            "overload_tables": self.overload_tables,
            "class_of": CLASS_OF_SYMBOL if plan.polymorphic else "",
            "classes_by_index": python_tuple(self.class_name(name) for name in plan.python_classes()),
            "library_modules": sorted(self.library_modules),
            "annotations": "{" + ", ".join(f"{text!r}: {text}" for text in sorted(self.annotation_texts)) + "}",
            "stub_aliases": sorted(self.stub.shadowed),
        }
        env = template_environment("package")
        return {
            "_api.py": env.get_template("api.py.j2").render(context).encode(),
            "_api.pyi": env.get_template("api.pyi.j2").render(context).encode(),
            "__init__.py": env.get_template("__init__.py.j2").render(context).encode(),
            "__init__.pyi": env.get_template("__init__.pyi.j2").render(context).encode(),
        }


def _refusal(cls: ClassPlan, plan: BindingPlan) -> str:
    """What `Cls()` of a class Python cannot construct says."""
    if cls.is_abstract:
        what = "interface" if cls.is_interface else "abstract class"
        derived = [plan.python_name(d) for d in cls.derived if not plan.class_plan(d).abstract]
        made = f"construct one of its exported implementations ({', '.join(derived)})" if derived else "its objects come from .NET"
        return f"{cls.python_name} is a .NET {what}: {made}"
    return f"{cls.python_name} objects come from .NET (returned by other calls), not from {cls.python_name}()"


def _variadic(member: Member) -> bool:
    """Whether a member other than a constructor takes *args (`params T[]`), which the native
    entry point, calling by fixed slots, gets as one tuple from the def."""
    return member.kind is not MemberKind.CONSTRUCTOR and any(p.variadic for p in member.inputs)


def _frozen_dataclass_methods(fields: list[tuple[str, str]]) -> list[str]:
    """The methods @dataclasses.dataclass(frozen=True) gives a class of *fields* (name, annotation),
    as dataclasses (Python 3.8 to 3.12) writes them: __init__, __repr__, __eq__, __hash__,
    __setattr__, __delattr__; but the builtins they call are the module's private aliases (a [PyExport]
    function may be called `hash`) and the class is their `__class__`. Written out so that importing
    the package needs neither dataclasses nor inspect (7 ms of the sample's import); the dataclass
    metadata is made by the dataclasses module when first read (_dotnet.DataclassMetadata), and the
    template adds Python 3.13's __replace__."""
    names = [name for name, _ in fields]
    # dataclasses' own spellings: its __init__ names `self` otherwise when a field is called so,
    # and reaches object.__setattr__ under a name no field can take.
    this = "__dataclass_self__" if "self" in names else "self"
    self_tuple = "(" + "".join(f"self.{n}," for n in names) + ")"
    other_tuple = "(" + "".join(f"other.{n}," for n in names) + ")"
    frozen = "_type(self) is __class__" + (" or name in {" + ", ".join(repr(n) for n in names) + "}" if names else "")
    lines = [f"def __init__({', '.join([this] + [f'{n}: {a}' for n, a in fields])}) -> None:"]
    lines += [f"    __dataclass_builtins_object__.__setattr__({this}, {n!r}, {n})" for n in names] or ["    pass"]
    lines += [
        "",
        "@_reprlib.recursive_repr()",
        "def __repr__(self):",
        '    return self.__class__.__qualname__ + f"(' + ", ".join(f"{n}={{self.{n}!r}}" for n in names) + ')"',
        "",
        "def __eq__(self, other):",
        "    if other.__class__ is self.__class__:",
        f"        return {self_tuple} == {other_tuple}",
        "    return _NotImplemented",
        "",
        "def __hash__(self):",
        f"    return _hash({self_tuple})",
        "",
        "def __setattr__(self, name, value):",
        f"    if {frozen}:",
        '        raise _rt.frozen_instance_error(f"cannot assign to field {name!r}")',
        "    _super(__class__, self).__setattr__(name, value)",
        "",
        "def __delattr__(self, name):",
        f"    if {frozen}:",
        '        raise _rt.frozen_instance_error(f"cannot delete field {name!r}")',
        "    _super(__class__, self).__delattr__(name)",
    ]
    return lines


def _method_stub(signature: str) -> str:
    """A function's stub signature `(a: int) -> int` as a method's: `(self, a: int) -> int`."""
    return "(self" + ("" if signature.startswith("()") else ", ") + signature[1:]


def _gather_results(values: list[str], nodes: tuple[TypeRef, ...]) -> list[str]:
    """The statements returning several results' tuple. Each conversion frees its own native block;
    when one raises, the later results' blocks and handles are freed before the error propagates."""
    owned = [(j, "handle" if entry(node).passing == Passing.HANDLE else "block") for j, node in enumerate(nodes)
             if j > 0 and entry(node).passing != Passing.SCALAR]
    if not owned:
        return [f"return ({', '.join(values)})"]
    later = python_tuple(f"({j}, {kind!r}, _r{j}.value)" for j, kind in owned)
    lines = ["_k = 0", "try:"]
    for j, value in enumerate(values):
        lines.append(f"    _v{j} = {value}")
        if j + 1 < len(values):
            lines.append(f"    _k = {j + 1}")
    lines += ["except _BaseException:", f"    _rt.discard_results({later}, _k)", "    raise"]
    return lines + [f"return ({', '.join(f'_v{j}' for j in range(len(values)))})"]


def render_package(plan: BindingPlan, library: str, docstring: str) -> dict[str, bytes]:
    """The package's generated Python files for *plan*, loading the native library file *library*."""
    return PythonRenderer(plan, library).render(docstring)
