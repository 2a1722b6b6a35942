"""[PyExport]: the sample library in plain C#, built once, used from clean venvs with no .NET."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import PYEXPORT_PROJECT
from support import LEAK_BATCHES, call_json, leak_in, run_aotwheel, run_python

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


def test_wheel_holds_the_generated_api(pyexport_wheel):
    names = zipfile.ZipFile(pyexport_wheel).namelist()
    for expected in ("__init__.py", "__init__.pyi", "_api.py", "_api.pyi", "_dotnet.py", "py.typed", "_lib.abi3.so"):
        assert f"pyexportsample/{expected}" in names


def test_static_functions_snake_case_and_defaults(pyexport_clean):
    code = """
import pyexportsample as m, inspect, json
print(json.dumps([
    m.count_words("hello big  world"), m.greet("Ann"), m.greet("Bob", 2, punctuation="?"),
    m.add_many(1, 2), m.add_many(1, 2, c=3), m.shout("hi"), m.scale(2.0), m.not_(True),
    str(inspect.signature(m.greet)), str(inspect.signature(m.add_many)), str(inspect.signature(m.scale)),
    hasattr(m, "not_exported"), sorted(n for n in m.__all__ if n.startswith("echo_"))[:3],
]))
"""
    result = call_json(pyexport_clean, code)
    assert result[:8] == [3, "Hello, Ann!", "Hello, Bob? Hello, Bob?", 3, 6, "HI!", 5.0, False]
    assert result[8] == "(name: str, times: int = 1, punctuation: str = '!') -> str"
    assert result[9] == "(a: int, b: int, c: int = 0) -> int"
    assert result[10] == "(value: float, factor: float = 2.5) -> float"
    assert result[11] is False
    assert result[12] == ["echo_big_integer", "echo_big_integers", "echo_big_values"]


def test_scalars_round_trip_at_their_limits(pyexport_clean):
    code = """
import pyexportsample as m, json
limits = {"sbyte": (-128, 127), "byte": (0, 255), "short": (-2**15, 2**15 - 1), "ushort": (0, 2**16 - 1),
          "int": (-2**31, 2**31 - 1), "uint": (0, 2**32 - 1), "long": (-2**63, 2**63 - 1), "ulong": (0, 2**64 - 1),
          "nint": (-2**63, 2**63 - 1), "nuint": (0, 2**64 - 1)}
out = {}
for name, (low, high) in limits.items():
    echo = getattr(m, "echo_" + name)
    errors = []
    for bad in (low - 1, high + 1, 1.5, "1", None):
        try:
            echo(bad)
        except Exception as exc:
            errors.append(type(exc).__name__)
    out[name] = [echo(low), echo(high), errors]
out["float"] = [m.echo_float(1.5), m.echo_double(-0.1), m.echo_double(2**60)]
out["bool"] = [m.echo_bool(True), m.echo_bool(False)]
out["char"] = [m.echo_char("é"), m.next_char("a"), m.is_upper("Q")]
for call in (lambda: m.echo_bool(1), lambda: m.echo_char("ab"), lambda: m.echo_char("😀"), lambda: m.echo_double("x")):
    try:
        call()
    except Exception as exc:
        out.setdefault("errors", []).append(type(exc).__name__)
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    for name, (low, high, errors) in ((k, v) for k, v in out.items() if k not in ("float", "bool", "char", "errors")):
        assert errors == ["OverflowError", "OverflowError", "TypeError", "TypeError", "TypeError"], name
        assert low < high
    assert out["int"][:2] == [-2**31, 2**31 - 1] and out["ulong"][:2] == [0, 2**64 - 1]
    assert out["float"] == [1.5, -0.1, 2.0**60]
    assert out["bool"] == [True, False]
    assert out["char"] == ["é", "b", True]
    assert out["errors"] == ["TypeError", "ValueError", "ValueError", "TypeError"]


