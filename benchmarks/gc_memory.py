"""Memory per .NET runtime and the cost of bounding it: the figures of docs/reliability.md.

    .venv/bin/python benchmarks/gc_memory.py            # builds 3 wheels, then about 15 minutes
    .venv/bin/python benchmarks/gc_memory.py --quick    # 2 workers instead of 16, no callgrind
    .venv/bin/python benchmarks/gc_memory.py --reuse    # the venv of the last run (no builds)

The GC sizes its gen0 budget from the CPU's L3 cache unless told otherwise, so a runtime's working
set depends on the machine. aotwheel compiles `gc-gen0-size` (16 MiB) into every library; this
measures it against .NET's cache-derived budget (`DOTNET_GCgen0size=0`, which is what every wheel
got before), on this CPU and on an emulated CPU with a 260 MiB L3 cache (the machine of issue 8;
tests/reliability/big_l3_cache.c, loaded with LD_PRELOAD, serves the GC a bigger cache size).

  memory      RSS after 1M small allocating calls per wheel: 1 wheel, 3 wheels in one process, and
              16 worker processes x 3 wheels alive at once (a Spark executor's Python workers).
  throughput  instructions per allocating call (callgrind, deterministic on a shared machine), the
              bounded default against the cache-derived budget on the emulated big-cache CPU; the
              calls are a short greeting and a 1,000-character string echoed (more GCs per call).

Writes benchmarks/gc_memory.json. Scratch files go to benchmarks/.work/gc/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "gc"
PROJECTS = {
    "pyexportsample": REPO / "csharp_src" / "samples" / "PyExportSample",
    "pyexporthazards": REPO / "tests" / "projects" / "PyExportHazards",
    "aotsample_poc": REPO / "csharp_src" / "samples" / "PocExports",
}
SHIM_SOURCE = REPO / "tests" / "reliability" / "big_l3_cache.c"
BIG_L3 = "266240K"  # 260 MiB
# One small allocating call per wheel (each allocates on its own runtime's GC heap).
CALLS = {
    "pyexportsample": "m.greet('Ann')",
    "pyexporthazards": "m.labelled(i, False)",
    "aotsample_poc": "m.markdown_to_html('some *text*', out, 256)",
}
VARIANTS = {"bounded (default)": {}, "cache-derived (DOTNET_GCgen0size=0)": {"DOTNET_GCgen0size": "0"}}

WORKER = """
import importlib, json, sys
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
out = bytearray(256)
before = rss_kib()
for name, call in json.loads(sys.argv[1]).items():
    m = importlib.import_module(name)
    code = compile("for i in range(COUNT):\\n    " + call, name, "exec")
    exec(code, {"m": m, "out": out})
