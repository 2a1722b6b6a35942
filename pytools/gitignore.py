"""`.gitignore` semantics, for judging files where git cannot be asked (no repository, or no git).

Follows gitignore(5): blank lines and `#` comments skipped; trailing spaces dropped unless escaped;
`!` re-includes; a trailing `/` matches folders only; a pattern with a `/` before its end is anchored
to its file's folder, any other matches at any depth; `*`, `?` and `[...]` never match `/`; `**/`,
`/**/` and a trailing `/**` span folders; `\\` escapes. Deeper files and later lines win, and nothing
below an ignored folder can be re-included.

It also writes the .gitignore of an aotwheel project (`ignore_build_output`): build output stays
out of git, and what a clone needs stays in (the attribute feed, which a common C# .gitignore's
`*.nupkg` would drop).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from .atomic import write_file

# wildmatch's bracket classes ([[:alpha:]]), as Python regex class contents.
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9",
    "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z", "xdigit": "0-9a-fA-F",
}


@dataclass(frozen=True)
class Rule:
    regex: re.Pattern[str]  # matched against the path relative to the rule's folder (POSIX)
    negated: bool
    folders_only: bool


def _class_char(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The regex of the bracket expression at pattern[start] == "[" and the index after it; None
    when it is not closed (wildmatch then matches nothing)."""
    index, end = start + 1, len(pattern)
    negated = index < end and pattern[index] in "!^"
    index += negated
    items: list[str] = []
    first = True
    while index < end:
        char = pattern[index]
        if char == "]" and not first:
            return "(?!/)[" + ("^" if negated else "") + "".join(items) + "]", index + 1
        first = False
        if pattern.startswith("[:", index):
            close = pattern.find(":]", index + 2)
            if close != -1 and pattern[index + 2:close] in _POSIX_CLASSES:
                items.append(_POSIX_CLASSES[pattern[index + 2:close]])
                index = close + 2
                continue
        if char == "\\" and index + 1 < end:
            index += 1
            char = pattern[index]
        index += 1
        if index + 1 < end and pattern[index] == "-" and pattern[index + 1] != "]":
            high = pattern[index + 1]
            index += 2
            if high == "\\" and index < end:
                high = pattern[index]
                index += 1
            items.append(f"{_class_char(char)}-{_class_char(high)}")
        else:
            items.append(_class_char(char))
    return None


