"""Class hierarchies, interfaces and overloads of a library written the ordinary way
(csharp_src/samples/LibraryShaped: Shapes.cs, Overloads.cs), built once, on both backends."""

from __future__ import annotations

import subprocess

import pytest

from support import call_json

# Every test against both backends of the same wheel (conftest.backend).
pytestmark = [pytest.mark.sdk, pytest.mark.usefixtures("backend")]


def test_subclasses_inherit_methods_and_properties(library_clean, backend):
    code = """
import libraryshaped as m, json
c, s, u = m.Circle(1.0), m.Square(2.0), m.UnitSquare()
print(json.dumps([
    m._BACKEND, issubclass(m.Circle, m.Shape), issubclass(m.UnitSquare, m.Square), issubclass(m.UnitSquare, m.Shape),
    issubclass(m.Shape, m.IMeasurable), issubclass(m.Label, m.IMeasurable), issubclass(m.Label, m.Shape),
    [k.__name__ for k in m.UnitSquare.__mro__],
    round(c.area(), 6), c.describe(), c.name, s.side, u.side, u.is_unit, u.area(),
    # Square overrides Describe(); Describe(int), an overload in Shape, stays callable beside it.
    s.describe(), u.describe(), c.describe(1), s.describe(1), m.Shape.describe(u),
    [name in vars(cls) for cls in (m.Shape, m.Circle, m.Square) for name in ("describe", "area", "name")],
]))
"""
    result = call_json(library_clean, code)
    assert result[0] == backend
    assert result[1:7] == [True, True, True, True, True, False]
    assert result[7] == ["UnitSquare", "Square", "Shape", "IMeasurable", "DotNetObject", "object"]
    assert result[8:15] == [3.141593, "Circle of area 3.142", "Circle", 2.0, 1.0, True, 1.0]
    assert result[15:20] == ["Square of side 2", "UnitSquare of side 1", "Circle of area 3.1", "Square of area 4",
                             "UnitSquare of side 1"]
    # Overrides are inherited, not bound again: .NET's virtual dispatch reaches them.
    assert result[20] == [True, True, True, False, False, False, False, False, False]


def test_results_typed_as_a_base_come_back_as_their_own_class(library_clean):
    code = """
import libraryshaped as m, json
c, s, u = m.Circle(1.0), m.Square(2.0), m.UnitSquare()
largest = m.Shape.largest([c, s, u])
triangle = m.Shape.triangle(3.0, 4.0)
print(json.dumps([
    type(largest).__name__, largest.side, type(m.Shape.largest((u,))).__name__, type(m.Shape.largest([c])).__name__,
    [type(x).__name__ for x in m.Shape.sorted_by_area([s, c, u])],
    type(m.Shape.as_measurable(u)).__name__, type(m.Shape.as_measurable(c)).__name__,
    # A .NET class Python does not know arrives as its nearest exported class.
    type(triangle).__name__, triangle.area(), triangle.describe(), m.Shape.nothing(),
]))
"""
    assert call_json(library_clean, code) == [
        "Square", 2.0, "UnitSquare", "Circle", ["UnitSquare", "Circle", "Square"], "UnitSquare", "Circle",
        "Shape", 6.0, "RightTriangle of area 6", None,
    ]


def test_lists_and_arrays_of_a_base_take_any_mix_of_subclasses(library_clean):
    code = """
import libraryshaped as m, json, math
shapes = [m.Circle(1.0), m.Square(2.0), m.UnitSquare(), m.Shape.triangle(1.0, 2.0)]
errors = []
for bad in ([m.Circle(1.0), m.Label("x")], [m.Circle(1.0), 3], "not a list"):
    try:
        m.Shape.total_area(bad)
    except TypeError as exc:
        errors.append(str(exc))
try:
    m.Shape.largest([])
except ValueError as exc:  # .NET's ArgumentException
    errors.append(type(exc).__name__)
print(json.dumps([
    round(m.Shape.total_area(shapes), 6), round(m.Shape.total_area(tuple(shapes)), 6),
    m.Label.measure_all([m.Label("a"), m.Square(3.0), m.UnitSquare()]), errors,
]))
"""
    result = call_json(library_clean, code)
    assert result[:3] == [round(3.141592653589793 + 4 + 1 + 1, 6)] * 2 + [10.0]
    errors = result[3]
    assert len(errors) == 4 and errors[-1] == "DotNetValueError"
    assert "must be Shape, not Label" in errors[0] and "must be Shape, not int" in errors[1]


