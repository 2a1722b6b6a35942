"""A package's files besides the native library: the rendered Python side, the run-time helpers
copied as they are, `_native.py` (what the library must be) and `py.typed`."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..plan.model import BindingPlan
from ..resources import template_environment, templates_dir
from .python import render_package

# Copied into every package; the [PyExport] ones only into packages with an API.
RUNTIME_HELPERS = ("_aotwheel.py", "_aotwheel.pyi")
API_HELPERS = ("_dotnet.py", "_columns.py")


@dataclass(frozen=True)
class PackageInput:
    """What a package's files need besides the plan."""

    distribution: str  # the distribution name, for docstrings
    version: str
    library_filename: str  # the native library's file name inside the package folder
    library_fingerprint: tuple[int, int]  # library_fingerprint's, checked at import before it is loaded


def library_fingerprint(library: Path) -> tuple[int, int]:
    """What the generated package checks before loading *library*: computed by the run-time
    helper's own `fingerprint`, so that the build and the check cannot disagree."""
    spec = importlib.util.spec_from_file_location("_aotwheel_runtime", templates_dir() / "package" / "_aotwheel.py")
    assert spec is not None and spec.loader is not None
    runtime = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runtime)
    size, checksum = runtime.fingerprint(str(library))
    return size, checksum


def package_files(plan: BindingPlan, package: PackageInput) -> dict[str, bytes]:
    """File contents keyed by path relative to the package folder; the wheel stage adds the library."""
    docstring = f"Python bindings for the .NET library {plan.assembly} ({package.distribution} {package.version})."
    files = render_package(plan, package.library_filename, docstring)
    helpers = RUNTIME_HELPERS + (API_HELPERS if plan.has_api else ())
    for helper in helpers:
        files[helper] = (templates_dir() / "package" / helper).read_bytes()
    native = template_environment("package").get_template("_native.py.j2")
    files["_native.py"] = native.render(tool_version=__version__, fingerprint=package.library_fingerprint,
                                        digest=plan.digest).encode()
    files["py.typed"] = b""
    return files
