// fp32 GEMM with weights packed once into 8-row panels: the engine's own kernel for 1x1 and
// im2col convolutions, with bias and activation fused into the store. Micro-kernel 8 x 12 on
// AArch64: NEON fma by lane, 24 accumulators started at the bias, per k one 2-register load of
// weights and one 3-register load of inputs for 24 fma (8 x 8 and 8 x 4 tiles for the column
// edge, 4-row tiles for a last panel of at most 4 rows); elsewhere one plain C 8 x 8 body that
// the compiler vectorises (cloned per ISA on x86-64 ELF).
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

// Panels: 8 rows each; when M % 8 is 1..4 the last panel is 4 rows wide, so that a layer with
// M = 58 (7 x 8 + 2) computes 60 rows, not 64. Panel p starts at p * 8 * K.
static inline int wc_sg_panel_rows(long M, long p) {
    long left = M - p * 8;
    return left >= 8 ? 8 : (left > 4 ? 8 : 4);
}

size_t wc_sgemm_packed_a_size(long M, long K) {
    long full = M / 8, rem = M % 8;
    return (size_t)((full * 8 + (rem == 0 ? 0 : rem <= 4 ? 4 : 8)) * K);
}

void wc_sgemm_pack_a(const float *a, long M, long K, long lda, float *packed) {
    for (long p = 0; p < (M + 7) / 8; p++) {
        const int mr = wc_sg_panel_rows(M, p);
        float *dst = packed + p * 8 * K;
        for (long k = 0; k < K; k++)
            for (int r = 0; r < mr; r++) {
                long m = p * 8 + r;
                dst[k * mr + r] = m < M ? a[m * lda + k] : 0.f;
            }
    }
}

// Writes rows [m, m + rows) x columns [0, cols) of a tile t (row stride 8) with bias + act;
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

// Portable tile: t[mr][8] (row stride 8) = panel(K x mr)^T * B[K][n .. n + cols) (cols <= 8;
// missing columns 0). Full 8-row, 8-column tiles use the compilers' generic vector extension
// (4-float vectors: SSE / AVX / NEON / plain registers, whichever the target has).
typedef float wc_v4 __attribute__((vector_size(16)));
static inline void wc_sg_tile_c(const float *pa, int mr, long K, const float *b, long ldb,
                                long cols, float *restrict t) {
    if (cols == 8 && mr == 8) {
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
        const float *ar = pa + k * mr;
        for (int r = 0; r < mr; r++)
            for (long j = 0; j < cols; j++) acc[r][j] += ar[r] * br[j];
    }
    memcpy(t, acc, sizeof acc);
}

