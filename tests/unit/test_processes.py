"""A child's whole process group ends with an interrupt of aotwheel (SIGINT, or SIGTERM under
sigterm_raises): nothing it started writes afterwards. With a stand-in for `dotnet` that starts a
worker of its own (as MSBuild starts nodes and the compiler); the real SDK is interrupted in
tests/integration/test_interrupts.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import default_sigint

from aotwheel import processes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups and signals")

# Starts a worker that writes *marker* after 20 s (as a late `dotnet` node would write its output;
# long enough for a loaded machine to end it first), prints the worker's pid, then waits.
FAKE_DOTNET = """import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time, sys; time.sleep(20); open(sys.argv[1], 'w').write('late')", sys.argv[1]])
print(worker.pid, flush=True)
time.sleep(60)
"""
# aotwheel's side: runs the stand-in through processes.run, as the SDK's commands are run.
AOTWHEEL = """import sys
from aotwheel import processes
print("started", flush=True)
try:
    with processes.sigterm_raises():
        processes.run([sys.executable, "-c", sys.argv[1], sys.argv[2]])
except processes.Terminated:
    sys.exit(143)
except KeyboardInterrupt:
    sys.exit(130)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    if int(stream.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def test_end_group_ends_the_child_and_what_it_started(tmp_path: Path) -> None:
    marker = tmp_path / "late"
    child = processes.start([sys.executable, "-c", FAKE_DOTNET, str(marker)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    worker = int(child.stdout.readline())
    assert os.getpgid(worker) == child.pid != os.getpgid(0)  # a group of its own, the worker in it
    processes.end_group(child)
    assert not alive(child.pid) and not alive(worker)
    assert not marker.exists()


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_aotwheel_alone_ends_the_sdks_processes_first(tmp_path: Path, signum: int, status: int) -> None:
    marker = tmp_path / "late"
    aotwheel = subprocess.Popen(
        [sys.executable, "-c", AOTWHEEL, FAKE_DOTNET, str(marker)], stdout=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )
    assert aotwheel.stdout is not None and aotwheel.stdout.readline() == "started\n"
    deadline = time.monotonic() + 30
    while not (dotnet := children_of(aotwheel.pid)) or not children_of(dotnet[0]):
        assert time.monotonic() < deadline, "the stand-in did not start its worker"
        time.sleep(0.05)
    worker = children_of(dotnet[0])[0]
    os.kill(aotwheel.pid, signum)  # aotwheel alone: not its group, as `kill` or a CI cancel does
    assert aotwheel.wait(120) == status
    assert not alive(dotnet[0]) and not alive(worker)  # gone before aotwheel exited
    assert not marker.exists()  # nothing written after aotwheel exited


def test_sigterm_raises_only_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(processes.Terminated):
        with processes.sigterm_raises():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
    assert signal.getsignal(signal.SIGTERM) is before
