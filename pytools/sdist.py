"""Source distributions: the project folder (C# sources included) plus PKG-INFO, as a
reproducible `.tar.gz` from which `pip` can build the wheel again."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import time
from pathlib import Path

from .atomic import atomic_output
from .compile import input_files
from .errors import AotWheelError
from .project import Project

IGNORED_SUFFIXES = (".pyc", ".pyo", ".whl", ".so", ".dll", ".dylib")


def sdist_files(project: Project) -> list[Path]:
    """The files an sdist carries, relative to the project root, sorted."""
    if project.root not in project.csproj.parents:
        raise AotWheelError(
            f"{project.csproj} lies outside {project.root}; an sdist can only carry C# sources below the "
            "folder holding pyproject.toml"
        )
    files = {
        path.relative_to(project.root) for path in input_files(project.root)
        if not path.name.endswith(IGNORED_SUFFIXES) and path.is_file() and not path.is_symlink()
    }
    files |= {path.relative_to(project.root) for path in project.python_source_files().values()}
    return sorted(files, key=lambda p: p.as_posix())


def _mtime() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else int(time.time())


def write_sdist(project: Project, out_dir: Path) -> Path:
    """Write `{name}-{version}.tar.gz` (PEP 625 naming) into *out_dir* and return its path."""
    metadata = project.metadata
    base = f"{metadata.wheel_name}-{metadata.normalized_version}"
    final = Path(out_dir) / f"{base}.tar.gz"
    mtime = _mtime()

    def add(archive: tarfile.TarFile, name: str, data: bytes, executable: bool = False) -> None:
        info = tarfile.TarInfo(f"{base}/{name}")
        info.size, info.mtime, info.mode = len(data), mtime, 0o755 if executable else 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        archive.addfile(info, io.BytesIO(data))

    with atomic_output(final) as stream:
        # gzip's own header carries a time and a file name: fixed, so equal inputs give equal bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=mtime) as compressed:
            with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
                add(archive, "PKG-INFO", metadata.render().encode("utf-8"))
                for relative in sdist_files(project):
                    path = project.root / relative
                    add(archive, relative.as_posix(), path.read_bytes(), os.access(path, os.X_OK))
    return final
