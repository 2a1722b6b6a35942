"""`aotwheel generate-ci`: a CI definition, derived from the project, that compiles the native
libraries of each OS on a runner of that OS (NativeAOT does not compile across operating systems;
the Linux runner builds x86_64 and aarch64 with zig, against glibc 2.17 by default, and the win-x64
DLL with lld-link, unless the project links Windows with MSVC), packages every wheel in
one Linux job with `aotwheel package` (one place, one aotwheel version, no .NET), builds the sdist,
tests each wheel in a clean venv on a runner that can run it (or under qemu), and publishes them
all when a `v*` tag is pushed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

from packaging.specifiers import SpecifierSet

from . import __version__
from .atomic import atomic_output
from .ci_providers import PROVIDERS, Provider
from .compile import framework_candidates
from . import linking
from .errors import AotWheelError
from .manifest import MANIFEST_NAME
from .project import DEFAULT_BUILD_DIR, Project, read_pyproject
from .resources import template_environment
from .targets import TARGETS
from .windows import LLD, parse_windows_linker

__all__ = ["PROVIDERS", "DEFAULT_RIDS", "render_ci", "write_ci", "options_from_project"]

# The generated file installs the aotwheel that wrote it, so that CI builds what was tried here.
AOTWHEEL_REQUIREMENT = f"aotwheel=={__version__}"
# zig links the Linux libraries; the suite is run with this Zig (.ci/setup installs the same one).
ZIGLANG_REQUIREMENT = "ziglang==0.11.0"
# The glibc floor of the Linux wheels unless the project sets one: 2.17 (manylinux2014).
DEFAULT_FLOOR = "{}_{}".format(*linking.DEFAULT_FLOOR)


def linux_build_flags(floor: str) -> tuple[str, ...]:
    """What every Linux build is asked for besides its RIDs: the floor, named even when it is the
    default, so that a missing zig fails the build instead of giving wheels that only the runner's
    glibc accepts."""
    return ("--manylinux", floor)


# apt packages of the Linux build jobs: clang and zlib for the host linker (kept for what zig does
# not link), llvm for llvm-objcopy (binutils' objcopy cannot strip an aarch64 library on x64).
LINUX_BUILD_PACKAGES = ("clang", "zlib1g-dev", "llvm")
# ... and mingw-w64's Windows import libraries, when the Linux job links win-x64 (windows.py).
WINDOWS_CROSS_PACKAGES = ("mingw-w64-x86-64-dev",)
# Without [tool.aotwheel] rids: Linux x86_64 and aarch64 (the clusters, Graviton and Ampere
# included), Windows x64 and Apple-silicon macOS (the laptops). osx-x64 and other RIDs on request.
DEFAULT_RIDS = ("linux-x64", "linux-arm64", "win-x64", "osx-arm64")
# The CPython releases the test jobs choose from: the oldest and the newest requires-python admits.
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
BACKEND = "aotwheel.backend"  # an sdist is only buildable by pip through this PEP 517 backend


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


# Run by the build jobs after `aotwheel build`, with RIDS (space-separated) in the environment:
# copies each RID's native library and the manifest written beside it out of the build folder into
# native/<rid>/, the only files the assemble job needs. Fails, saying why, when either is missing.
# @BUILD@ is replaced with the (shell-quoted) build folder.
STAGE_NATIVE = """\
set -eu
build=@BUILD@
for rid in $RIDS; do
  publish=
  for folder in "$build/$rid"-*/publish; do
    [ -f "$folder/@MANIFEST@" ] || continue
    if [ -n "$publish" ]; then
      echo "error: more than one build for $rid: $publish and $folder" >&2
      exit 1
    fi
    publish=$folder
  done
  if [ -z "$publish" ]; then
    echo "error: no @MANIFEST@ in $build/$rid-*/publish (did aotwheel build run?)" >&2
    exit 1
  fi
  assembly=$(python -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1], encoding="utf-8"))["assembly"])' "$publish/@MANIFEST@")
  case "$rid" in
    win-*) suffix=.dll ;;
    osx-*) suffix=.dylib ;;
    *) suffix=.so ;;
  esac
  library=$publish/$assembly$suffix
  if [ ! -f "$library" ]; then
    echo "error: $publish has @MANIFEST@ but no native library $assembly$suffix" >&2
    exit 1
  fi
  mkdir -p "native/$rid"
  cp "$library" "$publish/@MANIFEST@" "native/$rid/"
