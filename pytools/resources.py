"""Files aotwheel ships beside its code: code templates and C# support sources."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(installed: str, checkout: str) -> Path:
    # Installed from a wheel, the folders sit inside the package; in an editable install or a plain
    # checkout they are the repository's top-level folders, beside pytools/.
    for candidate in (_PACKAGE / installed, _PACKAGE.parent / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"aotwheel is incompletely installed: no {installed!r} folder next to {_PACKAGE}")


def templates_dir() -> Path:
    return _locate("templates", "templates")


def support_dir() -> Path:
    return _locate("support", "csharp_src/support")


def tool_schema_path() -> Path:
    """The JSON schema of the `[tool.aotwheel]` table (kept equal to ToolConfig by a test)."""
    return templates_dir() / "schema" / "tool-aotwheel.schema.json"
