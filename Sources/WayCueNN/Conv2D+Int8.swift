#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CWayCueKernels

/// int8 weights of a convolution: per-output-channel symmetric scales, rows padded to a
/// multiple of 4 for the dot-product kernels, and the per-tensor scale of the input.
public final class QuantizedConvWeights: @unchecked Sendable {
    /// Rows of `paddedK` int8 weights.
    let weights: UnsafeMutablePointer<Int8>
    /// K rounded up to a multiple of 4.
    let paddedK: Int
    /// Per-output-channel weight scale (real = q * scale).
    public let weightScales: [Float]
    /// Per-tensor input activation scale (real = q * scale), from calibration.
    public let inputScale: Float
    /// 128 * sum of each row's weights: the correction for inputs packed as unsigned bytes
    /// (x + 128) on x86-64; AArch64 packs them signed and ignores it.
    let compensation: UnsafeMutablePointer<Int32>
    /// inputScale * weightScales[m].
    let outputScales: UnsafeMutablePointer<Float>

    init(conv: Conv2D, inputScale: Float) {
        let m = conv.config.outChannels
        let k = conv.config.weightCount / m
        paddedK = (k + 3) / 4 * 4
        weights = .allocate(capacity: m * paddedK)
        weights.initialize(repeating: 0, count: m * paddedK)
        compensation = .allocate(capacity: m)
        outputScales = .allocate(capacity: m)
        self.inputScale = inputScale
        var scales = [Float](repeating: 1, count: m)
        for o in 0..<m {
            var amax: Float = 0
            for i in 0..<k { amax = max(amax, abs(conv.weights[o * k + i])) }
            let s = amax > 0 ? amax / 127 : 1
            scales[o] = s
            var sum: Int32 = 0
            for i in 0..<k {
                let q = Int8(max(-127, min(127, (conv.weights[o * k + i] / s).rounded())))
                weights[o * paddedK + i] = q
                sum += Int32(q)
            }
            compensation[o] = 128 * sum
            outputScales[o] = inputScale * s
        }
        weightScales = scales
    }

    /// Restores stored int8 weights exactly (as read from a `.wcm` file); `quantized` is
    /// `[out][in/groups * kh * kw]` without padding.
    init(conv: Conv2D, inputScale: Float, weightScales: [Float], quantized: [Int8]) {
        let m = conv.config.outChannels
        let k = conv.config.weightCount / m
        paddedK = (k + 3) / 4 * 4
        weights = .allocate(capacity: m * paddedK)
        weights.initialize(repeating: 0, count: m * paddedK)
        compensation = .allocate(capacity: m)
        outputScales = .allocate(capacity: m)
        self.inputScale = inputScale
        self.weightScales = weightScales
        for o in 0..<m {
            var sum: Int32 = 0
            for i in 0..<k {
                weights[o * paddedK + i] = quantized[o * k + i]
                sum += Int32(quantized[o * k + i])
            }
            compensation[o] = 128 * sum
            outputScales[o] = inputScale * weightScales[o]
        }
    }

    deinit {
        weights.deallocate()
        compensation.deallocate()
        outputScales.deallocate()
    }
}

extension Conv2D {
    /// Whether this convolution has an int8 path (ungrouped convolutions).
    public var supportsInt8: Bool { config.groups == 1 }

    /// Quantizes the weights per output channel, with `inputScale` the calibrated per-tensor
    /// scale of the input (max |x| / 127). Ungrouped convolutions only; others stay fp32.
    public func quantize(inputScale: Float) {
        guard supportsInt8, inputScale > 0, inputScale.isFinite else { return }
        int8 = QuantizedConvWeights(conv: self, inputScale: inputScale)
    }

    /// Drops the int8 weights.
    public func dequantize() { int8 = nil }

    /// int8 forward: quantize + pack the input (or its im2col rows), int8 GEMM with int32
    /// accumulation, dequantize + bias + activation in the GEMM's epilogue.
    public func forwardInt8(_ x: TensorView, _ y: TensorView, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        guard let q = int8 else {
            forward(x, y, scratch: scratch, pool: pool)
            return
        }
        let cfg = config
        let outPlane = y.shape.plane
        let k = cfg.inChannels * cfg.kernelH * cfg.kernelW
        var (act, a0, a1) = activation.kernelCode
        let post = act > 3
        if post { (act, a0, a1) = (0, 0, 0) }
        let level = Int8Kernels.level
        for n in 0..<x.shape.n {
            var src = UnsafePointer(x.channel(0, n: n))
            var packedAt = scratch
            if path != .pointwise {
                im2col(TensorView(x.channel(0, n: n), TensorShape(c: cfg.inChannels, h: x.shape.h, w: x.shape.w)),
                       outH: y.shape.h, outW: y.shape.w, into: scratch)
                src = UnsafePointer(scratch)
                packedAt = scratch + (k * outPlane + 63) / 64 * 64
            }
            let packed = UnsafeMutableRawPointer(packedAt).assumingMemoryBound(to: UInt8.self)
            wc_qgemm_pack_x(src, k, outPlane, outPlane, 1 / q.inputScale, packed)
            let yout = y.channel(0, n: n)
            wc_mt_qgemm(pool.raw, level, q.weights, q.paddedK, packed, outPlane, cfg.outChannels, q.compensation,
                        q.outputScales, bias, act, a0, a1, yout, outPlane)
            if post {
                let (c, p0, p1) = activation.kernelCode
                wc_f32_bias_act(yout, cfg.outChannels, outPlane, outPlane, nil, c, p0, p1)
            }
        }
    }
}

/// The int8 kernel level picked at run time from the CPU's features.
///
/// The same C entry point (`wc_mt_qgemm` -> `wc_qgemm_compute`) is called on every
/// architecture; the level selects the kernel inside it: `WC_Q8_AVX512VNNI`, `WC_Q8_AVX2` or
/// `WC_Q8_PORTABLE` on x86-64, `WC_Q8_NEON_I8MM`, `WC_Q8_NEON_DOTPROD` or `WC_Q8_NEON` on
/// AArch64. A level this CPU lacks runs the portable kernel instead, so setting ``level`` (for
/// comparisons) can never execute an unsupported instruction.
public enum Int8Kernels {
    /// The level in use; defaults to the best this CPU supports.
    nonisolated(unsafe) public static var level: Int32 = wc_cpu_int8_level()
    /// The best level this CPU supports.
    public static var best: Int32 { wc_cpu_int8_level() }
    /// A readable name of the kernel in use ("avx2", "neon-dotprod", ...).
    public static var name: String { name(of: level) }
    /// A readable name of the kernel of `level`.
    public static func name(of level: Int32) -> String { String(cString: wc_qgemm_level_name(level)) }
    /// Whether this CPU can run the kernel of `level`.
    public static func isSupported(_ level: Int32) -> Bool { wc_qgemm_level_supported(level) != 0 }
}
