"""Core metadata (the METADATA file of a wheel) and how it is read from a pyproject ``[project]`` table.

The output follows the packaging "Core metadata" specification, version 2.1; version 2.4 is declared only
when a ``License-Expression`` is present, because that field first exists there.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .errors import AotWheelError

__all__ = ["DistributionMetadata", "metadata_from_pyproject"]

# PEP 508 names: ASCII letters and digits, with ".", "_" and "-" allowed inside.
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# An entry point object reference: "pkg.module" or "pkg.module:attr.attr", optionally with (deprecated) extras.
_OBJECT_REF_RE = re.compile(r"^\s*[\w.]+\s*(:\s*[\w.]+\s*)?(\[[\w.,\s-]*\])?\s*$")
# Characters an SPDX license expression is made of (ids, "+", "LicenseRef-...:", parentheses, spaces).
_SPDX_CHARS_RE = re.compile(r"^[A-Za-z0-9.+:()\- ]+$")
_README_TYPES = {".md": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}
# Continuation lines of a multi-line header value (License:) are indented, as setuptools does.
_CONTINUATION = "\n" + " " * 8

_PROJECT_KEYS = frozenset(
    {
        "name",
        "version",
        "description",
        "readme",
        "requires-python",
        "license",
        "authors",
        "maintainers",
        "keywords",
        "classifiers",
        "urls",
        "dependencies",
        "optional-dependencies",
        "scripts",
        "gui-scripts",
        "entry-points",
        "dynamic",
    }
)
# Keys the pyproject specification knows but aotwheel does not implement.
_UNSUPPORTED_KEYS = {
    "license-files": "aotwheel does not copy license files into the wheel; use license = {file = ...} instead",
}


def _normalize(name: str) -> str:
    """PEP 503 / PEP 685 normalization of a distribution or extra name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _check_line(what: str, value: str) -> None:
    if "\n" in value or "\r" in value:
        raise AotWheelError(f"{what} must be a single line, got {value!r}")


def _split_person(entry: str) -> tuple[str | None, str | None]:
    """("Name", "email") parts of an already formatted "Name <email>", "Name" or "email" entry."""
    entry = entry.strip()
    match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", entry)
    if match:
        return (match.group(1) or None), match.group(2)
    if "@" in entry:
        return None, entry
    return entry, None


