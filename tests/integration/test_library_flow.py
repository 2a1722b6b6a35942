"""Library-shaped C# that hands control back and forth (issue 23): Python callables as delegates,
lazy iterators, awaitable tasks; on both backends, from the shared LibraryShaped build."""

from __future__ import annotations

from support import LEAK_BATCHES, call_json, leak_in


def test_callables_cross_as_delegates_with_values_converted_both_ways(library_clean, backend):
    code = """
import inspect, json, libraryshaped as m
seen = []
m.repeat(seen.append, 4)
out = [m._BACKEND, round(m.integrate(lambda x: x * x, 0.0, 3.0, 3000), 6), m.count_where([1, 2, 3, 4, 5], lambda i: i % 2 == 1),
       seen, m.transform(lambda s, n: s * n, "ab"), m.call_nothing(lambda: 41), m.optional(None, 2.0),
       m.optional(lambda x: x + 1, 2.0), str(inspect.signature(m.integrate))]
class Scale:
    def __call__(self, x):
        return 2 * x
out.append(m.integrate(Scale(), 0.0, 1.0, 4))
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [
        backend, 9.0, 3, [0, 1, 2, 3], "abab!", 42, -1.0, 3.0,
        "(f: Callable[[float], float], a: float, b: float, steps: int) -> float", 1.0]


def test_an_exception_raised_in_a_callable_arrives_as_the_same_object(library_clean, backend):
    code = """
import json, traceback, libraryshaped as m
out = []
mine = ZeroDivisionError("mine")
def boom(x):
    raise mine
for call in (lambda: m.integrate(boom, 0.0, 1.0, 10), lambda: m.on_other_thread(boom, 1),
             lambda: m.sum_released(boom, 3)):
    try:
        call()
    except ZeroDivisionError as exc:
        out.append([exc is mine, "boom" in [f.name for f in traceback.extract_tb(exc.__traceback__)]])
try:
    m.wrap(lambda: {}["k"])
except RuntimeError as exc:  # .NET's InvalidOperationException, caused by the callable's KeyError
    out.append([type(exc.__cause__).__name__, exc.dotnet_type])
out.append(m.swallow(lambda: 1 / 0))  # what .NET sees of it
for bad in (lambda: m.integrate(lambda x: "no", 0.0, 1.0, 1), lambda: m.integrate(3, 0.0, 1.0, 1)):
    try:
        bad()
    except TypeError as exc:
        out.append(str(exc))
class Stop(BaseException):
    pass
try:
    m.repeat(lambda i: (_ for _ in ()).throw(Stop()), 3)
except Stop:
    out.append("BaseException too")
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [
        [True, True], [True, True], [True, True], ["KeyError", "System.InvalidOperationException"],
        "PythonException: ZeroDivisionError: division by zero",
        "the result of integrate() argument 'f' must be float, not str", "integrate() argument 'f' must be callable, not int",
        "BaseException too"]


def test_callables_called_from_other_threads_after_the_call_and_without_the_gil(library_clean, backend):
    code = """
import json, threading, libraryshaped as m
out = [m.on_other_thread(lambda x: x * 2, 21), m.sum_released(lambda i: i * 0.5, 10)]
done, got = threading.Event(), []
m.later(lambda v: (got.append([v, threading.current_thread() is not threading.main_thread()]), done.set()), 50, 7)
out.append(done.wait(30))
out += got
stored = []
m.store(stored.append)
out += [m.call_stored("kept"), stored]
# Python threads calling .NET that calls back, all at once.
results = []
def work(k):
    results.append(m.integrate(lambda x: k, 0.0, 1.0, 200))
threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
out.append(sorted(round(r, 9) for r in results))
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [
        42, 22.5, True, [7, True], True, ["kept"], [float(k) for k in range(8)]]


def test_callables_are_released_when_dotnet_collects_their_delegates(library_clean, backend):
    code = """
import json, libraryshaped as m
from libraryshaped import _dotnet
m.collect()
base = _dotnet.held_callbacks()
for i in range(200):
    m.integrate(lambda x: x, 0.0, 1.0, 2)
    m.swallow(lambda: 1 / 0)  # the exception .NET swallowed is released too
m.store(lambda s: None)
m.collect()
kept = _dotnet.held_callbacks() - base
m.forget_stored()
m.collect()
print(json.dumps([kept, _dotnet.held_callbacks() - base]))
"""
    assert call_json(library_clean, code) == [1, 0]


def test_no_growth_over_many_callback_calls(library_clean, backend):
    code = LEAK_BATCHES + """
