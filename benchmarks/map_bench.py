"""`.map` on 10^6 rows: one native call over whole columns against a Python loop of scalar calls
and against the same arithmetic written with numpy/pandas; and 2 threads mapping against 1.

    .venv/bin/python benchmarks/map_bench.py                 # builds the [PyExport] sample (one publish)
    .venv/bin/python benchmarks/map_bench.py --wheel W.whl   # measures an already built sample wheel
    .venv/bin/python benchmarks/map_bench.py --quick         # 10^5 rows, one round (a smoke test)

Functions (csharp_src/samples/PyExportSample/Pricing.cs, Times.cs): `hypot(x, y)` (numeric: two float64
columns), `line_price(order)` (a record of a float, an int, an enum, a string and a double?, from a
DataFrame) and `add_days(value, days)` (a datetime64 column). Goals: .map >= 30x faster than the loop,
and within 2x of numpy/pandas.

Every figure is a ratio of variants measured in one process, interleaved round by round; the best
round of each counts (other processes on a shared machine can only add time). The results go to
benchmarks/map_results.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "map"
SAMPLE = REPO / "csharp_src" / "samples" / "PyExportSample"
SYSTEM_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

MEASURE = r'''
import json, sys, threading, time
import numpy as np, pandas as pd
import pyexportsample as m

rows, rounds = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
x, y = rng.uniform(-1e3, 1e3, rows), rng.uniform(-1e3, 1e3, rows)
discount = rng.uniform(0, 0.5, rows)
discount[rng.random(rows) < 0.3] = np.nan
frame = pd.DataFrame({
    "weight": rng.uniform(0, 40, rows).astype(np.float32), "quantity": rng.integers(0, 100, rows, dtype=np.int32),
    "channel": rng.choice([0, 1, 7], rows).astype(np.uint8), "sku": [f"SKU-{i % 997}" for i in range(rows)],
    "discount": discount,
})
channels = {int(c): c for c in m.Channel}
# a datetime64 column (what pandas and numpy hold dates as), for Times.AddDays
when = (np.datetime64("2001-01-01T00:00:00") + rng.integers(0, 10**9, rows).astype("timedelta64[s]")).astype("datetime64[us]")

def loop_numeric():
    hypot = m.hypot
    return [hypot(a, b) for a, b in zip(x.tolist(), y.tolist())]

def loop_record():
    line_price, order = m.line_price, m.Order
    columns = zip(frame["weight"].tolist(), frame["quantity"].tolist(), frame["channel"].tolist(), frame["sku"].tolist(),
                  frame["discount"].tolist())
    return [line_price(order(w, q, channels[c], s, None if d != d else d)) for w, q, c, s, d in columns]

def loop_datetime():
    add_days = m.add_days
    return [add_days(w, 1.5) for w in when.tolist()]

def pandas_record():
    # the same rule as Pricing.LinePrice, written with pandas (the string column is not used by it)
    gross = frame["quantity"] * 2.5 + frame["weight"].astype(np.float64) * 0.5 + (frame["channel"] == 7)
    return gross * (1.0 - frame["discount"].fillna(0.0))

variants = {
    "numeric .map": lambda: m.hypot.map(x, y),
    "numeric numpy": lambda: np.sqrt(x * x + y * y),
    "numeric loop": loop_numeric,
    "record .map": lambda: m.line_price.map(frame),
    "record pandas": pandas_record,
    "record loop": loop_record,
    "datetime .map": lambda: m.add_days.map(when, 1.5),
    "datetime loop": loop_datetime,
}
assert variants["datetime .map"]()[:1000].astype(object).tolist() == loop_datetime()[:1000]
assert np.allclose(variants["numeric .map"](), variants["numeric numpy"]())
assert np.allclose(variants["record .map"](), pandas_record()) and np.allclose(variants["record .map"](), loop_record())
best = {name: float("inf") for name in variants}
for round_ in range(rounds):
    names = list(variants)
    for name in names[round_ % len(names):] + names[:round_ % len(names)]:
        started = time.perf_counter()
        variants[name]()
        best[name] = min(best[name], time.perf_counter() - started)

# two threads each mapping the same CPU-bound column, against one thread doing both
seeds = np.arange(1.0, 201.0)
def churn():
    m.churn.map(seeds, 20_000)
churn()
one = two = float("inf")
for _ in range(max(rounds, 3)):
    started = time.perf_counter(); churn(); churn(); one = min(one, time.perf_counter() - started)
    threads = [threading.Thread(target=churn) for _ in range(2)]
    started = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    two = min(two, time.perf_counter() - started)
print(json.dumps({"rows": rows, "seconds": best, "threads": {"sequential": one, "two_threads": two}}))
'''


def run(command: list[str], **kwargs: object) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="an already built PyExportSample wheel")
    parser.add_argument("--quick", action="store_true", help="10^5 rows, one round")
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    wheel = options.wheel
    if wheel is None:
        print("building the [PyExport] sample ...", flush=True)
        run([sys.executable, "-m", "aotwheel", "build", str(SAMPLE), "-o", str(WORK / "dist"), "--build-dir", str(WORK / "build")])
        wheel = next((WORK / "dist").glob("pyexportsample-*.whl"))
    venv = WORK / "venv"
    if not (venv / "bin" / "python").exists():
        run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)])  # numpy and pandas from the system
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "-q", "--no-index", "--force-reinstall", "--no-deps", str(wheel)])
    rows, rounds = (100_000, 1) if options.quick else (1_000_000, 3)
    print(f"measuring on {rows:,} rows, best of {rounds} rounds ...", flush=True)
    result = json.loads(run([python, "-c", MEASURE, str(rows), str(rounds)], cwd=str(WORK)).splitlines()[-1])
    seconds = result["seconds"]
    ratios = {}
    for case, baseline in (("numeric", "numpy"), ("record", "pandas")):
        ratios[case] = {
            "loop_over_map": seconds[f"{case} loop"] / seconds[f"{case} .map"],
            f"map_over_{baseline}": seconds[f"{case} .map"] / seconds[f"{case} {baseline}"],
        }
    ratios["datetime"] = {"loop_over_map": seconds["datetime loop"] / seconds["datetime .map"]}
    threads = result["threads"]
    ratios["threads"] = {"two_threads_over_sequential": threads["two_threads"] / threads["sequential"]}
    result["ratios"] = ratios
    loadavg = Path("/proc/loadavg")
    result["load_average"] = float(loadavg.read_text().split()[0]) if loadavg.exists() else None
    print(f"\n{'variant':<16}{'ms':>10}{'ns/row':>10}")
    for name, value in seconds.items():
        print(f"{name:<16}{value * 1e3:>10.1f}{value * 1e9 / rows:>10.1f}")
    for case, baseline in (("numeric", "numpy"), ("record", "pandas")):
        loop, versus = ratios[case]["loop_over_map"], ratios[case][f"map_over_{baseline}"]
        print(f"{case}: .map is {loop:.0f}x faster than the loop (goal >= 30x); "
              f"{versus:.2f}x the time of {baseline} (goal <= 2x)")
    print(f"datetime: .map over a datetime64 column is {ratios['datetime']['loop_over_map']:.0f}x faster than the loop "
          "(goal >= 30x)")
    print(f"threads: 2 threads mapping at once take {ratios['threads']['two_threads_over_sequential']:.2f}x "
          "the time of one thread doing both (0.5 with two idle cores)")
    (BENCH / "map_results.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
