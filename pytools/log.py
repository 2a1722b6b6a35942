"""How every stage reports progress: a function taking one line (`print`, the CLI's `Output`, a
test's `list.append`), so that no stage decides where its output goes."""

from __future__ import annotations

from typing import Callable

Log = Callable[[str], None]
