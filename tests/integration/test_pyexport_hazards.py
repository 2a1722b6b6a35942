"""[PyExport] wheels beside other wheels, threads and processes: nothing may crash, leak or answer
for another object. Uses the sample and a second [PyExport] library (tests/projects/PyExportHazards);
every case runs in a child process under a timeout."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from support import call_json, environment_without_dotnet

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


@pytest.mark.parametrize("first", ["pyexportsample", "pyexporthazards"])
def test_a_second_pyexport_wheel_keeps_the_first_ones_buffer_arguments(two_pyexport_wheels, first):
    # Bytes are read-only buffers, lent through the C API's PyObject_GetBuffer; a wheel that set
    # argtypes on ctypes.pythonapi's shared function object broke every wheel imported before it.
    code = f"""
import json, importlib, ctypes
importlib.import_module({first!r})
import pyexportsample as m, pyexporthazards as h
print(json.dumps([m.reverse_bytes(b"abc").decode(), h.checksum(b"ab"), m.sum_memory(memoryview(b"\\0" * 8).cast("f")),
                  ctypes.pythonapi.PyObject_GetBuffer.argtypes]))
"""
    assert call_json(two_pyexport_wheels, code) == ["cba", 97 * 31 + 98, 0.0, None]


def test_objects_refuse_pickle_and_copy(two_pyexport_wheels):
    code = """
import json, pickle, copy, pyexporthazards as h, pyexportsample as m
out = []
for obj in (h.Box(5), m.Counter(1)):
    for action in (pickle.dumps, lambda o: pickle.dumps(o, protocol=0), copy.copy, copy.deepcopy):
        try:
            action(obj)
            out.append("allowed")
        except TypeError as exc:
            out.append(str(exc))
print(json.dumps(out))
"""
    out = call_json(two_pyexport_wheels, code)
    assert len(out) == 8 and "allowed" not in out
    assert out[0].startswith("cannot pickle a Box: it is a handle to a .NET object") and "this process" in out[0]
    assert out[2].startswith("cannot copy a Box") and out[4].startswith("cannot pickle a Counter")


def test_a_handle_from_another_process_is_refused_not_followed(two_pyexport_wheels, tmp_path):
    # What Dask's client.submit(f, obj) did: the handle number of one process, unpickled in another.
    # An old pickle (object state holding the number) cannot be loaded, and a number set by hand
    # names nothing in this runtime: each call raises ValueError instead of crashing the worker.
    forged = tmp_path / "forged.pickle"
    make = f"""
import copyreg, json, pickle, pyexporthazards as h
box = h.Box(41)
class Forged:
    def __reduce__(self):
        return copyreg._reconstructor, (h.Box, object, None), {{"_handle": box._handle}}
open({str(forged)!r}, "wb").write(pickle.dumps(Forged()))
print(json.dumps(box._handle))
"""
    number = call_json(two_pyexport_wheels, make)
    load = f"""
import json, pickle, pyexporthazards as h
out = []
try:
    pickle.load(open({str(forged)!r}, "rb"))
    out.append("loaded")
except TypeError as exc:
    out.append(str(exc))
mine = [h.Box(i) for i in range(3)]
for value in ({number}, 0xDEADBEEF, (7 << 32) | 1, -1):
    box = h.Box.__new__(h.Box)
    box._handle = value
    try:
        out.append(box.value)
    except ValueError as exc:
        out.append(["ValueError", str(exc)])
print(json.dumps(out + [[b.value for b in mine]]))
"""
    out = call_json(two_pyexport_wheels, load)
    assert out[0].startswith("cannot unpickle a Box")
    assert all(item[0] == "ValueError" and "the Box object is closed" in item[1] for item in out[1:5]), out
    assert out[5] == [0, 1, 2]


def test_close_racing_calls_never_answers_for_another_object(two_pyexport_wheels, backend):
    # Four threads read boxes while the main thread closes them and makes new ones, so that every
    # closed handle's slot is soon reused: a call must give its own box's value or ValueError.
    code = """
import json, random, threading, pyexporthazards as h
boxes = [h.Box(i) for i in range(64)]
expected = {id(b): i for i, b in enumerate(boxes)}
keep = list(boxes)  # ids stay unique while every box is alive
counts = {"right": 0, "closed": 0, "wrong": 0}
others = []
stop = threading.Event()
lock = threading.Lock()
def reader(seed):
    rng, mine = random.Random(seed), dict.fromkeys(counts, 0)
    while not stop.is_set():
        box = boxes[rng.randrange(len(boxes))]
        try:
            mine["right" if box.value == expected[id(box)] else "wrong"] += 1
        except ValueError:
            mine["closed"] += 1
        except Exception as exc:
            others.append(repr(exc))
    with lock:
        for key, value in mine.items():
            counts[key] += value
threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(4)]
for thread in threads:
    thread.start()
rng = random.Random(0)
for n in range(20_000):
    slot = rng.randrange(len(boxes))
    fresh = h.Box(1000 + n)
    expected[id(fresh)] = 1000 + n
    keep.append(fresh)
    old, boxes[slot] = boxes[slot], fresh
    old.close()
