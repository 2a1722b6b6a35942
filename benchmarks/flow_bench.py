"""Instructions per crossing of library-shaped control flow (issue 23), against the nearest Python
equivalent, each net of start-up (the difference of two whole-process runs under callgrind):

  callback  one .NET -> Python -> .NET round trip: Repeat(Action<int>, n) calling a Python function,
            against a Python loop calling the same function n times
  iterator  one item of an IEnumerable<long> pulled by a Python for loop, against a Python generator
  await     one `await` of an async Task<int> in asyncio, against awaiting an asyncio coroutine that
            sleeps 0 (one pass of the event loop)

    .venv/bin/python benchmarks/flow_bench.py WHEEL [--rows callback,iterator,await]

WHEEL is a built LibraryShaped wheel (csharp_src/samples/LibraryShaped); a scratch venv gets it.
Prints one JSON document; docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROWS = {
    # name: (setup, the measured statement run `count` times in one process, the Python equivalent)
    "callback": ("def f(i): pass", "m.repeat(f, {count})", "for i in range({count}): f(i)"),
    "iterator": ("def gen(n):\n    for i in range(n):\n        yield i",
                 "for x in m.numbers({count}): pass", "for x in gen({count}): pass"),
    "await": ("import asyncio\nasync def zero():\n    await asyncio.sleep(0)\n"
              "async def dotnet(n):\n    for i in range(n):\n        await m.delayed_answer(0)\n"
              "async def python(n):\n    for i in range(n):\n        await zero()",
              "asyncio.run(dotnet({count}))", "asyncio.run(python({count}))"),
}


def instructions(python: Path, setup: str, statement: str, count: int, backend: str) -> int:
    code = f"import libraryshaped as m\n{setup}\n{statement.format(count=count)}\n"
    env = {**os.environ, "AOTWHEEL_BACKEND": backend, "DOTNET_GCRegionRange": "40000000"}  # NativeAOT under valgrind
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", str(python), "-c", code],
                       env=env, check=True, capture_output=True)
        for line in output.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def per_item(python: Path, setup: str, statement: str, count: int, backend: str) -> float:
    return (instructions(python, setup, statement, 2 * count, backend)
            - instructions(python, setup, statement, count, backend)) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="flow-bench-"))
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", str(args.wheel)], check=True)
    results = {}
    for row in args.rows.split(","):
        setup, dotnet, equivalent = ROWS[row]
        reference = per_item(python, setup, equivalent, args.count, "native")
        results[row] = {"python": round(reference)}
        for backend in ("native", "ctypes"):
            figure = per_item(python, setup, dotnet, args.count, backend)
            results[row][backend] = round(figure)
            results[row][f"{backend}_ratio"] = round(figure / reference, 1)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
