// AArch64 int8 GEMM kernels, one per feature level, against the portable reference's contract
// (QGEMMInternal.h). On AArch64 the packed activations are the signed values themselves
// (WC_QGEMM_PACKED_OFFSET 0), so acc is the signed sum directly and comp is not used.
//   neon          ARMv8.0 AdvSIMD (Cortex-A53, A72): smull + smlal of two k-groups into int16
//                 (|w|, |x| <= 127, so two products fit), sadalp into int32. 2 rows x 16 columns.
//   neon_dotprod  FEAT_DotProd (Cortex-A55, A76): sdot by lane, 4 rows x 16 columns, weights of
//                 4 k-groups per row in one register.
//   neon_i8mm     FEAT_I8MM (Cortex-A710, Neoverse V1, ...): smmla on 2 rows x 8 k by
//                 2 columns x 8 k; 4 rows x 16 columns.
// Only the functions that use dot-product or i8mm instructions are compiled for those features,
// so the rest of the file (and the target) stays ARMv8.0.
#include "QGEMMInternal.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#if defined(__clang__)
#define WC_TARGET_DOTPROD __attribute__((target("dotprod")))
#define WC_TARGET_I8MM __attribute__((target("dotprod,i8mm")))
#else
// GCC's arm_neon.h defines these intrinsics under arch=armv8.2-a+..., and inlines them only into
// functions of a superset target. Every core with FEAT_DotProd or FEAT_I8MM is ARMv8.2 or later.
#define WC_TARGET_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define WC_TARGET_I8MM __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))
#endif

static inline float32x4_t wc_q8_act4(float32x4_t y, int act, float a0, float a1) {
    if (act == 1) return vmaxq_f32(y, vdupq_n_f32(0.f));
    // Leaky ReLU: max(y, a0 y) when the slope is in [0, 1] (2 instructions), else the select.
    if (act == 2 && a0 >= 0.f && a0 <= 1.f) return vmaxq_f32(y, vmulq_f32(y, vdupq_n_f32(a0)));
    if (act == 2) return vbslq_f32(vcltq_f32(y, vdupq_n_f32(0.f)), vmulq_f32(y, vdupq_n_f32(a0)), y);
    if (act == 3) return vminq_f32(vmaxq_f32(y, vdupq_n_f32(a0)), vdupq_n_f32(a1));
    return y;
}

// Dequantize + bias + activation of one row's 16 accumulators; stores `rem` (1..16) columns.
static inline void wc_q8_store16(int32x4_t c0, int32x4_t c1, int32x4_t c2, int32x4_t c3,
                                 float sc, float bs, int act, float a0, float a1, float *o,
                                 long rem) {
    float32x4_t s = vdupq_n_f32(sc), b = vdupq_n_f32(bs);
    float32x4_t y0 = wc_q8_act4(vfmaq_f32(b, vcvtq_f32_s32(c0), s), act, a0, a1);
    float32x4_t y1 = wc_q8_act4(vfmaq_f32(b, vcvtq_f32_s32(c1), s), act, a0, a1);
    float32x4_t y2 = wc_q8_act4(vfmaq_f32(b, vcvtq_f32_s32(c2), s), act, a0, a1);
    float32x4_t y3 = wc_q8_act4(vfmaq_f32(b, vcvtq_f32_s32(c3), s), act, a0, a1);
    if (rem >= 16) {
        vst1q_f32(o, y0); vst1q_f32(o + 4, y1); vst1q_f32(o + 8, y2); vst1q_f32(o + 12, y3);
    } else {
        // Whole vectors, then 1-3 lanes (a memcpy of a stack buffer costs a call per row).
        if (rem >= 4) vst1q_f32(o, y0);
        if (rem >= 8) vst1q_f32(o + 4, y1);
        if (rem >= 12) vst1q_f32(o + 8, y2);
        const long j = rem & ~3L;
        const float32x4_t t = j == 0 ? y0 : j == 4 ? y1 : j == 8 ? y2 : y3;
        switch (rem & 3) {
        case 1: vst1q_lane_f32(o + j, t, 0); break;
        case 2: vst1_f32(o + j, vget_low_f32(t)); break;
        case 3: vst1_f32(o + j, vget_low_f32(t)); vst1q_lane_f32(o + j + 2, t, 2); break;
        default: break;
        }
    }
}

static inline int8x16_t wc_q8_load_x(const uint8_t *p) {
    _Static_assert(WC_QGEMM_PACKED_OFFSET == 0, "AArch64 packs signed activations");
    return vld1q_s8((const int8_t *)p);
}