def test_strings_carry_nul_astral_and_refuse_lone_surrogates(pyexport_clean):
    code = r"""
import pyexportsample as m, json
text = "a\0b 😀 é \U0010ffff"
out = [m.echo_string(text) == text, m.length("😀"), m.utf8_length("é😀"), m.describe(None), m.describe("x"),
       m.echo_nullable_string(None)]
for call in (lambda: m.echo_string("\ud800"), lambda: m.reverse_units("😀"), lambda: m.echo_string(None),
             lambda: m.echo_string(b"x")):
    try:
        call()
    except Exception as exc:
        out.append([type(exc).__name__, isinstance(exc, ValueError), str(exc)])
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    assert out[:6] == [True, 2, 6, None, "<x>", None]
    assert out[6][0] == "ValueError" and "lone surrogate" in out[6][2] and "'value'" in out[6][2]
    assert out[7][1] and "EncoderFallbackException" in out[7][2]  # .NET made the lone surrogate
    assert out[8][0] == "TypeError" and "must be str, not NoneType" in out[8][2]
    assert out[9][0] == "TypeError"


def test_buffers_are_zero_copy_and_checked(pyexport_numpy):
    code = """
import pyexportsample as m, numpy as np, array, json
a = np.arange(5.0)
address = a.ctypes.data
m.scale_in_place(a, 2.0)
b = np.zeros(4, dtype=np.int64)
m.fill_memory(b)
readonly = np.arange(3.0); readonly.flags.writeable = False
out = [a.tolist(), a.ctypes.data == address, b.tolist(), m.sum(readonly), m.sum([1, 2, 3.5]), m.sum((1.0,)),
       m.sum(array.array("d", [4.0])), m.sum(np.array([], dtype=np.float64)), m.sum_ints([1, 2, 3]),
       m.sum_memory(np.ones(3, dtype=np.float32)), m.reverse_bytes(b"abc").decode(), m.reverse_bytes(bytearray(b"xy")).decode()]
for call in (lambda: m.scale_in_place([1.0], 2.0), lambda: m.scale_in_place(readonly, 2.0),
             lambda: m.scale_in_place(np.zeros(6)[::2], 2.0), lambda: m.scale_in_place(np.zeros(3, dtype=np.float32), 2.0),
             lambda: m.sum(["x"]), lambda: m.sum_ints([2**40]), lambda: m.sum("abc"), lambda: m.sum(None)):
    try:
        call()
        out.append(None)
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
print(json.dumps(out))
"""
    out = call_json(pyexport_numpy, code)
    assert out[:12] == [[0.0, 2.0, 4.0, 6.0, 8.0], True, [0, 1, 2, 3], 3.0, 6.5, 1.0, 4.0, 0.0, 6, 3.0, "cba", "yx"]
    errors = out[12:]
    assert errors[0][0] == "TypeError" and "writable" in errors[0][1] and "'values'" in errors[0][1]
    assert errors[1][0] == "TypeError" and "read-only" in errors[1][1]
    assert errors[2][0] == "ValueError" and "C-contiguous" in errors[2][1]
    assert errors[3][0] == "TypeError" and "float64" in errors[3][1] and "float32" in errors[3][1]
    assert [e[0] for e in errors[4:]] == ["TypeError", "OverflowError", "TypeError", "TypeError"]


def test_returned_arrays_are_numpy_when_installed_else_lists(pyexport_numpy, pyexport_clean):
    code = """
import pyexportsample as m, json, sys
r = m.range(3)
print(json.dumps([type(r).__name__, str(getattr(r, "dtype", "")), list(map(float, r)), list(map(int, m.squares(4))),
                  m.echo_bytes(b"\\x00\\x01").hex(), "numpy" in sys.modules, m.magic().decode(),
                  list(map(float, m.doubled([1.0, 2.5]))), list(map(int, m.first_two([7, 8, 9])))]))
"""
    tail = ["AOT", [2.0, 5.0], [7, 8]]
    assert call_json(pyexport_numpy, code) == ["ndarray", "float64", [0.0, 1.0, 2.0], [0, 1, 4, 9], "0001", True, *tail]
    assert call_json(pyexport_clean, code) == ["list", "", [0.0, 1.0, 2.0], [0, 1, 4, 9], "0001", False, *tail]


def test_exceptions_map_to_builtins_and_carry_dotnet_details(pyexport_clean):
    code = """
import pyexportsample as m, json
kinds = ["Argument", "ArgumentNull", "ArgumentOutOfRange", "Format", "IndexOutOfRange", "KeyNotFound", "FileNotFound",
         "DirectoryNotFound", "UnauthorizedAccess", "IO", "DivideByZero", "Overflow", "InvalidOperation", "NotSupported",
         "NotImplemented", "Timeout", "OutOfMemory", "Custom", "Other"]
