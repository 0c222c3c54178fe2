import Foundation
import SwiftProtobuf
import WayCueNN

/// Writes a WayCueNN ``Graph`` as an ONNX model (opset 17, IR version 8) that ONNX Runtime runs
/// and Netron opens.
///
/// Every tensor is 4-D (NCHW) as in the engine. Fused activations become separate nodes
/// (`Relu`, `Clip`, `LeakyRelu`, `Sigmoid`, `HardSwish`, SiLU as `Sigmoid` + `Mul`); a channel
/// shuffle becomes `Reshape -> Transpose -> Reshape`. Convolutions that carry int8 weights are
/// written with their fp32 (dequantized, when loaded from a `.wcm`) weights, or, with `qdq`, as
/// `QuantizeLinear -> DequantizeLinear` on the input (the calibrated scale, zero point 128) and
/// `DequantizeLinear` of per-channel int8 weights (axis 0), the form ONNX Runtime runs in int8.
///
/// ```swift
/// let data = try ONNXExporter.export(graph)
/// try data.write(to: URL(fileURLWithPath: "model.onnx"))
/// ```
public enum ONNXExporter {
    /// The opset written.
    public static let opset: Int64 = 17

    /// Serializes `graph` to ONNX protobuf bytes.
    public static func export(_ graph: Graph, qdq: Bool = false, producerVersion: String = "1") throws(ONNXError) -> Data {
        let m = model(graph, qdq: qdq, producerVersion: producerVersion)
        do { return try m.serializedBytes() } catch { throw .invalidModel("serialization failed: \(error)") }
    }

