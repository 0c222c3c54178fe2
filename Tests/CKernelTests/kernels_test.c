// Reference tests of the CWayCueKernels fast paths, in plain C so that they cross-compile and
// run under qemu-user on emulated ARM cores (scripts/arm-kernels-test) as well as natively.
// Each fast kernel is held against a plain reference on random and edge shapes (odd sizes,
// column and row tails, odd k-groups, extreme int8 values). Prints one line per check and a
// closing "N passed, N failed" line; exits 1 on any failure.
#include "CWayCueKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}
static float frand(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() % 1000001) / 1e6f; }

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void check(int ok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (!ok) {
        printf("FAIL ");
        vprintf(fmt, ap);
        printf("\n");
        failed++;
    } else passed++;
    va_end(ap);
}

// MARK: int8 GEMM
// Naive reference from the same quantized values (independent of the packed layout).
static void q8_naive(const int8_t *w, long Kp, long K, const float *x, long N, float invScale,
                     long M, const float *scale, const float *bias, int act, float a0, float a1,
                     float *out) {
    for (long m = 0; m < M; m++)
        for (long n = 0; n < N; n++) {
            int32_t acc = 0;
            for (long k = 0; k < K; k++) {
                float v = x[k * N + n] * invScale;
                v = v > 127.f ? 127.f : (v < -127.f ? -127.f : v);
                int q = (int)(v + (v >= 0.f ? 0.5f : -0.5f));
                acc += q * w[m * Kp + k];
            }
            float y = fmaf((float)acc, scale[m], bias[m]);
            if (act == 1) y = y > 0 ? y : 0;
            else if (act == 2) y = y > 0 ? y : y * a0;
            else if (act == 3) y = y < a0 ? a0 : (y > a1 ? a1 : y);
            out[m * N + n] = y;
        }
}

// The packed activations byte for byte against wc_q8's formula, with ties, values one ulp off
// a tie, -0, the clamp bounds and beyond, over full 16-column blocks and ragged edges.
static void test_pack_x(void) {
    const float special[] = {0.f, -0.f, 0.5f, -0.5f, 0.49999997f, -0.49999997f, 1.5f, -1.5f, 2.5f, 126.5f,
                             -126.5f, 127.f, -127.f, 127.49f, -127.5f, -128.f, 128.f, 1e10f, -1e10f, 3.4999998f};
    const long shapes[][2] = {{4, 16}, {8, 48}, {7, 33}, {13, 5}, {24, 100}};
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        long K = shapes[si][0], N = shapes[si][1], Kp = (K + 3) / 4 * 4, Np = (N + 15) / 16 * 16;
        float *x = malloc(sizeof(float) * (size_t)(K * N));
        for (long i = 0; i < K * N; i++) x[i] = i % 3 == 0 ? special[(i / 3) % 20] : frand(-140, 140);
        uint8_t *p = malloc(wc_qgemm_packed_size(K, N));
        wc_qgemm_pack_x(x, K, N, N, 1.f, p);
        long bad = 0;
        for (long nb = 0; nb < Np / 16; nb++)
            for (long k = 0; k < Kp; k++)
                for (long j = 0; j < 16; j++) {
                    long n = nb * 16 + j;
                    int want = WC_QGEMM_PACKED_OFFSET;
                    if (k < K && n < N) {
                        float v = x[k * N + n];
                        v = v > 127.f ? 127.f : (v < -127.f ? -127.f : v);
                        want = (int)(v + (v >= 0.f ? 0.5f : -0.5f)) + WC_QGEMM_PACKED_OFFSET;
                    }
                    bad += p[(nb * Kp + k / 4 * 4) * 16 + j * 4 + k % 4] != (uint8_t)want;
                }
        check(bad == 0, "qgemm pack_x K=%ld N=%ld: %ld bytes differ from the formula", K, N, bad);
        free(x); free(p);
    }
}

static const int levels[] = {WC_Q8_PORTABLE, WC_Q8_AVX2, WC_Q8_AVX512VNNI, WC_Q8_NEON,
                             WC_Q8_NEON_DOTPROD, WC_Q8_NEON_I8MM};

