using AotWheel;

namespace LibraryShaped;

/// <summary>Lazy sequences, pulled by Python one item at a time.</summary>
[PyExport]
public static class Iterators
{
    static int disposed;
    static int started;

    /// <summary>Every prime, without end.</summary>
    public static IEnumerable<long> Primes()
    {
        for (long n = 2; ; n++)
        {
            var prime = true;
            for (long d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime) yield return n;
        }
    }

    public static IEnumerable<int> Numbers(int count) => Enumerable.Range(0, count);

    public static IEnumerator<string> Words(string text) => ((IEnumerable<string>)text.Split(' ')).GetEnumerator();

    /// <summary>1, 2, ... then an InvalidOperationException at item *failAt*.</summary>
    public static IEnumerable<int> FailsAt(int failAt)
    {
        for (var i = 1; ; i++)
        {
            if (i == failAt) throw new InvalidOperationException($"item {i} failed");
            yield return i;
        }
    }

    /// <summary>Counts how often its body starts and how often it is disposed (Disposed, Started).</summary>
    public static IEnumerable<(int, string)> Watched(int count)
    {
        Interlocked.Increment(ref started);
        try
        {
            for (var i = 0; i < count; i++) yield return (i, new string('x', i));
        }
        finally
        {
            Interlocked.Increment(ref disposed);
        }
    }

    public static int Disposed() => Volatile.Read(ref disposed);

    public static int Started() => Volatile.Read(ref started);

    public static IEnumerable<double>? Nothing() => null;

    /// <summary>Sequences that are not lazy stay lists.</summary>
    public static List<int> Listed(int count) => Enumerable.Range(0, count).ToList();

    public static long[] Arrayed(int count) => Enumerable.Range(0, count).Select(i => (long)i).ToArray();
}
