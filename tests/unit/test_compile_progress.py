"""The SDK's output is streamed; on a terminal a silent stretch (NativeAOT code generation) is broken
by a heartbeat line with the time elapsed, and nothing else changes."""

from __future__ import annotations

import re
import sys

from aotwheel.compile import _run_streaming

SILENT_CHILD = [sys.executable, "-c", "import time; print('before', flush=True); time.sleep(2.5); print('after')"]


def test_a_silence_gets_heartbeats_with_the_elapsed_time() -> None:
    logged: list[str] = []
    lines, status = _run_streaming(SILENT_CHILD, logged.append, heartbeat=0.5)
    assert (lines, status) == (["before", "after"], 0)  # heartbeats are not output of the command
    assert logged[0] == "  dotnet | before" and logged[-1] == "  dotnet | after"
    beats = [re.fullmatch(r"  dotnet \| \.\.\. still running, (\d+)s so far", line) for line in logged[1:-1]]
    assert len(beats) >= 2 and all(beats), logged
    seconds = [int(beat.group(1)) for beat in beats if beat]
    assert seconds == sorted(seconds) and seconds[-1] >= 2


def test_no_heartbeat_off_a_terminal() -> None:
    logged: list[str] = []
    _run_streaming(SILENT_CHILD, logged.append)
    assert logged == ["  dotnet | before", "  dotnet | after"]
