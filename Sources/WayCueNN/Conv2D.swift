import CWayCueKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 2-D convolution layer with its weights, fused bias and activation, and (optionally) an
/// int8 version of its weights.
///
/// Weights are `[out][in / groups][kernelH][kernelW]`. The fast path picks: a plain GEMM for
/// 1x1 convolutions, a direct SIMD kernel for depthwise 3x3 / 5x5, and im2col + GEMM otherwise.
public final class Conv2D: @unchecked Sendable {
    /// Geometry.
    public let config: Conv2DConfig
    /// Activation fused into the output pass.
    public let activation: Activation
    /// Weights (`config.weightCount` floats, 64-byte aligned).
    public let weights: UnsafeMutablePointer<Float>
    /// Bias (`outChannels` floats).
    public let bias: UnsafeMutablePointer<Float>
    /// Pointwise convolutions: the weights transposed (`[in][out]`), for small GEMMs.
    private(set) lazy var transposedWeights: UnsafeMutablePointer<Float> = {
        let m = config.outChannels, k = config.weightCount / m
        let t = alignedFloatAllocate(m * k)
        for o in 0..<m { for i in 0..<k { t[i * m + o] = weights[o * k + i] } }
        return t
    }()
    private var hasTransposed = false
    /// 1x1 and im2col convolutions: the weights packed into 8-row panels for the engine's own
    /// fp32 GEMM (`wc_sgemm_pack_a`), one block per group; used when
    /// ``FP32Kernels/gemm`` is ``FP32GEMM/packed``.
    private(set) lazy var packedWeights: UnsafeMutablePointer<Float> = {
        let (ocg, kg) = gemmShape
        let per = wc_sgemm_packed_a_size(ocg, kg)
        let p = alignedFloatAllocate(max(1, config.groups * per))
        packWeights(into: p)
        return p
    }()
    private var hasPacked = false

    /// Rows (output channels per group) and depth (inputs per group x kernel area) of the GEMM.
    var gemmShape: (Int, Int) {
        let ocg = config.outChannels / config.groups
        return (ocg, config.inChannels / config.groups * config.kernelH * config.kernelW)
    }

    private func packWeights(into p: UnsafeMutablePointer<Float>) {
        let (ocg, kg) = gemmShape
        let per = wc_sgemm_packed_a_size(ocg, kg)
        for g in 0..<config.groups { wc_sgemm_pack_a(weights + g * ocg * kg, ocg, kg, kg, p + g * per) }
    }

    /// Prepares derived weight layouts (call before timing; the runner does).
    func prepare() {
        if path == .pointwise {
            _ = transposedWeights
            hasTransposed = true
        }
        if FP32Kernels.gemm == .packed { preparePacked() }
    }

    /// Packs the weights for the engine's own GEMM (1x1 and im2col paths), once.
    func preparePacked() {
        if !hasPacked && (path == .pointwise || path == .im2col) {
            _ = packedWeights
            hasPacked = true
        }
    }

    /// The int8 form of the weights, once ``quantize(inputScale:)`` has run.
    public internal(set) var int8: QuantizedConvWeights?

    /// Creates a convolution; `weights` must hold `config.weightCount` values, `bias` either
    /// nothing (zeros) or `outChannels` values.
    public init(config: Conv2DConfig, activation: Activation = .none, weights: [Float], bias: [Float]? = nil) throws(NNError) {
        try config.validate()
        guard weights.count == config.weightCount else {
            throw .invalidParameter(op: "conv", reason: "\(weights.count) weights, expected \(config.weightCount)")
        }
        if let bias, bias.count != config.outChannels {
            throw .invalidParameter(op: "conv", reason: "\(bias.count) biases, expected \(config.outChannels)")
        }
        self.config = config
        self.activation = activation
        self.weights = alignedFloatAllocate(config.weightCount)
        self.bias = alignedFloatAllocate(config.outChannels)
        weights.withUnsafeBufferPointer { self.weights.update(from: $0.baseAddress!, count: weights.count) }
        if let bias { bias.withUnsafeBufferPointer { self.bias.update(from: $0.baseAddress!, count: bias.count) } }
    }

