"""aotwheel benchmarks: one command, a table, benchmarks/results.json and PNG plots beside it.

    .venv/bin/python benchmarks/run.py          # or: make bench    (about 10 minutes)
    .venv/bin/python benchmarks/run.py --quick  # fewer rounds, one build round (a smoke test)
    .venv/bin/python benchmarks/run.py --reuse  # reuse the last run's wheels; build times not measured

Every figure is a ratio of things measured side by side in the same run, on the PoC sample the
tests build (csharp_src/samples/PocExports), and for calls also on the [PyExport] sample
(csharp_src/samples/PyExportSample): the generated binding against floors that no binding can beat.
The machine is shared and noisy, so the variants of a measurement run in one process,
interleaved round by round in rotating order; the tables show the best round of each (other
processes can only add time) and results.json also keeps every sample, medians and per-round ratios.
Start-up figures are medians of fresh processes.

  calls    ns and instructions (callgrind) per call, net of the empty timeit loop, on the native
           backend and on the ctypes fallback of the generated bindings (AOTWHEEL_BACKEND, one
           probe process each): the [PyExport] sample's add_many, echo_string, sum, crunch /
           crunch_holding_gil (GIL released / held) and throw; the raw PoC exports add (GIL held on
           the native backend), add_releasing_gil ([ReleaseGil]), copy_utf8, sum_doubles; for
           comparison, ctypes on the NativeAOT symbols; the floors: the same C functions built by
           gcc (benchmarks/floor.c) through ctypes and through cffi's API mode, and the references
           math.gcd(12, 18), s.encode().decode(), numpy a.sum(). Then the goals (GOALS) and
           whether they are met.
  bulk     a 1e8-element float64 array summed and scaled, a 4096x4096 float32 array incremented:
           C# through the binding (zero-copy) vs the gcc loops vs numpy; GB/s vs memcpy.
  threads  2 Python threads calling a CPU-bound export vs 1, on each backend (one probe process
           each): on the native backend the raw spin ([ReleaseGil]) and [PyExport] crunch release
           the GIL, crunch_holding_gil does not; the ctypes fallback releases it for every call;
           and how long the main thread is blocked while another thread is inside the call (needs
           no idle CPU).
  startup  import time, first call (the .NET runtime starts), steady call; fresh processes; and
           `python -c "import pyexportsample"` minus `python -c pass` on each backend.
  size     wheel and library, default and size-optimised MSBuild settings.
  build    clean `aotwheel build` vs a bare `dotnet publish` of the same project; no-op rebuild.

Scratch files go to benchmarks/.work/ (git-ignored): build folders, project copies, the venv the
built wheel is installed into, the compiled floors (gcc, cffi), callgrind's dumps.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from probes import BACKENDS, CALL_GROUPS, LOOP, call_label, call_rows_in_order, rotated, rows_of, thread_rows_in_order

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
SAMPLE = REPO / "csharp_src" / "samples" / "PocExports"
PYEXPORT_SAMPLE = REPO / "csharp_src" / "samples" / "PyExportSample"
FLOOR_SOURCE = BENCH / "floor.c"
# -falign-loops=64: with gcc's default 16-byte alignment the one-instruction-per-element scale loop
# straddled a 64-byte boundary and ran 2x slower on this CPU than the same loop aligned, which
# would have made the "floor" beatable by luck of code placement.
FLOOR_FLAGS = ["-O2", "-falign-loops=64", "-shared", "-fPIC"]
SYSTEM_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
RID = "linux-x64"
# Set on some of our machines; they slow numpy's OpenBLAS down. Removed only in the children that
# run numpy baselines (see the machine notes), and recorded in results.json.
NUMPY_HOSTILE = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
SIZE_PROPERTIES = {"OptimizationPreference": "Size", "IlcGenerateStackTraceData": "false", "UseSystemResourceKeys": "true"}
PUBLISHED_BRIDGE_MS = 25  # a published shared-memory .NET<->Python bridge, 4096x4096 float32 increment
MARKER_SOURCE = BENCH / "callgrind_marker.c"
# The two loop lengths of the instruction counts: (I(N2) - I(N1)) / (N2 - N1) is one iteration.
CALLGRIND_N1, CALLGRIND_N2 = 1_000, 11_000
# Hex bytes; NativeAOT's default reservation (256 GiB of address space) is more than valgrind allows.
CALLGRIND_GC_REGION_RANGE = "40000000"


class Goal(NamedTuple):
    """A performance goal (issue 11) and the figures that decide it.

    kind "call": the instructions and the ns of call row *subject* over those of row *reference*
    (CALL_ROWS keys), both net of the empty loop or, where given, of row *baseline* (work both
    statements do besides the call and its reference), each case measured in the probe process of
    its backend; "import": ms of `python -c "import pyexportsample"` over `python -c pass` on the case's
    backend (medians of fresh processes); "threads": throughput of 2 threads over 1 thread calling
    threads variant *subject* (best rounds) in the threads probe of the case's backend. Met where
    every figure is within the bound."""

    name: str
    kind: str
    subject: str
    cases: Tuple[Tuple[str, str], ...]  # (what the table calls the case, the backend measured)
    reference: str = ""
    baseline: str = ""
    at_most: Optional[float] = None
    at_least: Optional[float] = None


NATIVE = (("native backend", "native"),)
NATIVE_AND_FALLBACK = NATIVE + (("ctypes fallback", "ctypes"),)
# The raw goals are the native backend's: the ctypes fallback cannot hold the GIL (ctypes.CDLL).
GOALS = (
    Goal("raw add(1, 2), GIL held, vs math.gcd(12, 18)", "call", "raw_add", NATIVE, reference="gcd", at_most=1.5),
    Goal("raw add_releasing_gil(1, 2), GIL released ([ReleaseGil]), vs math.gcd(12, 18)", "call",
         "raw_add_releasing_gil", NATIVE, reference="gcd", at_most=2.5),
    Goal("[PyExport] add_many(1, 2) vs math.gcd(12, 18)", "call", "add_many", NATIVE_AND_FALLBACK,
         reference="gcd", at_most=2.0),
    Goal("[PyExport] echo_string(s), 33 chars, vs s.encode().decode(); the same str every call", "call",
         "echo_string", NATIVE_AND_FALLBACK, reference="encode_decode", at_most=1.5),
    Goal("[PyExport] echo_string(t) vs t.encode().decode(); a fresh str every call, net of making it", "call",
         "fresh_echo_string", NATIVE_AND_FALLBACK, reference="fresh_encode_decode", baseline="fresh_copy", at_most=1.5),
    Goal("[PyExport] sum(a), 1,000 float64, vs numpy a.sum()", "call", "sum", NATIVE_AND_FALLBACK,
         reference="numpy_sum", at_most=0.7),
    *(Goal(f"[PyExport] echo of {what} vs an echo of a float", "call", subject, NATIVE, reference="echo_double",
           at_most=bound)
      for what, subject, bound in (("a naive datetime", "echo_datetime", 10.0), ("a timedelta", "echo_timedelta", 10.0),
                                   ("a date", "echo_date", 10.0), ("a time", "echo_time", 10.0),
                                   ("a UUID", "echo_uuid", 10.0), ("an aware datetime", "echo_aware", 15.0),
                                   ("a Decimal", "echo_decimal", 20.0))),
    Goal("import pyexportsample, over python -c pass", "import", "pyexportsample", NATIVE_AND_FALLBACK, at_most=10.0),
    Goal("[PyExport] crunch (ReleaseGil), 2 threads vs 1: throughput", "threads", "crunch", NATIVE, at_least=1.9),
    Goal("[PyExport] crunch_holding_gil, 2 threads vs 1: does not scale", "threads", "crunch_holding_gil", NATIVE,
         at_most=1.1),
)


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


# -- small helpers ---------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command: Sequence[str], *, what: str, env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None,
        timeout: float = 900) -> subprocess.CompletedProcess:
    """Run *command*; on failure raise BenchError quoting the end of its output."""
    try:
        result = subprocess.run(list(map(str, command)), capture_output=True, text=True, env=env, cwd=cwd,
                                timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise BenchError(f"{what}: {command[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: no result after {timeout:.0f} s") from None
    if result.returncode != 0:
        tail = "\n".join((result.stdout + "\n" + result.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (exit {result.returncode}):\n  $ {' '.join(map(str, command))}\n{tail}")
    return result


def summary(samples: Sequence[float]) -> Dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": list(samples)}


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def copy_project(destination: Path) -> Path:
    """A copy of the PoC sample without build outputs, so builds of it never touch the source tree."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(SAMPLE, destination, ignore=shutil.ignore_patterns("bin", "obj", "build", "dist"))
    return destination