static void test_qgemm_shape(long M, long K, long N, int act, int extremes) {
    long Kp = (K + 3) / 4 * 4, ldo = N + 3;
    int8_t *w = calloc((size_t)(M * Kp), 1);
    float *x = malloc(sizeof(float) * (size_t)(K * N));
    int32_t *comp = malloc(sizeof(int32_t) * (size_t)M);
    float *scale = malloc(sizeof(float) * (size_t)M), *bias = malloc(sizeof(float) * (size_t)M);
    for (long m = 0; m < M; m++) {
        int32_t sum = 0;
        for (long k = 0; k < K; k++) {
            int v = extremes ? ((rnd() & 1) ? 127 : -127) : (int)(rnd() % 255) - 127;
            w[m * Kp + k] = (int8_t)v;
            sum += v;
        }
        comp[m] = 128 * sum;
        scale[m] = frand(1e-4f, 1e-2f);
        bias[m] = frand(-1.f, 1.f);
    }
    for (long i = 0; i < K * N; i++) x[i] = extremes ? ((rnd() & 1) ? 9.f : -9.f) : frand(-2.f, 2.f);
    float invScale = 127.f / 2.f;
    uint8_t *packed = malloc(wc_qgemm_packed_size(K, N));
    wc_qgemm_pack_x(x, K, N, N, invScale, packed);
    long blocks = (N + 15) / 16;
    float *ref = malloc(sizeof(float) * (size_t)(M * N));
    // Leaky slope: inside [0, 1] (the kernels' max form) for odd M + K + N, outside otherwise.
    const float slope = (M + K + N) % 2 ? 0.1f : -0.1f;
    q8_naive(w, Kp, K, x, N, invScale, M, scale, bias, act, slope, 0.5f, ref);
    float *out = malloc(sizeof(float) * (size_t)(M * ldo));
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
        int level = levels[li];
        if (!wc_qgemm_level_supported(level)) continue;
        for (long i = 0; i < M * ldo; i++) out[i] = 12345.f;
        wc_qgemm_compute(level, w, Kp, packed, N, 0, M, 0, blocks, comp, scale, bias, act, slope,
                         0.5f, out, ldo);
        long bad = 0, guard = 0;
        for (long m = 0; m < M; m++) {
            for (long n = 0; n < N; n++)
                if (out[m * ldo + n] != ref[m * N + n]) bad++;
            for (long n = N; n < ldo; n++)
                if (out[m * ldo + n] != 12345.f) guard++;
        }
        check(bad == 0 && guard == 0, "qgemm %s M=%ld K=%ld N=%ld act=%d extremes=%d: %ld mismatches, %ld writes past N",
              wc_qgemm_level_name(level), M, K, N, act, extremes, bad, guard);
    }
    // A sub-range of rows and column blocks (how the pool splits work) writes only that range.
    if (M > 2 && blocks > 1) {
        int level = wc_cpu_int8_level();
        for (long i = 0; i < M * ldo; i++) out[i] = 12345.f;
        wc_qgemm_compute(level, w, Kp, packed, N, 1, M - 1, 1, blocks, comp, scale, bias, act,
                         slope, 0.5f, out, ldo);
        long bad = 0;
        for (long m = 0; m < M; m++)
            for (long n = 0; n < ldo; n++) {
                int inside = m >= 1 && m < M - 1 && n >= 16 && n < N;
                float want = inside ? ref[m * N + n] : 12345.f;
                if (out[m * ldo + n] != want) bad++;
            }
        check(bad == 0, "qgemm %s sub-range M=%ld K=%ld N=%ld: %ld wrong cells", wc_qgemm_level_name(level), M, K, N, bad);
    }
    free(w); free(x); free(comp); free(scale); free(bias); free(packed); free(ref); free(out);
}

static void test_qgemm(void) {
    const long Ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 24};
    const long Ks[] = {1, 3, 4, 5, 8, 12, 16, 17, 20, 27, 36, 64, 100, 116};
    const long Ns[] = {1, 15, 16, 17, 31, 33, 100};
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++)
            for (size_t c = 0; c < sizeof Ns / sizeof *Ns; c++)
                test_qgemm_shape(Ms[a], Ks[b], Ns[c], (int)((a + b + c) % 4), 0);
    for (int i = 0; i < 6; i++) test_qgemm_shape(1 + rnd() % 20, 1 + rnd() % 300, 1 + rnd() % 200, 0, 1);
    for (int i = 0; i < 12; i++) test_qgemm_shape(1 + rnd() % 40, 1 + rnd() % 500, 1 + rnd() % 300, rnd() % 4, 0);
    // A NanoDet-sized 1x1 layer.
    test_qgemm_shape(116, 116, 40 * 40, 1, 0);
}

