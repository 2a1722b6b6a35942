// Compiled by aotwheel into every library it builds. The generated Python package calls
// aotwheel_runtime_start once at import: the NativeAOT runtime starts on the first call into the
// library, and starting it there, under the environment the binding chose, lets the binding put
// the process's environment back at once (the runtime reads its settings when it starts) and
// put the signal front (signal_front.c) before .NET's fault handlers.

namespace AotWheel
{
    // Inside the namespace: a user's type in the global namespace (an `Exception`, a `Span`)
    // must not capture these names.
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;

    internal static class RuntimeStart
    {
        /// <summary>1 when the signal front is in place, 0 where there is none (not Linux).</summary>
        [UnmanagedCallersOnly(EntryPoint = "aotwheel_runtime_start")]
        private static int Start()
        {
            FatalErrors.Watch();
#if AOTWHEEL_SIGNAL_FRONT
            aotwheel_gc_bookkeeping_guard();
            return aotwheel_signal_start();
#else
            return 0;
#endif
        }

        /// <summary>Puts the signal front back in front after faulthandler's state changed.</summary>
        [UnmanagedCallersOnly(EntryPoint = "aotwheel_signal_front")]
        private static void Refront(int faulthandlerEnabled)
        {
#if AOTWHEEL_SIGNAL_FRONT
            aotwheel_signal_refront(faulthandlerEnabled);
#endif
        }

#if AOTWHEEL_SIGNAL_FRONT
        [System.ThreadStatic]
        private static bool t_entered;
#endif

        /// <summary>Called first by every [PyExport] export: on a thread's first call, gives the
        /// thread an alternate signal stack, on which the signal front can still run (and name the
        /// fault) when .NET code has used up the thread's stack.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void EnterThread()
        {
#if AOTWHEEL_SIGNAL_FRONT
            if (!t_entered)
            {
                t_entered = true;
                aotwheel_signal_thread();
            }
#endif
        }

#if AOTWHEEL_SIGNAL_FRONT
        // Linked statically from signal_front.c (DirectPInvoke), not loaded at run time.
        [DllImport("aotwheel_signal_front")]
        private static extern int aotwheel_signal_start();

        // gc_bookkeeping.c: commits the page of the GC's region map that .NET 10 leaves out.
        [DllImport("aotwheel_signal_front")]
        private static extern void aotwheel_gc_bookkeeping_guard();

        [DllImport("aotwheel_signal_front")]
        private static extern void aotwheel_signal_refront(int faulthandlerEnabled);

        [DllImport("aotwheel_signal_front")]
        private static extern void aotwheel_signal_thread();
#endif
    }
}
