"""The files aotwheel ships (templates, C# support) and the one Jinja environment every template is
rendered with."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from aotwheel import resources
from aotwheel.errors import AotWheelError
from aotwheel.resources import template_environment


def test_a_missing_folder_is_an_aotwheel_error_naming_where_it_looked(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "aotwheel")
    with pytest.raises(AotWheelError, match="incompletely installed") as error:
        resources.support_dir()
    assert str(tmp_path / "aotwheel" / "support") in str(error.value)
    assert str(tmp_path / "csharp_src" / "support") in str(error.value)


def test_installed_folders_come_before_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in (tmp_path / "aotwheel" / "templates", tmp_path / "templates"):
        folder.mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "aotwheel")
    assert resources.templates_dir() == tmp_path / "aotwheel" / "templates"


@pytest.fixture()
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "templates" / "kind"
    folder.mkdir(parents=True)
    monkeypatch.setattr(resources, "templates_dir", lambda: tmp_path / "templates")
    return folder


def test_the_environment_is_strict_unescaped_and_keeps_lines_as_written(templates: Path) -> None:
    (templates / "code.j2").write_text("x = {{ value }}\n{% for i in items %}\n    {{ i }}\n{% endfor %}\n")
    (templates / "typo.j2").write_text("{{ valeu }}\n")
    environment = template_environment("kind")
    # A line holding only a block tag leaves nothing; the last newline stays; "<&>" is not escaped.
    assert environment.get_template("code.j2").render(value="'<&>'", items=[1, 2]) == "x = '<&>'\n    1\n    2\n"
    with pytest.raises(jinja2.UndefinedError, match="valeu"):
        environment.get_template("typo.j2").render(value=1)


def test_other_delimiters(templates: Path) -> None:
    (templates / "ci.yml.j2").write_text("[# note #]run: ${{ matrix.x }} [[ value ]]\n[% if value %]\nyes\n[% endif %]\n")
    environment = template_environment("kind", block=("[%", "%]"), variable=("[[", "]]"), comment=("[#", "#]"))
    assert environment.get_template("ci.yml.j2").render(value=3) == "run: ${{ matrix.x }} 3\nyes\n"