// A level this CPU lacks must run the portable kernel, never its own instructions.
static void test_qgemm_unsupported_levels(void) {
    long M = 5, K = 20, N = 20, Kp = 20;
    int8_t w[100];
    int32_t comp[5];
    float scale[5], bias[5], x[400], ref[100], out[100];
    for (int m = 0; m < 5; m++) {
        int s = 0;
        for (int k = 0; k < 20; k++) { w[m * 20 + k] = (int8_t)((int)(rnd() % 255) - 127); s += w[m * 20 + k]; }
        comp[m] = 128 * s; scale[m] = 0.01f; bias[m] = 0.f;
    }
    for (int i = 0; i < 400; i++) x[i] = frand(-1, 1);
    uint8_t packed[20 * 32];
    wc_qgemm_pack_x(x, K, N, N, 127.f, packed);
    wc_qgemm_compute(WC_Q8_PORTABLE, w, Kp, packed, N, 0, M, 0, 2, comp, scale, bias, 0, 0, 0, ref, N);
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
        if (wc_qgemm_level_supported(levels[li])) continue;
        wc_qgemm_compute(levels[li], w, Kp, packed, N, 0, M, 0, 2, comp, scale, bias, 0, 0, 0, out, N);
        check(memcmp(out, ref, sizeof ref) == 0, "unsupported level %s falls back", wc_qgemm_level_name(levels[li]));
        printf("  %s not supported here: fell back to portable-c without executing it\n", wc_qgemm_level_name(levels[li]));
    }
}

// MARK: fp32 packed GEMM
static float sg_slope = 0.1f;  // the leaky ReLU slope (act 2): 0.1, and one outside [0, 1]
static void test_sgemm_shape(long M, long K, long N, int act, wc_pool *pool) {
    long lda = K + 2, ldb = N + 1, ldc = N + 5;
    float *a = malloc(sizeof(float) * (size_t)(M * lda)), *b = malloc(sizeof(float) * (size_t)(K * ldb));
    float *bias = malloc(sizeof(float) * (size_t)M), *c = malloc(sizeof(float) * (size_t)(M * ldc));
    float *pa = malloc(sizeof(float) * wc_sgemm_packed_a_size(M, K));
    for (long i = 0; i < M * lda; i++) a[i] = frand(-1, 1);
    for (long i = 0; i < K * ldb; i++) b[i] = frand(-1, 1);
    for (long i = 0; i < M; i++) bias[i] = frand(-1, 1);
    for (long i = 0; i < M * ldc; i++) c[i] = 777.f;
    wc_sgemm_pack_a(a, M, K, lda, pa);
    float a0 = act == 2 ? sg_slope : 0.1f;
    if (pool) wc_mt_sgemm_packed(pool, pa, M, N, K, b, ldb, bias, act, a0, 0.6f, c, ldc);
    else wc_sgemm_packed_compute(pa, M, K, b, ldb, 0, N, bias, act, a0, 0.6f, c, ldc);
    long bad = 0, guard = 0;
    double worst = 0;
    for (long m = 0; m < M; m++) {
        for (long n = 0; n < N; n++) {
            double s = bias[m], mag = fabs(bias[m]);
            for (long k = 0; k < K; k++) { s += (double)a[m * lda + k] * b[k * ldb + n]; mag += fabs((double)a[m * lda + k] * b[k * ldb + n]); }
            if (act == 1) s = s > 0 ? s : 0;
            else if (act == 2) s = s > 0 ? s : s * a0;
            else if (act == 3) s = s < 0.1f ? 0.1f : (s > 0.6f ? 0.6f : s);
            double err = fabs(c[m * ldc + n] - s);
            if (err > 1e-5 * mag + 1e-6) bad++;
            if (err > worst) worst = err;
        }
        for (long n = N; n < ldc; n++) if (c[m * ldc + n] != 777.f) guard++;
    }
    check(bad == 0 && guard == 0, "sgemm %s%s M=%ld K=%ld N=%ld act=%d: %ld out of tolerance (worst %.2g), %ld writes past N",
          wc_sgemm_packed_kernel_name(), pool ? " (2 threads)" : "", M, K, N, act, bad, worst, guard);
    free(a); free(b); free(bias); free(c); free(pa);
}

