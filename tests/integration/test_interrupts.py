"""Interrupts and full disks with the real SDK: a signal to aotwheel alone during `dotnet publish`
leaves no `dotnet` process behind and nothing written after aotwheel exits; a build onto a full
file system is an `error:` line naming the path, with no traceback and no partial wheel."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ZOO_PROJECT
from support import REPO, default_sigint

pytestmark = [pytest.mark.sdk, pytest.mark.skipif(sys.platform != "linux", reason="Linux /proc and tmpfs")]


def process_groups() -> dict[int, int]:
    """pid -> process group of every live (not zombie) process."""
    groups = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                groups[int(entry)] = int(fields[2])
    return groups


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("signum, status, said", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_to_aotwheel_alone_during_the_publish_ends_dotnet_first(tmp_path, signum, status, said):
    build = tmp_path / "build"
    aotwheel = subprocess.Popen(
        [sys.executable, "-m", "aotwheel", "build", str(ZOO_PROJECT), "-o", str(tmp_path / "dist"), "--build-dir", str(build)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )
    assert aotwheel.stdout is not None
    for line in aotwheel.stdout:  # until the NativeAOT step runs
        if line.startswith("dotnet publish "):
            break
    else:
        pytest.fail(f"the build ended before its publish: {aotwheel.wait()}, {aotwheel.stderr.read() if aotwheel.stderr else ''}")
    time.sleep(3)
    groups = process_groups()
    dotnet_groups = {groups[pid] for pid, group in groups.items() if pid != aotwheel.pid and _parent(pid) == aotwheel.pid}
    assert dotnet_groups and aotwheel.pid not in dotnet_groups  # dotnet runs in a group of its own
    members = [pid for pid, group in groups.items() if group in dotnet_groups]
    assert members, "no dotnet process to interrupt"
    os.kill(aotwheel.pid, signum)  # aotwheel alone, as `kill` or a CI cancel does
    _, stderr = aotwheel.communicate(timeout=60)
    assert aotwheel.returncode == status and stderr.strip().endswith(f"error: {said}"), stderr
    assert "Traceback" not in stderr
    left = [pid for pid, group in process_groups().items() if group in dotnet_groups]
    assert left == [], f"dotnet processes outlived aotwheel: {left}"
    written = tree_state(build)
    time.sleep(6)  # as long as the publish went on after aotwheel's exit before
    assert tree_state(build) == written
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return int(stream.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


@pytest.fixture()
def full_tmpfs(tmp_path):
    """A small tmpfs, filled up; skipped where mounting is not permitted."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        with open(mount / "filler", "wb") as stream:
            try:
                while True:
                    stream.write(b"\0" * 65536)
                    stream.flush()
            except OSError:
                pass
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_wheel_onto_a_full_disk_is_an_error_naming_it(zoo_wheel, build_root, full_tmpfs):
    out = full_tmpfs / "dist"
    result = subprocess.run(  # the session's build: unchanged inputs, so the wheel write comes at once
        [sys.executable, "-m", "aotwheel", "build", str(ZOO_PROJECT), "-o", str(out), "--build-dir", str(build_root / "zoo")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and str(out) in result.stderr, result.stderr
    assert "No space left on device" in result.stderr
    assert sorted(p.name for p in full_tmpfs.rglob("*") if p.is_file()) == ["filler"]  # no partial wheel


def test_a_build_folder_on_a_full_disk_is_an_error_naming_it(tmp_path, full_tmpfs):
    project = tmp_path / "Zoo"
    shutil.copytree(REPO / "tests" / "projects" / "TypeZoo", project)
    result = subprocess.run(
        [sys.executable, "-m", "aotwheel", "build", str(project), "-o", str(tmp_path / "dist"),
         "--build-dir", str(full_tmpfs / "build")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and str(full_tmpfs / "build") in result.stderr, result.stderr
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())
