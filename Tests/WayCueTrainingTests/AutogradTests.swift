import Testing
import WayCueNN
@testable import WayCueTraining

/// Checks every input's analytic gradient against central finite differences of
/// `L = sum(f(x) * r)` for a fixed random `r` (accumulated in Double).
func checkGradients(_ inputs: [Var], tolerance: Double = 2e-2, epsilon: Float = 1e-2, seed: UInt64 = 7,
                    _ f: (Tape, [Var]) -> Var) -> (worst: Double, checked: Int) {
    let pool = ThreadPool(threads: 2)
    var rng = SplitMix64(seed: seed)
    let probe = f(Tape(training: true, pool: pool), inputs)
    let r = (0..<probe.count).map { _ in rng.nextFloat(in: -1...1) }
    func loss() -> Double {
        let t = Tape(training: true, pool: pool)
        t.recording = false
        let y = f(t, inputs)
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(r[i]) }
        return s
    }
    for x in inputs { x.zeroGrad() }
    let tape = Tape(training: true, pool: pool)
    let y = f(tape, inputs)
    for i in 0..<y.count { y.grad[i] = r[i] }
    tape.backward()
    var worst = 0.0, checked = 0
    for x in inputs where x.requiresGrad {
        let analytic = x.gradValues
        let stride = max(1, x.count / 40)
        for i in Swift.stride(from: 0, to: x.count, by: stride) {
            let old = x.data[i]
            x.data[i] = old + epsilon; let lp = loss()
            x.data[i] = old - epsilon; let lm = loss()
            x.data[i] = old
            let numeric = (lp - lm) / (2 * Double(epsilon))
            let err = abs(numeric - Double(analytic[i])) / max(1, abs(numeric))
            worst = max(worst, err)
            checked += 1
        }
    }
    return (worst, checked)
}

func randomVar(_ n: Int, _ c: Int, _ h: Int, _ w: Int, seed: UInt64, scale: Float = 1) -> Var {
    var rng = SplitMix64(seed: seed)
    let v = Var(n: n, c: c, h: h, w: w, requiresGrad: true)
    for i in 0..<v.count { v.data[i] = rng.nextFloat(in: -scale...scale) }
    return v
}

@Suite struct AutogradTests {
    @Test(arguments: [(3, 1, 1, 1), (3, 2, 1, 1), (1, 1, 0, 1), (1, 1, 0, 2), (3, 1, 1, 2)])
    func convGradients(k: Int, stride: Int, pad: Int, groups: Int) {
        let x = randomVar(2, 4, 7, 6, seed: 1)
        let w = randomVar(6, 4 / groups, k, k, seed: 2, scale: 0.5)
        let b = randomVar(1, 6, 1, 1, seed: 3)
        let r = checkGradients([x, w, b]) { t, v in t.conv2d(v[0], v[1], bias: v[2], stride: stride, padding: pad, groups: groups) }
        #expect(r.checked > 50)
        #expect(r.worst < 2e-2, "worst relative error \(r.worst)")
    }

    @Test(arguments: [1, 2])
    func depthwiseGradients(stride: Int) {
        let x = randomVar(2, 3, 7, 8, seed: 4)
        let w = randomVar(3, 1, 3, 3, seed: 5, scale: 0.5)
        let r = checkGradients([x, w]) { t, v in t.conv2d(v[0], v[1], stride: stride, padding: 1, groups: 3) }
        #expect(r.worst < 2e-2, "worst relative error \(r.worst)")
    }

    @Test func checkerCatchesAWrongBackward() {
        // y = 2x recorded with a wrong backward (3 dy): the checker must report it.
        let x = randomVar(1, 2, 3, 3, seed: 20)
        let r = checkGradients([x]) { t, v in
            let a = v[0]
            let y = Var(n: a.n, c: a.c, h: a.h, w: a.w, requiresGrad: true)
            for i in 0..<a.count { y.data[i] = 2 * a.data[i] }
            t.record(true) { for i in 0..<a.count { a.grad[i] += 3 * y.grad[i] } }
            return y
        }
        #expect(r.worst > 0.2)
    }

