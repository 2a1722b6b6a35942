"""Property-based fuzzing of the generated API with bad input, in a child process: any crash shows
as a signal exit instead of taking pytest down. Hand-written exports trust a length that comes
with a pointer (the binding cannot know it), so lengths here stay consistent with the buffers;
everything else is arbitrary."""

from __future__ import annotations

import pytest

from support import run_python

pytestmark = pytest.mark.sdk

FUZZ = r'''
import array, math, sys
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
import aotsample_poc as poc, typezoo

REJECTIONS = (TypeError, ValueError, OverflowError)
LIMITS = {"sbyte": (-2**7, 2**7 - 1), "byte": (0, 2**8 - 1), "short": (-2**15, 2**15 - 1), "ushort": (0, 2**16 - 1),
          "int": (-2**31, 2**31 - 1), "uint": (0, 2**32 - 1), "long": (-2**63, 2**63 - 1), "ulong": (0, 2**64 - 1),
          "nint": (-2**63, 2**63 - 1), "nuint": (0, 2**64 - 1)}

dtypes = st.sampled_from([np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
                          np.float16, np.float32, np.float64, np.bool_, np.complex128])

@st.composite
def arrays(draw):
    data = np.zeros(draw(st.integers(0, 12)), dtype=draw(dtypes))
    shape = draw(st.sampled_from(["flat", "strided", "readonly", "2d", "transposed"]))
    if shape == "strided": data = data[::2]
    if shape == "readonly": data.flags.writeable = False
    if shape == "2d": data = data.reshape(1, -1)
    if shape == "transposed": data = np.zeros((3, 4), dtype=data.dtype).T
    return data

anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(), st.binary(), st.complex_numbers(), st.lists(st.integers(), max_size=3),
    st.builds(bytearray, st.binary()), arrays(),
    st.builds(lambda b: memoryview(b).toreadonly(), st.binary()),
    st.sampled_from([object(), array.array("d", [1.0]), array.array("b"), "\ud800", "a\0b", math.nan]),
)

settings.register_profile("fuzz", max_examples=int(sys.argv[1]), deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile("fuzz")

@given(st.sampled_from(sorted(LIMITS)), anything)
def scalar_echo(kind, value):
    low, high = LIMITS[kind]
    try:
        result = getattr(typezoo, "echo_" + kind)(value)
    except REJECTIONS:
        return
    if kind in ("nint", "nuint") and value is None:  # an IntPtr is an address too: None is NULL
        assert result == 0
        return
    assert isinstance(value, (int, np.integer)) and not isinstance(value, float)
    assert low <= int(value) <= high and result == int(value)

@given(st.sampled_from(["float", "double"]), anything)
def float_echo(kind, value):
    try:
        result = getattr(typezoo, "echo_" + kind)(value)
    except REJECTIONS:
        return
    assert isinstance(result, float)

@given(st.sampled_from(["sbytes", "bytes", "shorts", "ushorts", "ints", "uints", "longs", "ulongs", "nints",
                        "nuints", "floats"]), anything)
def pointer_with_zero_length(name, value):
    try:
        getattr(typezoo, "sum_" + name)(value, 0)
    except REJECTIONS:
        pass

@given(anything, anything)
def in_place_with_zero_length(buffer, delta):
    try:
        typezoo.add_in_place(buffer, 0, delta)
    except REJECTIONS:
        pass

# An int for a pointer is an address, as C code (and ctypes) passes one: only 0 (NULL) is fuzzed, as
# any other would be read as C reads it.
@given(st.one_of(st.text(), st.binary(), st.none(), st.just(0), arrays()))
def markdown_input(text):
    out = bytearray(4096)
    try:
        size = poc.markdown_to_html(text, out, len(out))
    except REJECTIONS:
        return
    assert -1 <= size

@given(anything, anything, anything)
def add_anything(a, b, extra):
    try:
        result = poc.add(a, b)
    except REJECTIONS:
        return
    assert result == (int(a) + int(b) + 2**31) % 2**32 - 2**31

for test in (scalar_echo, float_echo, pointer_with_zero_length, in_place_with_zero_length, markdown_input, add_anything):
    test()
print("fuzzed without a crash")
'''


EXAMPLES = [pytest.param(300, id="quick"), pytest.param(5000, id="long", marks=pytest.mark.slow)]


def fuzz_in_child(python, tmp_path, source: str, examples: int) -> None:
    """Run a hypothesis script in its own process: a crash there fails the test instead of the run."""
    script = tmp_path / "fuzz.py"
    script.write_text(source)
    result = run_python(python, f"import sys, runpy; sys.argv = ['fuzz', '{examples}']; "
                        f"runpy.run_path({str(script)!r}, run_name='__main__')", cwd=tmp_path, timeout=900)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    assert "fuzzed without a crash" in result.stdout


@pytest.mark.parametrize("examples", EXAMPLES)
@pytest.mark.usefixtures("backend")
def test_bad_input_never_crashes(numpy_python, tmp_path, examples):
    fuzz_in_child(numpy_python, tmp_path, FUZZ, examples)


BUSINESS_FUZZ = r'''
import datetime as dt, decimal, math, sys
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
import pyexportsample as m

REJECTIONS = (TypeError, ValueError, OverflowError)
settings.register_profile("fuzz", max_examples=int(sys.argv[1]), deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("fuzz")

anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**200, 2**200), st.floats(), st.text(), st.binary(),
    st.decimals(), st.decimals(places=40), st.dates(), st.times(), st.times(timezones=st.just(dt.timezone.utc)),
    st.datetimes(), st.timedeltas(), st.lists(st.decimals() | st.floats() | st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=2), st.decimals() | st.integers(), max_size=2),
    st.tuples(st.decimals(), st.dates(), st.times(), st.integers(), st.integers(), st.integers(), st.floats()),
    st.builds(lambda size, kind: np.zeros(size, dtype=kind), st.integers(0, 5), st.sampled_from([np.float16, np.float32, np.int16])),
    st.sampled_from([decimal.Decimal("sNaN"), decimal.Decimal("-Infinity"), decimal.Decimal("1E+999999999"),
                     decimal.Decimal("1E-999999999"), np.float16(1.5), np.int64(3), object()]),
)
ECHOES = sorted(name for name in dir(m) if name.startswith("echo_") and callable(getattr(m, name)))
BUSINESS = [name for name in ECHOES if any(word in name for word in (
    "decimal", "date", "time", "big", "int128", "uint128", "half", "price", "business", "invoice", "reading"))]
assert len(BUSINESS) >= 30, BUSINESS

@given(st.sampled_from(BUSINESS + ["sum_halves", "double_halves", "net_price", "shift_date", "try_split"]), anything)
def business_echo(name, value):
    try:
        getattr(m, name)(value)
    except REJECTIONS:
        pass

business_echo()
print("fuzzed without a crash")
'''


@pytest.mark.parametrize("examples", EXAMPLES)
def test_bad_business_values_are_python_exceptions(pyexport_numpy, tmp_path, examples):
    fuzz_in_child(pyexport_numpy, tmp_path, BUSINESS_FUZZ, examples)
