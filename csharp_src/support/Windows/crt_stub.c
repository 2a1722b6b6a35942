/* aotwheel's Windows CRT stub: the few pieces of Microsoft's static C runtime (libcmt, libcpmt)
   that a NativeAOT DLL's runtime objects ask for, when the DLL is linked on Linux with lld-link.

   The MSVC CRT is not available off Windows; everything else a NativeAOT DLL needs comes from the
   Universal CRT (api-ms-win-crt-*, part of Windows 10 and later) through mingw-w64's import
   libraries. What is left is this file: the DLL entry point, the GS cookie and its checks, the
   TLS directory with dynamic thread_local initialization, __chkstk, a module-local atexit table,
   the nothrow new and sized delete operators, and two constants. No vcruntime140.dll or other
   redistributable is imported.

   Compiled by aotwheel once per toolchain (clang or zig cc, --target x86_64-pc-windows-msvc) and
   cached (pytools/windows.py). A .NET release that needs a symbol missing here fails the link,
   naming it. Hardening compared with an MSVC link is described in docs/nativeaot.md.

   Nothing here may be compiled with stack protection: the entry point changes the cookie that
   protected functions compare against, before any of them runs. */

typedef __SIZE_TYPE__ size_t;
typedef unsigned long long uintptr;
typedef int (*c_initializer)(void);  /* .CRT$XI: returns 0 on success */
typedef void (*cpp_initializer)(void);  /* .CRT$XC and .CRT$XD */
typedef void (*tls_callback)(void *module, unsigned long reason, void *reserved);

#define DLL_PROCESS_DETACH 0
#define DLL_PROCESS_ATTACH 1
#define DLL_THREAD_ATTACH 2

/* Kernel32 and the UCRT, declared here: no Windows SDK headers are available when cross-linking. */
typedef struct { void *opaque; } srw_lock;
unsigned long GetCurrentProcessId(void);
unsigned long GetCurrentThreadId(void);
void GetSystemTimeAsFileTime(unsigned long long *time);
int QueryPerformanceCounter(long long *count);
void AcquireSRWLockExclusive(srw_lock *lock);
void ReleaseSRWLockExclusive(srw_lock *lock);
void *malloc(size_t size);
void *realloc(void *block, size_t size);
void free(void *block);

/* The runtime's DllMain (.NET 10's dllmain.obj). .NET 8 and 9 have none, and MSVC's CRT then
   supplies one that does nothing: so does this weak definition, which a strong one replaces. */
__attribute__((weak)) int DllMain(void *module, unsigned long reason, void *reserved) {
    (void)module;
    (void)reason;
    (void)reserved;
    return 1;
}

/* --- Initializer tables ------------------------------------------------------------------------
   Compilers put pointers to initializers in .CRT$X?U; the linker sorts sections of one name by the
   part after '$', so markers in $X?A and $X?Z bracket them (lld-link merges .CRT into .rdata). */
#define MARKER(name, where) static const void *const name __attribute__((section(where), used)) = 0

MARKER(c_init_first, ".CRT$XIA");
MARKER(c_init_last, ".CRT$XIZ");
MARKER(cpp_init_first, ".CRT$XCA");
MARKER(cpp_init_last, ".CRT$XCZ");
MARKER(tls_init_first, ".CRT$XDA");
MARKER(tls_init_last, ".CRT$XDZ");

/* The bounds are laundered through an empty asm so the compiler cannot reason about comparing
   addresses of different objects; the linker may pad between entries with zeros. */
static const void *const *laundered(const void *const *pointer) {
    __asm__("" : "+r"(pointer));
    return pointer;
}

static int run_c_initializers(void) {
    for (const void *const *entry = laundered(&c_init_first) + 1; entry < laundered(&c_init_last); ++entry)
        if (*entry && ((c_initializer)*entry)() != 0)
            return 0;
    return 1;
}