import json, libraryshaped as m
from libraryshaped import _dotnet
def work(n):  # n callback calls: fresh callables, strings through, exceptions through
    for i in range(n // 100):
        m.integrate(lambda x: x * i, 0.0, 1.0, 90)
        m.transform(lambda s, k: s + str(k), "x" * 50)
        try:
            m.call_nothing(lambda: 1 / 0)
        except ZeroDivisionError:
            pass
        m.swallow(lambda: 1 / 0)
samples = rss_batches(work, 100_000)
m.collect()
print(json.dumps([samples, _dotnet.held_callbacks()]))
"""
    samples, held = call_json(library_clean, code)
    assert leak_in(samples) is None, leak_in(samples)
    assert held < 500, held  # only what .NET has not collected yet


def test_sequence_results_are_lazy_iterators_pulling_one_item_at_a_time(library_clean, backend):
    code = """
import inspect, itertools, json, libraryshaped as m
out = [list(itertools.islice(m.primes(), 10)), list(m.numbers(5)), list(m.words("a b c")), m.nothing(),
       m.listed(3), m.arrayed(3) if isinstance(m.arrayed(3), list) else "array", str(inspect.signature(m.primes)),
       str(inspect.signature(m.watched))]
started = m.started()
w = m.watched(3)
out.append(m.started() - started)  # nothing ran yet
out.append(next(w))
out.append(m.started() - started)
it = m.fails_at(3)
out += [next(it), next(it)]
try:
    next(it)
except RuntimeError as exc:
    out.append([type(exc).__name__, exc.dotnet_type, str(exc)])
out.append(list(it))  # a failed iterator is finished
try:
    next(m.numbers(-1))  # Enumerable.Range refuses a negative count before any item
except ValueError as exc:
    out.append(exc.dotnet_type)
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [
        [2, 3, 5, 7, 11, 13, 17, 19, 23, 29], [0, 1, 2, 3, 4], ["a", "b", "c"], None, [0, 1, 2], [0, 1, 2],
        "() -> Iterator[int]", "(count: int) -> Iterator[Tuple[int, str]]", 0, [0, ""], 1, 1, 2,
        ["DotNetRuntimeError", "System.InvalidOperationException", "item 3 failed [System.InvalidOperationException]"], [],
        "System.ArgumentOutOfRangeException"]


def test_closing_collecting_or_breaking_out_disposes_the_enumerator(library_clean, backend):
    code = """
import gc, json, threading, libraryshaped as m
from libraryshaped import _dotnet
out = []
base = m.disposed()
for item in m.watched(10):
    if item[0] == 2:
        break
gc.collect()
out.append(m.disposed() - base)  # break: the iterator was collected
w = m.watched(10)
next(w)
w.close()
out += [m.disposed() - base, list(w), repr(w)]
with m.watched(10) as w:
    next(w)
out.append(m.disposed() - base)
out.append(list(m.watched(2)))
out.append(m.disposed() - base)  # its end disposes it
w = m.watched(5)
next(w)
del w
out.append(m.disposed() - base)  # collected without a loop
# Four threads pulling from one iterator get every item once.
shared, got, lock = m.numbers(4000), [], threading.Lock()
def pull():
    for x in shared:
        with lock:
            got.append(x)
threads = [threading.Thread(target=pull) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
out.append(sorted(got) == list(range(4000)))
gc.collect()
out.append(_dotnet.live_handles())
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [1, 2, [], "<.NET iterator (closed)>", 3, [[0, ""], [1, "x"]], 4, 5, True, 0]


def test_no_growth_over_many_iterated_items(library_clean, backend):
    code = LEAK_BATCHES + """
import itertools, json, libraryshaped as m
from libraryshaped import _dotnet
def work(n):  # n items, through iterators ended, broken off and closed
    for i in range(n // 100):
        for x in itertools.islice(m.primes(), 20):
            pass
        for x in m.watched(30):
            pass
        w = m.watched(100)
        for x in itertools.islice(w, 50):
            pass
        w.close()
samples = rss_batches(work, 100_000)
print(json.dumps([samples, _dotnet.live_handles()]))
"""
    samples, live = call_json(library_clean, code)
    assert leak_in(samples) is None, leak_in(samples)
    assert live == 0


def test_tasks_are_awaitable_with_results_errors_and_no_blocking_of_the_loop(library_clean, backend):
    code = """
import asyncio, inspect, json, time, libraryshaped as m
async def main():
    out = [await m.delayed_answer(10), await m.delayed_echo("hé", 5), await m.delayed_echo(None, 1), await m.pause(5),
           await m.immediate(4), await m.later_value(3.0, 5), await m.done(), await m.then_call(lambda x: x * 10, 4, 20)]
    out += [str(inspect.signature(m.cancellable)), str(inspect.signature(m.pause))]
    task = m.delayed_answer(1)
    out += [await task, await task]  # awaited again: the same result
    try:
        await m.fails_after(5)
    except RuntimeError as exc:
        out.append([type(exc).__name__, exc.dotnet_type])
    mine = KeyError("mine")
    def boom(x):
        raise mine
    try:
        await m.then_call(boom, 1, 5)
    except KeyError as exc:
        out.append(exc is mine)
    # Two 300 ms awaits at once against one after the other, in this run; the loop runs meanwhile.
    start = time.perf_counter()
    await m.delayed_answer(300)
    await m.delayed_answer(300)
    sequential = time.perf_counter() - start
    ticks = 0
    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1
    ticker = asyncio.ensure_future(tick())
    start = time.perf_counter()
    both = await asyncio.gather(m.delayed_answer(300), m.delayed_answer(300))
    together = time.perf_counter() - start
    ticker.cancel()
    out += [both, together < 0.75 * sequential or [together, sequential], ticks > 5 or ticks]
    return out
print(json.dumps(asyncio.run(main())))
"""
    assert call_json(library_clean, code) == [
        42, "hé", None, None, 8, 1.5, None, 41, "(milliseconds: int) -> Awaitable[int]",
        "(milliseconds: int) -> Awaitable[NoneType]", 42, 42, ["DotNetRuntimeError", "System.InvalidOperationException"],
        True, [42, 42], True, True]


def test_cancelling_the_awaiting_task_cancels_the_cancellation_token(library_clean, backend):
    code = """
import asyncio, json, time, libraryshaped as m
async def main():
    out = []
    before = m.cancelled()
    task = asyncio.ensure_future(m.cancellable(20_000))
    await asyncio.sleep(0.1)
    task.cancel()
    start = time.perf_counter()
    try:
        await task
    except asyncio.CancelledError:
        out.append("cancelled")
    out.append(time.perf_counter() - start < 10)
    try:
        await asyncio.wait_for(m.cancellable(20_000), 0.1)
    except asyncio.TimeoutError:
        out.append("timed out")
    for _ in range(100):  # .NET's cancellation runs on its own thread
        if m.cancelled() - before == 2:
            break
        await asyncio.sleep(0.05)
    out.append(m.cancelled() - before)
    out.append(await m.cancellable(10))  # not cancelled: its result
    return out
print(json.dumps(asyncio.run(main())))
"""
    assert call_json(library_clean, code) == ["cancelled", True, "timed out", 2, 1]


def test_a_task_outside_asyncio_blocks_in_result_and_refuses_await(library_clean, backend):
    code = """
import gc, json, threading, libraryshaped as m
from libraryshaped import _dotnet
out = []
task = m.delayed_answer(50)
out += [task.result(), task.done(), repr(task)]
try:
    task.__await__().send(None)
except RuntimeError as exc:
    out.append(str(exc))
try:
    m.delayed_answer(5000).result(timeout=0.1)
except TimeoutError as exc:
    out.append(str(exc))
try:
    m.fails_after(1).result()
except RuntimeError as exc:
    out.append(exc.dotnet_type)
m.pause(5000)  # never awaited: .NET runs it, and nothing waits
# Tasks awaited from several threads, each with its own event loop.
import asyncio
results = []
async def echo(k):
    return await m.delayed_echo(str(k), 20)
def work(k):
    results.append(asyncio.run(echo(k)))
threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
for t in threads: t.start()
for t in threads: t.join()
out.append(sorted(results))
del task
gc.collect()
out.append(_dotnet.live_handles())
print(json.dumps(out))
"""
    assert call_json(library_clean, code) == [
        42, True, "<.NET task (done)>",
        "a .NET task is awaited in asyncio, and no asyncio event loop is running here; call its result() to block until it completes",
        "the .NET task did not complete within 0.1 s", "System.InvalidOperationException", ["0", "1", "2", "3", "4", "5"], 0]


def test_no_growth_over_many_awaits(library_clean, backend):
    code = LEAK_BATCHES + """
import asyncio, gc, json, libraryshaped as m
from libraryshaped import _dotnet
async def batch(n):
    for i in range(n // 4):
        await m.delayed_echo("x" * 40, 0)
        await m.immediate(i)
        try:
            await m.fails_after(0)
        except RuntimeError:
            pass
        await asyncio.gather(m.pause(0), m.cancellable(0))
def work(n):
    asyncio.run(batch(n))
samples = rss_batches(work, 20_000)
gc.collect()  # failed awaits leave cycles (an exception's traceback holds its frames)
print(json.dumps([samples, _dotnet.live_handles(), _dotnet.held_callbacks()]))
"""
    samples, live, held = call_json(library_clean, code)
    assert leak_in(samples) is None, leak_in(samples)
    assert live == 0 and held == 0, (live, held)


def test_async_sequences_are_async_iterators_disposed_when_left(library_clean, backend):
    code = """
import asyncio, gc, inspect, json, libraryshaped as m
from libraryshaped import _dotnet
async def main():
    out = [str(inspect.signature(m.ticks)), [x async for x in m.ticks(5, 5)]]
    before = m.ticks_disposed()
    async for x in m.ticks(100, 5):
        if x == 2:
            break
    gc.collect()
    await asyncio.sleep(0.1)
    out.append(m.ticks_disposed() - before)
    try:
        async for x in m.ticks(10, 1, 3):
            out.append(x)
    except RuntimeError as exc:
        out.append(exc.dotnet_type)
    it = m.ticks(5, 1)
    out.append(await it.__anext__())
    await it.aclose()
    out.append([x async for x in it])
    return out
out = asyncio.run(main())
gc.collect()
print(json.dumps(out + [_dotnet.live_handles()]))
"""
    assert call_json(library_clean, code) == [
        "(count: int, milliseconds: int, fail_at: int = -1) -> AsyncIterator[int]", [0, 1, 2, 3, 4], 1, 0, 1, 2,
        "System.InvalidOperationException", 0, [], 0]
