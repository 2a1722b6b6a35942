"""The plan of members that hand control back and forth (issue 23): delegate parameters, lazy
iterator results, awaitable task results (from fake inspector reports; no SDK)."""

from __future__ import annotations

import pytest

from aotwheel.bindings.csharp import render_csharp
from aotwheel.bindings.python import render_package
from aotwheel.errors import AotWheelError
from aotwheel.plan.model import Tag
from aotwheel.plan.planner import plan_binding
from pyexport_reports import generic, method, named, param, prim, report, static_class


def build(*methods):
    return plan_binding(report(static_class(*methods)), {})


def test_func_action_and_predicate_parameters_are_delegates_of_their_signature():
    plan = build(
        method("Integrate", param("f", generic("System.Func`2", prim("double"), prim("double"))), returns=prim("double")),
        method("Each", param("f", generic("System.Action`2", prim("string"), prim("int")))),
        method("Keep", param("f", generic("System.Predicate`1", prim("long")))),
        method("Poke", param("f", named("System.Action", "class"))),
    )
    signatures = [[[a.tag for a in p.type.args] for p in f.params] for f in plan.functions]
    assert signatures == [[[Tag.DOUBLE, Tag.DOUBLE]], [[Tag.STRING, Tag.INT, Tag.VOID]], [[Tag.LONG, Tag.BOOL]], [[Tag.VOID]]]
    assert all(p.type.tag is Tag.DELEGATE for f in plan.functions for p in f.params)
    # .NET may call the callable from a thread the call waits for: the call lets the GIL go.
    assert all(f.release_gil for f in plan.functions)
    assert all(f.map is None for f in plan.functions)


def test_a_delegate_renders_as_a_callable_annotation_and_a_factory_calling_the_dispatcher():
    plan = build(method("Integrate", param("f", generic("System.Func`2", prim("int"), prim("string"))), returns=prim("double")))
    api = render_package(plan, "lib.so", "doc")
    assert "f: Callable[[int], str]" in api["_api.pyi"].decode()
    assert "_rt.callback(" in api["_api.py"].decode()
    csharp = render_csharp(plan)
    assert "public static global::System.Func<int, string> D0(long id)" in csharp
    assert "new global::AotWheel.Interop.PythonCallable(id)" in csharp


@pytest.mark.parametrize("where, shape, fragment", [
    ("return", generic("System.Func`1", prim("int")), "delegates are supported as method parameters only"),
    ("nested", generic("System.Collections.Generic.List`1", generic("System.Func`1", prim("int"))),
     "delegates are supported as method parameters only"),
    ("signature", generic("System.Func`2", generic("System.Span`1", prim("int")), prim("int")), "only as a parameter or return type"),
])
def test_delegates_elsewhere_are_refused_naming_the_member(where, shape, fragment):
    member = (method("Work", returns=shape) if where == "return" else method("Work", param("f", shape)))
    with pytest.raises(AotWheelError) as error:
        build(member)
    assert "Lib.Api.Work" in str(error.value) and fragment in str(error.value)


def test_sequence_results_of_methods_are_iterators_and_parameters_stay_lists():
    enumerable = generic("System.Collections.Generic.IEnumerable`1", prim("long"))
    enumerator = generic("System.Collections.Generic.IEnumerator`1", prim("string"))
    plan = build(method("Primes", returns=enumerable), method("Words", returns=enumerator),
                 method("Total", param("items", enumerable), returns=prim("long")),
                 method("Listed", returns=generic("System.Collections.Generic.List`1", prim("int"))))
    primes, words, total, listed = plan.functions
    assert (primes.returns.tag, primes.returns.item.tag, words.returns.tag) == (Tag.ITERATOR, Tag.LONG, Tag.ITERATOR)
    assert (total.params[0].type.tag, listed.returns.tag) == (Tag.LIST, Tag.LIST)
    assert primes.map is None
    api = render_package(plan, "lib.so", "doc")
    assert "def primes() -> Iterator[int]: ..." in api["_api.pyi"].decode()
    # The native entry point returns the enumerator's handle; Python makes the iterator.
    assert "primes = _aw.native_function(_rt.adapted(_native._function(" in api["_api.py"].decode()
    assert "global::AotWheel.Interop.Iterators.Of<long>(" in render_csharp(plan)