static void run_initializers(const void *const *first, const void *const *last) {
    for (const void *const *entry = laundered(first) + 1; entry < laundered(last); ++entry)
        if (*entry)
            ((cpp_initializer)*entry)();
}

/* --- GS cookie ---------------------------------------------------------------------------------
   Functions compiled with /GS store this value XORed with their stack pointer and check it before
   returning. It is set once, at process attach, from the same kinds of sources MSVC's CRT mixes
   (time, ids, the performance counter, the stack address under ASLR, the time-stamp counter). */
#define DEFAULT_COOKIE 0x00002B992DDFA232ULL
uintptr __security_cookie = DEFAULT_COOKIE;

static void init_security_cookie(void) {
    unsigned long long now = 0;
    long long counter = 0;
    unsigned int low, high;
    GetSystemTimeAsFileTime(&now);
    QueryPerformanceCounter(&counter);
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    uintptr cookie = now ^ ((uintptr)GetCurrentProcessId() << 32) ^ GetCurrentThreadId();
    cookie ^= ((uintptr)counter << 32) ^ (uintptr)counter ^ ((uintptr)high << 32 | low);
    cookie ^= (uintptr)&cookie;
    cookie &= 0x0000FFFFFFFFFFFFULL;  /* as MSVC's: the top 16 bits stay zero */
    __security_cookie = cookie == DEFAULT_COOKIE ? cookie + 1 : cookie;
}

/* __fastfail: ends the process at once, without running any handler (int 0x29, code in ecx). */
__attribute__((noreturn)) static void fast_fail(unsigned int code) {
    __asm__ volatile("int $0x29" : : "c"(code));
    __builtin_unreachable();
}

__attribute__((noreturn, used)) static void report_gs_failure(void) { fast_fail(2); /* FAST_FAIL_STACK_COOKIE_CHECK_FAILURE */ }
__attribute__((noreturn)) void __report_rangecheckfailure(void) { fast_fail(8); /* FAST_FAIL_RANGE_CHECK_FAILURE */ }

/* __security_check_cookie(cookie in rcx) runs in epilogues after the return value is in rax (or
   xmm0), so it may touch nothing but rcx and the flags: assembly, not C. */
__asm__(
    ".text\n"
    ".globl __security_check_cookie\n"
    "__security_check_cookie:\n"
    "    cmpq __security_cookie(%rip), %rcx\n"
    "    jne 1f\n"
    "    ret\n"
    "1:  jmp report_gs_failure\n");

/* The language handler of /GS functions that have no other exception handler: an exception that
   unwinds such a frame never reaches its epilogue check, so the frame's cookie is checked here.
   The handler data is a 32-bit cookie offset (flags in its low 3 bits; bit 2: the frame was
   dynamically aligned, followed by the aligned base's offset and the alignment). The offset is
   from the establisher frame, and the stored cookie is XORed with the frame pointer: the
   establisher frame plus the unwind info's frame offset when the function uses a frame register. */
typedef struct { unsigned int begin, end, unwind_info; } runtime_function;
typedef struct {
    uintptr control_pc, image_base;
    const runtime_function *function_entry;
    uintptr establisher_frame, target_ip;
    void *context_record, *language_handler;
    const int *handler_data;
} dispatcher_context;

void __security_check_cookie(uintptr cookie);

int __GSHandlerCheck(void *exception_record, void *establisher_frame, void *context, dispatcher_context *dispatch) {
    (void)exception_record;
    (void)context;
    const int *data = dispatch->handler_data;
    uintptr frame = (uintptr)establisher_frame;
    uintptr base = frame;
    if (data[0] & 4)
        base = (frame + (uintptr)(long long)data[1]) & -(uintptr)(long long)data[2];
    uintptr stored = *(const uintptr *)(base + (uintptr)(long long)(data[0] & ~7));
    const unsigned char *unwind = (const unsigned char *)(dispatch->image_base + dispatch->function_entry->unwind_info);
    uintptr frame_pointer = frame + ((unwind[3] & 0x0F) != 0 ? (uintptr)(unwind[3] >> 4) * 16 : 0);
    __security_check_cookie(stored ^ frame_pointer);
    return 1; /* ExceptionContinueSearch */
}