static inline int32_t wc_q8_load4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// MARK: ARMv8.0: smull/smlal/sadalp
// acc[2v] holds columns 4v, 4v+1 as (k0+k1, k2+k3) pairs; acc[2v+1] columns 4v+2, 4v+3.
#define WC_Q8_MAC_PAIR(acc, xa, xb, wa, wb)                                                      \
    do {                                                                                         \
        int16x8_t lo_ = vmull_s8(vget_low_s8(xa), vget_low_s8(wa));                              \
        lo_ = vmlal_s8(lo_, vget_low_s8(xb), vget_low_s8(wb));                                   \
        (acc)[0] = vpadalq_s16((acc)[0], lo_);                                                   \
        int16x8_t hi_ = vmull_high_s8(xa, wa);                                                   \
        hi_ = vmlal_high_s8(hi_, xb, wb);                                                        \
        (acc)[1] = vpadalq_s16((acc)[1], hi_);                                                   \
    } while (0)
#define WC_Q8_MAC_ONE(acc, xa, wa)                                                               \
    do {                                                                                         \
        (acc)[0] = vpadalq_s16((acc)[0], vmull_s8(vget_low_s8(xa), vget_low_s8(wa)));            \
        (acc)[1] = vpadalq_s16((acc)[1], vmull_high_s8(xa, wa));                                 \
    } while (0)

void wc_qgemm_neon(WC_QGEMM_ARGS) {
    (void)comp;
    const long kgs = Kp / 4;
    for (long nb = nb0; nb < nb1; nb++) {
        const uint8_t *xb = packed + nb * Kp * 16;
        long rem = N - nb * 16 < 16 ? N - nb * 16 : 16;
        for (long m = m0; m < m1; m += 2) {
            const int rows = m + 1 < m1 ? 2 : 1;
            const int8_t *wr0 = w + m * Kp, *wr1 = rows == 2 ? wr0 + Kp : wr0;
            int32x4_t a[2][8];
            for (int r = 0; r < 2; r++)
                for (int i = 0; i < 8; i++) a[r][i] = vdupq_n_s32(0);
            long kg = 0;
            for (; kg + 2 <= kgs; kg += 2) {
                const uint8_t *xs = xb + kg * 64;
                int8x16_t x0 = wc_q8_load_x(xs), x1 = wc_q8_load_x(xs + 16);
                int8x16_t x2 = wc_q8_load_x(xs + 32), x3 = wc_q8_load_x(xs + 48);
                int8x16_t y0 = wc_q8_load_x(xs + 64), y1 = wc_q8_load_x(xs + 80);
                int8x16_t y2 = wc_q8_load_x(xs + 96), y3 = wc_q8_load_x(xs + 112);
                int8x16_t wa = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr0 + kg * 4)));
                int8x16_t wb = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr0 + kg * 4 + 4)));
                WC_Q8_MAC_PAIR(a[0] + 0, x0, y0, wa, wb);
                WC_Q8_MAC_PAIR(a[0] + 2, x1, y1, wa, wb);
                WC_Q8_MAC_PAIR(a[0] + 4, x2, y2, wa, wb);
                WC_Q8_MAC_PAIR(a[0] + 6, x3, y3, wa, wb);
                wa = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr1 + kg * 4)));
                wb = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr1 + kg * 4 + 4)));
                WC_Q8_MAC_PAIR(a[1] + 0, x0, y0, wa, wb);
                WC_Q8_MAC_PAIR(a[1] + 2, x1, y1, wa, wb);
                WC_Q8_MAC_PAIR(a[1] + 4, x2, y2, wa, wb);
                WC_Q8_MAC_PAIR(a[1] + 6, x3, y3, wa, wb);
            }
            if (kg < kgs) {
                const uint8_t *xs = xb + kg * 64;
                int8x16_t x0 = wc_q8_load_x(xs), x1 = wc_q8_load_x(xs + 16);
                int8x16_t x2 = wc_q8_load_x(xs + 32), x3 = wc_q8_load_x(xs + 48);
                for (int r = 0; r < rows; r++) {
                    const int8_t *wr = r ? wr1 : wr0;
                    int8x16_t wa = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr + kg * 4)));
                    WC_Q8_MAC_ONE(a[r] + 0, x0, wa);
                    WC_Q8_MAC_ONE(a[r] + 2, x1, wa);
                    WC_Q8_MAC_ONE(a[r] + 4, x2, wa);
                    WC_Q8_MAC_ONE(a[r] + 6, x3, wa);
                }
            }
            for (int r = 0; r < rows; r++) {
                long mm = m + r;
                wc_q8_store16(vpaddq_s32(a[r][0], a[r][1]), vpaddq_s32(a[r][2], a[r][3]),
                              vpaddq_s32(a[r][4], a[r][5]), vpaddq_s32(a[r][6], a[r][7]),
                              scale[mm], bias[mm], act, a0, a1, out + mm * ldo + nb * 16, rem);
            }
        }
    }
}