static void test_sgemm(wc_pool *pool) {
    const long Ms[] = {1, 3, 4, 5, 7, 8, 9, 12, 16, 29};
    const long Ks[] = {1, 2, 7, 24, 116};
    const long Ns[] = {1, 4, 7, 8, 9, 12, 23, 28, 64};
    for (size_t i = 0; i < sizeof Ms / sizeof *Ms; i++)
        for (size_t j = 0; j < sizeof Ks / sizeof *Ks; j++)
            for (size_t l = 0; l < sizeof Ns / sizeof *Ns; l++)
                test_sgemm_shape(Ms[i], Ks[j], Ns[l], (int)((i + j + l) % 4), NULL);
    // The NanoDet-m shapes (N = 1600, 400, 100: 12-column blocks and a 4-column edge; M = 58,
    // 116: a last panel of 2 and 4 rows), odd edges (N % 12 = 1..11), and threads.
    const long nano[][3] = {{58, 24, 1600}, {116, 116, 400}, {232, 232, 100}, {96, 464, 100},
                            {112, 96, 400}, {12, 27, 25}, {5, 9, 13}, {61, 33, 47}, {4, 16, 22}};
    for (size_t i = 0; i < sizeof nano / sizeof *nano; i++)
        test_sgemm_shape(nano[i][0], nano[i][1], nano[i][2], (int)(i % 4), NULL);
    for (long n = 12; n <= 24; n++) test_sgemm_shape(13, 5, n, (int)(n % 4), NULL);
    test_sgemm_shape(116, 116, 1600, 1, pool);
    test_sgemm_shape(58, 232, 401, 2, pool);
    test_sgemm_shape(20, 10, 100, 3, pool);
    for (int i = 0; i < 3; i++) {
        sg_slope = i == 0 ? -0.3f : i == 1 ? 1.7f : 1.0f;
        test_sgemm_shape(21, 13, 29, 2, NULL);
    }
    sg_slope = 0.1f;
}

// MARK: depthwise
static float dw_slope = 0.1f;  // leaky ReLU slope (act 2)
static void test_dw_shape(long H, long W, int k, int stride, int pad, int act) {
    long C = 3;
    long Ho = (H + 2 * pad - k) / stride + 1, Wo = (W + 2 * pad - k) / stride + 1;
    float *in = malloc(sizeof(float) * (size_t)(C * H * W)), *w = malloc(sizeof(float) * (size_t)(C * k * k));
    float *bias = malloc(sizeof(float) * (size_t)C), *out = malloc(sizeof(float) * (size_t)(C * Ho * Wo + 8));
    float *scratch = malloc(sizeof(float) * (size_t)wc_f32_dwconv_scratch(H, W, pad, pad, pad, pad));
    for (long i = 0; i < C * H * W; i++) in[i] = frand(-1, 1);
    for (long i = 0; i < C * k * k; i++) w[i] = frand(-1, 1);
    for (long i = 0; i < C; i++) bias[i] = frand(-1, 1);
    for (long i = 0; i < C * Ho * Wo + 8; i++) out[i] = 555.f;
    wc_f32_dwconv(in, H, W, out, Ho, Wo, w, bias, k, stride, pad, pad, pad, pad, act, act == 2 ? dw_slope : 0.1f, 0.7f,
                  scratch, 0, C);
    long bad = 0;
    for (long c = 0; c < C; c++)
        for (long oy = 0; oy < Ho; oy++)
            for (long ox = 0; ox < Wo; ox++) {
                double s = bias[c];
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        long iy = oy * stride + ky - pad, ix = ox * stride + kx - pad;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += (double)w[c * k * k + ky * k + kx] * in[c * H * W + iy * W + ix];
                    }
                if (act == 1) s = s > 0 ? s : 0;
                else if (act == 2) s = s > 0 ? s : s * dw_slope;
                else if (act == 3) s = s < 0.1f ? 0.1f : (s > 0.7f ? 0.7f : s);
                else if (act == 4) s = 1 / (1 + exp(-s));
                if (fabs(out[c * Ho * Wo + oy * Wo + ox] - s) > 1e-5) bad++;
            }
    for (long i = C * Ho * Wo; i < C * Ho * Wo + 8; i++) if (out[i] != 555.f) bad++;
    check(bad == 0, "dwconv %s k=%d s=%d pad=%d %ldx%ld act=%d: %ld wrong", wc_f32_dwconv_kernel_name(), k, stride, pad, H, W, act, bad);
    free(in); free(w); free(bias); free(out); free(scratch);
}