    /// Writes `graph` to `path`.
    public static func export(_ graph: Graph, to path: String, qdq: Bool = false) throws(ONNXError) {
        let data = try export(graph, qdq: qdq)
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw .io(file: path, reason: "cannot write") }
    }

    /// The ONNX model message for `graph`.
    public static func model(_ graph: Graph, qdq: Bool = false, producerVersion: String = "1") -> Onnx_ModelProto {
        var w = Writer(graph: graph)
        w.qdq = qdq
        w.run()
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "WayCue"
        m.producerVersion = producerVersion
        var os = Onnx_OperatorSetIdProto()
        os.domain = ""
        os.version = opset
        m.opsetImport = [os]
        m.graph = w.g
        if !graph.classNames.isEmpty {
            var p = Onnx_StringStringEntryProto()
            p.key = "class_names"
            p.value = graph.classNames.joined(separator: "\n")
            m.metadataProps = [p]
        }
        return m
    }

    struct Writer {
        let graph: Graph
        var g = Onnx_GraphProto()
        var counter = 0
        var qdq = false

        init(graph: Graph) { self.graph = graph }

        mutating func tensor(_ name: String, _ dims: [Int], type: Int32, raw: [UInt8]) -> String {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = dims.map(Int64.init)
            t.dataType = type
            t.rawData = Data(raw)
            g.initializer.append(t)
            return name
        }

        mutating func fresh(_ base: String) -> String { counter += 1; return "\(base)::\(counter)" }

        static func info(_ v: Value) -> Onnx_ValueInfoProto {
            var i = Onnx_ValueInfoProto()
            i.name = v.name
            var tt = Onnx_TypeProto.Tensor()
            tt.elemType = 1
            var s = Onnx_TensorShapeProto()
            s.dim = v.shape.dims.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64(d); return x }
            tt.shape = s
            i.type.tensorType = tt
            return i
        }

        mutating func floats(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = dims.map(Int64.init)
            t.dataType = 1
            t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
            g.initializer.append(t)
            return name
        }

        mutating func ints(_ name: String, _ values: [Int]) -> String {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = [Int64(values.count)]
            t.dataType = 7
            t.int64Data = values.map(Int64.init)
            g.initializer.append(t)
            return name
        }

        static func attr(_ name: String, ints: [Int]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = ints.map(Int64.init); return a
        }
        static func attr(_ name: String, int: Int) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(int); return a
        }
        static func attr(_ name: String, float: Float) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = float; return a
        }
        static func attr(_ name: String, string: String) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(string.utf8); return a
        }

        mutating func node(_ op: String, _ name: String, _ ins: [String], _ outs: [String], _ attrs: [Onnx_AttributeProto] = []) {
            var n = Onnx_NodeProto()
            n.opType = op
            n.name = name
            n.input = ins
            n.output = outs
            n.attribute = attrs
            g.node.append(n)
        }

        /// Emits `act(x)` into `out`.
        mutating func activation(_ a: Activation, _ x: String, _ out: String, _ name: String) {
            switch a {
            case .none: node("Identity", name, [x], [out])
            case .relu: node("Relu", name, [x], [out])
            case .relu6:
                let lo = floats(fresh(name + ".min"), [], [0]), hi = floats(fresh(name + ".max"), [], [6])
                node("Clip", name, [x, lo, hi], [out])
            case .leakyReLU(let s): node("LeakyRelu", name, [x], [out], [Self.attr("alpha", float: s)])
            case .sigmoid: node("Sigmoid", name, [x], [out])
            case .hardSwish: node("HardSwish", name, [x], [out])
            case .silu:
                let s = fresh(name + ".sigmoid")
                node("Sigmoid", s, [x], [s])
                node("Mul", name, [x, s], [out])
            }
        }

        mutating func shuffle(_ x: String, _ shape: TensorShape, groups: Int, _ out: String, _ name: String) {
            let s1 = ints(fresh(name + ".shape5"), [shape.n, groups, shape.c / groups, shape.h, shape.w])
            let r1 = fresh(name + ".r"), t = fresh(name + ".t")
            node("Reshape", r1, [x, s1], [r1])
            node("Transpose", t, [r1], [t], [Self.attr("perm", ints: [0, 2, 1, 3, 4])])
            let s2 = ints(fresh(name + ".shape4"), shape.dims)
            node("Reshape", name, [t, s2], [out])
        }

        mutating func run() {
            g.name = "waycue"
            let v = graph.values
            for i in graph.inputs { g.input.append(Self.info(v[i])) }
            for o in graph.outputs { g.output.append(Self.info(v[o])) }
            for n in graph.nodes {
                let ins = n.inputs.map { v[$0].name }, out = v[n.output].name, shape = v[n.output].shape
                switch n.op {
                case .input: break
                case .conv(let c):
                    let k = c.config
                    let wdims = [k.outChannels, k.inChannels / k.groups, k.kernelH, k.kernelW]
                    let fp = Array(UnsafeBufferPointer(start: c.weights, count: k.weightCount))
                    var wname: String
                    var xname = ins[0]
                    if qdq, let q = c.int8 {
                        // Input: the engine's calibrated per-tensor scale, unsigned with zero point 128.
                        let s = floats(fresh(n.name + ".x_scale"), [], [q.inputScale])
                        let z = tensor(fresh(n.name + ".x_zero"), [], type: 2, raw: [128])
                        let xq = fresh(n.name + ".x_q"), xd = fresh(n.name + ".x_dq")
                        node("QuantizeLinear", xq, [xname, s, z], [xq])
                        node("DequantizeLinear", xd, [xq, s, z], [xd])
                        xname = xd
                        // Weights: per-output-channel symmetric int8, as the engine stores them.
                        let per = k.weightCount / k.outChannels
                        let qw = (0..<k.weightCount).map { i -> UInt8 in
                            let v = (fp[i] / q.weightScales[i / per]).rounded()
                            return UInt8(bitPattern: Int8(max(-127, min(127, v.isFinite ? v : 0))))
                        }
                        let wq = tensor(fresh(n.name + ".weight_q"), wdims, type: 3, raw: qw)
                        let ws = floats(fresh(n.name + ".weight_scale"), [k.outChannels], q.weightScales)
                        let wz = tensor(fresh(n.name + ".weight_zero"), [k.outChannels], type: 3, raw: [UInt8](repeating: 0, count: k.outChannels))
                        wname = fresh(n.name + ".weight_dq")
                        node("DequantizeLinear", wname, [wq, ws, wz], [wname], [Self.attr("axis", int: 0)])
                    } else {
                        wname = floats(fresh(n.name + ".weight"), wdims, fp)
                    }
                    let bname = floats(fresh(n.name + ".bias"), [k.outChannels], Array(UnsafeBufferPointer(start: c.bias, count: k.outChannels)))
                    let convOut = c.activation == .none ? out : fresh(n.name + ".conv")
                    node("Conv", c.activation == .none ? n.name : fresh(n.name), [xname, wname, bname], [convOut], [
                        Self.attr("kernel_shape", ints: [k.kernelH, k.kernelW]), Self.attr("strides", ints: [k.strideH, k.strideW]),
                        Self.attr("pads", ints: [k.padTop, k.padLeft, k.padBottom, k.padRight]),
                        Self.attr("dilations", ints: [k.dilationH, k.dilationW]), Self.attr("group", int: k.groups),
                    ])
                    if c.activation != .none { activation(c.activation, convOut, out, n.name) }
                case .pool(let p):
                    if p.global {
                        node(p.kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", n.name, ins, [out])
                    } else {
                        var attrs = [Self.attr("kernel_shape", ints: [p.kernel, p.kernel]), Self.attr("strides", ints: [p.stride, p.stride]),
                                     Self.attr("pads", ints: [p.padTop, p.padLeft, p.padBottom, p.padRight])]
                        if p.kind == .average { attrs.append(Self.attr("count_include_pad", int: p.countPadding ? 1 : 0)) }
                        node(p.kind == .max ? "MaxPool" : "AveragePool", n.name, ins, [out], attrs)
                    }
                case .resize(let mode):
                    let sizes = ints(fresh(n.name + ".sizes"), shape.dims)
                    let attrs = mode == .nearest
                        ? [Self.attr("mode", string: "nearest"), Self.attr("coordinate_transformation_mode", string: "asymmetric"),
                           Self.attr("nearest_mode", string: "floor")]
                        : [Self.attr("mode", string: "linear"), Self.attr("coordinate_transformation_mode", string: "half_pixel")]
                    node("Resize", n.name, [ins[0], "", "", sizes], [out], attrs)
                case .concat: node("Concat", n.name, ins, [out], [Self.attr("axis", int: 1)])
                case .concatShuffle(let groups):
                    let c = fresh(n.name + ".concat")
                    node("Concat", c, ins, [c], [Self.attr("axis", int: 1)])
                    shuffle(c, shape, groups: groups, out, n.name)
                case .binary(let op):
                    let name = switch op { case .add: "Add"; case .sub: "Sub"; case .mul: "Mul"; case .max: "Max" }
                    node(name, n.name, ins, [out])
                case .sliceChannels(let start, let count):
                    let inShape = v[n.inputs[0]].shape
                    let s = ints(fresh(n.name + ".starts"), [start]), e = ints(fresh(n.name + ".ends"), [start + count])
                    let a = ints(fresh(n.name + ".axes"), [1])
                    if inShape.n == 1 {
                        node("Slice", n.name, [ins[0], s, e, a], [out])
                    }
                case .identity: node("Identity", n.name, ins, [out])
                case .shuffle(let groups): shuffle(ins[0], shape, groups: groups, out, n.name)
                case .reshape:
                    let s = ints(fresh(n.name + ".shape"), shape.dims)
                    node("Reshape", n.name, [ins[0], s], [out])
                case .transpose: node("Transpose", n.name, ins, [out], [Self.attr("perm", ints: [0, 1, 3, 2])])
                case .softmax: node("Softmax", n.name, ins, [out], [Self.attr("axis", int: -1)])
                case .matmul: node("MatMul", n.name, ins, [out], [])
                case .activation(let a): activation(a, ins[0], out, n.name)
                }
            }
        }
    }
}
