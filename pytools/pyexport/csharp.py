"""Renders the C# side of [PyExport]: per member, the shim body over its native slots (slots.py),
which catches every exception; the ctypes export forwarding to it; the native backend's vectorcall
entry point (CPython.cs) converting Python objects to those slots; and `.map`'s row loop. For the
native backend also an entry point per hand-written [UnmanagedCallersOnly] export, which calls it
through its address.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ..abi import PRIMITIVES, Export
from ..resources import template_environment
from .columns import Leaf, MapPlan, map_plan
from .model import BUFFER_FORMATS, Api, Member, RecordModel, TypeNode, api_members
from .slots import ERROR, SELF, first_raw_number, has_self, input_slots, result_slot, results, wire_scalar

_READ_WRITE = {
    "sbyte": "SByte", "byte": "Byte", "short": "Int16", "ushort": "UInt16", "int": "Int32", "uint": "UInt32",
    "long": "Int64", "ulong": "UInt64", "nint": "IntPtr", "nuint": "UIntPtr", "float": "Single", "double": "Double",
    "bool": "Bool", "char": "Char", "string": "String", "datetime": "DateTime", "datetimeoffset": "DateTimeOffset",
    "timespan": "TimeSpan", "guid": "Guid", "decimal": "Decimal", "dateonly": "DateOnly", "timeonly": "TimeOnly",
    "biginteger": "BigInteger", "int128": "Int128", "uint128": "UInt128", "half": "Half",
}


class Codecs:
    """One reader and one writer method per composite type, generated once and shared."""

    def __init__(self, api: Api) -> None:
        self.records: dict[str, RecordModel] = {r.name: r for r in api.records}
        self.underlying = {e.name: e.underlying for e in api.enums}
        self.ids: dict[str, int] = {}
        self.methods: list[str] = []

    def id(self, node: TypeNode) -> int:
        if node.cs in self.ids:
            return self.ids[node.cs]
        number = self.ids[node.cs] = len(self.ids)
        read, write = self._read(node), self._write(node)  # registers nested types first
        self.methods.append(f"public static {node.cs} R{number}(WireReader r) => {read};")
        self.methods.append(f"public static void W{number}(WireWriter w, {node.cs} v) {{ {write} }}")
        return number

    def _read(self, node: TypeNode) -> str:
        tag = node.tag
        if tag in _READ_WRITE:
            return f"r.Read{_READ_WRITE[tag]}()"
        if tag == "enum":
            return f"({node.cs})r.Read{_READ_WRITE[self.underlying[node.name]]}()"
        if tag == "object":
            return f"r.ReadObject<{node.cs}>()"
        if tag == "nullable":
            return f"r.ReadNullable<{node.item.cs}>(R{self.id(node.item)})"
        if tag in ("list", "span"):
            method = "ReadArray" if node.container == "array" else "ReadList"
            return f"r.{method}<{node.item.cs}>(R{self.id(node.item)})"
        if tag == "dict":
            key, value = node.args
            return f"r.ReadDictionary<{key.cs}, {value.cs}>(R{self.id(key)}, R{self.id(value)})"
        if tag == "tuple":
            return f"new {node.cs}(" + ", ".join(f"R{self.id(a)}(r)" for a in node.args) + ")"
        if tag == "record":
            record = self.records[node.name]
            if record.construct == "constructor":
                return f"new {node.cs}(" + ", ".join(f"R{self.id(f.type)}(r)" for f in record.fields) + ")"
            return f"new {node.cs} {{ " + ", ".join(f"{f.cs_name} = R{self.id(f.type)}(r)" for f in record.fields) + " }"
        raise AssertionError(f"no codec for {tag}")

    def _write(self, node: TypeNode) -> str:
        tag = node.tag
        if tag in _READ_WRITE:
            return f"w.Write{_READ_WRITE[tag]}(v);"
        if tag == "enum":
            underlying = self.underlying[node.name]
            return f"w.Write{_READ_WRITE[underlying]}(({underlying})v);"
        if tag == "object":
            return "w.WriteObject(v);"
        if tag == "nullable":
            return f"w.WriteNullable<{node.item.cs}>(v, W{self.id(node.item)});"
        if tag in ("list", "span"):
            return f"w.WriteSequence<{node.item.cs}>(v, W{self.id(node.item)});"
        if tag == "dict":
            key, value = node.args
            return f"w.WriteDictionary<{key.cs}, {value.cs}>(v, W{self.id(key)}, W{self.id(value)});"
        if tag == "tuple":
            return " ".join(f"W{self.id(a)}(w, v.Item{i + 1});" for i, a in enumerate(node.args))
        if tag == "record":
            return " ".join(f"W{self.id(f.type)}(w, v.{f.cs_name});" for f in self.records[node.name].fields)
        raise AssertionError(f"no codec for {tag}")


def _span(node: TypeNode, pointer: str, count: str) -> str:
    item = node.item.cs
    span = f"new global::System.ReadOnlySpan<{item}>({pointer}, checked((int){count}))"
    return {
        "array": f"{span}.ToArray()",
        "readonlyspan": span,
        "span": f"new global::System.Span<{item}>({pointer}, checked((int){count}))",
        "memory": f"new BorrowedMemory<{item}>({pointer}, {count}).Memory",
        "readonlymemory": f"(global::System.ReadOnlyMemory<{item}>)new BorrowedMemory<{item}>({pointer}, {count}).Memory",
    }[node.container]


class ShimRenderer:
    def __init__(self, api: Api, native: bool = True) -> None:
        self.api = api
        self.native = native
        self.codecs = Codecs(api)

    def _input(self, node: TypeNode, i: int) -> tuple[list[str], str]:
        """(native parameters, the C# argument expression) of input number *i*."""
        passing = node.passing
        native = [f"{slot.csharp} {name}" for slot, name in zip(input_slots(node, self.codecs.underlying), (f"a{i}", f"n{i}"))]
        if passing == "scalar":
            expression = {"bool": f"a{i} != 0", "char": f"(char)a{i}"}.get(node.tag, f"({node.cs})a{i}" if node.tag == "enum" else f"a{i}")
            return native, expression
        if passing == "string":
            return native, f"Utf8.Read(a{i}, n{i})"
        if passing == "buffer":
            return native, _span(node, f"a{i}", f"n{i}")
        if passing == "handle":
            getter = "GetOrNull" if node.nullable else "Get"
            return native, f"Handles.{getter}<{node.cs}>(a{i})"
        return native, f"WireReader.Decode<{node.cs}>(a{i}, n{i}, Codecs.R{self.codecs.id(node)})"

    def _output(self, node: TypeNode, j: int, value: str) -> tuple[str, str]:
        """(native parameter, the statement storing *value*) of result number *j*."""
        passing = node.passing
        parameter = f"{result_slot(node, self.codecs.underlying).csharp}* r{j}"
        if passing == "scalar":
            wire = wire_scalar(node, self.codecs.underlying)
            stored = {"bool": f"(byte)({value} ? 1 : 0)", "char": f"(ushort){value}"}.get(
                node.tag, f"({wire}){value}" if node.tag == "enum" else value)
            return parameter, f"*r{j} = {stored};"
        if passing == "string":
            return parameter, f"*r{j} = Blob.String({value});"
        if passing == "buffer":
            item = node.item.cs
            source = {"array": f"Blob.Array<{item}>({value})", "memory": f"Blob.Span<{item}>({value}.Span)",
                      "readonlymemory": f"Blob.Span<{item}>({value}.Span)"}.get(node.container, f"Blob.Span<{item}>({value})")
            return parameter, f"*r{j} = {source};"
        if passing == "handle":
            return parameter, f"*r{j} = Handles.New({value});"
        return parameter, f"*r{j} = Blob.Encode<{node.cs}>({value}, Codecs.W{self.codecs.id(node)});"

    def shim(self, member: Member, number: int) -> dict[str, object]:
        native: list[str] = []
        arguments: list[str] = []
        outs: list[tuple[int, TypeNode]] = []
        if has_self(member):
            native.append(f"{SELF.csharp} self")
        for i, param in enumerate(member.params):
            if param.out:
                arguments.append(f"out var o{i}")
                outs.append((i, param.type))
                continue
            slots, expression = self._input(param.type, i)
            native += slots
            arguments.append(expression)
        owner = f"global::{member.owner.replace('+', '.')}"
        target = f"Handles.Get<{owner}>(self)" if has_self(member) else owner
        call = {
            "constructor": f"new {owner}({', '.join(arguments)})",
            "getter": f"{target}.{member.cs_name}",
            "setter": f"{target}.{member.cs_name} = {arguments[0] if arguments else ''}",
        }.get(member.kind, f"{target}.{member.cs_name}({', '.join(arguments)})")
        # The values of the member's results (slots.results): the call's own, then the out parameters.
        values = (["result"] if member.kind == "constructor" or member.returns.tag != "void" else []) + [f"o{i}" for i, _ in outs]
        produced = list(zip(results(member), values))
        stores: list[str] = []
        for j, (node, value) in enumerate(produced):
            slot, store = self._output(node, j, value)
            native.append(slot)
            stores.append(store)
        # Encoding a string or a composite can fail (a lone surrogate); creating a handle cannot. So
        # handles are stored last: a call that fails leaves no object behind that Python cannot free.
        handles_last = sorted(range(len(produced)), key=lambda j: produced[j][0].passing == "handle")
        stores = [stores[j] for j in handles_last]
        native.append(f"{ERROR.csharp}* error")
        return {
            "entry_point": member.entry_point,
            "name": f"S{number}",
            "origin": member.origin,
            "native": ", ".join(native),
            "forward": ", ".join(slot.rsplit(" ", 1)[1] for slot in native),
            "call": f"var result = {call};" if values[:1] == ["result"] else f"{call};",
            "stores": stores,
            "entry": self.native_entry(member, number),
        }

    # -- the native backend: a METH_FASTCALL entry point per member (CPython.cs) ------------------

    def _native_input(self, node: TypeNode, k: int, view: int) -> tuple[list[str], str, str]:
        """(declarations, the conversion (a bool expression), the shim's arguments) of slot *k*."""
        passing, tag = node.passing, node.tag
        take = f"ref member, {k}, slots[{k}]"
        if passing == "scalar":
            wire = wire_scalar(node, self.codecs.underlying)
            primitive = PRIMITIVES[wire]
            if tag == "bool":
                return [f"byte a{k} = 0;"], f"CPython.Bool({take}, &a{k})", f"a{k}"
            if tag in ("char", "enum"):
                return [f"long a{k} = 0;"], f"CPython.Checked({take}, &a{k})", f"({wire})a{k}"
            if primitive.kind == "float":
                return [f"double a{k} = 0;"], f"CPython.Double({take}, &a{k})", f"({wire})a{k}"
            if primitive.kind == "unsigned":
                return [f"ulong a{k} = 0;"], f"CPython.UInt64({take}, {primitive.maximum}UL, &a{k})", f"({wire})a{k}"
            return ([f"long a{k} = 0;"], f"CPython.Int64({take}, {primitive.minimum}L, {primitive.maximum}L, &a{k})",
                    f"({wire})a{k}")
        if passing in ("string", "codec"):
            convert = (f"CPython.Utf8({take}, {'true' if node.nullable else 'false'}, &a{k}, &n{k}, &keep[{k}])"
                       if passing == "string" else f"CPython.Encoded({take}, &a{k}, &n{k}, &keep[{k}])")
            return [f"byte* a{k} = null;", f"int n{k} = 0;"], convert, f"a{k}, n{k}"
        if passing == "handle":
            return [f"long a{k} = 0;"], f"CPython.Checked({take}, &a{k})", f"(nint)a{k}"
        fmt = BUFFER_FORMATS[node.item.tag]
        size = 2 if fmt == "e" else PRIMITIVES[node.item.tag].size
        writable = "true" if node.container in ("span", "memory") else "false"
        return ([f"void* a{k} = null;", f"nint n{k} = 0;"],
                f"CPython.Buffer({take}, (byte)'{fmt}', {size}, {writable}, &views[{view}], &keep[{k}], &a{k}, &n{k})",
                f"({node.item.cs}*)a{k}, n{k}")

    def _native_result(self, node: TypeNode, j: int, constructor: bool) -> tuple[str, str]:
        """(the declaration of result slot *j*, the expression building its Python object)."""
        passing, tag = node.passing, node.tag
        declaration = f"{result_slot(node, self.codecs.underlying).csharp} r{j} = default;"
        if passing == "scalar":
            if tag == "bool":
                return declaration, f"CPython.FromBool(r{j})"
            if tag == "char":
                return declaration, f"CPython.FromChar(r{j})"
            if tag == "enum":
                return declaration, f"CPython.Converted(ref member, {j}, (long)r{j})"
            kind = PRIMITIVES[wire_scalar(node, self.codecs.underlying)].kind
            build = {"float": "FromDouble", "unsigned": "FromUInt64", "signed": "FromInt64"}[kind]
            return declaration, f"CPython.{build}(r{j})"
        if passing == "handle":
            return declaration, f"CPython.FromInt64(r{j})" if constructor else f"CPython.Converted(ref member, {j}, r{j})"
        if passing == "string":
            return declaration, f"CPython.FromString(r{j})"
        if passing == "buffer" and node.item.tag == "byte":
            return declaration, f"CPython.FromBytes(r{j})"
        return declaration, f"CPython.Converted(ref member, {j}, (long)r{j})"

    def native_entry(self, member: Member, number: int) -> dict[str, object]:
        declarations: list[str] = []
        conversions: list[str] = []
        arguments: list[str] = []
        start = 0
        if has_self(member):  # slot 0: the Python object, whose handle the shim takes
            declarations.append("long a0 = 0;")
            conversions.append("CPython.Self(ref member, 0, slots[0], &a0)")
            arguments.append(f"({SELF.csharp})a0")
            start = 1
        nodes = [p.type for p in member.inputs]
        views = 0
        buffer_bytes: list[str] = []
        for k, node in enumerate(nodes, start):
            declare, convert, passed = self._native_input(node, k, views)
            if node.passing == "buffer":
                views += 1
                buffer_bytes.append(f"n{k} * {2 if node.item.tag == 'half' else PRIMITIVES[node.item.tag].size}")
            declarations += declare
            conversions.append(convert)
            arguments.append(passed)
        outputs: list[str] = []
        builds: list[str] = []
        discards: list[str] = []
        for j, node in enumerate(results(member)):
            output, build = self._native_result(node, j, member.kind == "constructor")
            outputs.append(output)
            builds.append(build)
            discards.append(_discard(node, j))
            arguments.append(f"&r{j}")
        arguments.append("&error")
        return {
            "name": f"P{number}", "origin": member.origin, "count": start + len(nodes), "views": views,
            "keeps": any(node.passing in ("string", "codec", "buffer") for node in nodes), "declarations": declarations,
            "conversions": conversions, "checks_signals": True, "before": [*outputs, "byte* error = null;"],
            "call": f"var status = S{number}({', '.join(arguments)});", "after": _build_results(builds, discards), "cleanup": [],
            "release_gil": member.release_gil, "buffer_bytes": " + ".join(buffer_bytes),
        }

    # -- .map: one export per mappable function, looping over the rows of its columns ------------

    def _column_read(self, leaf: Leaf, column: str) -> str:
        """The C# expression of row `i` of input *column*."""
        scalar = leaf.scalar
        if leaf.layout == "string":
            return f"Columns.String({column}, i)"
        if leaf.layout == "wire":
            return f"Columns.Wire<{leaf.node.cs}>({column}, i, Codecs.R{self.codecs.id(leaf.node)})"
        raw = f"Columns.Fixed<{wire_scalar(scalar, self.codecs.underlying)}>({column}, i)"
        value = {"bool": f"{raw} != 0", "char": f"(char){raw}"}.get(scalar.tag, f"({scalar.cs}){raw}" if scalar.tag == "enum" else raw)
        if leaf.nullable:
            return f"(Columns.IsValid({column}, i) ? ({scalar.cs}?)({value}) : null)"
        return value

    def _column_write(self, leaf: Leaf, j: int, value: str) -> tuple[Optional[str], str]:
        """(the ColumnWriter declaration or None, the statement storing *value* in row `i` of output *j*)."""
        column = f"outputs[{j}]"
        if leaf.layout == "string":
            return f"var w{j} = new ColumnWriter(rows);", f"w{j}.String({column}, i, {value});"
        if leaf.layout == "wire":
            return f"var w{j} = new ColumnWriter(rows);", f"w{j}.Wire<{leaf.node.cs}>({value}, Codecs.W{self.codecs.id(leaf.node)});"
        scalar = leaf.scalar
        wire = wire_scalar(scalar, self.codecs.underlying)

        def native(x: str) -> str:
            return {"bool": f"(byte)({x} ? 1 : 0)", "char": f"(ushort){x}"}.get(scalar.tag, f"({wire}){x}" if scalar.tag == "enum" else x)

        if leaf.nullable:
            return None, (f"{{ var v{j} = {value}; Columns.SetNullable<{wire}>({column}, i, "
                          f"v{j}.HasValue ? ({wire}?){native(f'v{j}.GetValueOrDefault()')} : null); }}")
        return None, f"Columns.SetFixed<{wire}>({column}, i, {native(value)});"

    def map_shim(self, plan: MapPlan, number: int) -> dict[str, object]:
        member, arguments, k = plan.member, [], 0
        prepare, keep = [], []
        for value in plan.inputs:
            reads = []
            for leaf in value.leaves:
                reads.append(self._column_read(leaf, f"inputs[{k}]"))
                if leaf.layout == "string":
                    prepare.append(f"var s{k} = Columns.Split(&inputs[{k}], rows);")
                    keep.append(f"global::System.GC.KeepAlive(s{k});")
                k += 1
            if value.record is None:
                arguments.append(reads[0])
            elif value.record.construct == "constructor":
                arguments.append(f"new {value.node.cs}({', '.join(reads)})")
            else:
                arguments.append(f"new {value.node.cs} {{ " + ", ".join(
                    f"{leaf.cs_name} = {read}" for leaf, read in zip(value.leaves, reads)) + " }")
        stores, finish = [], list(keep)
        for j, leaf in enumerate(plan.result.leaves):
            declare, store = self._column_write(leaf, j, f"result.{leaf.cs_name}" if plan.result.record else "result")
            stores.append(store)
            if declare:
                prepare.append(declare)
                finish.append(f"outputs[{j}].Data = w{j}.Finish();")
        owner = f"global::{member.owner.replace('+', '.')}"
        return {
            "entry_point": plan.entry_point, "name": f"M{number}", "origin": member.origin,
            "call": f"var result = {owner}.{member.cs_name}({', '.join(arguments)});",
            "prepare": prepare, "stores": stores, "finish": finish,
        }

    def render(self, exports: Sequence[Export]) -> str:
        members = api_members(self.api)
        shims = [self.shim(m, n) for n, m in enumerate(members)]
        first_raw = first_raw_number(self.api)
        entries = [s["entry"] for s in shims] + [raw_entry(e, n) for n, e in enumerate(exports, first_raw)]
        records = {r.name: r for r in self.api.records}
        plans = [p for p in (map_plan(m, records) for m in members) if p is not None]
        maps = [self.map_shim(p, n) for n, p in enumerate(plans)]
        env = template_environment("csharp")
        return env.get_template("shims.cs.j2").render(
            shims=shims, entries=entries, maps=maps, native=self.native, codecs=self.codecs.methods, assembly=self.api.assembly)


def _discard(node: TypeNode, j: int) -> str:
    """The expression (0) freeing result *j* without Python, when building an earlier result failed:
    its native block or its object's handle would be left behind otherwise."""
    if node.passing == "handle":
        return f"CPython.DiscardHandle((nint)r{j})"
    if node.passing == "scalar":
        return "0"
    return f"CPython.DiscardBlock(r{j})"


def _build_results(builds: list[str], discards: list[str]) -> list[str]:
    """The statements setting `result` from a shim's status and its results' build expressions;
    once one fails, the later ones are discarded."""
    if len(builds) <= 1:
        built = builds[0] if builds else "CPython.NoneResult()"
        return [f"result = status != Status.Ok ? CPython.RaiseDotNet(error) : {built};"]
    lines = ["if (status != Status.Ok) result = CPython.RaiseDotNet(error);", "else", "{",
             f"    nint* items = stackalloc nint[{len(builds)}];", f"    items[0] = {builds[0]};"]
    lines += [f"    items[{j}] = items[{j - 1}] == 0 ? {discard} : {build};"
              for j, (build, discard) in enumerate(zip(builds[1:], discards[1:]), 1)]
    return lines + [f"    result = CPython.Results(items, {len(builds)});", "}"]


def raw_entry(export: Export, number: int) -> dict[str, object]:
    """The native entry point of a hand-written export: exact ints and floats and lendable buffers
    are converted here, anything else by the member's Python check (the ctypes binding's own, so
    both backends explain a rejected argument alike); the export is called through its address
    (NativeMember.Target: C# cannot call an UnmanagedCallersOnly method directly)."""
    declarations: list[str] = []
    conversions: list[str] = []
    passed: list[str] = []
    cleanup: list[str] = []
    views = 0
    for k, parameter in enumerate(export.parameters):
        abi, primitive = parameter.type, parameter.type.primitive
        take = f"ref member, {k}, slots[{k}]"
        if abi.pointer:
            # Any item type for void*; a byte pointer's check also takes the other 8-bit integers.
            letter = "0" if primitive.kind == "void" else f"(byte)'{primitive.struct_format}'"
            declarations += [f"void* a{k} = null;", f"nint n{k} = 0;"]
            lend = f"&views[{views}], &keep[{k}], &a{k}, &n{k}"
            if primitive.size <= 1:  # void*, byte*, sbyte*: bytes too, and str for byte pointers
                declarations.append(f"byte* c{k} = null;")
                conversions.append(f"CPython.Text({take}, {'false' if primitive.kind == 'void' else 'true'}, {letter}, {lend}, &c{k})")
                cleanup.append(f"global::System.Runtime.InteropServices.NativeMemory.Free(c{k});")
            else:
                conversions.append(f"CPython.Buffer({take}, {letter}, {primitive.size}, true, {lend})")
            views += 1
        elif primitive.kind == "float":
            declarations.append(f"double a{k} = 0;")
            conversions.append(f"CPython.Double({take}, &a{k})")
        elif primitive.kind == "unsigned":
            declarations.append(f"ulong a{k} = 0;")
            conversions.append(f"CPython.UInt64({take}, {primitive.maximum}UL, &a{k})")
        else:
            declarations.append(f"long a{k} = 0;")
            conversions.append(f"CPython.Int64({take}, {primitive.minimum}L, {primitive.maximum}L, &a{k})")
        passed.append(f"({abi.csharp})a{k}")
    returns = export.returns
    signature = ", ".join([p.type.csharp for p in export.parameters] + [returns.csharp])
    invoke = f"((delegate* unmanaged<{signature}>)member.Target)({', '.join(passed)});"
    if returns.is_void:
        call, built = invoke, "CPython.NoneResult()"
    else:
        call = f"var value = {invoke}"
        kind = "pointer" if returns.pointer else returns.primitive.kind
        built = {"pointer": "CPython.FromUInt64((ulong)value)", "float": "CPython.FromDouble(value)",
                 "unsigned": "CPython.FromUInt64(value)", "signed": "CPython.FromInt64(value)"}[kind]
    parameters = ", ".join(f"{p.type.csharp} {p.name}" for p in export.parameters)
    return {
        "name": f"P{number}", "origin": f"{export.entry_point}: {export.qualified_method}({parameters}) -> {returns.csharp}",
        "count": len(export.parameters), "views": views, "keeps": views > 0, "declarations": declarations,
        "conversions": conversions, "checks_signals": False, "before": [], "call": call, "after": [f"result = {built};"],
        "cleanup": cleanup,
        "release_gil": export.release_gil, "buffer_bytes": " + ".join(f"views[{v}].Len" for v in range(views)),
    }


def render_shims(api: Optional[Api], exports: Sequence[Export] = (), native: bool = True, assembly: str = "") -> str:
    """The C# source of every shim of *api* (one file); with *native*, also the native backend's
    entry points of the API and of the hand-written *exports*, and PyInit__lib, which make the
    library the extension module `_lib`."""
    return ShimRenderer(api or Api(assembly=assembly), native).render(exports if native else ())