/* --- Control-flow guard ------------------------------------------------------------------------
   Runtime code compiled with /guard:cf calls indirect targets through this pointer with the target
   in rax. Without a load-configuration directory the loader never points it at its checks (as in
   an MSVC link without /guard:cf), so it jumps straight to the target. Read-only. */
__asm__(
    ".text\n"
    "guard_dispatch_unchecked:\n"
    "    jmp *%rax\n");
extern void guard_dispatch_unchecked(void);
void (*const __guard_dispatch_icall_fptr)(void) = guard_dispatch_unchecked;

/* --- __chkstk ----------------------------------------------------------------------------------
   Called in the prologue of functions with more than a page of locals, with the size in rax:
   touches each page from the current stack limit down to the new stack pointer, in order, so
   the guard page grows the stack one page at a time. Keeps every register but r10, r11 and the
   flags. Its unwind info (the 16 bytes it pushes) lets a stack overflow inside it be unwound. */
__asm__(
    ".text\n"
    ".globl __chkstk\n"
    ".seh_proc __chkstk\n"
    "__chkstk:\n"
    "    subq $16, %rsp\n"
    "    .seh_stackalloc 16\n"
    "    .seh_endprologue\n"
    "    movq %r10, (%rsp)\n"
    "    movq %r11, 8(%rsp)\n"
    "    leaq 24(%rsp), %r10\n"          /* the caller's stack pointer before its call */
    "    xorl %r11d, %r11d\n"
    "    subq %rax, %r10\n"              /* the new stack pointer (0 if it would wrap) */
    "    cmovbq %r11, %r10\n"
    "    movq %gs:16, %r11\n"            /* TEB StackLimit: the lowest committed address */
    "    cmpq %r11, %r10\n"
    "    jae 2f\n"
    "    andw $0xF000, %r10w\n"
    "1:  leaq -0x1000(%r11), %r11\n"
    "    movb $0, (%r11)\n"
    "    cmpq %r11, %r10\n"
    "    jne 1b\n"
    "2:  movq (%rsp), %r10\n"
    "    movq 8(%rsp), %r11\n"
    "    addq $16, %rsp\n"
    "    ret\n"
    ".seh_endproc\n");

/* --- Thread-local storage ----------------------------------------------------------------------
   The TLS directory the loader reads (lld-link finds it by the name _tls_used): the template of
   every thread's block runs from .tls to .tls$ZZZ, with the compilers' thread_local data between.
   A thread_local that needs a constructor is initialized by the .CRT$XD entries: on a new
   thread by the TLS callback, on a thread that existed before the DLL loaded on its first access
   (the compiled code calls __dyn_tls_on_demand_init while __tls_guard is false). */
char tls_start __attribute__((section(".tls"))) = 0;
char tls_end __attribute__((section(".tls$ZZZ"))) = 0;
unsigned long _tls_index = 0;
_Thread_local _Bool __tls_guard = 0;

void __dyn_tls_init(void *module, unsigned long reason, void *reserved) {
    (void)module;
    (void)reserved;
    if (reason != DLL_THREAD_ATTACH || __tls_guard)
        return;
    __tls_guard = 1;
    run_initializers(&tls_init_first, &tls_init_last);
}

void __dyn_tls_on_demand_init(void) { __dyn_tls_init(0, DLL_THREAD_ATTACH, 0); }

static const tls_callback tls_callbacks_first __attribute__((section(".CRT$XLA"), used)) = 0;
static const tls_callback tls_callback_dynamic __attribute__((section(".CRT$XLD"), used)) = __dyn_tls_init;
static const tls_callback tls_callbacks_last __attribute__((section(".CRT$XLZ"), used)) = 0;

