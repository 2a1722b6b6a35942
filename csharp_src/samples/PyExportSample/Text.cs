using System.Text;
using AotWheel;

namespace PyExportSample;

/// <summary>Text utilities: strings and characters across the boundary.</summary>
[PyExport]
public static class Text
{
    /// <summary>Counts the words in a text.</summary>
    /// <param name="text">Any text; words are separated by white space.</param>
    /// <returns>The number of words.</returns>
    public static int CountWords(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>A greeting, repeated.</summary>
    /// <param name="name">Who to greet.</param>
    /// <param name="times">How many times.</param>
    /// <param name="punctuation">What ends each greeting.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="times"/> is negative.</exception>
    public static string Greet(string name, int times = 1, string punctuation = "!")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        return string.Join(" ", Enumerable.Repeat($"Hello, {name}{punctuation}", times));
    }

    /// <summary>Reverses the UTF-16 code units (so it can split a surrogate pair).</summary>
    public static string ReverseUnits(string value)
    {
        var units = value.ToCharArray();
        Array.Reverse(units);
        return new string(units);
    }

    /// <summary>The length in UTF-8 bytes, as .NET sees the string.</summary>
    public static int Utf8Length(string value) => Encoding.UTF8.GetByteCount(value);

    /// <summary>The length in UTF-16 code units.</summary>
    public static int Length(string value) => value.Length;

    public static string? Describe(string? value) => value is null ? null : $"<{value}>";

    public static char NextChar(char value) => (char)(value + 1);

    public static bool IsUpper(char value) => char.IsUpper(value);
}

/// <summary>A single exported method on a class that is otherwise not exported.</summary>
public static class Loud
{
    [PyExport(Name = "shout")]
    public static string MakeLoud(string text) => text.ToUpperInvariant() + "!";

    public static string NotExported(string text) => text;
}
