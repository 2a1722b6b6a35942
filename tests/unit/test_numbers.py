"""Complex numbers, rectangular arrays and tuples of arrays: planned from an inspector report, and
called on the ctypes backend against gcc-built shims with the slot convention (no SDK)."""

from __future__ import annotations

import array

import pytest

from aotwheel.errors import AotWheelError
from aotwheel.plan.model import Backend, Container, Tag
from aotwheel.plan.planner import plan_binding
from generated_packages import imported_package, live_blocks
from pyexport_reports import array as array_of, generic, method, named, param, prim, report, static_class, support_exports


def grid(element, rank: int):
    return {"kind": "mdarray", "name": element["name"] + "[" + "," * (rank - 1) + "]", "element": element}


COMPLEX = named("System.Numerics.Complex")
TUPLE = generic("System.ValueTuple`2", array_of(prim("double")), array_of(prim("double")))
REPORT = report(static_class(
    method("Conjugate", param("z", COMPLEX), returns=COMPLEX),
    method("Maybe", param("z", generic("System.Nullable`1", COMPLEX)), returns=generic("System.Nullable`1", COMPLEX)),
    method("Sum", param("values", generic("System.ReadOnlySpan`1", COMPLEX)), returns=COMPLEX),
    method("Roots", returns=array_of(COMPLEX)),
    method("Transpose", param("matrix", grid(prim("double"), 2)), returns=grid(prim("double"), 2)),
    method("Cube", param("cube", grid(prim("int"), 3)), returns=grid(prim("int"), 3)),
    method("Squares", returns=TUPLE),
    method("Lists", returns=generic("System.Collections.Generic.List`1", array_of(prim("double")))),
), exports=support_exports())
PLAN = plan_binding(REPORT, {}, Backend.CTYPES)


def member(name: str):
    return next(f for f in PLAN.functions if f.cs_name == name)


def test_the_plan_types():
    assert member("Conjugate").params[0].type.tag is Tag.COMPLEX
    assert member("Maybe").returns.tag is Tag.NULLABLE and member("Maybe").returns.item.tag is Tag.COMPLEX
    span = member("Sum").params[0].type
    assert (span.tag, span.item.tag) == (Tag.SPAN, Tag.COMPLEX)
    assert member("Roots").returns.tag is Tag.SPAN
    matrix = member("Transpose").params[0].type
    assert (matrix.tag, matrix.cs, matrix.item.tag) == (Tag.GRID, "double[,]", Tag.DOUBLE)
    assert member("Cube").returns.cs == "int[,,]"
    squares = member("Squares").returns
    assert squares.tag is Tag.TUPLE and [a.tag for a in squares.args] == [Tag.SPAN, Tag.SPAN]
    assert all(a.container is Container.ARRAY for a in squares.args)
    lists = member("Lists").returns  # arrays in other collections stay lists
    assert (lists.tag, lists.item.tag) == (Tag.LIST, Tag.LIST)


@pytest.mark.parametrize("shape, message", [
    (grid(prim("string"), 2), "string[,]: rectangular arrays are supported of numeric primitives only"),
    (generic("System.Collections.Generic.List`1", grid(prim("double"), 2)),
     "double[,]: a rectangular array is supported only as a parameter or return type"),
    (generic("System.ValueTuple`2", grid(prim("double"), 2), prim("int")),
     "double[,]: a rectangular array is supported only as a parameter or return type"),
])
def test_unsupported_grids_are_build_errors_naming_the_parameter(shape, message):
    with pytest.raises(AotWheelError) as raised:
        plan_binding(report(static_class(method("Take", param("value", shape)))), {})
    assert "Lib.Api.Take, parameter 'value': type" in str(raised.value) and message in str(raised.value)


