// Splits the kernels across the worker pool: each task gets a contiguous range (of channels,
// output rows or column blocks), at most one task per thread and none below a minimum size,
// and each thread uses its own slice of scratch (by pool slot). Jobs live on the stack.
#include "CWayCueKernels.h"

static inline void wc_range(long total, long tasks, long t, long *b, long *e) {
    long chunk = (total + tasks - 1) / tasks;
    *b = t * chunk;
    *e = *b + chunk < total ? *b + chunk : total;
}

typedef struct {
    const float *in; long C, H, W; float *out; long Co, Ho, Wo; const float *w, *b;
    int k, stride, pt, pl, pb, pr, act; float a0, a1; float *scratch; long per; long tasks;
} wc_conv_job;

static void wc_dw_task(void *ctx, long t) {
    wc_conv_job *j = (wc_conv_job *)ctx;
    long b, e;
    wc_range(j->C, j->tasks, t, &b, &e);
    if (b < e)
        wc_f32_dwconv(j->in, j->H, j->W, j->out, j->Ho, j->Wo, j->w, j->b, j->k, j->stride, j->pt,
                      j->pl, j->pb, j->pr, j->act, j->a0, j->a1, j->scratch + wc_pool_slot() * j->per, b, e);
}

void wc_mt_dwconv(wc_pool *pool, const float *in, long C, long H, long W, float *out, long Ho,
                  long Wo, const float *weights, const float *bias, int k, int stride, int pt,
                  int pl, int pb, int pr, int act, float a0, float a1, float *scratch,
                  long scratchPerThread) {
    wc_conv_job j = {in, C, H, W, out, C, Ho, Wo, weights, bias, k, stride, pt, pl, pb, pr, act,
                     a0, a1, scratch, scratchPerThread, wc_pool_tasks(pool, C, 4)};
    wc_pool_run(pool, j.tasks, wc_dw_task, &j);
}

typedef struct {
    const wc_conv_job *conv; long tmpStride, planeFloats;
} wc_direct_prep_job;

static void wc_direct_prep_task(void *ctx, long t) {
    wc_direct_prep_job *p = (wc_direct_prep_job *)ctx;
    const wc_conv_job *j = p->conv;
    long b, e;
    wc_range(j->C, j->tasks, t, &b, &e);
    if (b < e)
        wc_f32_conv_direct_prepare(j->in, j->H, j->W, j->stride, j->pt, j->pl, j->pb, j->pr,
                                   j->scratch, j->scratch + j->C * p->planeFloats + wc_pool_slot() * p->tmpStride, b, e);
}

static void wc_direct_rows_task(void *ctx, long t) {
    wc_conv_job *j = (wc_conv_job *)ctx;
    long b, e;
    wc_range(j->Ho, j->tasks, t, &b, &e);
    if (b < e)
        wc_f32_conv_direct_rows(j->scratch, j->C, j->H, j->W, j->out, j->Ho, j->Wo, j->w, j->b, j->k,
                                j->stride, j->pt, j->pl, j->pb, j->pr, j->act, j->a0, j->a1, 0,
                                j->Co, b, e);
}

// The input planes are padded (and split for stride 2) once, shared by every task, channels
// split across the pool; then each task computes every output channel for a band of rows.
// Splitting by output channel instead made each task pad the whole input again, and left
// half-empty 8-channel blocks (the 24-channel stem: 12 + 12 channels = 4 blocks for 3).
void wc_mt_conv_direct(wc_pool *pool, const float *in, long C, long H, long W, float *out,
                       long Co, long Ho, long Wo, const float *weights, const float *bias, int k,
                       int stride, int pt, int pl, int pb, int pr, int act, float a0, float a1,
                       float *scratch, long scratchPerThread) {
    (void)scratchPerThread;  // threads x per-thread scratch holds the shared planes + one pad buffer a thread
    long planeFloats, padFloats;
    wc_f32_direct_layout(H, W, stride, pt, pl, pb, pr, &planeFloats, &padFloats);
    wc_conv_job j = {in, C, H, W, out, Co, Ho, Wo, weights, bias, k, stride, pt, pl, pb, pr, act,
                     a0, a1, scratch, 0, wc_pool_tasks(pool, C, 1)};
    wc_direct_prep_job p = {&j, padFloats, planeFloats};
    wc_pool_run(pool, j.tasks, wc_direct_prep_task, &p);
    j.tasks = wc_pool_tasks(pool, Ho, 4);
    wc_pool_run(pool, j.tasks, wc_direct_rows_task, &j);
}

