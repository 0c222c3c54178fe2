import Foundation
import WayCueNN

/// Activations the trainer supports (each maps onto a WayCueNN ``Activation`` for export).
public enum TrainActivation: String, Sendable, Codable, CaseIterable {
    /// max(x, 0).
    case relu
    /// x, or 0.1 x below zero (NanoDet's choice).
    case leakyReLU = "leaky_relu"
    /// x * relu6(x + 3) / 6.
    case hardSwish = "hard_swish"
    /// x * sigmoid(x).
    case silu

    /// The inference engine's activation.
    public var engineActivation: Activation {
        switch self {
        case .relu: .relu
        case .leakyReLU: .leakyReLU(0.1)
        case .hardSwish: .hardSwish
        case .silu: .silu
        }
    }

    @inline(__always) func value(_ x: Float) -> Float {
        switch self {
        case .relu: return max(x, 0)
        case .leakyReLU: return x > 0 ? x : 0.1 * x
        case .hardSwish: return x * min(max(x + 3, 0), 6) / 6
        case .silu: return x / (1 + expf(-x))
        }
    }

    @inline(__always) func derivative(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .leakyReLU: return x > 0 ? 1 : 0.1
        case .hardSwish: return x <= -3 ? 0 : (x >= 3 ? 1 : (2 * x + 3) / 6)
        case .silu:
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        }
    }
}

extension Tape {
    /// Elementwise activation.
    public func activation(_ x: Var, _ a: TrainActivation) -> Var {
        let y = Var(n: x.n, c: x.c, h: x.h, w: x.w, requiresGrad: x.requiresGrad, zeroed: false)
        let count = x.count, T = pool.threads
        let xs = x.data, ys = y.data
        pool.parallelFor(T) { t in
            let r = chunkRange(t, of: T, count: count)
            // One loop per activation so that each vectorises (no switch per element).
            switch a {
            case .relu: for i in r { ys[i] = max(xs[i], 0) }
            case .leakyReLU: for i in r { let v = xs[i]; ys[i] = v > 0 ? v : 0.1 * v }
            case .hardSwish, .silu: for i in r { ys[i] = a.value(xs[i]) }
            }
        }
        record(x.requiresGrad) { [unowned self] in
            guard y.hasGrad else { return }
            let dy = y.grad, dx = x.grad
            self.pool.parallelFor(T) { t in
                let r = chunkRange(t, of: T, count: count)
                switch a {
                case .relu: for i in r { dx[i] += xs[i] > 0 ? dy[i] : 0 }
                case .leakyReLU: for i in r { dx[i] += xs[i] > 0 ? dy[i] : 0.1 * dy[i] }
                case .hardSwish, .silu: for i in r { dx[i] += dy[i] * a.derivative(xs[i]) }
                }
            }
        }
        return y
    }

    /// Elementwise sum of two same-shaped tensors.
    public func add(_ a: Var, _ b: Var) -> Var {
        precondition(a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w, "add: shapes differ")
        let y = Var(n: a.n, c: a.c, h: a.h, w: a.w, requiresGrad: a.requiresGrad || b.requiresGrad, zeroed: false)
        for i in 0..<a.count { y.data[i] = a.data[i] + b.data[i] }
        record(y.requiresGrad) {
            guard y.hasGrad else { return }
            let dy = y.grad
            if a.requiresGrad { let d = a.grad; for i in 0..<a.count { d[i] += dy[i] } }
            if b.requiresGrad { let d = b.grad; for i in 0..<b.count { d[i] += dy[i] } }
        }
        return y
    }
}
