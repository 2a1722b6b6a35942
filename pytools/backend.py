"""PEP 517 / PEP 660 build backend: `build-backend = "aotwheel.backend"` in a project's pyproject.toml
makes `pip install .`, `pip wheel .`, `python -m build` and `pip install -e .` work. The config
settings (`--config-settings=rid=...`, settings.py) are those of `aotwheel build`."""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from .errors import AotWheelError, file_error
from .log import Output, verbose_from_environment
from .processes import Terminated, sigterm_raises

ConfigSettings = Optional[dict[str, Any]]


def _log(line: str) -> None:
    # Front ends show a backend's stderr; stdout may be captured. Commands only with $AOTWHEEL_VERBOSE.
    Output(verbose=verbose_from_environment(), stream=sys.stderr)(line)


@contextmanager
def _hook() -> Iterator[None]:
    """A hook's errors as `error:` lines and exit status 1 (an interrupt: 130, SIGTERM: 143), with
    no traceback; SIGTERM ends the SDK's processes first, as SIGINT does."""
    try:
        with sigterm_raises():
            yield
    except AotWheelError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(str(file_error(exc))) from None
    except Terminated:
        raise _fail("terminated", 128 + signal.SIGTERM) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None


def _fail(message: str, status: int = 1) -> SystemExit:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return SystemExit(status)


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None) -> str:
    from .builder import ProjectBuilder
    from .sdist import unpacked_layout
    from .settings import from_config_settings

    with _hook():
        settings = from_config_settings(config_settings, Path.cwd())
        with unpacked_layout(Path.cwd()) as directory:  # an unpacked sdist: its outside files put back
            builder = ProjectBuilder(directory, build_dir=settings.build_dir, log=_log)
            built = builder.build_one(Path(wheel_directory).resolve(), settings)
        return built.path.name


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from .project import Project
    from .sdist import write_sdist
    from .settings import from_config_settings

    with _hook():
        # The wheel's settings are accepted (python -m build passes the same ones to both hooks).
        settings = from_config_settings(config_settings, Path.cwd())
        return write_sdist(Project.load(Path.cwd(), settings.build_dir), Path(sdist_directory), _log).name


def build_editable(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None
) -> str:
    from .editable import write_editable_wheel
    from .settings import from_config_settings

    with _hook():
        settings = from_config_settings(config_settings, Path.cwd())
        return write_editable_wheel(Path.cwd(), Path(wheel_directory), _log, settings).name
