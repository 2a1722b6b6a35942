"""Files aotwheel ships beside its code: code templates and C# support sources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AotWheelError

if TYPE_CHECKING:
    import jinja2

_PACKAGE = Path(__file__).resolve().parent


def _locate(installed: str, checkout: str) -> Path:
    # Installed from a wheel, the folders sit inside the package; in an editable install or a plain
    # checkout they are the repository's top-level folders, beside pytools/.
    candidates = (_PACKAGE / installed, _PACKAGE.parent / checkout)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise AotWheelError(
        f"aotwheel is incompletely installed: neither {candidates[0]} nor {candidates[1]} is a folder; "
        "reinstall aotwheel"
    )


def cache_dir() -> Path:
    """Where aotwheel keeps what it builds once per SDK or version (the metadata inspector, the
    attribute package): $AOTWHEEL_CACHE_DIR, else $XDG_CACHE_HOME/aotwheel (~/.cache/aotwheel)."""
    configured = os.environ.get("AOTWHEEL_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aotwheel"


def templates_dir() -> Path:
    return _locate("templates", "templates")


def support_dir() -> Path:
    return _locate("support", "csharp_src/support")


def tool_schema_path() -> Path:
    """The JSON schema of the `[tool.aotwheel]` table (kept equal to ToolConfig by a test)."""
    return templates_dir() / "schema" / "tool-aotwheel.schema.json"


def template_environment(
    folder: str, *, block: tuple[str, str] = ("{%", "%}"), variable: tuple[str, str] = ("{{", "}}"),
    comment: tuple[str, str] = ("{#", "#}"),
) -> jinja2.Environment:
    """The Jinja environment for the templates in `templates/<folder>/`, the same for every kind
    of generated file: an undefined name is an error (never an empty string in generated code),
    a line holding only a block tag leaves nothing behind, the file's last newline is kept, and
    nothing is HTML-escaped (the output is code and configuration). *block*, *variable* and
    *comment* are the delimiters, for templates whose output uses Jinja's own (`${{ }}` in CI files)."""
    # Imported here: most commands (and the editable install's import hook) never render a template.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / folder)),
        block_start_string=block[0], block_end_string=block[1],
        variable_start_string=variable[0], variable_end_string=variable[1],
        comment_start_string=comment[0], comment_end_string=comment[1],
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, autoescape=False,
    )
