using AotWheel;

namespace LibraryShaped;

/// <summary>Asynchronous methods, awaited from asyncio.</summary>
[PyExport]
public static class Async
{
    static int cancelled;

    public static async Task<int> DelayedAnswer(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return 42;
    }

    public static async Task<string?> DelayedEcho(string? text, int milliseconds)
    {
        await Task.Delay(milliseconds);
        return text;
    }

    public static async Task Pause(int milliseconds) => await Task.Delay(milliseconds);

    public static async Task<int> FailsAfter(int milliseconds)
    {
        await Task.Delay(milliseconds);
        throw new InvalidOperationException("the operation failed");
    }

    /// <summary>Waits *milliseconds* unless cancelled; counts the cancellations it saw (Cancelled).</summary>
    public static async Task<int> Cancellable(int milliseconds, CancellationToken token)
    {
        try
        {
            await Task.Delay(milliseconds, token);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref cancelled);
            throw;
        }
    }

    public static int Cancelled() => Volatile.Read(ref cancelled);

    public static ValueTask<int> Immediate(int value) => new(value * 2);

    public static async ValueTask<double> LaterValue(double value, int milliseconds)
    {
        await Task.Delay(milliseconds);
        return value / 2;
    }

    public static ValueTask Done() => ValueTask.CompletedTask;

    static int ticksDisposed;

    /// <summary>0, 1, ... count - 1, one every *milliseconds*; then fails if *failAt* is reached.</summary>
    public static async IAsyncEnumerable<int> Ticks(int count, int milliseconds, int failAt = -1)
    {
        try
        {
            for (var i = 0; i < count; i++)
            {
                await Task.Delay(milliseconds);
                if (i == failAt) throw new InvalidOperationException($"tick {i} failed");
                yield return i;
            }
        }
        finally
        {
            Interlocked.Increment(ref ticksDisposed);
        }
    }

    public static int TicksDisposed() => Volatile.Read(ref ticksDisposed);

    /// <summary>Calls f on a thread-pool thread, after a delay, and gives its result.</summary>
    public static async Task<int> ThenCall(Func<int, int> f, int value, int milliseconds)
    {
        await Task.Delay(milliseconds);
        return f(value) + 1;
    }
}
