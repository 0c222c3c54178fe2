import Foundation
import WayCueNN

/// Collects a model's parameters and batch-norm statistics under stable names, with seeded
/// initial values.
public final class ParameterStore: @unchecked Sendable {
    /// Trainable tensors by name, in creation order.
    public private(set) var parameters: [(name: String, value: Var)] = []
    /// Batch-norm statistics by name, in creation order.
    public private(set) var statistics: [(name: String, value: BatchNormStats)] = []
    /// Names of parameters that get no weight decay (biases, batch-norm scales and shifts).
    public private(set) var noDecay: Set<String> = []
    private var rng: SplitMix64

    /// Creates an empty store whose initial values derive from `seed`.
    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    func weight(_ name: String, n: Int, c: Int, k: Int) -> Var {
        let v = Var(n: n, c: c, h: k, w: k, requiresGrad: true)
        // Kaiming-uniform for leaky/ReLU-like activations, fan-in based.
        let bound = (6 / Float(c * k * k)).squareRoot()
        for i in 0..<v.count { v.data[i] = rng.nextFloat(in: -bound...bound) }
        parameters.append((name, v))
        return v
    }

    func constant(_ name: String, channels: Int, value: Float, decay: Bool = false) -> Var {
        let v = Var(n: 1, c: channels, h: 1, w: 1, requiresGrad: true)
        for i in 0..<channels { v.data[i] = value }
        parameters.append((name, v))
        if !decay { noDecay.insert(name) }
        return v
    }

    func stats(_ name: String, channels: Int) -> BatchNormStats {
        let s = BatchNormStats(channels: channels)
        statistics.append((name, s))
        return s
    }

    /// Total trainable values.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Convolution (no bias) + batch norm + optional activation: the model's building block.
public final class ConvBN: @unchecked Sendable {
    /// Name prefix of its parameters.
    let name: String
    let weight: Var, gamma: Var, beta: Var
    let stats: BatchNormStats
    let stride: Int, padding: Int, groups: Int
    let activation: TrainActivation?
    /// Output channels.
    public var outChannels: Int { weight.n }

    init(_ store: ParameterStore, _ name: String, in cin: Int, out cout: Int, kernel: Int, stride: Int = 1,
         groups: Int = 1, activation: TrainActivation?) {
        self.name = name
        weight = store.weight(name + ".weight", n: cout, c: cin / groups, k: kernel)
        gamma = store.constant(name + ".bn.gamma", channels: cout, value: 1)
        beta = store.constant(name + ".bn.beta", channels: cout, value: 0)
        stats = store.stats(name + ".bn", channels: cout)
        self.stride = stride
        padding = kernel / 2
        self.groups = groups
        self.activation = activation
    }

    /// Weights and bias with the batch norm folded in (running statistics).
    func folded() -> (weights: [Float], bias: [Float]) {
        let per = weight.count / weight.n
        var w = weight.values, b = [Float](repeating: 0, count: weight.n)
        for o in 0..<weight.n {
            let s = gamma.data[o] / (stats.variance[o] + stats.epsilon).squareRoot()
            for i in 0..<per { w[o * per + i] *= s }
            b[o] = beta.data[o] - stats.mean[o] * s
        }
        return (w, b)
    }
}

/// A plain convolution with bias (the head's output layer).
public final class ConvBias: @unchecked Sendable {
    /// Name prefix of its parameters.
    let name: String
    let weight: Var, bias: Var
    init(_ store: ParameterStore, _ name: String, in cin: Int, out cout: Int, biasInit: [Float]) {
        self.name = name
        weight = store.weight(name + ".weight", n: cout, c: cin, k: 1)
        for i in 0..<weight.count { weight.data[i] *= 0.1 }
        bias = store.constant(name + ".bias", channels: cout, value: 0)
        for i in 0..<cout { bias.data[i] = biasInit[i] }
    }
}

/// What a model forward pass needs from its executor: the tape (training) or the WayCueNN
/// graph builder (export). Writing the forward pass once against this keeps both in step.
public protocol ModelBackend {
    /// A tensor handle.
    associatedtype T
    /// Convolution + folded/trained batch norm + activation.
    func convBN(_ layer: ConvBN, _ x: T) throws -> T
    /// Convolution with bias.
    func conv(_ layer: ConvBias, _ x: T) throws -> T
    /// 3x3 stride-2 max pooling with padding 1.
    func maxPool3s2(_ x: T) throws -> T
    /// Channel concatenation.
    func concat(_ xs: [T]) throws -> T
    /// Channel halves.
    func split(_ x: T) throws -> (T, T)
    /// Channel shuffle in two groups.
    func shuffle2(_ x: T) throws -> T
    /// Elementwise sum.
    func add(_ a: T, _ b: T) throws -> T
    /// Nearest resize to the size of `like`.
    func resize(_ x: T, like: T) throws -> T
}

/// The autograd executor.
public struct TapeBackend: ModelBackend {
    /// The tape that records the pass.
    public let tape: Tape
    /// Whether batch norm updates its running statistics.
    public var updateStats = true
    /// Whether batch norm normalises with its running statistics even while training (frozen
    /// batch norm, for fine-tuning a model started from folded weights: small batches then
    /// do not re-normalise what the model learnt).
    public var frozenBatchNorm = false
    /// Creates the backend.
    public init(tape: Tape, frozenBatchNorm: Bool = false) {
        self.tape = tape
        self.frozenBatchNorm = frozenBatchNorm
    }

