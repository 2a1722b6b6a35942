"""Generated packages must import on every CPython the wheels claim (>= 3.8): their source may use
no syntax newer than 3.8. (Checked by parsing: only 3.11 is installed here.)"""

from __future__ import annotations

import ast

import pytest

from aotwheel.bindings.files import PackageInput, package_files

from test_ctypes_backend import API_PLAN, RAW_PLAN
from test_plan_model import PLAN as RICH_PLAN
from test_pyexport_render import WIDE_PLAN

PLANS = {"raw exports": RAW_PLAN, "[PyExport] API": API_PLAN, "every plan part": RICH_PLAN, "every type": WIDE_PLAN}


@pytest.mark.parametrize("which", sorted(PLANS))
def test_generated_sources_parse_as_python_3_8(which):
    plan = PLANS[which]
    files = package_files(plan, PackageInput("demo", "1.0", "Demo.so", (1000, 0)))
    sources = {name: data for name, data in files.items() if name.endswith((".py", ".pyi"))}
    assert "_aotwheel.py" in sources and "_api.py" in sources and ("_dotnet.py" in sources) is plan.has_api
    for name, data in sources.items():
        ast.parse(data.decode(), filename=name, feature_version=(3, 8))