def child_environment(*, numpy_baselines: bool, backend: Optional[str] = None) -> Dict[str, str]:
    """The environment of a measuring child: no PYTHON* variables (the venv sees only its own site),
    AOTWHEEL_BACKEND=*backend* (else unset: the [PyExport] package picks native where it loads),
    and for children that run numpy baselines, none of NUMPY_HOSTILE."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "AOTWHEEL_BACKEND"}
    if backend is not None:
        env["AOTWHEEL_BACKEND"] = backend
    if numpy_baselines:
        for name in NUMPY_HOSTILE:
            env.pop(name, None)
    return env


def dotnet_environment() -> Dict[str, str]:
    env = dict(os.environ)
    for name, value in (("DOTNET_CLI_TELEMETRY_OPTOUT", "1"), ("DOTNET_NOLOGO", "1"),
                        ("DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "1")):
        env.setdefault(name, value)
    return env


def load_average() -> Optional[float]:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


# -- preflight and machine -------------------------------------------------------------------------


def preflight() -> None:
    problems = []
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        problems.append(f"this benchmark is written for linux-x64; this is {platform.system()} {platform.machine()}")
    for tool, hint in (("dotnet", "install the .NET SDK"), ("gcc", "apt-get install gcc"),
                       ("valgrind", "apt-get install valgrind: it counts the instructions of the calls")):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not on PATH ({hint})")
    for module, hint in (("aotwheel", "run `make setup`: the dev venv has aotwheel installed"),
                         ("matplotlib", "the dev venv must see Debian's python3-matplotlib (`make setup`)")):
        try:
            __import__(module)
        except ImportError:
            problems.append(f"{sys.executable} cannot import {module}: {hint}")
    if not Path(SYSTEM_PYTHON).exists():
        problems.append(f"no system Python at {SYSTEM_PYTHON}")
    elif subprocess.run([SYSTEM_PYTHON, "-c", "import cffi"], capture_output=True).returncode != 0:
        problems.append(f"{SYSTEM_PYTHON} cannot import cffi (apt-get install python3-cffi python3-dev)")
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        problems.append("no /usr/include/valgrind/callgrind.h (Debian's valgrind package has it)")
    if problems:
        raise BenchError("cannot run the benchmarks:\n  - " + "\n  - ".join(problems))


def first_line(command: Sequence[str]) -> str:
    try:
        output = subprocess.run(list(command), capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return output.splitlines()[0] if output else "unknown"


def machine_info() -> Dict[str, Any]:
    cpu_model = "unknown"
    caches = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for line in output_lines(["lscpu"]):
        match = re.match(r"(L1d|L2|L3) cache:\s+(.+)", line)
        if match:
            caches[match.group(1)] = match.group(2).strip()
    memory = None
    physical = None
    try:
        import psutil

        memory = psutil.virtual_memory().total
        physical = psutil.cpu_count(logical=False)
    except ImportError:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    git = first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"], capture_output=True, text=True).stdout
    import aotwheel

    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model,
        "logical_cpus": os.cpu_count(),
        "physical_cores": physical,
        "caches": caches,
        "memory_bytes": memory,
        "kernel": platform.release(),
        "os": platform.platform(),
        "python_parent": platform.python_version(),
        "dotnet_sdk": first_line(["dotnet", "--version"]),
        "gcc": first_line(["gcc", "--version"]),
        "aotwheel": aotwheel.__version__,
        "git": f"{git}{' (uncommitted changes)' if dirty.strip() else ''}",
        "load_average_at_start": load_average(),
        "numpy_hostile_env_in_parent": {k: os.environ[k] for k in NUMPY_HOSTILE if k in os.environ},
    }


def output_lines(command: Sequence[str]) -> List[str]:
    try:
        return subprocess.run(list(command), capture_output=True, text=True, timeout=60).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return []


# -- building --------------------------------------------------------------------------------------


def compile_floor(flags: Sequence[str], name: str) -> Path:
    output = WORK / name
    run(["gcc", *flags, "-o", output, FLOOR_SOURCE], what="compiling benchmarks/floor.c with gcc")
    return output


def compile_marker() -> Path:
    output = WORK / "callgrind_marker.so"
    run(["gcc", "-O2", "-shared", "-fPIC", "-o", output, MARKER_SOURCE], what="compiling benchmarks/callgrind_marker.c")
    return output


def build_cffi_floor() -> Path:
    """floor.c as a cffi API-mode extension module (benchmarks/cffi_floor.py), with the floor's
    optimisation flags; returns the folder to import it from."""
    folder = fresh_dir(WORK / "cffi")
    flags = [flag for flag in FLOOR_FLAGS if flag not in ("-shared", "-fPIC")]
    run([SYSTEM_PYTHON, BENCH / "cffi_floor.py", folder, *flags], what="building the cffi API-mode floor")
    return folder


# `aotwheel build`'s progress lines (pytools/builder.py, compile.py), each with the name of the
# phase it ends; the phases are timed by when these lines appear.
BUILD_EVENTS = (
    (re.compile(r"^\[project\] done"), "start-up + project evaluation"),
    (re.compile(r"^dotnet publish "), "input check, sources chosen"),
    (re.compile(r"^\[compile\] done"), "NativeAOT publish with the generate step (or hash check)"),
    (re.compile(r"^\[discover\] done"), "discover exports"),
    (re.compile(r"^\[package\] done"), "generate + write wheel"),
)


def aotwheel_build(project: Path, out: Path, build_dir: Path) -> Dict[str, Any]:
    """Run `aotwheel build` (the dev venv's); return the wheel, the seconds taken and its phases."""
    command = [sys.executable, "-m", "aotwheel", "build", str(project), "-o", str(out), "--build-dir", str(build_dir)]
    started = time.perf_counter()
    lines: List[str] = []
    seen: Dict[str, float] = {}  # phase -> seconds since start when the line ending it appeared
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, errors="replace") as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            for pattern, phase in BUILD_EVENTS:
                if phase not in seen and pattern.search(line):
                    seen[phase] = time.perf_counter() - started
    total = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError(f"aotwheel build {project} failed (exit {process.returncode}):\n" + "\n".join(lines[-25:]))
    wheels = [line.split(": ", 1)[1] for line in lines if line.startswith("Built wheel: ")]
    if len(wheels) != 1:
        raise BenchError(f"aotwheel build {project} printed no single 'Built wheel:' line:\n" + "\n".join(lines))
    phases: Dict[str, float] = {}
    previous = 0.0
    for phase, moment in sorted(seen.items(), key=lambda item: item[1]):
        phases[phase] = moment - previous
        previous = moment
    phases["report + exit"] = total - previous
    return {"wheel": Path(wheels[0]), "seconds": total, "phases": phases}


