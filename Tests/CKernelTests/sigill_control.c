// Negative control for scripts/arm-kernels-test: calls the dot-product kernel directly, past
// the CPU check. Under qemu -cpu cortex-a53 (no FEAT_DotProd) it must die with SIGILL; if it
// does not, the emulator is not enforcing CPU features and the kernel tests prove nothing.
#include "QGEMMInternal.h"
#include <stdio.h>

int main(void) {
#if defined(__aarch64__)
    int8_t w[4] = {1, 2, 3, 4};
    uint8_t x[64];
    for (int i = 0; i < 64; i++) x[i] = (uint8_t)(128 + i % 4);
    int32_t comp[1] = {0};
    float scale[1] = {1}, bias[1] = {0}, out[16];
    wc_qgemm_neon_dotprod(w, 4, x, 16, 0, 1, 0, 1, comp, scale, bias, 0, 0, 0, out, 16);
    printf("sdot executed: %g\n", out[0]);
#endif
    return 0;
}
