// Internal contract shared by the int8 GEMM kernels of each instruction set (not public API).
// Every kernel computes, for rows [m0, m1) and 16-column blocks [nb0, nb1):
//   out[m*ldo + n] = act((sum_k w[m][k] * x[k][n]) * scale[m] + bias[m])   (fmaf, then act)
// where x[k][n] = packed - 128 (signed). The portable kernel is the reference for all of them.
#ifndef CWAYCUE_QGEMM_INTERNAL_H
#define CWAYCUE_QGEMM_INTERNAL_H
#include "CWayCueKernels.h"

#define WC_QGEMM_ARGS                                                                            \
    const int8_t *w, long Kp, const uint8_t *packed, long N, long m0, long m1, long nb0,          \
        long nb1, const int32_t *comp, const float *scale, const float *bias, int act, float a0, \
        float a1, float *out, long ldo

void wc_qgemm_portable(WC_QGEMM_ARGS);
#if defined(__x86_64__)
void wc_qgemm_avx2(WC_QGEMM_ARGS);
void wc_qgemm_vnni512(WC_QGEMM_ARGS);
#endif
#if defined(__aarch64__)
void wc_qgemm_neon(WC_QGEMM_ARGS);
void wc_qgemm_neon_dotprod(WC_QGEMM_ARGS);
void wc_qgemm_neon_i8mm(WC_QGEMM_ARGS);
#endif

static inline float wc_q8_act(float y, int act, float a0, float a1) {
    switch (act) {
    case 1: return y > 0 ? y : 0;
    case 2: return y > 0 ? y : y * a0;
    case 3: return y < a0 ? a0 : (y > a1 ? a1 : y);
    default: return y;
    }
}
#endif