/* IMAGE_TLS_DIRECTORY64; the callback list is the null-terminated run after the $XLA marker. */
const struct {
    uintptr start, end, index, callbacks;
    unsigned int zero_fill, characteristics;
} _tls_used __attribute__((section(".rdata$T"), used)) = {
    (uintptr)&tls_start, (uintptr)&tls_end, (uintptr)&_tls_index, (uintptr)(&tls_callbacks_first + 1), 0, 0,
};

/* --- atexit ------------------------------------------------------------------------------------
   C++ static destructors register here; they run at process detach, newest first, as a DLL's own
   table does with the MSVC CRT. Entries are stored XORed with the cookie, so a stray write cannot
   plant a plain function pointer. */
static srw_lock exit_lock;
static uintptr *exit_functions;
static size_t exit_count, exit_capacity;

int atexit(void (*function)(void)) {
    int result = 0;
    AcquireSRWLockExclusive(&exit_lock);
    if (exit_count == exit_capacity) {
        size_t capacity = exit_capacity ? exit_capacity * 2 : 32;
        uintptr *grown = realloc(exit_functions, capacity * sizeof *grown);
        if (grown) {
            exit_functions = grown;
            exit_capacity = capacity;
        }
    }
    if (exit_count < exit_capacity)
        exit_functions[exit_count++] = (uintptr)function ^ __security_cookie;
    else
        result = -1;
    ReleaseSRWLockExclusive(&exit_lock);
    return result;
}

static void run_exit_functions(void) {
    for (;;) {  /* one at a time: a destructor may register another */
        AcquireSRWLockExclusive(&exit_lock);
        uintptr encoded = exit_count ? exit_functions[--exit_count] : 0;
        ReleaseSRWLockExclusive(&exit_lock);
        if (!encoded)
            break;
        ((void (*)(void))(encoded ^ __security_cookie))();
    }
    free(exit_functions);
    exit_functions = 0;
    exit_capacity = 0;
}

/* --- The DLL entry point -----------------------------------------------------------------------
   Process attach: the cookie first, then the C and C++ initializers, then the runtime's DllMain.
   Process detach (FreeLibrary or process exit): DllMain, then the atexit table. */
int _DllMainCRTStartup(void *module, unsigned long reason, void *reserved) {
    if (reason == DLL_PROCESS_ATTACH) {
        init_security_cookie();
        if (!run_c_initializers())
            return 0;
        run_initializers(&cpp_init_first, &cpp_init_last);
        if (!DllMain(module, reason, reserved)) {
            DllMain(module, DLL_PROCESS_DETACH, reserved);
            run_exit_functions();
            return 0;
        }
        return 1;
    }
    int result = DllMain(module, reason, reserved);
    if (reason == DLL_PROCESS_DETACH)
        run_exit_functions();
    return result;
}

/* --- C++ allocation and floating point ---------------------------------------------------------
   The operators the runtime uses, by their MSVC-mangled names; only the nothrow forms are asked
   for, so none throws. */
const char nothrow_tag __asm__("?nothrow@std@@3Unothrow_t@1@B") = 0;

static void *allocate(size_t size) { return malloc(size ? size : 1); }
void *new_nothrow(size_t size, const void *tag) __asm__("??2@YAPEAX_KAEBUnothrow_t@std@@@Z");
void *new_nothrow(size_t size, const void *tag) { (void)tag; return allocate(size); }
void *new_array_nothrow(size_t size, const void *tag) __asm__("??_U@YAPEAX_KAEBUnothrow_t@std@@@Z");
void *new_array_nothrow(size_t size, const void *tag) { (void)tag; return allocate(size); }
void delete_sized(void *block, size_t size) __asm__("??3@YAXPEAX_K@Z");
void delete_sized(void *block, size_t size) { (void)size; free(block); }
void delete_array(void *block) __asm__("??_V@YAXPEAX@Z");
void delete_array(void *block) { free(block); }

/* Referenced by every object that uses floating point (MSVC's marker that the CRT's floating-point
   support is linked); its value is never read. */
int _fltused = 0x9875;
