using AotWheel;

namespace PyExportSample;

/// <summary>Lists and dictionaries.</summary>
[PyExport]
public static class Collections
{
    public static List<string> Split(string text, char separator = ',') => text.Split(separator).ToList();

    public static string Join(IReadOnlyList<string> parts, string separator = ", ") => string.Join(separator, parts);

    /// <summary>How often each word occurs.</summary>
    public static Dictionary<string, int> WordCounts(string[] words) =>
        words.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());

    public static int Total(IReadOnlyDictionary<string, int> counts) => counts.Values.Sum();

    public static int Lookup(Dictionary<string, int> counts, string key) => counts[key];

    public static IEnumerable<int> Evens(int below) => Enumerable.Range(0, below).Where(i => i % 2 == 0);

    public static int ItemAt(int[] items, int index) => items[index];
}
