"""PNG plots of benchmarks/results.json (matplotlib, Agg backend: no display needed).

    python benchmarks/plots.py [results.json]    # re-draw the plots of an earlier run
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

COLOURS = {
    "binding": "#1f77b4",
    "aot": "#9467bd",
    "floor": "#7f7f7f",
    "cext": "#2ca02c",
    "numpy": "#2ca02c",
    "size_optimised": "#17becf",
    "python": "#d62728",
}
# Call rows by what they are (plot_calls): the key's prefix, or the backend of a binding's row.
CALL_COLOURS = {"reference": "#2ca02c", "native": "#1f77b4", "ctypes": "#ff7f0e", "raw": "#9467bd",
                "gcc": "#7f7f7f", "cffi": "#17becf"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _subtitle(results: Dict[str, Any]) -> str:
    m = results["machine"]
    return f"{m['cpu_model']}, {m['logical_cpus']} CPUs, {m['date_utc'][:10]}"


def _bar_labels(ax, bars, texts: List[str]) -> None:
    for bar, text in zip(bars, texts):
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=7, xytext=(0, 2), textcoords="offset points")


def _call_kind(entry: Dict[str, Any]) -> str:
    """The CALL_COLOURS key of a call row: references and baselines (run in both processes, not per
    backend), the bindings' calls ([PyExport] and raw) by backend, shims (ctypes process only), the
    NativeAOT symbols through ctypes and the floors."""
    from probes import BACKENDS, CALL_ROWS

    row = next(r for r in CALL_ROWS if r.key == entry["key"])
    if row.per_backend:
        return entry["backend"]
    if row.processes == BACKENDS:
        return "reference"
    if row.processes == ("ctypes",):
        return "ctypes"
    return row.key.split("_")[0]  # raw_, gcc_, cffi_


def plot_calls(results: Dict[str, Any], path: Path) -> None:
    from probes import call_label, call_rows_in_order

    plt = _pyplot()
    calls = results["calls"]
    entries = call_rows_in_order(calls)
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 0.32 * len(entries) + 1.8), sharey=True)
    ys = list(range(len(entries)))[::-1]
    colours = [CALL_COLOURS[_call_kind(e)] for e in entries]
    for ax, unit, title in ((left, "instructions_net", "instructions per call (callgrind)"),
                            (right, "ns_net", "ns per call (best round)")):
        values = [max(e[unit], 1) for e in entries]
        ax.barh(ys, values, color=colours)
        for y, value in zip(ys, values):
            ax.annotate(f"{value:,.0f}", (value, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.set_xscale("log")
        ax.set_xlim(right=max(values) * 4)
        ax.set_title(f"{title}, net of the empty loop", fontsize=9)
    left.set_yticks(ys)
    left.set_yticklabels([call_label(e).replace(": C-extension call", "") for e in entries], fontsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in CALL_COLOURS.values()]
    fig.legend(handles, ["reference or baseline", "binding, native backend", "binding, ctypes fallback / shim",
                         "NativeAOT symbol (ctypes)", "gcc floor (ctypes)", "gcc floor (cffi API mode)"],
               fontsize=8, loc="lower center", ncol=6)
    fig.suptitle(f"Call overhead, native backend vs ctypes fallback vs floors ({_subtitle(results)})", fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bulk(results: Dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    bulk = results["bulk"]
    ops = {"sum": "sum, 1e8 float64", "scale": "scale in place, 1e8 float64", "increment": "+= 1, 4096x4096 float32"}
    variants = [v for v in ("binding", "floor", "numpy", "size_optimised") if v in bulk["operations"]["sum"]["variants"]]
    labels = {"binding": "generated binding (C#)", "floor": "ctypes -> gcc -O2", "numpy": "numpy",
              "size_optimised": "C#, size-optimised build"}
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.8 / len(variants)
    for i, variant in enumerate(variants):
        entries = [bulk["operations"][op]["variants"][variant] for op in ops]
        heights = [e["gb_per_s_at_min"] for e in entries]
        xs = [k + (i - (len(variants) - 1) / 2) * width for k in range(len(ops))]
        bars = ax.bar(xs, heights, width, label=labels[variant], color=COLOURS[variant])
        _bar_labels(ax, bars, [f"{e['ms']['min']:.0f} ms" if e["ms"]["min"] >= 10 else f"{e['ms']['min']:.1f} ms"
                               for e in entries])
    memcpy = bulk["memcpy_gb_per_s"]
    ax.axhline(memcpy, color="black", linestyle="--", linewidth=1)
    ax.annotate(f"memcpy (ctypes.memmove) {memcpy:.1f} GB/s", (-0.45, memcpy), ha="left", va="bottom", fontsize=8,
                xytext=(0, 3), textcoords="offset points", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_ylim(0, max(ax.get_ylim()[1], memcpy) * 1.3)
    ax.set_xticks(range(len(ops)))
    ax.set_xticklabels(list(ops.values()), fontsize=9)
    ax.set_ylabel("GB/s (bytes read + written / best time)")
    ax.set_title(f"Bulk work on numpy arrays, zero-copy (labels: ms per call)\n{_subtitle(results)}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_threads(results: Dict[str, Any], path: Path) -> None:
    from probes import THREADS_PER_BACKEND, thread_rows_in_order

    plt = _pyplot()
    threads = results["threads"]
    labels = {"binding": "C# spin()\nraw binding", "floor": "gcc spin()\nctypes", "python": "pure-Python\nloop",
              "crunch": "[PyExport]\ncrunch()", "crunch_holding_gil": "[PyExport]\ncrunch_holding_gil()"}
    rows = thread_rows_in_order(threads)
    fig, ax = plt.subplots(figsize=(10, 4.4))
    heights = [threads[backend]["variants"][name]["speedup_of_min"] for name, backend in rows]
    texts = [labels[name] + (f"\n{backend}" if name in THREADS_PER_BACKEND else "") for name, backend in rows]
    colours = [CALL_COLOURS[backend] if name in THREADS_PER_BACKEND else COLOURS[name] for name, backend in rows]
    bars = ax.bar(range(len(rows)), heights, color=colours)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(texts, fontsize=7)
    _bar_labels(ax, bars, [f"{h:.2f}x" for h in heights])
    ax.axhline(2.0, color="black", linestyle="--", linewidth=1)
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_ylim(0, 2.4)
    ax.set_ylabel("throughput of 2 threads / 1 thread")
    ax.set_title("Two Python threads calling CPU-bound code (ideal 2.0; blue: native backend, orange: ctypes "
                 f"fallback)\n{_subtitle(results)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_startup_size_build(results: Dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4.4))

    startup = results["startup"]["variants"]
    names = [n for n in ("binding", "pyexport", "aot", "floor") if n in startup]
    labels = {"binding": "import package", "pyexport": "import\n[PyExport] package", "aot": "ctypes.CDLL\n(NativeAOT .so)", "floor": "ctypes.CDLL\n(gcc .so)"}
    imports = [startup[n]["import_ms"]["median"] for n in names]
    firsts = [startup[n]["first_call_us"]["median"] / 1000 for n in names]
    xs = range(len(names))
    b1 = left.bar([x - 0.2 for x in xs], imports, 0.4, label="import / load", color="#1f77b4")
    b2 = left.bar([x + 0.2 for x in xs], firsts, 0.4, label="first call", color="#ff7f0e")
    _bar_labels(left, b1, [f"{v:.1f}" for v in imports])
    _bar_labels(left, b2, [f"{v:.2f}" for v in firsts])
    left.set_xticks(list(xs))
    left.set_xticklabels([labels[n] for n in names], fontsize=8)
    left.set_ylabel("ms (median of fresh processes)")
    left.set_ylim(0, max(imports + firsts) * 1.2)
    left.set_title("Start-up", fontsize=10)
    left.legend(fontsize=8)

    size = results["size"]
    kinds = [k for k in ("default", "size_optimised") if k in size]
    mib = 1024 * 1024
    library = [size[k]["library_bytes"] / mib for k in kinds]
    wheel = [size[k]["wheel_bytes"] / mib for k in kinds]
    xs = range(len(kinds))
    b1 = middle.bar([x - 0.2 for x in xs], library, 0.4, label="native library", color="#9467bd")
    b2 = middle.bar([x + 0.2 for x in xs], wheel, 0.4, label="wheel (zip)", color="#8c564b")
    _bar_labels(middle, b1, [f"{v:.2f}" for v in library])
    _bar_labels(middle, b2, [f"{v:.2f}" for v in wheel])
    middle.set_xticks(list(xs))
    middle.set_xticklabels(["default" if k == "default" else "size-optimised" for k in kinds], fontsize=9)
    middle.set_ylabel("MiB")
    middle.set_ylim(0, max(library + wheel) * 1.3)
    middle.set_title("Size", fontsize=10)
    middle.legend(fontsize=8)

    build = results.get("build") or {}
    if build.get("measured"):
        items = [("aotwheel build\n(clean)", build["aotwheel_clean_s"]["min"]),
                 ("dotnet publish\n(bare)", build["bare_publish_s"]["min"]),
                 ("aotwheel build\n(no-op)", build["noop_rebuild_s"])]
        bars = right.bar([i[0] for i in items], [i[1] for i in items], color=["#1f77b4", "#7f7f7f", "#2ca02c"])
        _bar_labels(right, bars, [f"{i[1]:.1f} s" for i in items])
        right.set_ylabel("seconds (clean: best of the rounds)")
    else:
        right.text(0.5, 0.5, "build times not measured\n(--reuse)", ha="center", va="center")
        right.set_axis_off()
    right.set_title("Build", fontsize=10)
    fig.suptitle(f"Start-up, size and build time  ({_subtitle(results)})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


PLOTS = {
    "calls.png": plot_calls,
    "bulk.png": plot_bulk,
    "threads.png": plot_threads,
    "startup_size_build.png": plot_startup_size_build,
}


def write_plots(results: Dict[str, Any], folder: Path) -> List[Path]:
    written = []
    for name, plot in PLOTS.items():
        path = folder / name
        plot(results, path)
        written.append(path)
    return written


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json"
    for written_path in write_plots(json.loads(source.read_text()), source.parent):
        print(f"wrote {written_path}")
