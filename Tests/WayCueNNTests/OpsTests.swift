import Testing
@testable import WayCueNN

@Suite struct OpsTests {
    @Test(arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (5, 2, 2)])
    func maxPoolFastMatchesReference(k: Int, s: Int, p: Int) throws {
        let cfg = PoolConfig(kind: .max, kernel: k, stride: s, padding: p)
        for (h, w) in [(9, 13), (16, 16), (5, 31)] {
            let x = randomTensor(TensorShape(c: 3, h: h, w: w), seed: UInt64(h * w + k))
            let out = try cfg.outputShape(for: x.shape)
            let a = Tensor(shape: out), b = Tensor(shape: out)
            Ops.poolReference(x.view, a.view, cfg)
            let pool = ThreadPool(threads: 2)
            let scratch = scratchBuffer(2 * Ops.poolScratch(x.shape, out, cfg) + 64)
            defer { scratch.deallocate() }
            Ops.pool(x.view, b.view, cfg, scratch: scratch, pool: pool)
            #expect(relativeError(b.view, a.view) == 0)
        }
    }

    @Test func averageAndGlobalPooling() throws {
        let x = Tensor(shape: TensorShape(c: 1, h: 2, w: 2), values: [1, 2, 3, 6])
        let g = Tensor(shape: TensorShape(c: 1, h: 1, w: 1))
        Ops.poolReference(x.view, g.view, PoolConfig(kind: .average, kernel: 2, stride: 1, global: true))
        #expect(g.data[0] == 3)
        Ops.poolReference(x.view, g.view, PoolConfig(kind: .max, kernel: 2, stride: 1, global: true))
        #expect(g.data[0] == 6)
    }

    @Test(arguments: [Ops.ResizeMode.nearest, .bilinear])
    func resizeFastMatchesReference(mode: Ops.ResizeMode) {
        // The last case is large enough to be split across the pool (an odd channel count).
        for (c, ih, iw, oh, ow) in [(2, 5, 7, 10, 14), (2, 20, 20, 10, 10), (2, 4, 4, 9, 3), (2, 1, 1, 3, 3), (41, 20, 20, 40, 40)] {
            let x = randomTensor(TensorShape(c: c, h: ih, w: iw), seed: UInt64(ih * 100 + ow))
            let a = Tensor(shape: TensorShape(c: c, h: oh, w: ow)), b = Tensor(shape: a.shape)
            Ops.resizeReference(x.view, a.view, mode: mode)
            Ops.resize(x.view, b.view, table: Ops.ResizeTable(input: x.shape, output: a.shape, mode: mode), pool: ThreadPool(threads: 2))
            #expect(relativeError(b.view, a.view) < 1e-5)
        }
    }

    @Test func bilinearDoublingMatchesHandComputedValues() {
        let x = Tensor(shape: TensorShape(c: 1, h: 1, w: 2), values: [0, 4])
        let y = Tensor(shape: TensorShape(c: 1, h: 1, w: 4))
        Ops.resizeReference(x.view, y.view, mode: .bilinear)
        #expect(y.values == [0, 1, 3, 4])
    }

    @Test func concatShuffleEqualsConcatThenShuffle() {
        let a = randomTensor(TensorShape(c: 6, h: 3, w: 4), seed: 1), b = randomTensor(TensorShape(c: 6, h: 3, w: 4), seed: 2)
        let cat = Tensor(shape: TensorShape(c: 12, h: 3, w: 4))
        Ops.concat([a.view, b.view], cat.view)
        #expect(cat.view.channel(6)[0] == b.data[0])
        let shuffled = Tensor(shape: cat.shape), fused = Tensor(shape: cat.shape)
        Ops.shuffleReference(cat.view, shuffled.view, groups: 2)
        Ops.concatShuffle([a.view, b.view], fused.view, groups: 2)
        #expect(shuffled.values == fused.values)
        // groups = 2: channel 1 of the output is channel 6 of the concatenation (b's first).
        #expect(shuffled.view.channel(1)[5] == b.view.channel(0)[5])
    }

    @Test func transposeFastMatchesReference() {
        let x = randomTensor(TensorShape(c: 2, h: 37, w: 19), seed: 4)
        let a = Tensor(shape: TensorShape(c: 2, h: 19, w: 37)), b = Tensor(shape: a.shape)
        Ops.transposeReference(x.view, a.view)
        Ops.transpose(x.view, b.view)
        #expect(a.values == b.values)
        #expect(a[0, 1, 3, 5] == x[0, 1, 5, 3])
        // Large enough to be split across two threads (the detector head's 1600 x 80 case, and
        // a ragged one whose row bands do not divide evenly).
        for shape in [TensorShape(c: 1, h: 1600, w: 80), TensorShape(c: 3, h: 131, w: 97)] {
            let big = randomTensor(shape, seed: 5)
            let ra = Tensor(shape: TensorShape(c: shape.c, h: shape.w, w: shape.h)), rb = Tensor(shape: ra.shape)
            Ops.transposeReference(big.view, ra.view)
            Ops.transpose(big.view, rb.view, pool: ThreadPool(threads: 2))
            #expect(ra.values == rb.values)
        }
    }

    @Test func activationFastMatchesReference() {
        let x = randomTensor(TensorShape(c: 3, h: 17, w: 19), seed: 3, range: -30...30)
        for act in [Activation.none, .relu, .relu6, .leakyReLU(0.2), .silu, .hardSwish, .sigmoid] {
            let a = Tensor(shape: x.shape), b = Tensor(shape: x.shape)
            Ops.activationReference(x.view, a.view, act)
            Ops.activation(x.view, b.view, act)
            #expect(relativeError(b.view, a.view) < 1e-5, "\(act)")
        }
    }

    @Test func softmaxRowsSumToOne() {
        let x = randomTensor(TensorShape(c: 1, h: 5, w: 8), seed: 9, range: -20...20)
        let y = Tensor(shape: x.shape)
        Ops.softmax(x.view, y.view)
        for r in 0..<5 {
            let s = (0..<8).reduce(Float(0)) { $0 + y.data[r * 8 + $1] }
            #expect(abs(s - 1) < 1e-5)
        }
    }

    @Test func binaryAndActivation() {
        let a = Tensor(shape: TensorShape(c: 1, h: 1, w: 3), values: [1, -2, 3])
        let b = Tensor(shape: a.shape, values: [4, 5, -6])
        let y = Tensor(shape: a.shape)
        Ops.binary(a.view, b.view, y.view, .add)
        #expect(y.values == [5, 3, -3])
        Ops.binary(a.view, b.view, y.view, .mul)
        #expect(y.values == [4, -10, -18])
        Ops.activation(y.view, y.view, .relu6)
        #expect(y.values == [4, 0, 0])
    }
}
