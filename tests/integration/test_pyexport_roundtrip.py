"""Property-based round trips (hypothesis) of every [PyExport] type through the sample's echo functions."""

from __future__ import annotations

import pytest

from support import call_json

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

PROPERTIES = r'''
import datetime as dt, json, math, struct, traceback
import numpy as np
from hypothesis import given, settings, strategies as st, HealthCheck
import pyexportsample as m

failures = []
run = settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))

def check(name):
    def wrap(test):
        try:
            test()
        except Exception:
            failures.append([name, traceback.format_exc()[-1500:]])
        return test
    return wrap

def ints(bits, signed):
    return st.integers(-(1 << bits - 1), (1 << bits - 1) - 1) if signed else st.integers(0, (1 << bits) - 1)

INTS = {"sbyte": (8, True), "byte": (8, False), "short": (16, True), "ushort": (16, False), "int": (32, True),
        "uint": (32, False), "long": (64, True), "ulong": (64, False), "nint": (64, True), "nuint": (64, False)}
def integer_round_trip(name, bits, signed):
    echo = getattr(m, "echo_" + name)
    @check(name)
    @run
    @given(ints(bits, signed))
    def _(value):
        assert echo(value) == value

for name, (bits, signed) in INTS.items():
    integer_round_trip(name, bits, signed)

def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))

@check("double")
@run
@given(st.floats())
def _(value):
    assert same_float(m.echo_double(value), value)

@check("float")
@run
@given(st.floats(width=32))
def _(value):
    assert same_float(m.echo_float(value), value)

@check("bool")
@run
@given(st.booleans())
def _(value):
    assert m.echo_bool(value) is value

@check("char")
@run
@given(st.characters(max_codepoint=0xFFFF, blacklist_categories=()))
def _(value):
    assert m.echo_char(value) == value

any_text = st.text(st.characters(blacklist_categories=()))  # surrogates included

@check("string")
@run
@given(any_text)
def _(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            m.echo_string(value)
        except ValueError as exc:
            assert "lone surrogate" in str(exc)
        else:
            raise AssertionError("a lone surrogate crossed")
    else:
        assert m.echo_string(value) == value
        assert m.length(value) == len(value.encode("utf-16-le")) // 2

@check("string NUL and astral")
@run
@given(st.text(st.sampled_from(["\0", "a", "é", "😀", "\U0010ffff", "\uffff"])))
def _(value):
    assert m.echo_string(value) == value
    assert m.echo_nullable_string(value) == value

@check("nullable string")
@run
@given(st.none() | st.text())
def _(value):
    assert m.echo_nullable_string(value) == value

@check("enums")
@run
@given(st.sampled_from(list(m.Color)), st.integers(0, 7), st.none() | st.sampled_from(list(m.Color)))
def _(color, flags, maybe):
    assert m.echo_color(color) is color
    assert m.echo_permissions(m.Permissions(flags)) == m.Permissions(flags)
    assert m.echo_nullable_color(maybe) is maybe

@check("bytes")
@run
@given(st.binary())
def _(value):
    assert m.echo_bytes(value) == value
    assert m.echo_bytes(bytearray(value)) == value

def same_array(result, expected, dtype):
    return isinstance(result, np.ndarray) and result.dtype == np.dtype(dtype) and result.tolist() == expected

@check("primitive arrays")
@run
@given(st.lists(st.floats(allow_nan=False)), st.lists(ints(64, True)), st.lists(ints(8, True)), st.lists(ints(16, False)))
def _(doubles, longs, sbytes, ushorts):
    assert same_array(m.echo_doubles(doubles), doubles, "float64")
    assert same_array(m.echo_doubles(np.array(doubles, dtype=np.float64)), doubles, "float64")
    assert same_array(m.echo_longs(longs), longs, "int64")
    assert same_array(m.echo_longs(np.array(longs, dtype=np.int64)), longs, "int64")
    assert same_array(m.echo_sbytes(sbytes), sbytes, "int8")
    assert same_array(m.echo_ushorts(ushorts), ushorts, "uint16")

@check("lists and dicts")
@run
@given(st.lists(st.text()), st.lists(st.floats(allow_nan=False)), st.dictionaries(st.text(), ints(32, True)),
       st.dictionaries(st.text(), st.lists(st.text())))
def _(strings, doubles, counts, nested):
    assert m.echo_strings(strings) == strings
    assert m.echo_string_list(tuple(strings)) == strings
    assert m.echo_read_only_list(doubles) == doubles
    assert m.echo_dict(counts) == counts
    assert m.echo_nested_dict(nested) == nested

@check("nullable and tuples")
@run
@given(st.none() | ints(32, True), ints(32, True), st.text(), st.floats(allow_nan=False))
def _(maybe, a, b, c):
    assert m.echo_nullable_int(maybe) == maybe
    assert m.echo_tuple((a, b, c)) == (a, b, c)

@check("datetime")
@run
@given(st.datetimes(), st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 1, 1),
                                    timezones=st.just(dt.timezone.utc)))
def _(naive, aware):
    assert m.echo_date_time(naive) == naive and m.echo_date_time(naive).tzinfo is None
    assert m.echo_date_time(aware) == aware and m.echo_date_time(aware).tzinfo is dt.timezone.utc

offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)))

@check("datetimeoffset")
@run
@given(st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 1, 1), timezones=offsets))
def _(value):
    result = m.echo_date_time_offset(value)
    assert result == value and result.utcoffset() == value.utcoffset()

@check("timespan and guid")
@run
@given(st.timedeltas(min_value=dt.timedelta(days=-10675198), max_value=dt.timedelta(days=10675198)), st.uuids())
def _(span, guid):
    assert m.echo_time_span(span) == span
    assert m.echo_guid(guid) == guid

@check("records and structs")
@run
@given(st.builds(m.Point, st.floats(allow_nan=False), st.floats(allow_nan=False)),
       st.builds(m.Size, ints(32, True), ints(32, True)),
       st.builds(m.Person, st.text(), ints(32, True), st.lists(st.text()), st.sampled_from(list(m.Color)),
                 st.none() | st.datetimes()))
def _(point, size, person):
    assert m.echo_point(point) == point
    assert m.echo_points([point, point]) == [point, point]
    assert m.echo_size(size) == size
    assert m.echo_person(person) == person

from decimal import Decimal

def dotnet_decimal(parts):
    mantissa, scale, negative = parts
    return Decimal(f"{'-' if negative else ''}{mantissa}E-{scale}")

dotnet_decimals = st.tuples(st.integers(0, 2**96 - 1), st.integers(0, 28), st.booleans()).map(dotnet_decimal)
money = st.decimals(places=2, min_value=-10**12, max_value=10**12)

@check("decimal: every .NET decimal, digit for digit")
@run
@given(dotnet_decimals, st.lists(money | dotnet_decimals, max_size=8))
def _(value, values):
    assert m.echo_decimal(value).as_tuple() == value.as_tuple()
    assert [v.as_tuple() for v in m.echo_decimals(values)] == [v.as_tuple() for v in values]
    if value or not value.is_signed():  # .NET prints a negative zero without its sign
        assert Decimal(m.format_decimal(value)).as_tuple() == value.as_tuple()  # .NET sees the same digits

@check("decimal: any Python Decimal is exact or refused")
@run
@given(st.decimals() | st.integers(-2**100, 2**100))
def _(value):
    try:
        result = m.echo_decimal(value)
    except (ValueError, OverflowError):
        return
    assert result == value and result.is_signed() == (value < 0 or (isinstance(value, Decimal) and value.is_signed()))

@check("DateOnly, TimeOnly")
@run
@given(st.dates(), st.times(), st.none() | st.dates(), st.times(timezones=st.just(dt.timezone.utc)))
def _(day, time, maybe, aware):
    assert m.echo_date_only(day) == day and m.echo_time_only(time) == time
    assert m.echo_nullable_date_only(maybe) == maybe
    assert m.format_date(day) == day.isoformat()
    try:
        m.echo_time_only(aware)
    except ValueError:
        pass
    else:
        raise AssertionError("an aware time crossed")

@check("BigInteger, Int128, UInt128")
@run
@given(st.integers() | st.integers(-2**5000, 2**5000), ints(128, True), ints(128, False), st.integers(-2**130, 2**130))
def _(big, signed, unsigned, any_int):
    assert m.echo_big_integer(big) == big and m.format_big(big) == str(big)
    assert m.echo_int128(signed) == signed and m.echo_uint128(unsigned) == unsigned
    for echo, low, high in ((m.echo_int128, -2**127, 2**127 - 1), (m.echo_uint128, 0, 2**128 - 1)):
        try:
            assert echo(any_int) == any_int
        except OverflowError:
            assert not low <= any_int <= high

@check("Half")
@run
@given(st.floats(width=16), st.floats(), st.lists(st.floats(width=16, allow_nan=False)))
def _(half, anything, halves):
    assert same_float(m.echo_half(half), half)
    try:
        result = m.echo_half(anything)
    except OverflowError:
        assert abs(anything) > 65504
    else:
        assert same_float(result, struct.unpack("<e", struct.pack("<e", anything))[0])
    array = np.array(halves, dtype=np.float16)
    assert m.echo_half_memory(array).tolist() == halves and m.echo_half_list(halves) == halves
    m.double_halves(array)
    assert array.tolist() == [float(np.float16(h * 2)) for h in halves]

@check("business records, tuples and dictionaries")
@run
@given(st.builds(m.InvoiceLine, dotnet_decimals, st.dates(), st.times(), st.integers(), ints(128, True), ints(128, False),
                 st.floats(width=16, allow_nan=False), st.none() | money, st.lists(dotnet_decimals, max_size=4)),
       st.dictionaries(st.text(), money))
def _(line, prices):
    assert m.echo_invoice_line(line) == line
    assert m.echo_prices(prices) == prices
    row = (line.amount, line.due, line.cutoff, line.reference, line.ledger, line.serial, line.weight)
    assert m.echo_business_tuple(row) == row

print(json.dumps(failures))
'''


def test_every_supported_type_round_trips(pyexport_numpy):
    failures = call_json(pyexport_numpy, PROPERTIES)
    assert failures == [], "\n\n".join(f"{name}:\n{trace}" for name, trace in failures)
