// int8 GEMM with activations packed as x + WC_QGEMM_PACKED_OFFSET (unsigned x + 128 on x86-64,
// signed x on AArch64) and signed weights, int32 accumulation and a
// fused dequantize + bias + activation epilogue. The portable C reference and the AVX-512 VNNI
// micro-kernel (8 rows x 32 columns) live here; AVX2 in QGEMM+AVX2.c, AArch64 NEON, dot-product
// and i8mm in QGEMM+NEON.c; CPU detection and dispatch in QGEMM+Dispatch.c.
#include "QGEMMInternal.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

static inline long wc_round_up(long v, long m) { return (v + m - 1) / m * m; }

size_t wc_qgemm_packed_size(long K, long N) {
    return (size_t)(wc_round_up(K, 4) * wc_round_up(N, 16));
}

static inline uint8_t wc_q8(float v, float invScale) {
    v *= invScale;
    v = v > 127.f ? 127.f : (v < -127.f ? -127.f : v);
    return (uint8_t)((int)(v + (v >= 0.f ? 0.5f : -0.5f)) + WC_QGEMM_PACKED_OFFSET);
}

#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void wc_qgemm_pack_x(const float *x, long K, long N, long ldx, float invScale, uint8_t *packed) {
    long Kp = wc_round_up(K, 4), Np = wc_round_up(N, 16);
    long blocks = Np / 16, fullBlocks = N / 16;
    for (long kg = 0; kg < Kp / 4; kg++) {
        const float *r[4];
        int valid[4];
        for (int kr = 0; kr < 4; kr++) {
            long k = kg * 4 + kr;
            valid[kr] = k < K;
            r[kr] = x + (valid[kr] ? k : 0) * ldx;
        }
        if (valid[3]) {
            long nb = 0;
#if defined(__aarch64__)
            // 16 columns x 4 k per step, the same arithmetic as wc_q8 lane by lane (v * invScale,
            // + 0.5 with v's sign bit, truncate: -0 gets -0.5 where wc_q8 adds +0.5, and both
            // truncate to 0); the clamp to +-127 becomes saturating
            // narrows and a max with -127 (the bounds are integers, so clamping before or after
            // the rounding gives the same value); st4 interleaves the four k rows per column.
            const float32x4_t inv = vdupq_n_f32(invScale), half = vdupq_n_f32(0.5f);
            const uint32x4_t sign = vdupq_n_u32(0x80000000u);
            const int8x16_t lo = vdupq_n_s8(-127);
            for (; nb < fullBlocks; nb++) {
                int8x16x4_t q;
                for (int kr = 0; kr < 4; kr++) {
                    const float32x4x4_t v = vld1q_f32_x4(r[kr] + nb * 16);
                    int32x4_t i[4];
                    for (int e = 0; e < 4; e++) {
                        const float32x4_t t = vmulq_f32(v.val[e], inv);
                        i[e] = vcvtq_s32_f32(vaddq_f32(t, vbslq_f32(sign, t, half)));
                    }
                    const int16x8_t h0 = vqmovn_high_s32(vqmovn_s32(i[0]), i[1]);
                    const int16x8_t h1 = vqmovn_high_s32(vqmovn_s32(i[2]), i[3]);
                    q.val[kr] = vmaxq_s8(vqmovn_high_s16(vqmovn_s16(h0), h1), lo);  // offset 0 here
                }
                vst4q_s8((int8_t *)(packed + (nb * Kp + kg * 4) * 16), q);
            }
#endif
            for (; nb < fullBlocks; nb++) {
                uint8_t *restrict dst = packed + (nb * Kp + kg * 4) * 16;
                const float *r0 = r[0] + nb * 16, *r1 = r[1] + nb * 16, *r2 = r[2] + nb * 16, *r3 = r[3] + nb * 16;
                for (int j = 0; j < 16; j++) {
                    dst[j * 4 + 0] = wc_q8(r0[j], invScale);
                    dst[j * 4 + 1] = wc_q8(r1[j], invScale);
                    dst[j * 4 + 2] = wc_q8(r2[j], invScale);
                    dst[j * 4 + 3] = wc_q8(r3[j], invScale);
                }
            }
        }
        for (long nb = valid[3] ? fullBlocks : 0; nb < blocks; nb++) {
            uint8_t *dst = packed + (nb * Kp + kg * 4) * 16;
            for (int j = 0; j < 16; j++) {
                long n = nb * 16 + j;
                for (int kr = 0; kr < 4; kr++)
                    dst[j * 4 + kr] = (valid[kr] && n < N) ? wc_q8(r[kr][n], invScale) : WC_QGEMM_PACKED_OFFSET;
            }
        }
    }
}

// A packed byte as the kernels multiply it: unsigned x + 128 (then acc - comp is the signed
// sum), or the signed x itself where the offset is 0.
#define WC_Q8_X(u) (WC_QGEMM_PACKED_OFFSET ? (int32_t)(u) : (int32_t)(int8_t)(u))

