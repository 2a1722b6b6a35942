"""Which of aotwheel's C# sources a build adds, and what it refuses before compiling, decided from
the project's own sources (read as text: no SDK needed here); the real builds are in
tests/integration/test_attributes.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from aotwheel.attributes import attribute_sources
from aotwheel.csharp_sources import declared_types, uses_unsafe
from aotwheel.errors import AotWheelError
from aotwheel.inputs import BuildInputs
from aotwheel.metadata import metadata_from_pyproject
from aotwheel.project import Project, ToolConfig
from aotwheel.support_sources import (
    check_no_clash, chosen_sources, project_sources, runtime_support, runtime_support_exports,
)

ATTRIBUTES = sorted(attribute_sources())  # PyExportAttribute.cs, ReleaseGilAttribute.cs


def test_declared_types_follow_namespaces_and_skip_comments_strings_and_nested_types():
    text = '''
    using System;
    // class InComment {}
    /* namespace Fake { class InBlockComment {} } */
    namespace AotWheel
    {
        internal sealed class PyExportAttribute : Attribute
        {
            string s = "class InString { }";
            char c = '{';
            class Nested { }
            void M() { var x = new { A = 1 }; }
        }
        namespace Inner { public record struct Point(int X, int Y); }
        public enum Kind : byte { A, B }
    }
    namespace Other { public static class Tools { } }
    '''
    assert declared_types(text) == [
        "AotWheel.PyExportAttribute", "AotWheel.Inner.Point", "AotWheel.Kind", "Other.Tools",
    ]


def test_file_scoped_namespaces_raw_and_verbatim_strings():
    text = 'namespace Shop.Core;\nvar raw = """\nclass NotAType {}\n""";\nvar v = @"class Nope ""{""";\npublic class Basket { }\nrecord Line(int Count);\n'
    assert declared_types(text) == ["Shop.Core.Basket", "Shop.Core.Line"]


def test_aotwheels_own_attribute_files_declare_what_their_names_say():
    for name, data in attribute_sources().items():
        assert declared_types(data.decode()) == [f"AotWheel.{Path(name).stem}"]


def test_unsafe_is_the_keyword_in_code_not_the_word_in_text():
    assert uses_unsafe("public static unsafe class Exports { }")
    assert uses_unsafe("static int F(int* p) { unsafe { return *p; } }")
    assert not uses_unsafe('// this is not unsafe\nvar s = "unsafe"; /* unsafe */ var unsafeness = 1;')


@pytest.fixture()
def project(tmp_path):
    def make(allows_unsafe=False, msbuild_properties=None):
        metadata = metadata_from_pyproject({}, tmp_path, fallback_name="lib", fallback_version="1.0")
        config = ToolConfig(msbuild_properties=msbuild_properties or {})
        return Project(tmp_path, tmp_path / "Lib.csproj", "Lib", ("net10.0",), "lib", metadata, config,
                       allows_unsafe_blocks=allows_unsafe)
    return make


def inputs_of(tmp_path: Path, sources: dict[str, str], packages=(), trees=None) -> BuildInputs:
    for name, text in sources.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return BuildInputs(tuple(str(tmp_path / n) for n in sources), tuple(packages), tuple(trees or [str(tmp_path)]), ())


def choose(project, inputs, log=None):
    return chosen_sources(project, inputs, project_sources(inputs), (log if log is not None else []).append)


def test_without_package_or_copy_aotwheel_adds_every_attribute(project, tmp_path):
    chosen = choose(project(), inputs_of(tmp_path, {"Library.cs": "namespace Shop { [AotWheel.PyExport] public static class L { } }"}))
    assert sorted(chosen) == sorted(ATTRIBUTES)


def test_with_the_package_aotwheel_adds_no_attribute(project, tmp_path):
    log: list[str] = []
    inputs = inputs_of(tmp_path, {"Library.cs": "namespace Shop { }"}, packages=["AotWheel.Attributes/0.1.0"])
    assert choose(project(), inputs, log) == {}
    assert "[PyExport] attributes from the AotWheel.Attributes package 0.1.0" in log


def test_a_users_own_copy_of_one_attribute_replaces_only_that_one(project, tmp_path):
    log: list[str] = []
    own = attribute_sources()["PyExportAttribute.cs"].decode()
    chosen = choose(project(), inputs_of(tmp_path, {"Attributes/PyExportAttribute.cs": own}), log)
    assert "PyExportAttribute.cs" not in chosen and "ReleaseGilAttribute.cs" in chosen
    assert f"[PyExport] AotWheel.PyExportAttribute: the project's own, in {tmp_path / 'Attributes' / 'PyExportAttribute.cs'}" in log


def test_a_copy_beside_the_package_is_an_error_naming_the_copy(project, tmp_path):
    own = attribute_sources()["ReleaseGilAttribute.cs"].decode()
    inputs = inputs_of(tmp_path, {"Mine.cs": own}, packages=["AotWheel.Attributes/0.1.0"])
    with pytest.raises(AotWheelError, match=r"Mine\.cs declares AotWheel\.ReleaseGilAttribute, which the "
                       r"AotWheel\.Attributes package the project references declares too .*delete Mine\.cs"):
        choose(project(), inputs)


def test_a_type_named_like_aotwheels_own_code_is_an_error_before_compiling(project, tmp_path):
    inputs = inputs_of(tmp_path, {"Blob.cs": "namespace AotWheel.Interop { public class Blob { } }"})
    with pytest.raises(AotWheelError, match=r"Blob\.cs declares AotWheel\.Interop\.Blob, which aotwheel compiles "
                       r"into its builds too \(Interop\.cs\): rename it or move it out of the namespace AotWheel\.Interop"):
        choose(project(), inputs)
    with pytest.raises(AotWheelError, match="AotWheel.Generated.Shims"):
        check_no_clash(project_sources(inputs_of(tmp_path, {"S.cs": "namespace AotWheel.Generated { class Shims {} }"})),
                       {"shims.cs": b"namespace AotWheel.Generated { internal static unsafe class Shims { } }"})


def test_unsafe_code_needs_the_projects_own_allow_unsafe_blocks(project, tmp_path):
    sources = {"Exports.cs": "public static unsafe class Exports { }"}
    with pytest.raises(AotWheelError, match=r"Exports\.cs has unsafe code, which Lib\.csproj does not allow: add "
                       r"<AllowUnsafeBlocks>true</AllowUnsafeBlocks> .*CS0227"):
        choose(project(), inputs_of(tmp_path, sources))
    assert choose(project(allows_unsafe=True), inputs_of(tmp_path, sources))
    assert choose(project(msbuild_properties={"AllowUnsafeBlocks": "true"}), inputs_of(tmp_path, sources))


def test_unsafe_code_of_a_referenced_project_is_that_projects_business(project, tmp_path):
    # Core/ is a project of its own (its own folder among MSBuild's trees), inside Lib's folder.
    inputs = inputs_of(tmp_path, {"Core/Fast.cs": "unsafe struct S { }"}, trees=[str(tmp_path), str(tmp_path / "Core")])
    assert choose(project(), inputs)


def test_every_export_of_the_run_time_support_is_found():
    # The binding's symbol check counts on this list (the inspector never reads that assembly): an
    # EntryPoint spelled another way would fail every build's check, so the spelling is pinned here.
    texts = [data.decode() for data in runtime_support().values()]
    assert len(runtime_support_exports()) == sum(t.count("EntryPoint") for t in texts) >= 10
    assert "aotwheel_free" in runtime_support_exports()
