using AotWheel;

namespace PyExportSample;

/// <summary>Primary colours, and one more.</summary>
public enum Color
{
    Red,
    Green,
    Blue = 5,
}

/// <summary>File permissions, combinable.</summary>
[Flags]
public enum Permissions : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
}

/// <summary>A point in the plane.</summary>
public record Point(double X, double Y);

/// <summary>A size, as a mutable struct.</summary>
public struct Size
{
    public int Width;
    public int Height;
}

/// <summary>A person, with nested supported types.</summary>
public record Person(string Name, int Age, string[] Tags, Color Favorite, DateTime? Born);

/// <summary>Geometry on records and structs.</summary>
[PyExport]
public static class Geometry
{
    public static double Distance(Point a, Point b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));

    public static Point Midpoint(Point a, Point b) => new((a.X + b.X) / 2, (a.Y + b.Y) / 2);

    public static int Area(Size size) => size.Width * size.Height;

    public static Permissions Grant(Permissions current, Permissions extra = Permissions.Read) => current | extra;

    public static Color Mix(Color a, Color b = Color.Green) => (Color)Math.Max((int)a, (int)b);

    [PyExport(Name = "describe_person")]
    public static string Describe(Person person) => $"{person.Name} ({person.Age})";
}
