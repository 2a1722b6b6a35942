"""Build time against a bare `dotnet publish` of the same project, measured in one run.

    .venv/bin/python benchmarks/build_times.py [--rounds N]

For a raw-only project (csharp_src/samples/PocExports) and a [PyExport] one
(csharp_src/samples/PyExportSample), alternating (AB BA ...) so that a drift in the machine's load
hits both alike: a bare `dotnet publish -p:PublishAot=true -p:NativeLib=Shared` of a fresh copy
(given the attribute sources aotwheel supplies to its own builds), a clean `aotwheel build`, and
`aotwheel build` after a one-line edit of a C# file. Goals (docs/performance.md): clean builds at
most 1.1x (raw-only) and 1.3x ([PyExport]) a bare publish, a one-line edit at most 1.2x.

A bare publish compiles no binding: its library exports nothing Python can call. So each round also
times a bare publish of a copy that compiles the binding in as well (the C# a seed `aotwheel build`
generated, with aotwheel's run-time support, as plain project sources): what the binding itself
costs, apart from what aotwheel's orchestration adds. Writes benchmarks/build_times.json.
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


def bare_publish(project: Path, *extra: str) -> None:
    from aotwheel.attributes import attribute_sources
    from aotwheel.toolchain import dotnet_environment

    for name, data in attribute_sources().items():
        (project / name).write_bytes(data)
    csproj = next(project.glob("*.csproj"))
    result = subprocess.run(["dotnet", "publish", str(csproj), "-c", "Release", "-r", RID, "-p:PublishAot=true",
                             "-p:NativeLib=Shared", "-o", str(project / "publish"), "-nologo", *extra],
                            capture_output=True, text=True, env=dotnet_environment(), stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"bare dotnet publish of {project} failed:\n{result.stdout[-3000:]}")


def with_binding(project: Path, seed: Path) -> Path:
    """*project* with the binding a seed build generated, and aotwheel's run-time support, as its own sources."""
    from aotwheel.compile import GENERATED_SOURCE
    from aotwheel.resources import support_dir

    binding = project / "aotwheel_binding"
    binding.mkdir()
    shutil.copy(next(seed.glob(f"build/pyexport/*/generate/{GENERATED_SOURCE}")), binding / "AotWheel.Generated.cs")
    for source in [*(support_dir() / "PyExport").glob("*.cs"), *(support_dir() / "Runtime").glob("*.cs")]:
        shutil.copy(source, binding / source.name)
    return project


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
        bound: List[float] = []
        clean: List[float] = []
        edit: List[float] = []
        seed = fresh_copy(project, WORK / kind.strip("[]") / "seed")
        log(f"{kind}: seed aotwheel build (untimed), for the binding it generates")
        aotwheel_build(seed)
        steps = ("aotwheel", "bare", "bound")
        for index in range(rounds):
            for step in (steps if index % 2 == 0 else steps[::-1]):
                copy = fresh_copy(project, WORK / kind.strip("[]") / step)
                if step == "bare":
                    log(f"{kind}: bare dotnet publish {index + 1}/{rounds}")
                    bare.append(timed(lambda: bare_publish(copy)))
                elif step == "bound":
                    log(f"{kind}: bare dotnet publish with the binding {index + 1}/{rounds}")
                    with_binding(copy, seed)
                    bound.append(timed(lambda: bare_publish(copy, "-p:AllowUnsafeBlocks=true")))
                else:
                    log(f"{kind}: clean aotwheel build {index + 1}/{rounds}")
                    clean.append(timed(lambda: aotwheel_build(copy)))
                    log(f"{kind}: aotwheel build after a one-line edit {index + 1}/{rounds}")
                    one_line_edit(copy, index)
                    edit.append(timed(lambda: aotwheel_build(copy)))
        base, with_the_binding = statistics.median(bare), statistics.median(bound)
        results[kind] = {
            "bare_publish_s": bare, "bare_publish_with_binding_s": bound, "clean_build_s": clean, "one_line_edit_s": edit,
            "clean_ratio": round(statistics.median(clean) / base, 2), "edit_ratio": round(statistics.median(edit) / base, 2),
            "binding_ratio": round(with_the_binding / base, 2),
            "clean_over_binding": round(statistics.median(clean) / with_the_binding, 2),
            "edit_over_binding": round(statistics.median(edit) / with_the_binding, 2),
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
            log(f"{kind:11} {step:5} {ratio:.2f}x a bare publish (goal <= {goal}x): {'met' if ratio <= goal else 'MISSED'}; "
                f"{figures[f'{step}_over_binding']:.2f}x a bare publish that compiles the binding too")
        log(f"{kind:11} a bare publish with the binding: {figures['binding_ratio']:.2f}x one without")


if __name__ == "__main__":
    main()
