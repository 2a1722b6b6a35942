"""SOURCE_DATE_EPOCH: one reading of it, shared by the wheel (test_wheel.py) and the sdist."""

from __future__ import annotations

import gzip
import tarfile
import time
from pathlib import Path

import pytest

from aotwheel import sdist
from aotwheel.errors import AotWheelError
from aotwheel.metadata import metadata_from_pyproject
from aotwheel.project import Project, ToolConfig
from aotwheel.reproducible import source_date_epoch

EPOCH = 1_700_000_000


@pytest.mark.parametrize("value, epoch", [(None, None), ("", None), ("  ", None), ("0", 0), (str(EPOCH), EPOCH),
                                          (f" {EPOCH}\n", EPOCH)])
def test_source_date_epoch_values(monkeypatch: pytest.MonkeyPatch, value: str | None, epoch: int | None) -> None:
    if value is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert source_date_epoch() == epoch


# int() would take the last four ("1_700", "+5", full-width digits); `date +%s` prints none of them.
@pytest.mark.parametrize("value", ["yesterday", "1.5", "-1", "1e9", "1_700", "+5", "\uff11\uff12"])
def test_anything_but_seconds_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(AotWheelError) as error:
        source_date_epoch()
    assert str(error.value).startswith(f"SOURCE_DATE_EPOCH={value!r} is not a time")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project whose sdist members are given (listing them needs MSBuild; tests/integration do that)."""
    script = tmp_path / "build.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sdist, "sdist_files", lambda project, log: {"Lib.cs": b"class A {}", "build.sh": script})
    metadata = metadata_from_pyproject({}, tmp_path, fallback_name="lib", fallback_version="1.0")
    return Project(tmp_path, tmp_path / "Lib.csproj", "Lib", ("net10.0",), "lib", metadata, ToolConfig())


def sdist_times(path: Path) -> tuple[int, set[int]]:
    """The gzip header's time and the tar members' times."""
    with gzip.open(path) as stream:
        stream.read()
        header = stream.mtime
    with tarfile.open(path) as archive:
        return header, {int(member.mtime) for member in archive.getmembers()}


def test_the_sdist_takes_its_time_from_source_date_epoch(project: Project, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    first = sdist.write_sdist(project, tmp_path / "one")
    assert sdist_times(first) == (EPOCH, {EPOCH})
    time.sleep(1.1)  # a leaked "now" would show
    assert sdist.write_sdist(project, tmp_path / "two").read_bytes() == first.read_bytes()


def test_a_time_past_the_gzip_range_is_clamped(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1 << 33))
    assert sdist_times(sdist.write_sdist(project, tmp_path)) == (0xFFFFFFFF, {0xFFFFFFFF})


def test_without_source_date_epoch_the_sdist_has_the_current_time(project: Project, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = int(time.time())
    header, members = sdist_times(sdist.write_sdist(project, tmp_path))
    assert before <= header <= time.time() and members == {header}


def test_a_bad_source_date_epoch_stops_the_sdist(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")  # was silently replaced by the current time
    with pytest.raises(AotWheelError, match="SOURCE_DATE_EPOCH='yesterday' is not a time"):
        sdist.write_sdist(project, tmp_path / "dist")
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())
