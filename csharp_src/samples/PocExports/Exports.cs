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
    /// so a caller with too small a buffer can retry.</summary>
    [UnmanagedCallersOnly(EntryPoint = "markdown_to_html")]
    public static int MarkdownToHtml(byte* markdown, byte* html, int capacity)
    {
        var text = Marshal.PtrToStringUTF8((nint)markdown) ?? "";
        return CopyOut(Markdown.ToHtml(text), html, capacity);
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
}
