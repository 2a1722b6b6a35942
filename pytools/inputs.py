"""What a build reads, as MSBuild itself evaluates it, and a stamp that says whether any of it changed.

The inputs are MSBuild's own answer, never a folder walk: the `AotWheelInputs` target
(AotWheel.targets) lists each project's Compile/EmbeddedResource/AdditionalFiles items, package
references and project folders, through every ProjectReference; `-pp` lists every file the entry
project imports (SDK, Directory.Build.*, Directory.Packages.props, package props and targets).

Asking MSBuild costs seconds, so a stamp also keeps each input file's size and modification time
and the modification time of every folder the project's globs search: when none of those moved,
nothing is asked (the no-op of an unchanged project). When only sources moved (no file MSBuild
evaluates, no folder), MSBuild would give the same answer, so the recorded one is read again (the
one-line edit); else MSBuild is asked again. Either way the inputs' contents decide: a touched but
unchanged file, or a new README, rebuilds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import processes
from .atomic import write_file
from .errors import AotWheelError
from .log import Log

QUERY_TARGET = "AotWheelInputs"
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class BuildInputs:
    """MSBuild's answer for one build."""

    files: tuple[str, ...]  # absolute paths of every file read (sources, project and imported files)
    packages: tuple[str, ...]  # "Name/Version" of every PackageReference
    trees: tuple[str, ...]  # project folders, whose default globs would pick up a new file
    pruned: tuple[str, ...]  # folders those globs skip (the user's bin/ and obj/)
    system: tuple[str, ...] = ()  # the SDK's and the NuGet package cache's folders
    # The files MSBuild evaluates (every project file and import), among *files*: while none of them
    # and no watched folder moved, MSBuild's answer stays the same.
    evaluated: tuple[str, ...] = ()

    def user_files(self, *also_not_under: Path) -> list[str]:
        """The input files that are the user's: not the SDK's, a package's or aotwheel's own."""
        roots = [os.path.join(os.path.normpath(p), "") for p in (*self.system, *map(str, also_not_under))]
        return [f for f in self.files if not any(f.startswith(r) for r in roots)]


def query_command(build_command: Sequence[str], verb: str) -> list[str]:
    """The `dotnet msbuild` evaluation matching *build_command* (a `dotnet build/publish` command):
    the same project and properties, so the same items. `-c` and `-r` become properties."""
    index = list(build_command).index(verb)
    dotnet, rest = list(build_command[:index]), list(build_command[index + 1:])
    properties = [arg for arg in rest if arg.startswith("-p:")]
    for flag, name in (("-c", "Configuration"), ("-r", "RuntimeIdentifier")):
        if flag in rest:
            properties.append(f"-p:{name}={rest[rest.index(flag) + 1]}")
    return [*dotnet, "msbuild", rest[0], "-nologo", *properties]


def ask_msbuild(command: Sequence[str], build_root: Path, env: dict[str, str] | None = None,
                log: Log | None = None, imports: bool = True) -> BuildInputs:
    """Run the AotWheelInputs target and (with *imports*) the preprocessor, in parallel, for
    *command* (from query_command). Files aotwheel itself writes into *build_root* are not inputs."""
    if log is not None:
        log("$ " + " ".join(shlex.quote(part) for part in [*command, f"-t:{QUERY_TARGET}"]) + ("  (and -pp)" if imports else ""))
    with ThreadPoolExecutor(2) as pool:
        items = pool.submit(_run, [*command, f"-t:{QUERY_TARGET}", f"-getTargetResult:{QUERY_TARGET}"], env)
        preprocessed = pool.submit(_preprocessed_imports, command, env) if imports else None
        result = items.result()
        imported = preprocessed.result() if preprocessed else []
    try:
        target = json.loads(result)["TargetResults"][QUERY_TARGET]
        listed = [(item["Kind"], item["Identity"]) for item in target["Items"]]
    except (ValueError, KeyError, TypeError):
        raise AotWheelError(f"unexpected answer from MSBuild to {QUERY_TARGET}: {result[:500]}") from None
    root = str(build_root.resolve()) + os.sep

    def kind(name: str) -> list[str]:
        return sorted({value for k, value in listed if k == name})

    files = sorted({os.path.normpath(p) for p in kind("file") + imported if not p.startswith(root)})
    missing = [f for f in files if not os.path.isfile(f)]
    if missing:
        raise AotWheelError(f"the project reads files that do not exist: {', '.join(missing[:5])}")
    evaluated = sorted({os.path.normpath(p) for p in kind("evaluated") + imported if not p.startswith(root)} & set(files))
    folders = {name: tuple(os.path.normpath(p) for p in kind(name)) for name in ("tree", "pruned", "system")}
    return BuildInputs(tuple(files), tuple(kind("package")), folders["tree"], folders["pruned"], folders["system"],
                       tuple(evaluated))