static void wc_pool_task(void *ctx, long t) {
    wc_conv_job *j = (wc_conv_job *)ctx;
    long b, e;
    wc_range(j->C, j->tasks, t, &b, &e);
    if (b < e)
        wc_f32_maxpool(j->in, j->H, j->W, j->out, j->Ho, j->Wo, j->k, j->stride, j->pt, j->pl,
                       j->pb, j->pr, j->scratch + wc_pool_slot() * j->per, b, e);
}

void wc_mt_maxpool(wc_pool *pool, const float *in, long C, long H, long W, float *out, long Ho,
                   long Wo, int k, int stride, int pt, int pl, int pb, int pr, float *scratch,
                   long scratchPerThread) {
    wc_conv_job j = {in, C, H, W, out, C, Ho, Wo, 0, 0, k, stride, pt, pl, pb, pr, 0,
                     0, 0, scratch, scratchPerThread, wc_pool_tasks(pool, C, 2)};
    wc_pool_run(pool, j.tasks, wc_pool_task, &j);
}

typedef struct { float *x; long channels, plane; const float *bias; int act; float a0, a1; long tasks; } wc_ba_job;

static void wc_ba_task(void *ctx, long t) {
    wc_ba_job *j = (wc_ba_job *)ctx;
    long b, e;
    wc_range(j->channels, j->tasks, t, &b, &e);
    if (b < e)
        wc_f32_bias_act(j->x + b * j->plane, e - b, j->plane, j->plane, j->bias ? j->bias + b : 0,
                        j->act, j->a0, j->a1);
}

void wc_mt_bias_act(wc_pool *pool, float *x, long channels, long plane, const float *bias,
                    int act, float a0, float a1) {
    wc_ba_job j = {x, channels, plane, bias, act, a0, a1,
                   channels * plane >= 32768 ? wc_pool_tasks(pool, channels, 4) : 1};
    wc_pool_run(pool, j.tasks, wc_ba_task, &j);
}

typedef struct {
    int level; const int8_t *w; long Kp; const uint8_t *packed; long N, M; const int32_t *comp;
    const float *scale, *bias; int act; float a0, a1; float *out; long ldo, tasks, blocks;
} wc_q_job;

static void wc_q_task(void *ctx, long t) {
    wc_q_job *j = (wc_q_job *)ctx;
    long b, e;
    wc_range(j->blocks, j->tasks, t, &b, &e);
    if (b < e)
        wc_qgemm_compute(j->level, j->w, j->Kp, j->packed, j->N, 0, j->M, b, e, j->comp, j->scale,
                         j->bias, j->act, j->a0, j->a1, j->out, j->ldo);
}

void wc_mt_qgemm(wc_pool *pool, int level, const int8_t *w, long Kp, const uint8_t *packed,
                 long N, long M, const int32_t *comp, const float *scale, const float *bias,
                 int act, float a0, float a1, float *out, long ldo) {
    long blocks = (N + 15) / 16;
    wc_q_job j = {level, w, Kp, packed, N, M, comp, scale, bias, act, a0, a1, out, ldo,
                  wc_pool_tasks(pool, blocks, 2), blocks};
    wc_pool_run(pool, j.tasks, wc_q_task, &j);
}

typedef struct {
    wc_sgemm_fn gemm; int transA; long M, N, K; const float *A; long lda; const float *B; long ldb;
    float *C; long ldc, tasks;
} wc_g_job;

static void wc_g_task(void *ctx, long t) {
    wc_g_job *j = (wc_g_job *)ctx;
    long blocks = (j->N + 15) / 16, b, e;
    wc_range(blocks, j->tasks, t, &b, &e);
    long n0 = b * 16, n1 = e * 16 < j->N ? e * 16 : j->N;
    if (n0 < n1) j->gemm(j->transA, j->M, n1 - n0, j->K, j->A, j->lda, j->B + n0, j->ldb, j->C + n0, j->ldc);
}

void wc_mt_sgemm(wc_pool *pool, wc_sgemm_fn gemm, int transA, long M, long N, long K,
                 const float *A, long lda, const float *B, long ldb, float *C, long ldc) {
    long blocks = (N + 15) / 16;
    // Below ~2 MFLOP a split costs more than it gains.
    long tasks = 2.0 * M * N * K < 2e6 ? 1 : wc_pool_tasks(pool, blocks, 2);
    wc_g_job j = {gemm, transA, M, N, K, A, lda, B, ldb, C, ldc, tasks};
    wc_pool_run(pool, tasks, wc_g_task, &j);
}
