"""What C# sources declare, read from their text: the full names of their top-level types, and
whether they use `unsafe`. A build decides by it which of aotwheel's own sources it adds (none of
an attribute the project declares itself), refuses a clash with aotwheel's code before compiling,
and refuses unsafe code the project does not allow (as a plain `dotnet build` would, CS0227).

A reading of the text, not a compiler: comments, strings and character literals are set aside,
then namespace and type declarations are followed by their braces. Enough for declarations as
people write them; nested types are not listed (aotwheel declares none at the top of its namespaces
that a nested one could clash with).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from .errors import AotWheelError

_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
      | (?P<raw>\$*(?P<quotes>"{3,}).*?(?P=quotes))
      | (?P<verbatim>(?:\$@|@\$|@)"(?:[^"]|"")*(?:"|\Z))
      | (?P<string>\$*"(?:[^"\\\n]|\\.)*(?:"|$))
      | (?P<char>'(?:[^'\\\n]|\\.)*(?:'|$))""",
    re.DOTALL | re.MULTILINE | re.VERBOSE,
)
_DECLARATION = re.compile(
    r"""\bnamespace\s+(?P<namespace>@?[\w.]+)\s*(?P<kind>[;{])
      | \b(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?)\s+(?P<type>@?[A-Za-z_]\w*)
      | (?P<open>\{) | (?P<close>\}) | (?P<end>;)""",
    re.VERBOSE,
)
_UNSAFE = re.compile(r"\bunsafe\b")


def code_only(text: str) -> str:
    """*text* with its comments and literals blanked out (each by spaces, newlines kept)."""
    return _TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def declared_types(text: str) -> list[str]:
    """The full names (`AotWheel.PyExportAttribute`) of the top-level types *text* declares."""
    code = code_only(text)
    found: list[str] = []
    file_namespace: list[str] = []  # `namespace X;`: for the rest of the file
    frames: list[tuple[str, str]] = []  # one per open brace: ("namespace", name), ("type", name) or ("block", "")
    pending: tuple[str, str] | None = None  # a type declaration whose brace is next
    for match in _DECLARATION.finditer(code):
        if match.group("namespace"):
            name = match.group("namespace").lstrip("@")
            if match.group("kind") == ";":
                file_namespace = [name]
            else:  # the brace is part of the match
                frames.append(("namespace", name))
        elif match.group("type"):
            if not any(kind == "type" for kind, _ in frames) and pending is None:
                names = file_namespace + [n for kind, n in frames if kind == "namespace"]
                found.append(".".join([*names, match.group("type").lstrip("@")]))
            if pending is None:
                pending = ("type", match.group("type"))
        elif match.group("open"):
            frames.append(pending or ("block", ""))
            pending = None
        elif match.group("close"):
            if frames:
                frames.pop()
        elif pending is not None and pending[0] == "type":  # `record R(int A);`: no body
            pending = None
    return list(dict.fromkeys(found))


def uses_unsafe(text: str) -> bool:
    """Whether *text* has unsafe code (the `unsafe` keyword: pointers need it)."""
    return bool(_UNSAFE.search(code_only(text)))


@dataclass(frozen=True)
class SourceScan:
    """What a set of C# files declares: each type's full name with the files declaring it, and the
    files that use unsafe code."""

    declared: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)
    unsafe: tuple[Path, ...] = ()

    @classmethod
    def of(cls, files: Iterable[Path]) -> SourceScan:
        declared: dict[str, list[Path]] = {}
        unsafe = []
        for path in files:
            try:
                text = path.read_text(encoding="utf-8-sig", errors="replace")
            except OSError as exc:
                raise AotWheelError(f"cannot read {path}: {exc.strerror or exc}") from None
            for name in declared_types(text):
                declared.setdefault(name, []).append(path)
            if uses_unsafe(text):
                unsafe.append(path)
        return cls({name: tuple(paths) for name, paths in declared.items()}, tuple(unsafe))

    @classmethod
    def of_texts(cls, sources: Mapping[str, bytes]) -> SourceScan:
        """The scan of aotwheel's own sources, by file name."""
        declared: dict[str, list[Path]] = {}
        for name, data in sources.items():
            for type_name in declared_types(data.decode("utf-8-sig")):
                declared.setdefault(type_name, []).append(Path(name))
        return cls({name: tuple(paths) for name, paths in declared.items()})
