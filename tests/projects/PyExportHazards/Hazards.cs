using AotWheel;

namespace PyExportHazards;

/// <summary>Holds one number, so that a call answering for the wrong object shows.</summary>
[PyExport]
public class Box
{
    public Box(long value) => Value = value;

    public long Value { get; }
}

[PyExport]
public static class Hazards
{
    /// <summary>A result whose string half cannot become UTF-8 (a lone surrogate) when <paramref name="broken"/>.</summary>
    public static (Box, string) Labelled(long value, bool broken) => (new Box(value), broken ? "bad \ud800" : "fine");

    /// <summary>A Box and a string through an out parameter that cannot become UTF-8 when <paramref name="broken"/>.</summary>
    public static Box WithNote(long value, bool broken, out string note)
    {
        note = broken ? "bad \udc00" : "fine";
        return new Box(value);
    }

    public static void ThrowUnencodable() => throw new ArgumentException("bad \ud800 argument");

    /// <summary>A buffer argument (bytes arrive read-only, through the C API's buffer protocol).</summary>
    public static int Checksum(ReadOnlySpan<byte> data)
    {
        var sum = 0;
        foreach (var item in data) sum = sum * 31 + item;
        return sum;
    }
}
