using AotWheel;

namespace LibraryShaped;

/// <summary>Python callables as .NET delegates.</summary>
[PyExport]
public static class Callbacks
{
    static Action<string>? stored;

    /// <summary>The integral of f over [a, b] by the midpoint rule.</summary>
    public static double Integrate(Func<double, double> f, double a, double b, int steps)
    {
        var width = (b - a) / steps;
        var sum = 0.0;
        for (var i = 0; i < steps; i++) sum += f(a + (i + 0.5) * width);
        return sum * width;
    }

    public static int CountWhere(IReadOnlyList<int> items, Predicate<int> keep) => items.Count(i => keep(i));

    public static void Repeat(Action<int> action, int times)
    {
        for (var i = 0; i < times; i++) action(i);
    }

    public static string Transform(Func<string, int, string> f, string text) => f(text, text.Length) + "!";

    public static int CallNothing(Func<int> f) => f() + 1;

    /// <summary>Calls f on a thread-pool thread and waits for it.</summary>
    public static int OnOtherThread(Func<int, int> f, int x) => Task.Run(() => f(x)).Result;

    [PyExport(ReleaseGil = true)]
    public static double SumReleased(Func<int, double> f, int count)
    {
        var sum = 0.0;
        for (var i = 0; i < count; i++) sum += f(i);
        return sum;
    }

    /// <summary>Calls done(value) on a thread-pool thread after this call has returned.</summary>
    public static void Later(Action<int> done, int milliseconds, int value)
    {
        Task.Run(async () =>
        {
            await Task.Delay(milliseconds);
            done(value);
        });
    }

    public static void Store(Action<string> action) => stored = action;

    public static bool CallStored(string text)
    {
        if (stored is null) return false;
        stored(text);
        return true;
    }

    public static void ForgetStored() => stored = null;

    /// <summary>What .NET saw of the exception f raised, which it catches.</summary>
    public static string Swallow(Action f)
    {
        try
        {
            f();
            return "";
        }
        catch (Exception exception)
        {
            return exception.GetType().Name + ": " + exception.Message;
        }
    }

    /// <summary>Wraps the exception f raises in one of .NET's.</summary>
    public static void Wrap(Action f)
    {
        try
        {
            f();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException("the callback failed", exception);
        }
    }

    public static double Optional(Func<double, double>? f, double x) => f is null ? -1 : f(x);

    /// <summary>Collects .NET's garbage: the delegates it no longer holds give their callables back.</summary>
    public static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
