"""Which of a project's files may be published, in an sdist or (python-source) in a wheel.

A file is published only when all of these hold:
- its repository lists it (`git ls-files --cached --others --exclude-standard`: tracked, or untracked
  and not ignored). Where git cannot answer, the repository's `.gitignore` files decide instead
  (`gitignore.py`); outside any repository, every `.gitignore` file above the file does;
- it is no dotfile and lies in no dot-folder (`.env`, `.pypirc`, `.npmrc`, `.vs/`, ...), it is no
  key file (`*.snk`, `*.pfx`, `*.pem`, `id_rsa`, ...) and lies in no `node_modules/`. These hold
  inside git too: a tracked file is not a file meant for publishing;
- reading it follows no symlink to outside the project folder. A link to a file or folder inside
  it is followed, and the content ships under the link's name.

`[tool.aotwheel] sdist-include` names files to publish in spite of the first two rules; nothing
publishes a file through a link to outside the project folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Sequence

from .errors import AotWheelError
from .gitignore import IgnoreRules
from .log import Log

KEY_SUFFIXES = (".snk", ".pfx", ".p12", ".pem", ".key", ".jks", ".keystore", ".ppk", ".gpg", ".kdbx",
                ".publishsettings")
KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
PACKAGE_FOLDERS = frozenset({"node_modules"})
# Variables that point git at another repository or index than the work tree's own (a git hook
# running a build sets them).
_GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")
_PATHSPECS_PER_CALL = 500


def denial(relative: PurePosixPath) -> str | None:
    """Why a file at *relative* (its path in the published archive) is never published unless
    named explicitly; None when its name is no hazard."""
    *folders, name = relative.parts
    if any(folder.startswith(".") for folder in folders):
        return "in a dot-folder"
    if any(folder in PACKAGE_FOLDERS for folder in folders):
        return "in node_modules/"
    if name.startswith("."):
        return "a dotfile"
    if name.lower().endswith(KEY_SUFFIXES) or name in KEY_NAMES:
        return "a key file"
    return None


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def repository_root(folder: Path) -> Path | None:
    """The root of the git work tree holding *folder*: the nearest folder with a `.git` (a folder,
    or a file in a worktree or submodule), found without git."""
    return next((c for c in (folder, *folder.parents) if (c / ".git").exists()), None)


class _GitListing:
    """What `git ls-files --cached --others --exclude-standard` lists in one repository, asked as
    paths come (a folder once, for everything below it)."""

    def __init__(self, repository: Path) -> None:
        self.repository = repository
        self.paths: set[Path] = set()
        self.folders: set[Path] = {repository}  # every folder above a listed path
        self._asked: set[Path] = set()

    def covers(self, path: Path) -> bool:
        return any(p in self._asked for p in (path, *path.parents))

    def ask(self, paths: Iterable[Path]) -> None:
        """List *paths* (files, or folders with everything below them) not listed yet. Raises
        OSError or subprocess.CalledProcessError when git cannot answer."""
        todo = sorted({p for p in paths if not self.covers(p)})
        env = {k: v for k, v in os.environ.items() if k not in _GIT_REDIRECTS}
        for start in range(0, len(todo), _PATHSPECS_PER_CALL):
            chunk = todo[start:start + _PATHSPECS_PER_CALL]
            result = subprocess.run(
                ["git", "--literal-pathspecs", "-C", str(self.repository), "ls-files", "-z", "--cached",
                 "--others", "--exclude-standard", "--", *(os.path.relpath(p, self.repository) for p in chunk)],
                capture_output=True, env=env, stdin=subprocess.DEVNULL, check=True,
            )
            for raw in result.stdout.split(b"\0"):
                if raw:
                    listed = self.repository / os.fsdecode(raw)
                    self.paths.add(listed)
                    self.folders.update(p for p in listed.parents if is_within(p, self.repository))
            self._asked.update(chunk)


class Sources:
    """The publishing rules for the project folder *root* (resolved) and the files around it that
    the build reads. *judged*: files outside a walk of the project folder that will be asked about
    (their repositories are asked at once); *include*: the `sdist-include` patterns; *log* gets a
    note when git cannot answer."""

    def __init__(self, root: Path, include: Sequence[str] = (), judged: Iterable[Path] = (),
                 log: Log | None = None) -> None:
        self.root = root
        self.include = tuple(include)
        self._log = log
        self._repositories: dict[Path, Path | None] = {}
        self._listings: dict[Path, _GitListing | None] = {}
        self._rules: dict[Path, IgnoreRules] = {}
        by_repository: dict[Path, list[Path]] = {}
        for path in judged:
            repository = self.repository(path.parent)
            if repository is not None:
                by_repository.setdefault(repository, []).append(path)
        for repository, paths in by_repository.items():
            self._ask(repository, paths)

    def repository(self, folder: Path) -> Path | None:
        if folder not in self._repositories:
            self._repositories[folder] = repository_root(folder)
        return self._repositories[folder]

    def _listing(self, repository: Path) -> _GitListing | None:
        if repository not in self._listings:
            self._listings[repository] = _GitListing(repository)
            # The project folder is listed whole at once, or a repository inside it (a submodule).
            self._ask(repository, [self.root if is_within(self.root, repository) else repository])
        return self._listings[repository]

    def _ask(self, repository: Path, paths: list[Path]) -> None:
        listing = self._listing(repository)
        if listing is None:
            return
        try:
            listing.ask(paths)
        except (OSError, subprocess.CalledProcessError) as exc:
            stderr = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else None
            detail = (stderr.decode(errors="replace").strip().splitlines() or [""])[0] if stderr else str(exc)
            if self._log is not None:
                self._log(f"note: git cannot list the files of {repository} ({detail}); "
                          "judging them by its .gitignore files instead")
            self._listings[repository] = None

    def _kept(self, path: Path, is_folder: bool = False) -> bool:
        """Whether *path*'s repository lists it (a folder: something below it), or, where git
        cannot answer, the .gitignore files keep it."""
        repository = self.repository(path if is_folder else path.parent)
        if repository is not None:
            listing = self._listing(repository)
            if listing is not None and not listing.covers(path):
                self._ask(repository, [path])
            listing = self._listings[repository]
            if listing is not None:
                return path in (listing.folders if is_folder else listing.paths)
        # Outside any repository every .gitignore above applies: more of them only leave out more.
        top = repository or Path(path.anchor)
        if top not in self._rules:
            self._rules[top] = IgnoreRules(top, [top / ".git" / "info" / "exclude"] if repository else [])
        return not self._rules[top].ignored(path, is_folder)

    def outside_link(self, path: Path) -> Path | None:
        """The target, when reading *path* follows a symlink out of the project folder (a path
        outside the folder: when it is a symlink at all); else None."""
        real = Path(os.path.realpath(path))
        if is_within(path, self.root):
            return None if is_within(real, self.root) else real
        return real if path.is_symlink() else None

    def left_out(self, path: Path, top: Path | None = None) -> str | None:
        """Why *path* is not published, its archive path taken relative to *top* (default: the
        project folder); None when it is. A link to outside is outside_link's to report."""
        real = Path(os.path.realpath(path))
        reason = denial(_relative(path, top or self.root))
        if reason is None and real != path and is_within(real, self.root):
            reason = denial(_relative(real, self.root))  # an innocent name linking to a .env
        if reason is not None:
            return reason
        # git lists a link as a file of its own; what it leads to is listed under its real path.
        links = [p for p in (path, *path.parents) if p != self.root and is_within(p, self.root) and p.is_symlink()]
        for judged in (real, *links):
            if not self._kept(judged):
                repository = self.repository(judged.parent)
                return "git ignores it" if repository and self._listings.get(repository) else "a .gitignore excludes it"
        return None

    def walk(self, folder: Path, skip: frozenset[str] = frozenset()) -> Iterator[Path]:
        """The files below *folder* worth judging, as reached: through links that stay inside the
        project folder; a link out of it is yielded (for outside_link to report), not entered.
        Dot-folders, node_modules/, folders named in *skip*, and folders below which nothing is
        kept are not entered."""
        yield from self._walk(folder, Path(os.path.realpath(folder)), frozenset(), skip)

    def _walk(self, folder: Path, real_folder: Path, above: frozenset[Path], skip: frozenset[str]) -> Iterator[Path]:
        above = above | {real_folder}  # a link back up would loop
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            raise AotWheelError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None
        for entry in entries:
            path = folder / entry.name
            real = Path(os.path.realpath(path)) if entry.is_symlink() else real_folder / entry.name
            if not is_within(real, self.root):
                yield path
            elif real.is_dir():
                if not (entry.name.startswith(".") or entry.name in PACKAGE_FOLDERS or entry.name in skip
                        or real in above or not self._kept(real, is_folder=True)
                        or (entry.is_symlink() and not self._kept(path))):
                    yield from self._walk(path, real, above, skip)
            elif real.is_file():
                yield path

    def included(self) -> list[Path]:
        """The files the `sdist-include` patterns name (a folder: every file below it), as found."""
        found: set[Path] = set()
        for pattern in self.include:
            files = {f for match in self.root.glob(pattern)
                     for f in ([match] if not match.is_dir() else [p for p in match.rglob("*") if not p.is_dir()])}
            if not files:
                raise AotWheelError(
                    f"{self.root / 'pyproject.toml'}: [tool.aotwheel] sdist-include pattern {pattern!r} matches no file"
                )
            found |= files
        return sorted(found)


def _relative(path: Path, top: Path) -> PurePosixPath:
    return PurePosixPath(Path(os.path.relpath(path, top)).as_posix())
