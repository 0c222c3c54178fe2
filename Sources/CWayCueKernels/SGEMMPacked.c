// fp32 GEMM with weights packed once into 8-row panels: the engine's own kernel for 1x1 and
// im2col convolutions, with bias and activation fused into the store. Micro-kernel 8 x 8:
// AArch64 NEON fma by lane (16 accumulators, 2 weight and 2 input registers); elsewhere one
// plain C body of the same tile that the compiler vectorises (cloned per ISA on x86-64 ELF).
#include "CWayCueKernels.h"
#include <string.h>
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define WC_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WC_CLONES
#endif

size_t wc_sgemm_packed_a_size(long M, long K) { return (size_t)((M + 7) / 8 * 8 * K); }

void wc_sgemm_pack_a(const float *a, long M, long K, long lda, float *packed) {
    for (long p = 0; p < (M + 7) / 8; p++) {
        float *dst = packed + p * 8 * K;
        for (long k = 0; k < K; k++)
            for (int r = 0; r < 8; r++) {
                long m = p * 8 + r;
                dst[k * 8 + r] = m < M ? a[m * lda + k] : 0.f;
            }
    }
}

// Writes rows [m, m + rows) x columns [0, cols) of an 8 x 8 tile t (row-major) with bias + act;
// the activation switch sits outside the column loops so that they vectorise.
static inline void wc_sg_store(const float *t, long m, int rows, long cols, const float *bias,
                               int act, float a0, float a1, float *c, long ldc) {
    for (int r = 0; r < rows; r++) {
        const float b = bias ? bias[m + r] : 0.f;
        const float *restrict s = t + r * 8;
        float *restrict o = c + (m + r) * ldc;
        switch (act) {
        case 1: for (long j = 0; j < cols; j++) { float v = s[j] + b; o[j] = v > 0.f ? v : 0.f; } break;
        case 2: for (long j = 0; j < cols; j++) { float v = s[j] + b; o[j] = v > 0.f ? v : v * a0; } break;
        case 3: for (long j = 0; j < cols; j++) { float v = s[j] + b; v = v < a0 ? a0 : v; o[j] = v > a1 ? a1 : v; } break;
        default: for (long j = 0; j < cols; j++) o[j] = s[j] + b; break;
        }
    }
}

// Portable tile: t[8][8] = panel(K x 8)^T * B[K][n .. n + cols) (cols <= 8; missing columns 0).
// Full tiles use the compilers' generic vector extension (4-float vectors: SSE / AVX / NEON /
// plain registers, whichever the target has), 16 accumulators, as the NEON kernel does.
typedef float wc_v4 __attribute__((vector_size(16)));
static inline void wc_sg_tile_c(const float *pa, long K, const float *b, long ldb, long cols,
                                float *restrict t) {
    if (cols == 8) {
        wc_v4 c[8][2];
        for (int r = 0; r < 8; r++) c[r][0] = c[r][1] = (wc_v4){0, 0, 0, 0};
        for (long k = 0; k < K; k++) {
            wc_v4 b0, b1;
            memcpy(&b0, b + k * ldb, 16);
            memcpy(&b1, b + k * ldb + 4, 16);
            const float *ar = pa + k * 8;
            for (int r = 0; r < 8; r++) {
                c[r][0] += ar[r] * b0;
                c[r][1] += ar[r] * b1;
            }
        }
        for (int r = 0; r < 8; r++) {
            memcpy(t + r * 8, &c[r][0], 16);
            memcpy(t + r * 8 + 4, &c[r][1], 16);
        }
        return;
    }
    float acc[8][8];
    memset(acc, 0, sizeof acc);
    for (long k = 0; k < K; k++) {
        const float *br = b + k * ldb;
        const float *ar = pa + k * 8;
        for (int r = 0; r < 8; r++)
            for (long j = 0; j < cols; j++) acc[r][j] += ar[r] * br[j];
    }
    memcpy(t, acc, sizeof acc);
}