    /// Creates a convolution with seeded random weights (He-uniform) and small random biases.
    public convenience init(config: Conv2DConfig, activation: Activation = .none, seed: UInt64) throws(NNError) {
        try config.validate()
        var rng = SplitMix64(seed: seed)
        let fanIn = Float(config.inChannels / max(config.groups, 1) * config.kernelH * config.kernelW)
        let limit = (6 / max(fanIn, 1)).squareRoot()
        let w = (0..<config.weightCount).map { _ in rng.nextFloat(in: -limit...limit) }
        let b = (0..<config.outChannels).map { _ in rng.nextFloat(in: -0.1...0.1) }
        try self.init(config: config, activation: activation, weights: w, bias: b)
    }

    deinit {
        free(weights)
        free(bias)
        if hasTransposed { free(transposedWeights) }
        if hasPacked { free(packedWeights) }
    }

    /// Folds a following batch norm (y = gamma * (x - mean) / sqrt(var + eps) + beta) into the
    /// weights and bias, so that inference pays nothing for it.
    public func foldBatchNorm(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-5) throws(NNError) {
        let c = config.outChannels
        guard gamma.count == c, beta.count == c, mean.count == c, variance.count == c else {
            throw .invalidParameter(op: "batchnorm", reason: "parameter counts must equal \(c) channels")
        }
        let per = config.weightCount / c
        for o in 0..<c {
            let s = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<per { weights[o * per + i] *= s }
            if hasTransposed { for i in 0..<per { transposedWeights[i * c + o] = weights[o * per + i] } }
            bias[o] = (bias[o] - mean[o]) * s + beta[o]
        }
        if hasPacked { packWeights(into: packedWeights) }
        int8 = nil
    }

    // MARK: Shapes and scratch

    /// Output shape for an input shape.
    public func outputShape(for input: TensorShape) throws(NNError) -> TensorShape {
        try config.outputShape(for: input)
    }

    /// The path the fast forward takes.
    enum Path { case pointwise, depthwise, direct, im2col }
    var path: Path {
        if config.isPointwise { return .pointwise }
        if config.isDepthwise && config.kernelH == config.kernelW && (config.kernelH == 3 || config.kernelH == 5)
            && config.dilationH == 1 && config.dilationW == 1 && config.strideH == config.strideW
            && (config.strideH == 1 || config.strideH == 2) {
            return .depthwise
        }
        if config.groups == 1 && config.kernelH == config.kernelW && config.kernelH <= 7 && config.dilationH == 1
            && config.dilationW == 1 && config.strideH == config.strideW && (config.strideH == 1 || config.strideH == 2)
            && config.inChannels * config.kernelH * config.kernelW <= 64 {
            return .direct
        }
        return .im2col
    }

    /// Scratch floats the fast forward needs for this input (per call, shared across ops).
    public func scratchFloats(for input: TensorShape, threads: Int, precision: Precision) -> Int {
        let out = (try? outputShape(for: input)) ?? input
        var n = 0
        switch path {
        case .pointwise: n = 0
        case .depthwise:
            n = threads * wc_dwScratch(input, config) + 64
        case .direct:
            n = threads * directScratch(input, out) + 64
        case .im2col:
            let kg = config.inChannels / config.groups * config.kernelH * config.kernelW
            n = kg * out.plane + 64
        }
        if precision == .int8, int8 != nil {
            let k = config.inChannels * config.kernelH * config.kernelW
            n += k * out.plane + 64 + (wc_qgemm_packed_size(k, out.plane) + 3) / 4 + 64
        }
        return n
    }
}

/// Numeric precision of a graph run.
public enum Precision: String, Sendable, CaseIterable {
    /// 32-bit floating point everywhere.
    case fp32
    /// int8 weights and activations in the convolutions that have calibration scales.
    case int8
}
