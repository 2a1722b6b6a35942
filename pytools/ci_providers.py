"""The CI services `aotwheel generate-ci` writes for (ci.py renders them): their templates and
runners. Data only, so that the CLI can list the providers without importing the build stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class WheelRunner:
    """Where a RID's wheels are tested: a runner label, and the Docker platform to emulate with
    qemu there when that runner's CPU is another architecture."""

    image: str
    emulate: str | None = None


@dataclass(frozen=True)
class Provider:
    """One CI service: its template, where its file lives in a repository, and its runners."""

    template: str
    output: str  # relative to the repository root, POSIX spelling
    build_runners: Mapping[str, str]  # Target.os -> the runner that compiles every RID of that OS
    # every RID this provider builds -> where its wheels are tested (None: no hosted runner can)
    test_runners: Mapping[str, WheelRunner | None]


PROVIDERS: dict[str, Provider] = {
    "github": Provider(
        "github.yml.j2",
        ".github/workflows/aotwheel.yml",
        # macos-14 is arm64; Xcode cross-compiles osx-x64 there.
        {"linux": "ubuntu-latest", "windows": "windows-latest", "macos": "macos-14"},
        {
            "linux-x64": WheelRunner("ubuntu-latest"),
            "linux-arm64": WheelRunner("ubuntu-24.04-arm"),
            "win-x64": WheelRunner("windows-latest"),
            "osx-x64": WheelRunner("macos-15-intel"),
            "osx-arm64": WheelRunner("macos-14"),
        },
    ),
    "azure": Provider(
        "azure-pipelines.yml.j2",
        "azure-pipelines.yml",
        {"linux": "ubuntu-latest", "windows": "windows-latest", "macos": "macOS-14"},
        {
            "linux-x64": WheelRunner("ubuntu-latest"),
            # No hosted arm64 Linux agent: the x64 one runs an arm64 Python container under qemu.
            "linux-arm64": WheelRunner("ubuntu-latest", emulate="linux/arm64"),
            "win-x64": WheelRunner("windows-latest"),
            "osx-x64": WheelRunner("macOS-14"),
            # Microsoft-hosted macOS agents are Intel: NativeAOT cross-compiles arm64 there (same
            # OS, other architecture), but the wheel cannot be run, so it is built and not tested.
            "osx-arm64": None,
        },
    ),
}
