using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AotWheel;

namespace Faults;

/// <summary>Code whose exceptions come from the processor, not from a throw statement.</summary>
[PyExport]
public static class Hardware
{
    static int[]? s_missing;

    /// <summary>Integer division: a zero divisor faults in the processor (SIGFPE).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Divide(int dividend, int divisor) => dividend / divisor;

    /// <summary>Reads an element of an array that was never created: a null dereference (SIGSEGV).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int ReadMissing(int index) => s_missing![index];

    /// <summary>Recurses <paramref name="depth"/> times; deep enough, the thread's stack overflows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Recurse(long depth) => depth <= 0 ? 0 : 1 + Recurse(depth - 1);

    /// <summary>Allocates <paramref name="megabytes"/> MiB in 1 MiB arrays and returns the count kept.</summary>
    public static int Allocate(int megabytes)
    {
        var kept = new List<byte[]>();
        for (var i = 0; i < megabytes; i++) kept.Add(new byte[1 << 20]);
        return kept.Count;
    }
}

/// <summary>The same faults behind raw exports, which catch them themselves.</summary>
public static class Raw
{
    /// <summary>dividend / divisor, or int.MinValue when the divisor is zero.</summary>
    [UnmanagedCallersOnly(EntryPoint = "divide_or_min")]
    public static int DivideOrMin(int dividend, int divisor)
    {
        try
        {
            return Hardware.Divide(dividend, divisor);
        }
        catch (DivideByZeroException)
        {
            return int.MinValue;
        }
    }
}
