"""The shipped JSON schema of `[tool.aotwheel]` says what ToolConfig accepts: the same keys, the
same types, defaults and examples that ToolConfig takes, and docs/configuration.md lists the same keys."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.project import ToolConfig
from aotwheel.resources import tool_schema_path
from aotwheel.targets import TARGETS

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(tool_schema_path().read_text(encoding="utf-8"))
PROPERTIES: dict = SCHEMA["properties"]
SOURCE = Path("pyproject.toml")
SAMPLES = {"string": "x", "boolean": True, "integer": 7, "number": 1.5, "array": ["x"], "object": {"a": "b"}}


def json_type(value: object) -> str:
    for name, kind in (("boolean", bool), ("integer", int), ("number", float), ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, kind):
            return name
    raise TypeError(value)


def allowed_types(schema: dict) -> set[str]:
    if "type" in schema:
        return set(schema["type"]) if isinstance(schema["type"], list) else {schema["type"]}
    return {json_type(value) for value in schema["enum"]}


def test_the_keys_are_toolconfigs_fields() -> None:
    assert set(PROPERTIES) == {f.name.replace("_", "-") for f in dataclasses.fields(ToolConfig)}
    assert SCHEMA["additionalProperties"] is False
    with pytest.raises(AotWheelError, match="unknown key"):
        ToolConfig.from_table({"no-such-key": 1}, SOURCE)


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_every_key_is_described_and_its_examples_and_default_are_accepted(key: str) -> None:
    schema = PROPERTIES[key]
    assert schema["description"].strip()
    values = list(schema.get("examples", [])) + ([schema["default"]] if "default" in schema else [])
    assert values, f"{key}: no example or default"
    for value in values:
        assert json_type(value) in allowed_types(schema), (key, value)
        ToolConfig.from_table({key: value}, SOURCE)
    if "default" in schema:
        assert getattr(ToolConfig(), key.replace("-", "_")) == schema["default"]


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_values_of_a_type_the_schema_refuses_are_refused(key: str) -> None:
    for json_name, sample in SAMPLES.items():
        if json_name in allowed_types(PROPERTIES[key]) or (json_name == "integer" and "number" in allowed_types(PROPERTIES[key])):
            continue
        with pytest.raises(AotWheelError):
            ToolConfig.from_table({key: sample}, SOURCE)


def test_rids_are_the_targets() -> None:
    assert set(PROPERTIES["rids"]["items"]["enum"]) == set(TARGETS)


def test_the_configuration_docs_list_the_same_keys() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = text[text.index("## `[tool.aotwheel]`"):]
    table = table[: table.index("\n## ", 1)]
    assert set(re.findall(r"^\| `([a-z0-9-]+)` \|", table, flags=re.M)) == set(PROPERTIES)


def test_aotwheel_schema_prints_it() -> None:
    done = subprocess.run([sys.executable, "-m", "aotwheel", "schema"], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == SCHEMA
    path = subprocess.run([sys.executable, "-m", "aotwheel", "schema", "--path"], capture_output=True, text=True, check=True)
    assert Path(path.stdout.strip()) == tool_schema_path()
