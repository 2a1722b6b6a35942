"""`[tool.aotwheel] gc-gen0-size`: validated like every key, and written for the NativeAOT compiler."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from aotwheel.compile import NativeCompiler
from aotwheel.errors import AotWheelError
from aotwheel.project import ToolConfig

SOURCE = Path("pyproject.toml")


def test_gen0_budget_is_bounded_by_default():
    assert ToolConfig().runtime_settings() == {"GCgen0size": "1000000"}  # 16 MiB, hex as the runtime reads it


@pytest.mark.parametrize("value, setting", [("64MB", "4000000"), (8 << 20, "800000"), ("512KB", "80000")])
def test_gen0_size_takes_sizes(value, setting):
    assert ToolConfig.from_table({"gc-gen0-size": value}, SOURCE).runtime_settings() == {"GCgen0size": setting}


@pytest.mark.parametrize("value", [0, "0"])
def test_zero_gives_back_the_cache_derived_budget(value):
    assert ToolConfig.from_table({"gc-gen0-size": value}, SOURCE).runtime_settings() == {}


@pytest.mark.parametrize("value, message", [(True, "not a boolean"), ("lots", "is not a size"), ("-1MB", "is not a size"),
                                            (1.5, "must be a int or str")])
def test_bad_gen0_sizes_name_the_key(value, message):
    with pytest.raises(AotWheelError, match="gc-gen0-size") as error:
        ToolConfig.from_table({"gc-gen0-size": value}, SOURCE)
    assert message in str(error.value) and "pyproject.toml" in str(error.value)


def test_settings_reach_the_compiler_beside_the_runtime_options(tmp_path):
    config = ToolConfig.from_table({"gc-gen0-size": "32MB", "gc-heap-hard-limit": "1GB"}, SOURCE)
    NativeCompiler._write_runtime_options(SimpleNamespace(project=SimpleNamespace(config=config), out=tmp_path))
    items = ET.parse(tmp_path / "runtime-options.targets").getroot().find("ItemGroup")
    assert [(item.tag, item.get("Include"), item.get("Value")) for item in items] == [
        ("AotWheelRuntimeOption", "System.GC.HeapHardLimit", str(1 << 30)),
        ("IlcArg", "--runtimeopt:GCgen0size=2000000", None),
    ]
