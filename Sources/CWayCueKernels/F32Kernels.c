// fp32 kernels that need the machine's full vector width. Written once as plain loops that
// vectorise; on x86-64 ELF each is cloned for AVX-512 / AVX2 / baseline and picked at load time.
#include "CWayCueKernels.h"
#include <math.h>
#include <string.h>
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define WC_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WC_CLONES
#endif

// exp(x) by range reduction (x = n ln2 + r) and a degree-6 polynomial: about 2 ulp over the
// float range, and written so that loops over it vectorise (no libm call).
static inline float wc_expf(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    float e = p * r * r + r + 1.0f;
    union { uint32_t u; float f; } sc;
    sc.u = (uint32_t)((int32_t)n + 127) << 23;
    return e * sc.f;
}

static inline float wc_f32_act(float y, int act, float a0, float a1) {
    switch (act) {
    case 1: return y > 0.f ? y : 0.f;
    case 2: return y > 0.f ? y : y * a0;
    case 3: return y < a0 ? a0 : (y > a1 ? a1 : y);
    case 4: return 1.f / (1.f + wc_expf(-y));
    case 5: return y / (1.f + wc_expf(-y));
    case 6: { float t = y + 3.f; t = t < 0.f ? 0.f : (t > 6.f ? 6.f : t); return y * t / 6.f; }
    default: return y;
    }
}

WC_CLONES
void wc_f32_bias_act(float *x, long channels, long plane, long cstride, const float *bias, int act,
                     float a0, float a1) {
    for (long c = 0; c < channels; c++) {
        float *restrict p = x + c * cstride;
        const float b = bias ? bias[c] : 0.f;
        switch (act) {
        case 0: for (long i = 0; i < plane; i++) p[i] = p[i] + b; break;
        case 1: for (long i = 0; i < plane; i++) { float v = p[i] + b; p[i] = v > 0.f ? v : 0.f; } break;
        case 2: for (long i = 0; i < plane; i++) { float v = p[i] + b; p[i] = v > 0.f ? v : v * a0; } break;
        case 3: for (long i = 0; i < plane; i++) { float v = p[i] + b; v = v < a0 ? a0 : v; p[i] = v > a1 ? a1 : v; } break;
        case 4: for (long i = 0; i < plane; i++) p[i] = 1.f / (1.f + wc_expf(-(p[i] + b))); break;
        case 5: for (long i = 0; i < plane; i++) { float v = p[i] + b; p[i] = v / (1.f + wc_expf(-v)); } break;
        default: for (long i = 0; i < plane; i++) p[i] = wc_f32_act(p[i] + b, act, a0, a1); break;
        }
    }
}

long wc_f32_dwconv_scratch(long H, long W, int pt, int pl, int pb, int pr) {
    return (H + pt + pb) * (W + pl + pr + 64);
}

// One output row; K and S are compile-time constants at every call site so the ox loop vectorises.
#define WC_DW_ROW(K, S)                                                                          \
    for (long oy = 0; oy < Ho; oy++) {                                                           \
        const float *restrict r0 = pad + (oy * S) * Wp;                                          \
        float *restrict o = out + c * Ho * Wo + oy * Wo;                                         \
        for (long ox = 0; ox < Wo; ox++) {                                                       \
            float s = b;                                                                         \
            for (int ky = 0; ky < K; ky++)                                                       \
                for (int kx = 0; kx < K; kx++) s += w[ky * K + kx] * r0[ky * Wp + ox * S + kx];  \
            o[ox] = s;                                                                           \
        }                                                                                        \
        if (act == 1) for (long ox = 0; ox < Wo; ox++) o[ox] = o[ox] > 0.f ? o[ox] : 0.f;        \
        else if (act == 2) for (long ox = 0; ox < Wo; ox++) o[ox] = o[ox] > 0.f ? o[ox] : o[ox] * a0; \
        else if (act == 3) for (long ox = 0; ox < Wo; ox++) { float v = o[ox] < a0 ? a0 : o[ox]; o[ox] = v > a1 ? a1 : v; } \
        else if (act != 0) for (long ox = 0; ox < Wo; ox++) o[ox] = wc_f32_act(o[ox], act, a0, a1); \
    }

#if defined(__aarch64__)
// NEON depthwise 3x3 of one channel over the zero-padded plane (row stride Wp, with at least
// 64 floats of slack after each row, so loads past the last output stay in the plane). The nine
// weights sit in three registers and are used by lane; the accumulators start at the bias; the
// activation is applied by the caller.
//   stride 1: two output rows x 8 columns per step, from four input rows; each input row is
//     three 2-register loads (columns ox, ox + 1, ox + 2) feeding both output rows.
//   stride 2: one output row x 8 columns; per input row two vld2q give the even and odd columns
//     and two more the even columns shifted by one.
// Column tails run 4 wide; the last partial group goes through a small buffer.
#define WC_LFMA_(s, v, w, l) vfmaq_laneq_f32(s, v, w, l)
#define WC_LFMA(s, v, wl) WC_LFMA_(s, v, wl)
#define WC_FMA3(s, v0, v1, v2, ky)                                           \
    s = WC_LFMA(s, v0, WC_WV(ky, 0));                                         \
    s = WC_LFMA(s, v1, WC_WV(ky, 1));                                         \
    s = WC_LFMA(s, v2, WC_WV(ky, 2));
