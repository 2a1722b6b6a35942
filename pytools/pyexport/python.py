"""Renders the Python side of [PyExport]: `_api.py` and `_api.pyi`.

Each member is a def calling its shim through ctypes with the member's native slots (slots.py); a
non-zero status raises the decoded .NET exception. For the native backend, each member's entry
point is registered with the checks and converters it calls (CPython.cs), and a module function's
name is rebound to the native function object presenting the def.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


from ..abi import PRIMITIVES
from ..resources import template_environment
from .columns import Leaf, MapPlan, Value, map_plan
from .model import BUFFER_FORMATS, NUMERIC, Api, ClassModel, Member, TypeNode, api_members
from .slots import ERROR, SELF, has_self, input_slots, result_slot, results
from .naming import safe_identifier


@dataclass(frozen=True)
class Spelling:
    """How annotations are spelled: in the module (private aliases) or in the stub (plain names)."""

    typing: str
    datetime: str
    uuid: str
    runtime: str
    decimal: str


RUNTIME = Spelling("_t.", "_datetime.", "_uuid.", "_rt.", "_decimal.")
STUB = Spelling("", "datetime.", "uuid.", "", "decimal.")
# Types that become a builtin or a standard-library class: TypeNode.tag -> (the Spelling field
# of its module, "" for a builtin; the class name).
_LIBRARY_TYPES = {
    "datetime": ("datetime", "datetime"), "datetimeoffset": ("datetime", "datetime"),
    "timespan": ("datetime", "timedelta"), "dateonly": ("datetime", "date"), "timeonly": ("datetime", "time"),
    "guid": ("uuid", "UUID"), "decimal": ("decimal", "Decimal"),
    "biginteger": ("", "int"), "int128": ("", "int"), "uint128": ("", "int"), "half": ("", "float"),
}
# The _dotnet codec class of each type that has one without arguments.
_PLAIN_CODECS = {
    "bool": "Bool", "char": "Char", "string": "String", "datetime": "DateTime", "datetimeoffset": "DateTimeOffset",
    "timespan": "TimeSpan", "guid": "Guid", "decimal": "Decimal", "dateonly": "DateOnly", "timeonly": "TimeOnly",
    "biginteger": "BigInteger", "int128": "Int128", "uint128": "UInt128", "half": "Half",
}


def docstring_literal(text: str, indent: str) -> str:
    """A triple-quoted docstring: escaped, continuation lines indented."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"""')
    lines = escaped.splitlines() or [""]
    body = "\n".join(line and indent + line if i else line for i, line in enumerate(lines))
    return f'"""{body}\n{indent}"""' if len(lines) > 1 else f'"""{body}"""'


