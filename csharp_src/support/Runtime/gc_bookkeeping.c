/* aotwheel's guard against a defect of the .NET 10 GC, compiled into every Linux library aotwheel
   builds (docs/reliability.md, "A heap that fills its address range").

   With background GC off (aotwheel's default, concurrent-gc = false) the GC never commits the last
   page of its seg-mapping table (dotnet/runtime#129681; fixed upstream by dotnet/runtime#131947,
   for a later release). That page holds the bookkeeping of the regions at the very top of the GC's
   address range, so a heap that grows that far (a range bounded by DOTNET_GCRegionRange, which the
   binding sets under an address-space cap, or by a small DOTNET_GCHeapHardLimit) ends the process
   by SIGSEGV inside gc_heap::init_heap_segment, with nothing on stderr. Right after the runtime
   started, aotwheel_gc_bookkeeping_guard commits that page.

   It reads two of the GC's statics, hidden symbols of the runtime's static archive that this
   library's link binds. The references are weak: a GC without them (another .NET version) leaves
   the guard a no-op, and the layout is checked before anything is touched. */

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

/* gc_heap::bookkeeping_start and gc_heap::card_table_element_layout of the workstation (WKS) and
   server (SVR) GC: the reservation of the card table, brick table, ... seg-mapping table and mark
   array, and each one's offset in it. */
extern uint8_t *_ZN3WKS7gc_heap17bookkeeping_startE __attribute__((weak));
extern size_t _ZN3WKS7gc_heap25card_table_element_layoutE[] __attribute__((weak));
extern uint8_t *_ZN3SVR7gc_heap17bookkeeping_startE __attribute__((weak));
extern size_t _ZN3SVR7gc_heap25card_table_element_layoutE[] __attribute__((weak));

/* card_table, brick_table, card_bundle_table, software_write_watch_table,
   region_to_generation_table, seg_mapping_table, mark_array, then the end (gc.cpp, .NET 10 x64
   and arm64 builds). */
enum { SEG_MAPPING_TABLE = 5, MARK_ARRAY = 6, LAYOUT_END = 7 };

static void commit_last_page(uint8_t *const *start, const size_t *layout) {
    if (start == NULL || layout == NULL || *start == NULL) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t table = layout[SEG_MAPPING_TABLE], end = layout[MARK_ARRAY];
    /* The defect's shape: an empty mark array placed right after a seg-mapping table that ends
       inside a page; a fixed GC aligns the empty mark array to a page, and then nothing is needed. */
    if (end != layout[LAYOUT_END] || end <= table || end % page == 0) return;
    uint8_t *last = *start + (end - end % page);
    mprotect(last, page, PROT_READ | PROT_WRITE);
}

/* Called once, right after the runtime started (RuntimeStart.cs). */
HIDDEN void aotwheel_gc_bookkeeping_guard(void) {
    /* The address of a weak symbol the link did not find is NULL. */
    commit_last_page(&_ZN3WKS7gc_heap17bookkeeping_startE, _ZN3WKS7gc_heap25card_table_element_layoutE);
    commit_last_page(&_ZN3SVR7gc_heap17bookkeeping_startE, _ZN3SVR7gc_heap25card_table_element_layoutE);
}
