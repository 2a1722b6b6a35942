// Types in the global namespace named like the helpers generated code uses: a C# name lookup in
// generated code finds these before a `using` directive's.
public class Status { public const int Ok = 42; }
public class Errors { }
public class CPython { }
public class Columns { }
public class Codecs { }
public class Values { }
public class Blob { }
public class Utf8 { }
public class Handles { }
public class Py { }
public class Shims { }
public class Interop { }
public class Exception { }
public class Span { }
public class Column { }
public class Status2 { }
