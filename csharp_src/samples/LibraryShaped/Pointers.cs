using System.Runtime.InteropServices;
using System.Text;

namespace LibraryShaped;

/// <summary>Raw C exports taking pointers as C code passes them: NULL, C strings, caller buffers,
/// the address of a caller's variable.</summary>
public static unsafe class Pointers
{
    const string LastError = "no error";

    /// <summary>The length in bytes of the last error message; with a buffer, also copies it there
    /// (at most <paramref name="capacity"/> - 1 bytes and a NUL), as C libraries report errors.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_last_error")]
    public static int PtrLastError(byte* buffer, int capacity)
    {
        var bytes = Encoding.UTF8.GetBytes(LastError);
        if (buffer != null && capacity > 0)
        {
            var count = Math.Min(bytes.Length, capacity - 1);
            bytes.AsSpan(0, count).CopyTo(new Span<byte>(buffer, count));
            buffer[count] = 0;
        }
        return bytes.Length;
    }

    /// <summary>The length in bytes of "Hello, {name}!" for a NUL-terminated UTF-8 name; -1 for NULL.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_greeting_length")]
    public static int PtrGreetingLength(byte* name) =>
        name == null ? -1 : Encoding.UTF8.GetByteCount($"Hello, {Marshal.PtrToStringUTF8((nint)name)}!");

    /// <summary>Stores <paramref name="value"/> where <paramref name="target"/> points.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_store")]
    public static void PtrStore(int* target, int value) => *target = value;

    /// <summary>The sum of <paramref name="count"/> doubles at <paramref name="values"/>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_sum")]
    public static double PtrSum(double* values, nint count)
    {
        double total = 0;
        for (nint i = 0; i < count; i++) total += values[i];
        return total;
    }

    /// <summary>The address given, as a number.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_address")]
    public static nuint PtrAddress(void* data) => (nuint)data;

    /// <summary>The address given, as IntPtr comes (an integer: nint crosses as a number).</summary>
    [UnmanagedCallersOnly(EntryPoint = "ptr_handle")]
    public static nint PtrHandle(nint handle) => handle;
}