builtins = [ValueError, TypeError, IndexError, KeyError, FileNotFoundError, PermissionError, OSError, ZeroDivisionError,
            OverflowError, RuntimeError, NotImplementedError, TimeoutError, MemoryError]
out = {}
for kind in kinds:
    try:
        m.throw(kind, "message of " + kind)
    except m.DotNetError as exc:
        bases = type(exc).__bases__
        closest = bases[1] if len(bases) > 1 else None
        assert closest is None or isinstance(exc, closest) and closest in builtins
        out[kind] = [closest and closest.__name__, exc.dotnet_type, exc.message, "Errors.Throw" in exc.dotnet_stack_trace]
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    expected = {
        "Argument": "ValueError", "ArgumentNull": "TypeError", "ArgumentOutOfRange": "ValueError", "Format": "ValueError",
        "IndexOutOfRange": "IndexError", "KeyNotFound": "KeyError", "FileNotFound": "FileNotFoundError",
        "DirectoryNotFound": "FileNotFoundError", "UnauthorizedAccess": "PermissionError", "IO": "OSError",
        "DivideByZero": "ZeroDivisionError", "Overflow": "OverflowError", "InvalidOperation": "RuntimeError",
        "NotSupported": "NotImplementedError", "NotImplemented": "NotImplementedError", "Timeout": "TimeoutError",
        "OutOfMemory": "MemoryError", "Custom": None, "Other": None,
    }
    assert {k: v[0] for k, v in out.items()} == expected
    assert out["IO"][1] == "System.IO.IOException" and out["Custom"][1] == "PyExportSample.SampleException"
    assert out["Format"][2] == "message of Format"
    assert all(v[3] for v in out.values())


def test_exception_traceback_shows_dotnet_stack_and_inner(pyexport_clean):
    code = """
import pyexportsample as m
m.throw_wrapped("the inner message")
"""
    result = run_python(pyexport_clean, code)
    assert result.returncode == 1
    err = result.stderr
    assert "FormatException" in err and "the inner message" in err  # the inner exception, as __cause__
    assert "The above exception was the direct cause" in err
    assert "outer failure [System.InvalidOperationException]" in err
    assert ".NET stack trace of System.InvalidOperationException" in err and "PyExportSample.Errors.Outer" in err
    assert "AotWheel.Generated" not in err


def test_real_exceptions_from_the_runtime(pyexport_clean, tmp_path):
    code = f"""
import pyexportsample as m, json
out = []
for call in (lambda: m.divide(1, 0), lambda: m.narrow(2**40), lambda: m.lookup({{"a": 1}}, "b"),
             lambda: m.item_at([1, 2], 5), lambda: m.read_file({str(tmp_path / "missing.txt")!r}),
             lambda: m.greet("x", -1), lambda: m.add_many(2**31 - 1, 1), lambda: m.parse_guid("nope")):
    try:
        call()
    except m.DotNetError as exc:
        out.append([type(exc).__mro__[2].__name__, exc.dotnet_type])
print(json.dumps(out))
"""
    assert call_json(pyexport_clean, code) == [
        ["ZeroDivisionError", "System.DivideByZeroException"], ["OverflowError", "System.OverflowException"],
        ["KeyError", "System.Collections.Generic.KeyNotFoundException"], ["IndexError", "System.IndexOutOfRangeException"],
        ["FileNotFoundError", "System.IO.FileNotFoundException"], ["ValueError", "System.ArgumentOutOfRangeException"],
        ["OverflowError", "System.OverflowException"], ["ValueError", "System.FormatException"],
    ]


