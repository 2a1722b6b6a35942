"""The PEP 427 wheel writer: layout, RECORD, reproducibility, file modes, atomic writes, path checks."""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import aotwheel
from aotwheel import wheel as wheel_module
from aotwheel.errors import AotWheelError
from aotwheel.metadata import DistributionMetadata
from aotwheel.wheel import WheelWriter

TAG = "py3-none-manylinux_2_28_x86_64"
EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z
DIST_INFO = "contoso_pricing-1.2.0rc1.dist-info"


def make_metadata(**overrides) -> DistributionMetadata:
    values = dict(
        name="Contoso.Pricing",
        version="1.2.0-rc1",
        summary="Pricing engine",
        requires_dist=("numpy>=1.20",),
        entry_points={"console_scripts": {"contoso-price": "contoso_pricing.cli:main"}},
    )
    values.update(overrides)
    return DistributionMetadata(**values)


def make_writer(tmp_path: Path, *, library: bytes = b"\x7fELF fake library", tag: str = TAG) -> WheelWriter:
    writer = WheelWriter(make_metadata(), tag)
    writer.add_bytes("contoso_pricing/__init__.py", b"from ._native import price\n")
    writer.add_bytes("contoso_pricing/_native.py", b"def price():\n    return 42\n")
    lib = tmp_path / "src" / "libContoso.so"
    lib.parent.mkdir(parents=True, exist_ok=True)
    lib.write_bytes(library)
    lib.chmod(0o755)
    writer.add_file("contoso_pricing/libContoso.so", lib)
    writer.add_bytes("contoso_pricing/py.typed", b"")
    return writer


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    return EPOCH


