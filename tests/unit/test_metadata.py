"""Core metadata: rendering METADATA and reading a pyproject [project] table."""

from __future__ import annotations

import email.parser
import re
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from aotwheel.errors import AotWheelError
from aotwheel.metadata import DistributionMetadata, metadata_from_pyproject

README = "# Contoso Pricing\n\nPrices things *fast*.\n\nÜnïcödé is kept.\n"
LICENSE = "MIT License\n\nCopyright (c) Contoso\n"


def parse(text: str):
    return email.parser.Parser().parsestr(text)


def from_project(project: dict, base_dir: Path = Path("."), **kwargs) -> DistributionMetadata:
    kwargs.setdefault("fallback_name", "Fallback")
    kwargs.setdefault("fallback_version", "0.0.1")
    return metadata_from_pyproject(project, base_dir, **kwargs)


@pytest.fixture
def full_project(tmp_path: Path) -> dict:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    (tmp_path / "LICENSE").write_text(LICENSE, encoding="utf-8")
    return {
        "name": "Contoso.Pricing",
        "version": "1.2.0-RC.1",
        "description": "Pricing engine for Python",
        "readme": "README.md",
        "requires-python": ">=3.9",
        "license": {"file": "LICENSE"},
        "authors": [
            {"name": "Ada Lovelace", "email": "ada@contoso.example"},
            {"name": "Charles Babbage"},
            {"email": "team@contoso.example"},
        ],
        "maintainers": [{"name": "Grace Hopper", "email": "grace@contoso.example"}],
        "keywords": ["pricing", "nativeaot"],
        "classifiers": ["Programming Language :: Python :: 3", "Operating System :: POSIX :: Linux"],
        "urls": {"Homepage": "https://contoso.example", "Source": "https://git.contoso.example/pricing"},
        "dependencies": ["numpy>=1.20", 'typing-extensions; python_version < "3.11"'],
        "optional-dependencies": {
            "Fast_Math": ["scipy>=1.5"],
            "win": ['pywin32; os_name == "nt" or sys_platform == "cygwin"'],
            "url": ["localpkg @ https://files.contoso.example/localpkg-1.0-py3-none-any.whl"],
        },
        "scripts": {"contoso-price": "contoso_pricing.cli:main"},
        "gui-scripts": {"contoso-gui": "contoso_pricing.gui:run"},
        "entry-points": {"contoso.plugins": {"default": "contoso_pricing.plugins:Default"}},
    }


def test_full_project_renders_parseable_metadata(full_project: dict, tmp_path: Path) -> None:
    meta = from_project(full_project, tmp_path)
    msg = parse(meta.render())

    assert msg["Metadata-Version"] == "2.1"
    assert msg["Name"] == "Contoso.Pricing"
    assert msg["Version"] == "1.2.0rc1"
    assert msg["Summary"] == "Pricing engine for Python"
    assert msg["Requires-Python"] == ">=3.9"
    assert msg["Description-Content-Type"] == "text/markdown"
    assert msg.get_payload() == README
    assert msg["Keywords"] == "pricing,nativeaot"
    assert msg.get_all("Classifier") == full_project["classifiers"]
    assert msg.get_all("Project-URL") == [
        "Homepage, https://contoso.example",
        "Source, https://git.contoso.example/pricing",
    ]
    # Names without an email go to Author; "Name <email>" and bare emails to Author-email.
    assert msg["Author"] == "Charles Babbage"
    assert msg["Author-email"] == "Ada Lovelace <ada@contoso.example>, team@contoso.example"
    assert msg["Maintainer-email"] == "Grace Hopper <grace@contoso.example>"
    assert msg["Maintainer"] is None
    license_lines = [line.strip() for line in msg["License"].splitlines()]
    assert license_lines == ["MIT License", "", "Copyright (c) Contoso"]
    assert msg["License-Expression"] is None
    assert msg.get_all("Provides-Extra") == ["fast-math", "win", "url"]


