/* A Windows program that calls an aotwheel DLL as the generated package does under Windows
   CPython: loaded by absolute path with the flags ctypes uses, the runtime started through
   aotwheel_runtime_start, then the exports called. Compiled with mingw-w64 and run under Wine by
   tests/integration/test_windows_wheel.py, which checks every value it prints.

   host.exe poc <dll> <folder>   every export of csharp_src/samples/PocExports, from one thread and
                                 from 8 at once; writes a file with a non-ASCII name into <folder>
   host.exe pyexport <dll>       [PyExport] shims of csharp_src/samples/PyExportSample
   host.exe stub <dll>           the pieces of aotwheel's CRT stub, in tests/windows/stub_probe.c
   host.exe overflow <dll>       a stack buffer overrun there, which must end the process

   Prints one JSON object; strings the library wrote are hex-encoded UTF-8. */

#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HMODULE library;

static void *export(const char *name) {
    void *address = (void *)GetProcAddress(library, name);
    if (!address) {
        fprintf(stderr, "missing export %s\n", name);
        exit(3);
    }
    return address;
}

static void print_hex(const char *key, const char *bytes, int length) {
    printf("\"%s\": \"", key);
    for (int i = 0; i < length; i++)
        printf("%02x", (unsigned char)bytes[i]);
    printf("\", ");
}

static char *utf8(const wchar_t *text) {
    int size = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *out = malloc(size);
    WideCharToMultiByte(CP_UTF8, 0, text, -1, out, size, NULL, NULL);
    return out;
}

/* --- PocExports ------------------------------------------------------------------------------- */

typedef int (*int_int_int)(int, int);
typedef int (*text_out)(const char *, char *, int);
typedef int (*text_text)(const char *, const char *);
typedef double (*sum_fn)(double *, intptr_t);
typedef void (*fill_fn)(double *, intptr_t);
typedef void (*scale_fn)(double *, intptr_t, double);
typedef void (*floats_fn)(float *, intptr_t);
typedef int (*pid_fn)(void);
typedef int64_t (*spin_fn)(int64_t);

static const char markdown[] = "# Hi\n\n*na\xc3\xafve*";  /* "naïve" */
static char expected_html[256];
static int expected_html_length;

typedef struct { int calls, mismatches; } tally;
static HANDLE start_together;

static DWORD WINAPI hammer(void *argument) {
    tally *result = argument;
    int_int_int add = export("add");
    text_out markdown_to_html = export("markdown_to_html");
    sum_fn sum_doubles = export("sum_doubles");
    text_out copy_utf8 = export("copy_utf8");
    WaitForSingleObject(start_together, INFINITE);
    for (int i = 0; i < 300; i++) {
        char html[256];
        double values[3] = {i, 0.5, 1.5};
        char out[8];
        result->mismatches += add(i, 7) != i + 7;
        int length = markdown_to_html(markdown, html, sizeof html);
        result->mismatches += length != expected_html_length || memcmp(html, expected_html, length) != 0;
        result->mismatches += sum_doubles(values, 3) != i + 2.0;
        result->mismatches += copy_utf8("h\xc3\xa9llo", out, sizeof out) != 6 || memcmp(out, "h\xc3\xa9llo", 6) != 0;
        result->calls += 4;
    }
    return 0;
}

