"""The rebuild stamp's logic, with MSBuild's answer and the compiler stubbed (no SDK needed); the
real thing runs in tests/integration/test_workflow.py."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from aotwheel import inputs
from aotwheel.compile import STAMP_NAME, MissingAotPackages, NativeCompiler
from aotwheel.inputs import BuildInputs, InputStamp
from aotwheel.metadata import metadata_from_pyproject
from aotwheel.project import Project, ToolConfig
from aotwheel.targets import target_for


@pytest.fixture()
def project(tmp_path, monkeypatch) -> Project:
    source = tmp_path / "Lib.cs"
    source.write_text("class A {}")
    csproj = tmp_path / "Lib.csproj"
    csproj.write_text("<Project Sdk=\"Microsoft.NET.Sdk\" />")
    answers = []

    def ask(command, build_root, env=None, log=None, imports=True):
        answers.append((command, imports))
        files = tuple(sorted((str(source), str(csproj))))
        return BuildInputs(files, ("Markdig/1.6.0",), (str(tmp_path),), (), evaluated=(str(csproj),))

    monkeypatch.setattr(inputs, "ask_msbuild", ask)
    metadata = metadata_from_pyproject({}, tmp_path, fallback_name="lib", fallback_version="1.0")
    built = Project(tmp_path, tmp_path / "Lib.csproj", "Lib", ("net10.0",), "lib", metadata, ToolConfig())
    object.__setattr__(built, "answers", answers)  # how often MSBuild was asked, for the tests
    return built


def test_a_framework_fallback_leaves_its_stamp_where_the_next_build_looks(project, tmp_path, monkeypatch):
    runs = []

    def run(self, verb, extra_sources, generate=None):
        runs.append(self.framework)
        if self.framework == "net10.0":
            raise MissingAotPackages("net10.0", ["Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64"])
        for path in (self.assembly, self.library):  # in that order, as csc and then the linker write them
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"built")

    monkeypatch.setattr(NativeCompiler, "_run", run)

    def publish():
        return NativeCompiler(project, target_for("linux-x64"), tmp_path / "b", log=lambda line: None).publish()

    first = publish()
    assert runs == ["net10.0", "net9.0"] and first.framework == "net9.0" and not first.skipped
    assert (tmp_path / "b" / "linux-x64-net9.0" / STAMP_NAME).is_file()
    assert not (tmp_path / "b" / "linux-x64-net10.0" / STAMP_NAME).exists()

    second = publish()  # settled on net9.0: no retry of net10.0, no publish
    assert runs == ["net10.0", "net9.0"] and second.skipped and second.framework == "net9.0"

    (tmp_path / "Lib.cs").write_text("class B {}")
    third = publish()
    assert runs == ["net10.0", "net9.0", "net9.0"] and not third.skipped


def age(*paths: Path, seconds: int = 3600) -> None:
    """Times from long ago, explicitly: a change in the same clock tick as the stamp is not trusted."""
    for path in paths:
        os.utime(path, (time.time() - seconds, time.time() - seconds))


def test_times_alone_never_rebuild_and_unmoved_inputs_ask_nothing(project, tmp_path):
    (tmp_path / "build").mkdir()  # the build folder, inside the project: not watched
    source = tmp_path / "Lib.cs"
    age(source, tmp_path / "Lib.csproj", tmp_path)

    def stamp(key: str = "key") -> InputStamp:
        return InputStamp(tmp_path / "build" / "stamp.json", key, ["dotnet", "msbuild"], tmp_path / "build")

    assert not stamp().is_current()  # no stamp yet
    stamp().save()
    asked = len(project.answers)
    assert stamp().is_current() and len(project.answers) == asked  # nothing moved: MSBuild not asked

    source.write_text(source.read_text())  # rewritten, same content: MSBuild's answer cannot differ
    age(source, seconds=1800)
    assert stamp().is_current() and len(project.answers) == asked

    csproj = tmp_path / "Lib.csproj"
    csproj.write_text(csproj.read_text())  # what MSBuild evaluates moved: it is asked again
    age(csproj, seconds=1700)
    assert stamp().is_current() and len(project.answers) == asked + 1
    assert stamp().is_current() and len(project.answers) == asked + 1  # the new times were remembered

    (tmp_path / "README.md").write_text("new file")  # the folder moved; MSBuild lists the same inputs
    age(tmp_path, seconds=900)
    assert stamp().is_current() and len(project.answers) == asked + 2

    source.write_text("class C {}")  # a one-line edit: a rebuild, from MSBuild's recorded answer
    age(source, seconds=800)
    edited = stamp()
    assert not edited.is_current() and len(project.answers) == asked + 2
    assert edited.inputs().files == tuple(sorted((str(source), str(csproj))))
    assert not stamp("other key").is_current() and len(project.answers) == asked + 3


def test_before_a_first_build_msbuild_is_asked_only_for_what_a_choice_needs(project, tmp_path):
    (tmp_path / "build").mkdir()
    stamp = InputStamp(tmp_path / "build" / "stamp.json", "key", ["dotnet", "msbuild"], tmp_path / "build")
    assert not stamp.is_current() and project.answers == []  # no stamp: nothing to compare with
    assert stamp.inputs().files and project.answers == [(["dotnet", "msbuild"], False)]  # items, not the imports
    stamp.save()  # what is saved is read whole, after the build's restore
    assert project.answers[1:] == [(["dotnet", "msbuild"], True)]


def test_a_source_edited_during_a_first_build_is_built_again(project, tmp_path):
    (tmp_path / "build").mkdir()
    source = tmp_path / "Lib.cs"
    age(source, tmp_path / "Lib.csproj", tmp_path)
    path = tmp_path / "build" / "stamp.json"
    started = time.time_ns() - 60_000_000_000  # the step started a minute ago; the edit came after
    age(source, seconds=30)
    InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").save(started)
    assert not InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").is_current()
    InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").save(time.time_ns())  # after a build that read it
    assert InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").is_current()


def test_a_stamp_that_kept_no_evaluated_files_asks_msbuild(project, tmp_path):
    (tmp_path / "build").mkdir()
    source = tmp_path / "Lib.cs"
    age(source, tmp_path / "Lib.csproj", tmp_path)
    path = tmp_path / "build" / "stamp.json"
    InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").save()
    record = json.loads(path.read_text())
    del record["evaluated"]  # as an older aotwheel wrote it
    path.write_text(json.dumps(record))
    source.write_text("class D {}")
    age(source, seconds=1800)
    asked = len(project.answers)
    assert not InputStamp(path, "key", ["dotnet", "msbuild"], tmp_path / "build").is_current()
    assert len(project.answers) == asked + 1


def test_a_change_in_the_same_clock_tick_as_the_stamp_is_seen(project, tmp_path):
    (tmp_path / "build").mkdir()
    source = tmp_path / "Lib.cs"
    stamp = InputStamp(tmp_path / "build" / "stamp.json", "key", ["dotnet", "msbuild"], tmp_path / "build")
    stamp.save()  # the source was written just now
    recorded = os.stat(source).st_mtime_ns
    source.write_text("class Z {}")  # same size; give it the very same time
    os.utime(source, ns=(recorded, recorded))
    assert not InputStamp(tmp_path / "build" / "stamp.json", "key", ["dotnet", "msbuild"], tmp_path / "build").is_current()
