using AotWheel;

namespace PyExportSample;

/// <summary>How an order came in. No exported signature names it: only the Order record does.</summary>
public enum Channel : byte
{
    Web,
    Store,
    Phone = 7,
}

/// <summary>An order line, as the pricing rules see it.</summary>
public record Order(float Weight, int Quantity, Channel Channel, string Sku, double? Discount);

/// <summary>A priced order line.</summary>
public record PriceQuote(double Net, string Label, bool Discounted, Channel? Surcharged);

/// <summary>Row-level business rules, written per row as such rules are; Python runs them over
/// whole columns with <c>.map</c>.</summary>
[PyExport]
public static class Pricing
{
    /// <summary>The net price of an order line.</summary>
    /// <param name="order">The order line.</param>
    /// <param name="unitPrice">The price of one item.</param>
    public static double LinePrice(Order order, double unitPrice = 2.5)
    {
        if (order.Quantity < 0)
            throw new ArgumentOutOfRangeException(nameof(order), $"the quantity {order.Quantity} of {order.Sku} is negative");
        var gross = order.Quantity * unitPrice + order.Weight * 0.5 + (order.Channel == Channel.Phone ? 1.0 : 0.0);
        return gross * (1.0 - (order.Discount ?? 0.0));
    }

    /// <summary>A quote for an order line.</summary>
    public static PriceQuote QuoteFor(Order order) => new(
        LinePrice(order), $"{order.Sku} x{order.Quantity}", order.Discount is not null,
        order.Channel == Channel.Phone ? order.Channel : null);

    /// <summary>The length of the vector (x, y).</summary>
    public static double Hypot(double x, double y) => Math.Sqrt(x * x + y * y);

    /// <summary>Clamps a value into [low, high].</summary>
    public static long Clamp(long value, long low = 0, long high = 100) => Math.Min(Math.Max(value, low), high);

    /// <summary>A product label; null in, null out.</summary>
    public static string? Label(string? code, int year) => code is null ? null : $"{code.ToUpperInvariant()}-{year}";

    /// <summary>Half of a value that may be missing.</summary>
    public static int? HalfOrNull(int? value) => value / 2;

    /// <summary>Shifts a character.</summary>
    public static char Shift(char c, short by = 1) => (char)(c + by);

    /// <summary>Whether a quantity is even.</summary>
    public static bool IsEven(int value) => value % 2 == 0;

    /// <summary>A point in time moved on.</summary>
    public static DateTime Later(DateTime when, TimeSpan? by) => when + (by ?? TimeSpan.FromHours(1));

    /// <summary>The hexadecimal text of a GUID.</summary>
    public static string GuidText(Guid id) => id.ToString("N");

    /// <summary>CPU-bound work per row (for the parallelism benchmark).</summary>
    public static double Churn(double seed, int rounds)
    {
        var value = seed;
        for (var i = 0; i < rounds; i++) value = Math.Sqrt(value * value + i) * 0.999;
        return value;
    }

    static int inside, mostInside;

    /// <summary>Churn that also records how many threads were inside at once (see MostAtOnce).</summary>
    public static double Overlapping(double seed, int rounds)
    {
        var now = Interlocked.Increment(ref inside);
        for (var most = Volatile.Read(ref mostInside); most < now; most = Volatile.Read(ref mostInside))
            Interlocked.CompareExchange(ref mostInside, now, most);
        try
        {
            return Churn(seed, rounds);
        }
        finally
        {
            Interlocked.Decrement(ref inside);
        }
    }

    /// <summary>The most threads inside Overlapping at once since the last call.</summary>
    public static int MostAtOnce() => Interlocked.Exchange(ref mostInside, 0);
}