def test_objects_live_behind_handles(pyexport_clean):
    code = """
import pyexportsample as m, json, inspect
c = m.Counter(5, name="c")
out = [c.count, c.name, c.increment(), c.increment(by=3), str(c)]
c.name = "renamed"
copy = c.clone()
c.add(copy)
out += [c.name, copy.name, c.count, str(m.Counter.parse("p=3")), str(m.Counter()), str(inspect.signature(m.Counter))]
try:
    c.count = 3
except AttributeError:
    out.append("read-only")
with m.Counter(1) as d:
    d.increment()
out.append(d.closed)
for call in (d.increment, lambda: c.add(d), lambda: c.add(None), lambda: c.add("x"), c.fail):
    try:
        call()
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
c.close(); c.close()
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    assert out[:5] == [5, "c", 6, 9, "c=9"]
    assert out[5:11] == ["renamed", "renamed (copy)", 18, "p=3", "counter=0", "(start: int = 0, name: str = 'counter') -> None"]
    assert out[11:13] == ["read-only", True]
    assert out[13] == ["ValueError", "the Counter object is closed"]
    assert out[14] == ["ValueError", "the Counter object is closed"]
    assert out[15][0] == "TypeError" and out[16][0] == "TypeError"
    assert out[17][0] == "DotNetRuntimeError" and "renamed cannot fail politely" in out[17][1]


LEAK_WORKLOADS = LEAK_BATCHES + """
import pyexportsample as m, json, gc
from pyexportsample import _dotnet
def objects(n):
    for i in range(n):
        m.Counter(i).clone()
    gc.collect()
text = "x" * 1000
def results(n):  # returned strings, lists and errors are freed by the binding (100 MB per 100k if not)
    for i in range(n):
        m.echo_string(text); m.split("a,b"); m.parse_or_null("7")
        try:
            m.divide(1, 0)
        except ZeroDivisionError:
            pass
"""


def test_no_handle_leak_after_100k_create_drop_cycles(pyexport_clean):
    code = LEAK_WORKLOADS + """
base = _dotnet.live_handles()
for i in range(100_000):
    m.Counter(i)
for i in range(1000):
    with m.Counter(i) as c:
        c.clone().close()
gc.collect()
after_drop = _dotnet.live_handles()
print(json.dumps([base, after_drop, rss_batches(objects, 50_000), rss_batches(results, 25_000), _dotnet.live_handles()]))
"""
    base, after_drop, objects, results, final = call_json(pyexport_clean, code)
    assert base == after_drop == final == 0
    assert leak_in(objects) is None, leak_in(objects)
    assert leak_in(results) is None, leak_in(results)


def test_the_leak_checks_catch_a_binding_that_frees_nothing(pyexport_clean):
    # Proof that the checks above can fail: the same workloads with the binding's frees switched off
    # leak native memory (results) and .NET objects (handles).
    # Each workload in its own process: the .NET heap that leaked objects keep alive must not hide
    # (or fake) the growth of the other workload's leak.
    leak_everything = LEAK_WORKLOADS + "_dotnet._free = _dotnet._free_handle = lambda address: None\n"
    live, objects = call_json(pyexport_clean, leak_everything + """
samples = rss_batches(objects, 50_000)
print(json.dumps([_dotnet.live_handles(), samples]))
""")
    results = call_json(pyexport_clean, leak_everything + "print(json.dumps(rss_batches(results, 25_000)))\n")
    assert live >= 4 * 50_000 * 2
    assert leak_in(objects) is not None, objects
    assert leak_in(results) is not None, results


def test_enums_nullable_tuples_and_out_parameters(pyexport_clean):
    code = """
import pyexportsample as m, json, enum, inspect
out = [issubclass(m.Color, enum.IntEnum), issubclass(m.Permissions, enum.IntFlag), [(c.name, c.value) for c in m.Color],
       m.grant(m.Permissions.Write) == m.Permissions.Write | m.Permissions.Read, m.mix(m.Color.Red) is m.Color.Green,
       repr(m.echo_permissions(m.Permissions.Read | m.Permissions.Execute)), m.echo_color(5) is m.Color.Blue,
       str(inspect.signature(m.grant)), m.Permissions.None_.value,
       m.div_rem(7, 2), m.try_parse("12"), m.try_parse("x"), m.min_max([3.0, 1.0, 2.0]),
       m.parse_or_null("5"), m.parse_or_null("x"), m.half(None), m.half(3), m.echo_nullable_color(None),
       m.echo_nullable_color(m.Color.Red), m.echo_tuple((1, "two", 3.0))]
