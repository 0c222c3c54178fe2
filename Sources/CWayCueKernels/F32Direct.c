// Direct (no im2col) stride-1/2 kernels: the input plane is padded once into scratch and, for
// stride 2, split into even and odd columns so that every inner loop reads contiguous memory.
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

typedef struct { long Hp, Wp, Wh, planeFloats; } wc_geom;

static wc_geom wc_geometry(long H, long W, int pt, int pl, int pb, int pr, int stride) {
    wc_geom g;
    g.Hp = H + pt + pb;
    g.Wp = W + pl + pr + 16;
    g.Wh = g.Wp / 2 + 16;
    g.planeFloats = stride == 1 ? g.Hp * g.Wp : g.Hp * g.Wh * 2;
    return g;
}

static inline void wc_fill(float *p, long n, float v) {
    for (long i = 0; i < n; i++) p[i] = v;
}

// Pads one plane into dst (fill outside), and for stride 2 splits columns into even | odd.
// Only the border is filled; on AArch64 the split is one vld2q per 4 even + 4 odd columns.
static void wc_prepare_plane(const float *src, long H, long W, int pt, int pl, int stride,
                             wc_geom g, float fill, float *tmp, float *dst) {
    float *P = stride == 1 ? dst : tmp;
    wc_fill(P, pt * g.Wp, fill);
    for (long y = 0; y < H; y++) {
        float *row = P + (y + pt) * g.Wp;
        wc_fill(row, pl, fill);
        memcpy(row + pl, src + y * W, sizeof(float) * (size_t)W);
        wc_fill(row + pl + W, g.Wp - pl - W, fill);
    }
    wc_fill(P + (H + pt) * g.Wp, (g.Hp - H - pt) * g.Wp, fill);
    if (stride == 1) return;
    float *E = dst, *O = dst + g.Hp * g.Wh;
    for (long y = 0; y < g.Hp; y++) {
        const float *r = P + y * g.Wp;
        float *e = E + y * g.Wh, *o = O + y * g.Wh;
        long x = 0;
#if defined(__aarch64__)
        for (; 2 * x + 8 <= g.Wp; x += 4) {
            const float32x4x2_t v = vld2q_f32(r + 2 * x);
            vst1q_f32(e + x, v.val[0]);
            vst1q_f32(o + x, v.val[1]);
        }
#endif
        for (; x < g.Wh && 2 * x < g.Wp; x++) {
            long xe = 2 * x, xo = 2 * x + 1;
            e[x] = r[xe];
            o[x] = xo < g.Wp ? r[xo] : fill;
        }
        wc_fill(e + x, g.Wh - x, fill);
        wc_fill(o + x, g.Wh - x, fill);
    }
}

static inline const float *wc_tap(const float *plane, wc_geom g, int stride, long iy, int kx) {
    if (stride == 1) return plane + iy * g.Wp + kx;
    const float *half = (kx & 1) ? plane + g.Hp * g.Wh : plane;
    return half + iy * g.Wh + (kx >> 1);
}

long wc_f32_direct_scratch(long C, long H, long W, int k, int stride, int pt, int pl, int pb,
                           int pr, long Wo) {
    (void)k;
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    return C * g.planeFloats + g.Hp * g.Wp + Wo + 64;
}

void wc_f32_direct_layout(long H, long W, int stride, int pt, int pl, int pb, int pr,
                          long *planeFloats, long *padFloats) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    *planeFloats = g.planeFloats;
    *padFloats = g.Hp * g.Wp;
}

static inline float wc_act1(float y, int act, float a0, float a1) {
    switch (act) {
    case 1: return y > 0.f ? y : 0.f;
    case 2: return y > 0.f ? y : y * a0;
    case 3: return y < a0 ? a0 : (y > a1 ? a1 : y);
    case 4: return 1.f / (1.f + expf(-y));
    case 5: return y / (1.f + expf(-y));
    case 6: { float t = y + 3.f; t = t < 0.f ? 0.f : (t > 6.f ? 6.f : t); return y * t / 6.f; }
    default: return y;
    }
}

// Register-blocked: 8 output channels x 16 columns of accumulators stay in registers while
// every (channel, ky, kx) tap streams one contiguous 16-float row segment.
#define WC_OB 8
typedef float wc_v16 __attribute__((vector_size(64)));
WC_CLONES
void wc_f32_conv_direct_prepare(const float *in, long H, long W, int stride, int pt,
                                int pl, int pb, int pr, float *planes, float *tmp, long c0,
                                long c1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    for (long c = c0; c < c1; c++)
        wc_prepare_plane(in + c * H * W, H, W, pt, pl, stride, g, 0.f, tmp, planes + c * g.planeFloats);
}

