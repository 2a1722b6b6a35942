"""`aotwheel new`: a ready project that `aotwheel build` turns into a working wheel at once, and that
`dotnet build` and IDEs understand as it is; `aotwheel init`: the pyproject.toml (and, if wanted,
the attribute package reference) that makes an existing C# project one."""

from __future__ import annotations

import re
from pathlib import Path

from .atomic import write_file
from .attributes import FEED_DIR, add_reference, nuget_version, package_file_name, package_reference, write_feed
from .ci import PYTHONS
from .errors import AotWheelError
from .gitignore import git_ignores, ignore_build_output
from .log import Log
from .metadata import DistributionMetadata
from .project import DEFAULT_VERSION, csproj_version, python_identifier, read_msbuild_facts
from .resources import template_environment

# template -> path in the new project ({namespace} and {import_name} filled in)
LAYOUT = {
    "pyproject.toml.j2": "pyproject.toml",
    "project.csproj.j2": "src/{namespace}/{namespace}.csproj",
    "Library.cs.j2": "src/{namespace}/Library.cs",
    "test_project.py.j2": "tests/test_{import_name}.py",
    "README.md.j2": "README.md",
}
# The oldest Python the generated CI tests (ci.py), so that requires-python claims no more than that.
REQUIRES_PYTHON = f">={PYTHONS[0]}"


def pascal_case(name: str) -> str:
    """`contoso-pricing` -> `ContosoPricing`, a C# namespace and assembly name."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    result = "".join(w[:1].upper() + w[1:] for w in words)
    if not result or result[0].isdigit():
        raise AotWheelError(f"{name!r} cannot name a C# project: start with a letter")
    return result


def create_project(directory: Path, *, name: str | None = None, framework: str, log: Log = print) -> list[Path]:
    """Write a new project into *directory* (which must not exist or be empty)."""
    name = name or directory.name
    DistributionMetadata(name=name, version=DEFAULT_VERSION)  # validates the distribution name
    if directory.exists() and any(directory.iterdir()):
        raise AotWheelError(f"{directory} exists and is not empty")
    namespace = pascal_case(name)
    context = {
        "name": name,
        "namespace": namespace,
        "import_name": python_identifier(name.lower()),
        "framework": framework,
        "version": DEFAULT_VERSION,
        "description": f"{namespace}: a C# library for Python, built by aotwheel",
        "readme": "README.md",
        "csproj": f"src/{namespace}/{namespace}.csproj",
        "requires_python": REQUIRES_PYTHON,
        "attributes_reference": package_reference(nuget_version()),
        "feed": FEED_DIR,
    }
    templates = template_environment("new")
    written = []
    for template, relative in LAYOUT.items():
        path = directory / relative.format(**context)
        write_file(path, templates.get_template(template).render(context))
        written.append(path)
    written += write_feed(directory, log)
    written += _ignore_build_output(directory, log)
    return written


def init_project(target: Path, *, attributes: bool, log: Log = print) -> list[Path]:
    """Write the pyproject.toml that makes the C# project *target* (a .csproj, or the folder holding
    the only one) buildable by aotwheel and pip, and make git ignore its build output; with
    *attributes*, also reference the AotWheel.Attributes package (with the feed it restores from).
    Returns the files written or changed, pyproject.toml first. An existing pyproject.toml is never
    replaced: it is an error, unless *attributes* (then only the package is added)."""
    csproj = _one_csproj(target)
    pyproject = csproj.parent / "pyproject.toml"
    facts = read_msbuild_facts(csproj)
    written = []
    if not pyproject.exists():
        written.append(_write_pyproject(csproj, facts.assembly_name))
    elif not attributes:
        raise AotWheelError(
            f"{pyproject} already exists; aotwheel init does not replace it. Add the [build-system] "
            "table (requires = [\"aotwheel\"], build-backend = \"aotwheel.backend\") by hand; "
            "[tool.aotwheel] keys are in docs/configuration.md (`aotwheel init --attributes` still adds the "
            "attribute package)"
        )
    if attributes:
        written += add_reference(csproj, facts.central_package_versions)
        written += write_feed(csproj.parent, log)
    written += _ignore_build_output(csproj.parent, log)
    return written


def _write_pyproject(csproj: Path, assembly_name: str) -> Path:
    pyproject = csproj.parent / "pyproject.toml"
    several = len(list(csproj.parent.glob("*.csproj"))) > 1
    readme = next((n for n in ("README.md", "README.rst", "README.txt") if (csproj.parent / n).is_file()), None)
    context = {
        # The name `aotwheel build` would pick without a pyproject.toml, so the import name stays.
        "name": python_identifier(assembly_name.lower()),
        "version": csproj_version(csproj) or DEFAULT_VERSION,
        "description": f"{assembly_name}: a C# library for Python, built by aotwheel",
        "readme": readme,
        "csproj": csproj.name if several else None,
        "requires_python": REQUIRES_PYTHON,
    }
    text = template_environment("new").get_template("pyproject.toml.j2").render(context)
    with open(pyproject, "x", encoding="utf-8") as stream:  # "x": never over a file made meanwhile
        stream.write(text)
    return pyproject


def _ignore_build_output(folder: Path, log: Log) -> list[Path]:
    feed = f"{FEED_DIR}/{package_file_name()}"
    changed = [folder / ".gitignore"] if ignore_build_output(folder, [feed] if (folder / feed).is_file() else []) else []
    if (folder / feed).is_file() and git_ignores(folder, feed):
        log(f"warning: git ignores {folder / feed} (a rule on its folder), so a clone would not restore the "
            f"attribute package; commit it with `git add -f {feed}`, or change that rule")
    return changed


def _one_csproj(target: Path) -> Path:
    if target.is_file():
        if target.suffix != ".csproj":
            raise AotWheelError(f"{target} is not a .csproj file")
        return target.resolve()
    if not target.is_dir():
        raise AotWheelError(f"{target}: no such file or folder")
    found = sorted(target.glob("*.csproj"))
    if not found:
        raise AotWheelError(f"{target}: no .csproj here; name the project file: aotwheel init path/to/X.csproj")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise AotWheelError(f"{target}: several .csproj files ({names}); name one: aotwheel init {found[0]}")
    return found[0].resolve()
