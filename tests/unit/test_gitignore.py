"""gitignore.py decides as git does: a tree of files and folders judged by it and by
`git check-ignore --no-index` gives the same answer for every path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aotwheel.gitignore import IgnoreRules, parse

TOP = """# a comment
*.log
!keep.log
/rootonly.txt
build/
docs/**/*.tmp
**/cache
a/**/b.txt
sub/*.cfg
\\#hash
trail\\ 
 lead
[abc]x.txt
[!d]y.txt
[[:digit:]]z.txt
foo[
data/**
!data/keep/
!data/keep/**
*.[0-9]
nested/
!nested/inner.txt
exact/file.txt
\\!bang
ends-with-space   
"""
SUB = "inner.txt\n!x.log\n/anchored.txt\n"

FILES = [
    "x.log", "keep.log", "sub/x.log", "sub/inner.txt", "sub/deep/inner.txt", "sub/anchored.txt",
    "sub/deep/anchored.txt", "rootonly.txt", "sub/rootonly.txt", "x/build/f", "build", "docs/a/b/c.tmp",
    "docs/c.tmp", "c.tmp", "z/cache/f", "cache", "a/b.txt", "a/x/y/b.txt", "a/bb.txt", "sub/a.cfg",
    "sub/deep/a.cfg", "#hash", "trail ", "trail", " lead", "lead", "ax.txt", "dx.txt", "ey.txt", "dy.txt",
    "7z.txt", "qz.txt", "foo[", "data/keep/f", "data/other/f", "data/f", "file.1", "file.a",
    "nested/inner.txt", "nested/deeper/f", "exact/file.txt", "deep/exact/file.txt", "!bang", "bang",
    "ends-with-space", "src/Program.cs",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="compares with git")
def test_the_same_answers_as_git_check_ignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text(TOP)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text(SUB)
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    listed = "\0".join(FILES) + "\0"
    result = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", "--no-index", "-z", "--stdin"],
                            input=listed.encode(), capture_output=True)
    assert result.returncode in (0, 1), result.stderr
    by_git = {name for name in result.stdout.decode().split("\0") if name}
    rules = IgnoreRules(tmp_path)
    by_us = {name for name in FILES if rules.ignored(tmp_path / name)}
    assert by_us == by_git
    assert {"x.log", "sub/inner.txt", "nested/inner.txt", "data/f", "trail ", "ends-with-space"} <= by_us  # not vacuous
    assert {"keep.log", "sub/x.log", "data/keep/f", "src/Program.cs", "lead"}.isdisjoint(by_us)


def test_folder_only_patterns_and_anchors(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("out/\n/top.txt\n")
    rules = IgnoreRules(tmp_path)
    assert rules.ignored(tmp_path / "a" / "out", is_folder=True)
    assert not rules.ignored(tmp_path / "a" / "out")  # a file named out
    assert rules.ignored(tmp_path / "a" / "out" / "f")  # below an ignored folder
    assert rules.ignored(tmp_path / "top.txt") and not rules.ignored(tmp_path / "a" / "top.txt")
    assert not rules.ignored(tmp_path)


def test_lines_that_are_no_pattern() -> None:
    assert parse("\ufeff\n# comment\n   \n!\n/\n") == []
    assert len(parse("\ufeff*.log\r\nfoo[\nbar\\\n[z-a]\n")) == 1  # a BOM, CRLF; unclosed, trailing \, reversed range


def test_a_symlinked_gitignore_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_text("*\n")
    os.symlink(tmp_path / "elsewhere", tmp_path / ".gitignore")
    assert not IgnoreRules(tmp_path).ignored(tmp_path / "a.cs")
