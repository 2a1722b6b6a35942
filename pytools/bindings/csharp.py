"""Renders the C# compiled into a library from its BindingPlan (templates/csharp/shims.cs.j2):

- per [PyExport] member, the ctypes shim `S<n>` (slots in, results through pointers, every
  exception caught and reported through the error pointer) and its export;
- per member and hand-written export, with the native backend, the vectorcall entry point `P<n>`:
  arguments converted from Python objects in C#, the .NET member called directly (a hand-written
  export through its address), results built as Python objects;
- `.map`'s row loops, the wire codecs (Codecs.R/W) and the native conversions of composite types
  (Values.V/O); the plan's digest; PyInit__lib.

Per-type spellings come from the type registry (plan/types.py); every generated name is qualified
with global::, so no user type (a `Status` in the global namespace) can capture one.
"""

from __future__ import annotations

from typing import Optional

from ..abi import PRIMITIVES, Primitive
from ..plan.model import (
    CLASS_OF_SYMBOL, Backend, BindingPlan, Leaf, MapPlan, Member, MemberKind, RecordPlan, Tag, TypeRef, csharp_name,
)
from ..plan.types import ERROR, GENERATED, INTEROP, SELF, CompositeEntry, DelegateEntry, entry
from ..resources import template_environment


class CSharpRenderer:
    """Implements plan.types.CSharpSide for one plan."""

    def __init__(self, plan: BindingPlan) -> None:
        self.plan = plan
        self.codec_ids: dict[TypeRef, int] = {}
        self.codec_methods: list[str] = []
        self.converter_ids: dict[TypeRef, int] = {}
        self.converter_methods: list[str] = []
        self.classes = {name: i for i, name in enumerate(plan.python_classes())}
        self.delegate_ids: dict[TypeRef, int] = {}
        self.delegate_methods: list[str] = []

    # -- CSharpSide --------------------------------------------------------------------------------

    def underlying(self, name: str) -> Primitive:
        return PRIMITIVES[self.plan.enum(name).underlying.value]

    def record(self, name: str) -> RecordPlan:
        return self.plan.record(name)

    def class_index(self, name: str) -> int:
        return self.classes[name]

    def real_class(self, name: str) -> Optional[str]:
        return f"{GENERATED}Shims.ClassOf{self.classes[name]}" if self.plan.class_plan(name).derived else None

    def polymorphic(self) -> list[dict[str, object]]:
        """Per class with exported subclasses: its ClassOf<index> switch, most derived first."""
        return [{"index": self.classes[c.name], "origin": c.name,
                 "cases": [(csharp_name(d), self.classes[d]) for d in c.derived]}
                for c in self.plan.classes if c.derived]

    def codec(self, ref: TypeRef) -> int:
        if ref in self.codec_ids:
            return self.codec_ids[ref]
        number = self.codec_ids[ref] = len(self.codec_ids)
        known = entry(ref)
        read, write = known.wire_read(ref, self), known.wire_write(ref, self)  # registers nested types first
        self.codec_methods.append(f"public static {ref.cs} R{number}({INTEROP}WireReader r) => {read};")
        self.codec_methods.append(f"public static void W{number}({INTEROP}WireWriter w, {ref.cs} v) {{ {write} }}")
        return number

    def converter(self, ref: TypeRef) -> int:
        if ref in self.converter_ids:
            return self.converter_ids[ref]
        number = self.converter_ids[ref] = len(self.converter_ids)
        known = entry(ref)
        assert isinstance(known, CompositeEntry) or ref.tag in (Tag.ENUM, Tag.OBJECT)
        read, build = known.converter_bodies(ref, self)  # type: ignore[attr-defined]
        self.converter_methods.append(
            f"public static bool V{number}(nint o, out {ref.cs} value)\n{{\n" + "".join(f"    {line}\n" for line in read) + "}")
        self.converter_methods.append(
            f"public static nint O{number}({ref.cs} value)\n{{\n" + "".join(f"    {line}\n" for line in build) + "}")
        return number

    def delegate(self, ref: TypeRef) -> int:
        if ref not in self.delegate_ids:
            known = entry(ref)
            assert isinstance(known, DelegateEntry)
            number = self.delegate_ids[ref] = len(self.delegate_ids)
            self.delegate_methods.append(known.factory(ref, self, number))
        return self.delegate_ids[ref]

    # -- the ctypes shims ----------------------------------------------------------------------------

    def call(self, member: Member, arguments: list[str], target_handle: str) -> str:
        """The C# expression (or assignment) calling the member with *arguments*."""
        owner = csharp_name(member.owner)
        target = f"{INTEROP}Handles.Get<{owner}>({target_handle})" if member.kind.has_self else owner
        if member.kind is MemberKind.CONSTRUCTOR:
            return f"new {owner}({', '.join(arguments)})"
        if member.kind in (MemberKind.GETTER, MemberKind.STATIC_GETTER):
            return f"{target}.{member.cs_name}"
        if member.kind is MemberKind.SETTER:
            return f"{target}.{member.cs_name} = {arguments[0]}"
        return f"{target}.{member.cs_name}({', '.join(arguments)})"

    def shim(self, member: Member) -> dict[str, object]:
        native: list[str] = [f"{SELF.csharp} self"] if member.kind.has_self else []
        arguments: list[str] = []
        outs: list[int] = []
        for i, param in enumerate(member.params):
            if param.out:
                arguments.append(f"out var o{i}")
                outs.append(i)
                continue
            known = entry(param.type)
            native += [f"{slot.csharp} {name}" for slot, name in zip(known.slots(param.type, self), (f"a{i}", f"n{i}"))]
            arguments.append(known.shim_argument(param.type, self, i))
        call = self.call(member, arguments, "self")
        returns_value = member.kind is MemberKind.CONSTRUCTOR or member.returns.tag is not Tag.VOID
        values = (["result"] if returns_value else []) + [f"o{i}" for i in outs]
        produced = list(zip(member.results, values))
        stores = []
        for j, (node, value) in enumerate(produced):
            native.append(f"{entry(node).result_slot(node, self).csharp}* r{j}")
            stores.append(entry(node).shim_store(node, self, j, value))
        # Encoding a string or a composite can fail (a lone surrogate); creating a handle cannot. So
        # handles are stored last: a call that fails leaves no object behind that Python cannot free.
        order = sorted(range(len(produced)), key=lambda j: produced[j][0].tag is Tag.OBJECT)
        native.append(f"{ERROR.csharp}* error")
        return {
            "symbol": member.symbol, "number": member.number, "origin": member.origin, "native": ", ".join(native),
            "forward": ", ".join(slot.rsplit(" ", 1)[1] for slot in native),
            "call": f"var result = {call};" if returns_value else f"{call};",
            "stores": [stores[j] for j in order],
        }

    # -- the native backend's entry points -------------------------------------------------------------

    def entry_point(self, member: Member) -> dict[str, object]:
        declarations: list[str] = []
        conversions: list[str] = []
        buffer_bytes: list[str] = []
        start = 0
        if member.kind.has_self:  # slot 0: the Python object, whose handle the call takes
            declarations.append("long a0 = 0;")
            conversions.append(f"{INTEROP}CPython.Self(ref member, 0, slots[0], &a0)")
            start = 1
        views = 0
        lends = False
        by_slot: dict[int, str] = {}
        k = start
        for i, param in enumerate(member.params):
            if param.out:
                continue
            if not entry(param.type).from_python:
                by_slot[i] = entry(param.type).shim_argument(param.type, self, i)
                continue
            converted = entry(param.type).native_input(param.type, self, k, views)
            if converted.buffer_bytes:
                views += 1
                lends = True
                buffer_bytes.append(converted.buffer_bytes)
            declarations += converted.declarations
            conversions.append(converted.conversion)
            by_slot[i] = converted.argument
            k += 1
        count = k
        cleanup = [f"global::System.Runtime.InteropServices.NativeMemory.Free(c{j});"
                   for j, p in enumerate(member.inputs, start) if p.type.tag is Tag.POINTER
                   and p.type.item.tag in (Tag.VOID, Tag.BYTE, Tag.SBYTE)]
        if member.kind is MemberKind.EXPORT:
            body = self._export_call(member, [by_slot[i] for i in range(len(member.params))])
        else:
            body = self._direct_call(member, by_slot)
        return {
            "name": f"P{member.number}", "number": member.number, "origin": self._origin(member), "count": count,
            "views": views, "keeps": lends, "declarations": declarations, "conversions": conversions,
            "checks_signals": member.kind is not MemberKind.EXPORT, "body": body, "cleanup": cleanup,
            "release_gil": member.release_gil, "buffer_bytes": " + ".join(buffer_bytes),
        }

    @staticmethod
    def _origin(member: Member) -> str:
        if member.kind is MemberKind.EXPORT:
            parameters = ", ".join(f"{p.type.cs} {p.cs_name}" for p in member.params)
            return f"{member.symbol}: {member.owner}.{member.cs_name}({parameters}) -> {member.returns.cs}"
        return member.origin

    def _direct_call(self, member: Member, by_slot: dict[int, str]) -> list[str]:
        """The statements calling the .NET member and building `result`; a .NET exception, thrown by
        the call or by building its results, becomes the Python exception of the ctypes backend."""
        lines: list[str] = []
        arguments = []
        outs = []
        for i, param in enumerate(member.params):
            if param.out:
                lines.append(f"{param.type.cs} o{i} = default!;")
                arguments.append(f"out o{i}")
                outs.append(f"o{i}")
            else:
                arguments.append(by_slot[i])
        call = self.call(member, arguments, "(nint)a0")
        returns_value = member.kind is MemberKind.CONSTRUCTOR or member.returns.tag is not Tag.VOID
        if returns_value:
            result_type = csharp_name(member.owner) if member.kind is MemberKind.CONSTRUCTOR else member.returns.cs
            lines.append(f"{result_type} value = default!;")
        values = (["value"] if returns_value else []) + outs
        builds = []
        for node, value in zip(member.results, values):
            if member.kind is MemberKind.CONSTRUCTOR:  # the handle, which the def adopts
                builds.append(f"{INTEROP}Py.FromInt64((long){INTEROP}Handles.New({value}))")
            else:
                builds.append(entry(node).native_build(node, self, value))
        lines.append("try")
        lines.append("{")
        lines.append("    global::AotWheel.RuntimeStart.EnterThread();")
        lines.append("    thread = release ? " + INTEROP + "CPython.SaveThread() : 0;")
        lines.append(f"    {'value = ' if returns_value else ''}{call};")
        lines.append(f"    if (thread != 0) {{ {INTEROP}CPython.RestoreThread(thread); thread = 0; }}")
        lines += ["    " + line for line in _build_results(builds)]
        lines.append("}")
        lines.append("catch (global::System.Exception exception)")
        lines.append("{")
        lines.append(f"    if (thread != 0) {INTEROP}CPython.RestoreThread(thread);")
        lines.append(f"    result = {INTEROP}CPython.RaiseDotNet(exception);")
        lines.append("}")
        return lines

    def _export_call(self, member: Member, arguments: list[str]) -> list[str]:
        """A hand-written export, called through its address (NativeMember.Target: C# cannot call
        an UnmanagedCallersOnly method directly)."""
        returns = member.returns
        signature = ", ".join([p.type.cs for p in member.params] + [returns.cs])
        invoke = f"((delegate* unmanaged<{signature}>)member.Target)({', '.join(arguments)});"
        lines = ["thread = release ? " + INTEROP + "CPython.SaveThread() : 0;"]
        if returns.tag is Tag.VOID:
            lines += [invoke, f"if (thread != 0) {INTEROP}CPython.RestoreThread(thread);", f"result = {INTEROP}Py.None();"]
        else:
            lines += [f"var value = {invoke}", f"if (thread != 0) {INTEROP}CPython.RestoreThread(thread);",
                      f"result = {entry(returns).native_build(returns, self, 'value')};"]
        return lines

    # -- .map ------------------------------------------------------------------------------------------

    def _column_read(self, leaf: Leaf, column: str) -> str:
        crossing = leaf.column_type
        read = entry(crossing).column_read(crossing, self, column)
        if leaf.nullable and leaf.masked:
            return f"({INTEROP}Columns.IsValid({column}, i) ? ({crossing.cs}?)({read}) : null)"
        return read

    def _column_write(self, leaf: Leaf, j: int, value: str) -> tuple[Optional[str], str]:
        column = f"outputs[{j}]"
        crossing = leaf.column_type
        if leaf.nullable and leaf.masked:
            _, store = entry(crossing).column_write(crossing, self, column, j, f"v{j}.GetValueOrDefault()")
            return None, f"{{ var v{j} = {value}; {INTEROP}Columns.SetValid({column}, i, v{j}.HasValue); {store} }}"
        return entry(crossing).column_write(crossing, self, column, j, value)

    def map_shim(self, member: Member, plan: MapPlan) -> dict[str, object]:
        arguments, k = [], 0
        prepare, keep = [], []
        for value in plan.inputs:
            reads = []
            for leaf in value.leaves:
                reads.append(self._column_read(leaf, f"inputs[{k}]"))
                if leaf.layout.value == "string":
                    prepare.append(f"var s{k} = {INTEROP}Columns.Split(&inputs[{k}], rows);")
                    keep.append(f"global::System.GC.KeepAlive(s{k});")
                k += 1
            if not value.record:
                arguments.append(reads[0])
            elif self.record(value.record).construct.value == "constructor":
                arguments.append(f"new {value.type.cs}({', '.join(reads)})")
            else:
                arguments.append(f"new {value.type.cs} {{ " + ", ".join(
                    f"{leaf.cs_name} = {read}" for leaf, read in zip(value.leaves, reads)) + " }")
        stores, finish = [], list(keep)
        for j, leaf in enumerate(plan.result.leaves):
            declare, store = self._column_write(leaf, j, f"result.{leaf.cs_name}" if plan.result.record else "result")
            stores.append(store)
            if declare:
                prepare.append(declare)
                finish.append(f"outputs[{j}].Data = w{j}.Finish();")
        return {
            "symbol": plan.symbol, "name": f"M{member.number}", "origin": member.origin,
            "call": f"var result = {csharp_name(member.owner)}.{member.cs_name}({', '.join(arguments)});",
            "prepare": prepare, "stores": stores, "finish": finish,
        }

    # -- the file ------------------------------------------------------------------------------------------

    def render(self) -> str:
        plan = self.plan
        members = plan.members()
        native = plan.backend is Backend.NATIVE
        shims = [self.shim(m) for m in members if m.kind is not MemberKind.EXPORT]
        entries = [self.entry_point(m) for m in members] if native else []
        maps = [self.map_shim(m, m.map) for m in members if m.map is not None]
        return template_environment("csharp").get_template("shims.cs.j2").render(
            shims=shims, entries=entries, maps=maps, native=native, codecs=self.codec_methods,
            converters=self.converter_methods, delegates=self.delegate_methods, assembly=plan.assembly, digest=plan.digest,
            classes=len(self.classes), polymorphic=self.polymorphic(), class_of=CLASS_OF_SYMBOL)


def _build_results(builds: list[str]) -> list[str]:
    """The statements setting `result` from the results' build expressions: one object, or the
    tuple of several (each built only if the ones before it were; all released if one failed)."""
    if not builds:
        return [f"result = {INTEROP}Py.None();"]
    if len(builds) == 1:
        return [f"result = {builds[0]};"]
    count = len(builds)
    lines = [f"nint* items = stackalloc nint[{count}];", f"new global::System.Span<nint>(items, {count}).Clear();",
             "try", "{", f"    items[0] = {builds[0]};"]
    lines += [f"    if (items[{j - 1}] != 0) items[{j}] = {build};" for j, build in enumerate(builds[1:], 1)]
    lines += [f"    result = {INTEROP}Py.Tuple(items, {count});", "}", "catch", "{",
              f"    {INTEROP}Py.ReleaseAll(items, {count});", "    throw;", "}"]
    return lines


def render_csharp(plan: BindingPlan) -> str:
    """The C# source of *plan*'s shims, codecs and (native backend) entry points: one file."""
    return CSharpRenderer(plan).render()
