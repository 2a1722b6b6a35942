"""The pure helpers of benchmarks/run.py: reading callgrind's labelled dumps, deciding the goals."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # run.py imports probes.py by its plain name, as when run as a script
    try:
        spec = importlib.util.spec_from_file_location("aotwheel_bench_run", BENCH / "run.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def write_dump(path: Path, trigger: str, total: int) -> None:
    path.write_text(f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 7\ncmd:  python probes.py\n"
                    f"part: 1\n\ndesc: I1 cache: \ndesc: Timerange: Basic block 0 - 9\ndesc: Trigger: {trigger}\n\n"
                    f"positions: line\nevents: Ir\nsummary: {total}\n\n\nfn=(1) main\n0 {total}\n\ntotals: {total}\n")


def test_callgrind_dumps_reads_the_labelled_dumps_and_skips_the_final_one(bench, tmp_path: Path) -> None:
    write_dump(tmp_path / "callgrind.out.1", "Client Request: add|warm-up", 5_000_000)
    write_dump(tmp_path / "callgrind.out.2", "Client Request: add|1000", 400_000)
    write_dump(tmp_path / "callgrind.out.3", "Client Request: add|11000", 4_300_000)
    write_dump(tmp_path / "callgrind.out", "Program termination", 9_000_000)
    assert bench.callgrind_dumps(tmp_path) == {"add|warm-up": 5_000_000, "add|1000": 400_000, "add|11000": 4_300_000}


def test_callgrind_dumps_refuses_a_label_seen_twice(bench, tmp_path: Path) -> None:
    write_dump(tmp_path / "callgrind.out.1", "Client Request: add|1000", 1)
    write_dump(tmp_path / "callgrind.out.2", "Client Request: add|1000", 2)
    with pytest.raises(bench.BenchError, match="two callgrind dumps labelled 'add|1000'"):
        bench.callgrind_dumps(tmp_path)


def row(instructions: float, ns: float) -> dict:
    return {"instructions_net": instructions, "ns_net": ns}


def test_call_goals_divide_net_figures_and_name_what_is_met(bench, monkeypatch: pytest.MonkeyPatch) -> None:
    goals = (
        bench.Goal("add", "call", "add_many", (("native backend", "native"),), reference="gcd", at_most=2.0),
        bench.Goal("fresh", "call", "echo", (("native backend", "native"),), reference="encode", baseline="copy",
                   at_most=1.5),
    )
    monkeypatch.setattr(bench, "GOALS", goals)
    rows = {"native/gcd": row(300, 20), "native/add_many": row(660, 39),  # 2.2x instructions, 1.95x ns
            "native/encode": row(4000, 500), "native/echo": row(5000, 650), "native/copy": row(1000, 200)}
    add, fresh = bench.evaluate_goals({"calls": {"rows": rows}})
    assert (add["instructions"], add["time"], add["met"], add["target"]) == (2.2, 1.95, "time only", "≤ 2×")
    # Net of the baseline: (5000 - 1000) / (4000 - 1000) and (650 - 200) / (500 - 200).
    assert fresh["instructions"] == pytest.approx(4 / 3) and fresh["time"] == pytest.approx(1.5)
    assert fresh["met"] == "yes"
    assert fresh["figures"] == {"instructions": "1.33× (4,000 / 3,000)", "time": "1.50× (450 / 300 ns)"}


def test_import_and_threads_goals(bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "GOALS", (
        bench.Goal("import", "import", "pyexportsample", (("native backend", "native"), ("ctypes fallback", "ctypes")),
                   at_most=10.0),
        bench.Goal("scales", "threads", "crunch", (("native backend", "native"),), at_least=1.9),
    ))
    results = {"startup": {"import": {"import_ms": {"native": 9.5, "ctypes": 12.0}}},
               "threads": {"native": {"variants": {"crunch": {"speedup_of_min": 1.8, "speedup": {"median": 1.7}}}},
                           "ctypes": {"variants": {"crunch": {"speedup_of_min": 2.0, "speedup": {"median": 2.0}}}}}}
    native, fallback, threads = bench.evaluate_goals(results)
    assert (native["met"], fallback["met"], native["target"]) == ("yes", "no", "≤ 10 ms")
    assert (threads["met"], threads["target"], threads["figures"]["instructions"]) == ("no", "≥ 1.9×", "-")


def test_every_call_goal_names_rows_its_backends_measure(bench) -> None:
    from probes import CALL_ROWS  # on the path the fixture set

    processes = {row.key: row.processes for row in CALL_ROWS}
    for goal in bench.GOALS:
        if goal.kind != "call":
            continue
        for _, backend in goal.cases:
            for key in filter(None, (goal.subject, goal.reference, goal.baseline)):
                assert backend in processes.get(key, ()), f"{goal.name}: row {key!r} is not measured on {backend}"


def test_threads_rows_show_both_backends_where_the_gil_handling_differs(bench) -> None:
    from probes import thread_rows_in_order  # on the path the fixture set

    variants = {"variants": dict.fromkeys(("binding", "floor", "python", "crunch", "crunch_holding_gil"), {})}
    assert thread_rows_in_order({"native": variants, "ctypes": variants}) == [
        ("binding", "native"), ("binding", "ctypes"), ("floor", "native"), ("python", "native"),
        ("crunch", "native"), ("crunch", "ctypes"), ("crunch_holding_gil", "native"), ("crunch_holding_gil", "ctypes")]