static int poc(const wchar_t *folder) {
    int_int_int add = export("add"), add_releasing_gil = export("add_releasing_gil");
    text_out markdown_to_html = export("markdown_to_html"), read_text_file = export("read_text_file");
    text_out copy_utf8 = export("copy_utf8");
    text_text write_text_file = export("write_text_file");
    sum_fn sum_doubles = export("sum_doubles");
    fill_fn fill_squares = export("fill_squares");
    scale_fn scale_doubles = export("scale_doubles");
    floats_fn increment_floats = export("increment_floats");
    pid_fn process_id = export("process_id");
    spin_fn spin = export("spin");

    printf("\"add\": [%d, %d], \"add_releasing_gil\": %d, ", add(2, 3), add(-7, 2), add_releasing_gil(40, 2));
    expected_html_length = markdown_to_html(markdown, expected_html, sizeof expected_html);
    print_hex("markdown_to_html", expected_html, expected_html_length);

    /* The file name is "written by dotnet ✓ é.txt": .NET turns the UTF-8 path into UTF-16 for CreateFileW. */
    char *base = utf8(folder);
    char path[MAX_PATH * 4], missing[MAX_PATH * 4], buffer[100];
    snprintf(path, sizeof path, "%s\\written by dotnet \xe2\x9c\x93 \xc3\xa9.txt", base);
    snprintf(missing, sizeof missing, "%s\\absent.txt", base);
    printf("\"write_text_file\": %d, ", write_text_file(path, "line one\nline two \xe2\x9c\x93"));
    int length = read_text_file(path, buffer, sizeof buffer);
    print_hex("read_text_file", buffer, length);
    /* FileNotFoundException, thrown and caught inside .NET: the export returns -1. */
    printf("\"read_missing_file\": %d, ", read_text_file(missing, buffer, sizeof buffer));

    double values[3] = {1.5, 2.5, 3.0}, squares[5];
    printf("\"sum_doubles\": %.17g, ", sum_doubles(values, 3));
    fill_squares(squares, 5);
    printf("\"fill_squares\": [%g, %g, %g, %g, %g], ", squares[0], squares[1], squares[2], squares[3], squares[4]);
    scale_doubles(values, 3, 2.0);
    printf("\"scale_doubles\": [%g, %g, %g], ", values[0], values[1], values[2]);
    float floats[2] = {0.5f, -1.0f};
    increment_floats(floats, 2);
    printf("\"increment_floats\": [%g, %g], ", floats[0], floats[1]);
    char out[4];
    int full = copy_utf8("h\xc3\xa9llo", out, sizeof out);
    printf("\"copy_utf8\": %d, ", full);
    print_hex("copy_utf8_out", out, sizeof out);
    printf("\"process_id\": [%d, %lu], ", process_id(), GetCurrentProcessId());
    printf("\"spin\": \"%lld\", ", (long long)spin(1000));

    tally tallies[8] = {0};
    HANDLE threads[8];
    start_together = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (int i = 0; i < 8; i++)
        threads[i] = CreateThread(NULL, 0, hammer, &tallies[i], 0, NULL);
    SetEvent(start_together);
    WaitForMultipleObjects(8, threads, TRUE, INFINITE);
    int calls = 0, mismatches = 0;
    for (int i = 0; i < 8; i++) {
        calls += tallies[i].calls;
        mismatches += tallies[i].mismatches;
    }
    printf("\"threads\": {\"count\": 8, \"calls\": %d, \"mismatches\": %d}", calls, mismatches);
    return 0;
}

/* --- PyExportSample ----------------------------------------------------------------------------
   A shim returns nonzero when .NET threw; its last argument then receives a block (int32 length,
   then the exception's encoding, freed with aotwheel_free). The shims' symbols (aotwheel_<entry
   point number>_<function>) are given on the command line, as the binding plan named them. */

typedef int (*add_many_fn)(int, int, int, int *, void **);
typedef int (*count_words_fn)(const char *, int, int *, void **);
typedef int (*throw_fn)(const char *, int, const char *, int, void **);

static int pyexport(wchar_t **symbols) {
    add_many_fn add_many = export(utf8(symbols[0]));
    count_words_fn count_words = export(utf8(symbols[1]));
    throw_fn throw_ = export(utf8(symbols[2]));
    void (*release)(void *) = export("aotwheel_free");
    int64_t (*live_handles)(void) = export("aotwheel_live_handles");
    int result = 0;
    void *error = NULL;
    int status = add_many(1, 2, 3, &result, &error);
    printf("\"add_many\": [%d, %d, %d], ", status, result, error != NULL);
    const char text[] = "hello big world";
    status = count_words(text, sizeof text - 1, &result, &error);
    printf("\"count_words\": [%d, %d, %d], ", status, result, error != NULL);
    const char kind[] = "KeyNotFound", message[] = "no such key \xe2\x9c\x93";
    status = throw_(kind, sizeof kind - 1, message, sizeof message - 1, &error);
    printf("\"throw_status\": %d, ", status);
    if (error) {
        print_hex("throw_error", (const char *)error + 4, *(int32_t *)error);
        release(error);
    }
    printf("\"live_handles\": %lld", (long long)live_handles());
    return 0;
}

