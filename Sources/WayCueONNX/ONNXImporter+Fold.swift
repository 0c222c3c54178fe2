import Foundation
import WayCueNN

/// Constant folding: nodes whose inputs are all known at import time are evaluated here.
extension ImportSession {
    /// Evaluates `n` when every input is constant; returns false when the op is not foldable.
    func fold(_ n: Onnx_NodeProto, _ at: Attributes, _ ins: [ConstantTensor?]) throws(ONNXError) -> Bool {
        func arg(_ i: Int) throws(ONNXError) -> ConstantTensor {
            guard i < ins.count, let c = ins[i] else { throw invalid(n, "input \(i) missing") }
            return c
        }
        func set(_ c: ConstantTensor?) throws(ONNXError) -> Bool {
            guard let c else { throw invalid(n, "cannot evaluate on constant inputs (bad shapes or values)") }
            env[try output(n)] = .constant(c)
            return true
        }
        func binary(_ f: (Double, Double) -> Double, integer: Bool? = nil) throws(ONNXError) -> Bool {
            try set(ConstantTensor.elementwise(try arg(0), try arg(1), integer: integer, f))
        }
        switch n.opType {
        case "Constant":
            if let t = at.map["value"], t.hasT { return try set(try ConstantTensor(proto: t.t, what: nodeName(n))) }
            if let f = at.map["value_float"] { return try set(.scalar(Double(f.f), integer: false)) }
            if let f = at.map["value_floats"] { return try set(ConstantTensor(dims: [f.floats.count], values: f.floats.map(Double.init), isInteger: false)) }
            if let i = at.map["value_int"] { return try set(.scalar(Double(i.i), integer: true)) }
            if let i = at.map["value_ints"] { return try set(ConstantTensor(dims: [i.ints.count], values: i.ints.map(Double.init), isInteger: true)) }
            throw unsupported(n, "Constant without a tensor, float(s) or int(s) value")
        case "Identity", "Dropout": return try set(try arg(0))
        case "Cast":
            var c = try arg(0)
            let to = at.int("to", 1)
            let isInt = ![1, 10, 11, 16].contains(to)
            if isInt { c.values = c.values.map { $0.rounded(.towardZero) } }
            c.isInteger = isInt
            return try set(c)
        case "Add": return try binary(+)
        case "Sub": return try binary(-)
        case "Mul": return try binary(*)
        case "Div":
            let a = try arg(0), d = try arg(1)
            let integer = a.isInteger && d.isInteger
            return try set(ConstantTensor.elementwise(a, d, integer: integer) { x, y in
                integer ? (y == 0 ? 0 : (x / y).rounded(.down)) : x / y })
        case "QuantizeLinear":
            // A quantized constant (per-tensor): saturate(round_half_even(x / scale) + zero).
            let x = try arg(0), sc = try arg(1)
            let zp = ins.count > 2 ? ins[2] : nil
            guard sc.count == 1, sc.values[0] != 0 else { return try set(nil) }
            let signed = zp?.dataType == ONNXDataType.int8.rawValue
            let (lo, hi): (Double, Double) = signed ? (-128, 127) : (0, 255)
            let z = zp?.values.first ?? 0
            let q = x.values.map { Swift.min(Swift.max(($0 / sc.values[0]).rounded(.toNearestOrEven) + z, lo), hi) }
            return try set(ConstantTensor(dims: x.dims, values: q, isInteger: true, dataType: signed ? 3 : 2))
        case "DequantizeLinear":
            // Quantized weights: (q - zero) * scale, per tensor or per channel along `axis`.
            let q = try arg(0), sc = try arg(1)
            let zp = ins.count > 2 ? ins[2] : nil
            guard !q.dims.isEmpty || sc.count == 1 else { return try set(nil) }
            var outer = 1, len = 1, inner = q.count
            if sc.count > 1 {
                guard let ax = ConstantTensor.axis(at.int("axis", 1), rank: q.dims.count), q.dims[ax] == sc.count,
                      zp == nil || zp!.count == sc.count else { return try set(nil) }
                (outer, len, inner) = q.split(at: ax)
            }
            _ = outer
            let values = q.values.indices.map { i -> Double in
                let ch = sc.count > 1 ? (i / Swift.max(inner, 1)) % len : 0
                return (q.values[i] - (zp?.values[zp!.count > 1 ? ch : 0] ?? 0)) * sc.values[ch]
            }
            return try set(ConstantTensor(dims: q.dims, values: values, isInteger: false))
        case "Max": return try binary { Swift.max($0, $1) }
        case "Pow": return try binary({ Foundation.pow($0, $1) }, integer: try arg(0).isInteger)
        case "Min": return try binary { Swift.min($0, $1) }
        case "Equal": return try binary({ $0 == $1 ? 1 : 0 }, integer: true)
        case "Where":
            let c = try arg(0), x = try arg(1), y = try arg(2)
            guard let d1 = ConstantTensor.broadcast(c.dims, x.dims), let d = ConstantTensor.broadcast(d1, y.dims),
                  let ce = c.expanded(to: d), let xe = x.expanded(to: d), let ye = y.expanded(to: d) else { return try set(nil) }
            return try set(ConstantTensor(dims: d, values: (0..<ce.count).map { ce.values[$0] != 0 ? xe.values[$0] : ye.values[$0] }, isInteger: x.isInteger))
        case "Sqrt", "Floor", "Ceil", "Neg", "Relu", "Sigmoid":
            var c = try arg(0)
            c.values = c.values.map { v in
                switch n.opType {
                case "Sqrt": v.squareRoot()
                case "Floor": v.rounded(.down)
                case "Ceil": v.rounded(.up)
                case "Neg": -v
                case "Relu": Swift.max(v, 0)
                default: 1 / (1 + Foundation.exp(-v))
                }
            }
            return try set(c)
        case "Shape":
            let c = try arg(0)
            return try set(.vector(c.dims))
        case "Gather":
            return try set(try arg(0).gather(try arg(1), axis: at.int("axis", 0)))
        case "Unsqueeze", "Squeeze", "Reshape", "Flatten":
            var c = try arg(0)
            switch n.opType {
            case "Reshape":
                guard let d = resolveReshape(c.dims, try arg(1).ints, allowZero: at.int("allowzero", 0) != 0) else { return try set(nil) }
                c.dims = d
            case "Flatten":
                guard let ax = ConstantTensor.axis(at.int("axis", 1), rank: c.dims.count + 1) else { return try set(nil) }
                c.dims = [c.dims[..<ax].reduce(1, *), c.dims[ax...].reduce(1, *)]
            case "Squeeze":
                let axes = opset >= 13 ? (ins.count > 1 ? ins[1]?.ints : nil) : at.ints("axes")
                let norm = (axes ?? c.dims.indices.filter { c.dims[$0] == 1 }).compactMap { ConstantTensor.axis($0, rank: c.dims.count) }
                c.dims = c.dims.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
            default:
                guard let axes = opset >= 13 ? (ins.count > 1 ? ins[1]?.ints : nil) : at.ints("axes") else { return try set(nil) }
                let r = c.dims.count + axes.count
                let norm = Set(axes.compactMap { ConstantTensor.axis($0, rank: r) })
                guard norm.count == axes.count else { return try set(nil) }
                var it = c.dims.makeIterator()
                c.dims = (0..<r).map { norm.contains($0) ? 1 : it.next() ?? 1 }
            }
            return try set(c)
        case "Concat":
            let parts = try ins.indices.map { i throws(ONNXError) in try arg(i) }.map { $0.dims.isEmpty ? ConstantTensor(dims: [1], values: $0.values, isInteger: $0.isInteger) : $0 }
            return try set(ConstantTensor.concat(parts, axis: at.int("axis", 0)))
        case "Slice":
            var c = try arg(0)
            let st = try arg(1).ints, en = try arg(2).ints
            let axes = ins.count > 3 ? ins[3]?.ints ?? Array(0..<st.count) : Array(0..<st.count)
            let steps = ins.count > 4 ? ins[4]?.ints ?? [Int](repeating: 1, count: st.count) : [Int](repeating: 1, count: st.count)
            guard st.count == en.count, axes.count == st.count, steps.count == st.count else { return try set(nil) }
            for i in 0..<st.count {
                guard let ax = ConstantTensor.axis(axes[i], rank: c.dims.count), steps[i] != 0,
                      let s = c.slice(axis: ax, start: st[i], end: en[i], step: steps[i]) else { return try set(nil) }
                c = s
            }
            return try set(c)
        case "Transpose":
            let c = try arg(0)
            return try set(c.transposed(at.ints("perm") ?? Array((0..<c.dims.count).reversed())))
        case "ConstantOfShape":
            let shape = try arg(0).ints
            guard let count = ConstantTensor.elementCount(shape) else { return try set(nil) }
            var v = 0.0, isInt = false
            if let t = at.map["value"], t.hasT {
                let c = try ConstantTensor(proto: t.t, what: nodeName(n))
                v = c.values.first ?? 0
                isInt = c.isInteger
            }
            return try set(ConstantTensor(dims: shape, values: [Double](repeating: v, count: count), isInteger: isInt))
        case "Range":
            let s = try arg(0).values.first ?? 0, e = try arg(1).values.first ?? 0, d = try arg(2).values.first ?? 1
            guard d != 0, d.isFinite, s.isFinite, e.isFinite else { return try set(nil) }
            let steps = ((e - s) / d).rounded(.up)
            guard steps.isFinite, steps <= Double(ConstantTensor.maxElements) else { return try set(nil) }
            let cnt = Swift.max(0, Int(steps))
            return try set(ConstantTensor(dims: [cnt], values: (0..<cnt).map { s + Double($0) * d }, isInteger: try arg(0).isInteger))
        case "Expand":
            let c = try arg(0), shape = try arg(1).ints
            guard let d = ConstantTensor.broadcast(c.dims, shape) else { return try set(nil) }
            return try set(c.expanded(to: d))
        default:
            return false
        }
    }
}
