/* The floor of the benchmarks: the same exports as the PoC sample's C# (same names, same C ABI,
 * same loops), compiled by gcc -O2 at run time by benchmarks/run.py and called through plain ctypes.
 * Whatever the C# binding costs beyond these is the price of NativeAOT plus the generated binding. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int32_t add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b); /* wraps like C#'s unchecked int addition */
}

int32_t add_releasing_gil(int32_t a, int32_t b)
{
    return add(a, b);
}

/* One accumulator, in order: the loop the C# SumDoubles runs (no -ffast-math reassociation). */
double sum_doubles(const double *values, ptrdiff_t count)
{
    double total = 0.0;
    for (ptrdiff_t i = 0; i < count; i++)
        total += values[i];
    return total;
}

void scale_doubles(double *values, ptrdiff_t count, double factor)
{
    for (ptrdiff_t i = 0; i < count; i++)
        values[i] *= factor;
}

void increment_floats(float *values, ptrdiff_t count)
{
    for (ptrdiff_t i = 0; i < count; i++)
        values[i] += 1.0f;
}

/* Copies NUL-terminated text into out (at most capacity bytes, no terminator); returns its length. */
int32_t copy_utf8(const char *text, char *out, int32_t capacity)
{
    size_t length = text ? strlen(text) : 0;
    size_t room = capacity > 0 ? (size_t)capacity : 0;
    size_t copied = length < room ? length : room;
    if (copied > 0) /* memcpy with a NULL pointer is undefined even for 0 bytes */
        memcpy(out, text, copied);
    return (int32_t)length;
}

int64_t spin(int64_t iterations)
{
    uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (int64_t i = 0; i < iterations; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
    }
    return (int64_t)state;
}