/* --- The CRT stub (stub_probe.c) ------------------------------------------------------------- */

static DWORD WINAPI thread_numbers(void *argument) {
    int (*thread_number)(void) = export("probe_thread_number");
    int *numbers = argument;
    numbers[0] = thread_number();
    numbers[1] = thread_number();
    return 0;
}

static DWORD WINAPI big_frame(void *argument) {
    int (*probe_big_frame)(int) = export("probe_big_frame");
    *(int *)argument = probe_big_frame(20);
    return 0;
}

static int stub(void) {
    int events[16];
    int count = ((int (*)(int *))export("probe_events"))(events);
    printf("\"events_at_load\": [");
    for (int i = 0; i < count; i++)
        printf("%s%d", i ? ", " : "", events[i]);
    printf("], \"cookie\": \"%llu\", ", ((unsigned long long (*)(void))export("probe_cookie"))());
    int (*thread_number)(void) = export("probe_thread_number");
    int here = thread_number(), again = thread_number(), other[2] = {0, 0}, big = 0;
    /* A thread whose stack commits one page at a time: the 256 KiB frame needs __chkstk's probes. */
    HANDLE threads[2] = {
        CreateThread(NULL, 0, thread_numbers, other, 0, NULL),
        CreateThread(NULL, 0, big_frame, &big, 0, NULL),
    };
    WaitForMultipleObjects(2, threads, TRUE, INFINITE);
    printf("\"thread_numbers\": [%d, %d, %d, %d], \"big_frame\": %d, ", here, again, other[0], other[1], big);
    printf("\"new_delete\": %d, ", ((int (*)(void))export("probe_new_delete"))());
    printf("\"guard_dispatch\": %d, ", ((int (*)(int))export("probe_guard_dispatch"))(14));
    printf("\"float\": %g, ", ((double (*)(double))export("probe_float"))(2.0));
    printf("\"short_copy\": %d, ", ((int (*)(const char *))export("probe_copy_unbounded"))("abc"));
    int detached[8] = {0};
    ((void (*)(int *))export("probe_watch_detach"))(detached);
    FreeLibrary(library);
    printf("\"events_at_detach\": [");
    for (int i = 1; i <= detached[0]; i++)
        printf("%s%d", i > 1 ? ", " : "", detached[i]);
    printf("]");
    return 0;
}

static int overflow(void) {
    int (*copy)(const char *) = export("probe_copy_unbounded");
    printf("\"overflowing\": true}\n");
    fflush(stdout);
    copy("this text is far longer than eight bytes, and it runs over the saved cookie and more");
    printf("survived\n");
    return 0;
}

int wmain(int argc, wchar_t **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: host.exe poc <dll> <folder> | pyexport <dll>\n");
        return 2;
    }
    library = LoadLibraryExW(argv[2], NULL, LOAD_LIBRARY_SEARCH_DEFAULT_DIRS | LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR);
    if (!library) {
        fprintf(stderr, "LoadLibraryExW failed: error %lu\n", GetLastError());
        return 4;
    }
    printf("{");
    if (wcscmp(argv[1], L"stub") == 0 || wcscmp(argv[1], L"overflow") == 0) {
        int status = argv[1][0] == L's' ? stub() : overflow();
        printf("}\n");
        return status;
    }
    int (*runtime_start)(void) = export("aotwheel_runtime_start");
    printf("\"runtime_start\": %d, ", runtime_start());
    int status = wcscmp(argv[1], L"poc") == 0 && argc == 4 ? poc(argv[3])
               : wcscmp(argv[1], L"pyexport") == 0 && argc == 6 ? pyexport(argv + 3)
               : (fprintf(stderr, "unknown mode\n"), 2);
    printf("}\n");
    fflush(stdout);
    return status;
}
