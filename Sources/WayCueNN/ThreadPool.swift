import CWayCueKernels

/// A fixed pool of worker threads, created once and reused for every inference.
///
/// `parallelFor` runs its body for each index on the pool's threads and the caller's thread,
/// and returns when all are done. It allocates nothing per call.
public final class ThreadPool: @unchecked Sendable {
    let raw: OpaquePointer
    /// Threads in all, counting the calling thread.
    public let threads: Int

    /// Creates a pool of `threads` threads in all (1 means: run everything on the caller).
    public init(threads: Int) {
        raw = wc_pool_create(Int32(max(1, threads)))
        self.threads = Int(wc_pool_threads(raw))
    }

    deinit { wc_pool_destroy(raw) }

    /// Runs `body(i)` for every i in `0..<count`, in parallel across the pool.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            withUnsafePointer(to: escapable) { p in
                wc_pool_run(raw, count, { ctx, i in
                    ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(i))
                }, UnsafeMutableRawPointer(mutating: p))
            }
        }
    }
}
