/* LD_PRELOAD shim: the .NET GC of a process run with it sees a CPU whose L3 cache has the size
   written in the file $BIG_L3_CACHE_FILE (e.g. "266240K", the 260 MiB of a big Xeon). The GC reads
   /sys/devices/system/cpu/cpu0/cache/index3/size to size its gen0 budget; this serves that file
   instead. Used by test_memory.py to check a bound that must hold on every CPU. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *redirect(const char *path)
{
    const char *fake = getenv("BIG_L3_CACHE_FILE");
    return fake && path && strstr(path, "/cache/index3/size") ? fake : path;
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    if (!real) real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
    return real(redirect(path), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    if (!real) real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen64");
    return real(redirect(path), mode);
}
