using AotWheel;

namespace LibraryShaped;

/// <summary>Overloads of one name: one Python function dispatching on arity and argument types.</summary>
[PyExport]
public static class Arithmetic
{
    public static int Add(int a, int b) => a + b;

    public static double Add(double a, double b) => a + b;

    public static string Add(string a, string b) => a + b;

    public static int Add(int a, int b, int c) => a + b + c;

    public static string Kind(bool value) => $"bool {value}";

    public static string Kind(long value) => $"long {value}";

    public static string Kind(double value) => $"double {value}";

    public static string Kind(Shape shape) => $"shape {shape.Name}";

    public static string Kind(Circle circle) => $"circle {circle.Radius}";
}

/// <summary>A point with overloaded constructors and methods.</summary>
[PyExport]
public class Point2
{
    public Point2() : this(0.0, 0.0) { }

    public Point2(double x, double y)
    {
        X = x;
        Y = y;
    }

    public Point2(string text)
    {
        var parts = text.Split(',');
        X = double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        Y = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public double X { get; }

    public double Y { get; }

    public Point2 Scale(double factor) => new(X * factor, Y * factor);

    public Point2 Scale(double fx, double fy) => new(X * fx, Y * fy);

    public override string ToString() => $"({X}, {Y})";
}
