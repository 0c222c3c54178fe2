// CWayCueKernels: the few kernels Swift cannot reach at full speed (int8 dot products with
// per-function target attributes and run-time CPU dispatch) and a fixed worker pool.
#ifndef CWAYCUE_KERNELS_H
#define CWAYCUE_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: Worker pool (threads created once; callers participate; no per-call allocation)
typedef void (*wc_task_fn)(void *ctx, long index);
typedef struct wc_pool wc_pool;
/// Creates a pool that runs tasks on `threads` threads in all (the caller counts as one).
wc_pool *wc_pool_create(int threads);
void wc_pool_destroy(wc_pool *pool);
int wc_pool_threads(const wc_pool *pool);
/// Runs fn(ctx, i) for every i in [0, count) and returns when all are done. Tasks are taken
/// one at a time by whichever thread is free.
void wc_pool_run(wc_pool *pool, long count, wc_task_fn fn, void *ctx);
/// The pool slot (0 for the caller, 1 to threads - 1 for workers) of the thread running the
/// current task: the index of its per-thread scratch.
int wc_pool_slot(void);
/// Tasks to split `units` of work into: one per thread, each at least `minUnits` (1 without
/// a pool, or when the work is too small to split). Four per thread, taken by whichever thread
/// was free, measured no better under a second load and 3-5% slower without one.
long wc_pool_tasks(const wc_pool *pool, long units, long minUnits);

// MARK: CPU features
// int8 GEMM kernel levels. x86-64 and AArch64 levels are disjoint so that a level can never
// name a kernel of the other architecture. `wc_qgemm_compute` runs a level only when this CPU
// supports it (otherwise the portable kernel), so no instruction the CPU lacks is executed.
#define WC_Q8_PORTABLE 0        ///< portable C (every architecture)
#define WC_Q8_AVX2 1            ///< x86-64 AVX2: vpsignb + vpmaddubsw + vpmaddwd, 4 rows x 16 columns
#define WC_Q8_AVX512VNNI 2      ///< x86-64 AVX-512 VNNI: vpdpbusd, 8 rows x 32 columns
#define WC_Q8_NEON 16           ///< AArch64 ARMv8.0 NEON: smull/smlal into int16, sadalp into int32
#define WC_Q8_NEON_DOTPROD 17   ///< AArch64 dot product (ARMv8.2 FEAT_DotProd): sdot, 4 rows x 16 columns
#define WC_Q8_NEON_I8MM 18      ///< AArch64 int8 matrix multiply (FEAT_I8MM): smmla, 4 rows x 16 columns
/// The best int8 kernel level this CPU supports (one of the WC_Q8_* values). On Linux AArch64
/// from getauxval(AT_HWCAP/AT_HWCAP2); on x86-64 from CPUID; Apple AArch64 reports WC_Q8_NEON.
int wc_cpu_int8_level(void);
/// 1 when this CPU can run the kernel of `level`.
int wc_qgemm_level_supported(int level);
/// A short name of the kernel of `level` ("neon-dotprod", "avx2", ...).
const char *wc_qgemm_level_name(int level);
/// 1 when the CPU has AVX2 + FMA.
int wc_cpu_has_avx2(void);

// MARK: int8 GEMM  C[m][n] = sum_k W[m][k] * X[k][n]
// Packed activations: for each block of 16 columns, k in groups of 4: 16 columns x 4 bytes,
// value + WC_QGEMM_PACKED_OFFSET: unsigned (value + 128) on x86-64 and elsewhere, whose int8
// instructions multiply unsigned by signed; the signed value itself on AArch64, whose kernels
// (sdot, smmla, smull) multiply signed by signed and so need no flip back. Packed size:
// wc_qgemm_packed_size(K, N) bytes.
#if defined(__aarch64__)
#define WC_QGEMM_PACKED_OFFSET 0
#else
#define WC_QGEMM_PACKED_OFFSET 128
#endif
size_t wc_qgemm_packed_size(long K, long N);
/// Quantizes fp32 X (K rows, N columns, row stride ldx floats) by 1/scale, adds
/// WC_QGEMM_PACKED_OFFSET, packs.
void wc_qgemm_pack_x(const float *x, long K, long N, long ldx, float invScale, uint8_t *packed);
/// Weights: int8 rows of Kp = round_up(K, 4) bytes (zero padded), each in [-127, 127];
/// comp[m] = 128 * sum of row m (the unsigned-input correction, used where the offset is 128).
/// The AVX2 kernel flips the packed activations back to signed (value - 128) and relies on both
/// facts: products then fit int16 pairwise (127 * 127 * 2 < 32768) and acc - comp is the signed
/// sum; the AArch64 kernels read signed activations and ignore comp.
/// `level` is a WC_Q8_* value; one this CPU lacks runs the portable kernel instead.
/// Epilogue: y = (signed sum) * scale[m] + bias[m], then act
/// (0 none, 1 relu, 2 leaky(alpha), 3 clip(lo, hi)); y written to out[m*ldo + n].
/// Rows [m0, m1), column blocks [nb0, nb1) (a block is 16 columns).
void wc_qgemm_compute(int level, const int8_t *w, long Kp, const uint8_t *packed, long N,
                      long m0, long m1, long nb0, long nb1, const int32_t *comp,
                      const float *scale, const float *bias, int act, float a0, float a1,
                      float *out, long ldo);