def test_abstract_classes_and_interfaces_cannot_be_constructed(library_clean):
    code = """
import libraryshaped as m, json
out = []
for cls, args in ((m.Shape, ()), (m.Shape, (1.0,)), (m.IMeasurable, ())):
    try:
        cls(*args)
        out.append("constructed")
    except TypeError as exc:
        out.append(str(exc))
print(json.dumps(out))
"""
    shape, shape_with_argument, interface = call_json(library_clean, code)
    assert shape == shape_with_argument == (
        "Shape is a .NET abstract class: construct one of its exported implementations (UnitSquare, Circle, Square)")
    assert interface == ("IMeasurable is a .NET interface: construct one of its exported implementations "
                         "(UnitSquare, Circle, Square, Label)")


def test_overloaded_functions_dispatch_most_specific_first(library_clean):
    code = """
import libraryshaped as m, json
c = m.Circle(2.0)
out = [m.add(1, 2), m.add(1.5, 2), m.add(2, 0.25), m.add("a", "b"), m.add(1, 2, 3), m.add(a=1, b=2), m.add(1, b=2.5),
       m.add(1, 2, c=3),
       m.add(2**40, 1),
       m.kind(True), m.kind(False), m.kind(5), m.kind(2.5), m.kind(c), m.kind(m.Square(1.0)), m.kind(m.UnitSquare())]
errors = []
for args, kwargs in (((True, False), {}), (("a", 1), {}), ((1,), {}), ((1, 2, 3, 4), {}), ((1, 2), {"d": 3}), ((None,), {})):
    try:
        m.add(*args, **kwargs) if args[0] is not None else m.kind(*args)
        errors.append("called")
    except TypeError as exc:
        errors.append(str(exc))
print(json.dumps([out, errors]))
"""
    out, errors = call_json(library_clean, code)
    assert out == [3, 3.5, 2.25, "ab", 6, 3, 3.5, 6, 2**40 + 1.0, "bool True", "bool False", "long 5", "double 2.5",
                   "circle 2", "shape Square", "shape UnitSquare"]
    listing = ("its overloads:\n  add(a: str, b: str) -> str\n  add(a: int, b: int) -> int\n"
               "  add(a: int, b: int, c: int) -> int\n  add(a: float, b: float) -> float")
    assert errors[0] == "no overload of add() takes (bool, bool); " + listing
    assert errors[1] == "no overload of add() takes (str, int); " + listing
    assert errors[2].startswith("no overload of add() takes (int); ")
    assert errors[3].startswith("no overload of add() takes (int, int, int, int); ")
    assert errors[4] == "no overload of add() takes (int, int, d=int); " + listing
    assert errors[5].startswith("no overload of kind() takes (NoneType); its overloads:\n  kind(circle: Circle) -> str")


def test_overloaded_constructors_and_methods(library_clean):
    code = """
import libraryshaped as m, json
errors = []
for args in ((1,), (1.0, 2.0, 3.0), (None,)):
    try:
        m.Point2(*args)
    except TypeError as exc:
        errors.append(str(exc))
q = m.Point2(1.0, 2.0)
try:
    q.scale("x")
except TypeError as exc:
    errors.append(str(exc))
print(json.dumps([str(m.Point2()), str(q), str(m.Point2(3, 4)), str(m.Point2("5,6")), str(m.Point2(x=7.0, y=8.0)),
                  str(q.scale(2)), str(q.scale(2, 3)), str(q.scale(fx=1, fy=0.5)), errors]))
"""
    *values, errors = call_json(library_clean, code)
    assert values == ["(0, 0)", "(1, 2)", "(3, 4)", "(5, 6)", "(7, 8)", "(2, 4)", "(2, 6)", "(1, 1)"]
    constructors = "its overloads:\n  Point2() -> None\n  Point2(text: str) -> None\n  Point2(x: float, y: float) -> None"
    assert errors[:3] == [f"no overload of Point2() takes ({t}); {constructors}" for t in ("int", "float, float, float", "NoneType")]
    assert errors[3] == ("no overload of Point2.scale() takes (str); its overloads:\n"
                         "  Point2.scale(factor: float) -> Point2\n  Point2.scale(fx: float, fy: float) -> Point2")