static void test_dw(void) {
    const long sizes[][2] = {{1, 1}, {3, 3}, {4, 5}, {7, 9}, {10, 10}, {13, 17}, {20, 40}, {33, 31}, {40, 40}, {80, 80}, {2, 25}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int stride = 1; stride <= 2; stride++)
            for (int k = 3; k <= 5; k += 2) {
                int pad = k / 2;
                if (sizes[i][0] + 2 * pad < k || sizes[i][1] + 2 * pad < k) continue;
                test_dw_shape(sizes[i][0], sizes[i][1], k, stride, pad, (int)(i % 4));
                if (k == 3) test_dw_shape(sizes[i][0] + 2, sizes[i][1] + 2, 3, stride, 0, 0);
            }
    // Activations applied after the kernel: sigmoid, and leaky slopes outside [0, 1].
    for (int stride = 1; stride <= 2; stride++) {
        test_dw_shape(11, 13, 3, stride, 1, 4);
        dw_slope = -0.4f; test_dw_shape(11, 13, 3, stride, 1, 2);
        dw_slope = 1.6f; test_dw_shape(12, 9, 3, stride, 1, 2);
        dw_slope = 0.1f;
    }
}

// MARK: direct (stem) convolution and max pooling, through the pool as the engine calls them
static void test_direct_shape(long C, long H, long W, long Co, int k, int stride, int pad, int act, wc_pool *pool) {
    long Ho = (H + 2 * pad - k) / stride + 1, Wo = (W + 2 * pad - k) / stride + 1;
    float *in = malloc(sizeof(float) * (size_t)(C * H * W)), *w = malloc(sizeof(float) * (size_t)(Co * C * k * k));
    float *bias = malloc(sizeof(float) * (size_t)Co), *out = malloc(sizeof(float) * (size_t)(Co * Ho * Wo + 8));
    long per = wc_f32_direct_scratch(C, H, W, k, stride, pad, pad, pad, pad, Wo);
    float *scratch = malloc(sizeof(float) * (size_t)(per * wc_pool_threads(pool)));
    for (long i = 0; i < C * H * W; i++) in[i] = frand(-1, 1);
    for (long i = 0; i < Co * C * k * k; i++) w[i] = frand(-1, 1);
    for (long i = 0; i < Co; i++) bias[i] = frand(-1, 1);
    for (long i = 0; i < Co * Ho * Wo + 8; i++) out[i] = 555.f;
    wc_mt_conv_direct(pool, in, C, H, W, out, Co, Ho, Wo, w, bias, k, stride, pad, pad, pad, pad, act, 0.1f, 0.7f,
                      scratch, per);
    long bad = 0;
    for (long o = 0; o < Co; o++)
        for (long oy = 0; oy < Ho; oy++)
            for (long ox = 0; ox < Wo; ox++) {
                double s = bias[o], mag = fabs(bias[o]);
                for (long c = 0; c < C; c++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            long iy = oy * stride + ky - pad, ix = ox * stride + kx - pad;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            double p = (double)w[((o * C + c) * k + ky) * k + kx] * in[(c * H + iy) * W + ix];
                            s += p; mag += fabs(p);
                        }
                if (act == 1) s = s > 0 ? s : 0;
                else if (act == 2) s = s > 0 ? s : s * 0.1f;
                else if (act == 3) s = s < 0.1f ? 0.1f : (s > 0.7f ? 0.7f : s);
                else if (act == 4) s = 1 / (1 + exp(-s));
                if (fabs(out[(o * Ho + oy) * Wo + ox] - s) > 1e-5 * mag + 1e-5) bad++;
            }
    for (long i = Co * Ho * Wo; i < Co * Ho * Wo + 8; i++) if (out[i] != 555.f) bad++;
    check(bad == 0, "conv direct C=%ld %ldx%ld -> %ld k=%d s=%d pad=%d act=%d (%d threads): %ld wrong", C, H, W, Co, k,
          stride, pad, act, wc_pool_threads(pool), bad);
    free(in); free(w); free(bias); free(out); free(scratch);
}