def test_full_project_requirements_and_extra_markers(full_project: dict, tmp_path: Path) -> None:
    meta = from_project(full_project, tmp_path)
    reqs = [Requirement(text) for text in parse(meta.render()).get_all("Requires-Dist")]
    by_name = {req.name: req for req in reqs}
    assert set(by_name) == {"numpy", "typing-extensions", "scipy", "pywin32", "localpkg"}

    assert by_name["numpy"].marker is None
    assert str(by_name["numpy"].specifier) == ">=1.20"

    scipy = by_name["scipy"].marker
    assert scipy.evaluate({"extra": "fast-math"})
    assert scipy.evaluate({"extra": "fast_math"})  # PEP 685 comparison
    assert not scipy.evaluate({"extra": ""})

    # The original "a or b" marker must be parenthesised before "and extra == ...".
    win = by_name["pywin32"].marker
    assert win.evaluate({"extra": "win", "os_name": "nt", "sys_platform": "linux"})
    assert win.evaluate({"extra": "win", "os_name": "posix", "sys_platform": "cygwin"})
    assert not win.evaluate({"extra": "win", "os_name": "posix", "sys_platform": "linux"})
    assert not win.evaluate({"extra": "other", "os_name": "posix", "sys_platform": "cygwin"})
    assert not win.evaluate({"extra": "", "os_name": "nt", "sys_platform": "win32"})

    url = by_name["localpkg"]
    assert url.url == "https://files.contoso.example/localpkg-1.0-py3-none-any.whl"
    assert url.marker is not None and url.marker.evaluate({"extra": "url"})
    assert not url.marker.evaluate({"extra": "win"})


def test_full_project_entry_points(full_project: dict, tmp_path: Path) -> None:
    meta = from_project(full_project, tmp_path)
    assert meta.entry_points == {
        "console_scripts": {"contoso-price": "contoso_pricing.cli:main"},
        "gui_scripts": {"contoso-gui": "contoso_pricing.gui:run"},
        "contoso.plugins": {"default": "contoso_pricing.plugins:Default"},
    }
    assert meta.render_entry_points() == textwrap.dedent(
        """\
        [console_scripts]
        contoso-price = contoso_pricing.cli:main

        [contoso.plugins]
        default = contoso_pricing.plugins:Default

        [gui_scripts]
        contoso-gui = contoso_pricing.gui:run
        """
    )


def test_names() -> None:
    meta = DistributionMetadata(name="Contoso.Pricing__Engine", version="1.0")
    assert meta.normalized_name == "contoso-pricing-engine"
    assert meta.wheel_name == "contoso_pricing_engine"
    assert DistributionMetadata(name="contoso-pricing", version="1").wheel_name == "contoso_pricing"


def test_minimal_metadata_has_no_body() -> None:
    text = DistributionMetadata(name="tiny", version="1.0").render()
    assert text == "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n"


def test_empty_project_uses_fallbacks() -> None:
    meta = from_project({}, fallback_name="Contoso.Lib", fallback_version="3.1.4")
    assert (meta.name, meta.version) == ("Contoso.Lib", "3.1.4")
    assert meta.requires_dist == () and meta.entry_points == {}


def test_dynamic_version_uses_fallback() -> None:
    meta = from_project({"name": "x", "dynamic": ["version"]}, fallback_version="2.0.0")
    assert meta.version == "2.0.0"


def test_dynamic_version_and_version_conflict() -> None:
    with pytest.raises(AotWheelError, match="version"):
        from_project({"name": "x", "version": "1.0", "dynamic": ["version"]})


def test_license_string_is_spdx_expression() -> None:
    meta = from_project({"license": "MIT OR Apache-2.0"})
    msg = parse(meta.render())
    assert msg["Metadata-Version"] == "2.4"
    assert msg["License-Expression"] == "MIT OR Apache-2.0"
    assert msg["License"] is None


def test_license_text() -> None:
    msg = parse(from_project({"license": {"text": "MIT"}}).render())
    assert msg["License"] == "MIT" and msg["Metadata-Version"] == "2.1"


@pytest.mark.parametrize(
    ("file_name", "content_type"),
    [("README.rst", "text/x-rst"), ("docs/readme.txt", "text/plain"), ("README.MD", "text/markdown")],
)
def test_readme_content_type_inferred(tmp_path: Path, file_name: str, content_type: str) -> None:
    (tmp_path / file_name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file_name).write_text("Hello\n", encoding="utf-8")
    meta = from_project({"readme": file_name}, tmp_path)
    assert meta.description == "Hello\n"
    assert meta.description_content_type == content_type


def test_readme_table_forms(tmp_path: Path) -> None:
    (tmp_path / "README").write_bytes("caf\xe9\n".encode("latin-1"))
    meta = from_project(
        {"readme": {"file": "README", "content-type": "text/plain", "charset": "latin-1"}}, tmp_path
    )
    assert (meta.description, meta.description_content_type) == ("caf\xe9\n", "text/plain")

    meta = from_project({"readme": {"text": "Inline *text*", "content-type": "text/markdown"}})
    msg = parse(meta.render())
    assert msg.get_payload() == "Inline *text*"
    assert msg["Description-Content-Type"] == "text/markdown"


