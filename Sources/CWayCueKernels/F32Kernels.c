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
// 64 floats of slack after each row, so 4-wide loads past the last output stay in the plane):
// stride 1 from three shifted loads per input row, stride 2 from vld2q's even/odd split.
// Bias is folded in; the activation is applied by the caller.
static void wc_dw3x3_neon(const float *pad, long Wp, float *out, long Ho, long Wo,
                          const float *w, float b, int stride) {
    const float32x4_t bias = vdupq_n_f32(b);
    for (long oy = 0; oy < Ho; oy++) {
        const float *r0 = pad + oy * stride * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp;
        float *o = out + oy * Wo;
        for (long ox = 0; ox < Wo; ox += 4) {
            float32x4_t s = bias;
            const float *rows[3] = {r0, r1, r2};
            for (int ky = 0; ky < 3; ky++) {
                const float *r = rows[ky];
                float32x4_t v0, v1, v2;
                if (stride == 1) {
                    v0 = vld1q_f32(r + ox); v1 = vld1q_f32(r + ox + 1); v2 = vld1q_f32(r + ox + 2);
                } else {
                    float32x4x2_t e = vld2q_f32(r + 2 * ox);
                    v0 = e.val[0]; v1 = e.val[1];
                    v2 = vld2q_f32(r + 2 * ox + 2).val[0];
                }
                s = vfmaq_n_f32(s, v0, w[ky * 3 + 0]);
                s = vfmaq_n_f32(s, v1, w[ky * 3 + 1]);
                s = vfmaq_n_f32(s, v2, w[ky * 3 + 2]);
            }
            if (ox + 4 <= Wo) vst1q_f32(o + ox, s);
            else {
                float t[4];
                vst1q_f32(t, s);
                for (long j = 0; ox + j < Wo; j++) o[ox + j] = t[j];
            }
        }
    }
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
    for (long c = c0; c < c1; c++) {
        const float *src = in + c * H * W;
        for (long y = 0; y < H; y++) memcpy(pad + (y + pt) * Wp + pl, src + y * W, sizeof(float) * (size_t)W);
        const float *restrict w = weights + c * k * k;
        const float b = bias ? bias[c] : 0.f;
#if defined(__aarch64__)
        if (k == 3 && (stride == 1 || stride == 2)) {
            float *o = out + c * Ho * Wo;
            wc_dw3x3_neon(pad, Wp, o, Ho, Wo, w, b, stride);
            if (act != 0) wc_f32_bias_act(o, 1, Ho * Wo, Ho * Wo, 0, act, a0, a1);
            continue;
        }
#endif
        if (k == 3 && stride == 1) { WC_DW_ROW(3, 1) }
        else if (k == 3 && stride == 2) { WC_DW_ROW(3, 2) }
        else if (k == 5 && stride == 1) { WC_DW_ROW(5, 1) }
        else if (k == 5 && stride == 2) { WC_DW_ROW(5, 2) }
    }
}
