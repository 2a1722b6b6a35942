"""Long runs must not grow the process: strings and buffers crossing the boundary are not leaked.

Each check compares equal batches after a warm-up (support.leak_in), so it holds on any machine,
whatever GC budget its cache size gives, and it still fails on a real leak (proved below).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import LEAK_BATCHES, RSS_BATCHES, call_json, environment_without_dotnet, leak_in

SHIM_SOURCE = Path(__file__).resolve().parent / "big_l3_cache.c"

pytestmark = pytest.mark.sdk


@pytest.mark.parametrize("count", [pytest.param(100_000, id="100k"), pytest.param(500_000, id="500k", marks=pytest.mark.slow)])
def test_string_round_trips_keep_rss_flat(clean_python, count):
    code = LEAK_BATCHES + """
import json, typezoo, aotsample_poc as poc
text = "naïve ✓ text 😀 " * 4
out = bytearray(256)
def round_trips(n):
    for i in range(n):
        assert typezoo.c_strlen(text) == 84
        size = poc.markdown_to_html(text, out, 256)
        assert size > 0
print(json.dumps(rss_batches(round_trips, COUNT)))
""".replace("COUNT", str(count))
    samples = call_json(clean_python, code)
    assert leak_in(samples) is None, leak_in(samples)


def test_the_batch_check_catches_a_real_leak(clean_python):
    # The same measurement over a workload that keeps 100 bytes per call (what a binding that
    # never freed a returned string would do) must be reported as a leak.
    code = LEAK_BATCHES + """
import json, aotsample_poc as poc
kept = []
out = bytearray(256)
def leaking(n):
    for i in range(n):
        poc.markdown_to_html("some *text*", out, 256)
        kept.append(bytes(100) + i.to_bytes(4, "little"))
print(json.dumps(rss_batches(leaking, 100_000)))
"""
    samples = call_json(clean_python, code)
    assert leak_in(samples) is not None, samples


GROWTH = RSS_BATCHES + """
import json, pyexportsample as m
before = rss_kib()
for i in range(1_000_000):
    m.greet("Ann")
print(json.dumps(rss_kib() - before))
"""


def test_gen0_budget_is_bounded_on_a_big_cache_cpu_and_the_environment_wins(pyexport_clean, tmp_path):
    # Without a bound the GC sizes gen0 from the L3 cache (80 MiB committed per runtime on a 260 MiB
    # cache). The wheel compiles gc-gen0-size (16 MiB) in; DOTNET_GCgen0size still overrides it,
    # and 0 there gives .NET's cache-derived budget back. Ratios of one run, on an emulated CPU.
    compiler = shutil.which("clang") or shutil.which("gcc")
    assert compiler, "a C compiler is needed (NativeAOT links with clang or gcc)"
    shim = tmp_path / "big_l3_cache.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(shim), str(SHIM_SOURCE), "-ldl"], check=True)
    (tmp_path / "l3").write_text("266240K\n")

    def growth_kib(**variables: str) -> int:
        # aotwheel's own budget is measured with no DOTNET_GCgen0size of the caller's in the way.
        env = {k: v for k, v in environment_without_dotnet().items() if k != "DOTNET_GCgen0size"}
        env.update({"LD_PRELOAD": str(shim), "BIG_L3_CACHE_FILE": str(tmp_path / "l3"), **variables})
        result = subprocess.run([str(pyexport_clean), "-c", GROWTH], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return int(result.stdout.split()[-1])

    bounded, cache_derived, smaller = growth_kib(), growth_kib(DOTNET_GCgen0size="0"), growth_kib(DOTNET_GCgen0size="400000")
    assert 2 * bounded < cache_derived, (bounded, cache_derived, "did the 260 MiB-cache emulation reach the GC?")
    assert 1.5 * smaller < bounded, (smaller, bounded)