for call in (lambda: m.echo_color(m.Permissions.Read), lambda: m.echo_tuple((1, 2)), lambda: m.echo_color(None)):
    try:
        call()
    except Exception as exc:
        out.append(type(exc).__name__)
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    assert out[:5] == [True, True, [["Red", 0], ["Green", 1], ["Blue", 5]], True, True]
    assert "Read" in out[5] and "Execute" in out[5]
    assert out[6] is True
    assert out[7] == "(current: pyexportsample.Permissions, extra: pyexportsample.Permissions = <Permissions.Read: 1>) -> pyexportsample.Permissions"
    assert out[8:20] == [0, [3, 1], [True, 12], [False, 0], [1.0, 3.0], 5, None, None, 1.5, None, 0, [1, "two", 3.0]]
    assert out[20:] == ["TypeError", "TypeError", "TypeError"]


def test_dates_durations_and_guids(pyexport_clean):
    code = """
import pyexportsample as m, json, datetime as dt, uuid
utc = dt.timezone.utc
g = uuid.UUID("12345678-1234-5678-1234-567812345678")
when = dt.datetime(2024, 2, 29, 12, 30, 15, 123456)
aware = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
out = [m.add_days(when, 1.5).isoformat(), m.unix_epoch().isoformat(), str(m.twice(dt.timedelta(seconds=1.5, microseconds=3))),
       m.with_offset(aware, 90).isoformat(), str(m.parse_guid(str(g))), m.format_guid(g), m.echo_guid(g) == g,
       m.echo_date_time(aware).isoformat(), m.echo_date_time(dt.datetime.min) == dt.datetime.min,
       m.echo_date_time(dt.datetime.max) == dt.datetime.max, str(m.echo_time_span(dt.timedelta(days=-3, microseconds=7))),
       str(m.elapsed(when, when + dt.timedelta(hours=5)))]
for call in (lambda: m.echo_date_time_offset(dt.datetime(2020, 1, 1)), lambda: m.echo_guid(str(g)),
             lambda: m.echo_time_span(dt.timedelta(days=999999999)), lambda: m.echo_date_time("2020")):
    try:
        call()
    except Exception as exc:
        out.append(type(exc).__name__)
print(json.dumps(out))
"""
    assert call_json(pyexport_clean, code) == [
        "2024-03-02T00:30:15.123456", "1970-01-01T00:00:00+00:00", "0:00:03.000006", "2024-01-01T14:30:00+01:30",
        "12345678-1234-5678-1234-567812345678", "12345678-1234-5678-1234-567812345678", True,
        "2024-01-01T13:00:00+00:00", True, True, "-3 days, 0:00:00.000007", "5:00:00",
        "ValueError", "TypeError", "OverflowError", "TypeError",
    ]


def test_records_structs_lists_and_dicts(pyexport_clean):
    code = """
import pyexportsample as m, json, dataclasses, datetime as dt
p = m.Person("Ann", 42, ["a", "b"], m.Color.Blue, dt.datetime(1980, 5, 17))
out = [dataclasses.is_dataclass(m.Point), m.midpoint(m.Point(0, 0), m.Point(2, 4)) == m.Point(1.0, 2.0),
       m.distance(m.Point(0, 0), m.Point(3, 4)), m.area(m.Size(2, 3)), m.echo_size(m.Size(width=4, height=5)) == m.Size(4, 5),
       m.echo_person(p) == p, m.describe_person(p), [f.name for f in dataclasses.fields(m.Person)],
       repr(m.echo_points([m.Point(1, 2)])), m.split("a,b,c"), m.split("a;b", ";"), m.join(("x", "y")), m.join([], "-"),
       m.word_counts(["a", "b", "a"]), m.total({"a": 1, "b": 2}), list(m.evens(7)), m.echo_strings(["", "é", "😀"]),
       m.echo_string_list([]), m.echo_read_only_list([1.5]), m.echo_nested_dict({"k": ["v"]}), m.echo_dict({})]
try:
    m.Point(1, 2).x = 3
except dataclasses.FrozenInstanceError:
    out.append("frozen")
for call in (lambda: m.midpoint((0, 0), m.Point(1, 1)), lambda: m.join([1]), lambda: m.total({"a": "b"}),
             lambda: m.total([1]), lambda: m.echo_person(m.Person("x", 1, None, m.Color.Red, None)), lambda: m.join(None)):
    try:
        call()
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
print(json.dumps(out, default=repr))
"""
    out = call_json(pyexport_clean, code)
    assert out[:7] == [True, True, 5.0, 6, True, True, "Ann (42)"]
    assert out[7] == ["name", "age", "tags", "favorite", "born"]
    assert out[8] == "[Point(x=1.0, y=2.0)]"
    assert out[9:21] == [["a", "b", "c"], ["a", "b"], "x, y", "", {"a": 2, "b": 1}, 3, [0, 2, 4, 6], ["", "é", "😀"],
                         [], [1.5], {"k": ["v"]}, {}]
    assert out[21] == "frozen"
    errors = out[22:]
    assert [e[0] for e in errors] == ["TypeError"] * 6
    assert "midpoint() argument 'a' must be Point, not tuple" in errors[0][1]
    assert "join() argument 'parts'[0] must be str" in errors[1][1]
    assert "'tags' must be a list" in errors[4][1] or "tags must be a list" in errors[4][1]