    public func convBN(_ l: ConvBN, _ x: Var) -> Var {
        let c = tape.conv2d(x, l.weight, stride: l.stride, padding: l.padding, groups: l.groups)
        let b = tape.batchNorm(c, gamma: l.gamma, beta: l.beta, stats: l.stats, updateStats: updateStats,
                               frozen: frozenBatchNorm)
        return l.activation.map { tape.activation(b, $0) } ?? b
    }
    public func conv(_ l: ConvBias, _ x: Var) -> Var { tape.conv2d(x, l.weight, bias: l.bias) }
    public func maxPool3s2(_ x: Var) -> Var { tape.maxPool(x, kernel: 3, stride: 2, padding: 1) }
    public func concat(_ xs: [Var]) -> Var { tape.concat(xs) }
    public func split(_ x: Var) -> (Var, Var) {
        (tape.sliceChannels(x, start: 0, count: x.c / 2), tape.sliceChannels(x, start: x.c / 2, count: x.c - x.c / 2))
    }
    public func shuffle2(_ x: Var) -> Var { tape.channelShuffle(x, groups: 2) }
    public func add(_ a: Var, _ b: Var) -> Var { tape.add(a, b) }
    public func resize(_ x: Var, like: Var) -> Var { tape.resizeNearest(x, height: like.h, width: like.w) }
}

/// The export executor: builds a WayCueNN graph with batch norm folded into the convolutions.
public final class GraphBackend: ModelBackend {
    /// The builder receiving the nodes.
    public let builder: GraphBuilder
    /// Scale folded into the first convolution's weights (exact, since padding is zero either
    /// way): 1/255 lets the graph take raw 0...255 pixel values while training sees 0...1.
    public var inputScale: Float
    /// Creates the backend.
    public init(builder: GraphBuilder, inputScale: Float = 1) { self.builder = builder; self.inputScale = inputScale }

    public func convBN(_ l: ConvBN, _ x: Value) throws -> Value {
        var (w, b) = l.folded()
        if inputScale != 1 {
            for i in w.indices { w[i] *= inputScale }
            inputScale = 1
        }
        return try builder.conv(x, out: l.outChannels, kernel: l.weight.h, stride: l.stride, padding: l.padding,
                                groups: l.groups, activation: l.activation?.engineActivation ?? .none, weights: w, bias: b)
    }
    public func conv(_ l: ConvBias, _ x: Value) throws -> Value {
        try builder.conv(x, out: l.weight.n, kernel: 1, weights: l.weight.values, bias: l.bias.values)
    }
    public func maxPool3s2(_ x: Value) throws -> Value {
        try builder.pool(x, PoolConfig(kind: .max, kernel: 3, stride: 2, padding: 1))
    }
    public func concat(_ xs: [Value]) throws -> Value { try builder.concat(xs) }
    public func split(_ x: Value) throws -> (Value, Value) { try builder.split(x) }
    public func shuffle2(_ x: Value) throws -> Value { try builder.shuffle(x, groups: 2) }
    public func add(_ a: Value, _ b: Value) throws -> Value { try builder.add(a, b) }
    public func resize(_ x: Value, like: Value) throws -> Value {
        try builder.resize(x, height: like.shape.h, width: like.shape.w, mode: .nearest)
    }
}
