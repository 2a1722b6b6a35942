using AotWheel;

namespace PyExportSample;

/// <summary>Throws the .NET exception named, to show how each arrives in Python.</summary>
[PyExport]
public static class Errors
{
    public static void Throw(string kind, string message = "boom")
    {
        Exception error = kind switch
        {
            "Argument" => new ArgumentException(message),
            "ArgumentNull" => new ArgumentNullException("value", message),
            "ArgumentOutOfRange" => new ArgumentOutOfRangeException("value", message),
            "Format" => new FormatException(message),
            "IndexOutOfRange" => new IndexOutOfRangeException(message),
            "KeyNotFound" => new KeyNotFoundException(message),
            "FileNotFound" => new FileNotFoundException(message),
            "DirectoryNotFound" => new DirectoryNotFoundException(message),
            "UnauthorizedAccess" => new UnauthorizedAccessException(message),
            "IO" => new IOException(message),
            "DivideByZero" => new DivideByZeroException(message),
            "Overflow" => new OverflowException(message),
            "InvalidOperation" => new InvalidOperationException(message),
            "NotSupported" => new NotSupportedException(message),
            "NotImplemented" => new NotImplementedException(message),
            "Timeout" => new TimeoutException(message),
            "OutOfMemory" => new OutOfMemoryException(message),
            "Custom" => new SampleException(message),
            _ => new ApplicationException(message),
        };
        throw error;
    }

    /// <summary>Throws an exception wrapping another, from a few frames down.</summary>
    public static void ThrowWrapped(string message) => Outer(message);

    static void Outer(string message)
    {
        try
        {
            Inner(message);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException("outer failure", e);
        }
    }

    static void Inner(string message) => throw new FormatException(message);

    public static string ReadFile(string path) => File.ReadAllText(path);
}

/// <summary>A user-defined exception: arrives as DotNetError itself.</summary>
public sealed class SampleException(string message) : Exception(message);