// MARK: dot product: sdot by lane
#define WC_Q8_SDOT_ROW(r, wv, lane)                                                              \
    c[r][0] = vdotq_laneq_s32(c[r][0], x0, wv, lane);                                            \
    c[r][1] = vdotq_laneq_s32(c[r][1], x1, wv, lane);                                            \
    c[r][2] = vdotq_laneq_s32(c[r][2], x2, wv, lane);                                            \
    c[r][3] = vdotq_laneq_s32(c[r][3], x3, wv, lane);
#define WC_Q8_SDOT_KG(q)                                                                         \
    {                                                                                            \
        const uint8_t *xs = xb + (kg + q) * 64;                                                  \
        int8x16_t x0 = wc_q8_load_x(xs), x1 = wc_q8_load_x(xs + 16);                             \
        int8x16_t x2 = wc_q8_load_x(xs + 32), x3 = wc_q8_load_x(xs + 48);                        \
        WC_Q8_SDOT_ROW(0, b0, q) WC_Q8_SDOT_ROW(1, b1, q)                                        \
        WC_Q8_SDOT_ROW(2, b2, q) WC_Q8_SDOT_ROW(3, b3, q)                                        \
    }

WC_TARGET_DOTPROD
void wc_qgemm_neon_dotprod(WC_QGEMM_ARGS) {
    (void)comp;
    const long kgs = Kp / 4;
    for (long nb = nb0; nb < nb1; nb++) {
        const uint8_t *xb = packed + nb * Kp * 16;
        long rem = N - nb * 16 < 16 ? N - nb * 16 : 16;
        long m = m0;
        for (; m + 4 <= m1; m += 4) {
            const int8_t *w0 = w + m * Kp, *w1 = w0 + Kp, *w2 = w1 + Kp, *w3 = w2 + Kp;
            int32x4_t c[4][4];
            for (int r = 0; r < 4; r++)
                for (int v = 0; v < 4; v++) c[r][v] = vdupq_n_s32(0);
            long kg = 0;
            for (; kg + 4 <= kgs; kg += 4) {
                // Lane q of b_r holds row r's weights of k-group kg + q.
                int8x16_t b0 = vld1q_s8(w0 + kg * 4), b1 = vld1q_s8(w1 + kg * 4);
                int8x16_t b2 = vld1q_s8(w2 + kg * 4), b3 = vld1q_s8(w3 + kg * 4);
                WC_Q8_SDOT_KG(0) WC_Q8_SDOT_KG(1) WC_Q8_SDOT_KG(2) WC_Q8_SDOT_KG(3)
            }
            for (; kg < kgs; kg++) {
                int32x4_t t = {wc_q8_load4(w0 + kg * 4), wc_q8_load4(w1 + kg * 4),
                               wc_q8_load4(w2 + kg * 4), wc_q8_load4(w3 + kg * 4)};
                int8x16_t bt = vreinterpretq_s8_s32(t);
                const uint8_t *xs = xb + kg * 64;
                int8x16_t x0 = wc_q8_load_x(xs), x1 = wc_q8_load_x(xs + 16);
                int8x16_t x2 = wc_q8_load_x(xs + 32), x3 = wc_q8_load_x(xs + 48);
                WC_Q8_SDOT_ROW(0, bt, 0) WC_Q8_SDOT_ROW(1, bt, 1)
                WC_Q8_SDOT_ROW(2, bt, 2) WC_Q8_SDOT_ROW(3, bt, 3)
            }
            for (int r = 0; r < 4; r++)
                wc_q8_store16(c[r][0], c[r][1], c[r][2], c[r][3], scale[m + r], bias[m + r], act,
                              a0, a1, out + (m + r) * ldo + nb * 16, rem);
        }
        for (; m < m1; m++) {
            const int8_t *wr = w + m * Kp;
            int32x4_t c0 = vdupq_n_s32(0), c1 = c0, c2 = c0, c3 = c0;
            for (long kg = 0; kg < kgs; kg++) {
                int8x16_t wb = vreinterpretq_s8_s32(vdupq_n_s32(wc_q8_load4(wr + kg * 4)));
                const uint8_t *xs = xb + kg * 64;
                c0 = vdotq_s32(c0, wc_q8_load_x(xs), wb);
                c1 = vdotq_s32(c1, wc_q8_load_x(xs + 16), wb);
                c2 = vdotq_s32(c2, wc_q8_load_x(xs + 32), wb);
                c3 = vdotq_s32(c3, wc_q8_load_x(xs + 48), wb);
            }
            wc_q8_store16(c0, c1, c2, c3, scale[m], bias[m], act, a0, a1, out + m * ldo + nb * 16, rem);
        }
    }
}

