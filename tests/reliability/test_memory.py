"""Long runs must not grow the process: strings and buffers crossing the boundary are not leaked."""

from __future__ import annotations

import pytest

from support import call_json

pytestmark = pytest.mark.sdk

RSS = """
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
"""


@pytest.mark.parametrize("count", [pytest.param(200_000, id="200k"), pytest.param(1_000_000, id="1M", marks=pytest.mark.slow)])
def test_string_round_trips_keep_rss_bounded(clean_python, count):
    code = RSS + """
import json, typezoo, aotsample_poc as poc
text = "naïve ✓ text 😀 " * 4
out = bytearray(256)
def round_trips(n):
    for i in range(n):
        assert typezoo.c_strlen(text) == 84
        size = poc.markdown_to_html(text, out, 256)
        assert size > 0
round_trips(50_000)                  # warm up: runtime, GC heaps, allocator arenas
before = rss_kib()
round_trips(COUNT)
print(json.dumps([before, rss_kib()]))
""".replace("COUNT", str(count))
    before, after = call_json(clean_python, code)
    assert after - before < 16 * 1024, f"RSS grew by {after - before} KiB over {count} round trips"
