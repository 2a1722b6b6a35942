"""Source distributions: the project folder (C# sources included), every other file MSBuild reads
for it (an out-of-tree ProjectReference, a parent Directory.Build.props or Directory.Packages.props)
and the parent global.json/NuGet.config, plus PKG-INFO, as a reproducible `.tar.gz` from which
`pip` can build the wheel again.

The project folder is the sdist's top folder (pip needs pyproject.toml there). Files from outside it
go to OUTSIDE_DIR, laid out relative to a common ancestor whose path to the project folder is in
OUTSIDE_DIR/ROOT; `unpacked_layout` puts them back in place before a build from the sdist.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .atomic import atomic_output
from .project import Project, default_build_dir
from .reproducible import source_date_epoch
from .resources import support_dir

IGNORED_SUFFIXES = (".pyc", ".pyo", ".whl", ".so", ".dll", ".dylib")
# Folders of the project folder that hold build products or tools' state: left out unless MSBuild
# reads a file from them (then that file is listed as an input and included anyway).
IGNORED_DIRS = frozenset({"bin", "obj", "build", "dist", "__pycache__"})
# Read by the SDK and NuGet, not imported: found in the project's parent folders up to the repository.
PARENT_SETTINGS = ("global.json", "NuGet.Config", "nuget.config", "NuGet.config")
OUTSIDE_DIR = ".aotwheel-outside"


def _project_folder_files(root: Path) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
        for name in filenames:
            path = Path(directory) / name
            if not name.endswith(IGNORED_SUFFIXES) and path.is_file() and not path.is_symlink():
                yield path


def _parent_settings(folders: list[Path]) -> set[Path]:
    """global.json and NuGet.config files above *folders*, up to a repository root (a .git folder)."""
    found = set()
    for folder in folders:
        for parent in folder.parents:
            found |= {parent / name for name in PARENT_SETTINGS if (parent / name).is_file()}
            if (parent / ".git").exists():
                break
    return found


def sdist_files(project: Project, build_dir: Path | None = None) -> dict[str, Path | bytes]:
    """The sdist's members, by archive path below the top folder (sorted): the file each copies, or
    its content."""
    from .compile import NativeCompiler
    from .targets import target_for, host_rid

    build_root = build_dir or default_build_dir(project.root)
    compiler = NativeCompiler(project, target_for(host_rid()), build_root, log=lambda line: None)
    inputs = compiler.input_stamp("publish", None).inputs()
    read = {Path(p) for p in inputs.user_files(support_dir())}
    files = set(_project_folder_files(project.root)) | read | set(project.python_source_files().values())
    files |= _parent_settings([Path(t) for t in inputs.trees] + [project.root])
    inside = {p for p in files if project.root in p.parents}
    outside = files - inside
    members: dict[str, Path | bytes] = {p.relative_to(project.root).as_posix(): p for p in inside}
    if outside:
        ancestor = Path(os.path.commonpath([project.root, *outside]))
        for path in outside:
            members[f"{OUTSIDE_DIR}/{path.relative_to(ancestor).as_posix()}"] = path
        members[f"{OUTSIDE_DIR}/ROOT"] = project.root.relative_to(ancestor).as_posix().encode()
    return dict(sorted(members.items()))


@contextmanager
def unpacked_layout(directory: Path) -> Iterator[Path]:
    """The project folder to build an unpacked sdist from: *directory* itself, or, when the sdist
    carries files from outside the project, a scratch copy with those files back in place."""
    outside = directory / OUTSIDE_DIR
    if not (outside / "ROOT").is_file():
        yield directory
        return
    relative = (outside / "ROOT").read_text().strip()
    with tempfile.TemporaryDirectory(prefix="aotwheel-sdist-") as scratch:
        shutil.copytree(outside, scratch, dirs_exist_ok=True, ignore=lambda d, names: ["ROOT"] if Path(d) == outside else [])
        root = Path(scratch) / relative
        shutil.copytree(directory, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(OUTSIDE_DIR))
        yield root


# gzip's header holds the time as 32 bits: a SOURCE_DATE_EPOCH past 2106 is clamped (as the wheel's
# zip entries clamp to their own range), not refused.
_GZIP_MAX_MTIME = 0xFFFFFFFF


def _mtime() -> int:
    epoch = source_date_epoch()
    return int(time.time()) if epoch is None else min(epoch, _GZIP_MAX_MTIME)


def write_sdist(project: Project, out_dir: Path) -> Path:
    """Write `{name}-{version}.tar.gz` (PEP 625 naming) into *out_dir* and return its path."""
    metadata = project.metadata
    base = f"{metadata.wheel_name}-{metadata.normalized_version}"
    final = Path(out_dir) / f"{base}.tar.gz"
    mtime = _mtime()
    members = sdist_files(project)

    def add(archive: tarfile.TarFile, name: str, data: bytes, executable: bool = False) -> None:
        info = tarfile.TarInfo(f"{base}/{name}")
        info.size, info.mtime, info.mode = len(data), mtime, 0o755 if executable else 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        archive.addfile(info, io.BytesIO(data))

    with atomic_output(final) as stream:
        # gzip's own header carries a time and a file name: fixed, so equal inputs give equal bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=mtime) as compressed:
            with tarfile.TarFile(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
                add(archive, "PKG-INFO", metadata.render().encode("utf-8"))
                for name, member in members.items():
                    if isinstance(member, bytes):
                        add(archive, name, member)
                    else:
                        add(archive, name, member.read_bytes(), os.access(member, os.X_OK))
    return final