def test_records_behave_as_the_dataclasses_module_would_make_them(pyexport_clean):
    # The records' methods are generated (importing dataclasses costs more than the rest of the
    # import): each must match what @dataclasses.dataclass(frozen=True) makes of the same class in
    # the same module, down to help().
    code = """
import copy, dataclasses, datetime as dt, inspect, json, pickle, pydoc
import pyexportsample as m
from pyexportsample import _api, _dotnet as _rt

def genuine(cls):
    # made in _api, then named as the package's, as the generated module does with its classes
    made = type(cls.__name__, (), {"__annotations__": dict(cls.__annotations__), "__doc__": cls.__doc__,
                                   "__module__": _api.__name__, "__qualname__": cls.__qualname__})
    made = dataclasses.dataclass(frozen=True)(made)
    made.__module__ = cls.__module__
    # real annotation objects, evaluated in _api as the package does for every def (finish_annotations)
    made.__init__.__annotations__ = {name: eval(text, vars(_api)) if isinstance(text, str) else text
                                     for name, text in made.__init__.__annotations__.items()}
    return made

def as_the_package_would_have_it(cls, args):
    made = genuine(cls)
    # where help() and pickle look it up
    setattr(_api, cls.__name__, made)
    setattr(m, cls.__name__, made)
    try:
        return probe(made, args)
    finally:
        setattr(_api, cls.__name__, cls)
        setattr(m, cls.__name__, cls)

def probe(cls, args):
    p = cls(*args)
    out = [repr(p), p == cls(*args), p != cls(*args), p == tuple(args), p.__eq__(tuple(args)), hash(p) == hash(cls(*args)),
           cls.__match_args__, str(inspect.signature(cls)), dataclasses.is_dataclass(cls), dataclasses.is_dataclass(p),
           [(f.name, f.type, f.init, f.repr, f.hash, f.compare, f.kw_only, f.default is dataclasses.MISSING)
            for f in dataclasses.fields(cls)], repr(cls.__dataclass_params__), repr(dataclasses.asdict(p)),
           repr(dataclasses.astuple(p)), repr(dataclasses.replace(p)), copy.copy(p) == p, copy.deepcopy(p) == p,
           pickle.loads(pickle.dumps(p)) == p, sorted(vars(cls)), repr(vars(p))]
    out += [[n, str(inspect.signature(getattr(cls, n))), getattr(cls, n).__qualname__, getattr(cls, n).__module__]
            for n in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")]
    for action in (lambda: setattr(p, cls.__match_args__[0], 3), lambda: setattr(p, "other", 3),
                   lambda: delattr(p, cls.__match_args__[0]), lambda: delattr(p, "other"), lambda: cls(), lambda: cls(*args, 3)):
        try:
            action()
            out.append(None)
        except Exception as exc:
            out.append([type(exc).__name__, str(exc)])
    class Sub(cls):
        pass
    sub = Sub(*args)
    sub.extra = 1
    out += [repr(sub), repr(vars(sub)), sub == cls(*args)]
    nested = cls(*([[]] + list(args[1:])))  # a record holding itself (through a list) prints "..."
    getattr(nested, cls.__match_args__[0]).append(nested)
    out += [repr(nested), pydoc.render_doc(cls, renderer=pydoc.plaintext)]
    return out

cases = [(m.Point, [1.0, 2.5]), (m.Person, ["Ann", 42, ("a",), m.Color.Blue, dt.datetime(1980, 5, 17)])]
# Python 3.13+ records' __replace__ (copy.replace())
replaced = repr(_rt.dataclass_replace(m.Point(1.0, 2.0), y=3.0))
print(json.dumps([[[probe(cls, args), as_the_package_would_have_it(cls, args)] for cls, args in cases], replaced], default=repr))
"""
    pairs, replaced = call_json(pyexport_clean, code)
    for ours, theirs in pairs:
        assert ours == theirs
    assert replaced == "Point(x=1.0, y=3.0)"


