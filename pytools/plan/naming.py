"""Python names for .NET members, of the [PyExport] API and of raw `UnmanagedCallersOnly` exports:
snake_case, keyword-safe, collision-checked. (An import name made of a distribution or assembly
name is project.python_identifier's.)"""

from __future__ import annotations

import keyword
import re
from typing import Iterable, Tuple

from ..errors import AotWheelError

# A boundary before an upper-case letter that follows a lower-case letter or digit (CountWords),
# and before the last capital of an acronym that starts a word (HTMLParser -> html_parser).
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """`CountWords` -> `count_words`, `AddMany` -> `add_many`, `HTMLParser` -> `html_parser`."""
    return _BOUNDARY.sub("_", name).lower()


def safe_identifier(name: str) -> str:
    """*name* with a trailing underscore when it is a Python keyword (`from` -> `from_`)."""
    return name + "_" if keyword.iskeyword(name) else name


def parameter_name(name: str) -> str:
    """A [PyExport] parameter's Python name: snake_case, never starting with `_` (the generated code's own
    locals do), and never `self`."""
    python = safe_identifier(snake_case(name).lstrip("_") or "arg")
    return python + "_" if python == "self" else python


def export_parameter_name(name: str) -> str:
    """A raw export's parameter name: the C# name as declared (raw exports are bound as written, not
    snake_cased), keyword-safe, and with a trailing `_` when it starts with `_`, so that it never
    equals one of the generated module's private names (`_lib`, `_fn_add`: none ends with `_`)."""
    return name + "_" if name.startswith("_") else safe_identifier(name)


def check_identifier(python_name: str, where: str) -> None:
    if not python_name.isidentifier() or python_name.startswith("_"):
        raise AotWheelError(
            f"{where}: {python_name!r} cannot be a public Python name "
            "(use letters, digits and underscores, not starting with an underscore)"
        )


def check_collisions(named: Iterable[Tuple[str, str]], scope: str) -> list[str]:
    """Problems for every Python name that two members map to; *named* holds (python name, origin)."""
    seen: dict[str, str] = {}
    problems = []
    for python_name, origin in named:
        if python_name in seen:
            problems.append(
                f"{origin} and {seen[python_name]} both map to the Python name {python_name!r} in {scope}; "
                "rename one with [PyExport(Name = \"...\")]"
            )
        else:
            seen[python_name] = origin
    return problems


# Enum member names Python's enum refuses (`mro`) or reserves for itself (_sunder_ and __dunder__
# names, and any leading underscore, which enum treats as private).
_ENUM_REFUSED = frozenset({"mro"})


def enum_member_name(name: str) -> str:
    """An enum member's Python name: as declared, keyword-safe; one Python's enum would refuse or
    treat as its own gets a trailing underscore, leading underscores dropped (`_ignore_` ->
    `ignore_`, `mro` -> `mro_`)."""
    if name.startswith("_") or name in _ENUM_REFUSED:
        return (name.strip("_") or "member") + "_"
    return safe_identifier(name)


def symbol_part(qualified: str) -> str:
    """A qualified Python name as part of a native symbol: ASCII only (linkers' export lists need
    it), non-ASCII characters spelled by code point (`Größe` -> `Gr_xf6__xdf_e`)."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" if c == "." else f"_x{ord(c):x}_"
                   for c in qualified)
