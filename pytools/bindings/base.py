"""The interface every binding backend implements: the C# it adds to the library, and the package
files it writes for the library as built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

from ..abi import Export
from ..pyexport.model import Api


@dataclass(frozen=True)
class BindingInput:
    """Everything a backend needs to write the Python side of one native library."""

    import_name: str  # the Python package name
    distribution: str  # the distribution name, for docstrings
    version: str
    assembly: str  # the .NET assembly name
    library_filename: str  # the native library's file name inside the package folder
    # (size, checksum) of the library as shipped, from `library_fingerprint`; checked at import
    library_fingerprint: tuple[int, int]
    exports: tuple[Export, ...]
    api: Optional[Api] = None  # the [PyExport] API, when the assembly has one


class BindingBackend(Protocol):
    """One way for Python to call the library: `[tool.aotwheel] backend` names it for the build
    (pyexport/stage.py), and the library as built decides it for packaging (package.py)."""

    name: str

    def csharp(self, api: Optional[Api], exports: Sequence[Export], assembly: str) -> str:
        """The C# source compiled into the library (phase B): the [PyExport] shims, and what the
        backend calls besides."""
        ...

    def render(self, package: BindingInput) -> dict[str, bytes]:
        """File contents keyed by path relative to the package folder (e.g. `__init__.py`); the
        wheel stage adds the native library beside them."""
        ...
