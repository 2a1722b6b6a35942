"""The native backend (the library is the extension module `_lib`) of [PyExport] and of hand-written
exports: how it is chosen, reference counts, the GIL policy, and the ctypes-only build. The other
tests of both kinds run against both backends (the `backend` fixture)."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from conftest import FAULTS_PROJECT
from support import LEAK_BATCHES, build_wheel, call_json, leak_in, make_venv, pip_install, run_python

pytestmark = pytest.mark.sdk


def test_the_native_backend_is_chosen_where_it_loads_and_ctypes_on_request(pyexport_clean, monkeypatch):
    code = "import json, pyexportsample as m; print(json.dumps([m._api.BACKEND, m._api.BACKEND_REASON, m.add_many(2, 3)]))"
    monkeypatch.delenv("AOTWHEEL_BACKEND", raising=False)
    assert call_json(pyexport_clean, code) == ["native", "the native extension module loaded", 5]
    monkeypatch.setenv("AOTWHEEL_BACKEND", "ctypes")
    assert call_json(pyexport_clean, code) == ["ctypes", "AOTWHEEL_BACKEND=ctypes", 5]
    monkeypatch.setenv("AOTWHEEL_BACKEND", "fast")
    result = run_python(pyexport_clean, "import pyexportsample")
    assert result.returncode != 0 and "AOTWHEEL_BACKEND='fast': the backends are 'native' and 'ctypes'" in result.stderr


def test_native_functions_present_the_python_api(pyexport_clean, monkeypatch):
    monkeypatch.delenv("AOTWHEEL_BACKEND", raising=False)
    code = """
import inspect, json, pydoc, pyexportsample as m
f = m.add_many
print(json.dumps([repr(f), f.__name__, f.__module__, f.__doc__.splitlines()[0], str(inspect.signature(f)),
                  callable(m.hypot.map), "add_many(a: int, b: int, c: int = 0) -> int" in pydoc.render_doc(m, renderer=pydoc.plaintext),
                  m.add_many(a=1, b=2), m.greet(punctuation="?", name="Ann")]))
"""
    assert call_json(pyexport_clean, code) == [
        "<.NET function add_many>", "add_many", "pyexportsample", "Adds up to three numbers.",
        "(a: int, b: int, c: int = 0) -> int", True, True, 3, "Hello, Ann?",
    ]


def test_argument_binding_errors_are_pythons_own(pyexport_clean, monkeypatch):
    monkeypatch.delenv("AOTWHEEL_BACKEND", raising=False)
    code = """
import json, pyexportsample as m
messages = []
for call in (lambda: m.add_many(1), lambda: m.add_many(1, 2, 3, 4), lambda: m.add_many(1, 2, d=3),
             lambda: m.add_many(1, 2, a=3), lambda: m.add_many(1.5, 2), lambda: m.add_many(2**40, 2)):
    try:
        call()
    except (TypeError, OverflowError) as error:
        messages.append(f"{type(error).__name__}: {error}")
print(json.dumps(messages))
"""
    assert call_json(pyexport_clean, code) == [
        "TypeError: add_many() missing required argument 'b'",
        "TypeError: add_many() takes from 2 to 3 positional arguments but 4 were given",
        "TypeError: add_many() got an unexpected keyword argument 'd'",
        "TypeError: add_many() got multiple values for argument 'a'",
        "TypeError: add_many() argument 'a' must be int, not float",
        "OverflowError: add_many() argument 'a' = 1099511627776 is out of range [-2147483648, 2147483647]",
    ]


# One call per slot kind; each argument is checked with sys.getrefcount after many calls, and the
# results (new objects every call) must not pile up.
REFCOUNTS = r"""
import array, datetime, decimal, json, sys, pyexportsample as m
text, blob = "caf\u00e9 " * 20, b"\x00\x01" * 50
doubles, numbers = array.array("d", [1.5] * 100), [1, 2, 3] * 10
when, amount = datetime.date(2024, 2, 29), decimal.Decimal("12.345")
counter = m.Counter(1)
calls = [
    (lambda: m.add_many(7, 8, c=9), ()), (lambda: m.scale(2.5, 1.5), ()), (lambda: m.not_(True), ()),
    (lambda: m.echo_string(text), (text,)), (lambda: m.sum(doubles), (doubles,)), (lambda: m.sum(numbers), (numbers,)),
    (lambda: m.echo_date_only(when), (when,)), (lambda: m.echo_decimal(amount), (amount,)),
    (lambda: counter.increment(1), (counter,)), (lambda: counter.clone().close(), (counter,)),
    (lambda: m.greet("Ann", 2, punctuation=text), (text,)),
]
before = [[sys.getrefcount(a) for a in args] for _, args in calls]
for call, _ in calls:
    for _ in range(2000):
        call()
