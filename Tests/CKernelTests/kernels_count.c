// One call of each SIMD int8 GEMM level this CPU supports and of the packed fp32 GEMM, on
// NanoDet-m 1x1 layer shapes, for exact instruction counts under qemu-aarch64
// (scripts/arm-kernels-test --count runs it with -one-insn-per-tb -d exec,nochain and counts the
// executed instructions by the function they belong to). Usage: kernels-count M K N
#include "CWayCueKernels.h"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    long M = atol(argv[1]), K = atol(argv[2]), N = atol(argv[3]), Kp = (K + 3) / 4 * 4;
    int8_t *w = calloc((size_t)(M * Kp), 1);
    int32_t *comp = calloc((size_t)M, 4);
    float *scale = malloc(4 * (size_t)M), *bias = calloc((size_t)M, 4);
    float *x = malloc(4 * (size_t)(K * N)), *out = malloc(4 * (size_t)(M * N));
    float *pa = malloc(4 * wc_sgemm_packed_a_size(M, K)), *wf = malloc(4 * (size_t)(M * K));
    for (long i = 0; i < M * Kp; i++) w[i] = (int8_t)(i % 255 - 127);
    for (long i = 0; i < M; i++) scale[i] = 1e-3f;
    for (long i = 0; i < K * N; i++) x[i] = (float)(i % 17) / 17.f - 0.5f;
    for (long i = 0; i < M * K; i++) wf[i] = (float)(i % 13) / 13.f - 0.5f;
    wc_sgemm_pack_a(wf, M, K, K, pa);
    uint8_t *packed = malloc(wc_qgemm_packed_size(K, N));
    wc_qgemm_pack_x(x, K, N, N, 100.f, packed);
    const int levels[] = {WC_Q8_NEON, WC_Q8_NEON_DOTPROD, WC_Q8_NEON_I8MM, WC_Q8_AVX2, WC_Q8_AVX512VNNI};
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++)
        if (wc_qgemm_level_supported(levels[l]))
            wc_qgemm_compute(levels[l], w, Kp, packed, N, 0, M, 0, (N + 15) / 16, comp, scale, bias, 1, 0, 0, out, N);
    wc_sgemm_packed_compute(pa, M, K, x, N, 0, N, bias, 1, 0, 0, out, N);
    printf("%g\n", out[0]);
    return 0;
}