def bare_publish(project: Path, out: Path) -> Path:
    """`dotnet publish` of *project* (a copy of the sample) as a C# author would run it without aotwheel,
    given the attributes that aotwheel supplies to its own builds (the sample uses [AotWheel.ReleaseGil])."""
    from aotwheel.attributes import attribute_sources

    for name, data in attribute_sources().items():
        (project / name).write_bytes(data)
    csproj = next(project.glob("*.csproj"))
    run(["dotnet", "publish", csproj, "-c", "Release", "-r", RID, "-p:PublishAot=true", "-p:NativeLib=Shared",
         "-o", out, "-nologo"], what="bare dotnet publish", env=dotnet_environment())
    libraries = list(out.glob("*.so"))
    if len(libraries) != 1:
        raise BenchError(f"bare dotnet publish left {len(libraries)} .so files in {out}")
    return libraries[0]


def build_everything(rounds: int) -> Dict[str, Any]:
    """Clean aotwheel builds and bare publishes, alternating (AB BA ...) so that a drift in the
    machine's load hits both alike; then a no-op rebuild and the size-optimised build."""
    clean_builds: List[Dict[str, Any]] = []
    bare_times: List[float] = []
    build_dir = WORK / "build" / "default"
    bare_library: Optional[Path] = None
    for index in range(rounds):
        order = ("aotwheel", "bare") if index % 2 == 0 else ("bare", "aotwheel")
        for kind in order:
            if kind == "aotwheel":
                log(f"clean aotwheel build {index + 1}/{rounds}")
                fresh_dir(build_dir)
                clean_builds.append(aotwheel_build(SAMPLE, fresh_dir(WORK / "dist" / "default"), build_dir))
            else:
                log(f"bare dotnet publish {index + 1}/{rounds}")
                project = copy_project(WORK / "bare" / "src")
                out = fresh_dir(WORK / "bare" / "publish")
                started = time.perf_counter()
                bare_library = bare_publish(project, out)
                bare_times.append(time.perf_counter() - started)
    assert bare_library is not None
    log("[PyExport] sample: clean aotwheel build")
    pyexport = aotwheel_build(PYEXPORT_SAMPLE, fresh_dir(WORK / "dist" / "pyexport"), fresh_dir(WORK / "build" / "pyexport"))
    log("no-op aotwheel rebuild")
    noop = aotwheel_build(SAMPLE, WORK / "dist" / "default", build_dir)

    log("size-optimised aotwheel build")
    size_project = copy_project(WORK / "size" / "src")
    table = ", ".join(f'{k} = "{v}"' for k, v in SIZE_PROPERTIES.items())
    (size_project / "pyproject.toml").write_text(f"[tool.aotwheel]\nmsbuild-properties = {{{table}}}\n")
    size_build = aotwheel_build(size_project, fresh_dir(WORK / "dist" / "size"), fresh_dir(WORK / "build" / "size"))
    best = min(clean_builds, key=lambda b: b["seconds"])
    return {
        "wheel": noop["wheel"], "size_wheel": size_build["wheel"], "bare_library": bare_library,
        "pyexport_wheel": pyexport["wheel"],
        "timings": {
            "measured": True,
            "rounds": rounds,
            "aotwheel_clean_s": summary([b["seconds"] for b in clean_builds]),
            "aotwheel_clean_phases_s": best["phases"],
            "bare_publish_s": summary(bare_times),
            "noop_rebuild_s": noop["seconds"],
            "noop_rebuild_phases_s": noop["phases"],
            "size_optimised_clean_s": size_build["seconds"],
            "pyexport_sample_clean_s": pyexport["seconds"],
            "pyexport_sample_clean_phases_s": pyexport["phases"],
            "bare_command": f"dotnet publish -c Release -r {RID} -p:PublishAot=true -p:NativeLib=Shared (copy of the sample)",
        },
    }


def reuse_builds() -> Dict[str, Any]:
    def one(folder: Path) -> Path:
        wheels = sorted(folder.glob("*.whl"))
        if len(wheels) != 1:
            raise BenchError(f"--reuse: expected one wheel in {folder} from an earlier run; run without --reuse")
        return wheels[0]

    bare = sorted((WORK / "bare" / "publish").glob("*.so"))
    return {
        "wheel": one(WORK / "dist" / "default"), "size_wheel": one(WORK / "dist" / "size"),
        "pyexport_wheel": one(WORK / "dist" / "pyexport"),
        "bare_library": bare[0] if bare else None,
        "timings": {"measured": False, "reason": "--reuse: wheels of an earlier run were reused"},
    }


