// Compiled into the project's assembly in aotwheel's builds: the binding aotwheel generates is
// compiled into an assembly of its own (AotWheel.Generated, see build/AotWheel.targets), which
// calls this run-time support, internal to the project's assembly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("AotWheel.Generated")]
