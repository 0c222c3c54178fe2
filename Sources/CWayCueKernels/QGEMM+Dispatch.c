// CPU feature detection and the run-time choice of int8 GEMM kernel. A level is executed only
// after this CPU has been checked for it, so a kernel built for a newer core never runs on an
// older one (on a Cortex-A53, an sdot would raise SIGILL).
#include "QGEMMInternal.h"
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
// Bit values from the Linux arm64 uapi <asm/hwcap.h>, spelled out for older headers.
#define WC_HWCAP_ASIMD (1UL << 1)
#define WC_HWCAP_ASIMDDP (1UL << 20)
#define WC_HWCAP2_I8MM (1UL << 13)
#endif

int wc_cpu_int8_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) return WC_Q8_AVX512VNNI;
    if (__builtin_cpu_supports("avx2")) return WC_Q8_AVX2;
    return WC_Q8_PORTABLE;
#elif defined(__aarch64__) && defined(__linux__)
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (!(hw & WC_HWCAP_ASIMD)) return WC_Q8_PORTABLE;
    if ((hw & WC_HWCAP_ASIMDDP) && (hw2 & WC_HWCAP2_I8MM)) return WC_Q8_NEON_I8MM;
    if (hw & WC_HWCAP_ASIMDDP) return WC_Q8_NEON_DOTPROD;
    return WC_Q8_NEON;
#elif defined(__aarch64__)
    return WC_Q8_NEON; // AdvSIMD is part of every AArch64 core; finer features not probed here
#else
    return WC_Q8_PORTABLE;
#endif
}

int wc_qgemm_level_supported(int level) {
    int best = wc_cpu_int8_level();
    switch (level) {
    case WC_Q8_PORTABLE: return 1;
#if defined(__x86_64__)
    case WC_Q8_AVX2: return best >= WC_Q8_AVX2;
    case WC_Q8_AVX512VNNI: return best >= WC_Q8_AVX512VNNI;
#endif
#if defined(__aarch64__)
    case WC_Q8_NEON: return best >= WC_Q8_NEON;
    case WC_Q8_NEON_DOTPROD: return best >= WC_Q8_NEON_DOTPROD;
    case WC_Q8_NEON_I8MM: return best >= WC_Q8_NEON_I8MM;
#endif
    default: return 0;
    }
}

const char *wc_qgemm_level_name(int level) {
    switch (level) {
    case WC_Q8_PORTABLE: return "portable-c";
    case WC_Q8_AVX2: return "avx2";
    case WC_Q8_AVX512VNNI: return "avx512-vnni";
    case WC_Q8_NEON: return "neon";
    case WC_Q8_NEON_DOTPROD: return "neon-dotprod";
    case WC_Q8_NEON_I8MM: return "neon-i8mm";
    default: return "unknown";
    }
}

void wc_qgemm_compute(int level, const int8_t *w, long Kp, const uint8_t *packed, long N,
                      long m0, long m1, long nb0, long nb1, const int32_t *comp,
                      const float *scale, const float *bias, int act, float a0, float a1,
                      float *out, long ldo) {
    if (level != WC_Q8_PORTABLE && !wc_qgemm_level_supported(level)) level = WC_Q8_PORTABLE;
    switch (level) {
#if defined(__x86_64__)
    case WC_Q8_AVX512VNNI:
        wc_qgemm_vnni512(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
        return;
    case WC_Q8_AVX2:
        wc_qgemm_avx2(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
        return;
#endif
#if defined(__aarch64__)
    case WC_Q8_NEON_I8MM:
        wc_qgemm_neon_i8mm(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
        return;
    case WC_Q8_NEON_DOTPROD:
        wc_qgemm_neon_dotprod(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
        return;
    case WC_Q8_NEON:
        wc_qgemm_neon(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
        return;
#endif
    default:
        wc_qgemm_portable(w, Kp, packed, N, m0, m1, nb0, nb1, comp, scale, bias, act, a0, a1, out, ldo);
    }
}
