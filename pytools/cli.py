"""The `aotwheel` command: thin subcommands over the library API."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import AotWheelError, file_error
from .log import Log, Output
from .processes import Terminated, sigterm_raises


def _build(args: argparse.Namespace, log: Log) -> int:
    from .builder import ProjectBuilder

    builder = ProjectBuilder(Path(args.directory), build_dir=args.build_dir, log=log)
    built = builder.build(
        Path(args.out), rids=args.rid or (), debug=args.debug, framework=args.framework, manylinux=args.manylinux
    )
    for wheel in built:
        print(f"Built wheel: {wheel.path}")
    return 0


def _sdist(args: argparse.Namespace, log: Log) -> int:
    from .project import Project
    from .sdist import write_sdist

    sdist = write_sdist(Project.load(Path(args.directory)), Path(args.out), log)
    print(f"Built sdist: {sdist}")
    return 0


def _package(args: argparse.Namespace, log: Log) -> int:
    from .package import package_library

    manifest = Path(args.manifest) if args.manifest else None
    wheel = package_library(Path(args.library), manifest, Path(args.out), log)
    print(f"Built wheel: {wheel.path}")
    return 0


def _new(args: argparse.Namespace, log: Log) -> int:
    from .new import create_project
    from .toolchain import sdk_info

    framework = args.framework or sdk_info().framework
    for path in create_project(Path(args.path), name=args.name, framework=framework, log=log):
        log(f"created {path}")
    log(f"next: aotwheel build {_quoted(args.path)} -o dist")
    return 0


def _init(args: argparse.Namespace, log: Log) -> int:
    from .attributes import PACKAGE_ID
    from .new import init_project

    attributes = args.attributes
    if attributes is None:
        attributes = sys.stdin.isatty() and _ask(
            f"Reference the {PACKAGE_ID} package from the csproj, so that dotnet build and IDEs know "
            "[PyExport]? [Y/n] "
        )
    written = init_project(Path(args.path), attributes=attributes, log=log)
    for path in written:
        print(f"Wrote {path}")
    if not attributes:
        log(f"(no {PACKAGE_ID} reference: `aotwheel init --attributes` adds it)")
    log(f"next: aotwheel build {_quoted(str(written[0].parent))} -o dist")
    return 0


def _ask(question: str) -> bool:
    try:
        answer = input(question).strip().lower()
    except EOFError:
        return False
    return answer in ("", "y", "yes")


def _quoted(path: str) -> str:
    """*path* as the shell needs it in a hint (a folder with a space in its name)."""
    return shlex.quote(path)


def _develop(args: argparse.Namespace, log: Log) -> int:
    import tempfile

    from .editable import install_wheel, target_interpreter, write_editable_wheel

    python = target_interpreter(args.python)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = write_editable_wheel(Path(args.directory), Path(scratch), log)
        site = install_wheel(wheel, python)
    print(f"Installed {wheel.name} (editable) into {site} (for {python})")
    return 0


def _inspect(args: argparse.Namespace, log: Log) -> int:
    from .inspect_cmd import inspect_path

    for line in inspect_path(Path(args.path)):
        print(line)
    return 0


def _doctor(args: argparse.Namespace, log: Log) -> int:
    from .doctor import check_lines, run_checks, summary

    checks = []
    for check in run_checks(log):  # each printed as soon as it is made: the probe builds take a while
        checks.append(check)
        for line in check_lines(check):
            print(line, flush=True)
    lines, healthy = summary(checks)
    for line in lines:
        print(line)
    return 0 if healthy else 1


def _schema(args: argparse.Namespace, log: Log) -> int:
    from .resources import tool_schema_path

    if args.path:
        print(tool_schema_path())
    else:
        sys.stdout.write(tool_schema_path().read_text(encoding="utf-8"))
    return 0


def _generate_ci(args: argparse.Namespace, log: Log) -> int:
    from .ci import write_ci
    from .project import Project

    path = write_ci(args.provider, Project.load(Path(args.directory)), force=args.force)
    print(f"Wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    from .ci_providers import PROVIDERS
    from .project import DEFAULT_BUILD_DIR

    main = argparse.ArgumentParser(
        prog="aotwheel", description="Turn a C# library into a Python wheel that needs no .NET at run time."
    )
    main.add_argument("--version", action="version", version=f"aotwheel {__version__}")
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument("-v", "--verbose", action="store_true", help="also print the exact commands run")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print only warnings, errors and results")
    commands = main.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser(
        "build", parents=[verbosity], help="compile a C# project with NativeAOT and package it as a wheel",
        description="Compile a C# project with NativeAOT, bind its exports, and write one wheel per target.",
    )
    build.add_argument("directory", nargs="?", default=".", help="folder with a .csproj or a pyproject.toml (default: .)")
    build.add_argument("-o", "--out", default="dist", help="folder for the wheels (default: dist)")
    build.add_argument("--rid", action="append", metavar="RID", help="target runtime identifier, repeatable (default: this machine's)")
    build.add_argument("--debug", action="store_true", help="Debug configuration, symbols kept")
    build.add_argument("--framework", metavar="TFM", help="target framework to compile for, e.g. net9.0")
    build.add_argument(
        "--manylinux", metavar="FLOOR",
        help="oldest glibc the Linux wheels load on, e.g. 2_17 (manylinux2014, linked with zig) or 2_28; "
        "'host' links with this machine's linker and glibc (default: 2_17 when a zig is found, else host)",
    )
    build.add_argument("--build-dir", type=Path, help=f"folder for intermediate files (default: DIR/{DEFAULT_BUILD_DIR})")
    build.set_defaults(run=_build)

    sdist = commands.add_parser(
        "sdist", parents=[verbosity], help="write the source distribution (.tar.gz) pip can build the wheel from",
        description="Write the sdist the PEP 517 build_sdist hook writes: the sources the build reads "
        "(git's files, or outside git those no .gitignore excludes; no dotfiles, key files or credentials), PKG-INFO.",
    )
    sdist.add_argument("directory", nargs="?", default=".", help="the project folder (default: .)")
    sdist.add_argument("-o", "--out", default="dist", help="folder for the sdist (default: dist)")
    sdist.set_defaults(run=_sdist)

    package = commands.add_parser(
        "package", parents=[verbosity], help="wheel a native library built elsewhere, from its export manifest",
        description="Package a NativeAOT library compiled on another machine (e.g. a CI runner of another OS) "
        "with the aotwheel-manifest.json that `aotwheel build` wrote beside it. Needs no SDK.",
    )
    package.add_argument("library", help="the native library (.so, .dll, .dylib)")
    package.add_argument("--manifest", help="its manifest (default: aotwheel-manifest.json beside the library)")
    package.add_argument("-o", "--out", default="dist", help="folder for the wheel (default: dist)")
    package.set_defaults(run=_package)

    new = commands.add_parser("new", parents=[verbosity], help="create a ready-to-build C# + Python project")
    new.add_argument("path", help="folder to create; its name is the project name unless --name")
    new.add_argument("--name", help="distribution name (default: the folder name)")
    new.add_argument("--framework", metavar="TFM", help="target framework (default: the SDK's own)")
    new.set_defaults(run=_new)

    init = commands.add_parser(
        "init", parents=[verbosity], help="write a pyproject.toml beside an existing C# project",
        description="Make an existing C# project a Python package: write the pyproject.toml (aotwheel as the "
        "build backend, name and version from the project) beside its .csproj, and a .gitignore entry for "
        "each build output folder. Never replaces a pyproject.toml.",
    )
    init.add_argument("path", nargs="?", default=".", help="the .csproj, or the folder holding the only one (default: .)")
    init.add_argument(
        "--attributes", action=argparse.BooleanOptionalAction, default=None,
        help="reference the AotWheel.Attributes package ([PyExport] for dotnet build and IDEs) with a feed "
        "of its own (nuget/ and NuGet.config); asked on a terminal, else not done",
    )
    init.set_defaults(run=_init)

    develop = commands.add_parser(
        "develop", parents=[verbosity], help="build and install into the active virtualenv (editable)",
        description="Build, then install an editable wheel into the active virtualenv ($VIRTUAL_ENV) or the "
                    "one --python names (pip not needed): importing the package rebuilds it when an input changed.",
    )
    develop.add_argument("directory", nargs="?", default=".", help="the project folder (default: .)")
    develop.add_argument("--python", help="the interpreter of the venv to install into (default: the active venv's)")
    develop.set_defaults(run=_develop)

    inspect = commands.add_parser("inspect", parents=[verbosity], help="show a wheel's, library's or built project's exports and platform tag")
    inspect.add_argument("path", help="a .whl, a native library (.so, .dll, .dylib), or a project folder that was built")
    inspect.set_defaults(run=_inspect)

    doctor = commands.add_parser("doctor", parents=[verbosity], help="check the SDK, NativeAOT packages and linker")
    doctor.set_defaults(run=_doctor)

    schema = commands.add_parser(
        "schema", parents=[verbosity], help="print the JSON schema of [tool.aotwheel] (for editors that check pyproject.toml)",
    )
    schema.add_argument("--path", action="store_true", help="print where the installed schema file is instead")
    schema.set_defaults(run=_schema)

    generate_ci = commands.add_parser(
        "generate-ci", parents=[verbosity], help="write a CI workflow that builds per-platform wheels",
        description="Write a CI workflow derived from the project: its framework's .NET SDK, the targets "
        "of [tool.aotwheel] rids, the Python versions requires-python admits, an sdist.",
    )
    generate_ci.add_argument("provider", choices=PROVIDERS, help=f"the CI service: {' or '.join(PROVIDERS)}")
    generate_ci.add_argument("directory", nargs="?", default=".", help="the project folder (default: .)")
    generate_ci.add_argument("--force", action="store_true", help="overwrite an existing workflow file")
    generate_ci.set_defaults(run=_generate_ci)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    log = Output(args.quiet, args.verbose)
    run: Callable[[argparse.Namespace, Log], int] = args.run  # set by each subcommand's parser
    try:
        with sigterm_raises():
            return run(args, log)
    except AotWheelError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except BrokenPipeError:  # `aotwheel inspect x | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as exc:  # a full disk, a read-only or forbidden folder: named, with no traceback
        print(f"error: {file_error(exc)}", file=sys.stderr, flush=True)
        return 1
    except Terminated:
        print("error: terminated", file=sys.stderr, flush=True)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr, flush=True)
        return 130
