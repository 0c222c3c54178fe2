#include <stdlib.h>
#include "CWayCueAllocCounter.h"
#if defined(__GLIBC__) && defined(__linux__)
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>

// glibc exports its allocator under __libc_* names; defining malloc & co. in the executable
// interposes them for every library in the process. Each entry counts, then forwards.
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_long wc_allocs;

long wc_alloc_count(void) { return atomic_load_explicit(&wc_allocs, memory_order_relaxed); }

void *malloc(size_t n) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }
void *memalign(size_t al, size_t n) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    return __libc_memalign(al, n);
}
void *aligned_alloc(size_t al, size_t n) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    return __libc_memalign(al, n);
}
int posix_memalign(void **out, size_t al, size_t n) {
    atomic_fetch_add_explicit(&wc_allocs, 1, memory_order_relaxed);
    if (al < sizeof(void *) || (al & (al - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(al, n);
    if (!p && n) return ENOMEM;
    *out = p;
    return 0;
}
#else
long wc_alloc_count(void) { return -1; }
#endif
