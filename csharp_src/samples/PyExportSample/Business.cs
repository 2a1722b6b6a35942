using System.Globalization;
using System.Numerics;
using AotWheel;

namespace PyExportSample;

/// <summary>An invoice line: each business type as a record field.</summary>
public record InvoiceLine(decimal Amount, DateOnly Due, TimeOnly Cutoff, BigInteger Reference, Int128 Ledger,
    UInt128 Serial, Half Weight, decimal? Discount, List<decimal> Installments);

/// <summary>A measurement, as a mutable struct of business types.</summary>
public struct Reading
{
    public Half Value;
    public DateOnly Day;
    public TimeOnly At;
    public decimal Price;
}

/// <summary>decimal, DateOnly, TimeOnly, BigInteger, Int128, UInt128 and Half in every position.</summary>
[PyExport]
public static class Business
{
    public static decimal EchoDecimal(decimal value) => value;
    public static DateOnly EchoDateOnly(DateOnly value) => value;
    public static TimeOnly EchoTimeOnly(TimeOnly value) => value;
    public static BigInteger EchoBigInteger(BigInteger value) => value;
    public static Int128 EchoInt128(Int128 value) => value;
    public static UInt128 EchoUint128(UInt128 value) => value;
    public static Half EchoHalf(Half value) => value;

    public static decimal? EchoNullableDecimal(decimal? value) => value;
    public static DateOnly? EchoNullableDateOnly(DateOnly? value) => value;
    public static TimeOnly? EchoNullableTimeOnly(TimeOnly? value) => value;
    public static BigInteger? EchoNullableBigInteger(BigInteger? value) => value;
    public static Int128? EchoNullableInt128(Int128? value) => value;
    public static UInt128? EchoNullableUint128(UInt128? value) => value;
    public static Half? EchoNullableHalf(Half? value) => value;

    public static List<decimal> EchoDecimals(List<decimal> values) => values;
    public static decimal[] EchoDecimalArray(decimal[] values) => values;
    public static IReadOnlyList<DateOnly> EchoDates(IReadOnlyList<DateOnly> values) => values;
    public static TimeOnly[] EchoTimes(TimeOnly[] values) => values;
    public static List<BigInteger> EchoBigIntegers(List<BigInteger> values) => values;
    public static List<Int128> EchoInt128s(List<Int128> values) => values;
    public static List<UInt128> EchoUint128s(List<UInt128> values) => values;
    public static List<Half> EchoHalfList(List<Half> values) => values;
    public static List<decimal?> EchoNullableDecimals(List<decimal?> values) => values;

    public static Dictionary<string, decimal> EchoPrices(Dictionary<string, decimal> prices) => prices;
    public static Dictionary<int, DateOnly> EchoDateValues(Dictionary<int, DateOnly> values) => values;
    public static Dictionary<string, TimeOnly> EchoTimeValues(Dictionary<string, TimeOnly> values) => values;
    public static Dictionary<string, BigInteger> EchoBigValues(Dictionary<string, BigInteger> values) => values;
    public static Dictionary<string, Int128> EchoInt128Values(Dictionary<string, Int128> values) => values;
    public static Dictionary<string, UInt128> EchoUint128Values(Dictionary<string, UInt128> values) => values;
    public static Dictionary<string, Half> EchoHalfValues(Dictionary<string, Half> values) => values;

    public static (decimal, DateOnly, TimeOnly, BigInteger, Int128, UInt128, Half) EchoBusinessTuple(
        (decimal, DateOnly, TimeOnly, BigInteger, Int128, UInt128, Half) value) => value;

    public static InvoiceLine EchoInvoiceLine(InvoiceLine line) => line;
    public static Reading EchoReading(Reading reading) => reading;

    /// <summary>The net price: gross less the rate.</summary>
    public static decimal NetPrice(decimal gross, decimal rate = 0.2m) => gross * (1 - rate);