# Shims as CSharpRenderer writes them: a grid as items + shape pointers, a grid result as a block
# of its dimensions (int64 each) and items; a tuple as its wire encoding (int32 count, items).
NUMBERS_C = r"""
int32_t @conjugate@(const uint8_t *z, int32_t n, uint8_t **r0, uint8_t **error) {
    double parts[2]; memcpy(parts, z, 16); parts[1] = -parts[1]; *r0 = blob(parts, 16); return 0;
}
int32_t @sum@(const double *values, intptr_t count, uint8_t **r0, uint8_t **error) {
    double total[2] = {0, 0}; for (intptr_t i = 0; i < count; i++) { total[0] += values[2 * i]; total[1] += values[2 * i + 1]; }
    *r0 = blob(total, 16); return 0;
}
int32_t @roots@(uint8_t **r0, uint8_t **error) { double items[4] = {1, 0, -1, 0}; *r0 = blob(items, 32); return 0; }
int32_t @transpose@(const double *items, const int64_t *shape, uint8_t **r0, uint8_t **error) {
    int64_t rows = shape[0], columns = shape[1];
    size_t size = 16 + 8 * (size_t)(rows * columns);
    uint8_t *data = malloc(size); int64_t dims[2] = {columns, rows}; memcpy(data, dims, 16);
    for (int64_t i = 0; i < rows; i++) for (int64_t j = 0; j < columns; j++)
        memcpy(data + 16 + 8 * (j * rows + i), &items[i * columns + j], 8);
    *r0 = blob(data, (int32_t)size); free(data); return 0;
}
int32_t @squares@(uint8_t **r0, uint8_t **error) {
    uint8_t data[4 + 16 + 4 + 16]; int32_t two = 2; double x[2] = {1, 2}, y[2] = {1, 4};
    memcpy(data, &two, 4); memcpy(data + 4, x, 16); memcpy(data + 20, &two, 4); memcpy(data + 24, y, 16);
    *r0 = blob(data, sizeof data); return 0;
}
"""


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    with imported_package(PLAN, NUMBERS_C, tmp_path_factory.mktemp("numbers"), "numbers_demo") as module:
        yield module


@pytest.fixture
def without_numpy(numbers, monkeypatch):
    """The package as it runs where numpy is not installed."""
    monkeypatch.setattr(numbers._api._rt, "_numpy_module", None)
    return numbers


def test_complex_values_cross_as_complex(without_numpy):
    numbers = without_numpy
    assert numbers.conjugate(1 + 2j) == 1 - 2j and numbers.conjugate(3) == 3 and numbers.conjugate(0.5) == 0.5
    assert numbers.sum([1j, 2, 3 + 1j]) == 5 + 2j
    assert numbers.roots() == [1, -1] and all(type(z) is complex for z in numbers.roots())
    with pytest.raises(TypeError, match=r"conjugate\(\) argument 'z' must be complex, not str"):
        numbers.conjugate("1j")


def test_grids_take_nested_lists_and_come_back_nested_without_numpy(without_numpy):
    numbers = without_numpy
    before = live_blocks(numbers)
    assert numbers.transpose([[1, 2, 3], [4, 5, 6]]) == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert numbers.transpose(((1.0,),)) == [[1.0]]
    assert numbers.transpose([]) == [] and numbers.transpose([[], []]) == []
    assert numbers.transpose(memoryview(array.array("d", range(6))).cast("B").cast("d", (3, 2))) == [[0, 2, 4], [1, 3, 5]]
    assert live_blocks(numbers) == before
    with pytest.raises(ValueError, match=r"transpose\(\) argument 'matrix' is not rectangular: rows of lengths \[1, 2\]"):
        numbers.transpose([[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="must have 2 dimensions, not 1"):
        numbers.transpose(array.array("d", [1.0]))


def test_grids_and_tuples_of_arrays_are_numpy_arrays_with_numpy(numbers):
    np = pytest.importorskip("numpy")
    result = numbers.transpose(np.arange(6.0).reshape(2, 3))
    assert result.shape == (3, 2) and result.dtype == np.float64 and result[2, 1] == 5.0
    x, y = numbers.squares()
    assert type(x) is np.ndarray and y.tolist() == [1.0, 4.0]
    assert numbers.sum(np.array([1j, 2.0])) == 2 + 1j
    roots = numbers.roots()
    assert roots.dtype == np.complex128 and roots.tolist() == [1, -1]


def test_tuples_of_arrays_are_lists_without_numpy(without_numpy):
    assert without_numpy.squares() == ([1.0, 2.0], [1.0, 4.0])
