"""[PyExport] business types (decimal, DateOnly, TimeOnly, BigInteger, Int128/UInt128, Half) in every
position, through the sample's Business class, in the clean venv and in the numpy venv."""

from __future__ import annotations

import pytest

from support import call_json

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

ROUND_TRIPS = r'''
import datetime as dt, inspect, json, sys
from decimal import Decimal as D
import pyexportsample as m

def same(a, b):
    """Equal, of the same type, and for decimals the same digits (scale and sign included)."""
    if isinstance(a, D) or isinstance(b, D):
        return type(a) is type(b) is D and a.as_tuple() == b.as_tuple()
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b

checks = {}
def check(name, got, expected):
    checks[name] = same(got, expected) or f"{got!r} != {expected!r}"

MAX = D("79228162514264337593543950335")
MIN = D("-79228162514264337593543950335")  # not -MAX: unary minus rounds to the context's 28 digits
decimals = [D("1.10"), D("-0"), D("-0.000"), MAX, MIN, D("0.0000000000000000000000000001"), D("7.9228162514264337593543950335"),
            D("123456789.123456789"), D("100"), D("0E-28")]
for i, value in enumerate(decimals):
    check(f"decimal {value}", m.echo_decimal(value), value)
check("decimal from int", m.echo_decimal(-(2**96 - 1)), MIN)
check("decimal exponent form", m.echo_decimal(D("1E+3")), D("1000"))
check("decimal extra trailing zeros trimmed only as needed", m.echo_decimal(D("1." + "0" * 30)), D("1." + "0" * 28))
check(".NET extremes", [m.max_decimal(), m.min_decimal(), m.smallest_decimal(), m.negative_zero()],
      [MAX, MIN, D("1E-28"), D("-0.000")])
check(".NET formats what Python sent", [m.format_decimal(D("1.10")), m.format_decimal(MAX), m.format_decimal(D("-0.5"))],
      ["1.10", str(MAX), "-0.5"])
check(".NET parses what Python reads", m.parse_decimal("-12.3400"), D("-12.3400"))
check("decimal arithmetic in .NET", [m.net_price(D("100")), m.net_price(100, D("0.25")), m.divide_decimals(D(1), D(3)),
                                     m.sum_decimals([D("0.1"), D("0.2")])],
      [D("80.0"), D("75.00"), D("0.3333333333333333333333333333"), D("0.3")])
check("defaults", [str(inspect.signature(f)) for f in (m.net_price, m.round, m.with_trailing_zeros, m.shift_date,
                                                        m.first_day, m.noon, m.format_big)],
      ["(gross: decimal.Decimal, rate: decimal.Decimal = Decimal('0.2')) -> decimal.Decimal",
       "(value: decimal.Decimal, decimals: int = 2, floor: Optional[decimal.Decimal] = None) -> decimal.Decimal",
       "(value: decimal.Decimal = Decimal('1.10')) -> decimal.Decimal",
       "(day: datetime.date, days: int = 1) -> datetime.date",
       "(day: datetime.date = datetime.date(1, 1, 1)) -> datetime.date",
       "(time: datetime.time = datetime.time(0, 0)) -> datetime.time",
       "(value: int, offset: int = 0) -> str"])
check("defaults used", [m.with_trailing_zeros(), m.first_day(), m.noon(), m.round(D("2.345")), m.round(D("-5"), floor=D("-1"))],
      [D("1.10"), dt.date(1, 1, 1), dt.time(12), D("2.34"), D("-1")])

dates = [dt.date.min, dt.date.max, dt.date(2024, 2, 29), dt.date(1970, 1, 1)]
check("dates", [m.echo_date_only(d) for d in dates], dates)
check("date in .NET", [m.format_date(dt.date(2024, 2, 29)), m.shift_date(dt.date(2024, 2, 28)), m.shift_date(dt.date.max, -1)],
      ["2024-02-29", dt.date(2024, 2, 29), dt.date(9999, 12, 30)])
times = [dt.time.min, dt.time.max, dt.time(12, 30, 15, 123456)]
check("times", [m.echo_time_only(t) for t in times], times)
check("time in .NET", [m.format_time(dt.time(1, 2, 3, 4)), m.time_from_ticks(863999999999), m.time_from_ticks(15)],
      ["01:02:03.0000040", dt.time.max, dt.time(0, 0, 0, 1)])

bigs = [0, -1, 1, 255, -256, 2**64, -(2**200) + 7, 10**400]
check("big integers", [m.echo_big_integer(b) for b in bigs], bigs)
check("big integers in .NET", [m.factorial(30), m.format_big(-(10**40)), m.format_big(1, offset=2**70)],
      [265252859812191058636308480000000, str(-(10**40)), str(2**70 + 1)])
check("int128", [m.echo_int128(v) for v in (-(2**127), 2**127 - 1, 0, -1)] + [m.int128_max(), m.square(-(2**62))],
      [-(2**127), 2**127 - 1, 0, -1, 2**127 - 1, 2**124])
check("uint128", [m.echo_uint128(v) for v in (0, 2**128 - 1, 2**64)] + [m.uint128_max()], [0, 2**128 - 1, 2**64, 2**128 - 1])
check("half", [m.echo_half(v) for v in (0.5, -65504.0, 2.0**-24, 0.1)] + [m.half_max(), m.half_of(1e10), m.half_of(-0.0)],
      [0.5, -65504.0, 2.0**-24, 0.0999755859375, 65504.0, float("inf"), -0.0])

check("nullable", [m.echo_nullable_decimal(None), m.echo_nullable_decimal(D("2.50")), m.echo_nullable_date_only(dt.date(2000, 1, 1)),
                   m.echo_nullable_time_only(None), m.echo_nullable_big_integer(-(10**30)), m.echo_nullable_int128(None),
                   m.echo_nullable_uint128(3), m.echo_nullable_half(1.5)],
      [None, D("2.50"), dt.date(2000, 1, 1), None, -(10**30), None, 3, 1.5])
check("collections", [m.echo_decimals([1, D("2.20")]), m.echo_decimal_array((D("-0"),)), m.echo_dates(dates), m.echo_times(times),
                      m.echo_big_integers(bigs), m.echo_int128s([-(2**127)]), m.echo_uint128s([2**128 - 1]),
                      m.echo_half_list([0.25, -2.0]), m.echo_nullable_decimals([None, D("0.10")])],
      [[D("1"), D("2.20")], [D("-0")], dates, times, bigs, [-(2**127)], [2**128 - 1], [0.25, -2.0], [None, D("0.10")]])
check("dictionary values", [m.echo_prices({"a": D("1.0"), "b": MAX}), m.echo_date_values({1: dt.date(2020, 1, 1)}),
                            m.echo_time_values({"t": dt.time(5)}), m.echo_big_values({"b": 10**50}),
                            m.echo_int128_values({"i": -5}), m.echo_uint128_values({"u": 2**100}), m.echo_half_values({"h": 3.0})],
      [{"a": D("1.0"), "b": MAX}, {1: dt.date(2020, 1, 1)}, {"t": dt.time(5)}, {"b": 10**50}, {"i": -5}, {"u": 2**100}, {"h": 3.0}])
row = (D("9.99"), dt.date(2024, 1, 31), dt.time(17, 0, 0, 1), 10**30, -(2**127), 2**128 - 1, 0.5)
check("tuple", m.echo_business_tuple(row), row)
line = m.InvoiceLine(D("9.990"), dt.date(2024, 1, 31), dt.time(17), -(10**40), -1, 2**128 - 1, 1.5, None, [D("1.00"), D("-0")])
check("record", m.echo_invoice_line(line), line)
check("record decimals keep their digits", m.echo_invoice_line(line).installments, [D("1.00"), D("-0")])
reading = m.Reading(0.25, dt.date(2020, 5, 5), dt.time(8), D("3.30"))
check("struct", m.echo_reading(reading), reading)
check("out parameters", [m.try_split(D("12.34")), m.try_parse_decimal("1.2300"), m.try_parse_decimal("x")],
      [(True, 12, 34.0, dt.date(2024, 2, 29), dt.time(23, 59, 59, 999999), -(2**127), 2**128 - 1), (True, D("1.2300")), (False, D("0"))])

check("half buffers from lists", [m.sum_halves([1.0, 2.5]), m.sum_halves(()), [float(x) for x in m.echo_half_memory([0.5, 1.5])]],
      [3.5, 0.0, [0.5, 1.5]])

errors = []
def refused(name, call):
    try:
        call()
    except Exception as exc:
        errors.append([name, type(exc).__name__, str(exc)])
    else:
        errors.append([name, "no error", ""])

refused("float", lambda: m.echo_decimal(0.1))
refused("bool", lambda: m.echo_decimal(True))
refused("str", lambda: m.echo_decimal("1.5"))
refused("nan", lambda: m.echo_decimal(D("NaN")))
refused("infinity", lambda: m.net_price(D(1), rate=D("-Infinity")))
refused("too large", lambda: m.echo_decimal(D("79228162514264337593543950336")))
refused("too large int", lambda: m.echo_decimal(2**96))
refused("too many places", lambda: m.echo_decimal(D("1E-29")))
refused("too many digits", lambda: m.echo_decimal(D("7.9228162514264337593543950336")))
refused("float in a list", lambda: m.echo_decimals([D(1), 2.5]))
refused("aware time", lambda: m.echo_time_only(dt.time(1, tzinfo=dt.timezone.utc)))
refused("datetime for a date", lambda: m.echo_date_only(dt.datetime(2020, 1, 1)))
refused("int128 over", lambda: m.echo_int128(2**127))
refused("uint128 negative", lambda: m.echo_uint128(-1))
refused("big float", lambda: m.echo_big_integer(1.0))
refused("half over", lambda: m.echo_half(1e6))
refused("half list over", lambda: m.sum_halves([1e6]))
refused("half list to a writable span", lambda: m.double_halves([1.0]))
refused(".NET overflow", lambda: m.net_price(MAX, D("-1")))
print(json.dumps([checks, errors]))
'''