static void test_maxpool_shape(long C, long H, long W, int k, int stride, int pt, int pb, wc_pool *pool) {
    long Ho = (H + pt + pb - k) / stride + 1, Wo = (W + pt + pb - k) / stride + 1;
    float *in = malloc(sizeof(float) * (size_t)(C * H * W)), *out = malloc(sizeof(float) * (size_t)(C * Ho * Wo + 8));
    long per = wc_f32_direct_scratch(1, H, W, k, stride, pt, pt, pb, pb, Wo);
    float *scratch = malloc(sizeof(float) * (size_t)(per * wc_pool_threads(pool)));
    for (long i = 0; i < C * H * W; i++) in[i] = frand(-1, 1);
    for (long i = 0; i < C * Ho * Wo + 8; i++) out[i] = 555.f;
    wc_mt_maxpool(pool, in, C, H, W, out, Ho, Wo, k, stride, pt, pt, pb, pb, scratch, per);
    long bad = 0;
    for (long c = 0; c < C; c++)
        for (long oy = 0; oy < Ho; oy++)
            for (long ox = 0; ox < Wo; ox++) {
                float m = -INFINITY;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        long iy = oy * stride + ky - pt, ix = ox * stride + kx - pt;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W && in[(c * H + iy) * W + ix] > m) m = in[(c * H + iy) * W + ix];
                    }
                if (out[(c * Ho + oy) * Wo + ox] != m) bad++;
            }
    for (long i = C * Ho * Wo; i < C * Ho * Wo + 8; i++) if (out[i] != 555.f) bad++;
    check(bad == 0, "maxpool C=%ld %ldx%ld k=%d s=%d pad=%d/%d (%d threads): %ld wrong", C, H, W, k, stride, pt, pb,
          wc_pool_threads(pool), bad);
    free(in); free(out); free(scratch);
}

static void test_direct_and_pool(wc_pool *pool) {
    wc_pool *one = wc_pool_create(1);
    // The NanoDet-m stem (3 -> 24, 3x3 s2 pad 1 at 320 -> 160) and its max pool (24x160x160 ->
    // 80x80), then ragged widths, odd channel counts, k 1..7, both strides, every activation.
    test_direct_shape(3, 320, 320, 24, 3, 2, 1, 2, pool);
    test_maxpool_shape(24, 160, 160, 3, 2, 1, 1, pool);
    const long sizes[][2] = {{1, 1}, {3, 5}, {7, 9}, {10, 10}, {13, 17}, {24, 50}, {33, 31}, {9, 101}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int stride = 1; stride <= 2; stride++) {
            for (int k = 1; k <= 7; k += 2) {
                int pad = k / 2;
                long C = 1 + (long)(i % 3), Co = 1 + (long)((i * 7 + k) % 29);
                if (C * k * k > 64) C = 1;
                test_direct_shape(C, sizes[i][0], sizes[i][1], Co, k, stride, pad, (int)((i + k) % 5), i % 2 ? pool : one);
            }
            for (int k = 2; k <= 3; k++)
                for (int pad = 0; pad <= 1; pad++) {
                    if (sizes[i][0] + 2 * pad < k || sizes[i][1] + 2 * pad < k) continue;
                    test_maxpool_shape(3, sizes[i][0], sizes[i][1], k, stride, pad, pad, i % 2 ? pool : one);
                    if (k == 3 && stride == 2 && sizes[i][0] >= 2 && sizes[i][1] >= 2) test_maxpool_shape(2, sizes[i][0], sizes[i][1], 3, 2, 0, 1, one);
                }
        }
    test_direct_shape(3, 40, 70, 70, 3, 2, 1, 1, pool);  // more than 64 output channels
    wc_pool_destroy(one);
}

