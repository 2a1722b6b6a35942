"""A PEP 427 wheel writer: collects files, then writes a reproducible wheel atomically."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from packaging.tags import parse_tag

from . import __version__
from .atomic import atomic_output
from .errors import AotWheelError
from .metadata import DistributionMetadata
from .reproducible import source_date_epoch

__all__ = ["WheelWriter"]

_COMPRESS_LEVEL = 6
_CHUNK = 1 << 20
_ZIP_MIN_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest date a zip entry can hold
_ZIP_MAX_EPOCH = 4354819198  # 2107-12-31T23:59:58Z, the latest
_TAG_PART_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_GENERATED = ("WHEEL", "METADATA", "entry_points.txt", "RECORD")


@dataclass(frozen=True)
class _Entry:
    data: bytes | None
    source: Path | None
    executable: bool

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.source is not None
        try:
            return open(self.source, "rb")
        except OSError as exc:
            raise AotWheelError(f"cannot read {self.source}: {exc.strerror or exc}") from None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.source is not None
        try:
            return os.stat(self.source).st_size
        except OSError as exc:
            raise AotWheelError(f"cannot read {self.source}: {exc.strerror or exc}") from None


def _record_hash(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _zip_date_time() -> tuple[int, int, int, int, int, int]:
    """The timestamp for every entry: SOURCE_DATE_EPOCH (UTC, clamped to the zip range) or now."""
    epoch = source_date_epoch()
    if epoch is None:
        return time.localtime()[:6]
    epoch = min(max(epoch, _ZIP_MIN_EPOCH), _ZIP_MAX_EPOCH)
    return time.gmtime(epoch)[:6]


def _set_compress_level(info: zipfile.ZipInfo, level: int) -> None:
    # Python 3.13 names the attribute compress_level; older versions only have the private _compresslevel.
    if hasattr(type(info), "compress_level"):
        info.compress_level = level  # type: ignore[attr-defined]
    else:
        info._compresslevel = level  # type: ignore[attr-defined]


class WheelWriter:
    """Collects files, then writes a wheel atomically."""

    def __init__(self, metadata: DistributionMetadata, tag: str) -> None:
        if not isinstance(tag, str):
            raise AotWheelError(f"invalid wheel tag {tag!r}")
        parts = tag.split("-")
        if len(parts) != 3 or not all(_TAG_PART_RE.match(part) for part in parts):
            raise AotWheelError(
                f"invalid wheel tag {tag!r}: expected lower-case 'python-abi-platform', "
                "e.g. 'py3-none-manylinux_2_34_x86_64'"
            )
        self._metadata = metadata
        self._tag = tag
        self._tags = sorted(str(t) for t in parse_tag(tag))
        self._entries: dict[str, _Entry] = {}

    @property
    def metadata(self) -> DistributionMetadata:
        return self._metadata

    @property
    def tag(self) -> str:
        return self._tag

    @property
    def dist_info(self) -> str:
        """The name of the .dist-info directory inside the wheel."""
        return f"{self._metadata.wheel_name}-{self._metadata.normalized_version}.dist-info"

    @property
    def filename(self) -> str:
        """{wheel_name}-{version}-{tag}.whl, with the version normalized."""
        return f"{self._metadata.wheel_name}-{self._metadata.normalized_version}-{self._tag}.whl"

    # --- collecting -------------------------------------------------------------------------------------

    def _check_path(self, archive_path: str) -> str:
        if not isinstance(archive_path, str) or not archive_path:
            raise AotWheelError(f"invalid archive path {archive_path!r}: must be a non-empty string")
        if "\\" in archive_path or "\0" in archive_path:
            raise AotWheelError(f"invalid archive path {archive_path!r}: use '/' as the separator")
        if archive_path.startswith("/") or re.match(r"^[A-Za-z]:", archive_path):
            raise AotWheelError(f"invalid archive path {archive_path!r}: must be relative")
        components = archive_path.split("/")
        for component in components:
            if component in ("", ".", ".."):
                raise AotWheelError(
                    f"invalid archive path {archive_path!r}: empty, '.' and '..' components are not allowed"
                )
        if components[0].endswith(".dist-info") and components[0] != self.dist_info:
            raise AotWheelError(
                f"invalid archive path {archive_path!r}: the wheel's only .dist-info directory is {self.dist_info}"
            )
        if components[0] == self.dist_info and len(components) == 2 and components[1] in _GENERATED:
            raise AotWheelError(f"invalid archive path {archive_path!r}: the wheel writer creates this file")
        if archive_path in self._entries:
            raise AotWheelError(f"duplicate archive path {archive_path!r}")
        return archive_path

    def add_bytes(self, archive_path: str, data: bytes, *, executable: bool = False) -> None:
        """Add *data* as *archive_path* (a relative posix path inside the wheel)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data for {archive_path!r} must be bytes, not {type(data).__name__}")
        path = self._check_path(archive_path)
        self._entries[path] = _Entry(bytes(data), None, bool(executable))

    def add_file(self, archive_path: str, source: Path) -> None:
        """Add the file *source* as *archive_path*; it is read when the wheel is written.

        The entry is executable when the source file has any executable bit set.
        """
        source = Path(source)
        try:
            st = os.stat(source)
        except OSError as exc:
            raise AotWheelError(f"cannot add {source}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(st.st_mode):
            raise AotWheelError(f"cannot add {source}: not a regular file")
        path = self._check_path(archive_path)
        self._entries[path] = _Entry(None, source, bool(st.st_mode & 0o111))

    # --- writing ----------------------------------------------------------------------------------------

    def _wheel_file(self) -> bytes:
        lines = ["Wheel-Version: 1.0", f"Generator: aotwheel {__version__}", "Root-Is-Purelib: false"]
        lines += [f"Tag: {tag}" for tag in self._tags]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _ordered_entries(self) -> Iterator[tuple[str, _Entry]]:
        """User files sorted, then the .dist-info files sorted (generated ones included), RECORD excluded."""
        prefix = self.dist_info + "/"
        entries = dict(self._entries)
        entries[prefix + "WHEEL"] = _Entry(self._wheel_file(), None, False)
        entries[prefix + "METADATA"] = _Entry(self._metadata.render().encode("utf-8"), None, False)
        entry_points = self._metadata.render_entry_points()
        if entry_points:
            entries[prefix + "entry_points.txt"] = _Entry(entry_points.encode("utf-8"), None, False)
        names = sorted(entries, key=lambda name: (name.startswith(prefix), name))
        for name in names:
            yield name, entries[name]

    @staticmethod
    def _zip_info(name: str, date_time: tuple[int, ...], executable: bool, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=date_time)  # type: ignore[arg-type]
        info.compress_type = zipfile.ZIP_DEFLATED
        _set_compress_level(info, _COMPRESS_LEVEL)
        info.create_system = 3  # Unix, so the external attributes mean file modes on every host
        info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
        info.file_size = size
        return info

    def _write_zip(self, fileobj: BinaryIO) -> None:
        date_time = _zip_date_time()
        records: list[tuple[str, str, str]] = []
        with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, entry in self._ordered_entries():
                info = self._zip_info(name, date_time, entry.executable, entry.size())
                digest = hashlib.sha256()
                size = 0
                with entry.open() as src, archive.open(info, "w") as dst:
                    while True:
                        try:
                            chunk = src.read(_CHUNK)
                        except OSError as exc:
                            raise AotWheelError(f"cannot read {entry.source}: {exc.strerror or exc}") from None
                        if not chunk:
                            break
                        digest.update(chunk)
                        size += len(chunk)
                        dst.write(chunk)
                records.append((name, _record_hash(digest.digest()), str(size)))
            record_name = self.dist_info + "/RECORD"
            records.append((record_name, "", ""))
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(records)
            record = buffer.getvalue().encode("utf-8")
            with archive.open(self._zip_info(record_name, date_time, False, len(record)), "w") as dst:
                dst.write(record)

    def write(self, out_dir: Path) -> Path:
        """Write the wheel into *out_dir* (created if missing) and return its path.

        The wheel is written to a temporary file in *out_dir* and renamed into place, so a failure leaves
        neither a partial wheel nor the temporary file behind.
        """
        final = Path(out_dir) / self.filename
        with atomic_output(final) as fileobj:
            self._write_zip(fileobj)
        return final
