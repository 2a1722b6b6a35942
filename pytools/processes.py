"""The SDK's processes end with aotwheel's work: each `dotnet` command runs in a process group of
its own, and when aotwheel is interrupted while one runs (SIGINT, or SIGTERM under
`sigterm_raises`), the whole group (the host, MSBuild's nodes, the compiler, ILC, the linker) is
ended, and aotwheel waits for it before the interrupt goes on. So nothing the SDK started goes on
writing after aotwheel has exited.

A group of its own also means a terminal's Ctrl-C reaches aotwheel only; aotwheel passes it on
(SIGINT to the group, MSBuild's own cancel), then kills what is left after a short grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator, Optional, Sequence

# How long MSBuild may take to cancel on SIGINT before its group is killed.
GRACE_SECONDS = 5.0
# How long the members of a killed group may take to disappear (SIGKILL is delivered asynchronously).
REAP_SECONDS = 5.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like SIGINT's KeyboardInterrupt, so that the same cleanups run."""


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises Terminated in the main thread instead of ending the
    process at once; the previous handler is put back afterwards. Elsewhere than in the main
    thread (where Python cannot set handlers) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, frame: Optional[FrameType]) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start(command: Sequence[str], **options: Any) -> subprocess.Popen[str]:
    """`subprocess.Popen(command, **options)` in a new process group (on POSIX a new session)."""
    if sys.platform == "win32":
        options["creationflags"] = options.get("creationflags", 0) | subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    return subprocess.Popen(list(command), **options)


def end_group(process: subprocess.Popen[str]) -> None:
    """End *process* and every process of its group, and wait until they are gone."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], capture_output=True)
        process.wait()
        return
    group = process.pid  # the leader of a new session: its pid is the group's id
    _signal_group(group, signal.SIGINT)
    try:
        process.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(group, signal.SIGKILL)  # what did not stop: the leader, or nodes it left behind
    process.wait()
    deadline = time.monotonic() + REAP_SECONDS
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.05)


def run(command: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(command, capture_output=True, text=True, **options)` in a process group of
    its own, which is ended whole when the wait is interrupted."""
    process = start(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)
    try:
        stdout, stderr = process.communicate()
    except BaseException:
        end_group(process)
        raise
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(group: int) -> bool:
    """Whether a process of *group* still runs (on Linux, zombies waiting for a parent do not count)."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    if not os.path.isdir("/proc"):
        return True
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            return True
    return False
