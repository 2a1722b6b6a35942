using AotWheel;

namespace Hostile;

/// <summary>Numbered from 1: no member is 0, which `default` is.</summary>
public enum Level
{
    Low = 1,
    High = 2,
}

/// <summary>Members Python's enum refuses (mro) or keeps for itself (_ignore_), and a keyword.</summary>
public enum Odd
{
    mro = 1,
    _ignore_ = 2,
    None = 3,
    name = 4,
}

/// <summary>Fields named like builtins and like the generated dataclass methods' own names.</summary>
public record Fields(int Self, string Int, double Hash, long Object);

[PyExport]
public class Widget
{
    public Widget(int size) => Size = size;

    public int Size { get; }

    /// <summary>A method named like the builtin a class body's decorators use.</summary>
    public int Property() => Size * 2;

    public int StaticMethod() => Size * 3;

    public static int Classmethod(int x) => x + 1;

    public int Int { get; set; }
}

/// <summary>A non-ASCII class.</summary>
[PyExport]
public class Straße
{
    public Straße(string name) => Name = name;

    public string Name { get; }

    public int Größe() => Name.Length;
}

[PyExport]
public static class Names
{
    public static int Int(int type) => type + 1;

    public static string Str(string str) => str + "!";

    public static int Type(int @object) => @object * 2;

    public static int Len(int len) => len;

    public static int Property(int x) => x;

    public static int Globals(int x) => x - 1;

    public static int Hash(int x) => x ^ 1;

    public static string Größe(string straße) => straße.ToUpperInvariant();

    public static int __Dunder__(int x) => x * 10;

    public static int _Private(int _hidden) => _hidden;

    public static Level Rank(Level level = default) => level;

    public static Level Higher(Level level = Level.High) => level;

    public static Odd EchoOdd(Odd odd) => odd;

    public static double NegativeZero(double value = -0.0) => value;

    public static char Surrogate(char c = '\udc00') => c;

    public static string LoneSurrogate(string s = "a\ud800b") => s;

    public static string? MaybeEcho(string? s) => s;

    public static Fields EchoFields(Fields fields) => fields;

    public static int StatusOk() => Status.Ok;
}
