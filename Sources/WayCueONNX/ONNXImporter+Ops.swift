import Foundation
import WayCueNN

/// The per-operator translation of ``ImportSession``.
extension ImportSession {
    /// Translates one node (constants are folded; run-time tensors become engine nodes).
    func importNode(_ index: Int, _ n: Onnx_NodeProto) throws {
        guard n.domain.isEmpty || n.domain == "ai.onnx" else { throw unsupported(n, "operator domain '\(n.domain)'") }
        let at = Attributes(n)
        let ins = try (0..<n.input.count).map { i throws(ONNXError) in try symbol(n, i) }
        let allConstant = ins.allSatisfy { if case .runtime = $0 { false } else { true } }
        if allConstant, try fold(n, at, ins.map { if case .constant(let c) = $0 { c } else { nil } }) { return }
        let name = nodeName(n)
        switch n.opType {
        case "Conv": try conv(index, n, at)
        case "BatchNormalization":
            let x = try runtime(n, 0)
            guard let g = try constant(n, 1, "scale"), let be = try constant(n, 2, "bias"), let m = try constant(n, 3, "mean"),
                  let v = try constant(n, 4, "var"), x.dims.count >= 2 else { throw invalid(n, "needs 5 inputs") }
            let c = x.dims[1]
            guard [g, be, m, v].allSatisfy({ $0.count == c }) else { throw invalid(n, "parameters must have \(c) values") }
            let eps = at.float("epsilon", 1e-5)
            var scale: [Float] = [], shift: [Float] = []
            for i in 0..<c {
                let s = Float(g.values[i]) / sqrtf(Float(v.values[i]) + eps)
                scale.append(s); shift.append(Float(be.values[i]) - Float(m.values[i]) * s)
            }
            var act = Activation.none
            var out = try output(n)
            if let (a, nodes, o) = try fusableActivation(after: out) { act = a; absorbed.formUnion(nodes); out = o }
            let y = try affine(x, axis: 1, scale: scale, shift: shift, act: act, name: nm(out), n)
            try define(out, y, x.dims, n)
        case "Relu", "LeakyRelu", "Sigmoid", "HardSwish":
            let x = try runtime(n, 0)
            var act: Activation = switch n.opType {
            case "Relu": .relu
            case "LeakyRelu": .leakyReLU(at.float("alpha", 0.01))
            case "HardSwish": .hardSwish
            default: .sigmoid
            }
            var out = try output(n)
            if act == .sigmoid, let m = soleConsumer(out), graph.node[m].opType == "Mul",
               Set(graph.node[m].input) == Set([n.input[0], out]), let mo = graph.node[m].output.first {
                act = .silu; absorbed.insert(m); out = mo
            }
            try define(out, b.activation(x.value, act, name: nm(out)), x.dims, n)
        case "Clip":
            let x = try runtime(n, 0)
            guard let act = try clipActivation(n) else { throw unsupported(n, "only Clip(0, 6) and Clip(0, inf) are supported") }
            let out = try output(n)
            try define(out, b.activation(x.value, act, name: nm(out)), x.dims, n)
        case "HardSigmoid":
            // clip(alpha * x + beta, 0, 1) = relu6(6 alpha x + 6 beta) / 6.
            let x = try runtime(n, 0)
            let alpha = at.float("alpha", 0.2), beta = at.float("beta", 0.5)
            let out = try output(n)
            let t = try affine(x, axis: nil, scale: [6 * alpha], shift: [6 * beta], act: .relu6, name: out + "#hs", n)
            let y = try affine(RuntimeTensor(value: t, dims: x.dims), axis: nil, scale: [1 / 6], shift: [0], act: .none, name: nm(out), n)
            try define(out, y, x.dims, n)
        case "Add", "Sub", "Mul", "Div", "Max": try binary(n)
        case "QuantizeLinear", "DequantizeLinear":
            // Activation fake-quantization: the tensor passes through; its scale is kept so that
            // a convolution reading it runs in int8 with that input scale.
            let x = try runtime(n, 0)
            guard let sc = try constant(n, 1, "scale"), sc.count == 1, sc.values[0] > 0, sc.values[0].isFinite else {
                throw unsupported(n, "only per-tensor scales on run-time tensors")
            }
            let zc = try constant(n, 2, "zero point")
            let z = zc?.values.first ?? 0
            let unsigned = zc == nil || zc?.dataType == ONNXDataType.uint8.rawValue
            let inName = n.input[0], out = try output(n)
            // The engine quantizes symmetrically: q in -127...127 (stored +128). Widen the
            // model's (possibly asymmetric) range to a symmetric one that covers it.
            let s0 = sc.values[0]
            let symmetric: Double = unsigned
                ? (z == 128 ? s0 : s0 * Swift.max(z, 255 - z) / 127)
                : s0 * Swift.max(128 + z, 127 - z) / 127
            let scale = n.opType == "QuantizeLinear" ? Float(symmetric) : (qdqScales[inName] ?? Float(symmetric))
            qdqScales[out] = scale
            var v = x.value
            if let a = quantizeClamp(n), !nonNegative.contains(v.id) {
                v = b.activation(v, a, name: nm(out))
                nonNegative.insert(v.id)
            }
            try define(out, v, x.dims, n)
        case "Pow":
            // x^2 (YOLOv5's (wh * 2) ** 2) is x * x; x^1 is x.
            let x = try runtime(n, 0)
            guard let e = try constant(n, 1, "exponent"), e.count == 1, e.values[0] == 2 || e.values[0] == 1 else {
                throw unsupported(n, "only a constant exponent of 1 or 2")
            }
            let out = try output(n)
            if e.values[0] == 1 { try define(out, x.value, x.dims, n) } else {
                try define(out, try b.binary(x.value, x.value, .mul, name: nm(out)), x.dims, n)
            }
        case "Identity", "Dropout", "Cast":
            let x = try runtime(n, 0)
            try define(try output(n), x.value, x.dims, n)
        case "Reshape", "Flatten", "Squeeze", "Unsqueeze": try reshape(n, at)
        case "Concat": try concat(n, at)
        case "Split": try split(n, at)
        case "Slice": try slice(n)
        case "Gather":
            let x = try runtime(n, 0)
            guard let idx = try constant(n, 1, "indices") else { throw invalid(n, "indices missing") }
            guard let ax = ConstantTensor.axis(at.int("axis", 0), rank: x.dims.count) else { throw invalid(n, "axis out of range") }
            let len = x.dims[ax]
            let ids = idx.ints.map { $0 < 0 ? $0 + len : $0 }
            guard let f = ids.first, ids.enumerated().allSatisfy({ $0.element == f + $0.offset }), f >= 0, f + ids.count <= len else {
                throw unsupported(n, "only constant, contiguous ascending indices are supported on a run-time tensor")
            }
            let y = try sliceAxis(x, axis: ax, start: f, count: ids.count, name: name, n)
            var dims = x.dims
            dims.replaceSubrange(ax...ax, with: idx.dims)
            try define(try output(n), y.value, dims, n)
        case "Transpose": try transpose(n, at)
        case "Softmax": try softmax(n, at)
        case "MatMul":
            if case .constant? = try symbol(n, 1) { try gemm(n, at, matmul: true) } else { try matmul(n) }
        case "Gemm": try gemm(n, at, matmul: false)
        case "ReduceMean": try reduceMean(n, at)
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool": try pool(n, at)
        case "Resize", "Upsample": try resize(n, at)
        case "Shape", "Constant", "ConstantOfShape", "Range", "Equal", "Where", "Expand":
            if n.opType == "Shape", case .runtime(let x)? = ins.first {
                var dims = x.dims
                let start = ConstantTensor.axis(at.int("start", 0), rank: dims.count + 1) ?? 0
                let end = min(max(at.int("end", dims.count) < 0 ? at.int("end", dims.count) + dims.count : at.int("end", dims.count), 0), dims.count)
                dims = start < end ? Array(dims[start..<end]) : []
                env[try output(n)] = .constant(.vector(dims))
                return
            }
            throw unsupported(n, "only on constant inputs (shape arithmetic)")
        default:
            throw unsupported(n, "operator not supported (supported: \(ONNXImporter.supportedOperators.joined(separator: ", ")))")
        }
    }