#if defined(__aarch64__)
#define WC_INLINE static inline __attribute__((always_inline))
// NEON tile of MR (8 or 4) rows x NC (12, 8 or 4) columns, MR and NC compile-time constants at
// every call: MR x NC/4 accumulators (24 for 8 x 12) start at the bias; each k loads the
// panel's MR weights (one ld1 of 2 registers) and NC inputs (one ld1 of NC/4 registers) and
// runs MR x NC/4 fma by lane. The epilogue applies the activation in registers and stores the
// `rows` valid rows (separate stores: a multi-register st1 would tie accumulators
// into consecutive register tuples, and clang then spills them in the loop).
WC_INLINE void wc_sg_tile_neon(const float *pa, long K, const float *b, long ldb,
                               const float *bias, int rows, int act, float a0, float a1,
                               float *c, long ldc, const int MR, const int NC) {
    // Named accumulators c<row><column quarter> (an array gets spilled); those a tile does not
    // use are dead code.
#define WC_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define WC_DECL(r) float32x4_t c##r##0, c##r##1, c##r##2;
    WC_ROWS(WC_DECL)
#define WC_INIT(r) { const float32x4_t v = r < MR ? vld1q_dup_f32(bias + r) : vdupq_n_f32(0.f); c##r##0 = v; c##r##1 = v; c##r##2 = v; }
#define WC_FMA(r, av, lane)                                                         \
    if (r < MR) {                                                                   \
        c##r##0 = vfmaq_laneq_f32(c##r##0, b0, av, lane);                           \
        if (NC >= 8) c##r##1 = vfmaq_laneq_f32(c##r##1, b1, av, lane);              \
        if (NC >= 12) c##r##2 = vfmaq_laneq_f32(c##r##2, b2, av, lane);             \
    }
#define WC_STEP                                                                                \
    {                                                                                          \
        float32x4_t al, ah, b0, b1, b2;                                                        \
        if (MR == 8) { const float32x4x2_t t = vld1q_f32_x2(pa); al = t.val[0]; ah = t.val[1]; } \
        else { al = vld1q_f32(pa); ah = al; }                                                  \
        if (NC == 12) { const float32x4x3_t t = vld1q_f32_x3(b); b0 = t.val[0]; b1 = t.val[1]; b2 = t.val[2]; } \
        else if (NC == 8) { const float32x4x2_t t = vld1q_f32_x2(b); b0 = t.val[0]; b1 = t.val[1]; b2 = b0; } \
        else { b0 = vld1q_f32(b); b1 = b0; b2 = b0; }                                          \
        pa += MR;                                                                              \
        b += ldb;                                                                              \
        WC_FMA(0, al, 0) WC_FMA(1, al, 1) WC_FMA(2, al, 2) WC_FMA(3, al, 3)                    \
        WC_FMA(4, ah, 0) WC_FMA(5, ah, 1) WC_FMA(6, ah, 2) WC_FMA(7, ah, 3)                    \
    }
    // One k per trip: unrolled (by the compiler or by hand), the two steps' loads overlap and
    // the 24 accumulators get spilled.
    long k = 0;
#if defined(__clang__)
    if (MR == 8 && NC == 12 && K >= 2) {
        // The full tile's bias start and loop in assembly, two k per trip: one 4-register load of both k's
        // weights, per k one 3-register load of inputs and 24 fma (26.5 instructions per k
        // against 28 for the one-k loop; a compiler unrolling it runs out of registers). Clang
        // only (what SwiftPM builds with): GCC allows 30 asm operands and counts the 27
        // read-write ones twice, so a GCC build runs the one-k loop below.
        long trips = K / 2;
        const long ldbBytes = ldb * 4;
        __asm__ volatile(
            "ld1 {v0.4s, v1.4s}, [%[bias]]\n\t"
            "dup %[c00].4s, v0.s[0]\n\t" "mov %[c01].16b, %[c00].16b\n\t" "mov %[c02].16b, %[c00].16b\n\t"
            "dup %[c10].4s, v0.s[1]\n\t" "mov %[c11].16b, %[c10].16b\n\t" "mov %[c12].16b, %[c10].16b\n\t"
            "dup %[c20].4s, v0.s[2]\n\t" "mov %[c21].16b, %[c20].16b\n\t" "mov %[c22].16b, %[c20].16b\n\t"
            "dup %[c30].4s, v0.s[3]\n\t" "mov %[c31].16b, %[c30].16b\n\t" "mov %[c32].16b, %[c30].16b\n\t"
            "dup %[c40].4s, v1.s[0]\n\t" "mov %[c41].16b, %[c40].16b\n\t" "mov %[c42].16b, %[c40].16b\n\t"
            "dup %[c50].4s, v1.s[1]\n\t" "mov %[c51].16b, %[c50].16b\n\t" "mov %[c52].16b, %[c50].16b\n\t"
            "dup %[c60].4s, v1.s[2]\n\t" "mov %[c61].16b, %[c60].16b\n\t" "mov %[c62].16b, %[c60].16b\n\t"
            "dup %[c70].4s, v1.s[3]\n\t" "mov %[c71].16b, %[c70].16b\n\t" "mov %[c72].16b, %[c70].16b\n\t"
            "1:\n\t"
            "ld1 {v0.4s, v1.4s, v2.4s, v3.4s}, [%[pa]], #64\n\t"
            "ld1 {v4.4s, v5.4s, v6.4s}, [%[b]], %[ldb]\n\t"
            "fmla %[c00].4s, v4.4s, v0.s[0]\n\t" "fmla %[c01].4s, v5.4s, v0.s[0]\n\t" "fmla %[c02].4s, v6.4s, v0.s[0]\n\t"
            "fmla %[c10].4s, v4.4s, v0.s[1]\n\t" "fmla %[c11].4s, v5.4s, v0.s[1]\n\t" "fmla %[c12].4s, v6.4s, v0.s[1]\n\t"
            "fmla %[c20].4s, v4.4s, v0.s[2]\n\t" "fmla %[c21].4s, v5.4s, v0.s[2]\n\t" "fmla %[c22].4s, v6.4s, v0.s[2]\n\t"
            "fmla %[c30].4s, v4.4s, v0.s[3]\n\t" "fmla %[c31].4s, v5.4s, v0.s[3]\n\t" "fmla %[c32].4s, v6.4s, v0.s[3]\n\t"
            "fmla %[c40].4s, v4.4s, v1.s[0]\n\t" "fmla %[c41].4s, v5.4s, v1.s[0]\n\t" "fmla %[c42].4s, v6.4s, v1.s[0]\n\t"
            "fmla %[c50].4s, v4.4s, v1.s[1]\n\t" "fmla %[c51].4s, v5.4s, v1.s[1]\n\t" "fmla %[c52].4s, v6.4s, v1.s[1]\n\t"
            "fmla %[c60].4s, v4.4s, v1.s[2]\n\t" "fmla %[c61].4s, v5.4s, v1.s[2]\n\t" "fmla %[c62].4s, v6.4s, v1.s[2]\n\t"
            "fmla %[c70].4s, v4.4s, v1.s[3]\n\t" "fmla %[c71].4s, v5.4s, v1.s[3]\n\t" "fmla %[c72].4s, v6.4s, v1.s[3]\n\t"
            "ld1 {v4.4s, v5.4s, v6.4s}, [%[b]], %[ldb]\n\t"
            "fmla %[c00].4s, v4.4s, v2.s[0]\n\t" "fmla %[c01].4s, v5.4s, v2.s[0]\n\t" "fmla %[c02].4s, v6.4s, v2.s[0]\n\t"
            "fmla %[c10].4s, v4.4s, v2.s[1]\n\t" "fmla %[c11].4s, v5.4s, v2.s[1]\n\t" "fmla %[c12].4s, v6.4s, v2.s[1]\n\t"
            "fmla %[c20].4s, v4.4s, v2.s[2]\n\t" "fmla %[c21].4s, v5.4s, v2.s[2]\n\t" "fmla %[c22].4s, v6.4s, v2.s[2]\n\t"
            "fmla %[c30].4s, v4.4s, v2.s[3]\n\t" "fmla %[c31].4s, v5.4s, v2.s[3]\n\t" "fmla %[c32].4s, v6.4s, v2.s[3]\n\t"
            "fmla %[c40].4s, v4.4s, v3.s[0]\n\t" "fmla %[c41].4s, v5.4s, v3.s[0]\n\t" "fmla %[c42].4s, v6.4s, v3.s[0]\n\t"
            "fmla %[c50].4s, v4.4s, v3.s[1]\n\t" "fmla %[c51].4s, v5.4s, v3.s[1]\n\t" "fmla %[c52].4s, v6.4s, v3.s[1]\n\t"
            "fmla %[c60].4s, v4.4s, v3.s[2]\n\t" "fmla %[c61].4s, v5.4s, v3.s[2]\n\t" "fmla %[c62].4s, v6.4s, v3.s[2]\n\t"
            "fmla %[c70].4s, v4.4s, v3.s[3]\n\t" "fmla %[c71].4s, v5.4s, v3.s[3]\n\t" "fmla %[c72].4s, v6.4s, v3.s[3]\n\t"
            "subs %[trips], %[trips], #1\n\t"
            "b.ne 1b\n\t"
            : [c00] "=&w"(c00), [c01] "=&w"(c01), [c02] "=&w"(c02), [c10] "=&w"(c10), [c11] "=&w"(c11), [c12] "=&w"(c12), [c20] "=&w"(c20), [c21] "=&w"(c21), [c22] "=&w"(c22), [c30] "=&w"(c30), [c31] "=&w"(c31), [c32] "=&w"(c32), [c40] "=&w"(c40), [c41] "=&w"(c41), [c42] "=&w"(c42), [c50] "=&w"(c50), [c51] "=&w"(c51), [c52] "=&w"(c52), [c60] "=&w"(c60), [c61] "=&w"(c61), [c62] "=&w"(c62), [c70] "=&w"(c70), [c71] "=&w"(c71), [c72] "=&w"(c72),
              [pa] "+r"(pa), [b] "+r"(b), [trips] "+r"(trips)
            : [ldb] "r"(ldbBytes), [bias] "r"(bias)
            : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "memory", "cc");
        k = K / 2 * 2;
    } else
#endif
    {
        WC_ROWS(WC_INIT)
    }
#pragma clang loop unroll(disable)
    for (; k < K; k++) WC_STEP
#undef WC_STEP
#define WC_EACH(r, F) if (r < MR) { c##r##0 = F(c##r##0); if (NC >= 8) c##r##1 = F(c##r##1); if (NC >= 12) c##r##2 = F(c##r##2); }
    const float32x4_t z = vdupq_n_f32(0.f), lo = vdupq_n_f32(a0), hi = vdupq_n_f32(a1);
    if (act == 1) {
#define WC_RELU(v) vmaxq_f32(v, z)
#define WC_R(r) WC_EACH(r, WC_RELU)
        WC_ROWS(WC_R)
#undef WC_R
    } else if (act == 2 && a0 >= 0.f && a0 <= 1.f) {
        // Leaky ReLU with a slope in [0, 1] is max(v, a0 v): 2 instructions, not 3.
#define WC_LEAKY01(v) vmaxq_f32(v, vmulq_f32(v, lo))
#define WC_R(r) WC_EACH(r, WC_LEAKY01)
        WC_ROWS(WC_R)
#undef WC_R
    } else if (act == 2) {
#define WC_LEAKY(v) vbslq_f32(vcgtq_f32(v, z), v, vmulq_f32(v, lo))
#define WC_R(r) WC_EACH(r, WC_LEAKY)
        WC_ROWS(WC_R)
#undef WC_R
    } else if (act == 3) {
#define WC_CLIP(v) vminq_f32(vmaxq_f32(v, lo), hi)
#define WC_R(r) WC_EACH(r, WC_CLIP)
        WC_ROWS(WC_R)
#undef WC_R
    }
#define WC_STORE(r)                                                                 \
    if (r < MR && r < rows) {                                                       \
        float *o = c + r * ldc;                                                     \
        vst1q_f32(o, c##r##0);                                                      \
        if (NC >= 8) vst1q_f32(o + 4, c##r##1);                                     \
        if (NC >= 12) vst1q_f32(o + 8, c##r##2);                                    \
    }
    WC_ROWS(WC_STORE)
#undef WC_ROWS
#undef WC_DECL
#undef WC_INIT
#undef WC_FMA
#undef WC_EACH
#undef WC_RELU
#undef WC_LEAKY
#undef WC_LEAKY01
#undef WC_CLIP
#undef WC_STORE
}

// One column block of NC columns over every panel.
WC_INLINE void wc_sg_cols_neon(const float *packedA, long M, long K, const float *b, long ldb,
                               const float *bias, int act, float a0, float a1, float *c, long ldc,
                               const int NC) {
    static const float zeros[8];
    for (long p = 0; p < (M + 7) / 8; p++) {
        const int mr = wc_sg_panel_rows(M, p);
        const int rows = M - p * 8 < mr ? (int)(M - p * 8) : mr;
        const float *bp = bias ? bias + p * 8 : zeros;
        float bb[8];
        if (bias && rows < mr) {
            for (int r = 0; r < 8; r++) bb[r] = r < rows ? bias[p * 8 + r] : 0.f;
            bp = bb;
        }
        const float *pa = packedA + p * 8 * K;
        float *cp = c + p * 8 * ldc;
        if (mr == 8) wc_sg_tile_neon(pa, K, b, ldb, bp, rows, act, a0, a1, cp, ldc, 8, NC);
        else wc_sg_tile_neon(pa, K, b, ldb, bp, rows, act, a0, a1, cp, ldc, 4, NC);
    }
}
#endif

const char *wc_sgemm_packed_kernel_name(void) {
#if defined(__aarch64__)
    return "neon-fma-8x12";
#else
    return "c-8x8";
#endif
}

WC_CLONES
void wc_sgemm_packed_compute(const float *packedA, long M, long K, const float *b, long ldb,
                             long n0, long n1, const float *bias, int act, float a0, float a1,
                             float *c, long ldc) {
    long n = n0;
#if defined(__aarch64__)
    // Column blocks of 12, then one of 8 and one of 4; fewer than 4 left: the portable tile.
    for (; n + 12 <= n1; n += 12) wc_sg_cols_neon(packedA, M, K, b + n, ldb, bias, act, a0, a1, c + n, ldc, 12);
    if (n + 8 <= n1) { wc_sg_cols_neon(packedA, M, K, b + n, ldb, bias, act, a0, a1, c + n, ldc, 8); n += 8; }
    if (n + 4 <= n1) { wc_sg_cols_neon(packedA, M, K, b + n, ldb, bias, act, a0, a1, c + n, ldc, 4); n += 4; }
#endif
    float t[64];
    for (; n < n1; n += 8) {
        long cols = n1 - n < 8 ? n1 - n : 8;
        for (long p = 0; p < (M + 7) / 8; p++) {
            const int mr = wc_sg_panel_rows(M, p);
            wc_sg_tile_c(packedA + p * 8 * K, mr, K, b + n, ldb, cols, t);
            int rows = M - p * 8 < mr ? (int)(M - p * 8) : mr;
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
    long n0 = b0 * 12, n1 = b1 * 12 < j->N ? b1 * 12 : j->N;
    if (n0 < n1)
        wc_sgemm_packed_compute(j->pa, j->M, j->K, j->b, j->ldb, n0, n1, j->bias, j->act, j->a0,
                                j->a1, j->c, j->ldc);
}

void wc_mt_sgemm_packed(wc_pool *pool, const float *packedA, long M, long N, long K,
                        const float *b, long ldb, const float *bias, int act, float a0, float a1,
                        float *c, long ldc) {
    long blocks = (N + 11) / 12;
    long tasks = 2.0 * M * N * K < 2e6 ? 1 : wc_pool_tasks(pool, blocks, 2);
    wc_sgp_job j = {packedA, M, N, K, b, ldb, bias, act, a0, a1, c, ldc, tasks, blocks};
    wc_pool_run(pool, tasks, wc_sgp_task, &j);
}