def _translate(pattern: str) -> str | None:
    """The regex of one pattern (its `!` and trailing `/` already taken off); None if it can never match."""
    out: list[str] = []
    index, end = 0, len(pattern)
    while index < end:
        char = pattern[index]
        if char == "*":
            stars_end = index
            while stars_end < end and pattern[stars_end] == "*":
                stars_end += 1
            whole_component = (index == 0 or pattern[index - 1] == "/") and (stars_end == end or pattern[stars_end] == "/")
            if stars_end - index >= 2 and whole_component:
                if stars_end == end:
                    out.append(".*")
                else:  # "**/": zero or more folders
                    out.append("(?:[^/]*/)*")
                    stars_end += 1
            else:
                out.append("[^/]*")
            index = stars_end
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[":
            bracket = _bracket(pattern, index)
            if bracket is None:
                return None
            out.append(bracket[0])
            index = bracket[1]
        elif char == "\\":
            if index + 1 == end:
                return None  # a trailing backslash: an invalid pattern
            out.append(re.escape(pattern[index + 1]))
            index += 2
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


def _strip_trailing_spaces(line: str) -> str:
    end = len(line)
    while end and line[end - 1] == " ":
        backslashes = len(line[:end - 1]) - len(line[:end - 1].rstrip("\\"))
        if backslashes % 2:  # an escaped space is kept
            break
        end -= 1
    return line[:end]


def parse(text: str) -> list[Rule]:
    """The rules of one ignore file's text."""
    rules = []
    for line in text.lstrip("\ufeff").splitlines():
        if not line or line.startswith("#"):
            continue
        line = _strip_trailing_spaces(line)
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        folders_only = line.endswith("/")
        if folders_only:
            line = line[:-1]
        if not line:
            continue
        if "/" in line:
            line = line[1:] if line.startswith("/") else line
        else:
            line = "**/" + line
        body = _translate(line)
        if body is None:
            continue
        try:
            regex = re.compile(body, re.DOTALL)
        except re.error:  # a reversed range, [z-a]: matches nothing, as in git
            continue
        rules.append(Rule(regex, negated, folders_only))
    return rules


def _read_rules(path: Path) -> list[Rule]:
    # git does not follow a symlinked .gitignore in the work tree.
    if path.is_symlink() or not path.is_file():
        return []
    return parse(path.read_bytes().decode("utf-8", "surrogateescape"))


class IgnoreRules:
    """The `.gitignore` files in *top* and below it (and *also*, rule files of the lowest precedence
    read as if they were in *top*, e.g. a repository's `.git/info/exclude`)."""

    def __init__(self, top: Path, also: Sequence[Path] = ()) -> None:
        self.top = top
        self._base = [rule for path in also for rule in _read_rules(path)]
        self._rules_of: dict[Path, list[Rule]] = {}
        self._folders: dict[Path, bool] = {}

    def ignored(self, path: Path, is_folder: bool = False) -> bool:
        """Whether the ignore files exclude *path* (a path below top), or a folder above it."""
        if path == self.top or self.top not in path.parents:
            return False
        if path.parent != self.top and self._folder_ignored(path.parent):
            return True
        return self._matches(path, is_folder)

    def _folder_ignored(self, folder: Path) -> bool:
        if folder not in self._folders:
            self._folders[folder] = self.ignored(folder, is_folder=True)
        return self._folders[folder]

    def _rules(self, folder: Path) -> list[Rule]:
        if folder not in self._rules_of:
            self._rules_of[folder] = _read_rules(folder / ".gitignore")
        return self._rules_of[folder]

    def _matches(self, path: Path, is_folder: bool) -> bool:
        # From the top folder's rules down to those of path's own folder: the last match wins.
        parts = path.parent.relative_to(self.top).parts
        folders = [self.top.joinpath(*parts[:count]) for count in range(len(parts) + 1)]
        verdict = False
        for folder in folders:
            rules = self._rules(folder)
            if folder == self.top:
                rules = [*self._base, *rules]
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            for rule in rules:
                if (is_folder or not rule.folders_only) and rule.regex.fullmatch(relative):
                    verdict = not rule.negated
        return verdict


BUILD_OUTPUT = ("build/", "dist/", "bin/", "obj/", "__pycache__/")


def ignore_build_output(folder: Path, keep: Sequence[str] = ()) -> list[str]:
    """Write or extend *folder*/.gitignore so that git ignores BUILD_OUTPUT there and not the files
    *keep* (paths relative to *folder*); return the lines added. git is asked, so the rules of a
    parent folder count; without git, the .gitignore files of *folder* are read."""
    path = folder / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    rules = IgnoreRules(folder)

    def ignores(relative: str) -> bool:
        answer = git_ignores(folder, relative)
        if answer is None:
            answer = rules.ignored(folder / relative.rstrip("/"), is_folder=relative.endswith("/"))
        return answer

    added = [entry for entry in BUILD_OUTPUT if not ignores(entry)]
    added += [f"!/{relative}" for relative in keep if ignores(relative)]  # a parent's `*.nupkg`, undone
    if added:
        head = text if not text or text.endswith("\n") else text + "\n"
        write_file(path, head + "".join(f"{line}\n" for line in added))
    return added


def git_ignores(folder: Path, relative: str) -> Optional[bool]:
    """Whether git ignores *relative* in *folder*; None when *folder* is in no git work tree (or
    git is not installed)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", "--no-index", relative], capture_output=True,
        )
    except OSError:
        return None
    return {0: True, 1: False}.get(result.returncode)