    // MARK: Convolution

    func conv(_ index: Int, _ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        guard let w = try constant(n, 1, "weight W") else { throw invalid(n, "weight missing") }
        let bias = try constant(n, 2, "bias B")
        guard w.dims.count == 4, x.dims.count == 4 else { throw unsupported(n, "only 2-D convolutions (4-D weights and input), weight dims \(w.dims)") }
        let (m, cpg, kh, kw) = (w.dims[0], w.dims[1], w.dims[2], w.dims[3])
        let groups = at.int("group", 1)
        let strides = at.ints("strides") ?? [1, 1], dil = at.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dil.count == 2 else { throw invalid(n, "strides/dilations must have 2 values") }
        guard (strides + dil).allSatisfy({ $0 >= 1 && $0 <= 64 }), groups >= 1, groups <= 1 << 16, kh <= 64, kw <= 64 else {
            throw invalid(n, "strides \(strides), dilations \(dil), group \(groups) or kernel \(kh)x\(kw) out of range")
        }
        if let ks = at.ints("kernel_shape"), ks != [kh, kw] { throw invalid(n, "kernel_shape \(ks) disagrees with weights \(w.dims)") }
        var pads = at.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4 else { throw invalid(n, "pads must have 4 values") }
        let autoPad = at.string("auto_pad", "NOTSET")
        if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            for (i, (inp, k, s, d)) in [(x.dims[2], kh, strides[0], dil[0]), (x.dims[3], kw, strides[1], dil[1])].enumerated() {
                let out = (inp + s - 1) / max(s, 1)
                let total = max(0, (out - 1) * s + (k - 1) * d + 1 - inp)
                let small = total / 2, large = total - small
                pads[i] = autoPad == "SAME_UPPER" ? small : large
                pads[i + 2] = autoPad == "SAME_UPPER" ? large : small
            }
        } else if autoPad == "VALID" {
            pads = [0, 0, 0, 0]
        } else if autoPad != "NOTSET" {
            throw unsupported(n, "auto_pad \(autoPad)")
        }
        guard groups > 0, x.dims[1] == cpg * groups else { throw invalid(n, "input has \(x.dims[1]) channels, weights expect \(cpg) x \(groups) groups") }
        let cfg = Conv2DConfig(inChannels: cpg * groups, outChannels: m, kernelH: kh, kernelW: kw, strideH: strides[0], strideW: strides[1],
                               padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3],
                               dilationH: dil[0], dilationW: dil[1], groups: groups)
        try cfg.validate()
        if let bias, bias.count != m { throw invalid(n, "bias has \(bias.count) values, expected \(m)") }
        var out = try output(n)
        var bn: BatchNormParameters?
        if let c = soleConsumer(out), graph.node[c].opType == "BatchNormalization" {
            let bnNode = graph.node[c]
            let p = try (1...4).map { i throws(ONNXError) in try constant(bnNode, i, "batch norm parameter") }
            if p.allSatisfy({ $0?.count == m }), let o = bnNode.output.first, !o.isEmpty {
                bn = BatchNormParameters(gamma: p[0]!.floats, beta: p[1]!.floats, mean: p[2]!.floats, variance: p[3]!.floats,
                                         epsilon: Attributes(bnNode).float("epsilon", 1e-5))
                absorbed.insert(c)
                out = o
            }
        }
        var act = Activation.none
        if let (a, nodes, o) = try fusableActivation(after: out) { act = a; absorbed.formUnion(nodes); out = o }
        if act == .none, options.fuse, let c = soleConsumer(out), let a = quantizeClamp(graph.node[c]) { act = a }
        let layer = try Conv2D(config: cfg, activation: act, weights: w.floats, bias: bias?.floats)
        if let bn { try layer.foldBatchNorm(gamma: bn.gamma, beta: bn.beta, mean: bn.mean, variance: bn.variance, epsilon: bn.epsilon) }
        if let s = qdqScales[n.input[0]], layer.supportsInt8 { layer.quantize(inputScale: s) }
        let y = try b.conv(try canon(x, n), layer, name: nm(out))
        if act == .relu || act == .relu6 { nonNegative.insert(y.id) }
        try define(out, y, y.shape.dims, n)
    }

    // MARK: Elementwise

    func binary(_ n: Onnx_NodeProto) throws {
        guard let a = try symbol(n, 0), let c = try symbol(n, 1) else { throw invalid(n, "needs 2 inputs") }
        let out = try output(n)
        switch (a, c) {
        case (.runtime(let x0), .runtime(let y0)):
            let (x, y) = try broadcastRuntime(x0, y0, n, out)
            let op: Ops.Binary
            switch n.opType {
            case "Add": op = .add
            case "Sub": op = .sub
            case "Mul": op = .mul
            case "Max": op = .max
            default: throw unsupported(n, "\(n.opType) of two run-time tensors")
            }
            let yv = try view(y.value, x.value.shape, out + "#b")
            try define(out, try b.binary(x.value, yv, op, name: nm(out)), x.dims, n)
        case (.runtime(let x), .constant(let k)), (.constant(let k), .runtime(let x)):
            let constFirst: Bool = if case .constant = a { true } else { false }
            guard let full = ConstantTensor.broadcast(x.dims, k.dims), full == x.dims else {
                throw unsupported(n, "constant of dims \(k.dims) would broadcast the run-time tensor \(x.dims)")
            }
            // Which axis does the constant vary along?
            let padded = [Int](repeating: 1, count: x.dims.count - k.dims.count) + k.dims
            let varying = padded.indices.filter { padded[$0] > 1 }
            var axis: Int?
            var perAxis: [Float] = k.floats
            if k.count == 1 { axis = nil; perAxis = [Float(k.values[0])] }
            else if varying.count == 1, x.dims[..<varying[0]].reduce(1, *) == 1 { axis = varying[0] }
            else {
                // General broadcast: materialize the expanded constant and use an engine binary op.
                guard let e = k.expanded(to: x.dims) else { throw invalid(n, "cannot broadcast constant") }
                let kv = try materialize(e, node: n)
                let kview = try view(kv.value, x.value.shape, out + "#k")
                let op: Ops.Binary
                var lhs = x.value, rhs = kview
                switch n.opType {
                case "Add": op = .add
                case "Mul": op = .mul
                case "Max": op = .max
                case "Sub": op = .sub; if constFirst { swap(&lhs, &rhs) }
                default: throw unsupported(n, "Div by a broadcast constant tensor")
                }
                try define(out, try b.binary(lhs, rhs, op, name: nm(out)), x.dims, n)
                return
            }
            let ones = [Float](repeating: 1, count: perAxis.count), zeros = [Float](repeating: 0, count: perAxis.count)
            var scale = ones, shift = zeros
            switch n.opType {
            case "Add": shift = perAxis
            case "Mul": scale = perAxis
            case "Sub": if constFirst { scale = ones.map { -$0 }; shift = perAxis } else { shift = perAxis.map { -$0 } }
            case "Div":
                guard !constFirst else { throw unsupported(n, "constant divided by a run-time tensor") }
                scale = perAxis.map { 1 / $0 }
            default: throw unsupported(n, "\(n.opType) with a constant operand")
            }
            try define(out, try affine(x, axis: axis, scale: scale, shift: shift, act: .none, name: nm(out), n), x.dims, n)
        default: throw invalid(n, "constant inputs should have been folded")
        }
    }

    // MARK: Shape ops

    func reshape(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        let out = try output(n)
        var dims: [Int]
        switch n.opType {
        case "Reshape":
            guard let s = try constant(n, 1, "shape") else { throw invalid(n, "shape missing") }
            guard let d = resolveReshape(x.dims, s.ints, allowZero: at.int("allowzero", 0) != 0) else {
                throw invalid(n, "cannot reshape \(x.dims) to \(s.ints)")
            }
            dims = d
        case "Flatten":
            guard let ax = ConstantTensor.axis(at.int("axis", 1), rank: x.dims.count + 1) else { throw invalid(n, "axis out of range") }
            dims = [x.dims[..<ax].reduce(1, *), x.dims[ax...].reduce(1, *)]
        case "Squeeze":
            let axes = (opset >= 13 ? try constant(n, 1, "axes")?.ints : at.ints("axes"))
            let norm = (axes ?? x.dims.indices.filter { x.dims[$0] == 1 }).compactMap { ConstantTensor.axis($0, rank: x.dims.count) }
            dims = x.dims.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
        default: // Unsqueeze
            guard let axes = (opset >= 13 ? try constant(n, 1, "axes")?.ints : at.ints("axes")) else { throw invalid(n, "axes missing") }
            let r = x.dims.count + axes.count
            let norm = Set(axes.compactMap { ConstantTensor.axis($0, rank: r) })
            guard norm.count == axes.count else { throw invalid(n, "bad axes \(axes)") }
            var it = x.dims.makeIterator()
            dims = (0..<r).map { norm.contains($0) ? 1 : it.next() ?? 1 }
        }
        try define(out, x.value, dims, n)
    }

    /// `count` entries from `start` along `axis` (a view when nothing precedes the axis;
    /// otherwise transpose, slice, transpose back).
    func sliceAxis(_ x: RuntimeTensor, axis k: Int, start: Int, count: Int, name: String, _ n: Onnx_NodeProto) throws -> RuntimeTensor {
        let outer = x.dims[..<k].reduce(1, *), len = x.dims[k], inner = x.dims[(k + 1)...].reduce(1, *)
        var dims = x.dims
        dims[k] = count
        if outer == 1 {
            let v = try view(x.value, rows(len, inner, x.dims), name + "#sv")
            return RuntimeTensor(value: try b.slice(v, start: start, count: count, name: name + "#s"), dims: dims)
        }
        let a = try view(x.value, TensorShape(n: 1, c: 1, h: outer, w: len * inner), name + "#t0")
        let t = b.transpose(a, name: name + "#t")
        let s = try b.slice(try view(t, TensorShape(n: 1, c: len, h: inner, w: outer), name + "#tv"), start: start, count: count, name: name + "#s")
        let back = b.transpose(try view(s, TensorShape(n: 1, c: 1, h: count * inner, w: outer), name + "#sv"), name: name + "#tb")
        return RuntimeTensor(value: back, dims: dims)
    }

    func slice(_ n: Onnx_NodeProto) throws {
        let x = try runtime(n, 0)
        guard let st = try constant(n, 1, "starts"), let en = try constant(n, 2, "ends") else { throw unsupported(n, "starts/ends must be constant") }
        let axes = try constant(n, 3, "axes")?.ints ?? Array(0..<st.count)
        let steps = try constant(n, 4, "steps")?.ints ?? [Int](repeating: 1, count: st.count)
        guard st.count == en.count, axes.count == st.count, steps.count == st.count else { throw invalid(n, "starts/ends/axes/steps lengths differ") }
        var cur = x
        for i in 0..<st.count {
            guard let ax = ConstantTensor.axis(axes[i], rank: x.dims.count) else { throw invalid(n, "axis \(axes[i]) out of range") }
            guard steps[i] == 1 else { throw unsupported(n, "step \(steps[i]) (only 1)") }
            let idx = ConstantTensor.sliceIndices(length: cur.dims[ax], start: st.ints[i], end: en.ints[i], step: 1)
            guard let f = idx.first else { throw unsupported(n, "empty slice") }
            if idx.count == cur.dims[ax] { continue }
            cur = try sliceAxis(cur, axis: ax, start: f, count: idx.count, name: nodeName(n) + "#\(i)", n)
        }
        try define(try output(n), cur.value, cur.dims, n)
    }

    func split(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        guard let ax = ConstantTensor.axis(at.int("axis", 0), rank: x.dims.count) else { throw invalid(n, "axis out of range") }
        var sizes = (opset >= 13 ? try constant(n, 1, "split")?.ints : at.ints("split"))
        let parts = n.output.count
        if sizes == nil {
            let total = x.dims[ax]
            let each = (total + parts - 1) / max(parts, 1)
            sizes = (0..<parts).map { min(each, max(0, total - $0 * each)) }
        }
        guard let s = sizes, s.count == parts, s.allSatisfy({ $0 > 0 && $0 <= x.dims[ax] }), s.reduce(0, +) == x.dims[ax] else {
            throw invalid(n, "split sizes \(sizes ?? []) do not add up to \(x.dims[ax])")
        }
        var start = 0
        for (i, cnt) in s.enumerated() {
            let o = try output(n, i)
            let y = try sliceAxis(x, axis: ax, start: start, count: cnt, name: o, n)
            try define(o, y.value, y.dims, n)
            start += cnt
        }
    }

    func concat(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let xs = try n.input.indices.map { i throws in try runtime(n, i) }
        guard let f = xs.first, let k = ConstantTensor.axis(at.int("axis", 0), rank: f.dims.count) else { throw invalid(n, "bad axis or no inputs") }
        for x in xs {
            guard x.dims.count == f.dims.count, x.dims[..<k] == f.dims[..<k], x.dims[(k + 1)...] == f.dims[(k + 1)...] else {
                throw invalid(n, "input dims \(x.dims) do not match \(f.dims) outside axis \(k)")
            }
        }
        let out = try output(n)
        var dims = f.dims
        dims[k] = xs.reduce(0) { $0 + $1.dims[k] }
        let outer = f.dims[..<k].reduce(1, *), inner = f.dims[(k + 1)...].reduce(1, *)
        if outer == 1 {
            let natural = f.dims.count == 4 && k == 1
            let vs = try xs.enumerated().map { i, x throws in
                try view(x.value, natural ? try canonical(x.dims, n) : TensorShape(n: 1, c: x.dims[k], h: 1, w: inner), out + "#c\(i)")
            }
            if natural, !vs.allSatisfy({ $0.shape.h == vs[0].shape.h && $0.shape.w == vs[0].shape.w }) {
                throw invalid(n, "inputs disagree in height/width")
            }
            try define(out, try b.concat(vs, name: nm(out)), dims, n)
            return
        }
        // Concatenate along an inner axis: transpose each input to put the axis first.
        let ts = try xs.enumerated().map { i, x throws in
            let len = x.dims[k] * inner
            let t = b.transpose(try view(x.value, TensorShape(n: 1, c: 1, h: outer, w: len), out + "#c\(i)"), name: out + "#ct\(i)")
            return try view(t, TensorShape(n: 1, c: len, h: 1, w: outer), out + "#cv\(i)")
        }
        let c = try b.concat(ts, name: out + "#cc")
        let total = dims[k] * inner
        let back = b.transpose(try view(c, TensorShape(n: 1, c: 1, h: total, w: outer), out + "#cb"), name: out + "#ctb")
        try define(out, back, dims, n)
    }

    func transpose(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        let r = x.dims.count
        let perm = at.ints("perm") ?? Array((0..<r).reversed())
        guard perm.count == r, Set(perm) == Set(0..<r) else { throw invalid(n, "perm \(perm) is not a permutation of \(r) axes") }
        let out = try output(n)
        let outDims = perm.map { x.dims[$0] }
        // Drop unit axes: what remains must be identity, or prefix + swap of two blocks + suffix.
        let kept = perm.filter { x.dims[$0] > 1 }
        let order = kept.sorted()
        let q = kept.map { order.firstIndex(of: $0)! }
        let m = q.count
        if q == Array(0..<m) { try define(out, x.value, outDims, n); return }
        var lo = 0
        while q[lo] == lo { lo += 1 }
        var hi = m - 1
        while q[hi] == hi { hi -= 1 }
        // q[lo...hi] must be [s...hi, lo...s-1] for some s.
        let s = q[lo]
        let expect = Array(s...hi) + Array(lo..<s)
        let d = order.map { x.dims[$0] }
        guard Array(q[lo...hi]) == expect else {
            try define(out, try generalTranspose(x.value, dims: d, perm: q, name: out), outDims, n)
            return
        }
        let pre = d[..<lo].reduce(1, *), a = d[lo..<s].reduce(1, *), bb = d[s...hi].reduce(1, *), suf = d[(hi + 1)...].reduce(1, *)
        if suf == 1 {
            let v = try view(x.value, TensorShape(n: 1, c: pre, h: a, w: bb), out + "#tv")
            try define(out, b.transpose(v, name: nm(out)), outDims, n)
        } else if pre == 1 {
            // A channel shuffle works on any plane shape: keep the input's own shape when it has
            // a * bb channels, so that the engine can fuse it with a preceding Concat.
            let own = x.value.shape
            let v = own.n == 1 && own.c == a * bb ? x.value : try view(x.value, TensorShape(n: 1, c: a * bb, h: 1, w: suf), out + "#tv")
            try define(out, try b.shuffle(v, groups: a, name: nm(out)), outDims, n)
        } else {
            try define(out, try generalTranspose(x.value, dims: d, perm: q, name: out), outDims, n)
        }
    }

    /// Any permutation as a sequence of the engine's transposes: each moves one axis behind
    /// all others (a swap of two blocks, `[pre, a, rest] -> [pre, rest, a]`), taking the
    /// target axes in order; an axis already last costs nothing. At most `rank - 1` passes.
    func generalTranspose(_ x: Value, dims: [Int], perm: [Int], name: String) throws -> Value {
        // Leading axes already in place act as a batch.
        var lead = 0
        while lead < perm.count, perm[lead] == lead { lead += 1 }
        let batch = dims[..<lead].reduce(1, *)
        var cur = Array(lead..<dims.count)
        var v = x
        for (step, t) in perm[lead...].enumerated() {
            let i = cur.firstIndex(of: t)!
            if i == cur.count - 1 { continue }
            let pre = batch * cur[..<i].map { dims[$0] }.reduce(1, *)
            let rest = cur[(i + 1)...].map { dims[$0] }.reduce(1, *)
            let viewed = try view(v, TensorShape(n: 1, c: pre, h: dims[t], w: rest), "\(name)#gt\(step)")
            v = try b.transpose(viewed, name: nm("\(name)#t\(step)"))
            cur.remove(at: i)
            cur.append(t)
        }
        precondition(cur == Array(perm[lead...]), "transpose sequence did not reach the permutation")
        return v
    }

    /// Two run-time operands of a binary op, made the same shape: a per-channel operand
    /// (`[N, C, 1, 1]` against `[N, C, H, W]`, as in a squeeze-excite block) is expanded by a
    /// nearest-neighbour resize. The operands come back in their order, except that the
    /// larger one comes first for commutative ops.
    func broadcastRuntime(_ a: RuntimeTensor, _ c: RuntimeTensor, _ n: Onnx_NodeProto, _ out: String) throws -> (RuntimeTensor, RuntimeTensor) {
        if a.dims == c.dims { return (a, c) }
        let big: RuntimeTensor, small: RuntimeTensor
        if a.dims.count == 4, c.dims.count == 4, Array(a.dims[2...]) == [1, 1], n.opType != "Sub" {
            big = c; small = a
        } else {
            big = a; small = c
        }
        guard big.dims.count == 4, small.dims.count == 4, Array(small.dims[2...]) == [1, 1], Array(small.dims[..<2]) == Array(big.dims[..<2]) else {
            throw unsupported(n, "broadcasting between two run-time tensors (\(a.dims) and \(c.dims)); only [N, C, 1, 1] against [N, C, H, W]")
        }
        let v = try view(small.value, TensorShape(n: 1, c: small.dims[0] * small.dims[1], h: 1, w: 1), out + "#bc")
        let grown: Value
        do {
            grown = try b.resize(v, height: big.dims[2], width: big.dims[3], mode: .nearest, name: out + "#bcast")
        } catch { throw ONNXError.engine(node: nodeName(n), error) }
        return (big, RuntimeTensor(value: grown, dims: big.dims))
    }

    /// `Gemm` (`alpha * A' B' + beta * C`) and `MatMul` with a constant right operand: a 1x1
    /// convolution over A's rows (A is `[M, K]`, or `[..., M, K]` for MatMul; rows become
    /// columns of a `[1, K, 1, M]` view through a transpose when M > 1).
    func gemm(_ n: Onnx_NodeProto, _ at: Attributes, matmul: Bool) throws {
        let a = try runtime(n, 0)
        guard let w = try constant(n, 1, "weight B") else { throw invalid(n, "weight B missing") }
        let out = try output(n)
        guard a.dims.count >= 2, w.dims.count == 2 else { throw unsupported(n, "A dims \(a.dims), B dims \(w.dims) (need A of rank >= 2 and a 2-D B)") }
        let transA = !matmul && at.int("transA", 0) != 0, transB = !matmul && at.int("transB", 0) != 0
        guard !(transA && a.dims.count != 2) else { throw invalid(n, "transA needs a 2-D A") }
        let alpha = matmul ? 1 : at.float("alpha", 1), beta = matmul ? 1 : at.float("beta", 1)
        let k = transA ? a.dims[0] : a.dims[a.dims.count - 1]
        let m = transA ? a.dims[1] : a.dims.dropLast().reduce(1, *)
        let (kb, cols) = transB ? (w.dims[1], w.dims[0]) : (w.dims[0], w.dims[1])
        guard k == kb else { throw invalid(n, "inner dims differ: A \(a.dims) B \(w.dims) (transA \(transA), transB \(transB))") }
        // Weights [cols][k] for the convolution.
        let wf = w.floats
        var weights = [Float](repeating: 0, count: cols * k)
        for o in 0..<cols { for i in 0..<k { weights[o * k + i] = alpha * (transB ? wf[o * k + i] : wf[i * cols + o]) } }
        var bias = [Float](repeating: 0, count: cols)
        if !matmul, let c = try constant(n, 2, "bias C") {
            guard let e = c.expanded(to: [cols]) ?? (c.count == cols ? c : nil) else {
                throw unsupported(n, "bias C of dims \(c.dims) (only a scalar or one value per output column)")
            }
            bias = e.floats.map { beta * $0 }
        } else if matmul, n.input.count > 2 {
            throw invalid(n, "MatMul takes two inputs")
        }
        do {
            // Rows of A as the columns of a [1, k, 1, m] tensor.
            var x: Value
            if transA || m == 1 {
                x = try view(a.value, TensorShape(n: 1, c: k, h: 1, w: m), out + "#ga")
            } else {
                x = b.transpose(try view(a.value, TensorShape(n: 1, c: 1, h: m, w: k), out + "#ga"), name: out + "#gat")
                x = try view(x, TensorShape(n: 1, c: k, h: 1, w: m), out + "#gav")
            }
            let conv = try Conv2D(config: Conv2DConfig(inChannels: k, outChannels: cols, kernel: 1), weights: weights, bias: bias)
            var y = try b.conv(x, conv, name: m == 1 ? nm(out) : out + "#gc")
            let outDims = matmul ? Array(a.dims.dropLast()) + [cols] : [m, cols]
            if m > 1 {
                y = b.transpose(try view(y, TensorShape(n: 1, c: 1, h: cols, w: m), out + "#gy"), name: nm(out))
            }
            try define(out, y, outDims, n)
        } catch let e as NNError { throw ONNXError.engine(node: nodeName(n), e) }
    }

    /// ReduceMean over the two spatial axes of a 4-D tensor (a global average pool), with or
    /// without keepdims; axes from the attribute (opset < 18) or the second input.
    func reduceMean(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        let out = try output(n)
        var axes = at.ints("axes")
        if axes == nil, n.input.count > 1, !n.input[1].isEmpty {
            guard let c = try constant(n, 1, "axes") else { throw invalid(n, "axes missing") }
            axes = c.values.map { Int($0) }
        }
        let r = x.dims.count
        let norm = Set((axes ?? Array(0..<r)).map { $0 < 0 ? $0 + r : $0 })
        guard r == 4, norm == [2, 3] else { throw unsupported(n, "ReduceMean over axes \(axes ?? []) of dims \(x.dims) (only the two spatial axes of a 4-D tensor)") }
        let keep = at.int("keepdims", 1) != 0
        do {
            let v = try view(x.value, TensorShape(n: 1, c: x.dims[0] * x.dims[1], h: x.dims[2], w: x.dims[3]), out + "#rm")
            let p = try b.pool(v, PoolConfig(kind: .average, kernel: 1, stride: 1, global: true), name: nm(out))
            try define(out, p, keep ? [x.dims[0], x.dims[1], 1, 1] : [x.dims[0], x.dims[1]], n)
        } catch let e as NNError { throw ONNXError.engine(node: nodeName(n), e) }
    }

    /// MatMul of two tensors of rank >= 2 with the same leading (batch) dims, or a rank-2
    /// right operand shared by every batch (`[..., M, K] x [K, N]`, as a linear layer does):
    /// the engine's batched product, batch dims merged.
    func matmul(_ n: Onnx_NodeProto) throws {
        let a = try runtime(n, 0), bt = try runtime(n, 1)
        let out = try output(n)
        guard a.dims.count >= 2, bt.dims.count >= 2 else { throw unsupported(n, "MatMul of vectors (rank 1): dims \(a.dims) x \(bt.dims)") }
        let m = a.dims[a.dims.count - 2], k = a.dims[a.dims.count - 1]
        let k2 = bt.dims[bt.dims.count - 2], cols = bt.dims[bt.dims.count - 1]
        guard k == k2 else { throw invalid(n, "inner dims differ: \(a.dims) x \(bt.dims)") }
        let batchA = Array(a.dims.dropLast(2)), batchB = Array(bt.dims.dropLast(2))
        let outDims: [Int]
        let av: Value, bv: Value
        if batchA == batchB || batchA.reduce(1, *) == batchB.reduce(1, *) && batchB.reduce(1, *) == 1 {
            let batch = batchA.reduce(1, *)
            av = try view(a.value, TensorShape(n: 1, c: batch, h: m, w: k), out + "#ma")
            bv = try view(bt.value, TensorShape(n: 1, c: batch, h: k, w: cols), out + "#mb")
            outDims = batchA + [m, cols]
        } else if batchB.reduce(1, *) == 1 {
            // A shared right operand: fold A's batch into its rows.
            let batch = batchA.reduce(1, *)
            av = try view(a.value, TensorShape(n: 1, c: 1, h: batch * m, w: k), out + "#ma")
            bv = try view(bt.value, TensorShape(n: 1, c: 1, h: k, w: cols), out + "#mb")
            outDims = batchA + [m, cols]
        } else {
            throw unsupported(n, "MatMul broadcasting batch dims \(batchA) against \(batchB)")
        }
        do {
            try define(out, try b.matmul(av, bv, name: nm(out)), outDims, n)
        } catch let e as NNError { throw ONNXError.engine(node: nodeName(n), e) }
    }

    func softmax(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        let out = try output(n)
        guard let k = ConstantTensor.axis(at.int("axis", opset >= 13 ? -1 : 1), rank: x.dims.count) else { throw invalid(n, "axis out of range") }
        let outer = x.dims[..<k].reduce(1, *)
        if opset < 13 {
            let v = try view(x.value, TensorShape(n: 1, c: 1, h: outer, w: x.count / outer), out + "#sv")
            try define(out, b.softmax(v, name: nm(out)), x.dims, n)
            return
        }
        let len = x.dims[k], inner = x.dims[(k + 1)...].reduce(1, *)
        if inner == 1 {
            let v = try view(x.value, TensorShape(n: 1, c: 1, h: outer, w: len), out + "#sv")
            try define(out, b.softmax(v, name: nm(out)), x.dims, n)
        } else {
            let t = b.transpose(try view(x.value, TensorShape(n: 1, c: outer, h: len, w: inner), out + "#sv"), name: out + "#st")
            let s = b.softmax(t, name: out + "#ss")
            try define(out, b.transpose(s, name: nm(out)), x.dims, n)
        }
    }

    func pool(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        guard x.dims.count == 4 else { throw unsupported(n, "only 4-D inputs") }
        let out = try output(n)
        if n.output.count > 1, !n.output[1].isEmpty { throw unsupported(n, "MaxPool indices output") }
        var cfg: PoolConfig
        switch n.opType {
        case "GlobalAveragePool": cfg = PoolConfig(kind: .average, kernel: 1, stride: 1, global: true)
        case "GlobalMaxPool": cfg = PoolConfig(kind: .max, kernel: 1, stride: 1, global: true)
        default:
            guard let ks = at.ints("kernel_shape"), ks.count == 2, ks[0] == ks[1] else { throw unsupported(n, "only square 2-D kernels") }
            let st = at.ints("strides") ?? [1, 1]
            guard st.count == 2, st[0] == st[1] else { throw unsupported(n, "only equal strides") }
            guard st[0] >= 1, st[0] <= 64, ks[0] >= 1, ks[0] <= 64 else { throw invalid(n, "kernel \(ks) or strides \(st) out of range") }
            if let d = at.ints("dilations"), d.contains(where: { $0 != 1 }) { throw unsupported(n, "dilated pooling") }
            var pads = at.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= 64 }) else { throw invalid(n, "pads \(pads) must be 4 values in 0...64") }
            let autoPad = at.string("auto_pad", "NOTSET")
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                for (i, inp) in [x.dims[2], x.dims[3]].enumerated() {
                    let o = (inp + st[0] - 1) / st[0]
                    let total = max(0, (o - 1) * st[0] + ks[0] - inp)
                    pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                    pads[i + 2] = total - pads[i]
                }
            } else if autoPad == "VALID" { pads = [0, 0, 0, 0] }
            cfg = PoolConfig(kind: n.opType == "MaxPool" ? .max : .average, kernel: ks[0], stride: st[0],
                             countPadding: at.int("count_include_pad", 0) != 0)
            (cfg.padTop, cfg.padLeft, cfg.padBottom, cfg.padRight) = (pads[0], pads[1], pads[2], pads[3])
            if at.int("ceil_mode", 0) != 0 {
                for (inp, pb, pe) in [(x.dims[2], pads[0], pads[2]), (x.dims[3], pads[1], pads[3])] {
                    if (inp + pb + pe - ks[0]) % st[0] != 0 { throw unsupported(n, "ceil_mode=1 where it changes the output size") }
                }
            }
        }
        let y = try b.pool(try canon(x, n), cfg, name: nm(out))
        try define(out, y, y.shape.dims, n)
    }

    func resize(_ n: Onnx_NodeProto, _ at: Attributes) throws {
        let x = try runtime(n, 0)
        guard x.dims.count == 4 else { throw unsupported(n, "only 4-D inputs") }
        let out = try output(n)
        var oh = 0, ow = 0
        let scalesIndex = n.opType == "Upsample" ? 1 : 2
        if n.opType == "Resize", let sizes = try constant(n, 3, "sizes"), sizes.count == 4 {
            let s = sizes.ints
            guard s[0] == x.dims[0], s[1] == x.dims[1] else { throw unsupported(n, "resizing batch or channels") }
            (oh, ow) = (s[2], s[3])
        } else if let sc = try constant(n, scalesIndex, "scales"), sc.count == 4 {
            guard sc.values[0] == 1, sc.values[1] == 1 else { throw unsupported(n, "scaling batch or channels") }
            guard sc.values[2...].allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e4 }) else { throw invalid(n, "scales \(sc.values) out of range") }
            oh = Int((Double(x.dims[2]) * sc.values[2]).rounded(.down))
            ow = Int((Double(x.dims[3]) * sc.values[3]).rounded(.down))
        } else {
            throw unsupported(n, "needs constant 4-element scales or sizes")
        }
        let mode = at.string("mode", "nearest")
        let coord = n.opType == "Upsample" ? "asymmetric" : at.string("coordinate_transformation_mode", "half_pixel")
        let nearestMode = at.string("nearest_mode", "round_prefer_floor")
        let integerUp = oh % x.dims[2] == 0 && ow % x.dims[3] == 0
        let m: Ops.ResizeMode
        switch mode {
        case "nearest":
            let ok = (coord == "asymmetric" && nearestMode == "floor")
                || (integerUp && ["asymmetric", "half_pixel", "pytorch_half_pixel"].contains(coord)
                    && (nearestMode == "floor" || (nearestMode == "round_prefer_floor" && coord != "asymmetric")))
                || (integerUp && coord == "asymmetric" && oh == 2 * x.dims[2] && ow == 2 * x.dims[3])
            guard ok else { throw unsupported(n, "nearest resize with \(coord)/\(nearestMode) at this scale") }
            m = .nearest
        case "linear", "bilinear":
            guard coord == "half_pixel" || (coord == "pytorch_half_pixel" && oh > 1 && ow > 1) else {
                throw unsupported(n, "linear resize with coordinate_transformation_mode \(coord) (only half_pixel)")
            }
            m = .bilinear
        default: throw unsupported(n, "resize mode \(mode)")
        }
        let y = try b.resize(try canon(x, n), height: oh, width: ow, mode: m, name: nm(out))
        try define(out, y, y.shape.dims, n)
    }
}
