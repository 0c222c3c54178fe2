// x86-64 AVX2 int8 GEMM (for CPUs without AVX-512 VNNI, such as Zen 3 and Haswell..Comet Lake).
// vpmaddubsw multiplies unsigned by signed bytes and saturates pair sums to int16, so the
// unsigned activations (x + 128, up to 255) cannot go in directly: 255 * 127 * 2 > 32767.
// Instead the activations are flipped back to signed x (eor 0x80) and the sign of each weight
// is moved onto them: w * x = |w| * (sign(w) * x), computed as maddubs(abs(w), sign(x, w)).
// With |w|, |x| <= 127 a pair sum is at most 32258: exact. vpmaddwd with ones widens the pairs
// to int32. 4 rows x 16 columns (two ymm per row).
#include "QGEMMInternal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define WC_AVX2 __attribute__((target("avx2,fma")))

WC_AVX2 static inline __m256 wc_q8_act8(__m256 y, int act, float a0, float a1) {
    if (act == 1) return _mm256_max_ps(y, _mm256_setzero_ps());
    if (act == 2) {
        __m256 neg = _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_LT_OQ);
        return _mm256_blendv_ps(y, _mm256_mul_ps(y, _mm256_set1_ps(a0)), neg);
    }
    if (act == 3) return _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(a0)), _mm256_set1_ps(a1));
    return y;
}

WC_AVX2 static inline void wc_q8_store16_avx2(__m256i c0, __m256i c1, float sc, float bs, int act,
                                              float a0, float a1, float *o, long rem) {
    __m256 s = _mm256_set1_ps(sc), b = _mm256_set1_ps(bs);
    __m256 y0 = wc_q8_act8(_mm256_fmadd_ps(_mm256_cvtepi32_ps(c0), s, b), act, a0, a1);
    __m256 y1 = wc_q8_act8(_mm256_fmadd_ps(_mm256_cvtepi32_ps(c1), s, b), act, a0, a1);
    if (rem >= 16) {
        _mm256_storeu_ps(o, y0);
        _mm256_storeu_ps(o + 8, y1);
    } else {
        float t[16];
        _mm256_storeu_ps(t, y0);
        _mm256_storeu_ps(t + 8, y1);
        memcpy(o, t, sizeof(float) * (size_t)rem);
    }
}

// acc += sum over 4 k of w * x, for 8 columns.
#define WC_Q8_AVX2_MAC(acc, x, wabs, wsgn)                                                       \
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(                                               \
                                    _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(x, wsgn)), ones))

WC_AVX2
void wc_qgemm_avx2(WC_QGEMM_ARGS) {
    (void)comp;
    const long kgs = Kp / 4;
    const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    for (long nb = nb0; nb < nb1; nb++) {
        const uint8_t *xb = packed + nb * Kp * 16;
        long rem = N - nb * 16 < 16 ? N - nb * 16 : 16;
        for (long m = m0; m < m1; m += 4) {
            const int rows = m1 - m < 4 ? (int)(m1 - m) : 4;
            const int8_t *wr[4];
            for (int r = 0; r < 4; r++) wr[r] = w + (m + (r < rows ? r : 0)) * Kp;
            __m256i c[4][2];
            for (int r = 0; r < 4; r++) c[r][0] = c[r][1] = _mm256_setzero_si256();
            for (long kg = 0; kg < kgs; kg++) {
                const uint8_t *xs = xb + kg * 64;
                __m256i x0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)xs), flip);
                __m256i x1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xs + 32)), flip);
                for (int r = 0; r < 4; r++) {
                    int32_t wv;
                    memcpy(&wv, wr[r] + kg * 4, 4);
                    __m256i ws = _mm256_set1_epi32(wv), wa = _mm256_abs_epi8(ws);
                    WC_Q8_AVX2_MAC(c[r][0], x0, wa, ws);
                    WC_Q8_AVX2_MAC(c[r][1], x1, wa, ws);
                }
            }
            for (int r = 0; r < rows; r++)
                wc_q8_store16_avx2(c[r][0], c[r][1], scale[m + r], bias[m + r], act, a0, a1,
                                   out + (m + r) * ldo + nb * 16, rem);
        }
    }
}
#endif
