"""Every primitive and pointer type of a hand-written export, through a real NativeAOT build."""

from __future__ import annotations

import zipfile

import pytest

from support import call_json

# Raw exports are called through the native backend (the default) and its ctypes fallback.
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

SCALARS = {
    "sbyte": (-128, 127), "byte": (0, 255), "short": (-(2**15), 2**15 - 1), "ushort": (0, 2**16 - 1),
    "int": (-(2**31), 2**31 - 1), "uint": (0, 2**32 - 1), "long": (-(2**63), 2**63 - 1), "ulong": (0, 2**64 - 1),
    "nint": (-(2**63), 2**63 - 1), "nuint": (0, 2**64 - 1),
}


def test_only_entry_points_are_bound(clean_python):
    names = call_json(clean_python, "import typezoo, json; print(json.dumps(typezoo.__all__))")
    assert "echo_int" in names and "span_length" in names
    assert not {"Hidden", "hidden", "Plain", "plain"} & set(names)
    assert len(names) == 29  # 15 scalar functions + 14 pointer functions


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_integer_limits_round_trip_and_one_past_is_refused(clean_python, name):
    low, high = SCALARS[name]
    code = f"""
import typezoo, json
f = typezoo.echo_{name}
errors = []
for bad in ({low - 1}, {high + 1}):
    try:
        f(bad)
    except OverflowError as exc:
        errors.append(str(exc))
print(json.dumps([f({low}), f({high}), errors]))
"""
    got_low, got_high, errors = call_json(clean_python, code)
    assert (got_low, got_high) == (low, high)
    assert len(errors) == 2 and all("'value'" in e for e in errors)


def test_floats(clean_python):
    code = "import typezoo, json; print(json.dumps([typezoo.echo_float(0.1), typezoo.echo_double(0.1), typezoo.echo_double(3)]))"
    as_float, as_double, from_int = call_json(clean_python, code)
    assert as_float == pytest.approx(0.1, rel=1e-7) and as_float != 0.1  # really went through a 32-bit float
    assert as_double == 0.1 and from_int == 3.0


def test_keywords_void_and_state(clean_python):
    code = """
import typezoo, json, inspect
typezoo.bump(); typezoo.bump()
print(json.dumps([typezoo.span_length(from_=2, to=5, lambda_=10), str(inspect.signature(typezoo.span_length)),
                  typezoo.bump(), typezoo.bumps(), typezoo.span_length.__doc__]))
"""
    length, signature, void_result, bumps, doc = call_json(clean_python, code)
    assert length == 30
    assert signature == "(from_: int, to: int, lambda_: int) -> int"
    assert void_result is None and bumps == 3
    assert doc.startswith("Python keywords as parameter names")  # from the C# XML <summary>


def test_pointer_to_every_primitive_with_numpy(numpy_python):
    code = """
import typezoo, numpy as np, json
results = {}
for name, dtype in [("sbytes", np.int8), ("bytes", np.uint8), ("shorts", np.int16), ("ushorts", np.uint16),
                    ("ints", np.int32), ("uints", np.uint32), ("longs", np.int64), ("ulongs", np.uint64),
                    ("nints", np.intp), ("nuints", np.uintp), ("floats", np.float32)]:
    values = np.arange(1, 11, dtype=dtype)
    results[name] = getattr(typezoo, "sum_" + name)(values, values.size)
try:
    typezoo.sum_longs(np.arange(3, dtype=np.float32), 3)
except TypeError as exc:
    results["wrong dtype"] = str(exc)
data = np.arange(4, dtype=np.int64)
typezoo.add_in_place(data, data.size, 100)
results["in place"] = data.tolist()
results["byte_sum"] = typezoo.byte_sum(np.array([1, 2], dtype=np.uint16), 4)
print(json.dumps(results))
"""
    results = call_json(numpy_python, code)
    for name in ("sbytes", "bytes", "shorts", "ushorts", "ints", "uints", "longs", "ulongs", "nints", "nuints", "floats"):
        assert results[name] == 55, name
    assert "'v'" in results["wrong dtype"] and "int64" in results["wrong dtype"] and "float32" in results["wrong dtype"]
    assert results["in place"] == [100, 101, 102, 103]
    assert results["byte_sum"] == 3


def test_strings_for_byte_pointers(clean_python):
    code = """
import typezoo, json
print(json.dumps([typezoo.c_strlen("h\u00e9llo \U0001F600"), typezoo.c_strlen(b"abc"), typezoo.c_strlen(bytearray(b"ab\\0cd"))]))
"""
    assert call_json(clean_python, code) == [len("héllo 😀".encode()), 3, 2]


def test_stub_and_marker_are_shipped(zoo_wheel):
    archive = zipfile.ZipFile(zoo_wheel)
    stub = archive.read("typezoo/__init__.pyi").decode()
    assert "def sum_floats(v: Buffer, n: int) -> float:" in stub
    assert "def c_strlen(text: BytesLike) -> int:" in stub
    assert "typezoo/py.typed" in archive.namelist()