after = [[sys.getrefcount(a) for a in args] for _, args in calls]
print(json.dumps([before == after, before, after]))
"""


def test_arguments_and_results_keep_their_reference_counts(pyexport_clean, backend):
    same, before, after = call_json(pyexport_clean, REFCOUNTS)
    assert same, (before, after)


def test_no_growth_over_many_calls_of_every_slot_kind(pyexport_clean, backend):
    code = LEAK_BATCHES + """
import array, datetime, decimal, json, pyexportsample as m
def work(n):  # fresh arguments and results of every kind, none kept
    for i in range(n):
        m.echo_string("x" * 300 + str(i))
        m.add_many(i, 1 << 20)
        m.scale(i * 1e300, 2.0)
        m.sum(array.array("d", [1.0] * 64))
        m.echo_decimal(decimal.Decimal(i) / 7)
        m.echo_date_only(datetime.date(2020, 1, 2))
        c = m.Counter(i)
        c.increment(2)
        c.close()
print(json.dumps(rss_batches(work, 20_000)))
"""
    samples = call_json(pyexport_clean, code)
    assert leak_in(samples) is None, leak_in(samples)


# How far a counting thread gets while *call* runs in the main thread: all along if the call lets
# the GIL go, else only in the switch interval (5 ms) before the call starts.
PROGRESS_DURING = """
import json, threading, time
def progress_during(call):
    ticks = [0]
    stop = threading.Event()
    def count():
        while not stop.is_set():
            ticks[0] += 1
    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)  # the counter is running
    start = ticks[0]
    call(300_000_000)  # a few hundred milliseconds of .NET arithmetic
    during = ticks[0] - start
    stop.set()
    counter.join()
    return during
"""
GIL = PROGRESS_DURING + """
import pyexportsample as m
print(json.dumps([progress_during(m.crunch), progress_during(m.crunch_holding_gil)]))
"""


def test_release_gil_members_let_other_threads_run_and_the_others_hold_it(pyexport_clean, monkeypatch):
    monkeypatch.setenv("AOTWHEEL_BACKEND", "native")
    released, held = call_json(pyexport_clean, GIL)
    # The same work both times: released, the counter thread runs all along; held, only in the
    # switch interval (5 ms) before the call starts, however loaded the machine.
    assert released > 5 * held, (released, held)


def test_backend_ctypes_builds_no_extension_module(tmp_path):
    project = tmp_path / "Faults"
    shutil.copytree(FAULTS_PROJECT, project)
    (project / "pyproject.toml").write_text('[project]\nname = "faults"\nversion = "1.0"\n\n[tool.aotwheel]\nbackend = "ctypes"\n')
    wheel = build_wheel(project, tmp_path / "dist", tmp_path / "build")
    names = zipfile.ZipFile(wheel).namelist()
    assert "faults/Faults.aot.so" in names and not any("_lib" in n for n in names)
    python = make_venv(tmp_path / "venv", system_site_packages=False)
    pip_install(python, wheel)
    assert call_json(python, "import json, faults; print(json.dumps([faults._api.BACKEND, faults._api.BACKEND_REASON, faults.divide(9, 3)]))") == [
        "ctypes", "the package was built with backend = 'ctypes'", 3]


# Hand-written [UnmanagedCallersOnly] exports (the PoC sample): every argument kind (ints, floats,
# writable buffers, bytes and str for byte pointers, rejected values), each argument's reference
# count after many calls, and no growth of RSS over batches of the same calls.
RAW_CALLS = r"""
import array, json, sys, aotsample_poc as m
doubles, html, text, blob = array.array("d", [1.5] * 100), bytearray(256), "*caf\u00e9*", b"# title"
big, wrong, nul = 1 << 40, array.array("f", [1.0]), "a\0b"
def refused(call):
    try:
        call()
    except (TypeError, OverflowError, ValueError):
        return
    raise AssertionError("accepted")
