"""The one exception type the tool raises for problems a user can fix."""

from __future__ import annotations


class AotWheelError(Exception):
    """A build problem with a message that names the thing at fault (file, method, parameter, type)."""


def file_error(exc: OSError, path: object = None) -> AotWheelError:
    """*exc* (a full disk, a read-only file system, a permission) as an error naming the path: the
    one the error carries, else *path* (a write to an open file carries none)."""
    where = exc.filename if exc.filename is not None else path
    reason = exc.strerror or str(exc)
    if where is None:
        return AotWheelError(reason)
    if exc.filename2 is not None:
        return AotWheelError(f"cannot move {where} to {exc.filename2}: {reason}")
    return AotWheelError(f"{where}: {reason}")
