"""One start-up sample, in a fresh process started by benchmarks/run.py.

    python startup_probe.py VARIANT [LIBRARY]

VARIANT is `binding` (import the generated package, call add), `pyexport` (import the package built
from the [PyExport] sample, call add_many), `aot` (ctypes loads the NativeAOT
library of the installed package), `floor` (ctypes loads LIBRARY, the gcc floor), `ctypes+typing`
(the standard modules the generated package imports) or `empty`. Nothing but `sys` and `time` is
imported before the clock starts, so the import figures are not flattered by modules this script
needed itself. Prints one JSON document.
"""

import sys
import time

PACKAGE = "aotsample_poc"


def steady_ns(call) -> float:
    best = float("inf")
    for _batch in range(5):
        started = time.perf_counter_ns()
        for _call in range(2000):
            call(1, 2)
        best = min(best, (time.perf_counter_ns() - started) / 2000)
    return best


def main() -> None:
    variant = sys.argv[1]
    if variant == "aot":  # the library's path, found before the clock starts, without importing the package
        import importlib.util

        spec = importlib.util.find_spec(PACKAGE)
        folder = spec.submodule_search_locations[0]
        import os

        names = [n for n in os.listdir(folder) if n.endswith(".so")]
        library = os.path.join(folder, names[0])
    elif variant == "floor":
        library = sys.argv[2]
    result = {"variant": variant}
    started = time.perf_counter_ns()
    if variant == "binding":
        import aotsample_poc

        add = aotsample_poc.add
    elif variant == "pyexport":
        import pyexportsample

        add = pyexportsample.add_many
    elif variant in ("aot", "floor"):
        import ctypes

        add = ctypes.CDLL(library).add
        add.argtypes, add.restype = (ctypes.c_int32, ctypes.c_int32), ctypes.c_int32
    elif variant == "ctypes+typing":
        import ctypes  # noqa: F401
        import typing  # noqa: F401

        add = None
    elif variant == "empty":
        add = None
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    imported = time.perf_counter_ns()
    result["import_ms"] = (imported - started) / 1e6
    if add is not None:
        if add(2, 3) != 5:
            raise SystemExit("add(2, 3) != 5")
        result["first_call_us"] = (time.perf_counter_ns() - imported) / 1e3
        result["steady_call_ns"] = steady_ns(add)
    import json

    print(json.dumps(result))


if __name__ == "__main__":
    main()