@dataclass(frozen=True)
class DistributionMetadata:
    """Everything that goes into a wheel's METADATA (and entry_points.txt)."""

    name: str
    version: str
    summary: str | None = None
    description: str | None = None
    description_content_type: str | None = None
    requires_python: str | None = None
    license: str | None = None
    license_expression: str | None = None
    authors: tuple[str, ...] = ()
    maintainers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    classifiers: tuple[str, ...] = ()
    urls: tuple[tuple[str, str], ...] = ()
    requires_dist: tuple[str, ...] = ()
    provides_extra: tuple[str, ...] = ()
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Accept lists for the tuple fields, and keep a private copy of the entry points.
        for name in ("authors", "maintainers", "keywords", "classifiers", "requires_dist", "provides_extra"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "urls", tuple((str(label), str(url)) for label, url in self.urls))
        object.__setattr__(
            self, "entry_points", {group: dict(items) for group, items in self.entry_points.items()}
        )

        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            suggestion = re.sub(r"[^A-Za-z0-9._-]+", "-", str(self.name)).strip("-._")
            raise AotWheelError(
                f"invalid distribution name {self.name!r}: use ASCII letters, digits, '.', '_' and '-', "
                "starting and ending with a letter or digit" + (f", e.g. {suggestion!r}" if suggestion else "")
            )
        try:
            Version(self.version)
        except (InvalidVersion, TypeError):
            raise AotWheelError(
                f"invalid version {self.version!r}: not a PEP 440 version (e.g. \"1.0.0\", \"2.1.0rc1\", \"0.3.dev2\")"
            ) from None
        for what in ("summary", "description_content_type", "license_expression", "requires_python"):
            value = getattr(self, what)
            if value is not None:
                _check_line(what.replace("_", "-"), value)
        if self.requires_python is not None:
            try:
                SpecifierSet(self.requires_python)
            except InvalidSpecifier:
                raise AotWheelError(
                    f"invalid requires-python {self.requires_python!r}: not a version specifier (e.g. \">=3.9\")"
                ) from None
        if self.license is not None and self.license_expression is not None:
            raise AotWheelError(
                "give either a license expression or a free-text license, not both "
                f"(license-expression {self.license_expression!r})"
            )
        if self.license_expression is not None and not _SPDX_CHARS_RE.match(self.license_expression):
            raise AotWheelError(f"invalid license expression {self.license_expression!r}")
        for what in ("authors", "maintainers"):
            for entry in getattr(self, what):
                _check_line(what, entry)
                person_name, _ = _split_person(entry)
                if person_name and "," in person_name:
                    raise AotWheelError(f"{what} entry {entry!r}: a name must not contain a comma")
        for keyword in self.keywords:
            _check_line("keywords", keyword)
            if "," in keyword:
                raise AotWheelError(f"keyword {keyword!r} must not contain a comma")
        for classifier in self.classifiers:
            _check_line("classifiers", classifier)
        for label, url in self.urls:
            _check_line(f"urls label {label!r}", label)
            _check_line(f"url {label!r}", url)
            if not label.strip() or not url.strip():
                raise AotWheelError(f"urls entry {label!r} = {url!r}: label and URL must not be empty")
        for requirement in self.requires_dist:
            _check_line("requirement", requirement)
            try:
                Requirement(requirement)
            except InvalidRequirement as exc:
                raise AotWheelError(f"invalid requirement {requirement!r}: {exc}") from None
        seen: dict[str, str] = {}
        for extra in self.provides_extra:
            if not _NAME_RE.match(extra):
                raise AotWheelError(f"invalid extra name {extra!r}")
            normalized = _normalize(extra)
            if normalized in seen:
                raise AotWheelError(f"extras {seen[normalized]!r} and {extra!r} are the same extra")
            seen[normalized] = extra
        for group, items in self.entry_points.items():
            if not group or "[" in group or "]" in group or "\n" in group or group != group.strip():
                raise AotWheelError(f"invalid entry point group name {group!r}")
            for ep_name, ref in items.items():
                if not ep_name or ep_name != ep_name.strip() or "=" in ep_name or "\n" in ep_name or ep_name[0] == "[":
                    raise AotWheelError(f"invalid entry point name {ep_name!r} in group {group!r}")
                if not isinstance(ref, str) or not _OBJECT_REF_RE.match(ref):
                    raise AotWheelError(
                        f"entry point {ep_name!r} in group {group!r}: {ref!r} is not of the form 'module:attr'"
                    )

    @property
    def normalized_name(self) -> str:
        """The PEP 503 normalized name, e.g. "contoso-pricing"."""
        return _normalize(self.name)

    @property
    def wheel_name(self) -> str:
        """The name as it appears in wheel and .dist-info file names, e.g. "contoso_pricing"."""
        return self.normalized_name.replace("-", "_")

    @property
    def normalized_version(self) -> str:
        """The PEP 440 normalized version, as used in file names and in METADATA."""
        return str(Version(self.version))

    def render(self) -> str:
        """The METADATA file text: RFC 822 style headers, then the description as the message body."""
        lines: list[tuple[str, str]] = []
        add = lines.append
        add(("Metadata-Version", "2.4" if self.license_expression is not None else "2.1"))
        add(("Name", self.name))
        add(("Version", self.normalized_version))
        if self.summary is not None:
            add(("Summary", self.summary))
        if self.keywords:
            add(("Keywords", ",".join(self.keywords)))
        for field_name, people in (("Author", self.authors), ("Maintainer", self.maintainers)):
            names = [entry.strip() for entry in people if _split_person(entry)[1] is None]
            emails = [entry.strip() for entry in people if _split_person(entry)[1] is not None]
            if names:
                add((field_name, ", ".join(names)))
            if emails:
                add((field_name + "-email", ", ".join(emails)))
        if self.license is not None:
            add(("License", self.license.rstrip("\n").replace("\r\n", "\n").replace("\n", _CONTINUATION)))
        if self.license_expression is not None:
            add(("License-Expression", self.license_expression))
        for label, url in self.urls:
            add(("Project-URL", f"{label}, {url}"))
        for classifier in self.classifiers:
            add(("Classifier", classifier))
        if self.requires_python is not None:
            add(("Requires-Python", self.requires_python))
        for requirement in self.requires_dist:
            add(("Requires-Dist", requirement.strip()))
        for extra in self.provides_extra:
            add(("Provides-Extra", extra))
        if self.description_content_type is not None:
            add(("Description-Content-Type", self.description_content_type))
        text = "".join(f"{key}: {value}\n" for key, value in lines)
        if self.description is not None:
            text += "\n" + self.description
        return text

    def render_entry_points(self) -> str:
        """The entry_points.txt text, or "" when there are no entry points."""
        blocks = []
        for group in sorted(self.entry_points):
            items = self.entry_points[group]
            if not items:
                continue
            body = "".join(f"{name} = {items[name].strip()}\n" for name in sorted(items))
            blocks.append(f"[{group}]\n{body}")
        return "\n".join(blocks)


