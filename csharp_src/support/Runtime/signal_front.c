/* aotwheel's signal front, compiled into every Linux library aotwheel builds.

   NativeAOT turns a hardware fault in managed code (a null dereference: SIGSEGV; an integer
   division by zero: SIGFPE) into a .NET exception from its own signal handler, which must receive
   the fault's real siginfo and ucontext. A handler installed after the runtime started that chains
   by restoring the previous handler and re-raising (Python's faulthandler does) hands .NET a
   raise()d signal without that context, and .NET then treats it as a crash.

   The front is a handler that sends faults whose instruction lies inside this library straight to
   .NET's handler (recorded when the runtime started), and everything else to the handler it
   displaced, so faulthandler still reports crashes elsewhere. The Python binding re-installs it
   in front whenever faulthandler's state changes (aotwheel_signal_refront). A stack overflow in
   this library cannot be recovered; the front names it on stderr before the process ends.

   Fatal errors inside .NET are named too, in one line on stderr ("Fatal error in the .NET library
   <path>: <cause>. ..."): .NET's own messages never say which of a process's libraries failed.
   This file defines, for this library's code only (hidden symbols, which the link binds the
   runtime's own calls to), `abort`, which .NET calls to end the process after Environment.FailFast,
   an unhandled exception or an internal fatal error, and `pthread_create`, so that every thread
   .NET starts gets an alternate signal stack, on which a stack overflow there can be named.

   Every function here runs either once per state change (outside any signal) or inside the
   handler, where only async-signal-safe calls are made. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define SIGNALS 2
#define ALTERNATE_STACK_SIZE (64 * 1024)
/* A fault this close to the stack pointer, and not near address 0, is a push, call or stack
   probe running off the end of the thread's stack. */
#define STACK_REACH (64 * 1024)

static const int fronted[SIGNALS] = {SIGSEGV, SIGFPE};
static struct sigaction dotnet[SIGNALS];      /* .NET's own handlers, recorded at runtime start */
static struct sigaction behind[SIGNALS];      /* what the front displaced when last installed */
static struct sigaction before_faulthandler[SIGNALS];
static int faulthandler_behind[SIGNALS];      /* behind[] is faulthandler's handler */
static uintptr_t text_start, text_end;        /* this library's executable segments */
static char library_path[512];               /* this library's file, named by fatal errors */
static volatile int fatal_reported;           /* a fatal error's line is already on stderr */
static volatile pid_t forwarding_thread;      /* breaks a cycle of fronts calling each other */

static void front(int signal_number, siginfo_t *info, void *context);

static int slot(int signal_number) {
    for (int i = 0; i < SIGNALS; i++)
        if (fronted[i] == signal_number) return i;
    return -1;
}

static void context_registers(void *context, uintptr_t *ip, uintptr_t *sp) {
    ucontext_t *uc = (ucontext_t *)context;
#if defined(__x86_64__)
    *ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    *sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    *ip = (uintptr_t)uc->uc_mcontext.pc;
    *sp = (uintptr_t)uc->uc_mcontext.sp;
#else
#error "aotwheel's signal front knows the registers of x86-64 and arm64 only"
#endif
}

static int handler_is_front(const struct sigaction *action) {
    return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == front;
}

static int inside(uintptr_t address, uintptr_t start, uintptr_t end) {
    return address >= start && address < end;
}

static int inside_library(uintptr_t address) {
    return inside(address, text_start, text_end);
}