@pytest.mark.parametrize("venv", ["pyexport_clean", "pyexport_numpy"])
def test_business_types_round_trip_in_every_position(venv, request):
    checks, errors = call_json(request.getfixturevalue(venv), ROUND_TRIPS)
    assert {name: ok for name, ok in checks.items() if ok is not True} == {}
    by_name = {name: (kind, message) for name, kind, message in errors}
    expected = {
        "float": "TypeError", "bool": "TypeError", "str": "TypeError", "nan": "ValueError", "infinity": "ValueError",
        "too large": "OverflowError", "too large int": "OverflowError", "too many places": "ValueError",
        "too many digits": "ValueError", "float in a list": "TypeError", "aware time": "ValueError",
        "datetime for a date": "TypeError", "int128 over": "OverflowError", "uint128 negative": "OverflowError",
        "big float": "TypeError", "half over": "OverflowError", "half list over": "OverflowError",
        "half list to a writable span": "TypeError", ".NET overflow": "DotNetOverflowError",
    }
    assert {name: kind for name, (kind, _) in by_name.items()} == expected
    assert by_name["float"][1].startswith("echo_decimal() argument 'value' must be decimal.Decimal or int, not float")
    assert "silently change the amount" in by_name["float"][1]
    assert by_name["infinity"][1].startswith("net_price() argument 'rate' = -Infinity")
    assert "echo_decimal() argument 'value' = 1E-29 has 29 decimal places" in by_name["too many places"][1]
    assert by_name["float in a list"][1].startswith("echo_decimals() argument 'values'[1] must be decimal.Decimal")
    assert "a .NET TimeOnly has no time zone" in by_name["aware time"][1]
    assert "echo_int128() argument 'value' = 170141183460469231731687303715884105728 is out of range" in by_name["int128 over"][1]
    assert "echo_half() argument 'value' = 1000000.0 is out of range for a .NET Half" in by_name["half over"][1]


