"""100,000 `decimal` round trips through [PyExport], against `Decimal(str(x))` in pure Python.

    .venv/bin/python benchmarks/decimals.py                 # builds the [PyExport] sample once (reused after)
    .venv/bin/python benchmarks/decimals.py --python PY     # PY already has pyexportsample installed

Measured in one child process, variants interleaved round by round (best round shown, as in run.py):
  list     one call: echo_decimals(100,000 Decimals) -> 100,000 Decimals (both conversions, .NET in between)
  calls    100,000 calls of echo_decimal(x)
  encode / decode: the Python half of the wire format alone, for the exact ways to take a Decimal
           apart (str() parsing, which _dotnet.py uses, with its checks; as_tuple(); as_integer_ratio();
           scaleb()) and to build one from (mantissa, scale, sign) (scaleb() in a 40-digit context,
           which _dotnet.py uses; a string; a digit tuple); codec read is the decoder used, from wire bytes
  baseline [Decimal(str(x)) for x in values]: the cheapest pure-Python conversion of each value
Results go to benchmarks/decimals.json; figures are ratios to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "decimals"
SAMPLE = REPO / "csharp_src" / "samples" / "PyExportSample"
SYSTEM_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

PROBE = r'''
import decimal, json, random, sys, time
import pyexportsample as m
from pyexportsample import _dotnet as rt

D = decimal.Decimal
COUNT, ROUNDS = int(sys.argv[1]), int(sys.argv[2])
random.seed(14)
# Amounts as business code holds them: up to 12 integer digits, 0-8 decimal places, some negative.
values = [D(random.randrange(-10**12, 10**12)).scaleb(-random.randrange(0, 9)) for _ in range(COUNT)]
exact = decimal.Context(prec=40)
powers = [10**i for i in range(60)]
codec = rt.Decimal()

def as_tuple_parts(d):
    sign, digits, exponent = d.as_tuple()
    return int("".join(map(str, digits))), -exponent, sign
def ratio_parts(d):
    exponent = d.as_tuple().exponent
    n, den = d.as_integer_ratio()
    return abs(n) * (powers[-exponent] // den), -exponent, d.is_signed()
def scaleb_parts(d):
    exponent = d.as_tuple().exponent
    return abs(int(d.scaleb(-exponent, exact))), -exponent, d.is_signed()

parts = [rt._decimal_parts(v, "x") for v in values]
assert parts == [(m_, s, bool(n)) for m_, s, n in map(as_tuple_parts, values)] == [
    (m_, s, bool(n)) for m_, s, n in map(ratio_parts, values)] == [(m_, s, bool(n)) for m_, s, n in map(scaleb_parts, values)]
blob = b"".join(rt._DECIMAL_WIRE.pack(m_ & rt._LOW64, m_ >> 64, s, n) for m_, s, n in parts)

def read_all():
    reader = rt._Reader(blob)
    return [codec.read(reader) for _ in range(COUNT)]
def from_scaleb(item):
    m_, s, n = item
    return D(-m_ if n else m_).scaleb(-s, exact)
def from_string(item):
    m_, s, n = item
    return D(f"{'-' if n else ''}{m_}E-{s}")
def from_tuple(item):
    m_, s, n = item
    return D((n, tuple(map(int, str(m_))), -s))

variants = {
    "baseline": lambda: [D(str(x)) for x in values],
    "list": lambda: m.echo_decimals(values),
    "calls": lambda: [m.echo_decimal(x) for x in values],
    "encode str() (used)": lambda: [rt._decimal_parts(v, "x") for v in values],
    "encode as_tuple()": lambda: list(map(as_tuple_parts, values)),
    "encode as_integer_ratio()": lambda: list(map(ratio_parts, values)),
    "encode scaleb()": lambda: list(map(scaleb_parts, values)),
    "decode scaleb() (used)": lambda: list(map(from_scaleb, parts)),
    "codec read (wire -> Decimal)": read_all,
    "decode string": lambda: list(map(from_string, parts)),
    "decode digit tuple": lambda: list(map(from_tuple, parts)),
}
assert [x.as_tuple() for x in m.echo_decimals(values)] == [x.as_tuple() for x in values]
assert [x.as_tuple() for x in read_all()] == [x.as_tuple() for x in values]
samples = {name: [] for name in variants}
names = list(variants)
for round_index in range(ROUNDS):
    for name in names[round_index % len(names):] + names[:round_index % len(names)]:
        started = time.perf_counter()
        variants[name]()
        samples[name].append(time.perf_counter() - started)
print(json.dumps({"count": COUNT, "rounds": ROUNDS, "seconds": samples}))
'''


def build_python() -> Path:
    """A venv holding the [PyExport] sample (built once into benchmarks/.work/decimals, then reused)."""
    python = WORK / "venv" / "bin" / "python"
    if python.exists():
        return python
    dist = WORK / "dist"
    subprocess.run([sys.executable, "-m", "aotwheel", "build", str(SAMPLE), "-o", str(dist), "--build-dir",
                    str(WORK / "build")], check=True)
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(WORK / "venv")], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", *map(str, dist.glob("*.whl"))],
                   check=True)
    return python


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, help="an interpreter with pyexportsample installed")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    python = args.python or build_python()
    result = subprocess.run([str(python), "-c", PROBE, str(args.count), str(args.rounds)], capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    data = json.loads(result.stdout)
    best = {name: min(seconds) for name, seconds in data["seconds"].items()}
    baseline = best["baseline"]
    print(f"{data['count']:,} decimals, best of {data['rounds']} interleaved rounds")
    print(f"{'variant':<28}{'ns per value':>14}{'x baseline':>12}")
    for name, seconds in best.items():
        print(f"{name:<28}{seconds / data['count'] * 1e9:>14.0f}{seconds / baseline:>12.2f}")
    data["best_ns_per_value"] = {name: seconds / data["count"] * 1e9 for name, seconds in best.items()}
    data["ratio_to_baseline"] = {name: seconds / baseline for name, seconds in best.items()}
    (BENCH / "decimals.json").write_text(json.dumps(data, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
