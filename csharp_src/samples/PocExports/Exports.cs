using System.Runtime.InteropServices;
using System.Text;
using Markdig;

namespace AotSample.Poc;

/// <summary>C exports in the hand-written style: blittable types, pointers, lengths, status codes.</summary>
public static unsafe class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "add")]
    public static int Add(int a, int b) => a + b;

    /// <summary>Renders NUL-terminated UTF-8 Markdown to HTML with the Markdig NuGet package.
    /// Writes at most <paramref name="capacity"/> bytes and returns the full length in bytes,
    /// so a caller with too small a buffer can retry; -1 if the text cannot be rendered.</summary>
    [UnmanagedCallersOnly(EntryPoint = "markdown_to_html")]
    public static int MarkdownToHtml(byte* markdown, byte* html, int capacity)
    {
        // An exception escaping an UnmanagedCallersOnly method ends the process: report it as -1.
        try
        {
            var text = Marshal.PtrToStringUTF8((nint)markdown) ?? "";
            return CopyOut(Markdown.ToHtml(text), html, capacity);
        }
        catch (Exception)
        {
            return -1;
        }
    }

    /// <summary>Writes UTF-8 text to the file at a UTF-8 path; returns the bytes written or -1.</summary>
    [UnmanagedCallersOnly(EntryPoint = "write_text_file")]
    public static int WriteTextFile(byte* path, byte* text)
    {
        try
        {
            var content = Marshal.PtrToStringUTF8((nint)text) ?? "";
            File.WriteAllText(Marshal.PtrToStringUTF8((nint)path)!, content);
            return Encoding.UTF8.GetByteCount(content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>Reads a UTF-8 file into a buffer; returns its full length in bytes, or -1 if it cannot be read.</summary>
    [UnmanagedCallersOnly(EntryPoint = "read_text_file")]
    public static int ReadTextFile(byte* path, byte* buffer, int capacity)
    {
        try
        {
            return CopyOut(File.ReadAllText(Marshal.PtrToStringUTF8((nint)path)!), buffer, capacity);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "sum_doubles")]
    public static double SumDoubles(double* values, nint count)
    {
        double total = 0;
        foreach (var value in new ReadOnlySpan<double>(values, checked((int)count))) total += value;
        return total;
    }

    /// <summary>Fills the caller's array in place: values[i] = i * i.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fill_squares")]
    public static void FillSquares(double* values, nint count)
    {
        var span = new Span<double>(values, checked((int)count));
        for (var i = 0; i < span.Length; i++) span[i] = (double)i * i;
    }

    /// <summary>Reads the PID, so a test can see the call ran in its own process.</summary>
    [UnmanagedCallersOnly(EntryPoint = "process_id")]
    public static int ProcessId() => Environment.ProcessId;

    static int CopyOut(string value, byte* destination, int capacity)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, Math.Max(capacity, 0))).CopyTo(new Span<byte>(destination, Math.Max(capacity, 0)));
        return bytes.Length;
    }

    // Exports for benchmarks/run.py: each has a twin with the same C ABI in benchmarks/floor.c.

    /// <summary>add, letting other Python threads run during the call: what a GIL release costs.</summary>
    [UnmanagedCallersOnly(EntryPoint = "add_releasing_gil")]
    [AotWheel.ReleaseGil]
    public static int AddReleasingGil(int a, int b) => a + b;

    /// <summary>Multiplies the caller's array by <paramref name="factor"/> in place.</summary>
    [UnmanagedCallersOnly(EntryPoint = "scale_doubles")]
    public static void ScaleDoubles(double* values, nint count, double factor) =>
        Scale(new Span<double>(values, checked((int)count)), factor);

    // The loop lives in an ordinary method on purpose: in an [UnmanagedCallersOnly] method on
    // x64 Linux, RyuJIT (.NET 9) keeps a double parameter in its stack slot and reloads and stores
    // it on every iteration, which made this loop 8x slower (docs/performance.md).
    static void Scale(Span<double> values, double factor)
    {
        foreach (ref var value in values) value *= factor;
    }

    /// <summary>Adds one to every element of the caller's array in place.</summary>
    [UnmanagedCallersOnly(EntryPoint = "increment_floats")]
    public static void IncrementFloats(float* values, nint count)
    {
        foreach (ref var value in new Span<float>(values, checked((int)count))) value += 1f;
    }

    /// <summary>Copies NUL-terminated UTF-8 text into the caller's buffer (at most
    /// <paramref name="capacity"/> bytes, no terminator added) and returns the text's full length
    /// in bytes, so a caller with too small a buffer can retry.</summary>
    [UnmanagedCallersOnly(EntryPoint = "copy_utf8")]
    public static int CopyUtf8(byte* text, byte* output, int capacity)
    {
        var source = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
        var room = Math.Max(capacity, 0);
        source[..Math.Min(source.Length, room)].CopyTo(new Span<byte>(output, room));
        return source.Length;
    }

    /// <summary>CPU-bound busy work that never leaves native code: <paramref name="iterations"/>
    /// steps of a xorshift64 generator; returns its final state. Other Python threads run meanwhile
    /// ([ReleaseGil]).</summary>
    [UnmanagedCallersOnly(EntryPoint = "spin")]
    [AotWheel.ReleaseGil]
    public static long Spin(long iterations)
    {
        var state = 0x9E3779B97F4A7C15UL;
        for (long i = 0; i < iterations; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
        }
        return (long)state;
    }
}