#if defined(__aarch64__)
// NEON 8 x 8 tile, full 8 columns only. Sixteen named accumulators (not an array, which GCC
// keeps in memory and stores back every iteration).
static inline void wc_sg_tile_neon(const float *pa, long K, const float *b, long ldb,
                                   float *restrict t) {
    float32x4_t c00 = vdupq_n_f32(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00,
                c61 = c00, c70 = c00, c71 = c00;
    for (long k = 0; k < K; k++) {
        float32x4_t b0 = vld1q_f32(b + k * ldb), b1 = vld1q_f32(b + k * ldb + 4);
        float32x4_t alo = vld1q_f32(pa + k * 8), ahi = vld1q_f32(pa + k * 8 + 4);
        c00 = vfmaq_laneq_f32(c00, b0, alo, 0); c01 = vfmaq_laneq_f32(c01, b1, alo, 0);
        c10 = vfmaq_laneq_f32(c10, b0, alo, 1); c11 = vfmaq_laneq_f32(c11, b1, alo, 1);
        c20 = vfmaq_laneq_f32(c20, b0, alo, 2); c21 = vfmaq_laneq_f32(c21, b1, alo, 2);
        c30 = vfmaq_laneq_f32(c30, b0, alo, 3); c31 = vfmaq_laneq_f32(c31, b1, alo, 3);
        c40 = vfmaq_laneq_f32(c40, b0, ahi, 0); c41 = vfmaq_laneq_f32(c41, b1, ahi, 0);
        c50 = vfmaq_laneq_f32(c50, b0, ahi, 1); c51 = vfmaq_laneq_f32(c51, b1, ahi, 1);
        c60 = vfmaq_laneq_f32(c60, b0, ahi, 2); c61 = vfmaq_laneq_f32(c61, b1, ahi, 2);
        c70 = vfmaq_laneq_f32(c70, b0, ahi, 3); c71 = vfmaq_laneq_f32(c71, b1, ahi, 3);
    }
    vst1q_f32(t + 0, c00); vst1q_f32(t + 4, c01); vst1q_f32(t + 8, c10); vst1q_f32(t + 12, c11);
    vst1q_f32(t + 16, c20); vst1q_f32(t + 20, c21); vst1q_f32(t + 24, c30); vst1q_f32(t + 28, c31);
    vst1q_f32(t + 32, c40); vst1q_f32(t + 36, c41); vst1q_f32(t + 40, c50); vst1q_f32(t + 44, c51);
    vst1q_f32(t + 48, c60); vst1q_f32(t + 52, c61); vst1q_f32(t + 56, c70); vst1q_f32(t + 60, c71);
}
#endif

const char *wc_sgemm_packed_kernel_name(void) {
#if defined(__aarch64__)
    return "neon-fma-8x8";
#else
    return "c-8x8";
#endif
}

WC_CLONES
void wc_sgemm_packed_compute(const float *packedA, long M, long K, const float *b, long ldb,
                             long n0, long n1, const float *bias, int act, float a0, float a1,
                             float *c, long ldc) {
    float t[64];
    for (long n = n0; n < n1; n += 8) {
        long cols = n1 - n < 8 ? n1 - n : 8;
        for (long p = 0; p < (M + 7) / 8; p++) {
            const float *pa = packedA + p * 8 * K;
#if defined(__aarch64__)
            if (cols == 8) wc_sg_tile_neon(pa, K, b + n, ldb, t);
            else wc_sg_tile_c(pa, K, b + n, ldb, cols, t);
#else
            wc_sg_tile_c(pa, K, b + n, ldb, cols, t);
#endif
            int rows = M - p * 8 < 8 ? (int)(M - p * 8) : 8;
            wc_sg_store(t, p * 8, rows, cols, bias, act, a0, a1, c + n, ldc);
        }
    }
}

typedef struct {
    const float *pa; long M, N, K; const float *b; long ldb; const float *bias; int act;
    float a0, a1; float *c; long ldc, tasks, blocks;
} wc_sgp_job;

static void wc_sgp_task(void *ctx, long t) {
    wc_sgp_job *j = (wc_sgp_job *)ctx;
    long chunk = (j->blocks + j->tasks - 1) / j->tasks;
    long b0 = t * chunk, b1 = b0 + chunk < j->blocks ? b0 + chunk : j->blocks;
    long n0 = b0 * 8, n1 = b1 * 8 < j->N ? b1 * 8 : j->N;
    if (n0 < n1)
        wc_sgemm_packed_compute(j->pa, j->M, j->K, j->b, j->ldb, n0, n1, j->bias, j->act, j->a0,
                                j->a1, j->c, j->ldc);
}

void wc_mt_sgemm_packed(wc_pool *pool, const float *packedA, long M, long N, long K,
                        const float *b, long ldb, const float *bias, int act, float a0, float a1,
                        float *c, long ldc) {
    long blocks = (N + 7) / 8;
    long tasks = 2.0 * M * N * K < 2e6 ? 1 : wc_pool_tasks(pool, blocks, 2);
    wc_sgp_job j = {packedA, M, N, K, b, ldb, bias, act, a0, a1, c, ldc, tasks, blocks};
    wc_pool_run(pool, tasks, wc_sgp_task, &j);
}
