using AotWheel;

namespace LibraryShaped;

/// <summary>Anything with an area and a name: an exported interface, so an abstract base in Python.</summary>
[PyExport]
public interface IMeasurable
{
    double Area();
    string Name { get; }
}

/// <summary>The abstract root of the shapes: exported, but only its subclasses are constructed.</summary>
[PyExport]
public abstract class Shape : IMeasurable
{
    public abstract double Area();

    public string Name => GetType().Name;

    /// <summary>Defined here, inherited by every shape (a square overrides it).</summary>
    public virtual string Describe() => $"{Name} of area {Area():0.###}";

    /// <summary>An overload of Describe, inherited beside the override.</summary>
    public string Describe(int digits) => $"{Name} of area {Math.Round(Area(), digits)}";

    /// <summary>The shape of largest area; typed Shape, returned as the shape's own class.</summary>
    public static Shape Largest(IReadOnlyList<Shape> shapes) =>
        shapes.Count == 0 ? throw new ArgumentException("no shapes given", nameof(shapes)) : shapes.MaxBy(s => s.Area())!;

    public static double TotalArea(Shape[] shapes) => shapes.Sum(s => s.Area());

    public static List<Shape> SortedByArea(List<Shape> shapes) => shapes.OrderBy(s => s.Area()).ToList();

    public static IMeasurable AsMeasurable(Shape shape) => shape;

    /// <summary>A shape of a class Python does not know: it arrives as its nearest exported class.</summary>
    public static Shape Triangle(double width, double height) => new RightTriangle(width, height);

    public static Shape? Nothing() => null;
}

/// <summary>A circle.</summary>
[PyExport]
public class Circle(double radius) : Shape
{
    public double Radius { get; } = radius;

    public override double Area() => Math.PI * Radius * Radius;
}

/// <summary>A square.</summary>
[PyExport]
public class Square(double side) : Shape
{
    public double Side { get; } = side;

    public override double Area() => Side * Side;

    public override string Describe() => $"{Name} of side {Side}";
}

/// <summary>A square of side 1: two levels below Shape.</summary>
[PyExport]
public sealed class UnitSquare() : Square(1.0)
{
    public bool IsUnit => true;
}

/// <summary>Measurable without being a Shape: implements the exported interface only.</summary>
[PyExport]
public class Label(string text) : IMeasurable
{
    public double Area() => 0.0;

    public string Name => text;

    public static double MeasureAll(IReadOnlyList<IMeasurable> items) => items.Sum(i => i.Area());
}

sealed class RightTriangle(double width, double height) : Shape
{
    public override double Area() => width * height / 2;
}
