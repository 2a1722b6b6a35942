"""`aotwheel new`: a ready project that `aotwheel build` turns into a working wheel at once."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .errors import AotWheelError
from .metadata import DistributionMetadata
from .project import python_identifier
from .resources import templates_dir

# template -> path in the new project ({namespace} and {import_name} filled in)
LAYOUT = {
    "pyproject.toml.j2": "pyproject.toml",
    "project.csproj.j2": "src/{namespace}/{namespace}.csproj",
    "Exports.cs.j2": "src/{namespace}/Exports.cs",
    "test_project.py.j2": "tests/test_{import_name}.py",
    "README.md.j2": "README.md",
    "gitignore.j2": ".gitignore",
}


def pascal_case(name: str) -> str:
    """`contoso-pricing` -> `ContosoPricing`, a C# namespace and assembly name."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    result = "".join(w[:1].upper() + w[1:] for w in words)
    if not result or result[0].isdigit():
        raise AotWheelError(f"{name!r} cannot name a C# project: start with a letter")
    return result


def create_project(directory: Path, *, name: str | None = None, framework: str) -> list[Path]:
    """Write a new project into *directory* (which must not exist or be empty)."""
    name = name or directory.name
    DistributionMetadata(name=name, version="0.1.0")  # validates the distribution name
    if directory.exists() and any(directory.iterdir()):
        raise AotWheelError(f"{directory} exists and is not empty")
    context = {
        "name": name,
        "namespace": pascal_case(name),
        "import_name": python_identifier(name.lower()),
        "framework": framework,
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "new")), keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    written = []
    for template, relative in LAYOUT.items():
        path = directory / relative.format(**context)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(environment.get_template(template).render(context), encoding="utf-8")
        written.append(path)
    return written
