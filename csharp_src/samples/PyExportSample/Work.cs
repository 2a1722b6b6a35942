using AotWheel;

namespace PyExportSample;

/// <summary>CPU-bound work, with and without the GIL (the native backend's policy).</summary>
[PyExport]
public static class Work
{
    /// <summary>Steps a 64-bit linear congruential generator *iterations* times, letting other Python
    /// threads run meanwhile.</summary>
    [PyExport(ReleaseGil = true)]
    public static ulong Crunch(long iterations) => Steps(iterations);

    /// <summary>The same loop, holding the GIL (the default for a call without large buffers).</summary>
    public static ulong CrunchHoldingGil(long iterations) => Steps(iterations);

    static ulong Steps(long iterations)
    {
        ulong x = 1;
        for (long i = 0; i < iterations; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
        return x;
    }
}