static void write_text(const char *text) {
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

/* The one line that names this library and a fatal error's cause (async-signal-safe). */
static void report_fatal(const char *cause) {
    if (!__sync_bool_compare_and_swap(&fatal_reported, 0, 1)) return;
    write_text("\nFatal error in the .NET library ");
    write_text(library_path[0] ? library_path : "(unknown path)");
    write_text(": ");
    write_text(cause);
    write_text(". The process cannot continue.\n");
}

/* Called by FatalErrors.cs with an unhandled exception's description, before .NET ends the process. */
HIDDEN void aotwheel_fatal_report(const char *cause) {
    report_fatal(cause);
}

static int signal_pending(int signal_number) {
    sigset_t pending;
    return sigpending(&pending) == 0 && sigismember(&pending, signal_number) == 1;
}

/* The default action: the process ends with this signal (and a core dump where enabled). A fault
   re-executes on return and meets the default; a sent signal is sent again. */
static void end_with(int signal_number, const siginfo_t *info) {
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    sigemptyset(&defaults.sa_mask);
    sigaction(signal_number, &defaults, NULL);
    if (info->si_code <= 0) raise(signal_number);
}

/* Calls the handler the front displaced, as that handler would have been called itself. */
static void forward(int signal_number, siginfo_t *info, void *context, const struct sigaction *next) {
    pid_t self = (pid_t)syscall(SYS_gettid);
    if (forwarding_thread == self) {  /* the fronts of two libraries point at each other */
        end_with(signal_number, info);
        return;
    }
    int marked = __sync_bool_compare_and_swap(&forwarding_thread, 0, self);
    if (next->sa_flags & SA_SIGINFO) {
        next->sa_sigaction(signal_number, info, context);
        /* A handler that chains by restoring its predecessor and re-raising (faulthandler) has
           done its part: the re-raised signal, blocked while we run, must end the process. */
        if (signal_pending(signal_number)) end_with(signal_number, info);
    } else if (next->sa_handler == SIG_DFL || next->sa_handler == SIG_IGN) {
        end_with(signal_number, info);  /* a hardware fault cannot be ignored */
    } else {
        next->sa_handler(signal_number);
        if (signal_pending(signal_number)) end_with(signal_number, info);
    }
    if (marked) forwarding_thread = 0;
}

static void front(int signal_number, siginfo_t *info, void *context) {
    int i = slot(signal_number);
    if (i < 0) return;
    uintptr_t ip, sp;
    context_registers(context, &ip, &sp);
    int fault = info->si_code > 0;  /* raised by the processor, not sent by kill/raise */
    if (fault && inside_library(ip)) {
        uintptr_t address = (uintptr_t)info->si_addr;
        if (signal_number == SIGSEGV && address > STACK_REACH && address + STACK_REACH > sp && address < sp + STACK_REACH) {
            report_fatal("stack overflow in .NET code (too deep a recursion?)");
            /* .NET's handler would take this for a null dereference: go round it. */
            if (inside_library((uintptr_t)behind[i].sa_sigaction)) end_with(signal_number, info);
            else forward(signal_number, info, context, &behind[i]);
            return;
        }
        dotnet[i].sa_sigaction(signal_number, info, context);
        uintptr_t resumed, ignored;
        context_registers(context, &resumed, &ignored);
        if (resumed != ip) return;  /* .NET redirected the thread to throw the exception */
        /* .NET did not take it (a fault in native code of this library): treat it as foreign. */
    }
    forward(signal_number, info, context, &behind[i]);
}

struct segments { uintptr_t probe, start, end; };

static int find_segments(struct dl_phdr_info *object, size_t size, void *data) {
    (void)size;
    struct segments *found = (struct segments *)data;
    uintptr_t start = UINTPTR_MAX, end = 0;
    int contains = 0;
    for (int k = 0; k < object->dlpi_phnum; k++) {
        const ElfW(Phdr) *header = &object->dlpi_phdr[k];
        if (header->p_type != PT_LOAD || !(header->p_flags & PF_X)) continue;
        uintptr_t low = object->dlpi_addr + header->p_vaddr, high = low + header->p_memsz;
        if (found->probe >= low && found->probe < high) contains = 1;
        if (low < start) start = low;
        if (high > end) end = high;
    }
    if (!contains) return 0;
    found->start = start;
    found->end = end;
    return 1;
}

static void install(int i) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = front;
    /* SA_ONSTACK: on a thread with an alternate stack the front still runs when the stack is full. */
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(fronted[i], &action, NULL);
}

static pthread_key_t stack_owner;  /* frees a thread's alternate stack when the thread ends */
static pthread_once_t stack_owner_once = PTHREAD_ONCE_INIT;

static void free_alternate_stack(void *memory) {
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && current.ss_sp == memory) {
        stack_t disable = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
        sigaltstack(&disable, NULL);
    }
    munmap(memory, ALTERNATE_STACK_SIZE);
}

static void create_stack_owner(void) {
    pthread_key_create(&stack_owner, free_alternate_stack);
}

/* The calling thread gets an alternate signal stack if it has none (faulthandler gives the thread
   that enables it one too), so that a stack overflow on it can be named. */
static void ensure_alternate_stack(void) {
    stack_t current;
    if (sigaltstack(NULL, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
    void *memory = mmap(NULL, ALTERNATE_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t stack = {.ss_sp = memory, .ss_size = ALTERNATE_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&stack, NULL) != 0) {
        munmap(memory, ALTERNATE_STACK_SIZE);
        return;
    }
    pthread_once(&stack_owner_once, create_stack_owner);
    pthread_setspecific(stack_owner, memory);
}

/* -- the runtime's own calls of abort and pthread_create ------------------------------------- */

static void (*real_abort)(void);
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* libc's function (ours are hidden, so the process's lookup cannot find them). */
static void *libc_function(const char *name) {
    void *found = dlsym(RTLD_NEXT, name);
    return found ? found : dlsym(RTLD_DEFAULT, name);
}

/* When the library is loaded: nothing here may wait for the runtime, which has not started. */
__attribute__((constructor)) static void find_real_functions(void) {
    real_abort = (void (*)(void))libc_function("abort");
    real_pthread_create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))libc_function("pthread_create");
    Dl_info where;
    if (dladdr((void *)&find_real_functions, &where) && where.dli_fname) {
        strncpy(library_path, where.dli_fname, sizeof library_path - 1);
    }
}

