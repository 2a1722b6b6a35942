"""The manifest: what a wheel needs besides the native library, saved as `aotwheel-manifest.json`
beside it by `aotwheel build` and read back by `aotwheel package` (perhaps on another machine)."""

from __future__ import annotations

import base64
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_output
from .errors import AotWheelError
from .metadata import DistributionMetadata
from .plan.model import BindingPlan

MANIFEST_NAME = "aotwheel-manifest.json"
# The kind of file. Its version is the binding plan's format (plan.model.PLAN_FORMAT), checked first.
MANIFEST_FORMAT = "aotwheel-manifest"


@dataclass(frozen=True)
class Manifest:
    """Names, metadata and the binding plan the library was built from: all a wheel needs besides
    the library."""

    import_name: str
    assembly: str
    metadata: DistributionMetadata
    plan: BindingPlan
    # The user's own files shipped beside the bindings ([tool.aotwheel] python-source), carried here
    # so that `aotwheel package` on another machine makes the same wheel without the sources.
    python_files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def save(self, path: Path) -> None:
        data = {
            "format": MANIFEST_FORMAT,
            "import_name": self.import_name,
            "assembly": self.assembly,
            "metadata": dataclasses.asdict(self.metadata),
            "plan": self.plan.to_json(),
            "python_files": {name: base64.b64encode(data).decode("ascii") for name, data in self.python_files.items()},
        }
        with atomic_output(path) as stream:
            stream.write(json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AotWheelError(f"{path}: not a readable manifest: {exc}") from None
        if not isinstance(data, dict) or str(data.get("format")).split("/")[0] != MANIFEST_FORMAT:
            raise AotWheelError(f"{path}: not an aotwheel manifest (expected format {MANIFEST_FORMAT!r})")
        plan = BindingPlan.from_json(data.get("plan"), str(path))  # the format first: it decides the rest
        try:
            raw = data["metadata"]
            raw["urls"] = tuple(tuple(pair) for pair in raw.get("urls", ()))
            metadata = DistributionMetadata(**raw)
            python_files = {name: base64.b64decode(text) for name, text in data.get("python_files", {}).items()}
            return cls(data["import_name"], data["assembly"], metadata, plan, python_files)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AotWheelError(f"{path}: incomplete manifest ({exc})") from None