def wheel_sizes(wheel: Path) -> Dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        libraries = [info for info in archive.infolist() if info.filename.endswith(".so")]
        if len(libraries) != 1:
            raise BenchError(f"{wheel} holds {len(libraries)} native libraries, expected 1")
        info = libraries[0]
        return {"wheel": wheel.name, "wheel_bytes": wheel.stat().st_size, "library": info.filename,
                "library_bytes": info.file_size, "library_compressed_bytes": info.compress_size}


def extract_library(wheel: Path, folder: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".so"))
        target = fresh_dir(folder) / Path(info.filename).name
        target.write_bytes(archive.read(info))
    return target


def make_venv(*wheels: Path) -> Path:
    venv = WORK / "venv"
    if venv.exists():
        shutil.rmtree(venv)
    run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", venv], what="creating the benchmark venv")
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--force-reinstall", *wheels],
        what=f"pip install {' '.join(w.name for w in wheels)}")
    run([python, "-c", "import numpy"], what="importing numpy in the benchmark venv (needs Debian's python3-numpy)",
        env=child_environment(numpy_baselines=True))
    return python


# -- measuring children ----------------------------------------------------------------------------


def probe(python: Path, command: str, *args: str, numpy_baselines: bool, backend: Optional[str] = None,
          timeout: float = 600) -> Dict[str, Any]:
    result = run([python, BENCH / "probes.py", command, *args], what=f"the {command} probe",
                 env=child_environment(numpy_baselines=numpy_baselines, backend=backend), timeout=timeout)
    for line in result.stderr.splitlines():
        log(f"  {command}: {line}")
    return last_json(result, f"the {command} probe")


def last_json(result: subprocess.CompletedProcess, what: str) -> Dict[str, Any]:
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise BenchError(f"{what} printed no JSON:\n{result.stdout}\n{result.stderr}") from None


def callgrind_dumps(folder: Path) -> Dict[str, int]:
    """Instructions of every labelled dump callgrind wrote into *folder*: {label: instructions}.
    A dump made by a client request (CALLGRIND_DUMP_STATS_AT) holds the instructions executed since
    the previous dump, and its header says `desc: Trigger: Client Request: LABEL`."""
    dumps: Dict[str, int] = {}
    for path in sorted(folder.glob("callgrind.out.*")):
        label = total = None
        with path.open() as dump:
            for line in dump:
                if line.startswith("desc: Trigger: Client Request: "):
                    label = line.split(": ", 3)[3].rstrip("\n")
                elif line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
                    break
        if label is None:
            continue  # the final dump at exit, or one valgrind made for another reason
        if total is None:
            raise BenchError(f"{path}: a callgrind dump without totals")
        if label in dumps:
            raise BenchError(f"{folder}: two callgrind dumps labelled {label!r}")
        dumps[label] = total
    return dumps


def count_instructions(python: Path, floor: Path, cffi_folder: Path, marker: Path, backend: str) -> Dict[str, Any]:
    """Instructions per iteration of every call row of *backend*'s probe process, counted by
    callgrind: the probe runs each row's timeit loop N1 and then N2 times in one process, and
    (instructions of the N2 run - those of the N1 run) / (N2 - N1) is one iteration; start-up,
    the warm-up and the marker calls cancel out."""
    folder = fresh_dir(WORK / "callgrind" / backend)
    env = child_environment(numpy_baselines=True, backend=backend)
    # NativeAOT's GC reserves 256 GiB of address space by default, which valgrind refuses; the
    # hash seed fixes the few instructions that depend on string hashes.
    env.update(DOTNET_GCRegionRange=CALLGRIND_GC_REGION_RANGE, PYTHONHASHSEED="0")
    result = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder / 'callgrind.out'}",
                  python, BENCH / "probes.py", "instructions", "--floor", floor, "--cffi", cffi_folder,
                  "--backend", backend, "--marker", marker, "--n1", str(CALLGRIND_N1), "--n2", str(CALLGRIND_N2)],
                 what=f"the instructions probe under callgrind ({backend} backend)", env=env, timeout=3600)
    manifest = last_json(result, f"the instructions probe ({backend} backend)")
    dumps = callgrind_dumps(folder)
    counts = {}
    for key in manifest["rows"]:
        try:
            first, second = dumps[f"{key}|{CALLGRIND_N1}"], dumps[f"{key}|{CALLGRIND_N2}"]
        except KeyError as exc:
            raise BenchError(f"callgrind ({backend} backend) wrote no dump labelled {exc.args[0]!r} in {folder}") from None
        counts[key] = {"instructions_n1": first, "instructions_n2": second,
                       "per_iteration": (second - first) / (CALLGRIND_N2 - CALLGRIND_N1)}
    return {"n1": CALLGRIND_N1, "n2": CALLGRIND_N2, "rows": counts}


