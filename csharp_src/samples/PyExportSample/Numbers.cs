using AotWheel;

namespace PyExportSample;

/// <summary>Numbers, arrays and spans.</summary>
[PyExport]
public static class Numbers
{
    /// <summary>Adds up to three numbers.</summary>
    public static int AddMany(int a, int b, int c = 0) => checked(a + b + c);

    public static int Divide(int a, int b) => a / b;

    public static int Narrow(long value) => checked((int)value);

    public static double Scale(double value, float factor = 2.5f) => value * factor;

    public static bool Not(bool value) => !value;

    /// <summary>Sums a read-only span, which Python lends without copying.</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        double total = 0;
        foreach (var value in values) total += value;
        return total;
    }

    public static long SumInts(int[] values) => values.Sum(v => (long)v);

    public static float SumMemory(ReadOnlyMemory<float> values)
    {
        float total = 0;
        foreach (var value in values.Span) total += value;
        return total;
    }

    /// <summary>Multiplies every item in place.</summary>
    public static void ScaleInPlace(Span<double> values, double factor)
    {
        for (var i = 0; i < values.Length; i++) values[i] *= factor;
    }

    /// <summary>Fills with 0, 1, 2, ... in place, through Memory.</summary>
    public static void FillMemory(Memory<long> values)
    {
        var span = values.Span;
        for (var i = 0; i < span.Length; i++) span[i] = i;
    }

    public static double[] Range(int count) => Enumerable.Range(0, count).Select(i => (double)i).ToArray();

    public static byte[] ReverseBytes(ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        Array.Reverse(copy);
        return copy;
    }

    public static int[] Squares(int count)
    {
        var result = new int[count];
        for (var i = 0; i < count; i++) result[i] = i * i;
        return result;
    }

    /// <summary>Static data returned as a span (copied out for Python).</summary>
    public static ReadOnlySpan<byte> Magic() => "AOT"u8;

    public static Span<double> Doubled(double[] values)
    {
        for (var i = 0; i < values.Length; i++) values[i] *= 2;
        return values;
    }

    public static Memory<int> FirstTwo(int[] values) => values.AsMemory(0, Math.Min(2, values.Length));

    /// <summary>Quotient and remainder, as a tuple.</summary>
    public static (int Quotient, int Remainder) DivRem(int a, int b) => (a / b, a % b);

    /// <summary>Parses an integer the .NET way.</summary>
    public static bool TryParse(string text, out int value) => int.TryParse(text, out value);

    public static void MinMax(double[] values, out double min, out double max)
    {
        min = values.Min();
        max = values.Max();
    }

    public static int? ParseOrNull(string text) => int.TryParse(text, out var value) ? value : null;

    public static double? Half(double? value) => value / 2;
}
