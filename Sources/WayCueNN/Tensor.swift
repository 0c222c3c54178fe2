#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense fp32 tensor in NCHW layout whose storage is 64-byte aligned.
///
/// `Tensor` owns its storage (allocated once, freed on deinit). Ops work on ``TensorView``s,
/// which are pointer + shape pairs and cost nothing to create.
public final class Tensor: @unchecked Sendable {
    /// The shape of the tensor.
    public let shape: TensorShape
    /// The first element; `shape.count` floats, 64-byte aligned.
    public let data: UnsafeMutablePointer<Float>

    /// Allocates a zero-filled tensor.
    public init(shape: TensorShape) {
        self.shape = shape
        self.data = alignedFloatAllocate(max(shape.count, 1))
    }

    /// Allocates a tensor and copies `values` (which must hold `shape.count` floats).
    public convenience init(shape: TensorShape, values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == shape.count, "values.count must equal shape.count")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: shape.count) }
    }

    deinit { free(data) }

    /// The tensor as a view for ops.
    public var view: TensorView { TensorView(data, shape) }

    /// A copy of the elements.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: shape.count)) }

    /// Element access by NCHW index.
    public subscript(n: Int, c: Int, h: Int, w: Int) -> Float {
        get { data[((n * shape.c + c) * shape.h + h) * shape.w + w] }
        set { data[((n * shape.c + c) * shape.h + h) * shape.w + w] = newValue }
    }

    /// Fills the tensor with uniform values in `range` from a seeded generator (reproducible).
    public func fillRandom(in range: ClosedRange<Float> = -1...1, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for i in 0..<shape.count { data[i] = rng.nextFloat(in: range) }
    }

    /// Largest absolute difference to another tensor of the same shape (infinity if shapes differ).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        guard other.shape == shape else { return .infinity }
        var m: Float = 0
        for i in 0..<shape.count { m = max(m, abs(data[i] - other.data[i])) }
        return m
    }
}

/// A non-owning pointer + shape pair; the unit that ops read and write.
public struct TensorView: @unchecked Sendable {
    /// First element.
    public var data: UnsafeMutablePointer<Float>
    /// Shape (contiguous NCHW).
    public var shape: TensorShape
    /// Creates a view.
    public init(_ data: UnsafeMutablePointer<Float>, _ shape: TensorShape) {
        self.data = data
        self.shape = shape
    }
    /// The first element of channel `c` of batch item `n`.
    @inline(__always) public func channel(_ c: Int, n: Int = 0) -> UnsafeMutablePointer<Float> {
        data + (n * shape.c + c) * shape.plane
    }
}

/// Allocates `count` floats aligned to 64 bytes (free with `free`).
func alignedFloatAllocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    var raw: UnsafeMutableRawPointer?
    let bytes = (count * MemoryLayout<Float>.stride + 63) / 64 * 64
    let rc = posix_memalign(&raw, 64, max(bytes, 64))
    precondition(rc == 0 && raw != nil, "out of memory allocating \(bytes) bytes")
    memset(raw!, 0, max(bytes, 64))
    return raw!.bindMemory(to: Float.self, capacity: count)
}

/// A small seeded generator (SplitMix64) so that random weights and tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform float in `range`.
    public mutating func nextFloat(in range: ClosedRange<Float>) -> Float {
        let u = Float(next() >> 40) / Float(1 << 24)
        return range.lowerBound + u * (range.upperBound - range.lowerBound)
    }
}