def test_import_loads_only_the_standard_library_modules_the_api_uses(two_pyexport_wheels):
    # pyexporthazards has no records, dates, decimals or GUIDs; the sample has all of them, and
    # its records are dataclasses without importing dataclasses (and inspect, with it).
    code = """
import json, subprocess, sys
heavy = ("dataclasses", "inspect", "datetime", "decimal", "uuid")
out = {}
for package in ("pyexporthazards", "pyexportsample"):
    shown = subprocess.run([sys.executable, "-c", f"import sys, {package}; print(' '.join(sorted(sys.modules)))"],
                           capture_output=True, text=True, check=True).stdout.split()
    out[package] = [name for name in heavy if name in shown]
print(json.dumps(out))
"""
    assert call_json(two_pyexport_wheels, code) == {"pyexporthazards": [], "pyexportsample": ["datetime", "decimal", "uuid"]}


def test_help_reads_well(pyexport_clean):
    code = """
import pyexportsample as m, pydoc, json
text = pydoc.render_doc(m, renderer=pydoc.plaintext)
print(json.dumps([text, m.Counter.__doc__, m.Counter.increment.__doc__, m.Counter.count.__doc__, m.Color.__doc__]))
"""
    text, class_doc, method_doc, property_doc, enum_doc = call_json(pyexport_clean, code)
    assert "count_words(text: str) -> int" in text and "Counts the words in a text." in text
    assert "class Counter" in text
    assert class_doc.startswith("A counter that lives in .NET.")
    assert "Args:\n            by: The step." in method_doc or "by: The step." in method_doc
    assert property_doc.startswith("The current count.")
    assert enum_doc.startswith("Primary colours")


