"""The interface every binding backend implements: exports in, package files out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

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
    native_module: bool = False  # the library is also the extension module `_lib` (native backend)


class BindingBackend(Protocol):
    """Renders a package's Python files; the wheel stage adds the native library beside them."""

    name: str

    def render(self, package: BindingInput) -> dict[str, bytes]:
        """File contents keyed by path relative to the package folder (e.g. `__init__.py`)."""
        ...
