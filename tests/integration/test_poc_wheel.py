"""The proof-of-concept sample, built with the real SDK and called from a venv that has no .NET."""

from __future__ import annotations

import platform
import zipfile

import pytest

from support import call_json, run_python

from aotwheel.binary import read_native_library
from aotwheel.platform_tags import platform_tag_for

# Raw exports are called through the native backend (the default) and its ctypes fallback.
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


def test_wheel_is_tagged_from_the_binary(poc_wheel, tmp_path):
    names = zipfile.ZipFile(poc_wheel).namelist()
    # The library is also the native backend's extension module.
    zipfile.ZipFile(poc_wheel).extract("aotsample_poc/_lib.abi3.so", tmp_path)
    tag = platform_tag_for(read_native_library(tmp_path / "aotsample_poc" / "_lib.abi3.so")).tag
    assert poc_wheel.name == f"aotsample_poc-1.2.0-py3-none-{tag}.whl"
    # Linked by zig (on PATH after .ci/setup) at the default floor, whatever this machine's glibc is.
    machine = platform.machine()
    assert tag == f"manylinux_2_17_{machine}.manylinux2014_{machine}"
    for expected in ("__init__.py", "__init__.pyi", "py.typed", "_aotwheel.py", "_lib.abi3.so"):
        assert f"aotsample_poc/{expected}" in names


def test_add(clean_python):
    assert call_json(clean_python, "import aotsample_poc as m, json; print(json.dumps(m.add(2, 3)))") == 5


def test_string_through_a_nuget_package(clean_python):
    code = """
import aotsample_poc as m, json
buffer = bytearray(256)
size = m.markdown_to_html("# Hello\\n\\n*naïve* text", buffer, len(buffer))
print(json.dumps(bytes(buffer[:size]).decode()))
"""
    html = call_json(clean_python, code)
    assert "<h1>Hello</h1>" in html
    assert "<em>naïve</em>" in html


def test_file_written_and_read_back_at_a_path_from_python(clean_python, tmp_path):
    target = tmp_path / "written by dotnet ✓.txt"
    code = f"""
import aotsample_poc as m, json
path = {str(target)!r}
written = m.write_text_file(path, "line one\\nline two ✓")
buffer = bytearray(100)
size = m.read_text_file(path.encode(), buffer, len(buffer))
missing = m.read_text_file({str(tmp_path / "absent.txt")!r}, buffer, len(buffer))
print(json.dumps([written, bytes(buffer[:size]).decode(), missing]))
"""
    written, read_back, missing = call_json(clean_python, code)
    assert target.read_text(encoding="utf-8") == "line one\nline two ✓"
    assert written == len("line one\nline two ✓".encode())
    assert read_back == "line one\nline two ✓"
    assert missing == -1


def test_sum_and_fill_with_stdlib_buffers(clean_python):
    code = """
import aotsample_poc as m, array, json
values = array.array("d", [0.5, 1.5, 2.0])
total = m.sum_doubles(values, len(values))
squares = array.array("d", bytes(8 * 5))
m.fill_squares(squares, len(squares))
print(json.dumps([total, list(squares)]))
"""
    total, squares = call_json(clean_python, code)
    assert total == 4.0
    assert squares == [0.0, 1.0, 4.0, 9.0, 16.0]


def test_numpy_sum_and_in_place_fill_are_zero_copy(numpy_python):
    code = """
import aotsample_poc as m, numpy as np, json
values = np.arange(1_000_000, dtype=np.float64)
total = m.sum_doubles(values, values.size)
target = np.zeros(6)
address = target.ctypes.data
m.fill_squares(target, target.size)
view = target[::2]
try:
    m.fill_squares(view, view.size)
    strided = "accepted"
except ValueError as exc:
    strided = str(exc)
print(json.dumps([total, target.tolist(), target.ctypes.data == address, strided]))
"""
    total, filled, same_memory, strided = call_json(numpy_python, code)
    assert total == sum(range(1_000_000))
    assert filled == [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]
    assert same_memory
    assert "C-contiguous" in strided and "'values'" in strided


def test_no_dotnet_runtime_is_loaded(clean_python):
    code = """
import aotsample_poc as m, json, os
m.add(1, 1)
maps = open("/proc/self/maps").read()
libraries = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps.splitlines() if ".so" in line})
print(json.dumps([libraries, "DOTNET_ROOT" in os.environ]))
"""
    libraries, has_dotnet_root = call_json(clean_python, code)
    assert "_lib.abi3.so" in libraries
    assert not [name for name in libraries if "coreclr" in name or "hostfxr" in name or "hostpolicy" in name]
    assert not has_dotnet_root


def test_signature_and_docstring(clean_python):
    code = """
import aotsample_poc as m, inspect, json
print(json.dumps([str(inspect.signature(m.add)), str(inspect.signature(m.sum_doubles)), m.add.__doc__]))
"""
    add_signature, sum_signature, doc = call_json(clean_python, code)
    assert add_signature == "(a: int, b: int) -> int"
    assert sum_signature == "(values: Buffer, count: int) -> float"
    assert "AotSample.Poc.Exports.Add(int a, int b)" in doc


def test_wrong_argument_type_names_the_parameter(clean_python):
    code = """
import aotsample_poc as m, json, array
errors = []
for call in (lambda: m.add("2", 3), lambda: m.add(2, 2**40), lambda: m.sum_doubles(array.array("f", [1.0]), 1),
             lambda: m.sum_doubles([1.0, 2.0], 2), lambda: m.add(1.5, 2)):
    try:
        call()
        errors.append(None)
    except Exception as exc:
        errors.append([type(exc).__name__, str(exc)])
print(json.dumps(errors))
"""
    errors = call_json(clean_python, code)
    assert errors[0][0] == "TypeError" and "'a'" in errors[0][1]
    assert errors[1][0] == "OverflowError" and "'b'" in errors[1][1]
    assert errors[2][0] == "TypeError" and "'values'" in errors[2][1] and "float64" in errors[2][1]
    assert errors[3][0] == "TypeError" and "'values'" in errors[3][1]
    assert errors[4][0] == "TypeError" and "'a'" in errors[4][1]


def test_works_from_any_working_directory(clean_python, tmp_path):
    result = run_python(clean_python, "import aotsample_poc as m; print(m.add(40, 2))", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"
