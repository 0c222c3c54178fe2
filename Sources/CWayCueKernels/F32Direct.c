// Direct (no im2col) stride-1/2 kernels: the input plane is padded once into scratch and, for
// stride 2, split into even and odd columns so that every inner loop reads contiguous memory.
#include "CWayCueKernels.h"
#include <math.h>
#include <string.h>

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

// Pads one plane into dst (fill outside), and for stride 2 splits columns into even | odd.
static void wc_prepare_plane(const float *src, long H, long W, int pt, int pl, int stride,
                             wc_geom g, float fill, float *tmp, float *dst) {
    float *P = stride == 1 ? dst : tmp;
    for (long i = 0; i < g.Hp * g.Wp; i++) P[i] = fill;
    for (long y = 0; y < H; y++) memcpy(P + (y + pt) * g.Wp + pl, src + y * W, sizeof(float) * (size_t)W);
    if (stride == 1) return;
    float *E = dst, *O = dst + g.Hp * g.Wh;
    for (long y = 0; y < g.Hp; y++) {
        const float *r = P + y * g.Wp;
        float *e = E + y * g.Wh, *o = O + y * g.Wh;
        for (long x = 0; x < g.Wh; x++) {
            long xe = 2 * x, xo = 2 * x + 1;
            e[x] = xe < g.Wp ? r[xe] : fill;
            o[x] = xo < g.Wp ? r[xo] : fill;
        }
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

WC_CLONES
void wc_f32_conv_direct_rows(const float *planes, long C, long H, long W, float *out, long Ho,
                             long Wo, const float *weights, const float *bias, int k, int stride,
                             int pt, int pl, int pb, int pr, int act, float a0, float a1, long o0,
                             long o1, long y0, long y1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    const long taps = C * k * k;
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

WC_CLONES
void wc_f32_maxpool(const float *in, long H, long W, float *out, long Ho, long Wo, int k,
                    int stride, int pt, int pl, int pb, int pr, float *scratch, long c0, long c1) {
    wc_geom g = wc_geometry(H, W, pt, pl, pb, pr, stride);
    float *plane = scratch, *tmp = scratch + g.planeFloats;
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
