using AotWheel;

namespace Unsupported;

public class NotExported
{
    public int Value { get; set; }
}

[PyExport]
public static class Api
{
    public static void TakesObject(object value) { }
    public static void TakesStream(Stream stream) { }
    public static void TakesRef(ref int counter) => counter++;
    public static void TakesSpanOfStrings(Span<string> names) { }
    public static void TakesPlainClass(NotExported thing) { }
    public static Func<int> ReturnsDelegate() => () => 1;
    public static T Generic<T>(T value) => value;
    public static void TakesDoubleKeys(Dictionary<double, int> map) { }
    public static int Add(int a, int b) => a + b;
}

public class More
{
    [PyExport]
    public static int Add(int a, int b) => a + b;

    [PyExport]
    public int Instance() => 1;
}

[PyExport]
public class TwoConstructors
{
    public TwoConstructors(int start) { }
    public TwoConstructors(long start) { }
}