// MARK: i8mm: smmla
// smmla(acc, A, B): A = 2 rows x 8 k, B = 2 columns x 8 k, acc = [r0c0 r0c1 r1c0 r1c1].
// Packed x holds 4 k per column per k-group; zip of two k-groups' 32-bit lanes gives 8 k for a
// pair of columns: zip1(X, Y) = columns (4v, 4v+1), zip2(X, Y) = columns (4v+2, 4v+3).
#define WC_Q8_MMLA_COLS(v, X, Y)                                                                 \
    {                                                                                            \
        int8x16_t lo = vreinterpretq_s8_s32(vzip1q_s32(vreinterpretq_s32_s8(X), vreinterpretq_s32_s8(Y))); \
        int8x16_t hi = vreinterpretq_s8_s32(vzip2q_s32(vreinterpretq_s32_s8(X), vreinterpretq_s32_s8(Y))); \
        c[0][2 * v] = vmmlaq_s32(c[0][2 * v], A01, lo);                                          \
        c[0][2 * v + 1] = vmmlaq_s32(c[0][2 * v + 1], A01, hi);                                  \
        c[1][2 * v] = vmmlaq_s32(c[1][2 * v], A23, lo);                                          \
        c[1][2 * v + 1] = vmmlaq_s32(c[1][2 * v + 1], A23, hi);                                  \
    }

WC_TARGET_I8MM
static inline int8x16_t wc_q8_rows8(const int8_t *ra, const int8_t *rb, int half) {
    if (!half) return vcombine_s8(vld1_s8(ra), vld1_s8(rb));
    // Last odd k-group: 4 weights, upper 4 zero (never reads past the row).
    uint64_t la = (uint32_t)wc_q8_load4(ra), lb = (uint32_t)wc_q8_load4(rb);
    return vcombine_s8(vcreate_s8(la), vcreate_s8(lb));
}

WC_TARGET_I8MM
void wc_qgemm_neon_i8mm(WC_QGEMM_ARGS) {
    const long kgs = Kp / 4;
    long mEnd = m0 + (m1 - m0) / 4 * 4;
    for (long nb = nb0; nb < nb1; nb++) {
        const uint8_t *xb = packed + nb * Kp * 16;
        long rem = N - nb * 16 < 16 ? N - nb * 16 : 16;
        for (long m = m0; m < mEnd; m += 4) {
            const int8_t *w0 = w + m * Kp, *w1 = w0 + Kp, *w2 = w1 + Kp, *w3 = w2 + Kp;
            int32x4_t c[2][8];
            for (int r = 0; r < 2; r++)
                for (int v = 0; v < 8; v++) c[r][v] = vdupq_n_s32(0);
            for (long kg = 0; kg < kgs; kg += 2) {
                const int half = kg + 1 >= kgs;
                const uint8_t *xs = xb + kg * 64;
                int8x16_t A01 = wc_q8_rows8(w0 + kg * 4, w1 + kg * 4, half);
                int8x16_t A23 = wc_q8_rows8(w2 + kg * 4, w3 + kg * 4, half);
                int8x16_t X0 = wc_q8_load_x(xs), X1 = wc_q8_load_x(xs + 16);
                int8x16_t X2 = wc_q8_load_x(xs + 32), X3 = wc_q8_load_x(xs + 48);
                int8x16_t Y0, Y1, Y2, Y3;
                if (half) {
                    Y0 = Y1 = Y2 = Y3 = vdupq_n_s8(0);
                } else {
                    Y0 = wc_q8_load_x(xs + 64); Y1 = wc_q8_load_x(xs + 80);
                    Y2 = wc_q8_load_x(xs + 96); Y3 = wc_q8_load_x(xs + 112);
                }
                WC_Q8_MMLA_COLS(0, X0, Y0) WC_Q8_MMLA_COLS(1, X1, Y1)
                WC_Q8_MMLA_COLS(2, X2, Y2) WC_Q8_MMLA_COLS(3, X3, Y3)
            }
            for (int p = 0; p < 2; p++) {
                int32x4_t q[2][4]; // [row within pair][column quad]
                for (int v = 0; v < 4; v++) {
                    int64x2_t e = vreinterpretq_s64_s32(c[p][2 * v]);
                    int64x2_t f = vreinterpretq_s64_s32(c[p][2 * v + 1]);
                    q[0][v] = vreinterpretq_s32_s64(vzip1q_s64(e, f));
                    q[1][v] = vreinterpretq_s32_s64(vzip2q_s64(e, f));
                }
                for (int r = 0; r < 2; r++) {
                    long mm = m + 2 * p + r;
                    wc_q8_store16(q[r][0], q[r][1], q[r][2], q[r][3], scale[mm], bias[mm], act,
                                  a0, a1, out + mm * ldo + nb * 16, rem);
                }
            }
        }
    }
    if (mEnd < m1)
        wc_qgemm_neon_dotprod(w, Kp, packed, N, mEnd, m1, nb0, nb1, comp, scale, bias, act, a0,
                              a1, out, ldo);
}
#endif
