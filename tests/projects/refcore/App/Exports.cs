using System.Globalization;
using System.Runtime.InteropServices;

namespace RefApp;

public static unsafe class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "bonus")]
    public static int Bonus(int points) => RefCore.Rules.Bonus(points) * Factor.Value;

    /// <summary>1 when a named culture can be created: pyproject.toml sets
    /// System.Globalization.PredefinedCulturesOnly=false, which the SDK's own switch must not override.</summary>
    [UnmanagedCallersOnly(EntryPoint = "named_culture_ok")]
    public static int NamedCultureOk()
    {
        try { return CultureInfo.GetCultureInfo("en-US").Name == "en-US" ? 1 : 0; }
        catch (CultureNotFoundException) { return 0; }
    }

    /// <summary>Writes 0xFF into every byte: the caller's bytes must stay as they were.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fill")]
    public static void Fill(byte* data, nint count)
    {
        for (nint i = 0; i < count; i++) data[i] = 0xFF;
    }
}
