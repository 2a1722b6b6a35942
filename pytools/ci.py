"""`aotwheel generate-ci`: a CI definition that compiles each RID's native library on a runner of its
own OS (NativeAOT does not compile across operating systems), packages every wheel in one Linux job
with `aotwheel package` (one place, one aotwheel version, no .NET), tests each wheel in a clean venv
on its own OS, and publishes them all when a `v*` tag is pushed."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Mapping, Sequence

import jinja2

from .errors import AotWheelError
from .atomic import atomic_output
from .resources import templates_dir
from .targets import TARGETS

__all__ = ["PROVIDERS", "render_ci", "write_ci"]


@dataclass(frozen=True)
class Provider:
    """One CI service: its template, where its file lives in a repository, and its runners."""

    template: str
    output: str  # relative to the repository root, POSIX spelling
    # rid -> (runner label, whether that runner's CPU can run the wheel and so test it)
    runners: Mapping[str, tuple[str, bool]]


PROVIDERS: dict[str, Provider] = {
    "github": Provider(
        "github.yml.j2",
        ".github/workflows/aotwheel.yml",
        {
            "linux-x64": ("ubuntu-latest", True),
            "linux-arm64": ("ubuntu-24.04-arm", True),
            "win-x64": ("windows-latest", True),
            "osx-x64": ("macos-15-intel", True),
            "osx-arm64": ("macos-14", True),
        },
    ),
    "azure": Provider(
        "azure-pipelines.yml.j2",
        "azure-pipelines.yml",
        {
            "linux-x64": ("ubuntu-latest", True),
            "win-x64": ("windows-latest", True),
            "osx-x64": ("macOS-14", True),
            # Microsoft-hosted macOS agents are Intel: NativeAOT cross-compiles arm64 there (same
            # OS, other architecture), but the wheel cannot be run, so it is built and not tested.
            "osx-arm64": ("macOS-14", False),
        },
    ),
}

# Values that end up inside double-quoted YAML scalars and shell words: keep them plain.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


# Run by the test jobs as `VENV_PYTHON -I - WHEEL...` (isolated: the checkout is not on sys.path):
# imports every top-level package or module a wheel installs, so it needs no import name.
IMPORT_CHECK = """\
import importlib, sys, zipfile
for wheel in sys.argv[1:]:
    names = set()
    for entry in zipfile.ZipFile(wheel).namelist():
        top, _, rest = entry.partition("/")
        if rest == "__init__.py" or (not rest and top.endswith(".py")):
            names.add(top if rest else top[:-3])
    if not names:
        sys.exit(f"{wheel}: installs nothing to import")
    for name in sorted(names):
        module = importlib.import_module(name)
        print(f"import {name}: OK ({module.__file__})")
"""


MANIFEST_NAME = "aotwheel-manifest.json"  # package.MANIFEST_NAME, without importing the packager

# Run by the build jobs after `aotwheel build`, with RID in the environment: copies the native
# library and the manifest written beside it out of the build folder into native/, the only files
# the assemble job needs. Fails, saying why, when either is missing. @BUILD@ is replaced with the
# (shell-quoted) build folder.
STAGE_NATIVE = """\
set -eu
build=@BUILD@
publish=
for folder in "$build/$RID"-*/publish; do
  [ -f "$folder/@MANIFEST@" ] || continue
  if [ -n "$publish" ]; then
    echo "error: more than one build for $RID: $publish and $folder" >&2
    exit 1
  fi
  publish=$folder
done
if [ -z "$publish" ]; then
  echo "error: no @MANIFEST@ in $build/$RID-*/publish (did aotwheel build run?)" >&2
  exit 1
fi
assembly=$(python -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1], encoding="utf-8"))["assembly"])' "$publish/@MANIFEST@")
case "$RID" in
  win-*) suffix=.dll ;;
  osx-*) suffix=.dylib ;;
  *) suffix=.so ;;
esac
library=$publish/$assembly$suffix
if [ ! -f "$library" ]; then
  echo "error: $publish has @MANIFEST@ but no native library $assembly$suffix" >&2
  exit 1