def test_half_spans_are_zero_copy_numpy_float16(pyexport_numpy):
    code = """
import json
import numpy as np
import pyexportsample as m
values = np.array([1.0, -2.5, 65504.0 / 4], dtype=np.float16)
address = values.ctypes.data
m.double_halves(values)
readonly = np.arange(4, dtype=np.float16)
readonly.flags.writeable = False
out = [values.tolist(), values.ctypes.data == address, m.sum_halves(readonly), m.sum_halves(np.zeros(0, np.float16))]
result = m.half_range(3)
out += [type(result).__name__, str(result.dtype), result.tolist(), str(m.echo_half_memory(values).dtype)]
for bad in (lambda: m.sum_halves(np.zeros(3, np.float32)), lambda: m.double_halves(np.zeros(6, np.float16)[::2]),
            lambda: m.double_halves(readonly)):
    try:
        bad()
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
print(json.dumps(out))
"""
    out = call_json(pyexport_numpy, code)
    assert out[:4] == [[2.0, -5.0, 32752.0], True, 6.0, 0.0]
    assert out[4:8] == ["ndarray", "float16", [0.0, 1.0, 2.0], "float16"]
    assert [e[0] for e in out[8:]] == ["TypeError", "ValueError", "TypeError"]
    assert "buffer of float16, got items of float32" in out[8][1]


