// A fixed pool of worker threads. Workers spin briefly for the next job, then sleep on a
// condition variable. The caller takes part in every job, so a 1-thread pool has no workers;
// when it runs out of tasks it too spins only briefly for the others, then sleeps until the
// last task's finisher wakes it, so a core whose worker is descheduled (a second load on the
// machine) is not burnt waiting.
#include "CWayCueKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct wc_pool {
    int threads;
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
    long seen = 0;
    for (;;) {
        long gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        int spins = 0;
        while (gen == seen && !atomic_load_explicit(&pool->stop, memory_order_acquire)) {
            if (++spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            } else {
                pthread_mutex_lock(&pool->lock);
                gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
                if (gen == seen && !atomic_load_explicit(&pool->stop, memory_order_acquire))
                    pthread_cond_wait(&pool->wake, &pool->lock);
                pthread_mutex_unlock(&pool->lock);
                spins = 0;
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
    if (!pool || pool->threads == 1 || count == 1) {
        for (long i = 0; i < count; i++) fn(ctx, i);
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
    for (int spins = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < count; spins++) {
        if (spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            __asm__ __volatile__("yield");
#endif
            continue;
        }
        // Sleep until the finisher of the last task signals. callerWaiting is set before done
        // is re-read (both sequentially consistent), so a finisher that missed the flag has
        // already made done == count visible here.
        pthread_mutex_lock(&pool->lock);
        atomic_store(&pool->callerWaiting, 1);
        while (atomic_load(&pool->done) < count) pthread_cond_wait(&pool->finished, &pool->lock);
        atomic_store(&pool->callerWaiting, 0);
        pthread_mutex_unlock(&pool->lock);
    }
}
