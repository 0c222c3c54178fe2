#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif
import CWayCueKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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

/// C[M x N] = A^T * B with A stored `[K x M]` (lda = M). OpenBLAS's SkylakeX small-matrix path
/// (M*N*K up to about 1e6, no transpose) allocates on every call; the transposed form does not.
@inline(__always)
func sgemmTransA(
    m: Int, n: Int, k: Int, at: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, at, Int32(m),
        b, Int32(ldb), 0, c, Int32(ldc))
}

/// The BLAS call handed to the C worker pool (single-threaded BLAS on each column slice).
let blasSGEMM: wc_sgemm_fn = { transA, m, n, k, a, lda, b, ldb, c, ldc in
    cblas_sgemm(
        CblasRowMajor, transA != 0 ? CblasTrans : CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
        a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
}

/// Sets the number of threads BLAS may use (OpenBLAS only; Accelerate manages its own).
public func setBLASThreads(_ n: Int) {
    #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(n))
    #endif
}

/// What BLAS build is running, and whether it under-uses this CPU.
public enum BLASInfo {
    /// OpenBLAS's name of the kernel set it picked (e.g. "SkylakeX"), or "Accelerate".
    public static var coreName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
        #endif
    }

    /// A better `OPENBLAS_CORETYPE` for this CPU when OpenBLAS picked a weaker kernel set
    /// (older OpenBLAS releases do not recognise newer CPUs and fall back to SSE3 "Prescott"
    /// kernels, about 4-5x slower). nil when nothing better is known. The variable must be set
    /// before OpenBLAS loads, so a program applies it by re-executing itself.
    public static var recommendedCoreType: String? {
        #if canImport(Accelerate)
        return nil
        #else
        let level = wc_cpu_int8_level()
        let name = coreName.lowercased()
        let strong = ["skylakex", "cooperlake", "sapphirerapids", "zen", "haswell"]
        if strong.contains(where: { name.contains($0) }) { return nil }
        return level == WC_Q8_AVX512VNNI ? "SkylakeX" : (wc_cpu_has_avx2() != 0 ? "Haswell" : nil)
        #endif
    }
}

/// Median seconds of a raw `sgemm` (C = A * B, row-major, M x K by K x N) over `runs` calls,
/// for comparing convolutions against plain BLAS on the same shapes.
public func measureSGEMM(m: Int, n: Int, k: Int, runs: Int) -> Double {
    let a = alignedFloatAllocate(m * k), b = alignedFloatAllocate(k * n), c = alignedFloatAllocate(m * n)
    defer { free(a); free(b); free(c) }
    for i in 0..<(m * k) { a[i] = Float(i % 7) * 0.01 }
    for i in 0..<(k * n) { b[i] = Float(i % 5) * 0.01 }
    var times: [Double] = []
    for _ in 0..<max(runs, 1) {
        let t0 = monotonicSeconds()
        sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
        times.append(monotonicSeconds() - t0)
    }
    return times.sorted()[times.count / 2]
}
