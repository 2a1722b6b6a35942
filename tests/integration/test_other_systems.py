"""The wheels on the systems they are tagged for: the x86_64 manylinux2014 wheel pip-installed on
Debian 11 (glibc 2.31, CPython 3.9) in a chroot, and the aarch64 wheel, built on this x86_64 machine,
under arm64 CPython (Debian 12) run by qemu-user.

The roots are made once per machine by .ci/test-roots (cached outside the clone)."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

from conftest import POC_PROJECT
from support import REPO, build_wheel

from aotwheel.binary import read_native_library
from aotwheel.linking import host_machine
from aotwheel.platform_tags import glibc_floor

pytestmark = [pytest.mark.sdk, pytest.mark.skipif(host_machine() != "x86_64", reason="the roots are x86_64 and arm64 Debian")]

DEBIAN11_GLIBC = (2, 31)

# Every PoC export, checked against what Python computes itself; prints "ok" last.
POC_CHECKS = r'''
import array, os, sys, tempfile
import aotsample_poc as poc

assert poc.add(2, 3) == 5 and poc.add(-7, 2) == -5
html = bytearray(256)
size = poc.markdown_to_html("# Hi\n\n*naïve*", html, len(html))
assert bytes(html[:size]).decode() == "<h1>Hi</h1>\n<p><em>naïve</em></p>\n", bytes(html[:size])
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "note ✓.txt")
    assert poc.write_text_file(path, "line ✓") == len("line ✓".encode())
    buffer = bytearray(100)
    length = poc.read_text_file(path.encode(), buffer, len(buffer))
    assert bytes(buffer[:length]).decode() == "line ✓"
    assert poc.read_text_file(os.path.join(folder, "absent"), buffer, len(buffer)) == -1
values = array.array("d", [1.5, 2.5, 3.0])
assert poc.sum_doubles(values, len(values)) == 7.0
squares = array.array("d", [0.0] * 5)
poc.fill_squares(squares, len(squares))
assert list(squares) == [0.0, 1.0, 4.0, 9.0, 16.0], list(squares)
poc.scale_doubles(values, len(values), 2.0)
assert list(values) == [3.0, 5.0, 6.0]
floats = array.array("f", [0.5, -1.0])
poc.increment_floats(floats, len(floats))
assert list(floats) == [1.5, 0.0]
out = bytearray(4)
assert poc.copy_utf8("héllo", out, len(out)) == 6 and bytes(out) == "héll".encode()[:4]
assert poc.process_id() == os.getpid()
state = 0x9E3779B97F4A7C15
for _ in range(1000):
    state ^= (state << 13) & (2**64 - 1)
    state ^= state >> 7
    state ^= (state << 17) & (2**64 - 1)
assert poc.spin(1000) == (state - 2**64 if state >= 2**63 else state)
print(sys.version.split()[0], os.uname().machine, poc._BACKEND, "ok")
'''


# The [PyExport] sample through each backend: prints the backend, then "ok".
PYEXPORT_CHECKS = r'''
import array, inspect, sys
import pyexportsample as m
from pyexportsample import _api

assert m.add_many(1, 2) == 3 and m.add_many(1, 2, c=3) == 6
assert m.greet("Bob", 2, punctuation="?") == "Hello, Bob? Hello, Bob?"
assert m.sum(array.array("d", [1.5, 2.5])) == 4.0 and m.sum([1.0, 2.0]) == 3.0
assert m.echo_string("naïve ✓") == "naïve ✓"
try:
    m.add_many("1", 2)
except TypeError as error:
    assert "add_many() argument 'a' must be int, not str" in str(error), error
else:
    raise AssertionError("no TypeError")
try:
    m.divide(1, 0)
except ZeroDivisionError as error:
    assert error.dotnet_type == "System.DivideByZeroException", error.dotnet_type
else:
    raise AssertionError("no ZeroDivisionError")
with m.Counter(5) as counter:
    counter.increment()
    assert counter.count == 6
print(sys.version.split()[0], _api.BACKEND, "ok")
'''


@pytest.fixture(scope="session")
def roots() -> tuple[Path, Path]:
    """(Debian 11 x86_64 root, Debian 12 arm64 root), made now if this machine has none yet."""
    script = REPO / ".ci" / "test-roots"
    made = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert made.returncode == 0, f"{script} failed (it needs root, debootstrap and the network):\n{made.stdout}{made.stderr}"
    printed = subprocess.run(["bash", str(script), "--print"], capture_output=True, text=True, check=True).stdout.split()
    return Path(printed[0]), Path(printed[1])


@pytest.fixture(scope="session")
def host_linked_poc_wheel(build_root: Path) -> Path:
    return build_wheel(POC_PROJECT, build_root / "dist-poc-host", build_root / "poc-host", "--manylinux", "host")


@pytest.fixture(scope="session")
def arm64_poc_wheel(build_root: Path) -> Path:
    return build_wheel(POC_PROJECT, build_root / "dist-poc-arm64", build_root / "poc", "--rid", "linux-arm64")


def library_floor(wheel: Path, tmp_path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".so"))
        archive.extract(name, tmp_path / "lib")
    return glibc_floor(read_native_library(tmp_path / "lib" / name))


@contextlib.contextmanager
def chroot_session(root: Path) -> Iterator[Path]:
    """A scratch folder inside *root* with /proc mounted, for one test at a time; both undone after."""
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        scratch = root / "tmp" / f"aotwheel-{uuid.uuid4().hex[:8]}"
        scratch.mkdir(parents=True)
        subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
        try:
            yield scratch
        finally:
            subprocess.run(["umount", str(root / "proc")], check=True)
            shutil.rmtree(scratch, ignore_errors=True)


def in_root(root: Path, *command: str) -> subprocess.CompletedProcess:
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"  # sbin: not on every user's PATH
    return subprocess.run([chroot, str(root), *command], capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"})


def test_manylinux2014_wheel_works_on_debian_11_and_a_host_linked_one_is_refused(
    roots, poc_wheel, host_linked_poc_wheel, tmp_path
):
    debian11 = roots[0]
    assert poc_wheel.name.endswith("-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    host_floor = library_floor(host_linked_poc_wheel, tmp_path)
    with chroot_session(debian11) as scratch:
        inside = "/" + str(scratch.relative_to(debian11))
        for wheel in (poc_wheel, host_linked_poc_wheel):
            shutil.copy(wheel, scratch)
        (scratch / "checks.py").write_text(POC_CHECKS, encoding="utf-8")
        made = in_root(debian11, "python3", "-m", "venv", f"{inside}/venv")
        assert made.returncode == 0, made.stderr
        pip = [f"{inside}/venv/bin/python", "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check"]

        host = in_root(debian11, *pip, f"{inside}/{host_linked_poc_wheel.name}")
        if host_floor > DEBIAN11_GLIBC:  # a build machine newer than Debian 11, as Debian 12's 2.36
            assert host.returncode != 0 and "is not a supported wheel on this platform" in host.stderr, host.stdout + host.stderr
        else:  # where the build machine's glibc is old enough, the root accepts the host-linked wheel too
            assert host.returncode == 0, host.stderr
            in_root(debian11, *pip[:3], "uninstall", "-y", "aotsample-poc")

        installed = in_root(debian11, *pip, f"{inside}/{poc_wheel.name}")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        for backend in ("native", "ctypes"):  # the abi3 extension module loads in CPython 3.9; so does ctypes
            ran = in_root(debian11, "/usr/bin/env", f"AOTWHEEL_BACKEND={backend}", f"{inside}/venv/bin/python", f"{inside}/checks.py")
            assert ran.returncode == 0, ran.stdout + ran.stderr
            assert ran.stdout.startswith("3.9.") and ran.stdout.split()[1:] == ["x86_64", backend, "ok"], ran.stdout


def test_aarch64_wheel_built_here_answers_under_arm64_cpython(roots, arm64_poc_wheel, tmp_path):
    debian12_arm64 = roots[1]
    assert arm64_poc_wheel.name.endswith("-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")
    assert library_floor(arm64_poc_wheel, tmp_path) <= (2, 17)
    # pip is not in the root (and slow under qemu): the wheel is unpacked onto sys.path instead,
    # which is all pip would do for a wheel with no dependencies and no scripts.
    site = tmp_path / "site"
    zipfile.ZipFile(arm64_poc_wheel).extractall(site)
    (tmp_path / "checks.py").write_text(POC_CHECKS, encoding="utf-8")
    python = next((debian12_arm64 / "usr" / "bin").glob("python3.[0-9]*"))
    for backend in ("native", "ctypes"):  # the arm64 library as the extension module, and through ctypes
        ran = subprocess.run(
            ["qemu-aarch64", "-L", str(debian12_arm64), str(python), str(tmp_path / "checks.py")],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1",
                 "AOTWHEEL_BACKEND": backend},
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert ran.stdout.split()[1:] == ["aarch64", backend, "ok"], ran.stdout


def test_pyexport_wheel_uses_the_native_backend_under_cpython_3_9(roots, pyexport_wheel):
    """The stable ABI's floor: the abi3 module (METH_FASTCALL, Py_buffer) loads in Debian 11's 3.9;
    AOTWHEEL_BACKEND=ctypes chooses the fallback in the same wheel."""
    debian11 = roots[0]
    with chroot_session(debian11) as scratch:
        inside = "/" + str(scratch.relative_to(debian11))
        shutil.copy(pyexport_wheel, scratch)
        (scratch / "checks.py").write_text(PYEXPORT_CHECKS, encoding="utf-8")
        made = in_root(debian11, "python3", "-m", "venv", f"{inside}/venv")
        assert made.returncode == 0, made.stderr
        installed = in_root(debian11, f"{inside}/venv/bin/python", "-m", "pip", "install", "--no-index", "--no-deps",
                            "--disable-pip-version-check", f"{inside}/{pyexport_wheel.name}")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        for backend in ("native", "ctypes"):
            ran = in_root(debian11, "/usr/bin/env", f"AOTWHEEL_BACKEND={backend}", f"{inside}/venv/bin/python", f"{inside}/checks.py")
            assert ran.returncode == 0, ran.stdout + ran.stderr
            assert ran.stdout.startswith("3.9.") and ran.stdout.split()[1:] == [backend, "ok"], ran.stdout
