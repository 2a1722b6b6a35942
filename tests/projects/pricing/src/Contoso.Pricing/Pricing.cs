using System.Runtime.InteropServices;

namespace Contoso.Pricing;

public static unsafe class Pricing
{
    /// <summary>Net price in cents after a discount given in basis points.</summary>
    [UnmanagedCallersOnly(EntryPoint = "net_price")]
    public static long NetPrice(long grossCents, int discountBasisPoints) =>
        grossCents - grossCents * discountBasisPoints / 10_000;

    /// <summary>Applies <see cref="NetPrice"/> to every price, in place.</summary>
    [UnmanagedCallersOnly(EntryPoint = "discount_all")]
    public static void DiscountAll(long* pricesCents, int count, int discountBasisPoints)
    {
        foreach (ref var price in new Span<long>(pricesCents, count))
            price -= price * discountBasisPoints / 10_000;
    }
}