// Activation in registers, MODE a compile-time constant at every use: 0 none, 1 ReLU, 2 leaky
// ReLU with a slope in [0, 1] (max(v, a0 v)), 3 clip(a0, a1).
#define WC_DW_INLINE static inline __attribute__((always_inline))
WC_DW_INLINE float32x4_t wc_dw_act(float32x4_t v, const int MODE, float32x4_t lo, float32x4_t hi) {
    if (MODE == 1) return vmaxq_f32(v, vdupq_n_f32(0.f));
    if (MODE == 2) return vmaxq_f32(v, vmulq_f32(v, lo));
    if (MODE == 3) return vminq_f32(vmaxq_f32(v, lo), hi);
    return v;
}

// Stores the first min(4, Wo - ox) lanes (lane stores: a loop over a buffer becomes a memcpy call).
static inline void wc_dw_store4(float *o, long ox, long Wo, float32x4_t v) {
    if (ox + 4 <= Wo) vst1q_f32(o + ox, v);
    else if (Wo - ox == 1) vst1q_lane_f32(o + ox, v, 0);
    else {
        vst1_f32(o + ox, vget_low_f32(v));
        if (Wo - ox == 3) vst1q_lane_f32(o + ox + 2, v, 2);
    }
}

// vfmaq_laneq_f32 needs its lane as a constant: weight (ky, kx) is lane (3 ky + kx) % 4 of
// register (3 ky + kx) / 4, spelled out per tap.
#define WC_WV(ky, kx) WC_WV_##ky##kx
#define WC_WV_00 w0, 0
#define WC_WV_01 w0, 1
#define WC_WV_02 w0, 2
#define WC_WV_10 w0, 3
#define WC_WV_11 w1, 0
#define WC_WV_12 w1, 1
#define WC_WV_20 w1, 2
#define WC_WV_21 w1, 3
#define WC_WV_22 w2, 0

