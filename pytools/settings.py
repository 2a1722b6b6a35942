"""The options of one build besides the project itself: what `aotwheel build` takes as flags, and the
PEP 517 config settings that say the same to the build backend (`pip wheel
--config-settings=manylinux=host .`, `python -m build -C rid=linux-arm64`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from .errors import AotWheelError

# PEP 517 config setting -> what it sets (docs/configuration.md, "PEP 517 backend").
CONFIG_SETTINGS = {
    "rid": "the target runtime identifier (one: a backend hook builds one wheel)",
    "manylinux": "the glibc floor, or host",
    "framework": "the target framework, e.g. net9.0",
    "debug": "true for the Debug configuration",
    "build-dir": "the folder for intermediate files (relative to the project folder)",
}
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class BuildSettings:
    rid: Optional[str] = None  # None: the project's first target, else this machine's
    manylinux: Optional[str] = None
    framework: Optional[str] = None
    debug: bool = False
    build_dir: Optional[Path] = None  # None: the project's default build folder

    def to_json(self) -> dict[str, Any]:
        return {"rid": self.rid, "manylinux": self.manylinux, "framework": self.framework, "debug": self.debug,
                "build_dir": str(self.build_dir) if self.build_dir else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BuildSettings:
        build_dir = data.get("build_dir")
        return cls(data.get("rid"), data.get("manylinux"), data.get("framework"), bool(data.get("debug")),
                   Path(build_dir) if build_dir else None)


def from_config_settings(config_settings: Optional[Mapping[str, Any]], project_dir: Path) -> BuildSettings:
    """The settings a PEP 517 front end passed (each value a string, or a list of strings when the
    key was repeated); a relative build-dir is taken from *project_dir*."""
    values: dict[str, str] = {}
    for key, value in (config_settings or {}).items():
        if key not in CONFIG_SETTINGS:
            known = ", ".join(f"{name} ({meaning})" for name, meaning in CONFIG_SETTINGS.items())
            raise AotWheelError(f"unknown config setting {key!r}; aotwheel knows: {known}")
        if isinstance(value, list):
            if len(set(value)) != 1:
                raise AotWheelError(f"config setting {key!r} is given {len(value)} times ({', '.join(map(str, value))}); "
                                    "give it once (a backend hook builds one wheel: `aotwheel build` takes several --rid)")
            value = value[0]
        if not isinstance(value, str):
            raise AotWheelError(f"config setting {key!r} must be a string, not {type(value).__name__}")
        values[key] = value.strip()
    debug = values.get("debug", "false").lower()
    if debug not in _TRUE + _FALSE:
        raise AotWheelError(f"config setting 'debug' must be true or false, not {values['debug']!r}")
    for key in ("rid", "manylinux", "framework", "build-dir"):
        if key in values and not values[key]:
            raise AotWheelError(f"config setting {key!r} is empty; give a value ({CONFIG_SETTINGS[key]})")
    build_dir = values.get("build-dir")
    return BuildSettings(
        rid=values.get("rid"), manylinux=values.get("manylinux"), framework=values.get("framework"),
        debug=debug in _TRUE, build_dir=(project_dir / build_dir).resolve() if build_dir else None,
    )
