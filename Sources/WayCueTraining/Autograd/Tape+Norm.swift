import Foundation
import WayCueNN

/// Running statistics of one batch-norm layer (not trained by gradients).
public final class BatchNormStats: @unchecked Sendable {
    /// Running mean per channel.
    public var mean: [Float]
    /// Running variance per channel.
    public var variance: [Float]
    /// Weight of the newest batch in the running averages.
    public var momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// Creates statistics for `channels` channels (mean 0, variance 1).
    public init(channels: Int, momentum: Float = 0.03, epsilon: Float = 1e-5) {
        mean = [Float](repeating: 0, count: channels)
        variance = [Float](repeating: 1, count: channels)
        self.momentum = momentum
        self.epsilon = epsilon
    }
}

extension Tape {
    /// Batch normalisation: batch statistics when training (updating `stats`), running
    /// statistics otherwise, or always when `frozen` (the statistics are then left alone and
    /// gradients still flow). `gamma` and `beta` have shape `[1, c, 1, 1]`.
    public func batchNorm(_ x: Var, gamma: Var, beta: Var, stats: BatchNormStats, updateStats: Bool = true,
                          frozen: Bool = false) -> Var {
        let C = x.c, P = x.plane, N = x.n
        let y = Var(n: N, c: C, h: x.h, w: x.w, requiresGrad: x.requiresGrad || gamma.requiresGrad || beta.requiresGrad, zeroed: false)
        let T = pool.threads
        if !training || frozen {
            for ch in 0..<C {
                let inv = 1 / (stats.variance[ch] + stats.epsilon).squareRoot()
                let sc = gamma.data[ch] * inv, sh = beta.data[ch] - stats.mean[ch] * sc
                for img in 0..<N {
                    let xp = x.data + (img * C + ch) * P, yp = y.data + (img * C + ch) * P
                    for j in 0..<P { yp[j] = xp[j] * sc + sh }
                }
            }
            record(y.requiresGrad) {
                guard y.hasGrad else { return }
                let dy = y.grad
                for ch in 0..<C {
                    let inv = 1 / (stats.variance[ch] + stats.epsilon).squareRoot()
                    let sc = gamma.data[ch] * inv
                    var sdy: Double = 0, sdyx: Double = 0
                    for img in 0..<N {
                        let o = (img * C + ch) * P
                        for j in 0..<P {
                            let d = dy[o + j]
                            sdy += Double(d); sdyx += Double(d * (x.data[o + j] - stats.mean[ch]) * inv)
                            if x.requiresGrad { x.grad[o + j] += d * sc }
                        }
                    }
                    if gamma.requiresGrad { gamma.grad[ch] += Float(sdyx) }
                    if beta.requiresGrad { beta.grad[ch] += Float(sdy) }
                }
            }
            return y
        }
        let mean = UnsafeMutablePointer<Float>.allocate(capacity: C)
        let invStd = UnsafeMutablePointer<Float>.allocate(capacity: C)
        let M = Float(N * P)
        pool.parallelFor(T) { t in
            for ch in chunkRange(t, of: T, count: C) {
                var s: Double = 0, s2: Double = 0
                for img in 0..<N {
                    let xp = x.data + (img * C + ch) * P
                    var a: Float = 0, b: Float = 0
                    for j in 0..<P { let v = xp[j]; a += v; b += v * v }
                    s += Double(a); s2 += Double(b)
                }
                let m = s / Double(M)
                let v = max(s2 / Double(M) - m * m, 0)
                mean[ch] = Float(m)
                invStd[ch] = Float(1 / (v + Double(stats.epsilon)).squareRoot())
                let sc = gamma.data[ch] * invStd[ch], sh = beta.data[ch] - Float(m) * sc
                for img in 0..<N {
                    let xp = x.data + (img * C + ch) * P, yp = y.data + (img * C + ch) * P
                    for j in 0..<P { yp[j] = xp[j] * sc + sh }
                }
            }
        }
        if updateStats {
            let mo = stats.momentum
            for ch in 0..<C {
                let v = 1 / (invStd[ch] * invStd[ch]) - stats.epsilon
                let unbiased = M > 1 ? v * M / (M - 1) : v
                stats.mean[ch] = (1 - mo) * stats.mean[ch] + mo * mean[ch]
                stats.variance[ch] = (1 - mo) * stats.variance[ch] + mo * unbiased
            }
        }
        if !(recording && y.requiresGrad) {
            mean.deallocate(); invStd.deallocate()
            return y
        }
        record(true) { [unowned self] in
            defer { mean.deallocate(); invStd.deallocate() }
            guard y.hasGrad else { return }
            let dy = y.grad
            let dx = x.requiresGrad ? x.grad : nil
            let dg = gamma.requiresGrad ? gamma.grad : nil
            let db = beta.requiresGrad ? beta.grad : nil
            self.pool.parallelFor(T) { t in
                for ch in chunkRange(t, of: T, count: C) {
                    let m = mean[ch], inv = invStd[ch]
                    var sdy: Double = 0, sdyx: Double = 0
                    for img in 0..<N {
                        let o = (img * C + ch) * P
                        var a: Float = 0, b: Float = 0
                        for j in 0..<P { let d = dy[o + j]; a += d; b += d * (x.data[o + j] - m) }
                        sdy += Double(a); sdyx += Double(b)
                    }
                    let sumDy = Float(sdy), sumDyXhat = Float(sdyx) * inv
                    dg?[ch] += sumDyXhat
                    db?[ch] += sumDy
                    guard let dx else { continue }
                    let gsc = gamma.data[ch] * inv / M
                    for img in 0..<N {
                        let o = (img * C + ch) * P
                        for j in 0..<P {
                            let xhat = (x.data[o + j] - m) * inv
                            dx[o + j] += gsc * (M * dy[o + j] - sumDy - xhat * sumDyXhat)
                        }
                    }
                }
            }
        }
        return y
    }
}