# --- reading pyproject.toml -------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return type(value).__name__


def _as_str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise AotWheelError(f"[project] {key} must be a string, got {_type_name(value)}")
    return value


def _get_str(project: Mapping[str, Any], key: str) -> str | None:
    value = project.get(key)
    return None if value is None else _as_str(value, key)


def _get_str_list(project: Mapping[str, Any], key: str) -> list[str]:
    value = project.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AotWheelError(f"[project] {key} must be a list of strings")
    return value


def _get_str_table(value: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise AotWheelError(f"[project] {key} must be a table of strings")
    return value


def _read_text(base_dir: Path, relative: str, key: str, read: list[Path], encoding: str = "utf-8") -> str:
    path = Path(base_dir) / relative
    try:
        text = path.read_text(encoding=encoding)
        read.append(path)
        return text
    except FileNotFoundError:
        raise AotWheelError(f"[project] {key}: file {relative!r} not found (looked for {path})") from None
    except LookupError:
        raise AotWheelError(f"[project] {key}: unknown charset {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise AotWheelError(f"[project] {key}: file {relative!r} is not valid {encoding}: {exc}") from None
    except OSError as exc:
        raise AotWheelError(f"[project] {key}: cannot read {relative!r}: {exc.strerror or exc}") from None


def _content_type_for(file_name: str, key: str) -> str:
    content_type = _README_TYPES.get(Path(file_name).suffix.lower())
    if content_type is None:
        raise AotWheelError(
            f"[project] {key}: cannot tell the content type of {file_name!r} from its extension "
            f"(known: {', '.join(_README_TYPES)}); use a table with content-type"
        )
    return content_type


def _readme(value: Any, base_dir: Path, read: list[Path]) -> tuple[str | None, str | None]:
    """(description, content type) from the readme key."""
    content_type: str | None
    if value is None:
        return None, None
    if isinstance(value, str):
        content_type = _content_type_for(value, "readme")
        return _read_text(base_dir, value, "readme", read), content_type
    if not isinstance(value, dict):
        raise AotWheelError(f"[project] readme must be a string or a table, got {_type_name(value)}")
    for key, item in value.items():
        if key not in ("file", "text", "content-type", "charset"):
            raise AotWheelError(f"[project] readme: unknown key {key!r}")
        if not isinstance(item, str):
            raise AotWheelError(f"[project] readme.{key} must be a string, got {_type_name(item)}")
    if ("file" in value) == ("text" in value):
        raise AotWheelError("[project] readme table needs exactly one of 'file' and 'text'")
    content_type = value.get("content-type")
    if "file" in value:
        if content_type is None:
            content_type = _content_type_for(value["file"], "readme.file")
        text = _read_text(base_dir, value["file"], "readme.file", read, value.get("charset", "utf-8"))
    else:
        if content_type is None:
            raise AotWheelError("[project] readme.content-type is required with readme.text")
        text = value["text"]
    return text, content_type


def _license(value: Any, base_dir: Path, read: list[Path]) -> tuple[str | None, str | None]:
    """(free text, SPDX expression) from the license key."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return None, value
    if not isinstance(value, dict):
        raise AotWheelError(f"[project] license must be a string or a table, got {_type_name(value)}")
    for key, item in value.items():
        if key not in ("file", "text"):
            raise AotWheelError(f"[project] license: unknown key {key!r}")
        if not isinstance(item, str):
            raise AotWheelError(f"[project] license.{key} must be a string, got {_type_name(item)}")
    if len(value) != 1:
        raise AotWheelError("[project] license table needs exactly one of 'file' and 'text'")
    if "file" in value:
        return _read_text(base_dir, value["file"], "license.file", read), None
    return value["text"], None


def _people(value: Any, key: str) -> tuple[str, ...]:
    """Formatted "Name <email>" / "Name" / "email" entries from an authors or maintainers array."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AotWheelError(f"[project] {key} must be an array of tables, got {_type_name(value)}")
    entries = []
    for index, person in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(person, dict):
            raise AotWheelError(f"[project] {where} must be a table with name and/or email")
        for item_key, item in person.items():
            if item_key not in ("name", "email"):
                raise AotWheelError(f"[project] {where}: unknown key {item_key!r}")
            if not isinstance(item, str):
                raise AotWheelError(f"[project] {where}.{item_key} must be a string, got {_type_name(item)}")
        name = person.get("name", "").strip()
        email = person.get("email", "").strip()
        if not name and not email:
            raise AotWheelError(f"[project] {where} needs a name or an email")
        if "," in name or "<" in name or ">" in name:
            raise AotWheelError(f"[project] {where}.name {name!r} must not contain ',', '<' or '>'")
        if email and not re.fullmatch(r"[^\s<>,@]+@[^\s<>,@]+", email):
            raise AotWheelError(f"[project] {where}.email {email!r} is not an email address")
        if name and email:
            entries.append(f"{name} <{email}>")
        else:
            entries.append(name or email)
    return tuple(entries)


def _with_extra(requirement: str, extra: str, key: str) -> str:
    """*requirement* restricted to *extra*: its marker becomes ``(marker) and extra == "extra"``."""
    try:
        req = Requirement(requirement)
    except InvalidRequirement as exc:
        raise AotWheelError(f"[project] {key}: invalid requirement {requirement!r}: {exc}") from None
    marker = req.marker
    req.marker = None
    condition = f'extra == "{extra}"'
    if marker is not None:
        condition = f"({marker}) and {condition}"
    # A URL must be followed by a space before the ";" or the ";" is read as part of the URL.
    return f"{req}{' ' if req.url else ''}; {condition}"


def _entry_point_group(value: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise AotWheelError(f"[project] {key} must be a table, got {_type_name(value)}")
    for name, ref in value.items():
        if not isinstance(ref, str):
            raise AotWheelError(f"[project] {key}.{name} must be a string, got {_type_name(ref)}")
    return dict(value)


def metadata_from_pyproject(
    project: dict[str, Any], base_dir: Path, *, fallback_name: str, fallback_version: str,
    files_read: list[Path] | None = None,
) -> DistributionMetadata:
    """Core metadata from a parsed pyproject ``[project]`` table (which may be empty).

    Files named by ``readme`` and ``license.file`` are read relative to *base_dir* (and appended to
    *files_read*: an sdist must carry them).  The name and version
    fall back to *fallback_name* / *fallback_version* when absent (or, for the version, when ``dynamic``).
    """
    if not isinstance(project, dict):
        raise AotWheelError(f"[project] must be a table, got {_type_name(project)}")
    for key in project:
        if key in _UNSUPPORTED_KEYS:
            raise AotWheelError(f"[project] {key} is not supported: {_UNSUPPORTED_KEYS[key]}")
        if key not in _PROJECT_KEYS:
            close = difflib.get_close_matches(key, sorted(_PROJECT_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; [project] keys: {', '.join(sorted(_PROJECT_KEYS))}"
            raise AotWheelError(f"unknown key {key!r} in [project]{hint}")

    dynamic = _get_str_list(project, "dynamic")
    for item in dynamic:
        if item == "version":
            if "version" in project:
                raise AotWheelError("[project] version is given and also listed in dynamic; remove one")
        elif item in _PROJECT_KEYS and item != "dynamic":
            raise AotWheelError(f"[project] dynamic: aotwheel can only fill 'version' dynamically, not {item!r}")
        else:
            raise AotWheelError(f"[project] dynamic: {item!r} is not a [project] key")

    name = _as_str(project.get("name", fallback_name), "name")
    version = _as_str(project.get("version", fallback_version), "version")

    summary = _get_str(project, "description")
    if summary is not None:
        _check_line("[project] description", summary)
    read = [] if files_read is None else files_read
    description, content_type = _readme(project.get("readme"), base_dir, read)

    requires_python = _get_str(project, "requires-python")
    license_text, license_expression = _license(project.get("license"), base_dir, read)

    urls = _get_str_table(project.get("urls", {}), "urls")

    requires_dist = list(_get_str_list(project, "dependencies"))
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise AotWheelError(f"[project] optional-dependencies must be a table, got {_type_name(optional)}")
    extras: list[str] = []
    for extra, requirements in optional.items():
        key = f"optional-dependencies.{extra}"
        if not _NAME_RE.match(extra):
            raise AotWheelError(f"[project] {key}: invalid extra name {extra!r}")
        if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
            raise AotWheelError(f"[project] {key} must be a list of strings")
        normalized = _normalize(extra)
        if normalized in extras:
            raise AotWheelError(f"[project] {key}: extra {normalized!r} is listed twice")
        extras.append(normalized)
        requires_dist.extend(_with_extra(requirement, normalized, key) for requirement in requirements)

    entry_points: dict[str, dict[str, str]] = {}
    for key, group in (("scripts", "console_scripts"), ("gui-scripts", "gui_scripts")):
        if key in project:
            entry_points[group] = _entry_point_group(project[key], key)
    groups = project.get("entry-points", {})
    if not isinstance(groups, dict):
        raise AotWheelError(f"[project] entry-points must be a table, got {_type_name(groups)}")
    for group, items in groups.items():
        if group in ("console_scripts", "gui_scripts"):
            table = "scripts" if group == "console_scripts" else "gui-scripts"
            raise AotWheelError(f"[project] entry-points.{group} is not allowed; use [project.{table}]")
        entry_points[group] = _entry_point_group(items, f"entry-points.{group}")

    return DistributionMetadata(
        name=name,
        version=version,
        summary=summary,
        description=description,
        description_content_type=content_type,
        requires_python=requires_python,
        license=license_text,
        license_expression=license_expression,
        authors=_people(project.get("authors"), "authors"),
        maintainers=_people(project.get("maintainers"), "maintainers"),
        keywords=tuple(_get_str_list(project, "keywords")),
        classifiers=tuple(_get_str_list(project, "classifiers")),
        urls=tuple(urls.items()),
        requires_dist=tuple(requires_dist),
        provides_extra=tuple(extras),
        entry_points=entry_points,
    )
