"""Build the cffi API-mode floor: benchmarks/floor.c compiled into a C extension module that cffi
generates (`aotbench_cffi_floor`), the way a cffi user would bind the same C functions.

    python cffi_floor.py FOLDER [CFLAG...]   # run by benchmarks/run.py with the Python that will import it

CFLAGs (the ctypes floor's optimisation flags, from run.py) come after Python's own.

Prints the module's path. Needs Debian's python3-cffi and python3-dev (Python.h) and gcc.
"""

import sys
from pathlib import Path

FLOOR_SOURCE = Path(__file__).resolve().parent / "floor.c"
# The functions of floor.c the calls probe uses, declared as floor.c defines them.
DECLARATIONS = """
int32_t add(int32_t a, int32_t b);
int32_t copy_utf8(const char *text, char *out, int32_t capacity);
double sum_doubles(const double *values, ptrdiff_t count);
"""


def main() -> None:
    import cffi

    folder = Path(sys.argv[1])
    ffi = cffi.FFI()
    ffi.cdef(DECLARATIONS)
    ffi.set_source("aotbench_cffi_floor", "#include <stddef.h>\n#include <stdint.h>\n" + DECLARATIONS,
                   sources=[str(FLOOR_SOURCE)], extra_compile_args=sys.argv[2:])
    print(ffi.compile(tmpdir=str(folder)))


if __name__ == "__main__":
    main()