#ifdef __cplusplus
}
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif
// MARK: fp32 kernels (one body, compiled per ISA with target_clones on x86 ELF; plain C elsewhere)
// Activation codes: 0 none, 1 relu, 2 leaky(a0), 3 clip(a0, a1), 4 sigmoid, 5 silu, 6 hardswish.

/// In place: x = act(x + bias[c]) for channels [0, channels), each `plane` floats, `cstride` apart.
void wc_f32_bias_act(float *x, long channels, long plane, long cstride, const float *bias, int act,
                     float a0, float a1);

/// Depthwise k x k convolution (k = 3 or 5, stride 1 or 2, dilation 1) of channels [c0, c1).
/// `scratch` holds (H + pt + pb) * (W + pl + pr + 64) floats (the zero-padded plane).
void wc_f32_dwconv(const float *in, long H, long W, float *out, long Ho, long Wo,
                   const float *weights, const float *bias, int k, int stride, int pt, int pl,
                   int pb, int pr, int act, float a0, float a1, float *scratch, long c0, long c1);

/// Required scratch floats of wc_f32_dwconv.
long wc_f32_dwconv_scratch(long H, long W, int pt, int pl, int pb, int pr);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/// Direct dense convolution for few input channels (the stem): square kernel k <= 7, stride 1 or
/// 2, dilation 1, output channels [o0, o1). Scratch: wc_f32_direct_scratch floats. On AArch64
/// (C k k <= 64) each output row's taps are gathered from the prepared planes and multiplied
/// on the packed fp32 GEMM; elsewhere an 8-channel x 16-column register-blocked loop.
void wc_f32_conv_direct(const float *in, long C, long H, long W, float *out, long Ho, long Wo,
                        const float *weights, const float *bias, int k, int stride, int pt, int pl,
                        int pb, int pr, int act, float a0, float a1, float *scratch, long o0,
                        long o1);
long wc_f32_direct_scratch(long C, long H, long W, int k, int stride, int pt, int pl, int pb,
                           int pr, long Wo);
/// Max pooling k x k, stride 1 or 2, of channels [c0, c1) (padding reads as -inf); 3x3 stride 2
/// has a NEON kernel on AArch64.
void wc_f32_maxpool(const float *in, long H, long W, float *out, long Ho, long Wo, int k,
                    int stride, int pt, int pl, int pb, int pr, float *scratch, long c0, long c1);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
// MARK: Multi-threaded entry points (split across the pool; per-thread scratch of
// `scratchPerThread` floats each). No allocation.
void wc_mt_dwconv(wc_pool *pool, const float *in, long C, long H, long W, float *out, long Ho,
                  long Wo, const float *weights, const float *bias, int k, int stride, int pt,
                  int pl, int pb, int pr, int act, float a0, float a1, float *scratch,
                  long scratchPerThread);
/// Floats of one prepared plane (padded; for stride 2 split into even and odd columns) and of
/// the padded plane a stride-2 preparation goes through (`tmp` of the prepare step).
void wc_f32_direct_layout(long H, long W, int stride, int pt, int pl, int pb, int pr,
                          long *planeFloats, long *padFloats);
/// The two halves of `wc_f32_conv_direct`: pad (and for stride 2 split) input channels
/// [c0, c1) into `planes` (`tmp`: one padded plane of scratch), then compute output channels
/// [o0, o1) for output rows [y0, y1) from the prepared planes.
void wc_f32_conv_direct_prepare(const float *in, long H, long W, int stride, int pt,
                                int pl, int pb, int pr, float *planes, float *tmp, long c0,
                                long c1);
void wc_f32_conv_direct_rows(const float *planes, long C, long H, long W, float *out, long Ho,
                             long Wo, const float *weights, const float *bias, int k, int stride,
                             int pt, int pl, int pb, int pr, int act, float a0, float a1, long o0,
                             long o1, long y0, long y1);
/// Pads the input once (shared, channels split across the pool), then splits output rows;
/// needs `threads x scratchPerThread` floats as `wc_f32_direct_scratch` sizes them.
void wc_mt_conv_direct(wc_pool *pool, const float *in, long C, long H, long W, float *out,
                       long Co, long Ho, long Wo, const float *weights, const float *bias, int k,
                       int stride, int pt, int pl, int pb, int pr, int act, float a0, float a1,
                       float *scratch, long scratchPerThread);