#if defined(__aarch64__)
// AArch64: the prepared planes make every tap (c, ky, kx) of an output row one contiguous row
// segment, so a chunk of WC_IC output columns is gathered into a taps x WC_IC matrix (plain
// copies) and multiplied by the weights, packed once per call, on the packed fp32 GEMM
// (8 x 12 NEON tiles, bias and activation codes 0-3 fused; others applied after).
#define WC_IC 48
static void wc_conv_direct_rows_gemm(const float *planes, wc_geom g, long C, float *out, long Ho,
                                     long Wo, const float *weights, const float *bias, int k,
                                     int stride, int act, float a0, float a1, long o0, long o1,
                                     long y0, long y1) {
    const long taps = C * k * k;
    const int fused = act <= 3;
    float packed[64 * 64];   // up to 64 output channels x 64 taps at a time
    float cols[64 * WC_IC];  // taps x WC_IC gathered inputs
    for (long ob = o0; ob < o1; ob += 64) {
        const long on = o1 - ob < 64 ? o1 - ob : 64;
        wc_sgemm_pack_a(weights + ob * taps, on, taps, taps, packed);
        for (long oy = y0; oy < y1; oy++) {
            const float *rows[64];  // where each tap's row segment starts
            long t = 0;
            for (long c = 0; c < C; c++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        rows[t++] = wc_tap(planes + c * g.planeFloats, g, stride, oy * stride + ky, kx);
            for (long x0 = 0; x0 < Wo; x0 += WC_IC) {
                const long n = Wo - x0 < WC_IC ? Wo - x0 : WC_IC;
                if (n == WC_IC)
                    for (t = 0; t < taps; t++) {
                        const float *src = rows[t] + x0;
                        float *dst = cols + t * WC_IC;
                        vst1q_f32_x4(dst, vld1q_f32_x4(src));
                        vst1q_f32_x4(dst + 16, vld1q_f32_x4(src + 16));
                        vst1q_f32_x4(dst + 32, vld1q_f32_x4(src + 32));
                    }
                else
                    for (t = 0; t < taps; t++) {
                        const float *src = rows[t] + x0;
                        float *dst = cols + t * WC_IC;
                        long j = 0;
                        for (; j + 4 <= n; j += 4) vst1q_f32(dst + j, vld1q_f32(src + j));
                        for (; j < n; j++) dst[j] = src[j];
                    }
                float *dst = out + ob * Ho * Wo + oy * Wo + x0;
                wc_sgemm_packed_compute(packed, on, taps, cols, WC_IC, 0, n, bias ? bias + ob : 0,
                                        fused ? act : 0, a0, a1, dst, Ho * Wo);
                if (!fused)
                    for (long o = 0; o < on; o++)
                        for (long j = 0; j < n; j++) dst[o * Ho * Wo + j] = wc_act1(dst[o * Ho * Wo + j], act, a0, a1);
            }
        }
    }
}
#endif

WC_CLONES
void wc_f32_conv_direct_rows(const float *planes, long C, long H, long W, float *out, long Ho,
                             long Wo, const float *weights, const float *bias, int k, int stride,
                             int pt, int pl, int pb, int pr, int act, float a0, float a1, long o0,
                             long o1, long y0, long y1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    const long taps = C * k * k;
#if defined(__aarch64__)
    if (taps <= 64) {
        wc_conv_direct_rows_gemm(planes, g, C, out, Ho, Wo, weights, bias, k, stride, act, a0, a1,
                                 o0, o1, y0, y1);
        return;
    }
#endif
    for (long ob = o0; ob < o1; ob += WC_OB) {
        const long on = o1 - ob < WC_OB ? o1 - ob : WC_OB;
        float wt[64 * WC_OB]; // taps x 8, zero for missing channels (taps <= 64 on this path)
        for (long t = 0; t < taps; t++)
            for (int o = 0; o < WC_OB; o++) wt[t * WC_OB + o] = o < on ? weights[(ob + o) * taps + t] : 0.f;
        float bb[WC_OB];
        for (int o = 0; o < WC_OB; o++) bb[o] = (o < on && bias) ? bias[ob + o] : 0.f;
        for (long oy = y0; oy < y1; oy++) {
            for (long x0 = 0; x0 < Wo; x0 += 16) {
                wc_v16 acc[WC_OB];
#pragma clang loop unroll(full)
                for (int o = 0; o < WC_OB; o++) acc[o] = (wc_v16){0} + bb[o];
                long t = 0;
                for (long c = 0; c < C; c++) {
                    const float *plane = planes + c * g.planeFloats;
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++, t++) {
                            wc_v16 r;
                            __builtin_memcpy(&r, wc_tap(plane, g, stride, oy * stride + ky, kx) + x0, sizeof r);
                            const float *wv = wt + t * WC_OB;
#pragma clang loop unroll(full)
                            for (int o = 0; o < WC_OB; o++) acc[o] += wv[o] * r;
                        }
                    }
                }
                const long n = Wo - x0 < 16 ? Wo - x0 : 16;
                for (long o = 0; o < on; o++) {
                    float *restrict dst = out + ((ob + o) * Ho + oy) * Wo + x0;
                    float tmpv[16];
                    __builtin_memcpy(tmpv, &acc[o], sizeof tmpv);
                    if (act == 2) for (int j = 0; j < 16; j++) tmpv[j] = tmpv[j] > 0.f ? tmpv[j] : tmpv[j] * a0;
                    else if (act == 1) for (int j = 0; j < 16; j++) tmpv[j] = tmpv[j] > 0.f ? tmpv[j] : 0.f;
                    else if (act != 0) for (int j = 0; j < 16; j++) tmpv[j] = wc_act1(tmpv[j], act, a0, a1);
                    for (long j = 0; j < n; j++) dst[j] = tmpv[j];
                }
            }
        }
    }
}

