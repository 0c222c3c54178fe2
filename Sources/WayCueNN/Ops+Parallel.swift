import CWayCueKernels

// The data-movement and elementwise ops split across the pool, so that the nodes an imported
// graph keeps separate (channel shuffles, concatenations, adds, activations) do not stay on one
// thread. The work is done by C entry points (`wc_mt_concat_shuffle`, `wc_mt_binary`,
// `wc_mt_activation`) that split contiguous ranges of channels or elements and run small ops on
// the caller; the input pointer lists live in stack buffers, so nothing is allocated per run.
extension Ops {
    /// Copies the channel concatenation of `parts` inputs (`input(p)`), shuffled with `groups`
    /// (1: plain concatenation), into `y`.
    private static func gather(_ parts: Int, _ input: (Int) -> TensorView, _ y: TensorView, groups: Int, pool: ThreadPool) {
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: parts) { srcs in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: parts) { counts in
                for n in 0..<y.shape.n {
                    for p in 0..<parts {
                        let x = input(p)
                        srcs[p] = UnsafePointer(x.channel(0, n: n))
                        counts[p] = x.shape.c
                    }
                    wc_mt_concat_shuffle(pool.raw, srcs.baseAddress, counts.baseAddress, parts, y.channel(0, n: n),
                                         y.shape.c, y.shape.plane, groups)
                }
            }
        }
    }

    /// Concatenation along channels, split by output channel.
    public static func concat(_ xs: [TensorView], _ y: TensorView, pool: ThreadPool) {
        gather(xs.count, { xs[$0] }, y, groups: 1, pool: pool)
    }

    /// Channel shuffle (out[c] = in[(c % groups) * (C / groups) + c / groups]), split by channel.
    public static func shuffle(_ x: TensorView, _ y: TensorView, groups: Int, pool: ThreadPool) {
        gather(1, { _ in x }, y, groups: groups, pool: pool)
    }

    /// Concat of `xs` followed by a channel shuffle in one copy, split by output channel.
    public static func concatShuffle(_ xs: [TensorView], _ y: TensorView, groups: Int, pool: ThreadPool) {
        gather(xs.count, { xs[$0] }, y, groups: groups, pool: pool)
    }

    /// y = a (op) b, split into element ranges.
    public static func binary(_ a: TensorView, _ b: TensorView, _ y: TensorView, _ op: Binary, pool: ThreadPool) {
        wc_mt_binary(pool.raw, a.data, b.data, y.data, y.shape.count, Int32(op.rawValue))
    }

    /// y = act(x), split into element ranges.
    public static func activation(_ x: TensorView, _ y: TensorView, _ act: Activation, pool: ThreadPool) {
        let (c, a0, a1) = act.kernelCode
        wc_mt_activation(pool.raw, x.data, y.data, y.shape.count, c, a0, a1)
    }
}