def measure_calls(python: Path, floor: Path, cffi_folder: Path, marker: Path, rounds: int) -> Dict[str, Any]:
    """The call probes of both backends (ns, in rounds) and their instruction counts (callgrind),
    merged: one row per (backend of the probe process, CALL_ROWS key), net of the empty loop measured
    in the same process the same way, and divided by its group's reference from the same process."""
    timed, counted = {}, {}
    for backend in BACKENDS:
        log(f"measuring call overhead, {backend} backend: ns")
        timed[backend] = probe(python, "calls", "--floor", str(floor), "--cffi", str(cffi_folder), "--backend", backend,
                               "--rounds", str(rounds), numpy_baselines=True, backend=backend)
    for backend in BACKENDS:
        log(f"measuring call overhead, {backend} backend: instructions (callgrind)")
        counted[backend] = count_instructions(python, floor, cffi_folder, marker, backend)
    rows: Dict[str, Dict[str, Any]] = {}
    loop: Dict[str, Dict[str, float]] = {}
    for backend in BACKENDS:
        times, counts = timed[backend]["rows"], counted[backend]["rows"]
        loop[backend] = {"ns": times[LOOP.key]["min"], "instructions": counts[LOOP.key]["per_iteration"]}
        for row in rows_of(backend)[1:]:
            rows[f"{backend}/{row.key}"] = {
                "key": row.key, "backend": backend, "group": row.group, "label": row.label, "statement": row.statement,
                "ns": times[row.key], "instructions": counts[row.key],
                "ns_net": times[row.key]["min"] - loop[backend]["ns"],
                "instructions_net": counts[row.key]["per_iteration"] - loop[backend]["instructions"],
            }
        for key, entry in rows.items():
            if entry["backend"] != backend:
                continue
            reference = rows[f"{backend}/{CALL_GROUPS[entry['group']][1]}"]
            if reference["ns_net"] <= 0:
                raise BenchError(f"{reference['label']}: {reference['ns_net']:.1f} ns net of the empty loop "
                                 f"({backend} process); the machine was too noisy to measure it")
            entry["vs_reference"] = {"ns": entry["ns_net"] / reference["ns_net"],
                                     "instructions": entry["instructions_net"] / reference["instructions_net"]}
    return {
        "unit": "per call, net of the empty timeit loop (pass) of the same process",
        "rounds": rounds,
        "method": f"ns: best of {rounds} interleaved rounds of calibrated timeit batches, minus the same for "
                  f"`pass`; instructions: callgrind, (I({CALLGRIND_N2}) - I({CALLGRIND_N1})) / "
                  f"{CALLGRIND_N2 - CALLGRIND_N1} iterations of the same timeit loop in one process, minus "
                  f"the same for `pass`; DOTNET_GCRegionRange={CALLGRIND_GC_REGION_RANGE}, PYTHONHASHSEED=0",
        "loop": loop,
        "groups": {name: {"title": title, "reference": reference} for name, (title, reference) in CALL_GROUPS.items()},
        "rows": rows,
        "internals": timed["ctypes"]["internals"],
        "callgrind": {backend: counted[backend] for backend in BACKENDS},
        "environment": timed["native"]["environment"],
    }


def measure_import(python: Path, processes: int) -> Dict[str, Any]:
    """Wall ms of fresh processes `python -c "import pyexportsample"` on each backend and of
    `python -c pass`, in rotating order; the import figure of a backend is the difference of medians."""
    for backend in BACKENDS:
        shown = run([python, "-c", "import pyexportsample._api as api; print(api.BACKEND)"],
                    what=f"importing pyexportsample with AOTWHEEL_BACKEND={backend}",
                    env=child_environment(numpy_baselines=False, backend=backend)).stdout.strip()
        if shown != backend:
            raise BenchError(f"pyexportsample runs on the {shown} backend under AOTWHEEL_BACKEND={backend}")
    commands = {"pass": ("pass", None), **{backend: ("import pyexportsample", backend) for backend in BACKENDS}}
    samples: Dict[str, List[float]] = {name: [] for name in commands}
    for index in range(processes):
        for name in rotated(list(commands), index):
            code, backend = commands[name]
            env = child_environment(numpy_baselines=False, backend=backend)
            started = time.perf_counter()
            run([python, "-c", code], what=f"python -c {code!r} ({name})", env=env, timeout=120)
            samples[name].append((time.perf_counter() - started) * 1e3)
    nothing = statistics.median(samples["pass"])
    return {"processes": processes, "process_ms": {name: summary(ms) for name, ms in samples.items()},
            "import_ms": {backend: statistics.median(samples[backend]) - nothing for backend in BACKENDS}}


def goal_figures(results: Dict[str, Any], goal: Goal, backend: str) -> Dict[str, Any]:
    """The figures of one case of *goal*: {"instructions": ratio or None, "time": ratio, speedup or ms,
    "text": {"instructions": ..., "time": ...}} (see Goal)."""
    if goal.kind == "call":
        rows = results["calls"]["rows"]
        try:
            subject, reference = rows[f"{backend}/{goal.subject}"], rows[f"{backend}/{goal.reference}"]
            baseline = rows[f"{backend}/{goal.baseline}"] if goal.baseline else None
        except KeyError as exc:
            raise BenchError(f"goal {goal.name!r}: no call row {exc.args[0]!r} (see CALL_ROWS in probes.py)") from None
        figures: Dict[str, Any] = {"text": {}}
        for unit, name, suffix in (("instructions_net", "instructions", ""), ("ns_net", "time", " ns")):
            less = baseline[unit] if baseline else 0.0
            top, bottom = subject[unit] - less, reference[unit] - less
            figures[name] = top / bottom
            figures["text"][name] = f"{top / bottom:.2f}× ({top:,.0f} / {bottom:,.0f}{suffix})"
        return figures
    if goal.kind == "import":
        milliseconds = results["startup"]["import"]["import_ms"][backend]
        return {"instructions": None, "time": milliseconds, "text": {"instructions": "-", "time": f"{milliseconds:.1f} ms"}}
    if goal.kind == "threads":
        variant = results["threads"][backend]["variants"][goal.subject]
        speedup = variant["speedup_of_min"]
        return {"instructions": None, "time": speedup,
                "text": {"instructions": "-", "time": f"{speedup:.2f}× (median of rounds {variant['speedup']['median']:.2f}×)"}}
    raise BenchError(f"goal {goal.name!r}: unknown kind {goal.kind!r}")


