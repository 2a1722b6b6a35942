"""fork() while another thread is inside .NET: the child cannot use that runtime (the thread it
lost is gone, mid-call), so every call there raises a RuntimeError naming the cause and the fix,
instead of the SIGABRT (or hang) of its first garbage collection. A child forked while no call was
in flight keeps working. Both backends; every child runs under a timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import call_json, make_venv, pip_install

pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


@pytest.fixture(scope="module")
def faults_numpy(tmp_path_factory, faults_wheel: Path) -> Path:
    """The Faults library in a venv that sees Debian's numpy (for .map)."""
    python = make_venv(tmp_path_factory.mktemp("fork") / "venv", system_site_packages=True)
    pip_install(python, faults_wheel)
    return python


# A thread certainly inside .NET, allocating (so collections run) without the GIL, until released.
HOLD = """
import faults, json, os, threading, time

def hold_in_dotnet(call):
    faults.release(False)
    worker = threading.Thread(target=call)
    worker.start()
    while faults.holding() == 0:
        time.sleep(0.001)
    return worker

def refusals():
    # Every way into the library, in a child: the names of those that did not raise RuntimeError.
    calls = {
        "collect": lambda: faults.collect(),
        "churn": lambda: faults.churn(10),
        "raw export": lambda: faults.divide_or_min(1, 0),
        ".map": lambda: faults.churn.map([1, 2]),
    }
    failed, message = [], None
    for name, call in calls.items():
        try:
            call()
            failed.append(name)
        except RuntimeError as exc:
            message = str(exc)
    return failed, message
"""

HOLDERS = {
    "a ReleaseGil method": "lambda: faults.hold(1)",
    ".map": "lambda: faults.hold.map([1, 2, 3])",
}


@pytest.mark.parametrize("holder", HOLDERS)
def test_a_child_forked_while_another_thread_is_inside_dotnet_refuses_every_call(faults_numpy, holder):
    code = HOLD + f"""
worker = hold_in_dotnet({HOLDERS[holder]})
statuses, reports = [], []
for _ in range(5):
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        os.write(writer, json.dumps(refusals()).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        reports.append(pipe.read())
    statuses.append(os.waitpid(pid, 0)[1])
faults.release(True)
worker.join()
print(json.dumps([statuses, reports, faults.divide(6, 3), faults.churn(10) > 0]))
"""
    statuses, reports, divided, churned = call_json(faults_numpy, code)
    assert statuses == [0] * 5  # before: every child died by SIGABRT at its first collection
    for report in reports:
        failed, message = __import__("json").loads(report)
        assert failed == []
        assert "forked" in message and "another thread was inside a call" in message
        assert "'spawn' or 'forkserver'" in message and "faults/" in message
    assert [divided, churned] == [2, True]  # the parent is unharmed


def test_a_multiprocessing_fork_pool_started_during_a_call_reports_the_cause(faults_numpy):
    code = HOLD + """
import multiprocessing as mp

def task(value):
    return faults.divide(value, 1)

worker = hold_in_dotnet(lambda: faults.hold(1))
with mp.get_context("fork").Pool(1) as pool:
    try:
        outcome = ["worked", pool.apply(task, (4,))]
    except RuntimeError as exc:
        outcome = ["RuntimeError", str(exc)]
faults.release(True)
worker.join()
print(json.dumps(outcome))
"""
    outcome, message = call_json(faults_numpy, code)
    assert outcome == "RuntimeError"
    assert "multiprocessing.set_start_method('spawn')" in message


def test_a_child_forked_while_no_call_is_in_flight_keeps_working(faults_numpy):
    # Other threads exist and have used the library, but none is inside it at the fork.
    code = HOLD + """
idle = threading.Event()
def used_then_idle():
    faults.churn(1000)
    idle.wait()
threads = [threading.Thread(target=used_then_idle) for _ in range(3)]
for thread in threads:
    thread.start()
faults.release(True)
faults.hold.map([1])  # a finished .map leaves nothing in flight
statuses = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        ok = (faults.churn(200_000) > 0 and faults.collect() > 0 and faults.divide_or_min(1, 0) == -2**31
              and list(faults.churn.map([1, 2])) == faults.churn.map([1, 2]).tolist() and faults.hold(7) == 7)
        os._exit(0 if ok else 3)
    statuses.append(os.waitpid(pid, 0)[1])
idle.set()
for thread in threads:
    thread.join()
print(json.dumps(statuses))
"""
    assert call_json(faults_numpy, code) == [0, 0, 0]