class PythonRenderer:
    def __init__(self, api: Api, library: str, backend: str) -> None:
        self.api = api
        self.library = library
        self.backend = backend
        self.names = {e.name: e.python_name for e in api.enums}
        self.names.update({r.name: r.python_name for r in api.records})
        self.names.update({c.name: c.python_name for c in api.classes})
        self.underlying = {e.name: e.underlying for e in api.enums}
        self.codec_ids: dict[str, int] = {}
        self.codec_lines: list[str] = []
        self.record_lines: list[str] = []
        self.ffi: list[dict[str, str]] = []
        self.records = {r.name: r for r in api.records}
        self.maps: list[dict[str, Any]] = []
        self.natives: list[str] = []
        self.numbers = {id(m): n for n, m in enumerate(api_members(api))}
        # The standard-library modules the module's annotations name (of datetime, decimal, uuid; a
        # default names its parameter type's): only those are imported, each costing about 1.5 ms.
        self.library_modules: set[str] = set()
        # Every annotation text of the module's defs: the module evaluates them as one dict for
        # finish_annotations, compiled with the module, where eval() of each text at import would
        # compile it then (0.5 ms for the sample's 70).
        self.annotation_texts: set[str] = set()

    # -- annotations -------------------------------------------------------------------------------

    def annotation(self, node: TypeNode, spelling: Spelling, param: bool) -> str:
        t, tag = spelling.typing, node.tag
        if tag in NUMERIC:
            text = "float" if NUMERIC[tag][1] == "float" else "int"
        elif tag in ("bool", "void"):
            text = {"bool": "bool", "void": "None"}[tag]
        elif tag in ("char", "string"):
            text = "str"
        elif tag in ("enum", "record", "object"):
            text = self.names[node.name]
        elif tag in _LIBRARY_TYPES:
            module, name = _LIBRARY_TYPES[tag]
            text = (getattr(spelling, module) if module else "") + name
            if module and spelling is RUNTIME:
                self.library_modules.add(module)
        elif tag == "nullable":
            return f"{t}Optional[{self.annotation(node.item, spelling, param)}]"
        elif tag == "list":
            text = f"{t}{'Sequence' if param else 'List'}[{self.annotation(node.item, spelling, param)}]"
        elif tag == "dict":
            key, value = (self.annotation(a, spelling, param) for a in node.args)
            text = f"{t}{'Mapping' if param else 'Dict'}[{key}, {value}]"
        elif tag == "tuple":
            text = f"{t}Tuple[" + ", ".join(self.annotation(a, spelling, param) for a in node.args) + "]"
        else:  # span
            is_bytes = node.item.tag == "byte"
            text = spelling.runtime + ("BytesLike" if is_bytes else "ArrayLike") if param else (
                "bytes" if is_bytes else spelling.runtime + "ArrayResult")
        return f"{t}Optional[{text}]" if node.nullable else text

    def returns(self, member: Member, spelling: Spelling) -> str:
        outputs = member.outputs
        if member.kind == "constructor" or not outputs:
            return "None"
        if len(outputs) == 1:
            return self.annotation(outputs[0], spelling, False)
        return f"{spelling.typing}Tuple[" + ", ".join(self.annotation(o, spelling, False) for o in outputs) + "]"

    def signature(self, member: Member, spelling: Spelling, stub: bool) -> str:
        parts = ["self"] if member.kind in ("method", "getter", "setter", "constructor") else []
        annotations = []
        for p in member.inputs:
            default = "" if p.default is None else " = " + ("..." if stub else p.default.python)
            annotations.append(self.annotation(p.type, spelling, True))
            parts.append(f"{p.python_name}: {annotations[-1]}{default}")
        annotations.append(self.returns(member, spelling))
        if spelling is RUNTIME:
            self.annotation_texts.update(annotations)
        return f"({', '.join(parts)}) -> {annotations[-1]}"

    # -- codecs ------------------------------------------------------------------------------------

    def codec(self, node: TypeNode) -> str:
        """The module-level name of the codec object for *node* (defined once)."""
        if node.cs in self.codec_ids:
            return f"_C{self.codec_ids[node.cs]}"
        tag = node.tag
        if tag == "record":
            number = self.codec_ids[node.cs] = len(self.codec_ids)
            self.codec_lines.append(f"_C{number} = _rt.Record({self.names[node.name]})")
            record = next(r for r in self.api.records if r.name == node.name)
            fields = ", ".join(f"({f.python_name!r}, {self.codec(f.type)})" for f in record.fields)
            self.record_lines.append(f"_C{number}.fields = ({fields}{',' if len(record.fields) == 1 else ''})")
            return f"_C{number}"
        if tag in NUMERIC:
            expression = f'_rt.Number("{NUMERIC[tag][0]}")'
        elif tag == "enum":
            expression = f'_rt.Enum({self.names[node.name]}, "{NUMERIC[self.underlying[node.name]][0]}")'
        elif tag == "object":
            expression = f"_rt.Object({self.names[node.name]})"
        elif tag in ("list", "span"):
            expression = f"_rt.List_({self.codec(node.item)})"
        elif tag in ("nullable", "dict", "tuple"):
            name = {"nullable": "Nullable", "dict": "Dict_", "tuple": "Tuple_"}[tag]
            expression = f"_rt.{name}(" + ", ".join(self.codec(a) for a in node.args) + ")"
        else:
            expression = f"_rt.{_PLAIN_CODECS[tag]}()"
        number = self.codec_ids[node.cs] = len(self.codec_ids)
        self.codec_lines.append(f"_C{number} = {expression}")
        return f"_C{number}"

    # -- bodies ------------------------------------------------------------------------------------

    def _check_call(self, node: TypeNode, value: str, where: str) -> str:
        """The _dotnet call that checks and converts the argument *value* of type *node* (for a
        buffer, the one giving the object to lend): the ctypes call's and the native entry point's."""
        tag, passing = node.tag, node.passing
        if tag in NUMERIC and NUMERIC[tag][1] == "float":
            return f"_rt.check_float({value}, {where!r})"
        if tag in NUMERIC:
            return f"_rt.check_int({value}, {PRIMITIVES[tag].minimum}, {PRIMITIVES[tag].maximum}, {where!r})"
        if tag in ("bool", "char"):
            return f"_rt.check_{tag}({value}, {where!r})"
        if tag == "enum":
            primitive = PRIMITIVES[self.underlying[node.name]]
            return f"_rt.check_enum({value}, {self.names[node.name]}, {primitive.minimum}, {primitive.maximum}, {where!r})"
        if passing == "string":
            return f"_rt.utf8({value}, {where!r}, {node.nullable})"
        if passing == "handle":
            return f"_rt.handle({value}, {self.names[node.name]}, {where!r}, {node.nullable})"
        if passing == "buffer":
            return f"_rt.lendable({self._buffer_arguments(node, value, where)})"
        return f"_rt.encode({self.codec(node)}, {value}, {where!r})"

    @staticmethod
    def _buffer_arguments(node: TypeNode, value: str, where: str) -> str:
        writable = node.container in ("span", "memory")
        return f'{value}, "{BUFFER_FORMATS[node.item.tag]}", {writable}, {where!r}'

    def _input(self, node: TypeNode, name: str, i: int, where: str) -> tuple[list[str], list[str], Optional[str]]:
        """(statements preparing the argument, the argument slots, a `with` item or None)."""
        tag, passing = node.tag, node.passing
        check = self._check_call(node, name, where)
        if tag in NUMERIC and NUMERIC[tag][1] == "float":
            return [f"if _type({name}) is not _float: {name} = {check}"], [name], None
        if tag in NUMERIC:
            low, high = PRIMITIVES[tag].minimum, PRIMITIVES[tag].maximum
            return [f"if _type({name}) is not _int or not {low} <= {name} <= {high}: {name} = {check}"], [name], None
        if passing == "buffer":
            return [], [f"_a{i}", f"_n{i}"], f"_rt.Borrow({self._buffer_arguments(node, name, where)}) as (_a{i}, _n{i})"
        if passing in ("string", "codec"):
            return [f"_a{i}, _n{i} = {check}"], [f"_a{i}", f"_n{i}"], None
        return [f"_a{i} = {check}"], [f"_a{i}"], None

    def _output(self, node: TypeNode, j: int) -> tuple[str, str]:
        """(the result variable's ctypes constructor, the expression converting it to Python)."""
        tag, passing = node.tag, node.passing
        ctype = f"_ctypes.{result_slot(node, self.underlying).ctype}()"
        if passing == "scalar":
            value = f"_r{j}.value"
            if tag == "bool":
                return ctype, f"{value} != 0"
            if tag == "char":
                return ctype, f"chr({value})"
            if tag == "enum":
                return ctype, f"_rt.to_enum({self.names[node.name]}, {value})"
            return ctype, value
        if passing == "handle":
            return ctype, f"{self.names[node.name]}._wrap(_r{j}.value)"
        if passing == "string":
            return ctype, f"_rt.take_string(_r{j}.value)"
        if passing == "buffer":
            if node.item.tag == "byte":
                return ctype, f"_rt.take_bytes(_r{j}.value)"
            return ctype, f'_rt.take_array(_r{j}.value, "{BUFFER_FORMATS[node.item.tag]}")'
        return ctype, f"_rt.take({self.codec(node)}, _r{j}.value)"

    def body(self, member: Member, owner: Optional[ClassModel]) -> list[str]:
        function = f"{owner.python_name}.{member.python_name}" if owner else member.python_name
        if member.kind == "constructor" and owner:
            function = owner.python_name
        prep: list[str] = []
        slots: list[str] = ["self._live_handle()"] if has_self(member) else []
        argtypes: list[str] = [f"_ctypes.{SELF.ctype}"] if slots else []
        borrows: list[str] = []
        for i, param in enumerate(member.params):
            if param.out:
                continue
            where = f"{function}() argument '{param.python_name}'" if member.kind != "setter" else f"{function} value"
            lines, args, borrow = self._input(param.type, param.python_name, i, where)
            prep += lines
            slots += args
            argtypes += [f"_ctypes.{slot.ctype}" for slot in input_slots(param.type, self.underlying)]
            if borrow:
                borrows.append(borrow)
        values = []
        for j, node in enumerate(results(member)):
            if member.kind == "constructor":  # the handle, which the def adopts
                ctype, value = f"_ctypes.{SELF.ctype}()", f"_r{j}.value"
            else:
                ctype, value = self._output(node, j)
            prep.append(f"_r{j} = {ctype}")
            slots.append(f"_byref(_r{j})")
            argtypes.append("_ctypes.c_void_p")  # a pointer to the result
            values.append(value)
        prep.append(f"_e = _ctypes.{ERROR.ctype}()")
        slots.append("_byref(_e)")
        argtypes.append("_ctypes.c_void_p")
        number = len(self.ffi)
        self.ffi.append({"name": f"_f{number}", "symbol": member.entry_point, "argtypes": ", ".join(argtypes) + ","})
        call = [f"if _f{number}({', '.join(slots)}):", "    raise _rt.error(_e.value)"]
        if borrows:
            call = [f"with {', '.join(borrows)}:"] + ["    " + line for line in call]
        if member.kind == "constructor":
            tail = [f"self._adopt({values[0]})"]
        elif not values:
            tail = []
        elif len(values) == 1:
            tail = [f"return {values[0]}"]
        else:
            tail = _gather_results(values, results(member))
        ctypes_body = prep + ["if _faulthandler_enabled() is not _signals_seen: _refront()"] + call + tail
        return self.native(member, owner, function) + ctypes_body

    # -- the native backend ------------------------------------------------------------------------

    def _check(self, node: TypeNode, where: str) -> str:
        """The Python check the native entry point calls for a value its fast path does not take
        (CPython.cs): it converts the value, or raises the same error as the ctypes backend."""
        return f"lambda v: {self._check_call(node, 'v', where)}"

    def _converter(self, node: TypeNode, constructor: bool) -> str:
        """What turns result *node* into Python after the native entry point built an int of it
        (None where CPython.cs builds the object itself)."""
        tag, passing = node.tag, node.passing
        if tag == "enum":
            return f"lambda v: _rt.to_enum({self.names[node.name]}, v)"
        if passing == "handle":
            return "None" if constructor else f"{self.names[node.name]}._wrap"
        if passing in ("scalar", "string") or (passing == "buffer" and node.item.tag == "byte"):
            return "None"
        if passing == "buffer":
            return f'lambda a: _rt.take_array(a, "{BUFFER_FORMATS[node.item.tag]}")'
        return f"lambda a: _rt.take({self.codec(node)}, a)"

    def native(self, member: Member, owner: Optional[ClassModel], function: str) -> list[str]:
        """Register the member's native entry point. Every member but a constructor becomes a
        native function object presenting its def (in place of it in the module or class); a
        constructor's def calls its entry point (the lines returned)."""
        number = self.numbers[id(member)]
        names = (["self"] if has_self(member) else []) + [p.python_name for p in member.inputs]
        checks = []
        if owner is not None and has_self(member):
            where = f"{function}() argument 'self'"
            checks.append(f"lambda v: _rt.self_handle(v, {owner.python_name}, {where!r})")
        for param in member.inputs:
            where = f"{function}() argument '{param.python_name}'" if member.kind != "setter" else f"{function} value"
            checks.append(self._check(param.type, where))
        converters = [self._converter(node, member.kind == "constructor") for node in results(member)]
        defaults = [p.default.python for p in member.inputs if p.default is not None]
        if member.kind == "constructor":  # the def passes every argument: no defaults here
            defaults = []
        bound = owner.python_name if owner is not None and has_self(member) else "None"
        function_object = (f"_native._function({number}, {function!r}, {_tuple(repr(n) for n in names)}, "
                           f"{len(names) - len(defaults)}, {_tuple(checks)}, {_tuple(converters)}, {_tuple(defaults)}, {bound}, 0)")
        if owner is None:
            self.natives.append(f"{member.python_name} = _rt.native_function({function_object}, {member.python_name})")
        elif member.kind in ("getter", "setter"):
            accessor = "fget" if member.kind == "getter" else "fset"
            self.natives.append(f"{owner.python_name}.{member.python_name} = _rt.native_property("
                                f"{owner.python_name}.__dict__[{member.python_name!r}], {accessor}={function_object})")
        elif member.kind != "constructor":
            definition = f"{owner.python_name}.__dict__[{member.python_name!r}]" + (".__func__" if member.kind == "static" else "")
            self.natives.append(f"{owner.python_name}.{member.python_name} = _rt.native_function({function_object}, {definition})")
        else:
            self.natives.append(f"_n{number} = {function_object}")
            arguments = ", ".join(p.python_name for p in member.inputs)
            return ["if _native is not None:", f"    return self._adopt(_n{number}({arguments}))"]
        return []

    def callable(self, member: Member, owner: Optional[ClassModel]) -> dict[str, Any]:
        indent = "        " if owner else "    "
        plan = map_plan(member, self.records)
        doc = member.doc
        protocol = ""
        if plan is not None:
            function = f"{owner.python_name}.{member.python_name}" if owner else member.python_name
            protocol = self.map(plan, function)
            doc += f"\n\n{function}.map(...) applies it to whole columns (arrays, Series, DataFrames) in one .NET call."
        return {
            "kind": member.kind,
            "name": member.python_name,
            "signature": self.signature(member, RUNTIME, False),
            "stub_signature": self.signature(member, STUB, True),
            "doc": docstring_literal(doc, indent),
            "body": self.body(member, owner),
            "protocol": protocol,
        }

    # -- .map --------------------------------------------------------------------------------------

    def column_kind(self, leaf: Leaf) -> str:
        """The run-time object that moves one leaf column (see _columns.py)."""
        scalar = leaf.scalar
        tag = scalar.tag
        if tag in NUMERIC:
            return f'_cols.Fixed("{NUMERIC[tag][0]}", "{tag}")'
        if tag in ("bool", "char", "string"):
            return f"_cols.{tag.capitalize()}()"
        if tag == "enum":
            return f'_cols.Enum({self.names[scalar.name]}, "{NUMERIC[self.underlying[scalar.name]][0]}")'
        return f'_cols.Wire({self.codec(leaf.node)}, "{scalar.cs.replace("global::System.", "")}")'

    def map_value(self, value: Value) -> str:
        leaves = "".join(f"_cols.Leaf({leaf.python_name!r}, {self.column_kind(leaf)}, {leaf.nullable}), " for leaf in value.leaves)
        record = self.names[value.record.name] if value.record else "None"
        return f"_cols.Value({value.python_name!r}, {record}, ({leaves.rstrip(' ')}))"

    def _map_result(self, plan: MapPlan) -> str:
        if plan.result.record:
            return f"a dict of columns by {plan.result.record.python_name} field (a DataFrame for pandas input)"
        leaf = plan.result.leaves[0]
        if leaf.layout == "fixed" and leaf.scalar.tag in NUMERIC:
            kind = {"signed": "int", "unsigned": "uint", "float": "float"}[PRIMITIVES[leaf.scalar.tag].kind]
            items = f"{kind}{8 * PRIMITIVES[leaf.scalar.tag].size}"
            if leaf.nullable:
                return (f"a numpy array of {items} (NaN for null)" if kind == "float"
                        else f"a numpy object array ({items} values, None for null)")
            return f"a numpy array of {items}"
        if leaf.scalar.tag == "bool" and not leaf.nullable:
            return "a numpy array of bool"
        return f"a numpy object array ({self.annotation(leaf.node, STUB, False)} items)"

    def map(self, plan: MapPlan, function: str) -> str:
        """Register the `.map` of *function*; returns the name of its stub protocol."""
        number = len(self.maps)
        inputs = plan.member.inputs
        runtime = ", ".join(f"{p.python_name}: _t.Any" + ("" if p.default is None else f" = {p.default.python}") for p in inputs)
        self.annotation_texts.add("_t.Any")
        columns = ", ".join(f"{p.python_name}: Column" + ("" if p.default is None else " = ...") for p in inputs)
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
        self.maps.append({
            "number": number, "function": function,
            "signature": f"({runtime}) -> _t.Any",
            "doc": docstring_literal(doc, "    "),
            "call": f"return _cols.apply(_lib, _P{number}, ({''.join(p.python_name + ', ' for p in inputs).rstrip(' ')}))",
            "plan": f"_cols.Plan({function!r}, {plan.entry_point!r}, ({''.join(self.map_value(v) + ', ' for v in plan.inputs).rstrip(' ')}), "
                    f"{self.map_value(plan.result)})",
            "protocol": "_Map_" + function.replace(".", "_"),
            "stub_map": f"(self, {columns}) -> MapResult",
            "stub_call": _method_stub(self.signature(plan.member, STUB, True)),
        })
        protocol: str = self.maps[-1]["protocol"]
        return protocol

    def render(self, docstring: str, tool_version: str) -> dict[str, bytes]:
        classes = []
        for cls in self.api.classes:
            members = [self.callable(m, cls) for m in ([cls.constructor] if cls.constructor else []) + list(cls.members)]
            classes.append({"name": cls.python_name, "doc": docstring_literal(cls.doc, "    "),
                            "has_constructor": cls.constructor is not None, "members": members})
        functions = [self.callable(f, None) for f in self.api.functions]
        records = []
        for r in self.api.records:
            fields = [(f.python_name, self.annotation(f.type, RUNTIME, False)) for f in r.fields]
            self.annotation_texts.update(text for _, text in fields)
            records.append({"name": r.python_name, "doc": docstring_literal(r.doc, "    "),
                            "fields": [(name, text, self.annotation(f.type, STUB, False)) for (name, text), f in zip(fields, r.fields)],
                            "match_args": _tuple(repr(name) for name, _ in fields),
                            "methods": _frozen_dataclass_methods(fields)})
        self.annotation_texts.add("None")  # every __init__ returns it
        for record in self.api.records:  # every record has a codec, so dataclasses convert both ways
            self.codec(TypeNode("record", "global::" + record.name.replace("+", "."), name=record.name))
        enums = [
            {"name": e.python_name, "doc": docstring_literal(e.doc, "    "), "base": "IntFlag" if e.flags else "IntEnum",
             "members": [(safe_identifier(n), v) for n, v in e.members]}
            for e in self.api.enums
        ]
        context = {
            "maps": self.maps,
            "docstring": docstring, "tool_version": tool_version, "library": self.library,
            "names": ["DotNetError", *self.api.public_names], "enums": enums, "records": records,
            "classes": classes, "functions": functions, "ffi": self.ffi,
            "codecs": self.codec_lines + self.record_lines,
            "natives": self.natives, "backend": self.backend,
            "library_modules": sorted(self.library_modules),
            "annotations": "{" + ", ".join(f"{text!r}: {text}" for text in sorted(self.annotation_texts)) + "}",
        }
        env = template_environment("ctypes")
        return {
            "_api.py": env.get_template("api.py.j2").render(context).encode(),
            "_api.pyi": env.get_template("api.pyi.j2").render(context).encode(),
        }


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
        "    return NotImplemented",
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


