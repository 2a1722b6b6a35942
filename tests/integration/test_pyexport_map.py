""".map: [PyExport] row rules applied to whole columns and DataFrames in one native call (the sample's
Pricing rules), from venvs where the wheel needs no .NET."""

from __future__ import annotations

import json

import pytest

from support import call_json, run_python

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

ORDERS = """
import numpy as np, pandas as pd
import pyexportsample as m

def orders(rows, seed=7):
    rng = np.random.default_rng(seed)
    discount = rng.uniform(0, 0.5, rows)
    discount[rng.random(rows) < 0.3] = np.nan
    frame = pd.DataFrame({
        "weight": rng.uniform(0, 40, rows).astype(np.float32),
        "quantity": rng.integers(0, 100, rows, dtype=np.int32),
        "channel": rng.choice([0, 1, 7], rows).astype(np.uint8),
        "sku": [f"SKU-{i % 997}" + ("é" if i % 11 == 0 else "") for i in range(rows)],
        "discount": discount,
        "unrelated": "ignored",
    })
    frame.index = pd.Index(rng.permutation(rows) * 3 + 5, name="order_id")
    return frame

def scalar_order(row):
    discount = None if np.isnan(row.discount) else float(row.discount)
    return m.Order(float(row.weight), int(row.quantity), m.Channel(int(row.channel)), row.sku, discount)
"""


def test_record_rule_maps_over_200k_rows_keeping_the_index_and_agrees_with_scalar_calls(pyexport_numpy):
    code = ORDERS + """
import json
frame = orders(200_000)
net = m.line_price.map(frame)
scalar = np.array([m.line_price(scalar_order(row)) for row in frame.itertuples()])
quotes = m.quote_for.map(frame)
sample = [m.quote_for(scalar_order(row)) for row in frame.iloc[:2000].itertuples()]
top = quotes.iloc[:2000]
print(json.dumps([
    type(net).__name__, net.index.equals(frame.index), net.index.name, str(net.dtype), bool((net.to_numpy() == scalar).all()),
    type(quotes).__name__, list(quotes.columns), quotes.index.equals(frame.index),
    [q.net for q in sample] == top["net"].tolist(), [q.label for q in sample] == top["label"].tolist(),
    [q.discounted for q in sample] == top["discounted"].tolist(),
    [q.surcharged for q in sample] == top["surcharged"].tolist(), str(quotes["discounted"].dtype),
    sorted({repr(x) for x in top["surcharged"]}),
    bool((m.line_price.map(frame, unit_price=1.0) == m.line_price.map(frame, 1.0)).all()),
]))
"""
    out = call_json(pyexport_numpy, code)
    assert out[:5] == ["Series", True, "order_id", "float64", True]
    assert out[5:8] == ["DataFrame", ["net", "label", "discounted", "surcharged"], True]
    assert out[8:13] == [True, True, True, True, "bool"]
    assert out[13] == ["<Channel.Phone: 7>", "None"]
    assert out[14] is True