def record_rows(archive: zipfile.ZipFile) -> list[list[str]]:
    text = archive.read(f"{DIST_INFO}/RECORD").decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def sha256_field(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_filename_uses_normalized_name_and_version(tmp_path: Path) -> None:
    writer = WheelWriter(make_metadata(), TAG)
    assert writer.filename == "contoso_pricing-1.2.0rc1-py3-none-manylinux_2_28_x86_64.whl"


def test_layout_and_record(tmp_path: Path, epoch: int) -> None:
    path = make_writer(tmp_path).write(tmp_path / "dist")
    assert path == tmp_path / "dist" / "contoso_pricing-1.2.0rc1-py3-none-manylinux_2_28_x86_64.whl"

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names == [
            "contoso_pricing/__init__.py",
            "contoso_pricing/_native.py",
            "contoso_pricing/libContoso.so",
            "contoso_pricing/py.typed",
            f"{DIST_INFO}/METADATA",
            f"{DIST_INFO}/WHEEL",
            f"{DIST_INFO}/entry_points.txt",
            f"{DIST_INFO}/RECORD",
        ]
        rows = record_rows(archive)
        # Every file but RECORD is listed with its recomputed hash and size; RECORD's own line is "path,,".
        assert [row[0] for row in rows] == names
        for name, digest, size in rows[:-1]:
            data = archive.read(name)
            assert digest == sha256_field(data), name
            assert int(size) == len(data), name
        assert rows[-1] == [f"{DIST_INFO}/RECORD", "", ""]

        wheel_msg = email.parser.Parser().parsestr(archive.read(f"{DIST_INFO}/WHEEL").decode())
        assert wheel_msg["Wheel-Version"] == "1.0"
        assert wheel_msg["Generator"] == f"aotwheel {aotwheel.__version__}"
        assert wheel_msg["Root-Is-Purelib"] == "false"
        assert wheel_msg.get_all("Tag") == [TAG]

        meta = email.parser.Parser().parsestr(archive.read(f"{DIST_INFO}/METADATA").decode())
        assert (meta["Name"], meta["Version"]) == ("Contoso.Pricing", "1.2.0rc1")
        assert archive.read(f"{DIST_INFO}/entry_points.txt").decode() == (
            "[console_scripts]\ncontoso-price = contoso_pricing.cli:main\n"
        )
        assert archive.read("contoso_pricing/libContoso.so") == b"\x7fELF fake library"

        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.extra == b""
            assert stat.S_ISREG(info.external_attr >> 16)


def test_wheel_package_reader_validates_record(tmp_path: Path, epoch: int) -> None:
    wheelfile = pytest.importorskip("wheel.wheelfile")
    path = make_writer(tmp_path).write(tmp_path)
    with wheelfile.WheelFile(path) as wf:
        assert wf.parsed_filename.group("name") == "contoso_pricing"
        assert wf.parsed_filename.group("ver") == "1.2.0rc1"
        for name in wf.namelist():
            wf.read(name)  # raises WheelError on a hash mismatch or a file missing from RECORD


def test_wheel_package_reader_detects_tampering(tmp_path: Path, epoch: int) -> None:
    # Guards the previous test: the reader really checks hashes, so a passing read means RECORD is right.
    wheelfile = pytest.importorskip("wheel.wheelfile")
    path = make_writer(tmp_path).write(tmp_path)
    tampered = tmp_path / "tampered" / path.name
    tampered.parent.mkdir()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("_native.py"):
                data = data.replace(b"42", b"43")
            dst.writestr(info, data)
    with wheelfile.WheelFile(tampered) as wf, pytest.raises(Exception, match="_native.py"):
        wf.read("contoso_pricing/_native.py")


def test_compressed_tag_is_expanded(tmp_path: Path, epoch: int) -> None:
    tag = "cp311.cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"
    writer = WheelWriter(make_metadata(), tag)
    path = writer.write(tmp_path)
    assert path.name.endswith(f"-{tag}.whl")
    with zipfile.ZipFile(path) as archive:
        wheel_msg = email.parser.Parser().parsestr(archive.read(f"{DIST_INFO}/WHEEL").decode())
    assert sorted(wheel_msg.get_all("Tag")) == [
        "cp311-abi3-manylinux2014_x86_64",
        "cp311-abi3-manylinux_2_17_x86_64",
        "cp312-abi3-manylinux2014_x86_64",
        "cp312-abi3-manylinux_2_17_x86_64",
    ]


def test_no_entry_points_file_without_entry_points(tmp_path: Path, epoch: int) -> None:
    writer = WheelWriter(make_metadata(entry_points={}), TAG)
    writer.add_bytes("m.py", b"")
    with zipfile.ZipFile(writer.write(tmp_path)) as archive:
        assert f"{DIST_INFO}/entry_points.txt" not in archive.namelist()
        assert archive.namelist()[-1] == f"{DIST_INFO}/RECORD"


def test_extra_dist_info_files_sort_before_record(tmp_path: Path, epoch: int) -> None:
    writer = WheelWriter(make_metadata(), TAG)
    writer.add_bytes(f"{DIST_INFO}/licenses/LICENSE", b"MIT\n")
    writer.add_bytes("zzz.py", b"")
    with zipfile.ZipFile(writer.write(tmp_path)) as archive:
        names = archive.namelist()
    assert names[0] == "zzz.py"
    assert names[-1] == f"{DIST_INFO}/RECORD"
    assert f"{DIST_INFO}/licenses/LICENSE" in names


def test_reproducible_with_source_date_epoch(tmp_path: Path, epoch: int) -> None:
    first = make_writer(tmp_path / "a").write(tmp_path / "out1")
    time.sleep(2.1)  # the zip clock has two-second resolution; a leaked "now" would show
    second = make_writer(tmp_path / "b").write(tmp_path / "out2")
    assert first.read_bytes() == second.read_bytes()

    different = make_writer(tmp_path / "c", library=b"\x7fELF other library").write(tmp_path / "out3")
    assert different.read_bytes() != first.read_bytes()

    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {time.gmtime(EPOCH)[:6]}


def test_source_date_epoch_before_1980_is_clamped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    with zipfile.ZipFile(make_writer(tmp_path).write(tmp_path)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_invalid_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(AotWheelError, match="SOURCE_DATE_EPOCH='yesterday' is not a time"):
        make_writer(tmp_path).write(tmp_path / "dist")
    assert list((tmp_path / "dist").iterdir()) == []


def test_the_generator_is_the_running_aotwheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wheel_module, "__version__", "9.8.7")
    with zipfile.ZipFile(make_writer(tmp_path).write(tmp_path)) as archive:
        wheel_msg = email.parser.Parser().parsestr(archive.read(f"{DIST_INFO}/WHEEL").decode())
    assert wheel_msg["Generator"] == "aotwheel 9.8.7"


def test_without_source_date_epoch_uses_current_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = time.mktime(time.localtime()) - 2
    path = make_writer(tmp_path).write(tmp_path)
    after = time.mktime(time.localtime()) + 2
    with zipfile.ZipFile(path) as archive:
        stamps = {info.date_time for info in archive.infolist()}
    assert len(stamps) == 1
    stamp = time.mktime(stamps.pop() + (0, 0, -1))
    assert before <= stamp <= after


def test_executable_bits(tmp_path: Path, epoch: int) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"data")
    plain.chmod(0o600)  # only the executable bit is taken from the source; the rest is normalized
    tool = tmp_path / "tool.sh"
    tool.write_bytes(b"#!/bin/sh\n")
    tool.chmod(0o700)
    writer = WheelWriter(make_metadata(), TAG)
    writer.add_file("pkg/plain.txt", plain)
    writer.add_file("pkg/tool.sh", tool)
    writer.add_bytes("pkg/run", b"#!/bin/sh\n", executable=True)
    writer.add_bytes("pkg/data.bin", b"\0")
    with zipfile.ZipFile(writer.write(tmp_path / "dist")) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes["pkg/plain.txt"] == stat.S_IFREG | 0o644
    assert modes["pkg/tool.sh"] == stat.S_IFREG | 0o755
    assert modes["pkg/run"] == stat.S_IFREG | 0o755
    assert modes["pkg/data.bin"] == stat.S_IFREG | 0o644
    assert modes[f"{DIST_INFO}/RECORD"] == stat.S_IFREG | 0o644