WC_DW_INLINE void wc_dw3x3s1_neon(const float *pad, long Wp, float *out, long Ho, long Wo,
                                  const float *w, float b, const int MODE, float a0, float a1) {
    const float32x4_t lo = vdupq_n_f32(a0), hi = vdupq_n_f32(a1);
#define A(v) wc_dw_act(v, MODE, lo, hi)
    const float32x4_t w0 = vld1q_f32(w), w1 = vld1q_f32(w + 4), w2 = vdupq_n_f32(w[8]);
    const float32x4_t bias = vdupq_n_f32(b);
    long oy = 0;
    for (; oy + 2 <= Ho; oy += 2) {
        const float *r0 = pad + oy * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp, *r3 = r2 + Wp;
        float *o0 = out + oy * Wo, *o1 = o0 + Wo;
        long ox = 0;
        for (; ox + 8 <= Wo; ox += 8) {
            float32x4_t s00 = bias, s01 = bias, s10 = bias, s11 = bias;
            float32x4x2_t a = vld1q_f32_x2(r0 + ox), c = vld1q_f32_x2(r0 + ox + 1), d = vld1q_f32_x2(r0 + ox + 2);
            WC_FMA3(s00, a.val[0], c.val[0], d.val[0], 0) WC_FMA3(s01, a.val[1], c.val[1], d.val[1], 0)
            a = vld1q_f32_x2(r1 + ox); c = vld1q_f32_x2(r1 + ox + 1); d = vld1q_f32_x2(r1 + ox + 2);
            WC_FMA3(s00, a.val[0], c.val[0], d.val[0], 1) WC_FMA3(s01, a.val[1], c.val[1], d.val[1], 1)
            WC_FMA3(s10, a.val[0], c.val[0], d.val[0], 0) WC_FMA3(s11, a.val[1], c.val[1], d.val[1], 0)
            a = vld1q_f32_x2(r2 + ox); c = vld1q_f32_x2(r2 + ox + 1); d = vld1q_f32_x2(r2 + ox + 2);
            WC_FMA3(s00, a.val[0], c.val[0], d.val[0], 2) WC_FMA3(s01, a.val[1], c.val[1], d.val[1], 2)
            WC_FMA3(s10, a.val[0], c.val[0], d.val[0], 1) WC_FMA3(s11, a.val[1], c.val[1], d.val[1], 1)
            a = vld1q_f32_x2(r3 + ox); c = vld1q_f32_x2(r3 + ox + 1); d = vld1q_f32_x2(r3 + ox + 2);
            WC_FMA3(s10, a.val[0], c.val[0], d.val[0], 2) WC_FMA3(s11, a.val[1], c.val[1], d.val[1], 2)
            vst1q_f32(o0 + ox, A(s00)); vst1q_f32(o0 + ox + 4, A(s01));
            vst1q_f32(o1 + ox, A(s10)); vst1q_f32(o1 + ox + 4, A(s11));
        }
        for (; ox < Wo; ox += 4) {
            float32x4_t s0 = bias, s1 = bias;
            WC_FMA3(s0, vld1q_f32(r0 + ox), vld1q_f32(r0 + ox + 1), vld1q_f32(r0 + ox + 2), 0)
            float32x4_t a = vld1q_f32(r1 + ox), c = vld1q_f32(r1 + ox + 1), d = vld1q_f32(r1 + ox + 2);
            WC_FMA3(s0, a, c, d, 1) WC_FMA3(s1, a, c, d, 0)
            a = vld1q_f32(r2 + ox); c = vld1q_f32(r2 + ox + 1); d = vld1q_f32(r2 + ox + 2);
            WC_FMA3(s0, a, c, d, 2) WC_FMA3(s1, a, c, d, 1)
            WC_FMA3(s1, vld1q_f32(r3 + ox), vld1q_f32(r3 + ox + 1), vld1q_f32(r3 + ox + 2), 2)
            wc_dw_store4(o0, ox, Wo, A(s0));
            wc_dw_store4(o1, ox, Wo, A(s1));
        }
    }
    if (oy < Ho) {
        const float *r0 = pad + oy * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp;
        float *o0 = out + oy * Wo;
        for (long ox = 0; ox < Wo; ox += 4) {
            float32x4_t s0 = bias;
            WC_FMA3(s0, vld1q_f32(r0 + ox), vld1q_f32(r0 + ox + 1), vld1q_f32(r0 + ox + 2), 0)
            WC_FMA3(s0, vld1q_f32(r1 + ox), vld1q_f32(r1 + ox + 1), vld1q_f32(r1 + ox + 2), 1)
            WC_FMA3(s0, vld1q_f32(r2 + ox), vld1q_f32(r2 + ox + 1), vld1q_f32(r2 + ox + 2), 2)
            wc_dw_store4(o0, ox, Wo, A(s0));
        }
    }
#undef A
}

WC_DW_INLINE void wc_dw3x3s2_neon(const float *pad, long Wp, float *out, long Ho, long Wo,
                                  const float *w, float b, const int MODE, float a0, float a1) {
    const float32x4_t lo = vdupq_n_f32(a0), hi = vdupq_n_f32(a1);
#define A(v) wc_dw_act(v, MODE, lo, hi)
    const float32x4_t w0 = vld1q_f32(w), w1 = vld1q_f32(w + 4), w2 = vdupq_n_f32(w[8]);
    const float32x4_t bias = vdupq_n_f32(b);
    for (long oy = 0; oy < Ho; oy++) {
        const float *r0 = pad + 2 * oy * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp;
        float *o = out + oy * Wo;
        long ox = 0;
        for (; ox + 8 <= Wo; ox += 8) {
            float32x4_t s0 = bias, s1 = bias;
#define WC_S2ROW(r, ky)                                                                      \
    {                                                                                        \
        const float32x4x2_t p = vld2q_f32(r + 2 * ox), q = vld2q_f32(r + 2 * ox + 8);        \
        const float32x4_t e0 = vld2q_f32(r + 2 * ox + 2).val[0], e1 = vld2q_f32(r + 2 * ox + 10).val[0]; \
        WC_FMA3(s0, p.val[0], p.val[1], e0, ky) WC_FMA3(s1, q.val[0], q.val[1], e1, ky)      \
    }
            WC_S2ROW(r0, 0) WC_S2ROW(r1, 1) WC_S2ROW(r2, 2)
#undef WC_S2ROW
            vst1q_f32(o + ox, A(s0)); vst1q_f32(o + ox + 4, A(s1));
        }
        for (; ox < Wo; ox += 4) {
            float32x4_t s0 = bias;
#define WC_S2ROW4(r, ky)                                                                     \
    {                                                                                        \
        const float32x4x2_t p = vld2q_f32(r + 2 * ox);                                       \
        WC_FMA3(s0, p.val[0], p.val[1], vld2q_f32(r + 2 * ox + 2).val[0], ky)                \
    }
            WC_S2ROW4(r0, 0) WC_S2ROW4(r1, 1) WC_S2ROW4(r2, 2)
#undef WC_S2ROW4
            wc_dw_store4(o, ox, Wo, A(s0));
        }
    }
#undef A
}
#undef WC_FMA3
#undef WC_LFMA
#undef WC_LFMA_

