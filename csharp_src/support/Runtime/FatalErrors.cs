// Compiled by aotwheel into every library it builds. A fatal error in .NET code that Python did not
// call (an exception on a thread .NET started, a thread-pool work item, a Timer callback;
// Environment.FailFast) ends the process from inside .NET; .NET prints its own message, which
// never says which library, of the several a process may hold, failed. This names the library and
// the cause in one line on stderr first (docs/reliability.md, "Fatal errors in .NET").
namespace AotWheel
{
    // Inside the namespace: a project type of the global namespace (an `Exception`) must not win.
    using System;
    using System.Runtime.InteropServices;
    using System.Text;
    using System.Threading;

    internal static unsafe class FatalErrors
    {
        /// <summary>From the runtime's start: every unhandled exception is then explained.</summary>
        public static void Watch()
        {
#if AOTWHEEL_SIGNAL_FRONT
            AppDomain.CurrentDomain.UnhandledException += Explain;
#endif
        }

#if AOTWHEEL_SIGNAL_FRONT
        static void Explain(object sender, UnhandledExceptionEventArgs args)
        {
            var thread = Thread.CurrentThread;
            var where = thread.IsThreadPoolThread ? "on a .NET thread-pool thread (a work item, a Task or a Timer callback)"
                : aotwheel_thread_started_by_dotnet() == 0 ? "escaping an [UnmanagedCallersOnly] export called from Python"
                : string.IsNullOrEmpty(thread.Name) ? "on a thread .NET code started" : $"on the .NET thread '{thread.Name}'";
            var cause = args.ExceptionObject is Exception exception
                ? $"unhandled {exception.GetType().FullName} {where}: {OneLine(exception.Message)}"
                : $"unhandled exception object {where}";
            var text = Encoding.UTF8.GetBytes(cause + "\0");
            fixed (byte* data = text) aotwheel_fatal_report(data);
        }

        static string OneLine(string text)
        {
            var line = text.ReplaceLineEndings(" ");
            return line.Length <= 300 ? line : line[..300] + "...";
        }

        // Linked statically from signal_front.c (DirectPInvoke), not loaded at run time.
        [DllImport("aotwheel_signal_front")]
        static extern void aotwheel_fatal_report(byte* cause);

        [DllImport("aotwheel_signal_front")]
        static extern int aotwheel_thread_started_by_dotnet();
#endif
    }
}
