"""Build time against a bare `dotnet publish` of the same project, measured in one run.

    .venv/bin/python benchmarks/build_times.py [--rounds N]

For a raw-only project (csharp_src/samples/PocExports) and a [PyExport] one
(csharp_src/samples/PyExportSample), alternating (AB BA ...) so that a drift in the machine's load
hits both alike: a bare `dotnet publish -p:PublishAot=true -p:NativeLib=Shared` of a fresh copy
(given the attribute sources aotwheel supplies to its own builds), a clean `aotwheel build`, and
`aotwheel build` after a one-line edit of a C# file. Goals (docs/performance.md): clean builds at
most 1.1x (raw-only) and 1.3x ([PyExport]) a bare publish, a one-line edit at most 1.2x. Writes
benchmarks/build_times.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = Path("/tmp/aotwheel-build-times")
PROJECTS = {"raw-only": REPO / "csharp_src" / "samples" / "PocExports",
            "[PyExport]": REPO / "csharp_src" / "samples" / "PyExportSample"}
GOALS = {("raw-only", "clean"): 1.1, ("[PyExport]", "clean"): 1.3, ("raw-only", "edit"): 1.2, ("[PyExport]", "edit"): 1.2}
RID = "linux-x64"


def log(line: str) -> None:
    print(line, flush=True)


def fresh_copy(project: Path, where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(project, where, ignore=shutil.ignore_patterns("bin", "obj", "build", "dist"))
    return where


def timed(step: Callable[[], None]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def run(command: List[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"{what} failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def bare_publish(project: Path) -> None:
    from aotwheel.attributes import attribute_sources
    from aotwheel.toolchain import dotnet_environment

    for name, data in attribute_sources().items():
        (project / name).write_bytes(data)
    csproj = next(project.glob("*.csproj"))
    result = subprocess.run(["dotnet", "publish", str(csproj), "-c", "Release", "-r", RID, "-p:PublishAot=true",
                             "-p:NativeLib=Shared", "-o", str(project / "publish"), "-nologo"],
                            capture_output=True, text=True, env=dotnet_environment(), stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"bare dotnet publish of {project} failed:\n{result.stdout[-3000:]}")


def aotwheel_build(project: Path) -> None:
    run([sys.executable, "-m", "aotwheel", "build", str(project), "-q", "-o", str(project / "dist"),
         "--build-dir", str(project / "build")], f"aotwheel build {project}")


def one_line_edit(project: Path, round_number: int) -> None:
    source = sorted(p for p in project.glob("*.cs") if "Attribute" not in p.name)[0]
    with source.open("a") as stream:
        stream.write(f"// edit {round_number}\n")


def measure(rounds: int) -> Dict[str, Any]:
    results: Dict[str, Any] = {}
    for kind, project in PROJECTS.items():
        bare: List[float] = []
        clean: List[float] = []
        edit: List[float] = []
        for index in range(rounds):
            for step in (("aotwheel", "bare") if index % 2 == 0 else ("bare", "aotwheel")):
                copy = fresh_copy(project, WORK / kind.strip("[]") / step)
                if step == "bare":
                    log(f"{kind}: bare dotnet publish {index + 1}/{rounds}")
                    bare.append(timed(lambda: bare_publish(copy)))
                else:
                    log(f"{kind}: clean aotwheel build {index + 1}/{rounds}")
                    clean.append(timed(lambda: aotwheel_build(copy)))
                    log(f"{kind}: aotwheel build after a one-line edit {index + 1}/{rounds}")
                    one_line_edit(copy, index)
                    edit.append(timed(lambda: aotwheel_build(copy)))
        base = statistics.median(bare)
        results[kind] = {
            "bare_publish_s": bare, "clean_build_s": clean, "one_line_edit_s": edit,
            "clean_ratio": round(statistics.median(clean) / base, 2), "edit_ratio": round(statistics.median(edit) / base, 2),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    results = measure(options.rounds)
    (BENCH / "build_times.json").write_text(json.dumps(results, indent=2) + "\n")
    for kind, figures in results.items():
        for step, ratio in (("clean", figures["clean_ratio"]), ("edit", figures["edit_ratio"])):
            goal = GOALS[(kind, step)]
            log(f"{kind:11} {step:5} {ratio:.2f}x a bare publish (goal <= {goal}x): {'met' if ratio <= goal else 'MISSED'}")


if __name__ == "__main__":
    main()
