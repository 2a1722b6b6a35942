"""Source distributions: the project folder (C# sources included), every other file MSBuild reads
for it (an out-of-tree ProjectReference, a parent Directory.Build.props or Directory.Packages.props)
and the global.json/NuGet.config files above it up to its repository's root, plus PKG-INFO, as a
reproducible `.tar.gz` from which `pip` can build the wheel again. Of those files, only what
sources.py lets ship is in it (what git would publish; no dotfile, key file or link out of the
project), and a NuGet.config holding credentials stops it.

The project folder is the sdist's top folder (pip needs pyproject.toml there). Files from outside it
go to OUTSIDE_DIR, laid out relative to a common ancestor whose path to the project folder is in
OUTSIDE_DIR/ROOT; `unpacked_layout` puts them back in place before a build from the sdist.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .atomic import atomic_output
from .errors import AotWheelError
from .log import Log
from .project import Project, default_build_dir
from .reproducible import source_date_epoch
from .resources import support_dir
from .sources import Sources, is_within, repository_root

IGNORED_SUFFIXES = (".pyc", ".pyo", ".whl", ".so", ".dll", ".dylib")
# Folders of the project folder that hold build products or tools' state: left out unless MSBuild
# reads a file from them (then that file is listed as an input and included anyway).
IGNORED_DIRS = frozenset({"bin", "obj", "build", "dist", "__pycache__"})
# Read by the SDK and NuGet, not imported: found above each project folder, up to its repository's root.
PARENT_SETTINGS = ("global.json", "NuGet.Config", "nuget.config", "NuGet.config")
OUTSIDE_DIR = ".aotwheel-outside"
READ_BY_MSBUILD = "MSBuild reads it"


def _parent_settings(folders: list[Path]) -> set[Path]:
    """global.json and NuGet.config files above *folders*, up to the root of the repository
    holding each; none above a folder that is in no repository."""
    found = set()
    for folder in folders:
        repository = repository_root(folder)
        if repository is None:
            continue
        for parent in folder.parents:
            if not is_within(parent, repository):
                break
            found |= {parent / name for name in PARENT_SETTINGS if (parent / name).is_file()}
    return found


def sdist_files(project: Project, build_dir: Path | None = None, log: Log | None = None) -> dict[str, Path | bytes]:
    """The sdist's members, by archive path below the top folder (sorted): the file each copies,
    or its content. What the build reads is MSBuild's answer (inputs.py)."""
    from .compile import NativeCompiler
    from .targets import target_for, host_rid

    build_root = build_dir or default_build_dir(project.root)
    compiler = NativeCompiler(project, target_for(host_rid()), build_root, log=lambda line: None)
    inputs = compiler.input_stamp("publish", None).inputs()
    read = [Path(p) for p in inputs.user_files(support_dir())]
    return sdist_members(project, read, [Path(t) for t in inputs.trees], log or (lambda line: None))


