"""Atomic output files: written beside their final name, then renamed into place."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import AotWheelError


@contextmanager
def atomic_output(final: Path, mode: int = 0o666) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes *final* only when the block completes, with *mode* less
    the umask (0o777: an executable).

    On any exception (KeyboardInterrupt included) the temporary file is removed and an existing
    *final* is left untouched. The folder is created if missing.
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    except OSError as exc:
        raise AotWheelError(f"cannot write into {final.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file 0o600; an output gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, mode & ~umask)
        os.replace(temp, final)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def script_named_by_content(folder: Path, stem: str, text: str) -> Path:
    """The executable script `<stem>-<digest of text>` in *folder*, written unless it is there
    already. The digest in the name makes a changed script change the command that runs it (and
    with it the rebuild digest of a `dotnet publish` that names it)."""
    path = folder.resolve() / f"{stem}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    if not path.is_file() or path.read_text() != text:
        with atomic_output(path, mode=0o777) as stream:
            stream.write(text.encode())
    return path


def check_folder(path: Path, what: str) -> None:
    """Stop before any work when *path* cannot become a folder: it, or the nearest of its parents
    that exists, is a file (or cannot be written)."""
    for existing in (path, *path.parents):
        if existing.exists():
            break
    if existing == path and not path.is_dir():
        raise AotWheelError(f"{what} {path} is a file, not a folder")
    if not existing.is_dir():
        raise AotWheelError(f"{what} {path} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise AotWheelError(f"{what} {path}: {existing} is not writable")