def test_readme_text_needs_content_type() -> None:
    with pytest.raises(AotWheelError, match="content-type"):
        from_project({"readme": {"text": "hi"}})


def test_readme_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "README.adoc").write_text("x")
    with pytest.raises(AotWheelError, match=r"README\.adoc"):
        from_project({"readme": "README.adoc"}, tmp_path)


def test_missing_readme_names_file(tmp_path: Path) -> None:
    with pytest.raises(AotWheelError, match=r"docs/MISSING\.md"):
        from_project({"readme": "docs/MISSING.md"}, tmp_path)


def test_missing_license_file_names_file(tmp_path: Path) -> None:
    with pytest.raises(AotWheelError, match="COPYING"):
        from_project({"license": {"file": "COPYING"}}, tmp_path)


def test_unknown_key_names_key() -> None:
    with pytest.raises(AotWheelError, match="homepage"):
        from_project({"name": "x", "homepage": "https://example.com"})


@pytest.mark.parametrize("version", ["1.0.x", "banana", ""])
def test_bad_version_names_value(version: str) -> None:
    with pytest.raises(AotWheelError, match=re.escape(repr(version))):
        from_project({"name": "x", "version": version})


def test_bad_fallback_version_names_value() -> None:
    with pytest.raises(AotWheelError, match="'not-a-version'"):
        from_project({"name": "x"}, fallback_version="not-a-version")


def test_bad_name() -> None:
    with pytest.raises(AotWheelError, match="-bad-"):
        from_project({"name": "-bad-"})


@pytest.mark.parametrize(
    ("project", "culprit"),
    [
        ({"classifiers": "Programming Language :: Python"}, "classifiers"),
        ({"keywords": ["ok", 3]}, "keywords"),
        ({"description": ["x"]}, "description"),
        ({"dependencies": "numpy"}, "dependencies"),
        ({"optional-dependencies": {"x": "numpy"}}, "optional-dependencies.x"),
        ({"urls": {"Home": 1}}, "urls"),
        ({"authors": [{"name": "A", "email": 3}]}, r"authors\[0\]\.email"),
        ({"authors": [{"name": "A", "web": "x"}]}, "web"),
        ({"authors": "Ada"}, "authors"),
        ({"scripts": {"a": 1}}, "scripts.a"),
        ({"license": 3}, "license"),
        ({"readme": 3}, "readme"),
        ({"dynamic": "version"}, "dynamic"),
    ],
)
def test_wrong_types_name_the_key(project: dict, culprit: str) -> None:
    with pytest.raises(AotWheelError, match=culprit):
        from_project(project)


@pytest.mark.parametrize(
    ("project", "culprit"),
    [
        ({"dependencies": ["numpy >>> 1"]}, "numpy >>> 1"),
        ({"optional-dependencies": {"x": ["bad req ("]}}, "bad req"),
        ({"requires-python": "three"}, "three"),
        ({"description": "two\nlines"}, "description"),
        ({"authors": [{"name": "Doe, Jane"}]}, "Doe, Jane"),
        ({"authors": [{"email": "not-an-email"}]}, "not-an-email"),
        ({"entry-points": {"console_scripts": {"a": "b:c"}}}, "console_scripts"),
        ({"scripts": {"tool": "not a reference"}}, "not a reference"),
        ({"dynamic": ["readme"]}, "readme"),
        ({"license-files": ["LICENSE"]}, "license-files"),
        ({"optional-dependencies": {"a_b": [], "A-B": []}}, "a-b"),
    ],
)
def test_invalid_values_name_the_culprit(project: dict, culprit: str) -> None:
    with pytest.raises(AotWheelError, match=culprit):
        from_project(project)


def test_license_expression_and_text_conflict() -> None:
    with pytest.raises(AotWheelError, match="MIT"):
        DistributionMetadata(name="x", version="1", license="MIT text", license_expression="MIT")


def test_direct_construction_accepts_lists_and_copies_entry_points() -> None:
    groups = {"console_scripts": {"a": "m:f"}}
    meta = DistributionMetadata(name="x", version="1", classifiers=["A :: B"], entry_points=groups)
    groups["console_scripts"]["b"] = "m:g"
    assert meta.classifiers == ("A :: B",)
    assert meta.entry_points == {"console_scripts": {"a": "m:f"}}
