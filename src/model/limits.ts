/**
 * How much work one trace line may ask of the model. Every count a trace declares makes the
 * model loop or allocate per page (a declared page range makes one folio per page in every
 * policy's state; a GUP call over an anonymous VMA faults in one page per iteration), so an
 * unbounded `nr=1000000` ran out of memory and `nr=4294967296` overflowed a Map with no line
 * number. Values past these limits are bad fields ([PB_EVENT_FIELD], file:line:col, the scenario
 * is `error`), far above anything a real recording or the shipped corpus holds (512 pages).
 */

/** Pages one line may declare or touch: `pinbench_page nr=`, a GUP call's `nr_pages=` (64 MiB of 4 KiB pages). */
export const MAX_PAGES_PER_LINE = 16_384;

/**
 * Pages the `pinbench_page` lines of one scenario may declare in all: each is a folio in every
 * policy's state (65536 pages over every release take about 1 GiB and 20 s).
 */
export const MAX_DECLARED_PAGES_PER_SCENARIO = 65_536;

/** Bytes one call may cover: vfio `size=`, vmf_insert_pfn/remap `size=` (MAX_PAGES_PER_LINE pages). */
export const MAX_BYTES_PER_LINE = MAX_PAGES_PER_LINE * 0x1000;

/*
 * io_uring `len=` is not bounded here: the kernel (and so every io_uring policy) refuses a buffer
 * over 1 GiB before it pins anything, which bounds the model's loop at 262144 pages, and traces
 * (the synthesizer's boundary cases among them) exercise exactly 1 GiB and more.
 */

/** A folio's `order=`: 2^order pages (18 is a 1 GiB PUD folio of 4 KiB pages). */
export const MAX_FOLIO_ORDER = 18;

/** `node=`: MAX_NUMNODES of x86_64 with the largest NODES_SHIFT (10). */
export const MAX_NUMA_NODES = 1024;

/**
 * Free pages `pinbench_zone`/`pinbench_hugetlb` may declare per field. They are counters the
 * allocator decrements (nothing loops over them), so the bound only keeps them exact integers:
 * 2^32 pages is 16 TiB of 4 KiB pages in one zone.
 */
export const MAX_FREE_PAGES = 2 ** 32;