def _tuple(items: Any) -> str:
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _gather_results(values: list[str], nodes: tuple[TypeNode, ...]) -> list[str]:
    """The statements returning several results' tuple. Each conversion frees its own native block;
    when one raises, the later results' blocks and handles are freed before the error propagates."""
    owned = [(j, "handle" if node.passing == "handle" else "block") for j, node in enumerate(nodes)
             if j > 0 and node.passing != "scalar"]
    if not owned:
        return [f"return ({', '.join(values)})"]
    later = _tuple(f"({j}, {kind!r}, _r{j}.value)" for j, kind in owned)
    lines = ["_k = 0", "try:"]
    for j, value in enumerate(values):
        lines.append(f"    _v{j} = {value}")
        if j + 1 < len(values):
            lines.append(f"    _k = {j + 1}")
    lines += ["except BaseException:", f"    _rt.discard_results({later}, _k)", "    raise"]
    return lines + [f"return ({', '.join(f'_v{j}' for j in range(len(values)))})"]


def render_python(api: Api, library: str, docstring: str, tool_version: str, backend: str = "native") -> dict[str, bytes]:
    """`_api.py` and `_api.pyi` for *api*, loading the native library file *library*. *backend*:
    "native" (the `_lib` extension where it loads, else ctypes) or "ctypes"."""
    return PythonRenderer(api, library, backend).render(docstring, tool_version)