print(json.dumps([before, rss_kib()]), flush=True)
sys.stdin.read()  # stay alive until every worker has reported: their RSS adds up
"""


def build_wheels() -> Dict[str, Path]:
    wheels = {}
    for name, project in PROJECTS.items():
        dist = WORK / f"dist-{name}"
        shutil.rmtree(dist, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "aotwheel", "build", str(project), "-o", str(dist), "--build-dir",
                        str(WORK / f"build-{name}"), "-q"], check=True)
        wheels[name] = next(dist.glob("*.whl"))
    return wheels


def make_venv(wheels: Dict[str, Path]) -> Path:
    folder = WORK / "venv"
    shutil.rmtree(folder, ignore_errors=True)
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", *map(str, wheels.values())], check=True)
    return python


def shim() -> Path:
    compiler = shutil.which("clang") or shutil.which("gcc")
    library = WORK / "big_l3_cache.so"
    subprocess.run([str(compiler), "-shared", "-fPIC", "-O2", "-o", str(library), str(SHIM_SOURCE), "-ldl"], check=True)
    (WORK / "l3").write_text(BIG_L3 + "\n")
    return library


def environment(variables: Dict[str, str], big_cache: bool) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOTNET_", "PYTHON"))}
    env.update(variables)
    if big_cache:
        env.update(LD_PRELOAD=str(WORK / "big_l3_cache.so"), BIG_L3_CACHE_FILE=str(WORK / "l3"))
    return env


def workers_mib(python: Path, names: List[str], processes: int, env: Dict[str, str], count: int) -> Dict[str, float]:
    """RSS of *processes* workers alive at once, each after *count* calls into each of *names*."""
    calls = json.dumps({name: CALLS[name] for name in names})
    code = WORKER.replace("COUNT", str(count))
    children = [subprocess.Popen([str(python), "-c", code, calls], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for _ in range(processes)]
    reports = [json.loads(child.stdout.readline()) for child in children]
    for child in children:
        child.communicate("")
    return {"total_mib": round(sum(after for _, after in reports) / 1024, 1),
            "per_process_mib": round(max(after for _, after in reports) / 1024, 1),
            "python_alone_mib": round(reports[0][0] / 1024, 1)}


def instructions(python: Path, call: str, name: str, count: int, env: Dict[str, str]) -> int:
    """Instructions callgrind counts for a whole process making *count* calls."""
    code = f"import {name} as m\nout = bytearray(256)\nfor i in range({count}):\n    {call}\n"
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "callgrind.out"
        env = {**env, "DOTNET_GCRegionRange": "40000000"}  # else NativeAOT's reservation fails under valgrind
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", str(python), "-c", code],
                       env=env, check=True, capture_output=True)
        for line in output.read_text().splitlines():
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def per_call(python: Path, call: str, name: str, env: Dict[str, str], count: int) -> float:
    # The difference of two runs cancels start-up: what remains is *count* calls.
    return (instructions(python, call, name, 2 * count, env) - instructions(python, call, name, count, env)) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse the venv of the last run")
    parser.add_argument("--memory-only", action="store_true", help="no callgrind figures")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    python = WORK / "venv" / "bin" / "python" if args.reuse else make_venv(build_wheels())
    shim()
    names = list(PROJECTS)
    workers = 2 if args.quick else 16
    results: Dict[str, Any] = {"workers": workers, "memory": {}, "throughput": {}}
    # Every case at once: RSS is each process's own, and the machine is shared and slow.
    cases = {}
    with ThreadPoolExecutor(max_workers=16) as pool:
        for cpu, big in (("this CPU", False), ("260 MiB L3 (emulated)", True)):
            for variant, variables in VARIANTS.items():
                env = environment(variables, big)
                row = f"{cpu}, {variant}"
                cases[row, "1 wheel"] = pool.submit(workers_mib, python, names[:1], 1, env, 1_000_000)
                cases[row, "3 wheels"] = pool.submit(workers_mib, python, names, 1, env, 1_000_000)
                if big:  # the workers case where the budgets differ (on a small cache they are alike)
                    cases[row, f"{workers} x 3 wheels"] = pool.submit(workers_mib, python, names, workers, env, 1_000_000)
        for (row, case), future in cases.items():
            results["memory"].setdefault(row, {})[case] = future.result()
            print(row, case, json.dumps(future.result()), flush=True)
    if not args.quick and not args.memory_only:
        # 2 KiB of .NET string per echo: a collection every 8,000 calls with the bounded gen0.
        calls = {"greet('Ann')": (CALLS["pyexportsample"], 50_000),
                 "echo_string(1,000 characters)": ("m.echo_string('x' * 1000)", 20_000)}
        for label, (call, count) in calls.items():
            figures = {variant: per_call(python, call, "pyexportsample", environment(variables, True), count)
                       for variant, variables in VARIANTS.items()}
            bounded, derived = figures.values()
            results["throughput"][label] = {**figures, "bounded / cache-derived": round(bounded / derived, 3)}
            print(label, json.dumps(results["throughput"][label]), flush=True)
    (BENCH / "gc_memory.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