// MARK: bilinear / nearest resize and 2-D transpose, through the pool
static void test_resize_shape(long planes, long ih, long iw, long oh, long ow, int bilinear, wc_pool *pool) {
    int32_t *x0 = malloc(4 * (size_t)ow), *x1 = malloc(4 * (size_t)ow), *y0 = malloc(4 * (size_t)oh), *y1 = malloc(4 * (size_t)oh);
    float *fx = malloc(4 * (size_t)ow), *fy = malloc(4 * (size_t)oh);
    for (int axis = 0; axis < 2; axis++) {
        long n = axis ? ih : iw, m = axis ? oh : ow;
        int32_t *a = axis ? y0 : x0, *b = axis ? y1 : x1;
        float *f = axis ? fy : fx, sc = (float)n / (float)m;
        for (long o = 0; o < m; o++) {
            float p = bilinear ? ((float)o + 0.5f) * sc - 0.5f : (float)o * sc;
            if (p < 0) p = 0;
            long i = (long)p; if (i > n - 1) i = n - 1;
            a[o] = (int32_t)i; b[o] = (int32_t)(bilinear && i + 1 < n ? i + 1 : i); f[o] = bilinear ? p - (float)i : 0.f;
        }
    }
    float *x = malloc(sizeof(float) * (size_t)(planes * ih * iw)), *y = malloc(sizeof(float) * (size_t)(planes * oh * ow + 4));
    for (long i = 0; i < planes * ih * iw; i++) x[i] = frand(-2, 2);
    for (long i = 0; i < planes * oh * ow + 4; i++) y[i] = 555.f;
    wc_mt_resize(pool, x, planes, ih, iw, y, oh, ow, x0, x1, fx, y0, y1, fy);
    long bad = 0;
    for (long c = 0; c < planes; c++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                const float *ra = x + (c * ih + y0[oy]) * iw, *rb = x + (c * ih + y1[oy]) * iw;
                double a = ra[x0[ox]] + ((double)ra[x1[ox]] - ra[x0[ox]]) * fx[ox];
                double b = rb[x0[ox]] + ((double)rb[x1[ox]] - rb[x0[ox]]) * fx[ox];
                if (fabs(y[(c * oh + oy) * ow + ox] - (a + (b - a) * fy[oy])) > 1e-5) bad++;
            }
    for (long i = planes * oh * ow; i < planes * oh * ow + 4; i++) if (y[i] != 555.f) bad++;
    check(bad == 0, "resize %s %ldx%ld -> %ldx%ld (%ld planes): %ld wrong", bilinear ? "bilinear" : "nearest", ih, iw, oh, ow,
          planes, bad);
    free(x0); free(x1); free(y0); free(y1); free(fx); free(fy); free(x); free(y);
}

static void test_transpose_shape(long planes, long h, long w, wc_pool *pool) {
    float *x = malloc(sizeof(float) * (size_t)(planes * h * w)), *y = malloc(sizeof(float) * (size_t)(planes * h * w + 4));
    for (long i = 0; i < planes * h * w; i++) x[i] = (float)i;
    for (long i = 0; i < planes * h * w + 4; i++) y[i] = -1.f;
    wc_mt_transpose(pool, x, y, planes, h, w);
    long bad = 0;
    for (long p = 0; p < planes; p++)
        for (long i = 0; i < h; i++)
            for (long c = 0; c < w; c++) bad += y[p * h * w + c * h + i] != x[p * h * w + i * w + c];
    for (long i = planes * h * w; i < planes * h * w + 4; i++) bad += y[i] != -1.f;
    check(bad == 0, "transpose %ld x %ldx%ld: %ld wrong", planes, h, w, bad);
    free(x); free(y);
}