def _run(command: Sequence[str], env: dict[str, str] | None) -> str:
    try:
        result = processes.run(command, env=env, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise AotWheelError(f"cannot run {command[0]}: {exc}") from None
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip()[-2000:]
        raise AotWheelError(f"MSBuild could not evaluate {command[command.index('msbuild') + 1]}:\n{detail}")
    return result.stdout


def _preprocessed_imports(command: Sequence[str], env: dict[str, str] | None) -> list[str]:
    """Every file the project imports. In `-pp` output each import is announced by a comment whose
    last line before the closing rule is the imported file's full path."""
    text = _run([*command, "-pp"], env)
    lines = text.splitlines()
    return [
        lines[i].strip() for i in range(len(lines) - 1)
        if lines[i + 1].startswith("=====") and os.path.isabs(lines[i].strip())
    ]


def content_digest(key: str, inputs: BuildInputs) -> str:
    """A hash of *key* (the command, options and anything else the caller decides by) and of every
    input file's path and content."""
    digest = hashlib.sha256(key.encode())
    for path in inputs.files:
        with open(path, "rb") as stream:
            digest.update(f"\0{path}\0".encode() + hashlib.sha256(stream.read()).digest())
    digest.update("\0".join(inputs.packages).encode())
    return digest.hexdigest()


def watched_folders(inputs: BuildInputs, skip: Sequence[Path]) -> Iterator[str]:
    """The folders whose listing decides the inputs: every folder under a project folder (but the
    pruned ones, dot-folders the SDK's globs skip, and *skip*), and each input file's folder."""
    stop = {os.path.normpath(str(p)) for p in skip} | set(inputs.pruned)
    for tree in inputs.trees:
        for directory, dirnames, _ in os.walk(tree):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and os.path.join(directory, d) not in stop]
            yield directory
    yield from sorted({os.path.dirname(f) for f in inputs.files})


def _stats(inputs: BuildInputs, skip: Sequence[Path]) -> tuple[dict[str, list[int]], dict[str, int]]:
    # A time this recent may be shared by a later change (timestamps are coarse): not trusted, so
    # the next check reads contents (as git does with "racily clean" files).
    racy = time.time_ns() - RACY_NS

    def trusted(mtime: int) -> int:
        return mtime if mtime < racy else -1

    files = {}
    for path in inputs.files:
        stat = os.stat(path)
        files[path] = [stat.st_size, trusted(stat.st_mtime_ns)]
    folders = {d: trusted(os.stat(d).st_mtime_ns) for d in watched_folders(inputs, skip)}
    return files, folders


def unchanged_since(record: dict[str, Any], only: Sequence[str] | None = None) -> bool:
    """True when no file (of *only*, else any) or folder a stamp *record* watches has moved."""
    try:
        files = record["files"]
        for path in files if only is None else only:
            size, mtime = files[path]
            stat = os.stat(path)
            if stat.st_size != size or stat.st_mtime_ns != mtime:
                return False
        inputs = BuildInputs(tuple(files), (), tuple(record["trees"]), tuple(record["pruned"]))
        folders = dict.fromkeys(watched_folders(inputs, [Path(p) for p in record["skip"]]), 0)
        if folders.keys() != record["folders"].keys():
            return False
        return all(os.stat(d).st_mtime_ns == mtime for d, mtime in record["folders"].items())
    except (OSError, KeyError, TypeError, ValueError):
        return False


def recorded_inputs(record: dict[str, Any]) -> BuildInputs | None:
    """MSBuild's answer as a stamp *record* keeps it, if it would give the same one now: no file it
    evaluates and no folder it globs has moved since (only sources did)."""
    try:
        inputs = BuildInputs(
            tuple(record["files"]), tuple(record["packages"]), tuple(record["trees"]), tuple(record["pruned"]),
            tuple(record["system"]), tuple(record["evaluated"]),
        )
    except (KeyError, TypeError):
        return None  # a stamp written before records kept all of it
    return inputs if inputs.evaluated and unchanged_since(record, inputs.evaluated) else None


