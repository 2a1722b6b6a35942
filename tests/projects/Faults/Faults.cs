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

    /// <summary>Throws: an exception escaping an [UnmanagedCallersOnly] method ends the process.</summary>
    [UnmanagedCallersOnly(EntryPoint = "throw_escaping")]
    public static int ThrowEscaping(int value) => throw new InvalidOperationException($"escaped with {value}");
}

/// <summary>Work that runs without the GIL while other threads fork, and what a forked child does
/// with the runtime afterwards.</summary>
[PyExport]
public static class Forking
{
    /// <summary>Allocates small arrays for <paramref name="rounds"/> rounds (collections happen
    /// meanwhile) without holding the GIL; returns the bytes allocated.</summary>
    [PyExport(ReleaseGil = true)]
    public static long Churn(long rounds)
    {
        long total = 0;
        for (long i = 0; i < rounds; i++) total += new byte[64 + (int)(i & 255)].Length;
        return total;
    }

    static volatile int s_holding;
    static volatile bool s_released;

    /// <summary>Allocates (collections happen meanwhile) without holding the GIL until
    /// <see cref="Release"/> is called; returns <paramref name="token"/>. A thread inside it is
    /// certainly inside .NET while <see cref="Holding"/> says so.</summary>
    [PyExport(ReleaseGil = true)]
    public static long Hold(long token)
    {
        Interlocked.Increment(ref s_holding);
        long total = 0;
        while (!s_released) total += new byte[64 + (int)(total & 255)].Length;
        Interlocked.Decrement(ref s_holding);
        return token;
    }

    /// <summary>How many threads are inside <see cref="Hold"/>.</summary>
    public static int Holding() => s_holding;

    /// <summary>Ends every <see cref="Hold"/> (true) or lets the next ones hold again (false).</summary>
    public static void Release(bool released) => s_released = released;

    /// <summary>A full collection; returns how many gen0 collections ran so far.</summary>
    public static int Collect()
    {
        GC.Collect();
        return GC.CollectionCount(0);
    }

    /// <summary>A full collection, then waits for the finalizers it queued.</summary>
    public static int CollectAndWaitForFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.CollectionCount(0);
    }
}

/// <summary>Fatal errors that happen in .NET, away from any call from Python.</summary>
[PyExport]
public static class Fatal
{
    /// <summary>Starts the named failure and returns at once: "thread" (an exception on a new .NET
    /// thread), "pool" (on a thread-pool thread), "timer" (in a Timer callback), "overflow" (a stack
    /// overflow on a new .NET thread), "pool overflow" (on a thread-pool thread), "failfast"
    /// (Environment.FailFast on a new .NET thread).</summary>
    public static void Start(string failure)
    {
        switch (failure)
        {
            case "thread":
                new Thread(() => throw new InvalidOperationException("the worker thread failed")).Start();
                break;
            case "pool":
                ThreadPool.QueueUserWorkItem(_ => throw new InvalidOperationException("the pool item failed"));
                break;
            case "timer":
                s_timer = new Timer(_ => throw new InvalidOperationException("the timer failed"), null, 10, Timeout.Infinite);
                break;
            case "overflow":
                new Thread(() => Hardware.Recurse(1_000_000_000)).Start();
                break;
            case "pool overflow":
                ThreadPool.QueueUserWorkItem(_ => Hardware.Recurse(1_000_000_000));
                break;
            case "failfast":
                new Thread(() => Environment.FailFast("the library gave up")).Start();
                break;
            default:
                throw new ArgumentException($"no failure named {failure}", nameof(failure));
        }
    }

    /// <summary>Environment.FailFast on the calling thread.</summary>
    public static void FailFastHere(string message) => Environment.FailFast(message);

    static Timer? s_timer;
}