def test_arguments_positional_keyword_broadcast_sequences_and_mappings(pyexport_numpy):
    code = """
import json, numpy as np, pandas as pd, datetime as dt, uuid
from decimal import Decimal
import pyexportsample as m
x = np.arange(10.0)
rows = {"weight": [2.0, 4.0], "quantity": (1, 3), "channel": [m.Channel.Web, 7], "sku": ["a", "b"], "discount": [None, 0.5]}
quote = m.quote_for.map(rows)
out = [
    m.hypot.map([3, 5], 4).tolist(), m.hypot.map(x=np.array([3.0]), y=(4,)).tolist(),
    m.hypot.map(x[::3], 0.0).tolist(), m.hypot.map(x[::-4], 0.0).tolist(),
    m.clamp.map(np.array([-5, 50, 500], dtype=np.int16)).tolist(), m.clamp.map([-5, 50, 500], high=10).tolist(),
    m.line_price.map(rows).tolist(), m.line_price.map(rows, unit_price=[1.0, 2.0]).tolist(),
    m.line_price.map(m.Order(2.0, 1, m.Channel.Web, "a", None), [1.0, 2.0]).tolist(),
    type(quote).__name__, sorted(quote), quote["label"].tolist(), quote["surcharged"].tolist(),
    m.label.map(("ab", "é😀"), 2024).tolist(), m.shift.map(list("az")).tolist(), m.is_even.map(range(3)).tolist(),
    m.is_even.map(np.arange(3, dtype=np.int32)).dtype.name, m.clamp.map([]).dtype.name,
    m.later.map([dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)], [None, dt.timedelta(days=1)]).tolist(),
    m.guid_text.map([uuid.UUID(int=255)]).tolist(),
    m.later.map(pd.Series(pd.to_datetime(["2020-01-01", "2021-06-01"])), dt.timedelta(minutes=1)).tolist(),
    m.label.map(["a\\0b", "", "c"], 1).tolist(), m.label.map([], 1).tolist(), m.label.map("x", [1, 2]).tolist(),
    m.net_price.map([Decimal("100"), Decimal("10.5")], rate=Decimal("0.1")).tolist(),
    m.echo_nullable_date_only.map([dt.date(2020, 1, 2), None]).tolist(), m.echo_half.map(np.array([0.5, 2.0], dtype=np.float16)).tolist(),
    m.echo_int128.map([2**100, -1]).tolist(),
]
for call in (lambda: m.hypot.map([1, 2], [1, 2, 3]), lambda: m.line_price.map({"weight": [1.0]}),
             lambda: m.line_price.map(pd.DataFrame({"weight": [1.0], "quantity": [1], "channel": [0], "sku": ["a"], "discount": [0.0]}), [1.0, 2.0]),
             lambda: m.hypot.map(3, 4), lambda: m.hypot.map(np.zeros((2, 2)), 1.0), lambda: m.line_price.map([1, 2]),
             lambda: m.clamp.map([2**63]), lambda: m.clamp.map([1.5]), lambda: m.shift.map(["ab"]), lambda: m.is_even.map([1, "2"])):
    try:
        call()
        out.append(None)
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
print(json.dumps(out, default=str))
"""
    out = call_json(pyexport_numpy, code)
    assert out[:6] == [[5.0, 6.4031242374328485], [5.0], [0.0, 3.0, 6.0, 9.0], [9.0, 5.0, 1.0], [0, 50, 100], [0, 10, 10]]
    # quantity * unit price + weight / 2 (+ 1 by phone), less the discount
    assert out[6:9] == [[3.5, 5.25], [2.0, 4.5], [2.0, 3.0]]
    assert out[9:13] == ["dict", ["discounted", "label", "net", "surcharged"], ["a x1", "b x3"], [None, 7]]
    assert out[13:18] == [["AB-2024", "É😀-2024"], ["b", "{"], [True, False, True], "bool", "int64"]
    assert out[18] == ["2020-01-01 01:00:00", "2020-01-02 00:00:00+00:00"]
    assert out[19] == ["000000000000000000000000000000ff"]
    assert out[20] == ["2020-01-01 00:01:00", "2021-06-01 00:01:00"]
    assert out[21:24] == [["A\0B-1", "-1", "C-1"], [], ["X-1", "X-2"]]  # a NUL inside a string, no rows, broadcast
    # types with a codec cross as wire columns (decimal, DateOnly?, Half, Int128)
    assert out[24:28] == [["90.0", "9.45"], ["2020-01-02", None], [0.5, 2.0], [2**100, -1]]
    errors = out[28:]
    assert errors[0] == ["ValueError", "hypot.map(): the columns have different lengths: hypot.map() argument 'x' has 2, "
                                       "hypot.map() argument 'y' has 3"]
    assert errors[1][0] == "ValueError" and "has no column for the Order field(s) 'quantity', 'channel', 'sku', 'discount'" in errors[1][1]
    assert errors[2] == ["ValueError", "line_price.map(): the columns have different lengths: line_price.map() argument 'order' "
                                       "field 'weight' has 1, line_price.map() argument 'unit_price' has 2"]
    assert errors[3][0] == "TypeError" and "needs at least one column" in errors[3][1]
    assert errors[4] == ["ValueError", "hypot.map() argument 'x' must be 1-D, not an array of shape (2, 2)"]
    assert errors[5][0] == "TypeError" and "must be a pandas DataFrame, a mapping of Order field names" in errors[5][1]
    assert errors[6][0] == "OverflowError" and "clamp.map() argument 'value', row 0" in errors[6][1]
    assert errors[7] == ["TypeError", "clamp.map() argument 'value', row 0 must be int, not float"]
    assert errors[8][0] == "ValueError" and "argument 'c', row 0 must be a 1-character str" in errors[8][1]
    assert errors[9] == ["TypeError", "is_even.map() argument 'value', row 1 must be int, not str"]


