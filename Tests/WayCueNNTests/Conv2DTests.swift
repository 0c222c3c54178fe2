import Testing
@testable import WayCueNN

@Suite struct Conv2DTests {
    static let activations: [Activation] = [.none, .relu, .relu6, .leakyReLU(0.1), .silu, .hardSwish, .sigmoid]

    /// Every fast path (GEMM, depthwise, direct, im2col) against the plain definition on random shapes.
    @Test(arguments: 0..<60)
    func fastMatchesReference(_ caseIndex: Int) throws {
        var rng = SplitMix64(seed: UInt64(caseIndex) &* 7919 &+ 3)
        func pick(_ xs: [Int]) -> Int { xs[Int(rng.next() % UInt64(xs.count))] }
        let kind = caseIndex % 5
        let cin: Int, cout: Int, k: Int, stride: Int, groups: Int, dil: Int
        switch kind {
        case 0: (cin, cout, k, stride, groups, dil) = (pick([1, 3, 8, 17]), pick([1, 5, 16]), 1, 1, 1, 1) // pointwise
        case 1: let c = pick([1, 4, 9, 24]); (cin, cout, k, stride, groups, dil) = (c, c, pick([3, 5]), pick([1, 2]), c, 1) // depthwise
        case 2: (cin, cout, k, stride, groups, dil) = (pick([1, 3]), pick([4, 24]), pick([3, 5, 7]), pick([1, 2]), 1, 1) // direct
        case 3: (cin, cout, k, stride, groups, dil) = (pick([8, 12]), pick([4, 8]), pick([1, 3]), pick([1, 2, 3]), pick([1, 2, 4]), pick([1, 2])) // im2col
        default: (cin, cout, k, stride, groups, dil) = (6, 6, 3, 1, 3, 1)
        }
        let pad = Int(rng.next() % UInt64(k)) // 0...k-1, asymmetric below
        let cfg = Conv2DConfig(inChannels: cin, outChannels: cout, kernelH: k, kernelW: k, strideH: stride, strideW: stride,
                               padTop: pad, padLeft: (pad + 1) % k, padBottom: pad, padRight: pad / 2,
                               dilationH: dil, dilationW: dil, groups: groups)
        let act = Self.activations[caseIndex % Self.activations.count]
        let conv = try Conv2D(config: cfg, activation: act, seed: UInt64(caseIndex))
        let h = pick([7, 12, 19, 33]), w = pick([5, 16, 21, 40])
        let x = randomTensor(TensorShape(c: cin, h: h, w: w), seed: UInt64(caseIndex) + 99)
        let outShape = try conv.outputShape(for: x.shape)
        let ref = Tensor(shape: outShape), fast = Tensor(shape: outShape)
        conv.referenceForward(x.view, ref.view)
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            let scratch = scratchBuffer(conv.scratchFloats(for: x.shape, threads: threads, precision: .fp32))
            defer { scratch.deallocate() }
            conv.forward(x.view, fast.view, scratch: scratch, pool: pool)
            #expect(relativeError(fast.view, ref.view) < 1e-4, "\(cfg) \(act) path \(conv.path) threads \(threads)")
        }
    }

    @Test func batchNormFoldingMatchesSeparateBatchNorm() throws {
        let cfg = Conv2DConfig(inChannels: 3, outChannels: 4, kernel: 3)
        let conv = try Conv2D(config: cfg, seed: 5)
        let x = randomTensor(TensorShape(c: 3, h: 6, w: 6), seed: 1)
        let before = Tensor(shape: try conv.outputShape(for: x.shape))
        conv.referenceForward(x.view, before.view)
        let gamma: [Float] = [1, 0.5, 2, -1], beta: [Float] = [0, 1, -1, 0.5]
        let mean: [Float] = [0.1, -0.2, 0.3, 0], variance: [Float] = [1, 4, 0.25, 2]
        try conv.foldBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-5)
        let after = Tensor(shape: before.shape)
        conv.referenceForward(x.view, after.view)
        for c in 0..<4 {
            for i in 0..<36 {
                let expected = gamma[c] * (before.view.channel(c)[i] - mean[c]) / (variance[c] + 1e-5).squareRoot() + beta[c]
                #expect(abs(after.view.channel(c)[i] - expected) < 1e-4)
            }
        }
        #expect(throws: NNError.self) { try conv.foldBatchNorm(gamma: [1], beta: [1], mean: [1], variance: [1]) }
    }

    @Test func builderFoldsBatchNorm() throws {
        let b = GraphBuilder()
        let x = b.input("x", TensorShape(c: 1, h: 1, w: 1))
        let bn = BatchNormParameters(gamma: [2], beta: [1], mean: [0.5], variance: [4], epsilon: 0)
        let y = try b.conv(x, out: 1, kernel: 1, weights: [3], bias: [0], batchNorm: bn)
        let r = try GraphRunner(graph: try b.build(outputs: [y]))
        try r.run(Tensor(shape: x.shape, values: [1]))
        #expect(abs(r.outputs[0].data[0] - (2 * (3 - 0.5) / 2 + 1)) < 1e-6) // gamma * (x - mean) / sqrt(var) + beta
    }

    @Test func invalidConfigurationsAreRejected() {
        #expect(throws: NNError.self) { try Conv2D(config: Conv2DConfig(inChannels: 3, outChannels: 4, kernel: 3, groups: 2), seed: 1) }
        #expect(throws: NNError.self) { try Conv2D(config: Conv2DConfig(inChannels: 3, outChannels: 4, kernel: 0), seed: 1) }
        #expect(throws: NNError.self) {
            try Conv2D(config: Conv2DConfig(inChannels: 1, outChannels: 1, kernel: 1), weights: [1, 2], bias: nil)
        }
        let cfg = Conv2DConfig(inChannels: 3, outChannels: 4, kernel: 5, padding: 0)
        #expect(throws: NNError.self) { try cfg.outputShape(for: TensorShape(c: 3, h: 2, w: 2)) }
        #expect(throws: NNError.self) { try cfg.outputShape(for: TensorShape(c: 4, h: 9, w: 9)) }
    }
}