__attribute__((noinline)) static void wc_dw3x3_neon(const float *pad, long Wp, float *out, long Ho,
                                                    long Wo, const float *w, float b, int stride,
                                                    int mode, float a0, float a1) {
#define WC_DW_CASE(M)                                                                  \
    case M:                                                                            \
        if (stride == 1) wc_dw3x3s1_neon(pad, Wp, out, Ho, Wo, w, b, M, a0, a1);       \
        else wc_dw3x3s2_neon(pad, Wp, out, Ho, Wo, w, b, M, a0, a1);                   \
        break;
    switch (mode) { WC_DW_CASE(0) WC_DW_CASE(1) WC_DW_CASE(2) WC_DW_CASE(3) }
#undef WC_DW_CASE
}

static inline void wc_copy_row(float *restrict dst, const float *restrict src, long n);

// Channels [c0, c1): each copied into the zero-bordered plane `pad`, then the 3x3 kernel.
// Activation codes 0, 1, 2 (slope in [0, 1]) and 3 are applied in the kernel's store, others
// after it.
__attribute__((noinline)) static void wc_dw3x3_channels_neon(
    const float *in, long H, long W, float *out, long Ho, long Wo, const float *weights,
    const float *bias, int stride, int pt, int pl, int act, float a0, float a1, float *pad,
    long Wp, long c0, long c1) {
    const int mode = act == 2 ? (a0 >= 0.f && a0 <= 1.f ? 2 : -1) : act <= 3 ? act : -1;
    for (long c = c0; c < c1; c++) {
        const float *src = in + c * H * W;
        for (long y = 0; y < H; y++) wc_copy_row(pad + (y + pt) * Wp + pl, src + y * W, W);
        float *o = out + c * Ho * Wo;
        wc_dw3x3_neon(pad, Wp, o, Ho, Wo, weights + c * 9, bias ? bias[c] : 0.f, stride,
                      mode < 0 ? 0 : mode, a0, a1);
        if (mode < 0) wc_f32_bias_act(o, 1, Ho * Wo, Ho * Wo, 0, act, a0, a1);
    }
}

// Copies n floats (one row into the padded plane). From 4 floats on, the last partial vector
// is one overlapping 4-float copy ending at n, not a scalar tail.
static inline void wc_copy_row(float *restrict dst, const float *restrict src, long n) {
    // The empty asm statements keep the compilers from turning these loops back into memcpy
    // calls, which cost more than the copy for a row of 10-80 floats.
    if (n < 4) {
        for (long j = 0; j < n; j++) {
            dst[j] = src[j];
            __asm__ volatile("" ::: "memory");
        }
        return;
    }
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        vst1q_f32_x4(dst + j, vld1q_f32_x4(src + j));
        __asm__ volatile("" ::: "memory");
    }
    for (; j + 4 <= n; j += 4) {
        vst1q_f32(dst + j, vld1q_f32(src + j));
        __asm__ volatile("" ::: "memory");
    }
    if (j < n) vst1q_f32(dst + n - 4, vld1q_f32(src + n - 4));
}
#endif

const char *wc_f32_dwconv_kernel_name(void) {
#if defined(__aarch64__)
    return "neon-3x3";
#else
    return "c-vectorised";
#endif
}

WC_CLONES
void wc_f32_dwconv(const float *in, long H, long W, float *out, long Ho, long Wo,
                   const float *weights, const float *bias, int k, int stride, int pt, int pl,
                   int pb, int pr, int act, float a0, float a1, float *scratch, long c0, long c1) {
    const long Wp = W + pl + pr + 64;
    const long Hp = H + pt + pb;
    float *pad = scratch;
    memset(pad, 0, sizeof(float) * (size_t)(Hp * Wp));
#if defined(__aarch64__)
    if (k == 3 && (stride == 1 || stride == 2)) {
        wc_dw3x3_channels_neon(in, H, W, out, Ho, Wo, weights, bias, stride, pt, pl, act, a0, a1,
                               pad, Wp, c0, c1);
        return;
    }
#endif
    for (long c = c0; c < c1; c++) {
        const float *src = in + c * H * W;
        const float *restrict w = weights + c * k * k;
        const float b = bias ? bias[c] : 0.f;
        for (long y = 0; y < H; y++) memcpy(pad + (y + pt) * Wp + pl, src + y * W, sizeof(float) * (size_t)W);
        if (k == 3 && stride == 1) { WC_DW_ROW(3, 1) }
        else if (k == 3 && stride == 2) { WC_DW_ROW(3, 2) }
        else if (k == 5 && stride == 1) { WC_DW_ROW(5, 1) }
        else if (k == 5 && stride == 2) { WC_DW_ROW(5, 2) }
    }
}