void wc_f32_conv_direct(const float *in, long C, long H, long W, float *out, long Ho, long Wo,
                        const float *weights, const float *bias, int k, int stride, int pt, int pl,
                        int pb, int pr, int act, float a0, float a1, float *scratch, long o0,
                        long o1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    float *planes = scratch, *tmp = scratch + C * g.planeFloats;
    wc_f32_conv_direct_prepare(in, H, W, stride, pt, pl, pb, pr, planes, tmp, 0, C);
    wc_f32_conv_direct_rows(planes, C, H, W, out, Ho, Wo, weights, bias, k, stride, pt, pl, pb, pr,
                            act, a0, a1, o0, o1, 0, Ho);
}

#if defined(__aarch64__)
// 3x3 stride-2 max pool of one plane on AArch64, from the -inf padded plane P (row stride Wp,
// at least 2 Wo + 10 floats per row): per 4 outputs and input row, one vld2q gives the even
// and odd columns 2ox.., 2ox+1.. and one vld1q the column 2ox+8 that completes the third tap
// (vextq of the even maxima); the three rows are reduced first.
static void wc_maxpool3x3s2_neon(const float *P, long Wp, float *out, long Ho, long Wo) {
    for (long oy = 0; oy < Ho; oy++) {
        const float *r0 = P + 2 * oy * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp;
        float *o = out + oy * Wo;
        for (long ox = 0; ox < Wo; ox += 4) {
            const float32x4x2_t v0 = vld2q_f32(r0 + 2 * ox), v1 = vld2q_f32(r1 + 2 * ox),
                                v2 = vld2q_f32(r2 + 2 * ox);
            const float32x4_t n = vmaxq_f32(vmaxq_f32(vld1q_f32(r0 + 2 * ox + 8), vld1q_f32(r1 + 2 * ox + 8)),
                                            vld1q_f32(r2 + 2 * ox + 8));
            const float32x4_t e = vmaxq_f32(vmaxq_f32(v0.val[0], v1.val[0]), v2.val[0]);
            const float32x4_t d = vmaxq_f32(vmaxq_f32(v0.val[1], v1.val[1]), v2.val[1]);
            const float32x4_t m = vmaxq_f32(vmaxq_f32(e, d), vextq_f32(e, n, 1));
            if (ox + 4 <= Wo) vst1q_f32(o + ox, m);
            else if (Wo - ox == 1) vst1q_lane_f32(o + ox, m, 0);  // lane stores, no memcpy call
            else {
                vst1_f32(o + ox, vget_low_f32(m));
                if (Wo - ox == 3) vst1q_lane_f32(o + ox + 2, m, 2);
            }
        }
    }
}
#endif

WC_CLONES
void wc_f32_maxpool(const float *in, long H, long W, float *out, long Ho, long Wo, int k,
                    int stride, int pt, int pl, int pb, int pr, float *scratch, long c0, long c1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    float *plane = scratch, *tmp = scratch + g.planeFloats;
#if defined(__aarch64__)
    // The padded plane (Hp x Wp, Wp = W + pl + pr + 16 >= 2 Wo + 15) fits where the split
    // planes would go (planeFloats >= Hp x Wp for stride 2).
    if (k == 3 && stride == 2) {
        for (long c = c0; c < c1; c++) {
            wc_prepare_plane(in + c * H * W, H, W, pt, pl, 1, g, -INFINITY, tmp, plane);
            wc_maxpool3x3s2_neon(plane, g.Wp, out + c * Ho * Wo, Ho, Wo);
        }
        return;
    }
#endif
    for (long c = c0; c < c1; c++) {
        wc_prepare_plane(in + c * H * W, H, W, pt, pl, stride, g, -INFINITY, tmp, plane);
        for (long oy = 0; oy < Ho; oy++) {
            float *restrict dst = out + (c * Ho + oy) * Wo;
            for (long x = 0; x < Wo; x++) dst[x] = -INFINITY;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    const float *restrict r = wc_tap(plane, g, stride, oy * stride + ky, kx);
                    for (long x = 0; x < Wo; x++) dst[x] = dst[x] > r[x] ? dst[x] : r[x];
                }
        }
    }
}
