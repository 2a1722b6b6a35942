"""Editable installs (PEP 660): the package lives in the project's build folder, and importing it
rebuilds the native library when the C# sources changed."""

from __future__ import annotations

import hashlib
import sys
import tempfile
import zipfile
from pathlib import Path

import jinja2

from .atomic import atomic_output
from .compile import Log, input_files
from .errors import AotWheelError
from .project import Project
from .resources import templates_dir
from .wheel import WheelWriter



def editable_root(project_root: Path) -> Path:
    """Where the editable package folder lives: `<project>/build/aotwheel/editable`."""
    return project_root / "build" / "aotwheel" / "editable"


def sources_fingerprint(project_root: Path) -> str:
    """A cheap fingerprint (names, sizes, modification times) of the project's input files."""
    digest = hashlib.sha256()
    for path in sorted(input_files(project_root)):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


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
    (root / "fingerprint").write_text(sources_fingerprint(project.root))
    return project, root


def refresh(project_dir: str) -> None:
    """Called on import: rebuild when the sources' fingerprint moved since the last build."""
    root = Path(project_dir)
    stamp = editable_root(root) / "fingerprint"
    if stamp.is_file() and stamp.read_text() == sources_fingerprint(root):
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
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "editable")))
    hook = environment.get_template("hook.py.j2").render(
        import_name=project.import_name, project=str(project.root), package_parent=str(root)
    )
    writer = WheelWriter(project.metadata, "py3-none-any")
    writer.add_bytes(f"{hook_module}.py", hook.encode())
    writer.add_bytes(f"{hook_module}.pth", f"import {hook_module}\n".encode())
    return writer.write(out_dir)
