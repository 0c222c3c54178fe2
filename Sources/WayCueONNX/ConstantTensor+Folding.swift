import Foundation

/// Import-time evaluation of the ops that make up shape arithmetic (numpy broadcasting rules).
extension ConstantTensor {
    /// Normalizes a possibly negative axis for `rank`.
    static func axis(_ a: Int, rank: Int) -> Int? {
        let r = a < 0 ? a + rank : a
        return r >= 0 && r < max(rank, 1) ? r : nil
    }

    /// Broadcast shape of two shapes, or nil.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a, pb = [Int](repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for i in 0..<r {
            if pa[i] == pb[i] || pb[i] == 1 { out.append(pa[i]) } else if pa[i] == 1 { out.append(pb[i]) } else { return nil }
        }
        return out
    }

    /// This tensor expanded to `dims` (which must be a broadcast of its own).
    func expanded(to dims: [Int]) -> ConstantTensor? {
        guard let n = ConstantTensor.elementCount(dims), ConstantTensor.broadcast(self.dims, dims) == dims else { return nil }
        if self.dims == dims { return self }
        let r = dims.count
        let mine = [Int](repeating: 1, count: r - self.dims.count) + self.dims
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: r - 1, through: 0, by: -1) { strides[i] = mine[i] == 1 ? 0 : s; s *= mine[i] }
        var out = [Double](repeating: 0, count: n)
        var idx = [Int](repeating: 0, count: r)
        for k in 0..<n {
            var off = 0
            for i in 0..<r { off += idx[i] * strides[i] }
            out[k] = values[off]
            var i = r - 1
            while i >= 0 { idx[i] += 1; if idx[i] < dims[i] { break }; idx[i] = 0; i -= 1 }
        }
        return ConstantTensor(dims: dims, values: out, isInteger: isInteger)
    }

    /// Elementwise op with broadcasting.
    static func elementwise(_ a: ConstantTensor, _ b: ConstantTensor, integer: Bool? = nil, _ f: (Double, Double) -> Double) -> ConstantTensor? {
        guard let d = broadcast(a.dims, b.dims), let x = a.expanded(to: d), let y = b.expanded(to: d) else { return nil }
        let isInt = integer ?? (a.isInteger && b.isInteger)
        return ConstantTensor(dims: d, values: zip(x.values, y.values).map { isInt ? f($0, $1).rounded(.towardZero) : f($0, $1) }, isInteger: isInt)
    }

    /// Row-major strides helper: (outer, axis length, inner) around `axis`.
    func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (dims[..<axis].reduce(1, *), dims[axis], dims[(axis + 1)...].reduce(1, *))
    }

    /// Elements `indices` along `axis` (numpy `take`).
    func gather(_ indices: ConstantTensor, axis: Int) -> ConstantTensor? {
        guard let ax = ConstantTensor.axis(axis, rank: dims.count), !dims.isEmpty else { return nil }
        let (outer, len, inner) = split(at: ax)
        var idx: [Int] = []
        for i in indices.ints {
            let j = i < 0 ? i + len : i
            guard j >= 0, j < len else { return nil }
            idx.append(j)
        }
        let outDims = Array(dims[..<ax]) + indices.dims + Array(dims[(ax + 1)...])
        guard ConstantTensor.elementCount(outDims) != nil else { return nil }
        var out: [Double] = []
        out.reserveCapacity(outer * idx.count * inner)
        for o in 0..<outer { for j in idx { out += values[(o * len + j) * inner..<(o * len + j + 1) * inner] } }
        return ConstantTensor(dims: outDims, values: out, isInteger: isInteger)
    }

    /// Concatenation along `axis`.
    static func concat(_ parts: [ConstantTensor], axis: Int) -> ConstantTensor? {
        guard let f = parts.first, let ax = ConstantTensor.axis(axis, rank: f.dims.count), !f.dims.isEmpty else { return nil }
        for p in parts { guard p.dims.count == f.dims.count, p.dims[..<ax] == f.dims[..<ax], p.dims[(ax + 1)...] == f.dims[(ax + 1)...] else { return nil } }
        var dims = f.dims
        dims[ax] = parts.reduce(0) { $0 + $1.dims[ax] }
        guard let n = elementCount(dims) else { return nil }
        let (outer, _, _) = f.split(at: ax)
        var out: [Double] = []
        out.reserveCapacity(n)
        for o in 0..<outer {
            for p in parts { let (_, l, i) = p.split(at: ax); out += p.values[o * l * i..<(o + 1) * l * i] }
        }
        return ConstantTensor(dims: dims, values: out, isInteger: parts.allSatisfy(\.isInteger))
    }

    /// Slice with step along one axis.
    func slice(axis ax: Int, start: Int, end: Int, step: Int) -> ConstantTensor? {
        let (outer, len, inner) = split(at: ax)
        let idx = ConstantTensor.sliceIndices(length: len, start: start, end: end, step: step)
        var dims = self.dims
        dims[ax] = idx.count
        var out: [Double] = []
        for o in 0..<outer { for j in idx { out += values[(o * len + j) * inner..<(o * len + j + 1) * inner] } }
        return ConstantTensor(dims: dims, values: out, isInteger: isInteger)
    }

    /// ONNX Slice semantics: clamped start/end, positive or negative step.
    static func sliceIndices(length: Int, start: Int, end: Int, step: Int) -> [Int] {
        guard step != 0, length > 0 else { return [] }
        func norm(_ v: Int) -> Int { v < 0 ? v + length : v }
        var s = norm(start), e = norm(end)
        if step > 0 {
            s = min(max(s, 0), length); e = min(max(e, 0), length)
            return s < e ? Array(stride(from: s, to: e, by: step)) : []
        }
        s = min(max(s, -1), length - 1); e = min(max(e, -1), length - 1)
        return s > e ? Array(stride(from: s, to: e, by: step)) : []
    }

    /// General transpose.
    func transposed(_ perm: [Int]) -> ConstantTensor? {
        guard perm.count == dims.count, Set(perm) == Set(0..<dims.count) else { return nil }
        let r = dims.count
        let outDims = perm.map { dims[$0] }
        var inStrides = [Int](repeating: 1, count: r)
        for i in stride(from: r - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * dims[i + 1] }
        var out = [Double](repeating: 0, count: count)
        var idx = [Int](repeating: 0, count: r)
        for k in 0..<count {
            var off = 0
            for i in 0..<r { off += idx[i] * inStrides[perm[i]] }
            out[k] = values[off]
            var i = r - 1
            while i >= 0 { idx[i] += 1; if idx[i] < outDims[i] { break }; idx[i] = 0; i -= 1 }
        }
        return ConstantTensor(dims: outDims, values: out, isInteger: isInteger)
    }
}

/// Resolves an ONNX Reshape target (0 copies the input dimension unless `allowZero`, -1 infers).
func resolveReshape(_ input: [Int], _ target: [Int], allowZero: Bool) -> [Int]? {
    var out: [Int] = []
    var infer: Int?
    for (i, t) in target.enumerated() {
        if t == 0 && !allowZero { guard i < input.count else { return nil }; out.append(input[i]) }
        else if t == -1 { guard infer == nil else { return nil }; infer = i; out.append(1) }
        else if t >= 0 { out.append(t) } else { return nil }
    }
    guard let total = ConstantTensor.elementCount(input), let known = ConstantTensor.elementCount(out) else { return nil }
    if let i = infer {
        guard known > 0, total % known == 0 else { return nil }
        out[i] = total / known
    } else {
        guard known == total else { return nil }
    }
    return out
}
