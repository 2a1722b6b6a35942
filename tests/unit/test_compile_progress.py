"""The SDK's output is streamed; a silent stretch (NativeAOT code generation) is broken by a
heartbeat line with the time elapsed, in any log (a pipe or a CI log too), and nothing else changes."""

from __future__ import annotations

import re
import sys

from aotwheel import compile as compile_stage
from aotwheel.compile import _run_streaming

SILENT_CHILD = [sys.executable, "-c", "import time; print('before', flush=True); time.sleep(2.5); print('after')"]


def test_a_silence_gets_heartbeats_with_the_elapsed_time_off_a_terminal_too(monkeypatch) -> None:
    assert not sys.stdout.isatty()  # pytest captures: the log is no terminal
    monkeypatch.setattr(compile_stage, "HEARTBEAT_SECONDS", 0.5)
    logged: list[str] = []
    lines, status = _run_streaming(SILENT_CHILD, logged.append)
    assert (lines, status) == (["before", "after"], 0)  # heartbeats are not output of the command
    assert logged[0] == "  dotnet | before" and logged[-1] == "  dotnet | after"
    beats = [re.fullmatch(r"  dotnet \| \.\.\. still running, (\d+)s so far", line) for line in logged[1:-1]]
    assert len(beats) >= 2 and all(beats), logged
    seconds = [int(beat.group(1)) for beat in beats if beat]
    assert seconds == sorted(seconds) and seconds[-1] >= 2


def test_at_most_one_heartbeat_per_interval() -> None:
    logged: list[str] = []
    _run_streaming(SILENT_CHILD, logged.append)  # 2.5 s of silence, the real 10 s interval
    assert logged == ["  dotnet | before", "  dotnet | after"]