    public static decimal Round(decimal value, int decimals = 2, decimal? floor = null) =>
        Math.Max(Math.Round(value, decimals, MidpointRounding.ToEven), floor ?? decimal.MinValue);

    public static decimal WithTrailingZeros(decimal value = 1.10m) => value;
    public static decimal MaxDecimal() => decimal.MaxValue;
    public static decimal MinDecimal() => decimal.MinValue;
    public static decimal SmallestDecimal() => new(1, 0, 0, false, 28);
    public static decimal NegativeZero() => new(0, 0, 0, true, 3);
    public static decimal ParseDecimal(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
    public static string FormatDecimal(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    public static decimal SumDecimals(List<decimal> values) => values.Sum();
    public static decimal DivideDecimals(decimal a, decimal b) => a / b;

    public static DateOnly ShiftDate(DateOnly day, int days = 1) => day.AddDays(days);
    public static DateOnly FirstDay(DateOnly day = default) => day;
    public static TimeOnly Noon(TimeOnly time = default) => time.AddHours(12);
    public static string FormatDate(DateOnly day) => day.ToString("O", CultureInfo.InvariantCulture);
    public static string FormatTime(TimeOnly time) => time.ToString("O", CultureInfo.InvariantCulture);
    public static TimeOnly TimeFromTicks(long ticks) => new(ticks);

    public static BigInteger Factorial(int n)
    {
        BigInteger result = BigInteger.One;
        for (var i = 2; i <= n; i++) result *= i;
        return result;
    }

    public static string FormatBig(BigInteger value, BigInteger offset = default) => (value + offset).ToString(CultureInfo.InvariantCulture);
    public static Int128 Int128Max() => Int128.MaxValue;
    public static UInt128 Uint128Max() => UInt128.MaxValue;
    public static Int128 Square(long value) => (Int128)value * value;
    public static Half HalfMax() => Half.MaxValue;
    public static Half HalfOf(double value) => (Half)value;

    /// <summary>Splits an amount into whole units and cents, through out parameters.</summary>
    public static bool TrySplit(decimal amount, out BigInteger units, out Half cents, out DateOnly day, out TimeOnly at,
        out Int128 ledger, out UInt128 serial)
    {
        units = new BigInteger(decimal.Truncate(amount));
        cents = (Half)(double)((amount - decimal.Truncate(amount)) * 100);
        day = new DateOnly(2024, 2, 29);
        at = new TimeOnly(23, 59, 59, 999, 999);
        ledger = Int128.MinValue;
        serial = UInt128.MaxValue;
        return amount >= 0;
    }

    public static bool TryParseDecimal(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out value);

    /// <summary>Sums half-precision numbers (a numpy float16 array is lent without copying).</summary>
    public static double SumHalves(ReadOnlySpan<Half> values)
    {
        double total = 0;
        foreach (var value in values) total += (double)value;
        return total;
    }

    /// <summary>Doubles every item in place.</summary>
    public static void DoubleHalves(Span<Half> values)
    {
        for (var i = 0; i < values.Length; i++) values[i] = (Half)((double)values[i] * 2);
    }

    public static Half[] HalfRange(int count) => Enumerable.Range(0, count).Select(i => (Half)i).ToArray();
    public static ReadOnlyMemory<Half> EchoHalfMemory(ReadOnlyMemory<Half> values) => values.ToArray();
}

/// <summary>An account in .NET: decimal constructor default, property and method.</summary>
[PyExport]
public class Account
{
    public Account(decimal opening = 0.00m, DateOnly? opened = null)
    {
        Balance = opening;
        Opened = opened ?? new DateOnly(2000, 1, 1);
    }

    public decimal Balance { get; set; }
    public DateOnly Opened { get; }
    public TimeOnly? LastMovement { get; set; }

    public decimal Deposit(decimal amount)
    {
        if (amount <= 0) throw new ArgumentOutOfRangeException(nameof(amount), "a deposit must be positive");
        return Balance += amount;
    }
}
