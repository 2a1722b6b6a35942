"""Threads, fork, spawn pools, two runtimes in one process, a memory cap and a Dask cluster: the
situations a wheel meets inside Spark/Fabric executors. Every child runs under a timeout."""

from __future__ import annotations

import pytest

from support import call_json, run_python

# Raw exports are called through the native backend (the default) and its ctypes fallback.
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]

EVERY_POC_FUNCTION = """
import aotsample_poc as poc, array, os, tempfile

def exercise(seed):
    assert poc.add(seed, 1) == seed + 1
    html = bytearray(128)
    size = poc.markdown_to_html(f"*{seed}*", html, len(html))
    assert bytes(html[:size]).decode().strip() == f"<p><em>{seed}</em></p>", html
    values = array.array("d", [seed, 1.0, 2.0])
    assert poc.sum_doubles(values, 3) == seed + 3.0
    squares = array.array("d", [0.0] * 4)
    poc.fill_squares(squares, 4)
    assert list(squares) == [0.0, 1.0, 4.0, 9.0]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{seed}.txt")
        assert poc.write_text_file(path, str(seed)) == len(str(seed))
        buffer = bytearray(32)
        assert bytes(buffer[:poc.read_text_file(path, buffer, 32)]).decode() == str(seed)
    return os.getpid()


def collect_garbage(seed):
    # Enough allocation in .NET to run many collections, gen2 included.
    document = "# title\\n\\n" + "some *text* with [a link](http://x) and `code`\\n\\n" * 2000
    html = bytearray(1 << 20)
    for _ in range(150):
        assert poc.markdown_to_html(document, html, len(html)) > 100_000
    return os.getpid()
"""


def test_eight_threads_calling_every_function(numpy_python):
    code = EVERY_POC_FUNCTION + """
import json, threading
errors = []
def worker(offset):
    try:
        for i in range(300):
            exercise(offset * 1000 + i)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(errors))
"""
    assert call_json(numpy_python, code) == []


def test_fork_after_use_then_call_and_collect_in_children(numpy_python):
    # PySpark's worker daemon forks a parent that has already imported and used the library. With
    # background GC on, a child that collected would wait forever for the parent's GC thread;
    # aotwheel builds with it off (concurrent-gc = false), so this must finish.
    code = EVERY_POC_FUNCTION + """
import json, multiprocessing as mp
parent = collect_garbage(exercise(1))
with mp.get_context("fork").Pool(2) as pool:
    pids = pool.map(exercise, range(12), chunksize=1) + pool.map(collect_garbage, range(4), chunksize=1)
print(json.dumps([parent, sorted(set(pids)), poc.process_id()]))
"""
    parent, children, dotnet_pid = call_json(numpy_python, code)
    assert children and parent not in children
    assert dotnet_pid == parent


def test_spawn_pool(numpy_python, tmp_path):
    script = tmp_path / "spawn_pool.py"
    script.write_text(EVERY_POC_FUNCTION + """
import json, multiprocessing as mp
if __name__ == "__main__":
    with mp.get_context("spawn").Pool(2) as pool:
        pids = pool.map(exercise, range(8))
    print(json.dumps(sorted(set(pids))))
""")
    result = run_python(numpy_python, f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) > 2


def test_two_wheels_two_runtimes_in_one_process(numpy_python):
    code = """
import json, threading, aotsample_poc as poc, typezoo, array
results = []
def both():
    for i in range(2000):
        assert poc.add(i, i) == 2 * i
        assert typezoo.echo_long(-i) == -i
    results.append(True)
threads = [threading.Thread(target=both) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
maps = open("/proc/self/maps").read()
print(json.dumps([len(results), "aotsample_poc/_lib.abi3.so" in maps, "typezoo/_lib.abi3.so" in maps]))
"""
    assert call_json(numpy_python, code) == [4, True, True]


def test_two_runtimes_under_a_4_gib_address_space_cap(numpy_python):
    # Each NativeAOT GC reserves address space up front; under RLIMIT_AS (ulimit -v, as some
    # container setups impose) both libraries must still start and allocate.
    code = """
import json, resource
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
import aotsample_poc as poc, typezoo
html = bytearray(1 << 16)
size = poc.markdown_to_html("# x\\n" * 2000, html, len(html))
print(json.dumps([poc.add(1, 2), typezoo.echo_int(7), size > 0]))
"""
    assert call_json(numpy_python, code) == [3, 7, True]


def test_dask_local_cluster_maps_over_dataframe_partitions(numpy_python, tmp_path):
    script = tmp_path / "dask_job.py"
    script.write_text("""
import json
import numpy as np, pandas as pd
from dask.distributed import Client, LocalCluster

def net_total(frame):
    import aotsample_poc as poc
    values = np.ascontiguousarray(frame["price"].to_numpy(dtype=np.float64))
    return pd.DataFrame({"total": [poc.sum_doubles(values, values.size)], "pid": [poc.process_id()]})

if __name__ == "__main__":
    frame = pd.DataFrame({"price": np.arange(10_000, dtype=np.float64)})
    parts = [frame.iloc[i:i + 2500] for i in range(0, len(frame), 2500)]
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        results = client.gather(client.map(net_total, parts))
    combined = pd.concat(results)
    print(json.dumps([float(combined["total"].sum()), int(combined["pid"].nunique())]))
""")
    result = run_python(numpy_python, f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
                        cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    import json
    total, workers = json.loads(result.stdout.strip().splitlines()[-1])
    assert total == float(sum(range(10_000)))
    assert workers >= 1
