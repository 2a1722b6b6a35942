"""The .gitignore of an aotwheel project: build output stays out of git (aotwheel's build folder,
the wheels, the user's own bin/ and obj/), and what a clone needs stays in (the attribute feed,
which a common C# .gitignore's `*.nupkg` would drop). git itself is asked what it ignores, so the
rules of a parent folder count; without git, the folder's own .gitignore is read."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional, Sequence

from .atomic import write_file

BUILD_OUTPUT = ("build/", "dist/", "bin/", "obj/", "__pycache__/")


def ignore_build_output(folder: Path, keep: Sequence[str] = ()) -> list[str]:
    """Write or extend *folder*/.gitignore so that git ignores BUILD_OUTPUT there and not the files
    *keep* (paths relative to *folder*); return the lines added."""
    path = folder / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    own = {line.strip().lstrip("/").rstrip("/") for line in text.splitlines()}
    added = []
    for entry in BUILD_OUTPUT:
        ignored = git_ignores(folder, entry)
        if not (ignored if ignored is not None else entry.rstrip("/") in own):
            added.append(entry)
    for relative in keep:
        if git_ignores(folder, relative):
            added.append(f"!/{relative}")  # a parent's `*.nupkg` rule, undone for this file
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
