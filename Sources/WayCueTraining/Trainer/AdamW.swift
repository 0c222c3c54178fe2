import Foundation

/// AdamW with decoupled weight decay, global-norm gradient clipping and an EMA copy of the
/// weights (and batch-norm statistics).
public final class AdamW: @unchecked Sendable {
    /// First-moment decay.
    public var beta1: Float = 0.9
    /// Second-moment decay.
    public var beta2: Float = 0.999
    /// Denominator guard.
    public var epsilon: Float = 1e-8
    let store: ParameterStore
    var m: [[Float]]
    var v: [[Float]]
    var ema: [[Float]]
    var emaMean: [[Float]]
    var emaVar: [[Float]]
    /// Steps taken.
    public internal(set) var step = 0

    /// Creates the optimiser state for a store's parameters.
    public init(store: ParameterStore) {
        self.store = store
        m = store.parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
        ema = store.parameters.map { $0.value.values }
        emaMean = store.statistics.map { $0.value.mean }
        emaVar = store.statistics.map { $0.value.variance }
    }

    /// Starts the optimiser afresh from the store's current values (zero moments, EMA equal
    /// to the weights and statistics): call after loading starting weights into the store.
    public func reset() {
        m = store.parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
        ema = store.parameters.map { $0.value.values }
        emaMean = store.statistics.map { $0.value.mean }
        emaVar = store.statistics.map { $0.value.variance }
        step = 0
    }

    /// Global L2 norm of the gradients.
    public func gradientNorm() -> Double {
        var s = 0.0
        for (_, p) in store.parameters where p.hasGrad {
            let g = p.grad
            var a: Float = 0
            for i in 0..<p.count { a += g[i] * g[i] }
            s += Double(a)
        }
        return s.squareRoot()
    }

    /// One update: clip, AdamW step, EMA update; gradients are zeroed afterwards. Parameters
    /// that do not require gradients (frozen) are left exactly as they are.
    /// - Returns: The gradient norm before clipping.
    @discardableResult
    public func update(learningRate lr: Float, weightDecay: Float, clip: Float, emaDecay: Float) -> Double {
        let norm = gradientNorm()
        let scale: Float = (clip > 0 && norm > Double(clip)) ? Float(Double(clip) / norm) : 1
        step += 1
        let bc1 = 1 - powf(beta1, Float(step)), bc2 = 1 - powf(beta2, Float(step))
        let d = emaDecay * (1 - expf(-Float(step) / 2000))
        for (k, (name, p)) in store.parameters.enumerated() where p.requiresGrad {
            let g = p.grad
            let decay = store.noDecay.contains(name) ? 0 : weightDecay
            m[k].withUnsafeMutableBufferPointer { mk in
                v[k].withUnsafeMutableBufferPointer { vk in
                    ema[k].withUnsafeMutableBufferPointer { ek in
                        for i in 0..<p.count {
                            let gi = g[i] * scale
                            mk[i] = beta1 * mk[i] + (1 - beta1) * gi
                            vk[i] = beta2 * vk[i] + (1 - beta2) * gi * gi
                            let upd = (mk[i] / bc1) / ((vk[i] / bc2).squareRoot() + epsilon)
                            p.data[i] -= lr * (upd + decay * p.data[i])
                            ek[i] = d * ek[i] + (1 - d) * p.data[i]
                        }
                    }
                }
            }
            p.zeroGrad()
        }
        for (k, (_, s)) in store.statistics.enumerated() {
            for i in 0..<s.mean.count {
                emaMean[k][i] = d * emaMean[k][i] + (1 - d) * s.mean[i]
                emaVar[k][i] = d * emaVar[k][i] + (1 - d) * s.variance[i]
            }
        }
        return norm
    }

    /// Swaps the live weights with the EMA weights (call twice to swap back).
    public func swapEMA() {
        for (k, (_, p)) in store.parameters.enumerated() {
            let live = p.values
            p.setValues(ema[k])
            ema[k] = live
        }
        for (k, (_, s)) in store.statistics.enumerated() {
            swap(&s.mean, &emaMean[k])
            swap(&s.variance, &emaVar[k])
        }
    }
}
