"""Editable installs (PEP 660): the package lives in the project's build folder, and importing it
rebuilds the native library when the C# sources changed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .atomic import atomic_output
from .compile import STAMP_NAME
from .errors import AotWheelError
from .inputs import unchanged_since
from .log import Log
from .project import Project, default_build_dir
from .resources import template_environment
from .wheel import WheelWriter



def editable_root(project_root: Path) -> Path:
    """Where the editable package folder lives: `editable/` in the project's default build folder."""
    return default_build_dir(project_root) / "editable"


def _pyproject_stat(project_root: Path) -> list[int]:
    try:
        stat = (project_root / "pyproject.toml").stat()
    except OSError:
        return []
    return [stat.st_size, stat.st_mtime_ns]


def _folder_state(folder: str | None) -> dict[str, Any]:
    """Sizes and times of every file and folder below *folder* (None: nothing to watch)."""
    if folder is None:
        return {}
    entries: dict[str, list[int]] = {}
    for directory, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for path in [directory, *(os.path.join(directory, name) for name in filenames)]:
            stat = os.stat(path)
            entries[path] = [stat.st_size, stat.st_mtime_ns]
    return {"folder": folder, "entries": entries}


def _python_source_state(project: Project) -> dict[str, Any]:
    if not project.python_source_files():  # also checks the configured folder
        return {}
    assert project.config.python_source is not None
    return _folder_state(str((project.root / project.config.python_source).resolve() / project.import_name))


def build_in_place(project_dir: Path, log: Log) -> tuple[Project, Path]:
    """Build the project's wheel and unpack its package under editable_root; return the project
    and that root. The editable package is thus exactly what the wheel would install."""
    from .builder import ProjectBuilder

    builder = ProjectBuilder(project_dir, log=log)
    project = builder.project
    root = editable_root(project.root)
    with tempfile.TemporaryDirectory() as scratch:
        built = builder.build_target(builder.targets()[0], Path(scratch))
        with zipfile.ZipFile(built.path) as wheel:
            for name in wheel.namelist():
                if name.startswith(project.import_name + "/"):
                    with atomic_output(root / name) as stream:
                        stream.write(wheel.read(name))
    # The compile step's own record of its inputs (what MSBuild reads), copied: a later `aotwheel
    # build` may rewrite that one while this package stays as it is.
    record = json.loads((built.native.library.parent.parent / STAMP_NAME).read_text())
    record["pyproject"] = _pyproject_stat(project.root)
    # The user's own modules ([tool.aotwheel] python-source) are no MSBuild input: watched apart.
    record["python_source"] = _python_source_state(project)
    (root / STAMP_NAME).write_text(json.dumps(record))
    return project, root


def refresh(project_dir: str) -> None:
    """Called on import: rebuild when an input of the last build (as MSBuild listed them) or
    pyproject.toml moved since. Only file and folder times are read: no MSBuild, no hashing."""
    root = Path(project_dir)
    try:
        record = json.loads((editable_root(root) / STAMP_NAME).read_text())
    except (OSError, ValueError):
        record = None
    if (
        isinstance(record, dict) and record.get("pyproject") == _pyproject_stat(root) and unchanged_since(record)
        and record.get("python_source") == _folder_state(record.get("python_source", {}).get("folder"))
    ):
        return
    print(f"aotwheel: C# sources changed; rebuilding {root}", file=sys.stderr)
    try:
        build_in_place(root, log=lambda line: print(line, file=sys.stderr))
    except AotWheelError as exc:
        raise ImportError(f"rebuilding {root} failed: {exc}") from None


def write_editable_wheel(project_dir: Path, out_dir: Path, log: Log) -> Path:
    """Build in place, then write a wheel that only points the import system at the build."""
    project, root = build_in_place(project_dir, log)
    hook_module = f"_aotwheel_editable_{project.import_name}"
    hook = template_environment("editable").get_template("hook.py.j2").render(
        import_name=project.import_name, project=str(project.root), package_parent=str(root),
        builder_python=sys.executable,
    )
    writer = WheelWriter(project.metadata, "py3-none-any")
    writer.add_bytes(f"{hook_module}.py", hook.encode())
    writer.add_bytes(f"{hook_module}.pth", f"import {hook_module}\n".encode())
    return writer.write(out_dir)


def target_interpreter(python: str | None) -> Path:
    """The interpreter `aotwheel develop` installs for: --python, else the active venv's
    ($VIRTUAL_ENV), else the one running aotwheel when that is a venv's."""
    if python:
        found = shutil.which(python) or python
        if not Path(found).is_file():
            raise AotWheelError(f"--python {python}: no such interpreter")
        return Path(found)
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        for candidate in (Path(active) / "bin" / "python", Path(active) / "Scripts" / "python.exe"):
            if candidate.is_file():
                return candidate
        raise AotWheelError(f"VIRTUAL_ENV={active} holds no bin/python; activate a venv or pass --python")
    if sys.prefix != sys.base_prefix:
        return Path(sys.executable)
    raise AotWheelError("`aotwheel develop` installs into a virtualenv: activate one, or name its interpreter with --python")


def install_wheel(wheel: Path, python: Path) -> Path:
    """Install the pure-Python *wheel* into *python*'s site-packages as an installer does (PEP 376
    RECORD, INSTALLER and an editable PEP 610 direct_url.json), replacing an earlier install of the
    same distribution; pip need not be there. Returns the site-packages folder."""
    query = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    result = subprocess.run([str(python), "-c", query], capture_output=True, text=True)
    if result.returncode != 0:
        raise AotWheelError(f"{python} could not be run: {result.stderr.strip()}")
    site = Path(result.stdout.strip())
    with zipfile.ZipFile(wheel) as archive:
        info = next(n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".dist-info"))
        distribution = info.rsplit("-", 1)[0]
        for earlier in site.glob(f"{distribution}-*.dist-info"):
            _uninstall(site, earlier)
        for name in archive.namelist():
            with atomic_output(site / name) as stream:
                stream.write(archive.read(name))
    extra = {
        f"{info}/INSTALLER": b"aotwheel\n",
        f"{info}/direct_url.json": json.dumps({"url": Path(wheel).resolve().as_uri(), "dir_info": {"editable": True}}).encode(),
    }
    record = site / info / "RECORD"
    lines = record.read_text().splitlines()
    for name, data in extra.items():
        (site / name).write_bytes(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.insert(-1, f"{name},sha256={digest},{len(data)}")
    record.write_text("\n".join(lines) + "\n")
    return site


def _uninstall(site: Path, dist_info: Path) -> None:
    try:
        entries = (dist_info / "RECORD").read_text().splitlines()
    except OSError:
        entries = []
    for entry in entries:
        path = site / entry.rsplit(",", 2)[0]
        if path.is_file() and site in path.resolve().parents:
            path.unlink()
    shutil.rmtree(dist_info, ignore_errors=True)