calls = [
    (lambda: m.add(7, 8), ()), (lambda: m.add(a=big - big, b=True), (big,)), (lambda: m.spin(10), ()),
    (lambda: m.scale_doubles(doubles, 100, 1.0), (doubles,)), (lambda: m.sum_doubles(doubles, 100), (doubles,)),
    (lambda: m.markdown_to_html(text, html, 256), (text, html)), (lambda: m.markdown_to_html(blob, html, 256), (blob, html)),
    (lambda: refused(lambda: m.add(big, 1)), (big,)), (lambda: refused(lambda: m.sum_doubles(wrong, 1)), (wrong,)),
    (lambda: refused(lambda: m.sum_doubles(blob, 1)), (blob,)), (lambda: refused(lambda: m.add(text, 1)), (text,)),
    (lambda: refused(lambda: m.copy_utf8(nul, html, 8)), (nul,)), (lambda: m.copy_utf8(blob, html, 8), (blob, html)),
]
"""


def test_raw_exports_use_the_native_backend_and_present_their_def(clean_python, monkeypatch):
    monkeypatch.delenv("AOTWHEEL_BACKEND", raising=False)
    code = """
import inspect, json, aotsample_poc as m
f = m.add
print(json.dumps([m._BACKEND, repr(f), f.__name__, f.__module__, str(inspect.signature(f)), f.__doc__ == f.__wrapped__.__doc__,
                  str(inspect.signature(m.markdown_to_html)), m.add(b=2, a=40)]))
"""
    assert call_json(clean_python, code) == [
        "native", "<.NET function add>", "add", "aotsample_poc", "(a: int, b: int) -> int", True,
        "(markdown: BytesLike, html: BytesLike, capacity: int) -> int", 42]
    monkeypatch.setenv("AOTWHEEL_BACKEND", "ctypes")
    assert call_json(clean_python, "import json, aotsample_poc as m; print(json.dumps([m._BACKEND, m._BACKEND_REASON, m.add(1, 2)]))") == [
        "ctypes", "AOTWHEEL_BACKEND=ctypes", 3]


def test_raw_export_arguments_keep_their_reference_counts(clean_python, backend):
    code = RAW_CALLS + """
before = [[sys.getrefcount(a) for a in args] for _, args in calls]
for call, _ in calls:
    for _ in range(2000):
        call()
after = [[sys.getrefcount(a) for a in args] for _, args in calls]
print(json.dumps([before == after, before, after]))
"""
    same, before, after = call_json(clean_python, code)
    assert same, (before, after)


def test_no_growth_over_many_raw_export_calls(clean_python, backend):
    code = LEAK_BATCHES + RAW_CALLS + """
def work(n):
    for i in range(n // len(calls)):
        for call, _ in calls:
            call()
# Each batch allocates (markdown_to_html) well past the 16 MiB gen0 budget that LEAK_BATCHES sets.
print(json.dumps(rss_batches(work, 220_000)))
"""
    samples = call_json(clean_python, code)
    assert leak_in(samples) is None, leak_in(samples)


RAW_GIL = PROGRESS_DURING + """
import aotsample_poc as m
# spin has [ReleaseGil]; sleeping 10 ms leaves the GIL to the counter, as a measure of its pace.
print(json.dumps([progress_during(m.spin), progress_during(lambda _: time.sleep(0.01))]))
"""


def test_release_gil_raw_exports_let_other_threads_run(clean_python, monkeypatch):
    monkeypatch.setenv("AOTWHEEL_BACKEND", "native")
    during, alone = call_json(clean_python, RAW_GIL)
    # spin ran for far longer than 10 ms: a counter that ran all along counted more than in 10 ms.
    assert during > 2 * alone > 0, (during, alone)