void wc_qgemm_portable(WC_QGEMM_ARGS) {
    for (long m = m0; m < m1; m++) {
        const int8_t *wr = w + m * Kp;
        for (long nb = nb0; nb < nb1; nb++) {
            int32_t acc[16] = {0};
            const uint8_t *xb = packed + nb * Kp * 16;
            for (long kg = 0; kg < Kp / 4; kg++) {
                const uint8_t *xs = xb + kg * 64;
                const int8_t *ws = wr + kg * 4;
                for (int j = 0; j < 16; j++) {
                    acc[j] += WC_Q8_X(xs[j * 4]) * ws[0] + WC_Q8_X(xs[j * 4 + 1]) * ws[1] +
                              WC_Q8_X(xs[j * 4 + 2]) * ws[2] + WC_Q8_X(xs[j * 4 + 3]) * ws[3];
                }
            }
            long nEnd = N - nb * 16 < 16 ? N - nb * 16 : 16;
            float *o = out + m * ldo + nb * 16;
            for (long j = 0; j < nEnd; j++)
                o[j] = wc_q8_act(fmaf((float)(acc[j] - (WC_QGEMM_PACKED_OFFSET ? comp[m] : 0)), scale[m], bias[m]),
                                 act, a0, a1);
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline __m512 wc_epilogue512(__m512i acc, __m512i cm, __m512 sc, __m512 bs, int act,
                                    float a0, float a1) {
    __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc, cm)), sc, bs);
    if (act == 1) y = _mm512_max_ps(y, _mm512_setzero_ps());
    else if (act == 2) {
        __mmask16 neg = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_LT_OQ);
        y = _mm512_mask_mul_ps(y, neg, y, _mm512_set1_ps(a0));
    } else if (act == 3) y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(a0)), _mm512_set1_ps(a1));
    return y;
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void wc_qgemm_vnni512(const int8_t *w, long Kp, const uint8_t *packed, long N, long m0,
                             long m1, long nb0, long nb1, const int32_t *comp, const float *scale,
                             const float *bias, int act, float a0, float a1, float *out,
                             long ldo) {
    long kgs = Kp / 4;
    long m = m0;
    for (; m + 8 <= m1; m += 8) {
        long nb = nb0;
        for (; nb + 2 <= nb1; nb += 2) {
            __m512i c[8][2];
            for (int r = 0; r < 8; r++) c[r][0] = c[r][1] = _mm512_setzero_si512();
            const uint8_t *x0 = packed + nb * Kp * 16, *x1 = x0 + Kp * 16;
            const int8_t *wr = w + m * Kp;
            for (long kg = 0; kg < kgs; kg++) {
                __m512i a = _mm512_loadu_si512((const void *)(x0 + kg * 64));
                __m512i b = _mm512_loadu_si512((const void *)(x1 + kg * 64));
                for (int r = 0; r < 8; r++) {
                    int32_t wv;
                    memcpy(&wv, wr + r * Kp + kg * 4, 4);
                    __m512i bc = _mm512_set1_epi32(wv);
                    c[r][0] = _mm512_dpbusd_epi32(c[r][0], a, bc);
                    c[r][1] = _mm512_dpbusd_epi32(c[r][1], b, bc);
                }
            }
            for (int r = 0; r < 8; r++) {
                long mm = m + r;
                __m512i cm = _mm512_set1_epi32(comp[mm]);
                __m512 sc = _mm512_set1_ps(scale[mm]), bs = _mm512_set1_ps(bias[mm]);
                for (int h = 0; h < 2; h++) {
                    long n0 = (nb + h) * 16;
                    long rem = N - n0;
                    __m512 y = wc_epilogue512(c[r][h], cm, sc, bs, act, a0, a1);
                    float *o = out + mm * ldo + n0;
                    if (rem >= 16) _mm512_storeu_ps(o, y);
                    else if (rem > 0) _mm512_mask_storeu_ps(o, (__mmask16)((1u << rem) - 1), y);
                }
            }
        }
        for (; nb < nb1; nb++) {
            __m512i c[8];
            for (int r = 0; r < 8; r++) c[r] = _mm512_setzero_si512();
            const uint8_t *x0 = packed + nb * Kp * 16;
            const int8_t *wr = w + m * Kp;
            for (long kg = 0; kg < kgs; kg++) {
                __m512i a = _mm512_loadu_si512((const void *)(x0 + kg * 64));
                for (int r = 0; r < 8; r++) {
                    int32_t wv;
                    memcpy(&wv, wr + r * Kp + kg * 4, 4);
                    c[r] = _mm512_dpbusd_epi32(c[r], a, _mm512_set1_epi32(wv));
                }
            }
            for (int r = 0; r < 8; r++) {
                long mm = m + r, n0 = nb * 16, rem = N - n0;
                __m512 y = wc_epilogue512(c[r], _mm512_set1_epi32(comp[mm]),
                                          _mm512_set1_ps(scale[mm]), _mm512_set1_ps(bias[mm]),
                                          act, a0, a1);
                float *o = out + mm * ldo + n0;
                if (rem >= 16) _mm512_storeu_ps(o, y);
                else if (rem > 0) _mm512_mask_storeu_ps(o, (__mmask16)((1u << rem) - 1), y);
            }
        }
    }
    for (; m < m1; m++) {
        const int8_t *wr = w + m * Kp;
        for (long nb = nb0; nb < nb1; nb++) {
            __m512i c = _mm512_setzero_si512();
            const uint8_t *x0 = packed + nb * Kp * 16;
            for (long kg = 0; kg < kgs; kg++) {
                int32_t wv;
                memcpy(&wv, wr + kg * 4, 4);
                c = _mm512_dpbusd_epi32(c, _mm512_loadu_si512((const void *)(x0 + kg * 64)),
                                        _mm512_set1_epi32(wv));
            }
            long n0 = nb * 16, rem = N - n0;
            __m512 y = wc_epilogue512(c, _mm512_set1_epi32(comp[m]), _mm512_set1_ps(scale[m]),
                                      _mm512_set1_ps(bias[m]), act, a0, a1);
            float *o = out + m * ldo + n0;
            if (rem >= 16) _mm512_storeu_ps(o, y);
            else if (rem > 0) _mm512_mask_storeu_ps(o, (__mmask16)((1u << rem) - 1), y);
        }
    }
}
#endif

int wc_cpu_has_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
