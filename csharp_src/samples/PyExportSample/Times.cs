using AotWheel;

namespace PyExportSample;

/// <summary>Dates, times, durations and identifiers.</summary>
[PyExport]
public static class Times
{
    public static DateTime AddDays(DateTime value, double days) => value.AddDays(days);

    public static DateTime UnixEpoch() => DateTime.UnixEpoch;

    public static TimeSpan Twice(TimeSpan value) => value * 2;

    public static DateTimeOffset WithOffset(DateTimeOffset value, int minutes) => value.ToOffset(TimeSpan.FromMinutes(minutes));

    public static Guid ParseGuid(string text) => Guid.Parse(text);

    public static string FormatGuid(Guid value) => value.ToString();

    public static TimeSpan Elapsed(DateTime start, DateTime end) => end - start;
}