done
ls -lR native
""".replace("@MANIFEST@", MANIFEST_NAME)


def _provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise AotWheelError(f"unknown CI provider {name!r}; known: {', '.join(PROVIDERS)}") from None


def _plain(what: str, value: str) -> str:
    if not _PLAIN.fullmatch(value):
        raise AotWheelError(f"{what} {value!r} is not a plain version string such as 3.12 or 10.0.x")
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


def _key_part(text: str) -> str:
    """`linux-x64` -> `linux_x64`, `3.12` -> `3_12`: part of an Azure matrix entry's name, which
    takes ASCII letters, digits and `_` only (unlike a Python identifier, it may start with a digit)."""
    return re.sub(r"[^A-Za-z0-9]", "_", text)


def render_ci(
    provider: str,
    *,
    project_dir: str = ".",
    python_versions: Sequence[str] = (PYTHONS[0], PYTHONS[-1]),
    rids: Sequence[str] = DEFAULT_RIDS,
    dotnet_version: str = "10.0.x",
    manylinux: str = DEFAULT_FLOOR,
    windows_linker: str = LLD,
    no_sdist: str = "",
    global_json: bool = False,
) -> str:
    """The CI definition for *provider* ("github" or "azure") as YAML text.

    *project_dir* is the C# project's folder relative to the repository root. aotwheel runs under
    the newest of *python_versions* to build and package; the wheels are tested under each of them.
    *manylinux* is the glibc floor the Linux builds ask for (`aotwheel build --manylinux`).
    *windows_linker* "lld" links the Windows DLLs on the Linux runner, "msvc" on a Windows one.
    The sdist is built and published with the wheels unless *no_sdist* gives the reason not to
    (it is said in the file). *global_json*: the repository root has a global.json, which `dotnet`
    obeys in the jobs (they run there), so the SDK it names is installed too."""
    spec = _provider(provider)
    rids = list(dict.fromkeys(rids))
    pythons = [_plain("Python version", str(v)) for v in dict.fromkeys(python_versions)]
    if not rids:
        raise AotWheelError("no runtime identifiers to build")
    if not pythons:
        raise AotWheelError("no Python versions to test")
    unknown = [r for r in rids if r not in spec.test_runners]
    if unknown:
        raise AotWheelError(
            f"{provider} CI has no runner for {', '.join(map(repr, unknown))}; "
            f"known runtime identifiers: {', '.join(spec.test_runners)}"
        )
    source = _relative_dir(project_dir)
    parse_windows_linker(windows_linker, "windows_linker")

    def build_os(rid: str) -> str:
        target = TARGETS[rid]
        return "linux" if target.os == "windows" and windows_linker == LLD else target.os

    # (The providers build no win-arm64, the one Windows target Linux does not link.)
    cross = [rid for rid in rids if TARGETS[rid].os == "windows" and windows_linker == LLD]
    builds: list[dict[str, Any]] = []  # one per OS, in the order its first RID was asked for
    for rid in rids:
        os_name = build_os(rid)
        group = next((b for b in builds if b["os"] == os_name), None)
        if group is None:
            group = {"os": os_name, "image": spec.build_runners[os_name], "rids": []}
            builds.append(group)
        group["rids"].append(rid)
    for group in builds:
        flags = [arg for rid in group["rids"] for arg in ("--rid", rid)]
        if any(TARGETS[rid].os == "linux" for rid in group["rids"]):
            flags += linux_build_flags(_plain("manylinux floor", manylinux))
        group["flags"] = " ".join(flags)

    packages: list[dict[str, str]] = []
    tests: list[dict[str, Any]] = []
    for rid in rids:
        target = TARGETS[rid]
        packages.append({"rid": rid, "library": f"native/native-{build_os(rid)}/{rid}/*{target.library_suffix}"})
        runner = spec.test_runners[rid]
        if runner is None:
            continue
        for python in pythons:
            tests.append({
                "rid": rid,
                "key": f"{_key_part(rid)}_py{_key_part(python)}",
                "image": runner.image,
                "emulate": runner.emulate,
                "python": python,
                "venv_bin": "Scripts" if target.os == "windows" else "bin",
            })

    context = {
        "provider": provider,
        "aotwheel": AOTWHEEL_REQUIREMENT,
        "aotwheel_version": __version__,
        "ziglang": ZIGLANG_REQUIREMENT,
        "linux_packages": " ".join(LINUX_BUILD_PACKAGES),
        "linux_build_packages": " ".join(LINUX_BUILD_PACKAGES + (WINDOWS_CROSS_PACKAGES if cross else ())),
        "windows_cross": cross,
        "windows_msvc": [rid for rid in rids if TARGETS[rid].os == "windows" and rid not in cross],
        "project_dir": shlex.quote(str(source)),
        "tests_dir": shlex.quote(str(source / "tests")),
        "build_python": max(pythons, key=_version_key),
        "dotnet_version": _plain(".NET SDK version", dotnet_version),
        "glibc": manylinux.replace("_", "."),
        "builds": builds,
        "packages": packages,
        "tests": [t for t in tests if not t["emulate"]],
        "emulated_tests": [t for t in tests if t["emulate"]],
        "sdist": not no_sdist,
        "global_json": global_json,
        "no_sdist": no_sdist,
        "import_check": IMPORT_CHECK,
        "stage_script": STAGE_NATIVE.replace("@BUILD@", shlex.quote(str(source / DEFAULT_BUILD_DIR))),
        "untested": [r for r in rids if spec.test_runners[r] is None],
    }
    # Both CI dialects use `${{ ... }}` themselves, so the templates use [[ ]] and [% %] instead.
    templates = template_environment("ci", block=("[%", "%]"), variable=("[[", "]]"), comment=("[#", "#]"))
    return templates.get_template(spec.template).render(context)


def sdk_channel(framework: str) -> str:
    """`net10.0` -> `10.0.x`: the newest SDK of the framework's own .NET release."""
    match = re.fullmatch(r"net(\d+)\.(\d+)", framework)
    if not match:
        raise AotWheelError(
            f"cannot tell which .NET SDK builds target framework {framework!r}; "
            "NativeAOT needs one such as net10.0"
        )
    return f"{match.group(1)}.{match.group(2)}.x"