def test_nulls_become_null_where_nullable_and_name_column_and_row_elsewhere(pyexport_numpy):
    code = """
import json, numpy as np, pandas as pd
import pyexportsample as m
rows = {"weight": [1.0, 1.0, 1.0, 1.0], "quantity": [1, 1, 1, 1], "channel": [0, 0, 0, 0], "sku": ["a"] * 4,
        "discount": [0.5, None, float("nan"), pd.NA]}
out = [
    m.line_price.map(rows).tolist(),
    m.half_or_null.map([4, None, float("nan"), pd.NA]).tolist(),
    m.half_or_null.map(pd.Series([4, None, 9], dtype="Int64")).tolist(),
    m.half_or_null.map(np.array([4.0, np.nan])).tolist(),
    m.label.map(["a", None, pd.NA, float("nan")], 1).tolist(),
    m.label.map(pd.Series(["a", None], dtype="string"), 1).tolist(),
    [repr(v) for v in m.hypot.map(np.array([np.nan, 3.0]), 4.0)],
    m.later.map(pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"])), [None, pd.NaT]).astype(str).tolist(),
]
for call in (lambda: m.clamp.map([1, None]), lambda: m.clamp.map(np.array([1.0, np.nan])),
             lambda: m.clamp.map(pd.Series([1, pd.NA], dtype="Int64")), lambda: m.label.map(["a", "b"], [2000, None]),
             lambda: m.line_price.map(dict(rows, sku=["a", "b", None, "c"])), lambda: m.label.map(["a", 3], 1),
             lambda: m.later.map(pd.Series(pd.to_datetime(["2020-01-01", None])), None), lambda: m.label.map(["x", "\\ud800"], 1)):
    try:
        call()
        out.append(None)
    except Exception as exc:
        out.append([type(exc).__name__, str(exc)])
print(json.dumps(out))
"""
    out = call_json(pyexport_numpy, code)
    assert out[0] == [1.5, 3.0, 3.0, 3.0]  # (1 x 2.5 + 1 / 2) less a discount of 0.5, then none
    assert out[1:4] == [[2, None, None, None], [2, None, 4], [2, None]]
    assert out[4:6] == [["A-1", None, None, None], ["A-1", None]]
    assert out[6] == ["nan", "5.0"]  # NaN is a value for a plain double
    assert out[7] == ["2020-01-01 01:00:00", "2020-01-02 01:00:00"]
    errors = out[8:]
    assert errors[0] == ["ValueError", "clamp.map() argument 'value', row 1 is None, but the .NET long is not nullable"]
    assert errors[1] == ["ValueError", "clamp.map() argument 'value', row 1 is nan, but the .NET long is not nullable"]
    assert errors[2] == ["ValueError", "clamp.map() argument 'value', row 1 is <NA>, but the .NET long is not nullable"]
    assert errors[3] == ["ValueError", "label.map() argument 'year', row 1 is None, but the .NET int is not nullable"]
    assert errors[4] == ["ValueError", "line_price.map() argument 'order' field 'sku', row 2 is None, but the .NET string is not nullable"]
    assert errors[5] == ["TypeError", "label.map() argument 'code', row 1 must be str, not int"]
    assert errors[6] == ["ValueError", "later.map() argument 'when', row 1 is None, but the .NET DateTime is not nullable"]
    assert errors[7][0] == "ValueError" and errors[7][1].startswith("label.map() argument 'code', row 1: the str has a lone surrogate")


def test_a_dotnet_exception_names_the_row_and_keeps_its_class(pyexport_numpy):
    code = """
import json, pyexportsample as m
rows = {"weight": [1.0] * 3, "quantity": [1, 2, -3], "channel": [0] * 3, "sku": ["a", "b", "c"], "discount": [None] * 3}
try:
    m.line_price.map(rows)
except m.DotNetError as exc:
    scalar = None
    try:
        m.line_price(m.Order(1.0, -3, m.Channel.Web, "c", None))
    except m.DotNetError as one:
        scalar = type(one).__name__
    print(json.dumps([type(exc).__name__, isinstance(exc, ValueError), exc.dotnet_type, str(exc), scalar]))
"""
    name, is_value_error, dotnet_type, text, scalar = call_json(pyexport_numpy, code)
    assert name == scalar and is_value_error and dotnet_type == "System.ArgumentOutOfRangeException"
    assert text.startswith("row 2: the quantity -3 of c is negative")


