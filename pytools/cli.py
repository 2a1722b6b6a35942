"""The `aotwheel` command: thin subcommands over the library API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import AotWheelError


class Output:
    """Progress and the SDK's streamed output by default; with -q only warnings and errors."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if self.quiet and not (line.startswith(("warning:", "error")) or ": error " in line):
            return
        print(line, flush=True)


def _build(args: argparse.Namespace, log: Callable[[str], None]) -> int:
    from .builder import ProjectBuilder

    builder = ProjectBuilder(Path(args.directory), build_dir=args.build_dir, log=log)
    built = builder.build(Path(args.out), rids=args.rid or (), debug=args.debug, framework=args.framework)
    for wheel in built:
        print(f"Built wheel: {wheel.path}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="aotwheel", description="Turn a C# library into a Python wheel that needs no .NET at run time."
    )
    main.add_argument("--version", action="version", version=f"aotwheel {__version__}")
    verbosity = argparse.ArgumentParser(add_help=False)
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
    build.add_argument("--build-dir", type=Path, help="folder for intermediate files (default: DIR/build/aotwheel)")
    build.set_defaults(run=_build)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    log = Output(args.quiet)
    try:
        return args.run(args, log)
    except AotWheelError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
