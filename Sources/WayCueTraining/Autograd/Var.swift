#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif
import Foundation
import WayCueNN

/// A batched NCHW float tensor on the autograd tape: its values and (once needed) its gradient.
///
/// Storage is manually managed (one aligned allocation each) so the hot loops of the ops run on
/// raw pointers without copy-on-write checks.
public final class Var: @unchecked Sendable {
    /// Shape `[n, c, h, w]`.
    public let n: Int, c: Int, h: Int, w: Int
    /// Values, `count` floats.
    public let data: UnsafeMutablePointer<Float>
    private var gradStorage: UnsafeMutablePointer<Float>?
    /// Whether gradients flow into this tensor (parameters and everything computed from them).
    public var requiresGrad: Bool

    /// Element count.
    public var count: Int { n * c * h * w }
    /// One channel plane.
    public var plane: Int { h * w }

    /// Creates a zero tensor (or, with `zeroed: false`, one whose values the caller overwrites).
    public init(n: Int, c: Int, h: Int, w: Int, requiresGrad: Bool = false, zeroed: Bool = true) {
        self.n = n; self.c = c; self.h = h; self.w = w
        self.requiresGrad = requiresGrad
        let k = max(n * c * h * w, 1)
        data = BufferPool.shared.take(k)
        if zeroed { data.update(repeating: 0, count: k) }
    }

    /// Creates a tensor holding `values` (count must match the shape).
    public convenience init(n: Int, c: Int, h: Int, w: Int, values: [Float], requiresGrad: Bool = false) {
        self.init(n: n, c: c, h: h, w: w, requiresGrad: requiresGrad)
        precondition(values.count == count, "values do not match the shape")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit {
        let k = max(count, 1)
        BufferPool.shared.give(data, k)
        if let g = gradStorage { BufferPool.shared.give(g, k) }
    }

    /// The gradient, allocated (zeroed) on first use.
    public var grad: UnsafeMutablePointer<Float> {
        if let g = gradStorage { return g }
        let k = max(count, 1)
        let g = BufferPool.shared.take(k)
        g.update(repeating: 0, count: k)
        gradStorage = g
        return g
    }

    /// Whether a gradient has been allocated.
    public var hasGrad: Bool { gradStorage != nil }

    /// Sets the gradient to zero (keeps the allocation).
    public func zeroGrad() { gradStorage?.update(repeating: 0, count: max(count, 1)) }

    /// Values as an array.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    /// Gradient as an array (zeros when none was allocated).
    public var gradValues: [Float] {
        gradStorage.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [Float](repeating: 0, count: count)
    }

    /// Replaces the values.
    public func setValues(_ v: [Float]) {
        precondition(v.count == count)
        v.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }
}

/// A reverse-mode tape: ops append closures that push gradients from their output into their
/// inputs; `backward` runs them newest first.
public final class Tape {
    private var steps: [() -> Void] = []
    /// True while recording (training); false makes ops skip recording (evaluation).
    public var recording: Bool
    /// Training mode (batch statistics in batch norm) or evaluation mode (running statistics).
    public var training: Bool
    /// The thread pool shared by the ops.
    public let pool: ThreadPool

    /// Creates a tape.
    public init(training: Bool = true, pool: ThreadPool) {
        self.training = training
        self.recording = training
        self.pool = pool
    }

    /// Records a backward step (only when recording and some input needs gradients).
    func record(_ needed: Bool, _ step: @escaping () -> Void) {
        if recording && needed { steps.append(step) }
    }

    /// Runs the recorded backward steps, newest first, then forgets them.
    public func backward() {
        for s in steps.reversed() { s() }
        steps.removeAll(keepingCapacity: true)
    }

    /// Drops recorded steps without running them.
    public func reset() { steps.removeAll(keepingCapacity: true) }
}

/// Splits `0..<count` into `parts` contiguous ranges.
@inline(__always)
func chunkRange(_ i: Int, of parts: Int, count: Int) -> Range<Int> {
    let per = (count + parts - 1) / parts
    let lo = min(i * per, count)
    return lo..<min(lo + per, count)
}

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
@inline(__always)
func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
          b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Recycles tensor buffers by exact size: a training step allocates the same shapes every
/// time, and fresh pages cost more (page faults, zeroing by the kernel) than the math of the
/// cheap ops. Thread-safe.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var held = 0
    private let lock = NSLock()
    /// Floats kept at most (beyond this, buffers are released).
    var limit = 1 << 30

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if var list = free[count], let p = list.popLast() {
            free[count] = list
            held -= count
            lock.unlock()
            return p
        }
        lock.unlock()
        return .allocate(capacity: count)
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        lock.lock()
        if held + count <= limit {
            free[count, default: []].append(p)
            held += count
            lock.unlock()
        } else {
            lock.unlock()
            p.deallocate()
        }
    }
}