def test_creates_missing_out_dir(tmp_path: Path, epoch: int) -> None:
    out = tmp_path / "a" / "b" / "dist"
    path = make_writer(tmp_path).write(out)
    assert path.parent == out and path.is_file()
    assert sorted(p.name for p in out.iterdir()) == [path.name]


# --- atomic writes --------------------------------------------------------------------------------------


def test_source_vanishing_leaves_nothing_behind(tmp_path: Path, epoch: int) -> None:
    writer = make_writer(tmp_path)
    (tmp_path / "src" / "libContoso.so").unlink()
    out = tmp_path / "dist"
    with pytest.raises(AotWheelError, match="libContoso.so"):
        writer.write(out)
    assert list(out.iterdir()) == []


class _FailingReader(io.RawIOBase):
    """Yields some data, then fails like a disk error or an interrupted build."""

    def __init__(self, error: BaseException) -> None:
        self._error = error
        self._calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self._calls += 1
        if self._calls == 1:
            return b"x" * 4096
        raise self._error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(5, "Input/output error"), AotWheelError),
        (RuntimeError("boom"), RuntimeError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_failure_mid_write_leaves_nothing_behind(
    tmp_path: Path, epoch: int, monkeypatch: pytest.MonkeyPatch, error: BaseException, expected: type
) -> None:
    writer = make_writer(tmp_path)
    real_open = wheel_module._Entry.open

    def open_entry(entry):
        if entry.source is not None:
            return _FailingReader(error)
        return real_open(entry)

    monkeypatch.setattr(wheel_module._Entry, "open", open_entry)
    out = tmp_path / "dist"
    with pytest.raises(expected):
        writer.write(out)
    assert list(out.iterdir()) == []


def test_failed_rewrite_keeps_previous_wheel(tmp_path: Path, epoch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dist"
    path = make_writer(tmp_path).write(out)
    previous = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aotwheel.atomic.os.replace", failing_replace)
    with pytest.raises(AotWheelError, match=f"{path.name}: No space left on device"):  # named, no traceback
        make_writer(tmp_path, library=b"new contents").write(out)
    assert sorted(p.name for p in out.iterdir()) == [path.name]
    assert path.read_bytes() == previous


def test_write_twice_is_identical(tmp_path: Path, epoch: int) -> None:
    writer = make_writer(tmp_path)
    first = writer.write(tmp_path / "one").read_bytes()
    second = writer.write(tmp_path / "two").read_bytes()
    assert first == second


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "archive_path",
    [
        "/etc/passwd",
        "../escape.py",
        "pkg/../../escape.py",
        "pkg//double.py",
        "./pkg/mod.py",
        "pkg/",
        "pkg\\mod.py",
        "C:/windows.py",
        "other-1.0.dist-info/METADATA",
        f"{DIST_INFO}/RECORD",
        f"{DIST_INFO}/METADATA",
    ],
)
def test_bad_archive_paths_are_rejected(archive_path: str) -> None:
    writer = WheelWriter(make_metadata(), TAG)
    with pytest.raises(AotWheelError) as info:
        writer.add_bytes(archive_path, b"")
    assert repr(archive_path) in str(info.value)


def test_empty_archive_path_is_rejected() -> None:
    with pytest.raises(AotWheelError, match="archive path"):
        WheelWriter(make_metadata(), TAG).add_bytes("", b"")


def test_duplicate_paths_are_rejected(tmp_path: Path) -> None:
    writer = WheelWriter(make_metadata(), TAG)
    writer.add_bytes("pkg/mod.py", b"a")
    with pytest.raises(AotWheelError, match="pkg/mod.py"):
        writer.add_bytes("pkg/mod.py", b"b")
    source = tmp_path / "mod.py"
    source.write_bytes(b"c")
    with pytest.raises(AotWheelError, match="pkg/mod.py"):
        writer.add_file("pkg/mod.py", source)


def test_add_file_requires_existing_regular_file(tmp_path: Path) -> None:
    writer = WheelWriter(make_metadata(), TAG)
    with pytest.raises(AotWheelError, match="nope.so"):
        writer.add_file("pkg/nope.so", tmp_path / "nope.so")
    with pytest.raises(AotWheelError, match="not a regular file"):
        writer.add_file("pkg/dir", tmp_path)


@pytest.mark.parametrize("tag", ["py3-none", "py3-none-any-extra", "py3--any", "py3-none-Linux_X86_64", "py3-none-a b"])
def test_bad_tags_are_rejected(tag: str) -> None:
    with pytest.raises(AotWheelError, match=tag.replace("-", r"\-")):
        WheelWriter(make_metadata(), tag)


# --- installing with pip ----------------------------------------------------------------------------------


def _pip_available() -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


@pytest.mark.skipif(not _pip_available(), reason="pip is not installed for this interpreter (python3-pip)")
def test_pip_installs_the_wheel(tmp_path: Path, epoch: int) -> None:
    writer = make_writer(tmp_path, tag="py3-none-any")
    writer.add_bytes("contoso_pricing/cli.py", b"def main():\n    print('price', 42)\n")
    wheel_path = writer.write(tmp_path / "dist")
    target = tmp_path / "site"
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", PIP_NO_INPUT="1")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    package = target / "contoso_pricing"
    for name in ("__init__.py", "_native.py", "libContoso.so", "py.typed", "cli.py"):
        assert (package / name).is_file(), name
    assert (package / "libContoso.so").read_bytes() == b"\x7fELF fake library"
    assert os.stat(package / "libContoso.so").st_mode & 0o100, "executable bit lost on install"
    assert not os.stat(package / "__init__.py").st_mode & 0o111

    dist_info = target / "contoso_pricing-1.2.0rc1.dist-info"
    assert (dist_info / "METADATA").is_file() and (dist_info / "RECORD").is_file()
    script = target / "bin" / "contoso-price"
    assert script.is_file(), "console script not generated from entry_points.txt"

    check = subprocess.run(
        [sys.executable, "-c", "import contoso_pricing; print(contoso_pricing.price())"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(target)),
        check=False,
    )
    assert check.stdout.strip() == "42", check.stderr
