// Compiled by aotwheel into every library it builds. fork() copies only the calling thread: a child
// forked while another thread ran .NET code inherits a runtime whose thread is gone (its first
// collection waits for that thread forever, or aborts) and whose locks may be held for good. The
// generated package's fork hook (_aotwheel.py) decides in the child whether a call was in flight
// and, if one was, makes every later call there raise RuntimeError instead.
//
// The hook reads this block in the child without entering .NET (entering could wait forever for a
// collection the lost thread had started), so it lives in native memory with a fixed layout,
// mirrored by _aotwheel.py's _ForkGuardBlock.
namespace AotWheel
{
    // Inside the namespace: a project type of the global namespace (an `Exception`) must not win.
    using System.Runtime.CompilerServices;
    using System.Runtime.InteropServices;
    using System.Threading;

    internal static unsafe class ForkGuard
    {
        [StructLayout(LayoutKind.Sequential)]
        struct Block
        {
            // Native-backend calls now running without the GIL (the ctypes fallback's calls, which
            // all release it, are seen by the hook in the Python threads' frames instead).
            public long CallsInFlight;
            // The native backend's function objects (CPython.cs), which the hook makes refuse calls
            // without entering .NET: their addresses, and where each keeps its vectorcall pointer.
            public long Functions;
            public long VectorcallOffset;
            public nint* Objects;
            public long Capacity;
        }

        // No initializer: a class without a static constructor reads its statics with no init check.
        static Block* block;

        /// <summary>The block's address, for the package's fork hook: once, at import.</summary>
        [UnmanagedCallersOnly(EntryPoint = "aotwheel_fork_guard")]
        static nint Address() => (nint)Ensure();

        static Block* Ensure()
        {
            if (block == null) block = (Block*)NativeMemory.AllocZeroed((nuint)sizeof(Block));
            return block;
        }

        /// <summary>Before a native-backend call releases the GIL (with the GIL held, so that a
        /// fork, which needs the GIL, sees the call as soon as it can run .NET code without it).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Enter() => Interlocked.Increment(ref block->CallsInFlight);

        /// <summary>After the call took the GIL back.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Leave() => Interlocked.Decrement(ref block->CallsInFlight);

        /// <summary>Records a native function object (at import, once per function); the caller
        /// gives it a reference that is never released, so the address stays valid.</summary>
        public static void Register(nint function, int vectorcallOffset)
        {
            var guard = Ensure();
            if (guard->Functions == guard->Capacity)
            {
                var capacity = guard->Capacity == 0 ? 64 : 2 * guard->Capacity;
                guard->Objects = (nint*)NativeMemory.Realloc(guard->Objects, (nuint)(capacity * sizeof(nint)));
                guard->Capacity = capacity;
            }
            guard->VectorcallOffset = vectorcallOffset;
            guard->Objects[guard->Functions++] = function;
        }
    }
}
