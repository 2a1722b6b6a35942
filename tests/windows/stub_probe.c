/* A DLL of this file and aotwheel's CRT stub only (no .NET), linked by the same lld-link wrapper a
   win-x64 build uses, so each piece of the stub can be checked under Wine (host.exe stub, host.exe
   overflow; tests/integration/test_windows_wheel.py). Compiled with stack protection, as MSVC's /GS
   compiles the runtime: its functions check the cookie the stub sets. */

typedef __SIZE_TYPE__ size_t;
#define EXPORT __attribute__((dllexport))

extern unsigned long long __security_cookie;
extern _Thread_local _Bool __tls_guard;
void __dyn_tls_on_demand_init(void);
int atexit(void (*function)(void));
void *operator_new_nothrow(size_t size, const void *tag) __asm__("??2@YAPEAX_KAEBUnothrow_t@std@@@Z");
void *operator_new_array_nothrow(size_t size, const void *tag) __asm__("??_U@YAPEAX_KAEBUnothrow_t@std@@@Z");
void operator_delete_sized(void *block, size_t size) __asm__("??3@YAXPEAX_K@Z");
void operator_delete_array(void *block) __asm__("??_V@YAXPEAX@Z");
extern const char std_nothrow __asm__("?nothrow@std@@3Unothrow_t@1@B");

/* What ran, in order: 1 C initializer, 2 C++ initializer, 3 DllMain attach, 4 DllMain detach,
   5 and 6 the atexit functions (registered 6 first, so 5 must run first). */
static int events[16], event_count;
static int *detach_log;  /* the host's memory, written at detach (after FreeLibrary it is all that is left) */

static void record(int event) {
    if (event_count < 16)
        events[event_count++] = event;
    if (detach_log && event >= 4)
        detach_log[++detach_log[0]] = event;
}

static void registered_first(void) { record(6); }
static void registered_second(void) { record(5); }
static int c_initializer(void) { record(1); return 0; }
static void cpp_initializer(void) {
    record(2);
    atexit(registered_first);
    atexit(registered_second);
}
__attribute__((section(".CRT$XIU"), used)) static int (*const run_c_initializer)(void) = c_initializer;
__attribute__((section(".CRT$XCU"), used)) static void (*const run_cpp_initializer)(void) = cpp_initializer;

/* Replaces the stub's weak DllMain, as the runtime's does. */
int DllMain(void *module, unsigned long reason, void *reserved) {
    (void)module;
    (void)reserved;
    if (reason == 1)
        record(3);
    if (reason == 0)
        record(4);
    return 1;
}

EXPORT int probe_events(int *out) {
    for (int i = 0; i < event_count; i++)
        out[i] = events[i];
    return event_count;
}

EXPORT void probe_watch_detach(int *log) { detach_log = log; }

EXPORT unsigned long long probe_cookie(void) { return __security_cookie; }

/* A thread_local with a dynamic initializer, as MSVC compiles one: a .CRT$XD entry, reached on a
   thread's first use through __tls_guard. */
static volatile long initialized_threads;
static _Thread_local int thread_number;
static void thread_initializer(void) { thread_number = (int)__atomic_add_fetch(&initialized_threads, 1, __ATOMIC_SEQ_CST); }
__attribute__((section(".CRT$XDU"), used)) static void (*const run_thread_initializer)(void) = thread_initializer;

EXPORT int probe_thread_number(void) {
    if (!__tls_guard)
        __dyn_tls_on_demand_init();
    return thread_number;
}

/* 256 KiB of locals: the prologue calls __chkstk, which must touch every page down to the new
   stack pointer, or the writes below land past the guard page. */
EXPORT int probe_big_frame(int seed) {
    char big[256 * 1024];
    __asm__ volatile("" : : "r"(big) : "memory");  /* the array escapes: the compiler keeps all of it */
    big[0] = (char)seed;
    big[sizeof big - 1] = (char)(seed + 1);
    __asm__ volatile("" : : "r"(big) : "memory");
    return big[0] + big[sizeof big - 1];
}

EXPORT int probe_new_delete(void) {
    char *block = operator_new_nothrow(0, &std_nothrow);
    char *array = operator_new_array_nothrow(64, &std_nothrow);
    if (!block || !array)
        return 0;
    array[63] = 1;
    operator_delete_sized(block, 0);
    operator_delete_array(array);
    return 1;
}

__attribute__((used)) static int dispatched(int value) { return value * 3; }

/* An indirect call as /guard:cf code makes it: the target in rax, through the dispatch pointer. */
int call_through_dispatch(int value);
__asm__(
    ".text\n"
    "call_through_dispatch:\n"
    "    subq $40, %rsp\n"  /* the callee's 32-byte home area, and 16-byte alignment */
    "    leaq dispatched(%rip), %rax\n"
    "    callq *__guard_dispatch_icall_fptr(%rip)\n"
    "    addq $40, %rsp\n"
    "    ret\n");

EXPORT int probe_guard_dispatch(int value) { return call_through_dispatch(value); }

EXPORT double probe_float(double value) { return value * 2.5; }  /* refers to _fltused */

/* Copies *text* into 8 bytes without a bound: a longer text overwrites the frame's cookie, and the
   check before returning ends the process (__fastfail, STATUS_STACK_BUFFER_OVERRUN). */
EXPORT int probe_copy_unbounded(const char *text) {
    volatile char buffer[8];
    int length = 0;
    while (text[length]) {
        buffer[length] = text[length];
        length++;
    }
    return length + buffer[0];
}
