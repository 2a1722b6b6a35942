using AotWheel;

namespace PyExportSample;

/// <summary>Echoes of every supported type, for round-trip tests.</summary>
[PyExport]
public static class RoundTrip
{
    public static sbyte EchoSbyte(sbyte value) => value;
    public static byte EchoByte(byte value) => value;
    public static short EchoShort(short value) => value;
    public static ushort EchoUshort(ushort value) => value;
    public static int EchoInt(int value) => value;
    public static uint EchoUint(uint value) => value;
    public static long EchoLong(long value) => value;
    public static ulong EchoUlong(ulong value) => value;
    public static nint EchoNint(nint value) => value;
    public static nuint EchoNuint(nuint value) => value;
    public static float EchoFloat(float value) => value;
    public static double EchoDouble(double value) => value;
    public static bool EchoBool(bool value) => value;
    public static char EchoChar(char value) => value;
    public static string EchoString(string value) => value;
    public static string? EchoNullableString(string? value) => value;
    public static Color EchoColor(Color value) => value;
    public static Permissions EchoPermissions(Permissions value) => value;
    public static byte[] EchoBytes(byte[] value) => value;
    public static double[] EchoDoubles(double[] value) => value;
    public static long[] EchoLongs(ReadOnlySpan<long> value) => value.ToArray();
    public static sbyte[] EchoSbytes(sbyte[] value) => value;
    public static ushort[] EchoUshorts(ushort[] value) => value;
    public static string[] EchoStrings(string[] value) => value;
    public static List<string> EchoStringList(List<string> value) => value;
    public static IReadOnlyList<double> EchoReadOnlyList(IReadOnlyList<double> value) => value;
    public static Dictionary<string, int> EchoDict(Dictionary<string, int> value) => value;
    public static Dictionary<string, List<string>> EchoNestedDict(Dictionary<string, List<string>> value) => value;
    public static int? EchoNullableInt(int? value) => value;
    public static Color? EchoNullableColor(Color? value) => value;
    public static (int, string, double) EchoTuple((int, string, double) value) => value;
    public static DateTime EchoDateTime(DateTime value) => value;
    public static DateTimeOffset EchoDateTimeOffset(DateTimeOffset value) => value;
    public static TimeSpan EchoTimeSpan(TimeSpan value) => value;
    public static Guid EchoGuid(Guid value) => value;
    public static Point EchoPoint(Point value) => value;
    public static Size EchoSize(Size value) => value;
    public static Person EchoPerson(Person value) => value;
    public static List<Point> EchoPoints(List<Point> value) => value;
}