def test_stubs_pass_mypy_strict(pyexport_numpy, tmp_path):
    mypy = subprocess.run(["which", "mypy"], capture_output=True, text=True).stdout.strip()
    if not mypy:
        pytest.fail("mypy is not installed: .ci/setup installs it (apt-get install mypy)")
    script = tmp_path / "user.py"
    script.write_text(
        "import datetime\n"
        "import decimal\n"
        "from typing import Dict, List, Optional, Tuple\n"
        "import pyexportsample as m\n\n"
        "def main() -> None:\n"
        "    words: int = m.count_words('a b')\n"
        "    greeting: str = m.greet('x', times=2)\n"
        "    with m.Counter(3) as counter:\n"
        "        total: int = counter.increment(by=2)\n"
        "        counter.name = 'n'\n"
        "        copy: m.Counter = counter.clone()\n"
        "    point: m.Point = m.midpoint(m.Point(0.0, 0.0), m.Point(1.0, 1.0))\n"
        "    pair: Tuple[int, int] = m.div_rem(7, 2)\n"
        "    parsed: Tuple[bool, int] = m.try_parse('3')\n"
        "    maybe: Optional[int] = m.parse_or_null('x')\n"
        "    counts: Dict[str, int] = m.word_counts(['a'])\n"
        "    parts: List[str] = m.split('a,b')\n"
        "    when: datetime.datetime = m.add_days(datetime.datetime(2020, 1, 1), 1.0)\n"
        "    colour: m.Color = m.mix(m.Color.Red)\n"
        "    data: bytes = m.reverse_bytes(b'ab')\n"
        "    price: decimal.Decimal = m.net_price(decimal.Decimal('100'), rate=decimal.Decimal('0.1'))\n"
        "    day: datetime.date = m.shift_date(datetime.date(2020, 1, 1))\n"
        "    noon: datetime.time = m.noon()\n"
        "    wide: int = m.factorial(30) + m.echo_int128(1) + m.echo_uint128(2)\n"
        "    half: float = m.echo_half(0.5)\n"
        "    maybe_price: Optional[decimal.Decimal] = m.echo_nullable_decimal(None)\n"
        "    hypots = m.hypot.map([3.0], y=4.0)\n"
        "    length: float = m.hypot(3.0, 4.0)\n"
        "    print(hypots, length)\n"
        "    try:\n"
        "        m.throw('Argument')\n"
        "    except m.DotNetError as error:\n"
        "        print(error)\n"
        "    print(words, greeting, total, copy, point, pair, parsed, maybe, counts, parts, when, colour, data)\n"
        "    print(price, day, noon, wide, half, maybe_price)\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text("import pyexportsample as m\n\nx: str = m.count_words('a')\nm.greet(3)\nm.hypot.map([1.0], 2.0, 3.0)\n")
    # The installed wheel, found through the venv's interpreter as any user's mypy would find it.
    options = [mypy, "--strict", "--no-incremental", "--python-executable", str(pyexport_numpy)]
    good = subprocess.run([*options, str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    wrong = subprocess.run([*options, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert wrong.returncode == 1 and all(f"bad.py:{n}" in wrong.stdout for n in (3, 4, 5)), wrong.stdout


def test_repeat_build_skips_the_publish(pyexport_wheel, pyexport_build_dir, tmp_path):
    # Proved by the commands run (-v prints each one), not by a time that depends on the machine.
    result = run_aotwheel("build", str(PYEXPORT_PROJECT), "-o", str(tmp_path / "dist"), "--build-dir",
                          str(pyexport_build_dir), "-v")
    assert "dotnet publish skipped" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("$ ")], result.stdout
    again = Path(next(line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("Built wheel: ")))
    first, second = zipfile.ZipFile(pyexport_wheel), zipfile.ZipFile(again)
    assert first.namelist() == second.namelist()
    assert all(first.read(name) == second.read(name) for name in first.namelist())


def test_unsupported_shapes_fail_the_build_naming_member_parameter_and_type(tmp_path):
    project = Path(__file__).resolve().parent.parent / "projects" / "PyExportUnsupported"
    result = run_aotwheel("build", str(project), "-o", str(tmp_path / "dist"), "--build-dir", str(tmp_path / "build"), check=False)
    assert result.returncode == 1
    message = result.stderr
    for fragment in (
        "Unsupported.Api.TakesObject, parameter 'value': type object is not supported",
        "Unsupported.Api.TakesStream, parameter 'stream': type System.IO.Stream is not supported",
        "Unsupported.Api.TakesRef, parameter 'counter': type ref int is not supported (ref parameters are not supported",
        "Unsupported.Api.TakesSpanOfStrings, parameter 'names': type Span<string> is not supported",
        "Unsupported.Api.TakesPlainClass, parameter 'thing': type Unsupported.NotExported is not supported",
        "Unsupported.Api.ReturnsDelegate, return type: type Func<int> is not supported",
        "Unsupported.Api.Generic: generic methods cannot be exported",
        "Unsupported.Api.TakesDoubleKeys, parameter 'map': type Dictionary<double, int> is not supported",
        "Unsupported.More.Instance: [PyExport] on a method needs a static method",
        "Unsupported.TwoConstructors(int) and Unsupported.TwoConstructors(long): Python cannot tell these overloads apart",
        "Unsupported.More.Add and Unsupported.Api.Add both map to the Python name 'add'",
        "Supported types: string, bool, char",
    ):
        assert fragment in message, fragment
    assert not list(tmp_path.glob("dist/*.whl"))


def test_help_lists_the_python_modules_and_the_extension_module_only(pyexport_clean):
    # The library is the extension module `_lib` (the native backend), under no other
    # importable-looking name, and no alias shows as a submodule.
    code = """
import json, pathlib, pydoc, pyexportsample
text = pydoc.render_doc(pyexportsample, renderer=pydoc.plaintext)
contents = text[text.index("PACKAGE CONTENTS"):].split("\\n\\n", 1)[0].splitlines()[1:]
modules = sorted(p.stem for p in pathlib.Path(pyexportsample.__file__).parent.glob("*.py") if p.stem != "__init__")
print(json.dumps([[line.strip() for line in contents], modules, "SUBMODULES" in text]))
"""
    contents, modules, submodules = call_json(pyexport_clean, code)
    assert contents == sorted(modules + ["_lib"]) and "_api" in modules and not submodules
