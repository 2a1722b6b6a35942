"""How every stage reports progress: a function taking one line (`print`, `Output`, a test's
`list.append`), so that no stage decides where its output goes."""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional, TextIO

Log = Callable[[str], None]

VERBOSE_ENV = "AOTWHEEL_VERBOSE"


class Output:
    """Progress and the SDK's streamed output by default; with *verbose* also the exact commands
    run (lines starting "$ "); with *quiet* only warnings and errors. To *stream* (default stdout)."""

    def __init__(self, quiet: bool = False, verbose: bool = False, stream: Optional[TextIO] = None) -> None:
        self.quiet, self.verbose, self.stream = quiet, verbose, stream

    def __call__(self, line: str) -> None:
        if line.startswith("$ ") and not self.verbose:
            return
        if self.quiet and not (line.startswith(("warning:", "error")) or ": error " in line):
            return
        print(line, file=self.stream or sys.stdout, flush=True)


def verbose_from_environment() -> bool:
    """$AOTWHEEL_VERBOSE=1: the commands too, where no -v can be given (pip, python -m build, an
    editable install's rebuild)."""
    return os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes", "on")