def options_from_project(project: Project) -> dict[str, Any]:
    """What the CI definition takes from the project: the SDK of the framework a build compiles
    for, the targets of [tool.aotwheel] rids, the Python versions requires-python admits, and
    whether an sdist can be built (only through the aotwheel PEP 517 backend), the glibc floor of
    [tool.aotwheel] manylinux, and where Windows is linked ([tool.aotwheel] windows-linker; lld,
    on the Linux runner, unless it says msvc)."""
    requires = SpecifierSet(project.metadata.requires_python or "")
    pythons = [v for v in PYTHONS if requires.contains(v)]
    if not pythons:
        raise AotWheelError(
            f"{project.root / 'pyproject.toml'}: requires-python {project.metadata.requires_python!r} "
            f"admits none of the Python versions CI can test ({', '.join(PYTHONS)})"
        )
    pyproject = project.root / "pyproject.toml"
    return {
        "dotnet_version": sdk_channel(framework_candidates(project)[0]),
        "manylinux": _linux_floor(project, pyproject),
        "windows_linker": project.config.windows_linker or LLD,
        "rids": project.config.rids or DEFAULT_RIDS,
        "python_versions": tuple(dict.fromkeys((pythons[0], pythons[-1]))),
        "no_sdist": "" if _build_backend(pyproject) == BACKEND else (
            f"{pyproject.name} does not set build-backend = \"{BACKEND}\", so pip could not build a "
            "wheel from an sdist"
        ),
    }


def _linux_floor(project: Project, pyproject: Path) -> str:
    """[tool.aotwheel] manylinux, spelt as `--manylinux` takes it; the default floor without it."""
    where = f"{pyproject}: [tool.aotwheel] manylinux"
    floor = linking.parse_floor(project.config.manylinux or DEFAULT_FLOOR, where)
    if floor is None:
        raise AotWheelError(
            f"{where} = {linking.HOST_LINKER!r}: the CI's Linux wheels would need the runner's glibc, and "
            "its x64 linker cannot link linux-arm64; name a floor such as \"2_17\", or edit the workflow"
        )
    return "{}_{}".format(*floor)


def _build_backend(pyproject: Path) -> str | None:
    table = read_pyproject(pyproject).get("build-system")
    backend = table.get("build-backend") if isinstance(table, dict) else None
    return backend if isinstance(backend, str) else None


def _repository_root(start: Path) -> Path:
    """The nearest folder at or above *start* holding `.git`; *start* itself when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def write_ci(provider: str, project: Project, *, force: bool = False, **options: Any) -> Path:
    """Render *provider*'s CI definition for *project* (its options derived from the project,
    *options* overriding them) and write it at the root of the repository holding the project
    (CI services only read their files there), atomically.

    An existing file is kept, with an error naming it, unless *force*. Returns the file written."""
    spec = _provider(provider)
    root = _repository_root(project.root)
    relative = project.root.resolve().relative_to(root).as_posix()
    derived: dict[str, Any] = {**options_from_project(project), "global_json": (root / "global.json").is_file()}
    text = render_ci(provider, project_dir=relative, **{**derived, **options})

    target = root / spec.output
    if target.exists() and not force:
        raise AotWheelError(f"{target} already exists; not overwriting it unless forced (--force)")
    with atomic_output(target) as stream:
        stream.write(text.encode("utf-8"))  # bytes: "\n" line ends on every OS
    return target
