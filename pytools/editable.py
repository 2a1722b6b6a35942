"""Editable installs (PEP 660): the package lives in the project's build folder, and importing it
rebuilds the native library when the C# sources changed. The import hook (templates/editable)
asks `is_current` of the installed aotwheel, and rebuilds through `refresh` in a fresh interpreter;
it never imports a stale build silently."""

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

from .atomic import atomic_output, write_file
from .compile import STAMP_NAME, STEP_STARTED
from .errors import AotWheelError, file_error
from .inputs import unchanged_since
from .log import Log, Output, verbose_from_environment
from .processes import sigterm_raises
from .project import Project, default_build_dir
from .resources import template_environment
from .settings import BuildSettings
from .wheel import WheelWriter

# Set (to 1), an editable package that cannot be rebuilt imports as last built, with a warning;
# unset, the import fails with the reason.
STALE_ENV = "AOTWHEEL_EDITABLE_STALE"



def editable_root(build_dir: Path) -> Path:
    """Where the editable package folder lives: `editable/` in the project's build folder."""
    return build_dir / "editable"


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


def build_in_place(project_dir: Path, log: Log, settings: BuildSettings = BuildSettings()) -> tuple[Project, Path]:
    """Build the project's wheel and unpack its package under editable_root; return the project
    and that root. The editable package is thus exactly what the wheel would install."""
    from .builder import ProjectBuilder

    builder = ProjectBuilder(project_dir, build_dir=settings.build_dir, log=log)
    project = builder.project
    root = editable_root(builder.build_dir)
    with tempfile.TemporaryDirectory() as scratch:
        built = builder.build_one(Path(scratch), settings)
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
    write_file(root / STAMP_NAME, json.dumps(record))
    return project, root


def is_current(project_dir: str, settings_json: str) -> bool:
    """Whether the editable package of *project_dir* is still what a build would make: no input of
    its last build (as MSBuild listed them), nor pyproject.toml, nor a python-source module moved.
    Only file and folder times are read: no MSBuild, no hashing. Asked by the import hook."""
    root = Path(project_dir)
    settings = BuildSettings.from_json(json.loads(settings_json))
    try:
        record = json.loads((editable_root(settings.build_dir or default_build_dir(root)) / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict) and record.get("pyproject") == _pyproject_stat(root) and unchanged_since(record)
        and record.get("python_source") == _folder_state(record.get("python_source", {}).get("folder"))
    )


class _RebuildLog:
    """The rebuild-on-import's output, to stderr: quiet while the build only finds that nothing
    changed (moved times, same contents), announced once the SDK has work to do."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.output = Output(verbose=verbose_from_environment(), stream=sys.stderr)
        self.announced = False

    def __call__(self, line: str) -> None:
        if not self.announced and STEP_STARTED.match(line):
            self.output(f"aotwheel: an input of {self.project} changed; rebuilding")
            self.announced = True
        if self.announced or line.startswith(("warning:", "error")):
            self.output(line)


def refresh(project_dir: str, settings_json: str = "{}") -> int:
    """The import hook's rebuild, run in a fresh interpreter: rebuild the editable package when it
    is not current. Returns the exit status: 0 when the package is current now, else not (the
    reason printed)."""
    if is_current(project_dir, settings_json):
        return 0
    settings = BuildSettings.from_json(json.loads(settings_json))
    try:
        with sigterm_raises():
            build_in_place(Path(project_dir), _RebuildLog(Path(project_dir)), settings)
    except AotWheelError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:
        print(f"error: {file_error(exc)}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr, flush=True)
        return 130
    return 0


def write_editable_wheel(project_dir: Path, out_dir: Path, log: Log, settings: BuildSettings = BuildSettings()) -> Path:
    """Build in place, then write a wheel that only points the import system at the build."""
    project, root = build_in_place(project_dir, log, settings)
    hook_module = f"_aotwheel_editable_{project.import_name}"
    hook = template_environment("editable").get_template("hook.py.j2").render(
        import_name=project.import_name, project=str(project.root), package_parent=str(root),
        builder_python=sys.executable, settings=json.dumps(settings.to_json()), stale_env=STALE_ENV,
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
        write_file(site / name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.insert(-1, f"{name},sha256={digest},{len(data)}")
    write_file(record, "\n".join(lines) + "\n")
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
