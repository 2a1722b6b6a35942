using AotWheel;

namespace PyExportSample;

/// <summary>A counter that lives in .NET.</summary>
[PyExport]
public class Counter
{
    /// <summary>Starts counting at <paramref name="start"/>.</summary>
    public Counter(int start = 0, string name = "counter")
    {
        Count = start;
        Name = name;
    }

    /// <summary>The current count.</summary>
    public int Count { get; private set; }

    /// <summary>A label for the counter.</summary>
    public string Name { get; set; }

    /// <summary>Counts up.</summary>
    /// <param name="by">The step.</param>
    /// <returns>The new count.</returns>
    public int Increment(int by = 1) => Count = checked(Count + by);

    public Counter Clone() => new(Count, Name + " (copy)");

    public void Add(Counter other) => Count += other.Count;

    /// <summary>A counter from text such as "name=3".</summary>
    public static Counter Parse(string text)
    {
        var parts = text.Split('=');
        return new Counter(int.Parse(parts[1]), parts[0]);
    }

    public void Fail() => throw new InvalidOperationException($"{Name} cannot fail politely");

    public override string ToString() => $"{Name}={Count}";
}
