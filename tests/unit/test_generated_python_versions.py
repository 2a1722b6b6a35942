"""Generated packages must import on every CPython the wheels claim (>= 3.8): their source may use
no syntax newer than 3.8. (Checked by parsing: only 3.11 is installed here.)"""

from __future__ import annotations

import ast

import pytest

from aotwheel.bindings.base import BindingInput
from aotwheel.bindings.ctypes_backend import CtypesBackend

from test_ctypes_backend import EXPORTS
from test_pyexport_render import API


@pytest.mark.parametrize("with_api", [False, True], ids=["raw exports", "with [PyExport] API"])
def test_generated_sources_parse_as_python_3_8(with_api):
    binding = BindingInput("demo", "demo", "1.0", "Demo", "Demo.so", (1000, 0), EXPORTS, API if with_api else None)
    files = CtypesBackend().render(binding)
    sources = {name: data for name, data in files.items() if name.endswith((".py", ".pyi"))}
    assert "_aotwheel.py" in sources and (not with_api or "_dotnet.py" in sources)
    for name, data in sources.items():
        ast.parse(data.decode(), filename=name, feature_version=(3, 8))
