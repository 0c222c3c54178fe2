#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif

/// The one place that calls BLAS: C[M x N] = A[M x K] * B[K x N] (+ beta * C), row-major.
@inline(__always)
func sgemm(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
) {
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda),
        b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the number of threads BLAS may use (OpenBLAS only; Accelerate manages its own).
public func setBLASThreads(_ n: Int) {
    #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(n))
    #endif
}
