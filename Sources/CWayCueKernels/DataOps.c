// Data movement and elementwise ops split across the pool: channel concatenation with an
// optional shuffle, elementwise binary ops and activations. Each task gets one contiguous range
// of output channels (or elements); small ops run on the caller. Nothing is allocated.
#include "CWayCueKernels.h"
#include <string.h>
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

// Below this many output floats an op runs on the calling thread.
#define WC_DATA_PARALLEL_MIN 32768L

static inline long wc_data_tasks(const wc_pool *pool, long units, long floats) {
    if (floats < WC_DATA_PARALLEL_MIN) return 1;
    return wc_pool_tasks(pool, units, 1);
}

typedef struct {
    const float *const *srcs; const long *counts; long nsrc; float *y; long C, plane, groups, tasks;
} wc_cat_job;

static void wc_cat_task(void *ctx, long t) {
    const wc_cat_job *j = (const wc_cat_job *)ctx;
    long chunk = (j->C + j->tasks - 1) / j->tasks, o0 = t * chunk;
    long o1 = o0 + chunk < j->C ? o0 + chunk : j->C, per = j->C / j->groups;
    for (long o = o0; o < o1; o++) {
        long i = j->groups > 1 ? (o % j->groups) * per + o / j->groups : o;
        long p = 0;
        while (p < j->nsrc && i >= j->counts[p]) i -= j->counts[p++];
        if (p < j->nsrc)
            memcpy(j->y + o * j->plane, j->srcs[p] + i * j->plane, sizeof(float) * (size_t)j->plane);
    }
}

void wc_mt_concat_shuffle(wc_pool *pool, const float *const *srcs, const long *counts, long nsrc,
                          float *y, long C, long plane, long groups) {
    if (groups < 1) groups = 1;
    wc_cat_job j = {srcs, counts, nsrc, y, C, plane, groups, wc_data_tasks(pool, C, C * plane)};
    wc_pool_run(pool, j.tasks, wc_cat_task, &j);
}

typedef struct { const float *a, *b; float *y; long n; int op; long tasks; } wc_bin_job;

static void wc_bin_task(void *ctx, long t) {
    const wc_bin_job *j = (const wc_bin_job *)ctx;
    long chunk = (j->n + j->tasks - 1) / j->tasks, lo = t * chunk;
    long hi = lo + chunk < j->n ? lo + chunk : j->n;
    const float *restrict a = j->a, *restrict b = j->b;
    float *restrict y = j->y;
    switch (j->op) {
    case 0: for (long i = lo; i < hi; i++) y[i] = a[i] + b[i]; break;
    case 1: for (long i = lo; i < hi; i++) y[i] = a[i] - b[i]; break;
    case 2: for (long i = lo; i < hi; i++) y[i] = a[i] * b[i]; break;
    default: for (long i = lo; i < hi; i++) y[i] = a[i] > b[i] ? a[i] : b[i]; break;
    }
}

void wc_mt_binary(wc_pool *pool, const float *a, const float *b, float *y, long n, int op) {
    wc_bin_job j = {a, b, y, n, op, wc_data_tasks(pool, (n + 1023) / 1024, n)};
    wc_pool_run(pool, j.tasks, wc_bin_task, &j);
}

typedef struct { const float *x; float *y; long n; int act; float a0, a1; long tasks; } wc_act_job;

static void wc_act_task(void *ctx, long t) {
    const wc_act_job *j = (const wc_act_job *)ctx;
    long chunk = (j->n + j->tasks - 1) / j->tasks, lo = t * chunk;
    long hi = lo + chunk < j->n ? lo + chunk : j->n;
    if (lo >= hi) return;
    if (j->x != j->y) memcpy(j->y + lo, j->x + lo, sizeof(float) * (size_t)(hi - lo));
    wc_f32_bias_act(j->y + lo, 1, hi - lo, hi - lo, 0, j->act, j->a0, j->a1);
}

void wc_mt_activation(wc_pool *pool, const float *x, float *y, long n, int act, float a0, float a1) {
    wc_act_job j = {x, y, n, act, a0, a1, wc_data_tasks(pool, (n + 1023) / 1024, n)};
    wc_pool_run(pool, j.tasks, wc_act_task, &j);
}

typedef struct { const float *x; float *y; long planes, h, w, blocks, tasks; } wc_tr_job;

