/* Closes one measured segment of the instructions probe (benchmarks/probes.py, probe_instructions):
 * callgrind writes the instructions counted since the previous dump to a file labelled LABEL.
 * Outside valgrind the client request is a few no-op instructions. */
#include <valgrind/callgrind.h>

void aotbench_segment_end(const char *label)
{
    CALLGRIND_DUMP_STATS_AT(label);
}
