#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a ``Graph``: plans memory once (buffers reused by liveness, views for slices/reshapes),
/// then each run executes precompiled steps without allocating.
public final class GraphRunner: @unchecked Sendable {
    /// The (optimized) graph being run.
    public let graph: Graph
    /// Worker pool. BLAS is set to one thread: the pool splits each GEMM by columns, so that two
    /// thread pools never compete (OpenBLAS's own threading also allocates on each call).
    public let pool: ThreadPool
    /// Precision of the convolutions that have int8 weights.
    public let precision: Precision
    /// Record per-op time in ``opSeconds`` on each run.
    public var profiling = false
    /// Seconds spent in each node on the last run (when ``profiling`` is on).
    public private(set) var opSeconds: [Double]

    private struct Step {
        var op: Op
        var inputs: [TensorView]
        var output: TensorView
        var table: Ops.ResizeTable?
    }
    private var steps: [Step] = []
    private var views: [TensorView?]
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private let scratch: UnsafeMutablePointer<Float>
    /// Bytes of activation buffers and scratch the plan allocated.
    public let plannedBytes: Int
    /// Bytes of activation buffers alone (after reuse by liveness).
    public let activationBytes: Int

    /// Plans memory for `graph` and prepares `threads` threads.
    public init(graph: Graph, threads: Int = 1, precision: Precision = .fp32) throws(NNError) {
        try graph.validate()
        let g = graph.optimized()
        self.graph = g
        self.precision = precision
        pool = ThreadPool(threads: threads)
        setBLASThreads(1) // the pool splits GEMMs by columns; BLAS runs single-threaded in each
        opSeconds = [Double](repeating: 0, count: g.nodes.count)

        // Base value (owner of storage) and float offset of every value.
        var base = Array(0..<g.values.count)
        var offset = [Int](repeating: 0, count: g.values.count)
        for n in g.nodes where n.op.isView {
            let src = n.inputs[0]
            base[n.output] = base[src]
            if case .sliceChannels(let s, _) = n.op {
                offset[n.output] = offset[src] + s * g.values[src].shape.plane
            } else {
                offset[n.output] = offset[src]
            }
        }
        // Last use of each base value, by node position.
        let forever = g.nodes.count
        var lastUse = [Int](repeating: -1, count: g.values.count)
        for (i, n) in g.nodes.enumerated() { for v in n.inputs { lastUse[base[v]] = max(lastUse[base[v]], i) } }
        for o in g.outputs { lastUse[base[o]] = forever }
        for i in g.inputs { lastUse[base[i]] = forever } // the caller writes it before each run

        // Slot assignment: best-fit reuse of freed slots.
        var slotSize: [Int] = []
        var freeSlots: [Int] = []
        var slotOf = [Int](repeating: -1, count: g.values.count)
        func allocate(_ v: Int) {
            let need = (g.values[v].shape.count + 15) / 16 * 16
            if let best = freeSlots.filter({ slotSize[$0] >= need }).min(by: { slotSize[$0] < slotSize[$1] }) {
                freeSlots.removeAll { $0 == best }
                slotOf[v] = best
            } else if let big = freeSlots.max(by: { slotSize[$0] < slotSize[$1] }) {
                freeSlots.removeAll { $0 == big }
                slotSize[big] = need
                slotOf[v] = big
            } else {
                slotSize.append(need)
                slotOf[v] = slotSize.count - 1
            }
        }
        for i in g.inputs { allocate(i) }
        var retire: [[Int]] = Array(repeating: [], count: g.nodes.count)
        for v in 0..<g.values.count where base[v] == v && lastUse[v] >= 0 && lastUse[v] < forever {
            retire[lastUse[v]].append(v)
        }
        for (i, n) in g.nodes.enumerated() {
            if !n.op.isView { allocate(n.output) }
            for v in retire[i] { freeSlots.append(slotOf[v]) }
            if !n.op.isView && lastUse[n.output] < 0 { freeSlots.append(slotOf[n.output]) } // dead value
        }
        buffers = slotSize.map { alignedFloatAllocate($0) }

        for n in g.nodes { if case .conv(let c) = n.op { c.prepare() } }
        // Scratch: the largest any step needs.
        var scratchFloats = 64
        for n in g.nodes {
            if case .conv(let c) = n.op {
                scratchFloats = max(scratchFloats, c.scratchFloats(for: g.values[n.inputs[0]].shape, threads: pool.threads, precision: precision))
            }
            if case .pool(let p) = n.op {
                scratchFloats = max(scratchFloats, pool.threads * Ops.poolScratch(g.values[n.inputs[0]].shape, g.values[n.output].shape, p) + 64)
            }
        }
        scratch = alignedFloatAllocate(scratchFloats)
        plannedBytes = (slotSize.reduce(0, +) + scratchFloats) * 4
        activationBytes = slotSize.reduce(0, +) * 4

        views = g.values.map { _ in nil }
        for v in 0..<g.values.count {
            let b = base[v]
            guard slotOf[b] >= 0 else { continue }
            views[v] = TensorView(buffers[slotOf[b]] + offset[v], g.values[v].shape)
        }
        for n in g.nodes {
            var table: Ops.ResizeTable?
            if case .resize(let mode) = n.op {
                table = Ops.ResizeTable(input: g.values[n.inputs[0]].shape, output: g.values[n.output].shape, mode: mode)
            }
            guard let out = views[n.output] else { throw .invalidGraph("node \(n.name): output has no storage") }
            let ins = try n.inputs.map { i throws(NNError) -> TensorView in
                guard let v = views[i] else { throw .invalidGraph("node \(n.name): input has no storage") }
                return v
            }
            steps.append(Step(op: n.op, inputs: ins, output: out, table: table))
        }
    }

