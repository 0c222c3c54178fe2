// A fixed pool of worker threads. Workers spin for the next job for a fixed time (50 us, see
// wc_spin_budget_ns), then sleep on a condition variable. The caller takes part in every job,
// so a 1-thread pool has no workers; when it runs out of tasks it too spins for at most that
// long for the others, then sleeps until the last task's finisher wakes it, so a core whose
// worker is descheduled (a second load on the machine) is not burnt waiting, and an idle pool
// (between camera frames) uses no core.
#include "CWayCueKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

// How long an idle worker (or a caller waiting for the last task) spins before it sleeps:
// 50 microseconds, about the gap between two ops of an inference. Measured on the 2-core
// test VM (Benchmarks/README.md, "Threads after the pool rework"): with nothing else running,
// 50 us, 200 us and 1 ms gave the same back-to-back 2-thread times; with a busy loop beside
// the inference, 1 ms made two threads about 1.8x slower than 50 us, because a spinning
// thread takes the time slice the preempted thread needs to finish its task. Between camera
// frames the workers sleep, so an idle pool uses no core (on that VM this costs the 2-thread
// gain at 15 frames/s: only a worker that never sleeps kept it). WAYCUE_POOL_SPIN_US
// overrides it (0: sleep at once).
static long wc_spin_budget_ns(void) {
    const char *e = getenv("WAYCUE_POOL_SPIN_US");
    if (e && *e) {
        long us = strtol(e, NULL, 10);
        if (us >= 0 && us <= 1000000) return us * 1000;
    }
    return 50L * 1000;
}

// The pool slot of the calling thread while it runs a task: 0 for the caller, 1... for the
// workers. Tasks index per-thread scratch by it, not by task index.
static _Thread_local int wc_current_slot;

int wc_pool_slot(void) { return wc_current_slot; }

static inline long wc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static inline void wc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

struct wc_pool {
    int threads;
    atomic_int nextSlot;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t finished;
    atomic_int callerWaiting;
    atomic_long generation;
    atomic_long next;
    atomic_long done;
    long count;
    wc_task_fn fn;
    void *ctx;
    atomic_int stop;
    long spinNs;
};

static void wc_pool_drain(wc_pool *pool) {
    long finished = 0;
    for (;;) {
        long i = atomic_fetch_add_explicit(&pool->next, 1, memory_order_acq_rel);
        if (i >= pool->count) break;
        pool->fn(pool->ctx, i);
        finished++;
    }
    if (finished) {
        long total = atomic_fetch_add(&pool->done, finished) + finished;
        if (total >= pool->count && atomic_load(&pool->callerWaiting)) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_broadcast(&pool->finished);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

static void *wc_pool_main(void *arg) {
    wc_pool *pool = (wc_pool *)arg;
    wc_current_slot = atomic_fetch_add(&pool->nextSlot, 1);
    long seen = 0;
    for (;;) {
        long gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        long spinStart = 0;
        int spins = 0;
        while (gen == seen && !atomic_load_explicit(&pool->stop, memory_order_acquire)) {
            // Check the clock every 64 pauses: a pause is 10-150 cycles depending on the core.
            if ((++spins & 63) != 0) {
                wc_cpu_relax();
            } else if (spinStart == 0) {
                spinStart = wc_now_ns();
            } else if (wc_now_ns() - spinStart >= pool->spinNs) {
                pthread_mutex_lock(&pool->lock);
                gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
                if (gen == seen && !atomic_load_explicit(&pool->stop, memory_order_acquire))
                    pthread_cond_wait(&pool->wake, &pool->lock);
                pthread_mutex_unlock(&pool->lock);
                spinStart = 0;
            }
            gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (atomic_load_explicit(&pool->stop, memory_order_acquire)) return NULL;
        seen = gen;
        wc_pool_drain(pool);
    }
}

wc_pool *wc_pool_create(int threads) {
    if (threads < 1) threads = 1;
    wc_pool *pool = calloc(1, sizeof(wc_pool));
    if (!pool) return NULL;
    pool->threads = threads;
    pool->spinNs = wc_spin_budget_ns();
    atomic_store(&pool->nextSlot, 1);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->finished, NULL);
    if (threads > 1) {
        pool->workers = calloc((size_t)threads - 1, sizeof(pthread_t));
        for (int t = 0; t < threads - 1; t++) {
            if (pthread_create(&pool->workers[t], NULL, wc_pool_main, pool) != 0) {
                pool->threads = t + 1;
                break;
            }
        }
    }
    return pool;
}

void wc_pool_destroy(wc_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int t = 0; t < pool->threads - 1; t++) pthread_join(pool->workers[t], NULL);
    free(pool->workers);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->finished);
    free(pool);
}

int wc_pool_threads(const wc_pool *pool) { return pool ? pool->threads : 1; }

void wc_pool_run(wc_pool *pool, long count, wc_task_fn fn, void *ctx) {
    if (count <= 0) return;
    int outerSlot = wc_current_slot;
    wc_current_slot = 0;
    if (!pool || pool->threads == 1 || count == 1) {
        for (long i = 0; i < count; i++) fn(ctx, i);
        wc_current_slot = outerSlot;
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    atomic_store_explicit(&pool->done, 0, memory_order_release);
    atomic_store_explicit(&pool->next, 0, memory_order_release);
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    wc_pool_drain(pool);
    long spinStart = 0;
    for (int spins = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < count;) {
        if ((++spins & 63) != 0) {
            wc_cpu_relax();
            continue;
        }
        if (spinStart == 0) spinStart = wc_now_ns();
        if (wc_now_ns() - spinStart < pool->spinNs) continue;
        // Sleep until the finisher of the last task signals. callerWaiting is set before done
        // is re-read (both sequentially consistent), so a finisher that missed the flag has
        // already made done == count visible here.
        pthread_mutex_lock(&pool->lock);
        atomic_store(&pool->callerWaiting, 1);
        while (atomic_load(&pool->done) < count) pthread_cond_wait(&pool->finished, &pool->lock);
        atomic_store(&pool->callerWaiting, 0);
        pthread_mutex_unlock(&pool->lock);
    }
    wc_current_slot = outerSlot;
}

long wc_pool_tasks(const wc_pool *pool, long units, long minUnits) {
    long threads = wc_pool_threads(pool);
    if (minUnits < 1) minUnits = 1;
    if (threads <= 1 || units < 2 * minUnits) return 1;
    long n = units / minUnits;
    return n < threads ? n : threads;
}
