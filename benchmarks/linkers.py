"""zig-linked (manylinux2014) against host-linked PoC library: build time and run-time speed.

    .venv/bin/python benchmarks/linkers.py [--rounds N]     # writes benchmarks/linkers.json

Build time: clean `aotwheel build` of csharp_src/samples/PocExports, `--manylinux 2_17` (zig) and
`--manylinux host`, interleaved round by round after one warm-up build of each (NuGet and zig
caches filled); the figure is CPU time (user + system of the build's process tree), which other
processes on a shared machine do not inflate, with wall time beside it.

Run time: both libraries loaded into one process, called through ctypes in interleaved batches;
best batch of each: `add` (call overhead), `scale_doubles` over 1e7 doubles (a bulk kernel),
`spin` (a CPU-bound loop). Under callgrind, when valgrind is installed, the instructions executed
by 10,000 `add` calls and by one scale over 1e6 doubles (each less the same process making neither),
which do not depend on load at all.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Dict, List

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "linkers"
SAMPLE = REPO / "csharp_src" / "samples" / "PocExports"
FLOORS = {"zig": "2_17", "host": "host"}

CALLS = r"""
import ctypes, json, sys, time
libraries = {name: ctypes.CDLL(path) for name, path in json.loads(sys.argv[1]).items()}
values = (ctypes.c_double * 10_000_000)()
best = {name: {"add_ns": 1e9, "scale_gbs": 0.0, "spin_ms": 1e9} for name in libraries}
for name, lib in libraries.items():
    lib.add.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.scale_doubles.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_double]
    lib.spin.argtypes, lib.spin.restype = [ctypes.c_int64], ctypes.c_int64
    lib.add(1, 2); lib.scale_doubles(values, len(values), 1.0); lib.spin(1000)  # runtimes started, pages touched
for _ in range(int(sys.argv[2])):
    for name, lib in libraries.items():
        add = lib.add
        started = time.perf_counter()
        for _ in range(200_000):
            add(2, 3)
        best[name]["add_ns"] = min(best[name]["add_ns"], (time.perf_counter() - started) / 200_000 * 1e9)
        started = time.perf_counter()
        lib.scale_doubles(values, len(values), 1.0000001)
        seconds = time.perf_counter() - started
        best[name]["scale_gbs"] = max(best[name]["scale_gbs"], 2 * 8 * len(values) / seconds / 1e9)
        started = time.perf_counter()
        lib.spin(50_000_000)
        best[name]["spin_ms"] = min(best[name]["spin_ms"], (time.perf_counter() - started) * 1e3)
print(json.dumps(best))
"""

CALLGRIND_BODY = r"""
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.add.argtypes = [ctypes.c_int, ctypes.c_int]
lib.scale_doubles.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_double]
values = (ctypes.c_double * 1_000_000)()
lib.add(1, 2)
if sys.argv[2] == "calls":
    for _ in range(10_000):
        lib.add(2, 3)
elif sys.argv[2] == "bulk":
    lib.scale_doubles(values, len(values), 2.0)
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(linker: str, round_: int) -> Dict[str, float]:
    build_dir = WORK / f"build-{linker}-{round_}"
    out = WORK / f"dist-{linker}"
    shutil.rmtree(build_dir, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    cpu, wall = children_cpu(), time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "aotwheel", "build", str(SAMPLE), "-o", str(out), "--build-dir", str(build_dir),
         "--manylinux", FLOORS[linker], "-q"],
        check=True, stdout=subprocess.DEVNULL,
    )
    return {"cpu_s": children_cpu() - cpu, "wall_s": time.monotonic() - wall}


def library(linker: str) -> Path:
    wheel = next((WORK / f"dist-{linker}").glob("*.whl"))
    folder = WORK / f"lib-{linker}"
    shutil.rmtree(folder, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".so"))
        archive.extract(name, folder)
    return folder / name


def callgrind(path: Path, what: str) -> int | None:
    if shutil.which("valgrind") is None:
        return None
    out = WORK / f"callgrind-{path.parent.parent.name}-{what}.out"
    env = dict(os.environ, DOTNET_GCRegionRange="40000000")  # NativeAOT's reservation, else valgrind refuses
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", CALLGRIND_BODY,
         str(path), what],
        check=True, capture_output=True, env=env,
    )
    summary = next(line for line in out.read_text().splitlines() if line.startswith("summary:"))
    return int(summary.split()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    builds: Dict[str, List[Dict[str, float]]] = {name: [] for name in FLOORS}
    for round_ in range(args.rounds + 1):  # round 0 warms the caches and is not counted
        order = list(FLOORS) if round_ % 2 == 0 else list(reversed(FLOORS))
        for linker in order:
            timing = build(linker, round_)
            print(f"build {linker} round {round_}: {timing['cpu_s']:.1f} s CPU, {timing['wall_s']:.1f} s wall", flush=True)
            if round_:
                builds[linker].append(timing)
    libraries = {name: str(library(name)) for name in FLOORS}
    calls = json.loads(subprocess.run(
        [sys.executable, "-c", CALLS, json.dumps(libraries), "7"], check=True, capture_output=True, text=True
    ).stdout)
    # Each figure less the same process doing neither (start-up, loading, the first call).
    instructions = {}
    for name, path in libraries.items():
        counts = {what: callgrind(Path(path), what) for what in ("none", "calls", "bulk")}
        instructions[name] = {w: counts[w] - counts["none"] for w in ("calls", "bulk")} if counts["none"] else {}
    best_cpu = {name: min(t["cpu_s"] for t in timings) for name, timings in builds.items()}
    ratios = {
        "build_cpu": best_cpu["zig"] / best_cpu["host"],
        "add_ns": calls["zig"]["add_ns"] / calls["host"]["add_ns"],
        "scale_time": calls["host"]["scale_gbs"] / calls["zig"]["scale_gbs"],
        "spin_ms": calls["zig"]["spin_ms"] / calls["host"]["spin_ms"],
    }
    for what in ("calls", "bulk"):
        if instructions["zig"].get(what) and instructions["host"].get(what):
            ratios[f"instructions_{what}"] = instructions["zig"][what] / instructions["host"][what]
    results = {"builds": builds, "calls": calls, "instructions": instructions, "zig_over_host": ratios,
               "load_average": os.getloadavg()[0]}
    (BENCH / "linkers.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, value in ratios.items():
        print(f"zig / host {name}: {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