def test_business_types_on_exported_classes(pyexport_clean):
    code = """
import datetime as dt, inspect, json
from decimal import Decimal as D
import pyexportsample as m
with m.Account() as empty, m.Account(D("10.50"), dt.date(2020, 2, 29)) as account:
    out = [str(inspect.signature(m.Account)), str(empty.balance), str(empty.opened), str(account.deposit(D("0.25"))),
           str(account.balance), str(account.opened), account.last_movement]
    account.balance = 7
    account.last_movement = dt.time(9, 30)
    out += [str(account.balance), str(account.last_movement)]
    for bad in (lambda: setattr(account, "balance", 1.5), lambda: account.deposit(D("-1"))):
        try:
            bad()
        except Exception as exc:
            out.append([type(exc).__name__, str(exc).splitlines()[0]])
print(json.dumps(out))
"""
    out = call_json(pyexport_clean, code)
    assert out[:7] == ["(opening: decimal.Decimal = Decimal('0.00'), opened: Optional[datetime.date] = None) -> None", "0.00",
                       "2000-01-01", "10.75", "10.75", "2020-02-29", None]
    assert out[7:9] == ["7", "09:30:00"]
    assert out[9][0] == "TypeError" and out[9][1].startswith("Account.balance value must be decimal.Decimal or int, not float")
    assert out[10][0] == "DotNetValueError" and "a deposit must be positive" in out[10][1]


def test_pandas_timestamps_and_timedeltas_are_datetimes_and_timedeltas(pyexport_numpy):
    # pandas' arithmetic stops at its nanosecond range (1677-2262), so a Timestamp is read by its
    # fields; df.apply hands each row's values to the scalar call as Timestamps.
    code = r'''
import datetime as dt, json
import pandas as pd
import pyexportsample as m
when = pd.Timestamp("2024-01-02 03:04:05.123456789")
aware = pd.Timestamp("2024-01-02 03:04:05.5", tz="Europe/Paris")
frame = pd.DataFrame({"when": pd.to_datetime(["2020-02-28", "1999-12-31 23:00"])})
print(json.dumps([
    m.echo_date_time(when).isoformat(),
    m.echo_date_time_offset(aware).isoformat(),
    m.echo_date_time(aware).isoformat(),
    m.echo_time_span(pd.Timedelta(days=2, microseconds=7, nanoseconds=900)) == dt.timedelta(days=2, microseconds=7),
    [d.isoformat() for d in frame.apply(lambda row: m.add_days(row.when, 1.0), axis=1)],
]))
'''
    assert call_json(pyexport_numpy, code) == [
        "2024-01-02T03:04:05.123456", "2024-01-02T03:04:05.500000+01:00", "2024-01-02T02:04:05.500000+00:00", True,
        ["2020-02-29T00:00:00", "2000-01-01T23:00:00"],
    ]
