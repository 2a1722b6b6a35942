"""Atomic output files: written beside their final name, then renamed into place."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import AotWheelError, file_error


@contextmanager
def atomic_output(final: Path, mode: int = 0o666, *, durable: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes *final* only when the block completes, with *mode* less
    the umask (0o777: an executable); *durable*: once it is on disk, for outputs that outlive the
    build (intermediate files need not wait for that).

    On any exception (KeyboardInterrupt included) the temporary file is removed and an existing
    *final* is left untouched; a failed write (a full disk) is an error naming *final*. The folder
    is created if missing.
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
            if durable:
                os.fsync(stream.fileno())
        # mkstemp makes the file 0o600; an output gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, mode & ~umask)
        os.replace(temp, final)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if exc.filename is None:  # a write to the stream: the file being written is at fault
            raise file_error(exc, final) from None
        raise
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


def write_file(path: Path, data: bytes | str) -> None:
    """Write an intermediate file whole or not at all (str as UTF-8); a failure names *path*."""
    with atomic_output(path, durable=False) as stream:
        stream.write(data.encode("utf-8") if isinstance(data, str) else data)


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