def test_numeric_columns_reach_dotnet_without_a_copy(pyexport_numpy):
    # The spy sits between the generated .map and the native entry point: it sees the exact
    # addresses .NET is given, and the result proves .NET read them.
    code = """
import json, numpy as np, pandas as pd
import pyexportsample as m
from pyexportsample import _api
plan = next(v for v in vars(_api).values() if getattr(v, "function", "") == "hypot")
made_at_import = plan.entry_point is not None
m.hypot.map([0.0], 0.0)  # its first call makes the ctypes function
native, seen = plan.entry_point, []
def spy(rows, inputs, outputs, failed, error):
    seen.append([(inputs[k].data, inputs[k].step) for k in range(2)])
    return native(rows, inputs, outputs, failed, error)
plan.entry_point = spy
x, series, every_other = np.arange(6.0), pd.Series(np.arange(6.0) * 2), np.arange(12.0)[::2]
frame = pd.DataFrame({"x": np.arange(4.0), "y": np.ones(4)})
results = [m.hypot.map(x, series).tolist(), m.hypot.map(every_other, 0.0).tolist(), m.hypot.map(frame["x"], frame["y"]).tolist()]
plan.entry_point = native
print(json.dumps([made_at_import,
    seen[0] == [(x.ctypes.data, 1), (series.to_numpy().ctypes.data, 1)],
    seen[1][0] == (every_other.ctypes.data, 2), seen[1][1][1],
    seen[2][0][0] == frame["x"].to_numpy().ctypes.data, results,
]))
"""
    made_at_import, same, strided, broadcast_step, frame_column, results = call_json(pyexport_numpy, code)
    assert not made_at_import  # (import time)
    assert same and strided and frame_column and broadcast_step == 0
    assert results[1] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert results[0] == pytest.approx([5 ** 0.5 * i for i in range(6)])


def test_map_releases_the_gil_so_two_threads_are_inside_dotnet_at_once(pyexport_numpy):
    # Deterministic on any machine, one core included: with the GIL held, the second thread could
    # not enter .NET until the first returned. (The speed-up ratio is in benchmarks/map_bench.py.)
    code = """
import json, threading, numpy as np
import pyexportsample as m
seeds = np.arange(1.0, 401.0)
expected = m.overlapping.map(seeds, 20_000)
m.most_at_once()
results = [None, None]
def work(k):
    results[k] = m.overlapping.map(seeds, 20_000)
threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
for thread in threads:
    thread.start()
ticks = 0
while any(t.is_alive() for t in threads):
    ticks += 1  # the main thread runs Python meanwhile
    threads[0].join(0.001)
for thread in threads:
    thread.join()
print(json.dumps([m.most_at_once(), all((r == expected).all() for r in results), ticks > 0]))
"""
    assert call_json(pyexport_numpy, code) == [2, True, True]


def test_numpy_only_for_map_and_pandas_never_imported_unless_given(pyexport_numpy, pyexport_clean):
    code = """
import json, sys, numpy as np
import pyexportsample as m
m.hypot.map(np.arange(3.0), [1, 2, 3]); m.quote_for.map({"weight": [1.0], "quantity": [1], "channel": [0], "sku": ["a"], "discount": [None]})
print(json.dumps("pandas" in sys.modules))
"""
    assert call_json(pyexport_numpy, code) is False
    code = """
import json, pyexportsample as m
try:
    m.hypot.map([1.0], [2.0])
except ImportError as exc:
    print(json.dumps([m.hypot(3.0, 4.0), str(exc)]))
"""
    assert call_json(pyexport_clean, code) == [5.0, ".map needs numpy (the scalar call does not): install numpy"]


def test_map_is_in_help_and_only_on_eligible_functions(pyexport_numpy):
    code = """
import json, inspect, pydoc, pyexportsample as m
print(json.dumps([
    str(inspect.signature(m.line_price.map)), m.line_price.map.__qualname__,
    "line_price.map(...)" in pydoc.render_doc(m.line_price, renderer=pydoc.plaintext),
    "Returns a dict of columns by PriceQuote field" in m.quote_for.map.__doc__,
    [hasattr(getattr(m, name), "map") for name in ("sum", "split", "div_rem", "throw", "most_at_once", "count_words", "distance")],
]))
"""
    signature, qualname, in_help, doc, eligible = call_json(pyexport_numpy, code)
    assert signature == "(order: Any, unit_price: Any = 2.5) -> Any" and qualname == "line_price.map"
    assert in_help and doc
    # spans, lists, out parameters, void, no parameters: no .map; strings and records of numbers: .map
    assert eligible == [False, False, False, False, False, True, True]