    @Test func depthwiseMatchesDenseReference() {
        // A depthwise conv equals a dense conv whose off-diagonal channel weights are zero.
        let pool = ThreadPool(threads: 2)
        let x = randomVar(2, 3, 9, 9, seed: 6)
        let w = randomVar(3, 1, 3, 3, seed: 7)
        let dense = Var(n: 3, c: 3, h: 3, w: 3)
        for o in 0..<3 { for j in 0..<9 { dense.data[(o * 3 + o) * 9 + j] = w.data[o * 9 + j] } }
        let t = Tape(training: false, pool: pool)
        let a = t.conv2d(x, w, stride: 2, padding: 1, groups: 3), b = t.conv2d(x, dense, stride: 2, padding: 1)
        var worst: Float = 0
        for i in 0..<a.count { worst = max(worst, abs(a.data[i] - b.data[i])) }
        #expect(worst < 1e-5)
    }

    @Test func batchNormTrainingGradients() {
        let x = randomVar(3, 4, 3, 3, seed: 8, scale: 2)
        let g = randomVar(1, 4, 1, 1, seed: 9)
        let b = randomVar(1, 4, 1, 1, seed: 10)
        let stats = BatchNormStats(channels: 4)
        let r = checkGradients([x, g, b], epsilon: 5e-3) { t, v in t.batchNorm(v[0], gamma: v[1], beta: v[2], stats: stats, updateStats: false) }
        #expect(r.worst < 3e-2, "worst relative error \(r.worst)")
    }

    @Test func batchNormRunningStatistics() {
        let pool = ThreadPool(threads: 1)
        let x = Var(n: 2, c: 1, h: 1, w: 2, values: [1, 2, 3, 4])
        let stats = BatchNormStats(channels: 1, momentum: 1)
        let g = Var(n: 1, c: 1, h: 1, w: 1, values: [1]), b = Var(n: 1, c: 1, h: 1, w: 1, values: [0])
        _ = Tape(training: true, pool: pool).batchNorm(x, gamma: g, beta: b, stats: stats)
        #expect(abs(stats.mean[0] - 2.5) < 1e-6)
        #expect(abs(stats.variance[0] - 5.0 / 3.0) < 1e-5) // unbiased
        let y = Tape(training: false, pool: pool).batchNorm(x, gamma: g, beta: b, stats: stats)
        #expect(abs(y.data[0] - (1 - 2.5) / (5.0 / 3.0 + 1e-5).squareRoot()) < 1e-5)
    }

    @Test(arguments: TrainActivation.allCases)
    func activationGradients(_ a: TrainActivation) {
        let x = randomVar(2, 3, 4, 4, seed: 11, scale: 4)
        // Keep away from kinks, where finite differences are undefined.
        for i in 0..<x.count where abs(x.data[i]) < 0.05 || abs(abs(x.data[i]) - 3) < 0.05 { x.data[i] += 0.2 }
        let r = checkGradients([x], epsilon: 1e-2) { t, v in t.activation(v[0], a) }
        #expect(r.worst < 2e-2, "\(a): worst relative error \(r.worst)")
    }

    @Test func addConcatSliceShuffleGradients() {
        let a = randomVar(2, 4, 3, 3, seed: 12), b = randomVar(2, 4, 3, 3, seed: 13), c = randomVar(2, 2, 3, 3, seed: 14)
        let r = checkGradients([a, b, c]) { t, v in
            let s = t.add(v[0], v[1])
            let cat = t.concat([s, v[2], v[0]])
            let sh = t.channelShuffle(cat, groups: 2)
            return t.sliceChannels(sh, start: 1, count: 7)
        }
        #expect(r.worst < 1e-2, "worst relative error \(r.worst)")
    }

    @Test func shuffleMovesChannels() {
        let x = Var(n: 1, c: 4, h: 1, w: 1, values: [0, 1, 2, 3])
        let y = Tape(training: false, pool: ThreadPool(threads: 1)).channelShuffle(x, groups: 2)
        #expect(y.values == [0, 2, 1, 3])
    }

    @Test func poolAndResizeGradients() {
        let x = randomVar(2, 3, 7, 7, seed: 15)
        let r = checkGradients([x], epsilon: 1e-3) { t, v in
            let p = t.maxPool(v[0], kernel: 3, stride: 2, padding: 1)
            return t.resizeNearest(p, height: 7, width: 8)
        }
        #expect(r.worst < 2e-2, "worst relative error \(r.worst)")
    }
}
