using System.Numerics;
using AotWheel;

namespace LibraryShaped;

/// <summary>The numbers numerical libraries use: complex values, rectangular arrays, tuples of
/// arrays, and variadic means.</summary>
[PyExport]
public static class Numbers
{
    /// <summary>The complex conjugate.</summary>
    public static Complex Conjugate(Complex value) => Complex.Conjugate(value);

    /// <summary>The conjugate, or null for null.</summary>
    public static Complex? MaybeConjugate(Complex? value) => value is { } v ? Complex.Conjugate(v) : null;

    /// <summary>The sum of the values (read in place).</summary>
    public static Complex Sum(ReadOnlySpan<Complex> values)
    {
        var total = Complex.Zero;
        foreach (var value in values) total += value;
        return total;
    }

    /// <summary>Doubles every value in place.</summary>
    public static void DoubleInPlace(Span<Complex> values)
    {
        foreach (ref var value in values) value *= 2;
    }

    /// <summary>The <paramref name="n"/> complex n-th roots of unity.</summary>
    public static Complex[] Roots(int n = 4) =>
        Enumerable.Range(0, n).Select(k => Complex.FromPolarCoordinates(1, 2 * Math.PI * k / n)).ToArray();

    /// <summary>The values as a list, each times i.</summary>
    public static List<Complex> TimesI(List<Complex> values) => values.Select(v => v * Complex.ImaginaryOne).ToList();

    /// <summary>The transpose of a matrix.</summary>
    public static double[,] Transpose(double[,] matrix)
    {
        var rows = matrix.GetLength(0);
        var columns = matrix.GetLength(1);
        var result = new double[columns, rows];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                result[j, i] = matrix[i, j];
        return result;
    }

    /// <summary>Each element of a 3-D array plus its flat (C order) index times 1000.</summary>
    public static int[,,] Numbered(int[,,] cube)
    {
        var result = (int[,,])cube.Clone();
        var n = 0;
        for (var i = 0; i < cube.GetLength(0); i++)
            for (var j = 0; j < cube.GetLength(1); j++)
                for (var k = 0; k < cube.GetLength(2); k++)
                    result[i, j, k] += 1000 * n++;
        return result;
    }

    /// <summary>The sum of every element of a matrix of longs.</summary>
    public static long Total(long[,] matrix)
    {
        long total = 0;
        foreach (var value in matrix) total += value;
        return total;
    }

    /// <summary>The <paramref name="rows"/> x <paramref name="columns"/> identity-like matrix.</summary>
    public static double[,] Eye(int rows, int columns)
    {
        var result = new double[rows, columns];
        for (var i = 0; i < Math.Min(rows, columns); i++) result[i, i] = 1;
        return result;
    }

    /// <summary>The sample points and their squares.</summary>
    public static (double[] X, double[] Y) Squares(int count)
    {
        var x = Enumerable.Range(0, count).Select(i => (double)i).ToArray();
        return (x, x.Select(v => v * v).ToArray());
    }

    /// <summary>The sum of each array of a pair.</summary>
    public static (double, long) PairSums((double[] Left, long[] Right) pair) => (pair.Left.Sum(), pair.Right.Sum());

    /// <summary>The mean of the values.</summary>
    public static double MeanOf(params double[] values) => values.Length == 0 ? double.NaN : values.Average();

    /// <summary>The label, then the count of the values.</summary>
    public static string Describe(string label, params int[] values) => $"{label}: {values.Length}";
}

/// <summary>Constants of the library, as a static class holds them.</summary>
[PyExport]
public static class Tolerances
{
    /// <summary>The default absolute tolerance.</summary>
    public static double Absolute => 1e-9;

    /// <summary>The version of the tolerance rules.</summary>
    public static string Rules { get; } = "ieee-754";

    /// <summary>The number of times <see cref="Bump"/> was called.</summary>
    public static int Bumps { get; private set; }

    /// <summary>Counts a call.</summary>
    public static int Bump() => ++Bumps;
}

/// <summary>A polynomial with a static property, as classes keep their defaults.</summary>
[PyExport]
public class Polynomial
{
    readonly double[] coefficients;

    public Polynomial(params double[] coefficients) => this.coefficients = coefficients;

    /// <summary>The degree used when none is given.</summary>
    public static int DefaultDegree => 3;

    /// <summary>How many polynomials were made.</summary>
    public static int Made { get; private set; }

    /// <summary>The value at <paramref name="x"/>.</summary>
    public double At(double x)
    {
        Made++;
        return coefficients.Reverse().Aggregate(0.0, (total, c) => total * x + c);
    }

    /// <summary>The value at a complex point.</summary>
    public Complex AtComplex(Complex z) => coefficients.Reverse().Aggregate(Complex.Zero, (total, c) => total * z + c);
}