void wc_mt_maxpool(wc_pool *pool, const float *in, long C, long H, long W, float *out, long Ho,
                   long Wo, int k, int stride, int pt, int pl, int pb, int pr, float *scratch,
                   long scratchPerThread);
void wc_mt_bias_act(wc_pool *pool, float *x, long channels, long plane, const float *bias,
                    int act, float a0, float a1);
void wc_mt_qgemm(wc_pool *pool, int level, const int8_t *w, long Kp, const uint8_t *packed,
                 long N, long M, const int32_t *comp, const float *scale, const float *bias,
                 int act, float a0, float a1, float *out, long ldo);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/// A row-major sgemm entry point supplied by the caller (BLAS stays out of this target):
/// C[M x N] = op(A) * B with op(A) = A (transA 0, lda >= K) or A^T (transA 1, A is K x M).
typedef void (*wc_sgemm_fn)(int transA, long M, long N, long K, const float *A, long lda,
                            const float *B, long ldb, float *C, long ldc);
/// Splits the columns of C across the pool (blocks of 16) and calls `gemm` on each slice.
void wc_mt_sgemm(wc_pool *pool, wc_sgemm_fn gemm, int transA, long M, long N, long K,
                 const float *A, long lda, const float *B, long ldb, float *C, long ldc);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
// MARK: fp32 GEMM with packed weights (the engine's own 1x1 / im2col convolution kernel)
// C[m][n] = act(sum_k A[m][k] * B[k][n] + bias[m]), A packed once into panels of 8 rows:
// panel p starts at 8pK and holds k-major columns A[8p .. 8p+mr-1][k], mr = 8, except a last
// panel of M % 8 <= 4 rows, which has mr = 4 (rows past M are zero).
// Micro-kernel 8 rows x 12 columns on AArch64 (NEON fma by lane, 24 accumulators; 8 x 8 and
// 8 x 4 at the column edge, 4-row tiles for a 4-row panel); elsewhere an 8 x 8 plain C body
// that the compiler vectorises (cloned for AVX-512 / AVX2 on x86-64 ELF).
/// Floats needed by wc_sgemm_pack_a.
size_t wc_sgemm_packed_a_size(long M, long K);
/// Packs row-major A (M x K, row stride lda) into panels.
void wc_sgemm_pack_a(const float *a, long M, long K, long lda, float *packed);
/// Rows [0, M), columns [n0, n1) of C; B is K x N row-major (stride ldb); bias may be NULL;
/// act: 0 none, 1 relu, 2 leaky(a0), 3 clip(a0, a1).
void wc_sgemm_packed_compute(const float *packedA, long M, long K, const float *b, long ldb,
                             long n0, long n1, const float *bias, int act, float a0, float a1,
                             float *c, long ldc);
/// Splits the columns of C across the pool (blocks of 12 columns); no allocation.
void wc_mt_sgemm_packed(wc_pool *pool, const float *packedA, long M, long N, long K,
                        const float *b, long ldb, const float *bias, int act, float a0, float a1,
                        float *c, long ldc);
/// Name of the fp32 micro-kernel compiled for this architecture ("neon-fma-8x12" or "c-8x8").
const char *wc_sgemm_packed_kernel_name(void);
/// Name of the depthwise 3x3 path compiled for this architecture ("neon-3x3" or "c-vectorised").
const char *wc_f32_dwconv_kernel_name(void);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
// MARK: Data movement and elementwise ops on the pool (no allocation; small ops stay serial)
/// y (C channels of `plane` floats) = the channel concatenation of `nsrc` inputs (input p has
/// counts[p] channels), shuffled with `groups` (out[o] = cat[(o % g) * (C / g) + o / g]; 1 = none).
void wc_mt_concat_shuffle(wc_pool *pool, const float *const *srcs, const long *counts, long nsrc,
                          float *y, long C, long plane, long groups);
/// y = a (op) b over n floats; op: 0 add, 1 sub, 2 mul, 3 max.
void wc_mt_binary(wc_pool *pool, const float *a, const float *b, float *y, long n, int op);
/// Table-driven resize (nearest or bilinear, tables from `Ops.ResizeTable`) of `planes`
/// `ih x iw` planes to `oh x ow`, split across the pool by planes; small ones run on the caller.
void wc_mt_resize(wc_pool *pool, const float *x, long planes, long ih, long iw, float *y, long oh,
                  long ow, const int32_t *x0, const int32_t *x1, const float *fx,
                  const int32_t *y0, const int32_t *y1, const float *fy);
/// Transposes the last two axes of `planes` row-major `h x w` planes (16x16 tiles), split
/// across the pool by bands of 16 input rows; small ones run on the caller.
void wc_mt_transpose(wc_pool *pool, const float *x, float *y, long planes, long h, long w);
/// y = act(x) over n floats (activation codes as wc_f32_bias_act; x may equal y).
void wc_mt_activation(wc_pool *pool, const float *x, float *y, long n, int act, float a0, float a1);
#ifdef __cplusplus
}
#endif
