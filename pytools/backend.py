"""PEP 517 / PEP 660 build backend: `build-backend = "aotwheel.backend"` in a project's pyproject.toml
makes `pip install .`, `pip wheel .`, `python -m build` and `pip install -e .` work."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

from .errors import AotWheelError

ConfigSettings = Optional[dict[str, Any]]


def _log(line: str) -> None:
    # Front ends show a backend's stderr; stdout may be captured.
    print(line, file=sys.stderr, flush=True)


def _fail(exc: AotWheelError) -> SystemExit:
    _log(f"error: {exc}")
    return SystemExit(1)


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None) -> str:
    from .builder import ProjectBuilder
    from .sdist import unpacked_layout

    try:
        with unpacked_layout(Path.cwd()) as directory:  # an unpacked sdist: its outside files put back
            builder = ProjectBuilder(directory, log=_log)
            built = builder.build_target(builder.targets()[0], Path(wheel_directory).resolve())
    except AotWheelError as exc:
        raise _fail(exc) from None
    return built.path.name


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from .project import Project
    from .sdist import write_sdist

    try:
        return write_sdist(Project.load(Path.cwd()), Path(sdist_directory), _log).name
    except AotWheelError as exc:
        raise _fail(exc) from None


def build_editable(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None
) -> str:
    from .editable import write_editable_wheel

    try:
        return write_editable_wheel(Path.cwd(), Path(wheel_directory), _log).name
    except AotWheelError as exc:
        raise _fail(exc) from None