def sdist_members(project: Project, read: list[Path], trees: list[Path], log: Log) -> dict[str, Path | bytes]:
    """sdist_files, given the files the build reads and the project folders of the build (the
    project's own and its ProjectReferences'). sources.py's rules choose what ships; a file the
    build needs that they leave out is named in a warning."""
    root = project.root
    settings = sorted(_parent_settings([*trees, root]))
    # Their text is in PKG-INFO anyway, and a build from the sdist reads them again: always shipped.
    metadata_files = {Path(os.path.normpath(p)) for p in (root / "pyproject.toml", *project.metadata_files)}
    sources = Sources(root, project.config.sdist_include, [*read, *settings], log)
    top = Path(os.path.commonpath([root, *read, *settings]))  # where outside files' archive names start
    chosen = set(metadata_files)
    included = set(sources.included())

    def offer(path: Path, needed_because: str | None) -> None:
        """Choose *path* if the rules let it ship. *needed_because*: why the build needs it (None:
        it was only found in the project folder)."""
        target = sources.outside_link(path)
        if target is not None:
            if needed_because == READ_BY_MSBUILD:
                raise AotWheelError(
                    f"{path}: MSBuild reads it, but it is a symlink to {target}, outside the project folder {root}, "
                    "and nothing is published through such a link; copy the file in, or let the project name it "
                    "where it is (a file from outside the project folder ships as itself)"
                )
            log(f"warning: left out of the sdist: {path} (a symlink to {target}, outside the project folder)")
            return
        reason = sources.left_out(path, root if is_within(path, root) else top)
        if reason is None:
            chosen.add(path)
        elif needed_because is not None and path not in included:
            log(f"warning: left out of the sdist: {path} ({reason}), though {needed_because}; "
                "[tool.aotwheel] sdist-include ships it")

    for path in sources.walk(root, skip=IGNORED_DIRS):
        if not path.name.endswith(IGNORED_SUFFIXES) and path not in metadata_files:
            offer(path, None)
    for path in read:
        offer(path, READ_BY_MSBUILD)
    for path in settings:
        offer(path, "dotnet or NuGet reads it")
    chosen.update(project.python_source_files().values())  # chosen by the same rules (and checked)
    for path in included:
        target = sources.outside_link(path)
        if target is not None:
            raise AotWheelError(f"{path}: named by [tool.aotwheel] sdist-include, but a symlink to {target}, "
                                f"outside the project folder {root}; nothing is published through such a link")
        chosen.add(path)
    if project.csproj not in chosen:
        raise AotWheelError(f"{project.csproj}: an sdist without the project file cannot be built "
                            f"({sources.left_out(project.csproj, top)}); [tool.aotwheel] sdist-include ships it")
    for path in chosen:
        if path.name.lower() == "nuget.config":
            refuse_credentials(path)
    inside = {p for p in chosen if is_within(p, root)}
    outside = chosen - inside
    members: dict[str, Path | bytes] = {p.relative_to(root).as_posix(): Path(os.path.realpath(p)) for p in inside}
    if outside:
        ancestor = Path(os.path.commonpath([root, *outside]))
        for path in outside:
            members[f"{OUTSIDE_DIR}/{path.relative_to(ancestor).as_posix()}"] = Path(os.path.realpath(path))
        members[f"{OUTSIDE_DIR}/ROOT"] = root.relative_to(ancestor).as_posix().encode()
    return dict(sorted(members.items()))


# NuGet expands %NAME% in a config value, so a value made only of such references holds no secret.
_VARIABLE_RE = re.compile(r"%[^%\s]+%")
_SECRET_KEY_WORDS = ("password", "apikey", "token", "secret")
_URL_PASSWORD_RE = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def _credentials(config: ET.Element) -> Iterator[tuple[str, str]]:
    """(where, key) of each secret a NuGet.config holds as text."""
    for section in config:
        # <packageSourceCredentials> holds one element per source, holding the <add>s.
        for owner in (section, *section):
            for entry in owner.findall("add"):
                key = entry.get("key", "")
                literal = _VARIABLE_RE.sub("", entry.get("value", "")).strip()  # what is not a reference
                if not literal:
                    continue
                if (section.tag.lower() == "apikeys" or any(word in key.lower() for word in _SECRET_KEY_WORDS)
                        or _URL_PASSWORD_RE.search(literal)):
                    yield " ".join(f"<{e.tag}>" for e in dict.fromkeys((section, owner))), key


def refuse_credentials(path: Path) -> None:
    """An sdist is published: a NuGet.config holding a password or an API key stops it, with the
    way to keep the secret out of the file."""
    try:
        config = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise AotWheelError(f"{path}: cannot be read as XML, so it cannot be checked for credentials: {exc}") from None
    found = list(_credentials(config))
    if found:
        where, key = found[0]
        variable = "NUGET_" + re.sub(r"\W", "_", key).upper()
        raise AotWheelError(
            f"{path}: holds a credential ({where} {key}), and an sdist is published. Name an environment "
            f"variable there instead (NuGet expands %NAME% in config values), e.g. <add key=\"{key}\" "
            f"value=\"%{variable}%\" />, and set it where you restore; or keep the credentials in your user-level "
            "NuGet.Config (~/.nuget/NuGet/NuGet.Config; %AppData%\\NuGet\\NuGet.Config on Windows), which no "
            "sdist holds"
        )


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


def write_sdist(project: Project, out_dir: Path, log: Log | None = None) -> Path:
    """Write `{name}-{version}.tar.gz` (PEP 625 naming) into *out_dir* and return its path: the
    PEP 517 hook and `aotwheel sdist`."""
    metadata = project.metadata
    base = f"{metadata.wheel_name}-{metadata.normalized_version}"
    final = Path(out_dir) / f"{base}.tar.gz"
    mtime = _mtime()
    # An earlier sdist in the output folder is no source (when that folder is not dist/).
    written = Path(os.path.realpath(out_dir))
    members = {name: member for name, member in sdist_files(project, log=log).items()
               if isinstance(member, bytes) or not is_within(member, written)}

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