/* .NET ends the process with abort() after it printed its own message; an unhandled exception (on
   any thread, escaping an export too) was already named by FatalErrors.cs, so this names the rest.
   faulthandler, where enabled, still reports the SIGABRT. */
HIDDEN __attribute__((noreturn)) void abort(void) {
    report_fatal("Environment.FailFast or a fatal error inside the .NET runtime (.NET's message is above)");
    if (real_abort) real_abort();
    struct sigaction defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    sigaction(SIGABRT, &defaults, NULL);
    raise(SIGABRT);
    _exit(134);
}

struct thread_start { void *(*routine)(void *); void *argument; };

/* A thread key, not __thread: NativeAOT's link compiles this file without -fPIC, and a host
   compiler then gives a thread-local the executable's model, which a shared object cannot use
   (R_X86_64_TPOFF32; zig's cc does not). */
static pthread_key_t started_by_dotnet;
static pthread_once_t started_by_dotnet_once = PTHREAD_ONCE_INIT;

static void create_started_by_dotnet(void) {
    pthread_key_create(&started_by_dotnet, NULL);
}

/* 1 on a thread this library's runtime started, 0 on one that came in from outside (Python's). */
HIDDEN int aotwheel_thread_started_by_dotnet(void) {
    pthread_once(&started_by_dotnet_once, create_started_by_dotnet);
    return pthread_getspecific(started_by_dotnet) != NULL;
}

static void *start_dotnet_thread(void *data) {
    struct thread_start start = *(struct thread_start *)data;
    free(data);
    pthread_once(&started_by_dotnet_once, create_started_by_dotnet);
    pthread_setspecific(started_by_dotnet, (void *)1);
    ensure_alternate_stack();
    return start.routine(start.argument);
}

/* Every thread this library's code starts (the runtime's: new Thread, the thread pool, timers, the
   finalizer) first gets an alternate signal stack. */
HIDDEN int pthread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*routine)(void *), void *argument) {
    struct thread_start *start = real_pthread_create ? malloc(sizeof *start) : NULL;
    if (start == NULL) return EAGAIN;
    start->routine = routine;
    start->argument = argument;
    int result = real_pthread_create(thread, attributes, start_dotnet_thread, start);
    if (result != 0) free(start);
    return result;
}

/* Called by the [PyExport] exports once per thread (RuntimeStart.EnterThread). */
HIDDEN void aotwheel_signal_thread(void) {
    if (text_end) ensure_alternate_stack();
}

/* Called once, right after the runtime started (its handlers are then the ones installed).
   Returns 1 when the front is in place, 0 when .NET's handlers could not be recognised. */
HIDDEN int aotwheel_signal_start(void) {
    static int started;
    if (started) return 1;
    struct segments found = {(uintptr_t)&aotwheel_signal_start, 0, 0};
    if (!dl_iterate_phdr(find_segments, &found)) return 0;
    for (int i = 0; i < SIGNALS; i++) {
        if (sigaction(fronted[i], NULL, &dotnet[i]) != 0 || !(dotnet[i].sa_flags & SA_SIGINFO)
            || !inside((uintptr_t)dotnet[i].sa_sigaction, found.start, found.end)) return 0;
    }
    text_start = found.start;
    text_end = found.end;  /* from here on the front is in use (refront, thread) */
    for (int i = 0; i < SIGNALS; i++) {
        behind[i] = dotnet[i];  /* .NET chains to what it found when it started */
        install(i);
    }
    ensure_alternate_stack();
    started = 1;
    return 1;
}

/* Puts the front back in front after faulthandler's state changed (*faulthandler_enabled* is its
   new state); what now sits in front becomes the handler behind it. */
HIDDEN void aotwheel_signal_refront(int faulthandler_enabled) {
    if (!text_end) return;
    for (int i = 0; i < SIGNALS; i++) {
        struct sigaction current;
        if (sigaction(fronted[i], NULL, &current) != 0) continue;
        if (handler_is_front(&current)) {
            /* faulthandler.disable() put the front back itself: behind it again is what sat
               behind it before faulthandler came. */
            if (!faulthandler_enabled && faulthandler_behind[i]) behind[i] = before_faulthandler[i];
        } else {
            if (faulthandler_enabled && !faulthandler_behind[i]) before_faulthandler[i] = behind[i];
            behind[i] = current;
            install(i);
        }
        faulthandler_behind[i] = faulthandler_enabled && !handler_is_front(&current);
    }
}