def test_dask_process_cluster_maps_a_rule_over_dataframe_partitions(pyexport_numpy, tmp_path):
    script = tmp_path / "dask_map.py"
    script.write_text(ORDERS + """
import json
import dask.dataframe as dd
from dask.distributed import Client, LocalCluster

def rule(part):
    import pyexportsample as m
    return m.line_price.map(part)

if __name__ == "__main__":
    frame = orders(20_000, seed=3)
    expected = m.line_price.map(frame)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        ddf = dd.from_pandas(frame, npartitions=4)
        result = ddf.map_partitions(rule, meta=("line_price", "f8")).compute()
        pids = client.run(lambda: __import__("os").getpid())
    print(json.dumps([result.sort_index().equals(expected.sort_index()), len(result), len(pids)]))
""")
    result = run_python(pyexport_numpy, f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
                        cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, 20_000, 2]


def test_date_columns_cross_as_numpy_dates(pyexport_numpy):
    # datetime64/timedelta64 columns are converted by numpy in one go, and DateTime and TimeSpan
    # results come back as numpy dates, not as one Python object per row.
    code = """
import json, numpy as np, pandas as pd
import pyexportsample as m
micro = np.array(["2020-01-01T00:00:00.123456", "1000-06-15T12:00"], dtype="datetime64[us]")
nano = np.array(["2020-01-01T00:00:00.123456789"], dtype="datetime64[ns]")
days = m.add_days.map(micro, 1.0)
series = pd.Series(pd.to_datetime(["2020-03-01 10:00", "2020-03-02 11:00"]), index=["a", "b"])
aware = pd.Series(pd.to_datetime(["2020-01-01 12:00"]).tz_localize("Europe/Paris"))
elapsed = m.elapsed.map(micro[:1], micro[:1] + np.timedelta64(-1500, "us"))
shifted = m.add_days.map(series, 0.5)
print(json.dumps([
    days.dtype.str, [str(d) for d in days], str(m.add_days.map(nano, 0.0)[0]),
    type(shifted).__name__, list(shifted.index), [str(d) for d in shifted],
    [str(d) for d in m.add_days.map(aware, 1.0)],
    elapsed.dtype.str, int(elapsed[0].astype("int64")),
]))
"""
    out = call_json(pyexport_numpy, code)
    assert out[:3] == ["<M8[us]", ["2020-01-02T00:00:00.123456", "1000-06-16T12:00:00.000000"], "2020-01-01T00:00:00.123456"]
    assert out[3:6] == ["Series", ["a", "b"], ["2020-03-01 22:00:00", "2020-03-02 23:00:00"]]
    assert out[6] == ["2020-01-02 11:00:00+00:00"]  # a tz-aware column reaches .NET as UTC, and comes back so
    assert out[7:] == ["<m8[us]", -1500]


def test_pandas_arguments_with_different_indexes_are_refused_not_paired_by_position(pyexport_numpy):
    code = """
import json, pandas as pd
import pyexportsample as m
x = pd.Series([3.0, 5.0], index=["a", "b"])
y = pd.Series([4.0, 12.0], index=["b", "a"])  # the same labels, in the other order
same = pd.Series([4.0, 12.0], index=pd.Index(["a", "b"]))  # an equal index, another object
out = [m.hypot.map(x, same).tolist(), m.hypot.map(*x.align(y)).tolist(), m.hypot.map(x, y.to_numpy()).tolist()]
try:
    m.hypot.map(x, y)
except ValueError as exc:
    out.append(str(exc))
print(json.dumps(out))
"""
    out = call_json(pyexport_numpy, code)
    # equal indexes; aligned by label (a: 3 and 12, b: 5 and 4); by position on request
    assert out[:3] == [[5.0, 13.0], [12.36931687685298, 6.4031242374328485], [5.0, 13.0]]
    assert out[3].startswith("hypot.map() argument 'y' has another index than hypot.map() argument 'x': .map() pairs "
                             "rows by position")
