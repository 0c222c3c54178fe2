@testable import WayCueNN

/// Largest |a - b| / (1 + |b|) over two views of the same shape.
func relativeError(_ a: TensorView, _ b: TensorView) -> Float {
    precondition(a.shape == b.shape)
    var m: Float = 0
    for i in 0..<a.shape.count { m = max(m, abs(a.data[i] - b.data[i]) / (1 + abs(b.data[i]))) }
    return m
}

func randomTensor(_ shape: TensorShape, seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
    let t = Tensor(shape: shape)
    t.fillRandom(in: range, seed: seed)
    return t
}

/// A scratch buffer big enough for any test op.
func scratchBuffer(_ floats: Int) -> UnsafeMutablePointer<Float> {
    alignedFloatAllocate(max(floats, 64))
}
