// Compiled into the project's assembly in aotwheel's builds: the binding aotwheel generates is
// compiled, with aotwheel's run-time support, into an assembly of its own (AotWheel.Generated, see
// build/AotWheel.targets), which calls the project's internal members and aotwheel's run-time start
// (../Runtime), internal to the project's assembly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("AotWheel.Generated")]