static void wc_tr_task(void *ctx, long t) {
    wc_tr_job *j = (wc_tr_job *)ctx;
    long units = j->planes * j->blocks, chunk = (units + j->tasks - 1) / j->tasks;
    long u0 = t * chunk, u1 = u0 + chunk < units ? u0 + chunk : units;
    for (long u = u0; u < u1; u++) {
        long p = u / j->blocks, i0 = (u % j->blocks) * 16, i1 = i0 + 16 < j->h ? i0 + 16 : j->h;
        const float *src = j->x + p * j->h * j->w;
        float *dst = j->y + p * j->h * j->w;
        for (long j0 = 0; j0 < j->w; j0 += 16) {
            long j1 = j0 + 16 < j->w ? j0 + 16 : j->w;
            long i = i0;
#if defined(__aarch64__)
            // 4 x 4 blocks in registers: four row loads, two rounds of trn, four column stores.
            if (j1 - j0 == 16)
                for (; i + 4 <= i1; i += 4)
                    for (long c = j0; c < j1; c += 4) {
                        const float *s0 = src + i * j->w + c;
                        const float32x4_t r0 = vld1q_f32(s0), r1 = vld1q_f32(s0 + j->w),
                                          r2 = vld1q_f32(s0 + 2 * j->w), r3 = vld1q_f32(s0 + 3 * j->w);
                        const float32x4_t t0 = vtrn1q_f32(r0, r1), t1 = vtrn2q_f32(r0, r1),
                                          t2 = vtrn1q_f32(r2, r3), t3 = vtrn2q_f32(r2, r3);
                        float *d0 = dst + c * j->h + i;
                        vst1q_f32(d0, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
                        vst1q_f32(d0 + j->h, vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
                        vst1q_f32(d0 + 2 * j->h, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
                        vst1q_f32(d0 + 3 * j->h, vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
                    }
#endif
            for (; i < i1; i++)
                for (long c = j0; c < j1; c++) dst[c * j->h + i] = src[i * j->w + c];
        }
    }
}

void wc_mt_transpose(wc_pool *pool, const float *x, float *y, long planes, long h, long w) {
    long blocks = (h + 15) / 16;
    wc_tr_job j = {x, y, planes, h, w, blocks, wc_data_tasks(pool, planes * blocks, planes * h * w)};
    wc_pool_run(pool, j.tasks, wc_tr_task, &j);
}

typedef struct {
    const float *x; float *y; long planes, inPlane, iw, oh, ow;
    const int32_t *x0, *x1, *y0, *y1; const float *fx, *fy; long tasks;
} wc_rs_job;

// Horizontal pass of one input row through the column tables.
static inline void wc_rs_row(const float *restrict r, const int32_t *x0, const int32_t *x1,
                             const float *fx, long ow, float *restrict h) {
    for (long ox = 0; ox < ow; ox++) {
        const float a = r[x0[ox]];
        h[ox] = a + (r[x1[ox]] - a) * fx[ox];
    }
}

// Upsampling rows: each output row blends two horizontally interpolated input rows, kept in two
// row buffers so that an input row shared by consecutive output rows is interpolated once.
// Otherwise (no row is shared) each output is interpolated from the four inputs directly.
// The same arithmetic as interpolating per output (a, b, then a + (b - a) wy).
#define WC_RS_ROW_MAX 2048
static void wc_rs_task(void *ctx, long t) {
    const wc_rs_job *j = (const wc_rs_job *)ctx;
    long chunk = (j->planes + j->tasks - 1) / j->tasks, c0 = t * chunk;
    long c1 = c0 + chunk < j->planes ? c0 + chunk : j->planes;
    float rows[2][WC_RS_ROW_MAX];
    for (long c = c0; c < c1; c++) {
        const float *src = j->x + c * j->inPlane;
        float *dst = j->y + c * j->oh * j->ow;
        if (j->ow <= WC_RS_ROW_MAX && j->oh * j->iw > j->inPlane) {  // upsampling rows
            long have[2] = {-1, -1};  // input row held by each buffer
            for (long oy = 0; oy < j->oh; oy++) {
                const long ya = j->y0[oy], yb = j->y1[oy];
                const float *ha = 0, *hb = 0;
                for (int pass = 0; pass < 2; pass++) {
                    const long want = pass ? yb : ya;
                    int slot = have[0] == want ? 0 : have[1] == want ? 1 : -1;
                    if (slot < 0) {
                        slot = pass == 0 ? (have[1] == yb ? 0 : 1) : (ha == rows[0] ? 1 : 0);
                        wc_rs_row(src + want * j->iw, j->x0, j->x1, j->fx, j->ow, rows[slot]);
                        have[slot] = want;
                    }
                    if (pass) hb = rows[slot]; else ha = rows[slot];
                }
                const float wy = j->fy[oy];
                float *restrict d = dst + oy * j->ow;
                for (long ox = 0; ox < j->ow; ox++) d[ox] = ha[ox] + (hb[ox] - ha[ox]) * wy;
            }
            continue;
        }
        for (long oy = 0; oy < j->oh; oy++) {
            const float *ra = src + (long)j->y0[oy] * j->iw, *rb = src + (long)j->y1[oy] * j->iw;
            const float wy = j->fy[oy];
            float *restrict d = dst + oy * j->ow;
            for (long ox = 0; ox < j->ow; ox++) {
                const long i0 = j->x0[ox], i1 = j->x1[ox];
                const float wx = j->fx[ox];
                const float a = ra[i0] + (ra[i1] - ra[i0]) * wx, b = rb[i0] + (rb[i1] - rb[i0]) * wx;
                d[ox] = a + (b - a) * wy;
            }
        }
    }
}

void wc_mt_resize(wc_pool *pool, const float *x, long planes, long ih, long iw, float *y, long oh,
                  long ow, const int32_t *x0, const int32_t *x1, const float *fx,
                  const int32_t *y0, const int32_t *y1, const float *fy) {
    wc_rs_job j = {x, y, planes, ih * iw, iw, oh, ow, x0, x1, y0, y1, fx, fy,
                   wc_data_tasks(pool, planes, planes * oh * ow)};
    wc_pool_run(pool, j.tasks, wc_rs_task, &j);
}