def evaluate_goals(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One entry per case of every goal of GOALS: its figures, the bound and whether it is met
    ("yes" when every figure is within the bound, "instructions only" or "time only" when one is)."""
    evaluated = []
    for goal in GOALS:
        unit = " ms" if goal.kind == "import" else "×"
        target = " and ".join(([f"≤ {goal.at_most:g}{unit}"] if goal.at_most is not None else [])
                              + ([f"≥ {goal.at_least:g}{unit}"] if goal.at_least is not None else []))
        for case, backend in goal.cases:
            figures = goal_figures(results, goal, backend)
            within = {name: (goal.at_most is None or figures[name] <= goal.at_most)
                      and (goal.at_least is None or figures[name] >= goal.at_least)
                      for name in ("instructions", "time") if figures[name] is not None}
            if all(within.values()):
                met = "yes"
            elif not any(within.values()):
                met = "no"
            else:
                met = "instructions only" if within["instructions"] else "time only"
            evaluated.append({"goal": goal.name, "case": case, "backend": backend, "target": target,
                              "instructions": figures["instructions"], "time": figures["time"],
                              "figures": figures["text"], "met": met})
    return evaluated


def measure_startup(python: Path, floor: Path, processes: int) -> Dict[str, Any]:
    variants = ["binding", "pyexport", "aot", "floor", "ctypes+typing", "empty"]
    samples: Dict[str, List[Dict[str, float]]] = {v: [] for v in variants}
    env = child_environment(numpy_baselines=False)
    for index in range(processes):
        shift = index % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            started = time.perf_counter()
            result = run([python, BENCH / "startup_probe.py", variant, floor], what=f"start-up probe ({variant})",
                         env=env, timeout=120)
            wall = time.perf_counter() - started
            sample = json.loads(result.stdout.strip().splitlines()[-1])
            sample["process_ms"] = wall * 1e3
            samples[variant].append(sample)
    out: Dict[str, Any] = {"processes": processes, "variants": {}}
    for variant, rows in samples.items():
        entry = {}
        for key in ("import_ms", "first_call_us", "steady_call_ns", "process_ms"):
            if key in rows[0]:
                entry[key] = summary([row[key] for row in rows])
        out["variants"][variant] = entry
    return out


# -- report ----------------------------------------------------------------------------------------


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    parts = [title, line(header), "  ".join("-" * w for w in widths), *map(line, rows), *notes]
    return "\n".join(parts)


def ns(value: float) -> str:
    return f"{value:,.0f}"


def x(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.2f}x"


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 1 else f"{value * 1000:.0f} us"


def load(value: Optional[float]) -> str:
    return "unknown" if value is None else f"{value:.1f}"


def mib(value: int) -> str:
    return f"{value / 1048576:.2f} MiB"


def thread_label(name: str, backend: str) -> str:
    """A row of the threads table: what runs, and for the variants whose GIL handling depends on the
    backend, which backend and what it does with the GIL."""
    labels = {
        ("binding", "native"): "C# spin() via the raw binding, native backend ([ReleaseGil])",
        ("binding", "ctypes"): "C# spin() via the raw binding, ctypes fallback (releases the GIL)",
        ("floor", "native"): "gcc spin() via ctypes.CDLL (floor)",
        ("python", "native"): "pure-Python loop",
        ("crunch", "native"): "[PyExport] crunch(), native backend (ReleaseGil)",
        ("crunch", "ctypes"): "[PyExport] crunch(), ctypes fallback",
        ("crunch_holding_gil", "native"): "[PyExport] crunch_holding_gil(), native backend (holds the GIL)",
        ("crunch_holding_gil", "ctypes"): "[PyExport] crunch_holding_gil(), ctypes fallback (releases the GIL)",
    }
    return labels[name, backend]


def goals_table(goals: List[Dict[str, Any]]) -> str:
    """The goals with their measured figures, as a Markdown table (docs/performance.md quotes it)."""
    lines = ["GOALS  instructions and ns of the call over those of its reference, both net of the empty loop",
             "", "| goal | case | target | instructions | time | met |", "|---|---|---|---:|---:|---|"]
    for goal in goals:
        lines.append(f"| {goal['goal']} | {goal['case']} | {goal['target']} | {goal['figures']['instructions']} | "
                     f"{goal['figures']['time']} | {goal['met']} |")
    return "\n".join(lines)


def report(results: Dict[str, Any]) -> str:
    m = results["machine"]
    sections = [
        f"aotwheel benchmarks, {m['date_utc']}: {m['cpu_model']}, {m['logical_cpus']} CPUs, "
        f"{(m['memory_bytes'] or 0) / 2**30:.1f} GiB, Linux {m['kernel']}, Python {results['calls']['environment']['python']}, "
        f"numpy {results['calls']['environment']['numpy']}, .NET SDK {m['dotnet_sdk']}, {m['gcc']}\n"
        f"load average {load(m['load_average_at_start'])} at start, {load(m.get('load_average_at_end'))} at end "
        "(shared machine: variants interleaved round by round; tables show the best round, which interference "
        "can only slow down, except start-up: medians of fresh processes)"
    ]

    calls = results["calls"]
    loop = calls["loop"]
    rows = []
    for group, spec in calls["groups"].items():
        rows.append([spec["title"], "", "", "", ""])
        for entry in call_rows_in_order(calls):
            if entry["group"] != group:
                continue
            rows.append([f"  {call_label(entry)}", ns(entry["ns_net"]), ns(entry["instructions_net"]),
                         x(entry["vs_reference"]["ns"]), x(entry["vs_reference"]["instructions"])])
    def difference(top: str, bottom: str) -> Dict[str, float]:
        return {unit: calls["rows"][top][unit] - calls["rows"][bottom][unit] for unit in ("ns_net", "instructions_net")}

    gil = {backend: difference(f"{backend}/crunch", f"{backend}/crunch_holding_gil") for backend in BACKENDS}
    raw_gil = difference("native/raw_add_releasing_gil", "native/raw_add")
    internals = calls.get("internals", {})
    sections.append(table(
        f"CALLS  per call, net of the empty timeit loop (native process: {ns(loop['native']['ns'])} ns, "
        f"{ns(loop['native']['instructions'])} instructions); ns: best of {calls['rounds']} interleaved rounds; "
        f"instructions: callgrind, (I({CALLGRIND_N2:,}) - I({CALLGRIND_N1:,})) / {CALLGRIND_N2 - CALLGRIND_N1:,}",
        ["call", "ns", "instructions", "ns / ref", "instr. / ref"],
        rows,
        ["rows naming a backend: the generated binding ([PyExport] sample, or raw: the PoC sample) on that "
         "backend, chosen by AOTWHEEL_BACKEND, one probe process per backend (each divided by the reference "
         "measured in its own process); the ctypes fallback releases the GIL for every raw call; "
         "'on the NativeAOT symbol': the PoC library called through ctypes directly; floors: benchmarks/floor.c "
         "built by gcc.",
         "releasing the GIL costs " + "; ".join(
             f"{ns(gil[b]['instructions_net'])} instructions, {ns(gil[b]['ns_net'])} ns ({b} backend)" for b in BACKENDS)
         + ": crunch(0) - crunch_holding_gil(0); raw, native backend: "
         f"{ns(raw_gil['instructions_net'])} instructions, {ns(raw_gil['ns_net'])} ns: "
         "add_releasing_gil(1, 2) - add(1, 2)",
         "binding internals (ns, best, gross; ctypes process): " + ", ".join(f"{k} {ns(v['min'])}" for k, v in internals.items())
         if internals else "binding internals: not measured"],
    ))
    sections.append(goals_table(results["goals"]))

    bulk = results["bulk"]
    memcpy = bulk["memcpy_gb_per_s"]
    rows = []
    titles = {"sum": f"sum {bulk['elements']:.0e} float64", "scale": f"a *= k, {bulk['elements']:.0e} float64",
              "increment": f"+= 1, {bulk['matrix'][0]}x{bulk['matrix'][1]} float32"}
    for op, title in titles.items():
        entry = bulk["operations"][op]
        v, r = entry["variants"], entry["ratios"]
        cell = lambda name: f"{ms(v[name]['ms']['min'])} {v[name]['gb_per_s_at_min']:.1f} GB/s"  # noqa: E731
        rows.append([title, cell("binding"), cell("floor"), cell("numpy"),
                     x(r["binding/floor"]["of_min"]), x(r["binding/numpy"]["of_min"]),
                     f"{v['binding']['gb_per_s_at_min'] / memcpy:.0%}",
                     x(r.get("size_optimised/binding", {}).get("of_min"))])
    copy = bulk["operations"]["memcpy"]["variants"]
    sections.append(table(
        f"BULK  zero-copy numpy arrays, the binding on its {bulk['environment']['package_backend']} backend, "
        f"best of {bulk['rounds']} interleaved rounds "
        "(GB/s = bytes read + written / time)",
        ["operation", "binding (C#)", "ctypes->gcc", "numpy", "binding/gcc", "binding/numpy", "of memcpy",
         "size-opt/default"],
        rows,
        [f"memcpy bandwidth: ctypes.memmove {ms(copy['ctypes.memmove']['ms']['min'])} = {memcpy:.1f} GB/s, "
         f"numpy.copyto {copy['numpy.copyto']['gb_per_s_at_min']:.1f} GB/s ({bulk['elements'] * 8 / 1e6:.0f} MB copied, "
         "counted as read + write); medians are in results.json",
         f"reference, not measured here: a published shared-memory .NET<->Python bridge takes ~{PUBLISHED_BRIDGE_MS} ms "
         f"for the 4096x4096 float32 increment (binding here: {ms(bulk['operations']['increment']['variants']['binding']['ms']['min'])})",
         "code placement: the same C loops built without -falign-loops=64 took "
         + ", ".join(f"{op} {x(bulk['operations'][op]['ratios']['floor_default_align/floor']['of_min'])}"
                     for op in titles if 'floor_default_align/floor' in bulk['operations'][op]['ratios'])
         + " the aligned floor's time; size-opt/default compares two NativeAOT builds of the same C# source",
         f"numpy children ran without {', '.join(NUMPY_HOSTILE)} "
         f"(parent had: {m['numpy_hostile_env_in_parent'] or 'neither set'})"],
    ))

    threads = results["threads"]

    def speedup(backend: str, name: str) -> float:
        return threads[backend]["variants"][name]["speedup_of_min"]

    rows = []
    for name, backend in thread_rows_in_order(threads):
        v = threads[backend]["variants"][name]
        rows.append([thread_label(name, backend), f"{v['one_thread_s']['min']:.3f} s",
                     f"{v['two_threads_s']['min']:.3f} s", x(v["speedup_of_min"]), x(v["speedup"]["median"]),
                     f"{v['two_threads_cpu_per_wall']['max']:.2f}"])
    stalls = []
    for backend in BACKENDS:
        gil = threads[backend]["gil"]
        stalls.append(f"{backend} process, a {gil['binding']['call_ms']['median']:.0f} ms call: " + ", ".join(
            f"{label} {gil[name]['main_thread_stall_ms']['median']:.1f} ms"
            for name, label in (("binding", "raw spin"), ("floor", "ctypes.CDLL gcc"),
                                ("floor_pydll", "ctypes.PyDLL gcc (holds the GIL: control)"),
                                ("crunch", "[PyExport] crunch"),
                                ("crunch_holding_gil", "[PyExport] crunch_holding_gil"))))
    sections.append(table(
        f"PARALLELISM  2 threads vs 1, same work per thread, best of {threads['native']['rounds']} interleaved "
        f"rounds, one probe process per backend ({threads['native']['cpu_count']} CPUs: ideal 2.00x)",
        ["work", "1 thread", "2 threads", "speedup", "median of rounds", "CPUs busy (2 threads, best)"], rows,
        ["raw spin speedup / gcc floor speedup (same process): " + ", ".join(
            f"{speedup(b, 'binding') / speedup(b, 'floor'):.2f} ({b} backend)" for b in BACKENDS)
         + f"; load average during the run {load(m['load_average_at_start'])} -> {load(m.get('load_average_at_end'))} "
         "(other processes compete for the 2 CPUs)",
         "GIL released during the call? main thread stalled (median) while another thread was inside the call: "
         + "; ".join(stalls)],
    ))

    startup = results["startup"]["variants"]
    rows = []
    labels = {"binding": "import the generated package", "pyexport": "import the [PyExport] package (add_many)",
              "aot": "ctypes.CDLL(NativeAOT .so)",
              "floor": "ctypes.CDLL(gcc .so) (floor)", "ctypes+typing": "import ctypes, typing only",
              "empty": "nothing (interpreter only)"}
    for name, label in labels.items():
        v = startup[name]
        first = v.get("first_call_us")
        steady = v.get("steady_call_ns")
        rows.append([label, ms(v["import_ms"]["median"]), ms(first["median"] / 1000) if first else "-",
                     f"{steady['median']:.0f} ns" if steady else "-",
                     f"{first['median'] * 1000 / steady['median']:,.0f}x" if first and steady else "-",
                     ms(v["process_ms"]["median"])])
    imports = results["startup"]["import"]
    sections.append(table(
        f"START-UP  fresh processes, median of {results['startup']['processes']}",
        ["what", "import/load", "first call", "steady call", "first/steady", "process wall"], rows,
        [f"import: binding/floor {startup['binding']['import_ms']['median'] / startup['floor']['import_ms']['median']:.1f}x; "
         f"first call: binding/floor {startup['binding']['first_call_us']['median'] / startup['floor']['first_call_us']['median']:.0f}x "
         "(the generated packages start the NativeAOT runtime at import; a bare ctypes.CDLL of the NativeAOT "
         "library starts it on the first call)",
         f"python -c \"import pyexportsample\" minus python -c pass, medians of {imports['processes']} fresh processes "
         "each: " + ", ".join(f"{imports['import_ms'][b]:.1f} ms ({b} backend)" for b in BACKENDS)
         + f"; python -c pass itself {imports['process_ms']['pass']['median']:.1f} ms"],
    ))

    size = results["size"]
    rows = []
    for name, label in (("default", "default"), ("size_optimised", "size-optimised")):
        v = size[name]
        rows.append([label, mib(v["library_bytes"]), mib(v["library_compressed_bytes"]), mib(v["wheel_bytes"])])
    ratio_library = size["size_optimised"]["library_bytes"] / size["default"]["library_bytes"]
    ratio_wheel = size["size_optimised"]["wheel_bytes"] / size["default"]["wheel_bytes"]
    notes = [f"size-optimised/default: library {ratio_library:.2f}x, wheel {ratio_wheel:.2f}x "
             f"(msbuild-properties {SIZE_PROPERTIES})"]
    if size.get("bare_publish_library_bytes"):
        notes.append(f"bare dotnet publish library (SDK defaults): {mib(size['bare_publish_library_bytes'])}")
    sections.append(table("SIZE", ["build", "library", "library in wheel", "wheel"], rows, notes))

    build = results["build"]
    if build.get("measured"):
        clean = build["aotwheel_clean_s"]["min"]
        bare = build["bare_publish_s"]["min"]
        rows = [
            ["aotwheel build, empty build dir", f"{clean:.1f} s", "1.00x"],
            ["dotnet publish (bare, same project)", f"{bare:.1f} s", x(bare / clean)],
            ["aotwheel build, nothing changed", f"{build['noop_rebuild_s']:.1f} s", x(build["noop_rebuild_s"] / clean)],
            ["aotwheel build, size-optimised, clean", f"{build['size_optimised_clean_s']:.1f} s",
             x(build["size_optimised_clean_s"] / clean)],
        ]
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in build["aotwheel_clean_phases_s"].items())
        noop_phases = ", ".join(f"{k} {v:.1f} s" for k, v in build["noop_rebuild_phases_s"].items())
        sections.append(table(
            f"BUILD  warm NuGet cache, best of {build['rounds']} interleaved clean builds each",
            ["build", "seconds", "vs clean"], rows,
            [f"aotwheel overhead over a bare publish: {clean / bare:.2f}x ({clean - bare:+.1f} s); the NativeAOT publish "
             f"inside the best clean aotwheel build took {build['aotwheel_clean_phases_s'].get('NativeAOT publish (or hash check)', 0):.1f} s",
             f"clean aotwheel build: {phases}",
             f"no-op rebuild: {noop_phases}"],
        ))
    else:
        sections.append(f"BUILD  not measured ({build.get('reason')})")
    return "\n\n".join(sections)


# -- main ------------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and one build round (a smoke test)")
    parser.add_argument("--reuse", action="store_true", help="reuse the wheels of the last run; build times not measured")
    parser.add_argument("--out", type=Path, default=BENCH, help="folder for results.json and the plots (default: benchmarks/)")
    args = parser.parse_args(argv)
    rounds = {"calls": 7, "bulk": 3, "threads": 3, "startup": 5, "import": 7, "build": 1} if args.quick else \
        {"calls": 30, "bulk": 9, "threads": 15, "startup": 15, "import": 21, "build": 3}
    started = time.perf_counter()
    try:
        preflight()
        WORK.mkdir(parents=True, exist_ok=True)
        machine = machine_info()
        log(f"machine: {machine['cpu_model']}, {machine['logical_cpus']} CPUs, load {machine['load_average_at_start']}")
        floor = compile_floor(FLOOR_FLAGS, "floor.so")
        # The same without loop alignment: shows how much the bulk loops depend on code placement.
        floor_default_align = compile_floor([f for f in FLOOR_FLAGS if not f.startswith("-falign")],
                                            "floor-default-align.so")
        built = reuse_builds() if args.reuse else build_everything(rounds["build"])
        python = make_venv(built["wheel"], built["pyexport_wheel"])
        size_library = extract_library(built["size_wheel"], WORK / "size" / "lib")
        marker = compile_marker()
        cffi_folder = build_cffi_floor()
        calls = measure_calls(python, floor, cffi_folder, marker, rounds["calls"])
        log("measuring bulk work")
        bulk = probe(python, "bulk", "--floor", str(floor), "--rounds", str(rounds["bulk"]),
                     "--size-library", str(size_library), "--floor-default-align", str(floor_default_align),
                     numpy_baselines=True)
        bulk["memcpy_gb_per_s"] = bulk["operations"]["memcpy"]["variants"]["ctypes.memmove"]["gb_per_s_at_min"]
        threads = {}
        for backend in BACKENDS:
            log(f"measuring threads, {backend} backend")
            threads[backend] = probe(python, "threads", "--floor", str(floor), "--rounds", str(rounds["threads"]),
                                     "--backend", backend, numpy_baselines=False, backend=backend)
        log("measuring start-up")
        startup = measure_startup(python, floor, rounds["startup"])
        startup["import"] = measure_import(python, rounds["import"])
        size = {"default": wheel_sizes(built["wheel"]), "size_optimised": wheel_sizes(built["size_wheel"]),
                "size_optimised_properties": SIZE_PROPERTIES}
        if built["bare_library"] is not None:
            size["bare_publish_library_bytes"] = built["bare_library"].stat().st_size
        machine["load_average_at_end"] = load_average()
        machine["python_children"] = calls["environment"]["python"]
        machine["numpy"] = calls["environment"]["numpy"]
        results = {
            "schema": 3,
            "command": " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv or sys.argv[1:])]),
            "quick": args.quick,
            "machine": machine,
            "settings": {
                "rounds": rounds,
                "floor_compiler": " ".join(["gcc", *FLOOR_FLAGS]),
                "floor_default_align_compiler": " ".join(["gcc", *(f for f in FLOOR_FLAGS if not f.startswith("-falign"))]),
                "sample": str(SAMPLE.relative_to(REPO)),
                "pyexport_sample": str(PYEXPORT_SAMPLE.relative_to(REPO)),
                "child_environment": "parent environment minus PYTHON* and AOTWHEEL_BACKEND (set per backend "
                                     "where it matters); calls and bulk children also minus " + ", ".join(NUMPY_HOSTILE),
                "cffi_floor": "benchmarks/floor.c through cffi's API mode (benchmarks/cffi_floor.py), "
                              + " ".join(f for f in FLOOR_FLAGS if f not in ("-shared", "-fPIC")),
            },
            "calls": calls, "bulk": bulk, "threads": threads, "startup": startup, "size": size,
            "build": built["timings"],
            "reference": {"published_shared_memory_bridge_4096x4096_float32_increment_ms": PUBLISHED_BRIDGE_MS,
                          "note": "quoted from its publication, not measured here"},
            "total_seconds": None,
        }
        results["goals"] = evaluate_goals(results)
        results["total_seconds"] = time.perf_counter() - started
        text = report(results)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        from plots import write_plots

        plots = write_plots(results, args.out)
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(text)
    print(f"\nwrote {args.out / 'results.json'} and {', '.join(p.name for p in plots)} "
          f"in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
