// Side-by-side timing of the int8 GEMM levels this CPU supports and of the packed fp32 GEMM, on
// NanoDet-m's 1x1 layer shapes (out x in x pixels). Runs interleaved, reports medians.
// Build and run: scripts/arm-kernels-test --bench (native only: timings under qemu mean nothing).
#include "CWayCueKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 31;
    const long shapes[][3] = {{116, 116, 1600}, {232, 232, 400}, {464, 464, 100}, {96, 96, 1600}, {58, 24, 6400}};
    const int levels[] = {WC_Q8_PORTABLE, WC_Q8_AVX2, WC_Q8_AVX512VNNI, WC_Q8_NEON, WC_Q8_NEON_DOTPROD, WC_Q8_NEON_I8MM};
    const int nl = sizeof levels / sizeof *levels;
    printf("%-16s %-12s %10s %10s\n", "shape MxKxN", "kernel", "median_us", "GOP/s");
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        long M = shapes[s][0], K = shapes[s][1], N = shapes[s][2], Kp = (K + 3) / 4 * 4;
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
        double *t = malloc(sizeof(double) * (size_t)(runs * (nl + 1)));
        for (int r = 0; r < runs; r++) {
            for (int l = 0; l <= nl; l++) {
                double t0 = now();
                if (l == nl) wc_sgemm_packed_compute(pa, M, K, x, N, 0, N, bias, 1, 0, 0, out, N);
                else if (wc_qgemm_level_supported(levels[l]))
                    wc_qgemm_compute(levels[l], w, Kp, packed, N, 0, M, 0, (N + 15) / 16, comp, scale, bias, 1, 0, 0, out, N);
                t[l * runs + r] = now() - t0;
            }
        }
        char name[32];
        snprintf(name, sizeof name, "%ldx%ldx%ld", M, K, N);
        for (int l = 0; l <= nl; l++) {
            if (l < nl && !wc_qgemm_level_supported(levels[l])) continue;
            qsort(t + l * runs, (size_t)runs, sizeof(double), cmp);
            double med = t[l * runs + runs / 2];
            printf("%-16s %-12s %10.1f %10.2f\n", name, l == nl ? wc_sgemm_packed_kernel_name() : wc_qgemm_level_name(levels[l]),
                   med * 1e6, 2.0 * M * K * N / med * 1e-9);
        }
        free(w); free(comp); free(scale); free(bias); free(x); free(out); free(pa); free(wf); free(packed); free(t);
    }
    return 0;
}
