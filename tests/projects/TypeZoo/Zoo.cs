using System.Runtime.InteropServices;

namespace TypeZoo;

public static unsafe class Scalars
{
    [UnmanagedCallersOnly(EntryPoint = "echo_sbyte")] public static sbyte EchoSByte(sbyte value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_byte")] public static byte EchoByte(byte value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_short")] public static short EchoShort(short value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_ushort")] public static ushort EchoUShort(ushort value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_int")] public static int EchoInt(int value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_uint")] public static uint EchoUInt(uint value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_long")] public static long EchoLong(long value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_ulong")] public static ulong EchoULong(ulong value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_nint")] public static nint EchoNInt(nint value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_nuint")] public static nuint EchoNUInt(nuint value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_float")] public static float EchoFloat(float value) => value;
    [UnmanagedCallersOnly(EntryPoint = "echo_double")] public static double EchoDouble(double value) => value;

    /// <summary>Python keywords as parameter names: they come out with a trailing underscore.</summary>
    [UnmanagedCallersOnly(EntryPoint = "span_length")]
    public static long SpanLength(long from, long to, int lambda) => (to - from) * lambda;

    static int counter;

    [UnmanagedCallersOnly(EntryPoint = "bump")]
    public static void Bump() => counter++;

    [UnmanagedCallersOnly(EntryPoint = "bumps")]
    public static int Bumps() => counter;

    // Not exported: no EntryPoint, so not a C symbol and not bound.
    [UnmanagedCallersOnly]
    public static int Hidden(int value) => value;

    // Not exported: no attribute at all.
    public static int Plain(int value) => value;
}

public static unsafe class Pointers
{
    [UnmanagedCallersOnly(EntryPoint = "sum_sbytes")] public static long SumSBytes(sbyte* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_bytes")] public static long SumBytes(byte* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_shorts")] public static long SumShorts(short* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_ushorts")] public static long SumUShorts(ushort* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_ints")] public static long SumInts(int* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_uints")] public static long SumUInts(uint* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_longs")] public static long SumLongs(long* v, int n) { long s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_ulongs")] public static ulong SumULongs(ulong* v, int n) { ulong s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_nints")] public static nint SumNInts(nint* v, int n) { nint s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_nuints")] public static nuint SumNUInts(nuint* v, int n) { nuint s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }
    [UnmanagedCallersOnly(EntryPoint = "sum_floats")] public static double SumFloats(float* v, int n) { double s = 0; for (var i = 0; i < n; i++) s += v[i]; return s; }

    /// <summary>Adds <paramref name="delta"/> to every element, in place.</summary>
    [UnmanagedCallersOnly(EntryPoint = "add_in_place")]
    public static void AddInPlace(long* values, int count, long delta) { for (var i = 0; i < count; i++) values[i] += delta; }

    /// <summary>Length in bytes of a NUL-terminated string.</summary>
    [UnmanagedCallersOnly(EntryPoint = "c_strlen")]
    public static nuint CStrLen(sbyte* text) { nuint n = 0; while (text[n] != 0) n++; return n; }

    /// <summary>Sum of the bytes of any buffer, whatever its item type.</summary>
    [UnmanagedCallersOnly(EntryPoint = "byte_sum")]
    public static ulong ByteSum(void* data, nuint length) { ulong s = 0; var p = (byte*)data; for (nuint i = 0; i < length; i++) s += p[i]; return s; }
}