stop.set()
for thread in threads:
    thread.join()
print(json.dumps([counts, others[:3]]))
"""
    counts, others = call_json(two_pyexport_wheels, code)
    assert counts["wrong"] == 0 and others == [], (counts, others)
    assert counts["right"] > 1000, counts
    # Through ctypes every call releases the GIL, so close() runs while calls are inside .NET: the
    # race really happened. The native backend holds the GIL during a call (Box has no
    # ReleaseGil member), so a close lands only between calls, and those raise ValueError.
    assert counts["closed"] > 0 or backend == "native", counts


def test_a_result_that_cannot_be_encoded_frees_its_handles(two_pyexport_wheels):
    code = """
import json, pyexporthazards as h
from pyexporthazards import _dotnet
base = _dotnet.live_handles()
out = []
for call in (lambda: h.labelled(1, True), lambda: h.with_note(1, True)):
    for _ in range(100):
        try:
            call()
            out.append("returned")
        except ValueError as exc:
            error = [type(exc).__name__, exc.dotnet_type]
    out.append([error, _dotnet.live_handles() - base])
box, label = h.labelled(7, False)
out.append([box.value, label, h.with_note(8, False)[1], _dotnet.live_handles() - base])
print(json.dumps(out))
"""
    out = call_json(two_pyexport_wheels, code)
    assert out[0] == [["DotNetValueError", "System.Text.EncoderFallbackException"], 0]
    assert out[1] == [["DotNetValueError", "System.Text.EncoderFallbackException"], 0]
    assert out[2] == [7, "fine", "fine", 1]


def test_an_exception_message_that_cannot_be_encoded_keeps_its_type(two_pyexport_wheels):
    code = """
import json, pyexporthazards as h
try:
    h.throw_unencodable()
except ValueError as exc:
    print(json.dumps([type(exc).__name__, exc.dotnet_type, exc.message, "Hazards.ThrowUnencodable" in exc.dotnet_stack_trace]))
"""
    assert call_json(two_pyexport_wheels, code) == ["DotNetValueError", "System.ArgumentException", "bad \ufffd argument", True]


SUBINTERPRETER = """
import json, sys
try:
    import _interpreters as subinterpreters  # CPython 3.13+
except ImportError:
    import _xxsubinterpreters as subinterpreters

def in_subinterpreter(path):
    interpreter = subinterpreters.create()
    try:
        subinterpreters.run_string(interpreter, f'''
try:
    import pyexportsample
    said = "imported"
except ImportError as exc:
    said = str(exc)
open({str(path)!r}, "w").write(said)
''')
    finally:
        subinterpreters.destroy(interpreter)
    return open(path).read()

def main_calls(m):
    found = []
    for call in (lambda: m.clamp(2**63), lambda: m.line_price(m.Order(1.0, -3, m.Channel.Web, "c", None))):
        try:
            call()
        except Exception as exc:
            found.append([type(exc).__name__, isinstance(exc, (OverflowError, ValueError))])
    return found

if sys.argv[1] == "main-first":
    import pyexportsample as m
    said = in_subinterpreter(sys.argv[2])
else:
    said = in_subinterpreter(sys.argv[2])
    import pyexportsample as m
print(json.dumps([said, main_calls(m), m.hypot(3.0, 4.0)]))
"""


@pytest.mark.parametrize("order", ["main-first", "subinterpreter-first"])
def test_a_subinterpreter_is_refused_and_the_main_interpreter_keeps_working(pyexport_clean, tmp_path, order):
    result = subprocess.run([str(pyexport_clean), "-c", SUBINTERPRETER, order, str(tmp_path / "said")],
                            env=environment_without_dotnet(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    said, errors, hypot = json.loads(result.stdout.splitlines()[-1])
    assert said.startswith("pyexportsample cannot be imported in a subinterpreter: its native library")
    # the main interpreter's error paths (before: TypeError 'NoneType' object is not callable)
    assert errors == [["OverflowError", True], ["DotNetValueError", True]] and hypot == 5.0


def test_a_zip_imported_package_says_to_install_the_wheel(pyexport_clean, tmp_path):
    # As Spark's --py-files ships it: the package folder in a zip on sys.path.
    folder = call_json(pyexport_clean, "import json, importlib.util; "
                       "print(json.dumps(importlib.util.find_spec('pyexportsample').submodule_search_locations[0]))")
    archive = tmp_path / "deps.zip"
    with zipfile.ZipFile(archive, "w") as written:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                written.write(path, str(path.relative_to(Path(folder).parent)))
    code = f"""
import json, sys
sys.path.insert(0, {str(archive)!r})
try:
    import pyexportsample
    print(json.dumps(["imported", pyexportsample.__file__]))
except ImportError as exc:
    print(json.dumps(["ImportError", str(exc)]))
"""
    result = subprocess.run([str(pyexport_clean), "-I", "-S", "-c", code], env=environment_without_dotnet(),
                            capture_output=True, text=True, timeout=120)
    kind, message = json.loads(result.stdout.splitlines()[-1])
    assert kind == "ImportError" and "imported from inside a zip archive" in message
    assert "install the wheel (pip install) instead of zip-importing it" in message