static void test_data_ops(wc_pool *pool) {
    // NanoDet-m's four resizes, its transposes, then odd sizes.
    test_resize_shape(96, 10, 10, 20, 20, 1, pool);
    test_resize_shape(96, 20, 20, 40, 40, 1, pool);
    test_resize_shape(96, 40, 40, 20, 20, 1, pool);
    test_resize_shape(7, 20, 20, 10, 10, 1, pool);
    test_resize_shape(3, 7, 5, 17, 13, 1, pool);
    test_resize_shape(3, 7, 5, 17, 13, 0, pool);
    test_resize_shape(2, 9, 11, 4, 3, 1, pool);
    test_resize_shape(2, 1, 1, 3, 5, 1, pool);
    test_resize_shape(1, 3, 3000, 5, 2100, 1, pool);  // wider than the row buffers
    test_transpose_shape(1, 80, 1600, pool);
    test_transpose_shape(1, 32, 100, pool);
    const long tr[][2] = {{1, 1}, {3, 5}, {16, 16}, {17, 33}, {4, 20}, {20, 4}, {35, 18}};
    for (size_t i = 0; i < sizeof tr / sizeof *tr; i++) test_transpose_shape(2, tr[i][0], tr[i][1], pool);
}

// MARK: threaded int8 GEMM agrees with one thread
static void test_mt_qgemm(wc_pool *pool) {
    long M = 37, K = 70, N = 333, Kp = 72;
    int8_t *w = calloc((size_t)(M * Kp), 1);
    int32_t comp[37];
    float scale[37], bias[37];
    for (long m = 0; m < M; m++) {
        int s = 0;
        for (long k = 0; k < K; k++) { w[m * Kp + k] = (int8_t)((int)(rnd() % 255) - 127); s += w[m * Kp + k]; }
        comp[m] = 128 * s; scale[m] = 0.003f; bias[m] = frand(-1, 1);
    }
    float *x = malloc(sizeof(float) * (size_t)(K * N));
    for (long i = 0; i < K * N; i++) x[i] = frand(-3, 3);
    uint8_t *packed = malloc(wc_qgemm_packed_size(K, N));
    wc_qgemm_pack_x(x, K, N, N, 127.f / 3.f, packed);
    float *a = malloc(sizeof(float) * (size_t)(M * N)), *b = malloc(sizeof(float) * (size_t)(M * N));
    int level = wc_cpu_int8_level();
    wc_qgemm_compute(level, w, Kp, packed, N, 0, M, 0, (N + 15) / 16, comp, scale, bias, 1, 0, 0, a, N);
    wc_mt_qgemm(pool, level, w, Kp, packed, N, M, comp, scale, bias, 1, 0, 0, b, N);
    check(memcmp(a, b, sizeof(float) * (size_t)(M * N)) == 0, "qgemm %s 2 threads == 1 thread", wc_qgemm_level_name(level));
    free(w); free(x); free(packed); free(a); free(b);
}

// MARK: pool: every task of every job runs exactly once, including jobs that make the caller
// sleep (uneven task lengths) and jobs issued back to back.
static void pool_task(void *ctx, long i) {
    long *hits = (long *)ctx;
    if (i == 0) { volatile double s = 0; for (int k = 0; k < 20000; k++) s += k; }
    __atomic_fetch_add(&hits[i], 1, __ATOMIC_RELAXED);
}

static void test_pool(wc_pool *pool) {
    long hits[7], bad = 0;
    for (int job = 0; job < 3000; job++) {
        long count = 1 + job % 7;
        memset(hits, 0, sizeof hits);
        wc_pool_run(pool, count, pool_task, hits);
        for (long i = 0; i < count; i++) if (hits[i] != 1) bad++;
    }
    check(bad == 0, "pool of %d: 3000 jobs, every task once (%ld wrong)", wc_pool_threads(pool), bad);
}

int main(void) {
    int level = wc_cpu_int8_level();
    printf("int8 kernel: %s (level %d); fp32 GEMM: %s; depthwise 3x3: %s\n", wc_qgemm_level_name(level),
           level, wc_sgemm_packed_kernel_name(), wc_f32_dwconv_kernel_name());
    printf("int8 levels run here:");
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++)
        if (wc_qgemm_level_supported(levels[li])) printf(" %s", wc_qgemm_level_name(levels[li]));
    printf("\n");
    wc_pool *pool = wc_pool_create(2);
    test_pool(pool);
    test_pack_x();
    test_qgemm();
    test_qgemm_unsupported_levels();
    test_mt_qgemm(pool);
    test_sgemm(pool);
    test_dw();
    test_direct_and_pool(pool);
    test_data_ops(pool);
    wc_pool_destroy(pool);
    printf("kernels: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