class InputStamp:
    """The stamp file of one build step: `is_current()` before the step, `save()` after it succeeds.

    *key* holds what the caller decides by besides the files (command, options, generated sources).
    The inputs are read before the step runs, so an edit made during a build is seen by the next one.
    """

    def __init__(self, path: Path, key: str, command: Sequence[str], build_root: Path,
                 env: dict[str, str] | None = None, log: Log | None = None, outputs: Sequence[Path] = ()) -> None:
        self.path, self.key, self.command, self.env = path, key, list(command), env
        self.build_root = build_root.resolve()  # compared with MSBuild's absolute paths
        # Folders not watched: aotwheel's own, which it writes into while building.
        self.skip = [self.build_root, *(p.resolve() for p in outputs)]
        self.log = log
        self._inputs: BuildInputs | None = None
        self._digest = ""
        self._stats: tuple[dict[str, list[int]], dict[str, int]] | None = None
        self._complete = False  # whether _inputs holds the imports too

    def load(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def is_current(self) -> bool:
        record = self.load()
        if record is None or not record.get("digest"):
            return False  # nothing to compare with: MSBuild is asked only if the inputs are wanted
        if record.get("key") == self.key:
            if unchanged_since(record):
                return True
            recorded = recorded_inputs(record)
            if recorded is not None and self._reread(recorded):
                return record.get("digest") == self._digest and self._remember_times()
        self._read()
        return record is not None and record.get("digest") == self._digest and self._remember_times()

    def _remember_times(self) -> bool:
        self._write()  # same contents: only times moved; remember them so the next check is fast
        return True

    def _reread(self, inputs: BuildInputs) -> bool:
        """Read *inputs* (MSBuild's recorded answer) as _read reads a new one; False if a file vanished."""
        try:
            self._stats = _stats(inputs, self.skip)
            self._digest = content_digest(self.key, inputs)
        except OSError:
            return False
        self._inputs, self._complete = inputs, True
        return True

    def inputs(self) -> BuildInputs:
        """MSBuild's answer; before a first build without the imports, which it is not saved with:
        the restore is about to add the packages' (compile.py reads them again after it)."""
        if self._inputs is None:
            self._read(imports=self.load() is not None)
        assert self._inputs is not None
        return self._inputs

    def _read(self, imports: bool = True) -> None:
        self._complete = imports
        self._inputs = ask_msbuild(self.command, self.build_root, self.env, self.log, imports)
        self._stats = _stats(self._inputs, self.skip)
        self._digest = content_digest(self.key, self._inputs)

    def reading_of(self, other: InputStamp) -> InputStamp:
        """This stamp, with *other*'s reading of the inputs (of the same command, under another key:
        the extra sources changed), so that MSBuild is not asked twice; returns self."""
        assert other._inputs is not None and other._stats is not None
        self._inputs, self._stats, self._complete = other._inputs, other._stats, other._complete
        self._digest = content_digest(self.key, self._inputs)
        return self

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)

    def save(self, step_started_ns: int | None = None) -> None:
        """Record the inputs after the step succeeded. Read only now (a first build's: the restore
        changed them), a file modified since *step_started_ns* may not be what the step read: the
        stamp then keeps no digest, and the next build runs the step again."""
        if self._inputs is None or not self._complete:
            self._read()
            assert self._inputs is not None
            if step_started_ns is not None and any(os.stat(f).st_mtime_ns >= step_started_ns for f in self._inputs.files):
                self._digest = ""
        self._write()

    def _write(self) -> None:
        assert self._inputs is not None and self._stats is not None
        files, folders = self._stats
        record = {
            "key": self.key, "digest": self._digest, "files": files, "folders": folders,
            "trees": list(self._inputs.trees), "pruned": list(self._inputs.pruned), "skip": [str(p) for p in self.skip],
            "packages": list(self._inputs.packages), "system": list(self._inputs.system),
            "evaluated": list(self._inputs.evaluated),
        }
        write_file(self.path, json.dumps(record, indent=0, sort_keys=True))
