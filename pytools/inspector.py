"""The inspect stage: what a project's compiled metadata declares.

The C# metadata inspector (csharp_src/support/Inspector) is built once per SDK with `dotnet build`
and cached, then run on a compiled assembly to get its `Report`. It only reports; the plan stage
(plan/planner.py) decides what can be bound. A build runs it inside its `dotnet publish`, on the
project's assembly as compiled with aotwheel's run-time support (generate.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import processes
from .errors import AotWheelError
from .report import CONTRACT, Report
from .resources import support_dir
from .toolchain import cache_dir, dotnet_command, dotnet_environment, sdk_info


def inspector_path(sdk_version: str | None = None) -> Path:
    """Build the metadata inspector for the active SDK (of *sdk_version*, as MSBuild names it: else
    asked of `dotnet`) if it is not cached yet; return its dll."""
    source = support_dir() / "Inspector"
    version = sdk_version or sdk_info().version
    digest = hashlib.sha256(version.encode())
    for path in sorted(source.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    target = cache_dir() / "inspector" / digest.hexdigest()[:16]
    dll = target / "AotWheel.Inspector.dll"
    if dll.is_file():
        return dll
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
    try:
        result = processes.run(
            [
                *dotnet_command(), "build", str(source / "AotWheel.Inspector.csproj"), "-c", "Release", "-nologo",
                f"-p:AotWheelFramework=net{version.split('.')[0]}.0", f"-p:OutDir={staging / 'out'}{os.sep}",
                f"-p:BaseIntermediateOutputPath={staging / 'obj'}{os.sep}",
            ],
            env=dotnet_environment(), stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise AotWheelError(f"building aotwheel's metadata inspector failed:\n{result.stdout}{result.stderr}")
        try:
            os.replace(staging / "out", target)
        except OSError:
            if not dll.is_file():  # another build won the race only if it left a complete inspector
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dll


def read_assembly(assembly: Path, sdk_version: str | None = None) -> Report:
    """The inspector's report of *assembly* (by the inspector for *sdk_version*, else the active SDK)."""
    result = processes.run(
        [*dotnet_command(), str(inspector_path(sdk_version)), "--contract", str(CONTRACT), str(assembly)],
        env=dotnet_environment(), stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AotWheelError(f"cannot read the metadata of {assembly}: {result.stderr.strip()}")
    source = f"the inspector's report of {assembly}"
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise AotWheelError(f"{source}: not JSON ({exc})") from None
    return Report.from_json(data, source)
