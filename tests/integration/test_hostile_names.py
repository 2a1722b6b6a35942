"""Valid C# whose names collide with what aotwheel generates builds, imports and answers right on
both backends (tests/projects/Hostile): global-namespace types named like the generated C#'s
helpers, members named like Python builtins and dunder or enum-reserved names, non-ASCII names,
defaults that need care to spell. Also: a package refuses a library of another binding plan."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from support import SYSTEM_PYTHON, call_json, run_python

pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


def test_members_named_like_builtins_and_generated_helpers_work(hostile_python, backend):
    code = """
import inspect, json, hostile as h
w = h.Widget(5)
before = w.int
w.int = 3
s = h.Straße("abc")
try:
    h.rank(99999999999)
except OverflowError as exc:
    overflow = str(exc)
print(json.dumps([
    h._BACKEND, w.property(), w.static_method(), h.Widget.classmethod(1), before, w.int, s.größe(), s.name,
    h.int(1), h.str("x"), h.type(4), h.len(3), h.property(9), h.globals(5), h.hash(2), h.größe("straße"),
    h.dunder__(2), h.private(7), h.status_ok(), overflow,
]))
"""
    out = call_json(hostile_python, code)
    assert out[0] == backend
    assert out[1:] == [10, 15, 2, 0, 3, 3, "abc", 2, "x!", 8, 3, 9, 4, 3, "STRAßE", 20, 7, 42,
                       "rank() argument 'level' = 99999999999 is out of range [-2147483648, 2147483647]"]


def test_enums_with_reserved_member_names_and_no_zero_member_import(hostile_python):
    code = """
import inspect, json, hostile as h
print(json.dumps([[m.name for m in h.Odd], h.echo_odd(h.Odd.mro_).name, h.echo_odd(h.Odd.ignore_) == 2,
                  str(inspect.signature(h.rank)), h.rank(h.Level.High).name, h.higher().name]))
"""
    names, mro, ignore, rank, high, higher = call_json(hostile_python, code)
    assert names == ["mro_", "ignore_", "None_", "name"] and mro == "mro_" and ignore
    # `Level level = default`: 0, which no member names, stays the plain number it is.
    assert rank == "(level: hostile.Level = 0) -> hostile.Level" and high == higher == "High"


def test_defaults_keep_negative_zero_and_lone_surrogates(hostile_python):
    code = """
import inspect, json, math, hostile as h
zero = inspect.signature(h.negative_zero).parameters["value"].default
print(json.dumps([math.copysign(1.0, zero), math.copysign(1.0, h.negative_zero()),
                  ord(inspect.signature(h.surrogate).parameters["c"].default), ord(h.surrogate()),
                  [ord(c) for c in inspect.signature(h.lone_surrogate).parameters["s"].default]]))
"""
    assert call_json(hostile_python, code) == [-1.0, -1.0, 0xDC00, 0xDC00, [ord("a"), 0xD800, ord("b")]]


def test_records_with_fields_named_like_builtins_round_trip(hostile_python):
    code = """
import dataclasses, json, hostile as h
f = h.Fields(1, "a", 2.0, 3)
back = h.echo_fields(f)
try:
    back.int = 4
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps([back == f, repr(back), hash(back) == hash(f), frozen, [x.name for x in dataclasses.fields(back)]]))
"""
    assert call_json(hostile_python, code) == [True, "Fields(self=1, int='a', hash=2.0, object=3)", True, True,
                                               ["self", "int", "hash", "object"]]


def test_a_nullable_string_result_is_optional_in_the_stub(hostile_wheel):
    stub = zipfile.ZipFile(hostile_wheel).read("hostile/_api.pyi").decode()
    assert "def __call__(self, s: Optional[_builtins.str]) -> Optional[_builtins.str]: ..." in stub


def test_a_package_refuses_a_library_of_another_binding_plan(hostile_wheel, pyexport_wheel, tmp_path):
    # The [PyExport] sample's package with the Hostile library in its place (the fingerprint it
    # checks first made to match): the two were generated from different plans.
    package = tmp_path / "site"
    zipfile.ZipFile(pyexport_wheel).extractall(package)
    library = package / "pyexportsample" / "_lib.abi3.so"
    foreign = zipfile.ZipFile(hostile_wheel).read("hostile/_lib.abi3.so")
    library.write_bytes(foreign)
    native = package / "pyexportsample" / "_native.py"
    expected = next(line for line in native.read_text().splitlines() if line.startswith("PLAN = ")).split('"')[1]
    runtime = {}
    exec(compile((package / "pyexportsample" / "_aotwheel.py").read_text(), "_aotwheel.py", "exec"), runtime)
    fingerprint = runtime["fingerprint"](str(library))
    native.write_text("\n".join(f"FINGERPRINT = {fingerprint}" if line.startswith("FINGERPRINT = ") else line
                                for line in native.read_text().splitlines()) + "\n")
    result = run_python(Path(SYSTEM_PYTHON), "import pyexportsample", cwd=package)
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: the native library ") and "was generated from the binding plan " in message
    assert f"but this package from the plan {expected}" in message and "reinstall the wheel" in message