    deinit {
        for b in buffers { free(b) }
        free(scratch)
    }

    /// The input tensor's storage: write the input here (or pass it to ``run(_:)``).
    public var input: TensorView { views[graph.inputs[0]]! }

    /// The storage of a named value after a run (nil if unknown).
    public func output(named name: String) -> TensorView? {
        guard let v = graph.value(named: name) else { return nil }
        return views[v.id]
    }

    /// The graph outputs, in order, after a run.
    public var outputs: [TensorView] { graph.outputs.map { views[$0]! } }

    /// Copies `x` into the input and runs the graph.
    public func run(_ x: TensorView) throws(NNError) {
        guard x.shape == input.shape else {
            throw .shapeMismatch(op: "run", reason: "input \(x.shape), graph expects \(input.shape)")
        }
        input.data.update(from: x.data, count: x.shape.count)
        run()
    }

    /// Copies tensor `x` into the input and runs the graph (keeps `x` alive while reading it).
    public func run(_ x: Tensor) throws(NNError) {
        try withExtendedLifetime(x) { () throws(NNError) in try run(x.view) }
    }

    /// Runs the graph on the data already in ``input``. Allocates nothing.
    public func run() {
        let profile = profiling
        for i in steps.indices {
            let t0 = profile ? monotonicSeconds() : 0
            execute(steps[i])
            if profile { opSeconds[i] = monotonicSeconds() - t0 }
        }
    }

    /// Runs the graph, calling `before(i)` ahead of node i (for calibration and debugging).
    public func run(observing before: (Int) -> Void) {
        for i in steps.indices {
            before(i)
            execute(steps[i])
        }
    }

    private func execute(_ s: Step) {
        switch s.op {
        case .input, .identity, .reshape, .sliceChannels: break
        case .conv(let c):
            if precision == .int8 && c.int8 != nil {
                c.forwardInt8(s.inputs[0], s.output, scratch: scratch, pool: pool)
            } else {
                c.forward(s.inputs[0], s.output, scratch: scratch, pool: pool)
            }
        case .pool(let p): Ops.pool(s.inputs[0], s.output, p, scratch: scratch, pool: pool)
        case .resize: Ops.resize(s.inputs[0], s.output, table: s.table!, pool: pool)
        case .concat: Ops.concat(s.inputs, s.output, pool: pool)
        case .concatShuffle(let g): Ops.concatShuffle(s.inputs, s.output, groups: g, pool: pool)
        case .binary(let b): Ops.binary(s.inputs[0], s.inputs[1], s.output, b, pool: pool)
        case .shuffle(let g): Ops.shuffle(s.inputs[0], s.output, groups: g, pool: pool)
        case .transpose: Ops.transpose(s.inputs[0], s.output, pool: pool)
        case .softmax: Ops.softmax(s.inputs[0], s.output)
        case .activation(let a): Ops.activation(s.inputs[0], s.output, a, pool: pool)
        case .matmul: Ops.matmul(s.inputs[0], s.inputs[1], s.output)
        }
    }

    /// Per-node timings of the last profiled run: (name, op, GFLOP/s or nil, milliseconds).
    public func profileTable() -> [(name: String, op: String, shape: String, ms: Double, gflops: Double?)] {
        graph.nodes.enumerated().map { i, n in
            var gf: Double?
            if case .conv(let c) = n.op {
                let o = graph.values[n.output].shape
                let fl = 2 * Double(o.count) * Double(c.config.weightCount / c.config.outChannels)
                gf = opSeconds[i] > 0 ? fl / opSeconds[i] / 1e9 : nil
            }
            return (n.name, n.op.name, graph.values[n.output].shape.description, opSeconds[i] * 1000, gf)
        }
    }
}

/// Monotonic clock in seconds.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