fi
mkdir -p native
cp "$library" "$publish/@MANIFEST@" native/
ls -l native
""".replace("@MANIFEST@", MANIFEST_NAME)


def _provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise AotWheelError(f"unknown CI provider {name!r}; known: {', '.join(PROVIDERS)}") from None


def _plain(what: str, value: str) -> str:
    if not _PLAIN.fullmatch(value):
        raise AotWheelError(f"{what} {value!r} is not a plain version string such as 3.12 or 9.0.x")
    return value


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _relative_dir(project_dir: str) -> PurePosixPath:
    path = PurePosixPath(project_dir.replace("\\", "/"))
    if path.is_absolute() or re.match(r"[A-Za-z]:", project_dir) or ".." in path.parts:
        raise AotWheelError(
            f"project_dir {project_dir!r} must be a path inside the repository, relative to its root"
        )
    if any(ord(c) < 32 for c in project_dir):
        raise AotWheelError(f"project_dir {project_dir!r} contains control characters")
    return path


def _environment() -> jinja2.Environment:
    # Both CI dialects use `${{ ... }}` themselves, so the templates use [[ ]] and [% %] instead.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "ci")),
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )


def render_ci(
    provider: str,
    *,
    project_dir: str = ".",
    python_versions: Sequence[str] = ("3.9", "3.12"),
    rids: Sequence[str] = ("linux-x64", "win-x64", "osx-arm64"),
    dotnet_version: str = "9.0.x",
) -> str:
    """The CI definition for *provider* ("github" or "azure") as YAML text.

    *project_dir* is the C# project's folder relative to the repository root. aotwheel runs under
    the newest of *python_versions* to build and package; the wheels are tested under each of them."""
    spec = _provider(provider)
    rids = list(dict.fromkeys(rids))
    pythons = [_plain("Python version", str(v)) for v in dict.fromkeys(python_versions)]
    if not rids:
        raise AotWheelError("no runtime identifiers to build")
    if not pythons:
        raise AotWheelError("no Python versions to test")
    unknown = [r for r in rids if r not in spec.runners]
    if unknown:
        raise AotWheelError(
            f"{provider} CI has no runner for {', '.join(map(repr, unknown))}; "
            f"known runtime identifiers: {', '.join(spec.runners)}"
        )
    source = _relative_dir(project_dir)

    builds: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    for rid in rids:
        image, runnable = spec.runners[rid]
        entry = {
            "rid": rid,
            "key": rid.replace("-", "_"),
            "image": image,
            "venv_bin": "Scripts" if rid.startswith("win-") else "bin",
            "suffix": TARGETS[rid].library_suffix,
        }
        builds.append(entry)
        if runnable:
            for python in pythons:
                key = f"{entry['key']}_py{re.sub(r'[^A-Za-z0-9]', '_', python)}"  # Azure: identifiers only
                tests.append({**entry, "python": python, "key": key})

    context = {
        "provider": provider,
        "project_dir": shlex.quote(str(source)),
        "tests_dir": shlex.quote(str(source / "tests")),
        "build_python": max(pythons, key=_version_key),
        "dotnet_version": _plain(".NET SDK version", dotnet_version),
        "builds": builds,
        "tests": tests,
        "import_check": IMPORT_CHECK,
        "stage_script": STAGE_NATIVE.replace("@BUILD@", shlex.quote(str(source / "build" / "aotwheel"))),
        "untested": [b["rid"] for b in builds if not spec.runners[b["rid"]][1]],
    }
    return _environment().get_template(spec.template).render(context)


def _repository_root(start: Path) -> Path:
    """The nearest folder at or above *start* holding `.git`; *start* itself when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def write_ci(provider: str, project_dir: Path, *, force: bool = False, **options: Any) -> Path:
    """Render *provider*'s CI definition for the C# project in *project_dir* and write it at the
    root of the repository holding it (CI services only read their files there), atomically.

    An existing file is kept, with an error naming it, unless *force*. Returns the file written."""
    spec = _provider(provider)
    project_dir = Path(project_dir)
    if not project_dir.is_dir():
        raise AotWheelError(f"{project_dir}: no such folder")
    root = _repository_root(project_dir)
    relative = project_dir.resolve().relative_to(root).as_posix()
    text = render_ci(provider, project_dir=relative, **options)

    target = root / spec.output
    if target.exists() and not force:
        raise AotWheelError(f"{target} already exists; not overwriting it unless forced (--force)")
    with atomic_output(target) as stream:
        stream.write(text.encode("utf-8"))  # bytes: "\n" line ends on every OS
    return target