def test_an_iterator_result_with_out_parameters_is_refused():
    out = param("count", {"kind": "byref", "name": "int&", "element": prim("int")}, out=True)
    with pytest.raises(AotWheelError) as error:
        build(method("Both", out, returns=generic("System.Collections.Generic.IEnumerable`1", prim("int"))))
    assert "Lib.Api.Both: a result of type IEnumerable<int> cannot come with out parameters" in str(error.value)


TOKEN = named("System.Threading.CancellationToken")


@pytest.mark.parametrize("shape, item", [
    (generic("System.Threading.Tasks.Task`1", prim("int")), Tag.INT),
    (named("System.Threading.Tasks.Task", "class"), Tag.VOID),
    (generic("System.Threading.Tasks.ValueTask`1", prim("string")), Tag.STRING),
    (named("System.Threading.Tasks.ValueTask"), Tag.VOID),
])
def test_task_results_are_awaitables_of_their_result(shape, item):
    (member,) = build(method("Work", returns=shape)).functions
    assert (member.returns.tag, member.returns.item.tag, member.map) == (Tag.TASK, item, None)


def test_a_cancellation_token_is_no_python_parameter_and_the_call_makes_its_source():
    plan = build(method("Wait", param("milliseconds", prim("int")), param("token", TOKEN),
                        returns=generic("System.Threading.Tasks.Task`1", prim("int"))))
    (member,) = plan.functions
    assert [p.python_name for p in member.inputs] == ["milliseconds"]
    assert [p.type.tag for p in member.params] == [Tag.INT, Tag.CANCELLATION]
    api = render_package(plan, "lib.so", "doc")
    assert "def wait(milliseconds: int) -> Awaitable[int]: ..." in api["_api.pyi"].decode()
    assert "names=('milliseconds',)" in api["_api.py"].decode()
    csharp = render_csharp(plan)
    # the shim and the native entry point alike; the result keeps the source
    assert csharp.count("global::Lib.Api.Wait(") == 2 and csharp.count("global::AotWheel.Interop.Tasks.Token())") == 2
    assert "global::AotWheel.Interop.Tasks.Of<int>(" in csharp


@pytest.mark.parametrize("member, fragment", [
    (method("Work", returns=TOKEN), "a CancellationToken is supported as a method parameter only"),
    (method("Work", param("tokens", generic("System.Collections.Generic.List`1", TOKEN))),
     "a CancellationToken is supported as a method parameter only"),
    (method("Work", param("task", generic("System.Threading.Tasks.Task`1", prim("int")))),
     "Task<int> is supported as a method's result only"),
])
def test_tokens_and_tasks_elsewhere_are_refused(member, fragment):
    with pytest.raises(AotWheelError) as error:
        build(member)
    assert "Lib.Api.Work" in str(error.value) and fragment in str(error.value), str(error.value)


def test_async_sequence_results_are_async_iterators():
    (ticks,) = build(method("Ticks", returns=generic("System.Collections.Generic.IAsyncEnumerable`1", prim("int")))).functions
    assert (ticks.returns.tag, ticks.returns.item.tag, ticks.map) == (Tag.ASYNC_ITERATOR, Tag.INT, None)
    plan = build(method("Ticks", returns=generic("System.Collections.Generic.IAsyncEnumerable`1", prim("int"))))
    assert "def ticks() -> AsyncIterator[int]: ..." in render_package(plan, "lib.so", "doc")["_api.pyi"].decode()
    assert "global::AotWheel.Interop.Tasks.Items<int>(" in render_csharp(plan)
    with pytest.raises(AotWheelError) as error:
        build(method("Take", param("items", generic("System.Collections.Generic.IAsyncEnumerable`1", prim("int")))))
    assert "Lib.Api.Take, parameter 'items': type IAsyncEnumerable<int> is not supported" in str(error.value)