def test_overloads_show_in_signatures_docstrings_and_stubs(library_clean):
    code = """
import libraryshaped as m, inspect, json, typing, pathlib
stub = (pathlib.Path(m.__file__).parent / "_api.pyi").read_text()
print(json.dumps([
    [str(inspect.signature(f)) for f in typing.get_overloads(m.add)],
    [str(inspect.signature(f)) for f in typing.get_overloads(m.Point2.scale)],
    [str(inspect.signature(f)) for f in typing.get_overloads(m.Point2.__init__)],
    m.add.__doc__.splitlines()[0], m.__all__, stub,
]))
"""
    add, scale, init, first_line, names, stub = call_json(library_clean, code)
    assert add == ["(a: str, b: str) -> str", "(a: int, b: int) -> int", "(a: int, b: int, c: int) -> int",
                   "(a: float, b: float) -> float"]
    assert scale == ["(self, factor: float) -> libraryshaped.Point2", "(self, fx: float, fy: float) -> libraryshaped.Point2"]
    assert init == ["(self) -> None", "(self, text: str) -> None", "(self, x: float, y: float) -> None"]
    assert first_line == "add(a: str, b: str) -> str"
    assert "add" in names and "kind" in names and not any(n.startswith("_") for n in names)
    assert "@_typing.overload\ndef add(a: int, b: int) -> int: ..." in stub
    assert "    @_typing.overload\n    def scale(self, fx: float, fy: float) -> Point2: ..." in stub
    assert "class Circle(Shape):" in stub and "class Shape(IMeasurable):" in stub and "class Label(IMeasurable):" in stub
    assert "_add_0" not in stub and "_init_0" not in stub


def test_stubs_of_hierarchies_and_overloads_pass_mypy_strict(library_clean, tmp_path):
    mypy = subprocess.run(["which", "mypy"], capture_output=True, text=True).stdout.strip()
    if not mypy:
        pytest.fail("mypy is not installed: .ci/setup installs it (apt-get install mypy)")
    usage = tmp_path / "usage.py"
    usage.write_text(
        "import libraryshaped as m\n"
        "a: int = m.add(1, 2)\n"
        "b: float = m.add(1.5, 2.0)\n"
        "s: str = m.add('a', 'b')\n"
        "shape: m.Shape = m.Shape.largest([m.Circle(1.0), m.Square(2.0), m.UnitSquare()])\n"
        "measurable: m.IMeasurable = m.Label('x')\n"
        "p: m.Point2 = m.Point2('1,2').scale(2.0, 3.0)\n"
        "k: str = m.kind(m.Circle(1.0))\n"
    )
    result = subprocess.run([mypy, "--strict", "--no-incremental", "--python-executable", str(library_clean), str(usage)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_handle_outlives_its_objects_and_threads_agree(library_clean):
    code = """
import libraryshaped as m, json, threading
from libraryshaped import _dotnet
def work():
    shapes = [m.Circle(1.0), m.Square(2.0), m.UnitSquare()]
    for _ in range(2000):
        assert type(m.Shape.largest(shapes)) is m.Square
        assert [type(x) for x in m.Shape.sorted_by_area(shapes)] == [m.UnitSquare, m.Circle, m.Square]
        assert m.add(1, 2) == 3 and m.add(1.5, 1.5) == 3.0 and str(m.Point2(1.0, 2.0).scale(2)) == "(2, 4)"
work()
before = _dotnet.live_handles()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
work()
print(json.dumps([before, _dotnet.live_handles()]))
"""
    before, after = call_json(library_clean, code)
    assert before == after == 0

