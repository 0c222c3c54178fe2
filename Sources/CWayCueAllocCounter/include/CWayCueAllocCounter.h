// Counts heap allocations of the whole process (glibc only) so that benchmarks can report
// allocations per inference. Linked only into the `waycue` executable, never into libraries.
#ifndef CWAYCUE_ALLOC_COUNTER_H
#define CWAYCUE_ALLOC_COUNTER_H
/// Allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) so far,
/// or -1 where the counter cannot interpose (non-glibc platforms).
long wc_alloc_count(void);
#endif
