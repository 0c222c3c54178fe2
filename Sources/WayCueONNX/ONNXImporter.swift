#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwiftProtobuf
import WayCueNN

/// Reads an ONNX model (opsets 11...21) into a WayCueNN ``Graph``.
///
/// Shapes are static: the single float input must have fixed dimensions (or be given with
/// ``Options/inputShape``). Everything computable at import time is folded: initializers,
/// `Constant`, and shape arithmetic such as `Shape -> Gather -> Unsqueeze -> Concat -> Reshape`.
/// Convolutions absorb a following `BatchNormalization` and activation (`Relu`, `LeakyRelu`,
/// `Sigmoid`, `HardSwish`, `Clip(0, 6)`, and the SiLU pattern `x * Sigmoid(x)`).
///
/// ```swift
/// let graph = try ONNXImporter.importModel(path: "nanodet.onnx")
/// try ModelFile.save(graph, to: "nanodet.wcm")
/// ```
///
/// Anything the engine cannot run fails with ``ONNXError/unsupported(node:opType:reason:)``
/// naming the node and its operator.
public enum ONNXImporter {
    /// The ai.onnx opset versions the importer accepts.
    public static let supportedOpsets: ClosedRange<Int64> = 11...21

    /// Operators the importer handles (some only in the forms listed in their error messages).
    public static let supportedOperators: [String] = [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape",
        "Conv", "DequantizeLinear", "Div", "Dropout", "Equal", "Expand", "Flatten", "Gather", "GlobalAveragePool", "GlobalMaxPool",
        "Gemm", "HardSigmoid", "HardSwish", "Identity", "LeakyRelu", "MatMul", "Max", "MaxPool", "Mul", "Pow", "QuantizeLinear", "Range", "ReduceMean", "Relu",
        "Reshape", "Resize", "Shape", "Sigmoid", "Slice", "Softmax", "Split", "Squeeze", "Sub", "Transpose",
        "Unsqueeze", "Upsample", "Where",
    ]

    /// Import options.
    public struct Options: Sendable {
        /// Input shape to use when the model's input has symbolic (or no) dimensions.
        public var inputShape: TensorShape?
        /// Fuse batch norm and activations into convolutions (on by default).
        public var fuse: Bool
        /// Creates options.
        public init(inputShape: TensorShape? = nil, fuse: Bool = true) {
            self.inputShape = inputShape
            self.fuse = fuse
        }
    }

    /// Largest file accepted.
    public static let maxFileBytes = 1 << 30
    /// Largest node count accepted.
    public static let maxNodes = 100_000

    /// Reads and imports the ONNX file at `path`.
    public static func importModel(path: String, options: Options = Options()) throws(ONNXError) -> Graph {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(file: path, reason: "cannot read file") }
        guard data.count <= maxFileBytes else { throw .io(file: path, reason: "file over \(maxFileBytes) bytes") }
        return try importModel(bytes: [UInt8](data), file: path, options: options)
    }

    /// Imports ONNX protobuf bytes (`file` names them in errors).
    public static func importModel(bytes: [UInt8], file: String = "<onnx>", options: Options = Options()) throws(ONNXError) -> Graph {
        let model: Onnx_ModelProto
        do {
            var opts = BinaryDecodingOptions()
            opts.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: bytes, options: opts)
        } catch {
            throw .malformed(file: file, reason: "\(error)")
        }
        guard model.hasGraph else { throw .malformed(file: file, reason: "no graph") }
        var opset: Int64?
        for o in model.opsetImport {
            if o.domain.isEmpty || o.domain == "ai.onnx" { opset = o.version }
            else if model.graph.node.contains(where: { $0.domain == o.domain }) { throw .unsupportedOpset(domain: o.domain, version: o.version) }
        }
        guard let version = opset else { throw .invalidModel("\(file): no ai.onnx opset import") }
        guard supportedOpsets.contains(version) else { throw .unsupportedOpset(domain: "", version: version) }
        var graph = model.graph
        if graph.initializer.contains(where: { $0.dataLocation == .external }) {
            try loadExternalData(&graph, modelFile: file)
        }
        let session = ImportSession(graph: graph, opset: version, options: options)
        var g = try session.run()
        g.classNames = classNames(metadata: model.metadataProps.map { ($0.key, $0.value) })
        return g
    }

    /// Reads initializers stored as ONNX external data (`location`, `offset`, `length`, as
    /// `torch.onnx.export` writes weights over its size limit and by default since its dynamo
    /// exporter) from files beside the model. Locations must stay inside the model's folder.
    static func loadExternalData(_ graph: inout Onnx_GraphProto, modelFile: String) throws(ONNXError) {
        guard modelFile != "<onnx>", FileManager.default.fileExists(atPath: modelFile) else {
            throw .invalidModel("\(modelFile): the model keeps its weights in external data files; import it from its path (the data files must be beside it)")
        }
        let dir = URL(fileURLWithPath: modelFile).deletingLastPathComponent()
        var cache: [String: Data] = [:]
        for i in graph.initializer.indices where graph.initializer[i].dataLocation == .external {
            let t = graph.initializer[i]
            var kv: [String: String] = [:]
            for e in t.externalData { kv[e.key] = e.value }
            guard let loc = kv["location"], !loc.isEmpty, !loc.hasPrefix("/"), !loc.split(separator: "/").contains("..") else {
                throw .invalidModel("tensor '\(t.name)': external data location '\(kv["location"] ?? "")' must be a file beside the model")
            }
            if cache[loc] == nil {
                let path = dir.appendingPathComponent(loc).path
                guard let d = FileManager.default.contents(atPath: path) else {
                    throw .io(file: path, reason: "cannot read the external data of tensor '\(t.name)'")
                }
                guard d.count <= maxFileBytes else { throw .io(file: path, reason: "file over \(maxFileBytes) bytes") }
                cache[loc] = d
            }
            let data = cache[loc]!
            let offset = Int(kv["offset"] ?? "0") ?? -1
            let length = kv["length"].map { Int($0) ?? -1 } ?? (data.count - max(offset, 0))
            guard offset >= 0, length >= 0, offset <= data.count, length <= data.count - offset else {
                throw .invalidModel("tensor '\(t.name)': external data offset \(offset) length \(length) outside \(loc) (\(data.count) bytes)")
            }
            graph.initializer[i].rawData = data.subdata(in: offset..<(offset + length))
            graph.initializer[i].externalData = []
            graph.initializer[i].dataLocation = .default
        }
    }

    /// Class names from a model's metadata: WayCue's `class_names` (one per line) or
    /// Ultralytics' `names` (a Python dict such as `{0: 'person', 1: 'bicycle'}`); empty when
    /// neither is there or readable.
    public static func classNames(metadata: [(key: String, value: String)]) -> [String] {
        if let v = metadata.first(where: { $0.key == "class_names" })?.value {
            return v.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        guard let v = metadata.first(where: { $0.key == "names" })?.value else { return [] }
        return parsePythonNames(v) ?? []
    }

    /// Parses `{0: 'a', 1: "b"}` or `['a', 'b']` (ids must be 0..<count, each once).
    static func parsePythonNames(_ text: String) -> [String]? {
        let chars = Array(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard let open = chars.first, open == "{" || open == "[", chars.last == (open == "{" ? "}" : "]") else { return nil }
        var i = 1
        var byID: [Int: String] = [:]
        var list: [String] = []
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\n" || chars[i] == "\t" || chars[i] == "," { i += 1 } }
        func quoted() -> String? {
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { return nil }
            let q = chars[i]; i += 1
            var out = ""
            while i < chars.count, chars[i] != q {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                out.append(chars[i]); i += 1
            }
            guard i < chars.count else { return nil }
            i += 1
            return out
        }
        while true {
            skipSpace()
            guard i < chars.count - 1 else { break }
            if open == "{" {
                var digits = ""
                while i < chars.count, chars[i].isNumber { digits.append(chars[i]); i += 1 }
                guard let id = Int(digits), id < 100_000 else { return nil }
                while i < chars.count, chars[i] == " " { i += 1 }
                guard i < chars.count, chars[i] == ":" else { return nil }
                i += 1
                while i < chars.count, chars[i] == " " { i += 1 }
                guard let name = quoted(), byID[id] == nil else { return nil }
                byID[id] = name
            } else {
                guard let name = quoted() else { return nil }
                list.append(name)
            }
        }
        if open == "[" { return list }
        guard !byID.isEmpty, Set(byID.keys) == Set(0..<byID.count) else { return nil }
        return (0..<byID.count).map { byID[$0]! }
    }
}

/// A tensor of the graph being imported: known now, or computed at run time.
enum Symbol {
    case constant(ConstantTensor)
    case runtime(RuntimeTensor)
}

/// A run-time tensor: the engine value holding its data (any 4-D view of the same row-major
/// elements) and its logical ONNX dimensions.
struct RuntimeTensor {
    var value: Value
    var dims: [Int]
    var count: Int { dims.reduce(1, *) }
}

/// Typed access to a node's attributes.
struct Attributes {
    var map: [String: Onnx_AttributeProto] = [:]
    init(_ node: Onnx_NodeProto) { for a in node.attribute { map[a.name] = a } }
    func int(_ n: String) -> Int? { map[n].map { Int(clamping: $0.i) } }
    func int(_ n: String, _ d: Int) -> Int { int(n) ?? d }
    func ints(_ n: String) -> [Int]? { map[n].map { $0.ints.map { Int(clamping: $0) } } }
    func float(_ n: String, _ d: Float) -> Float { map[n]?.f ?? d }
    func string(_ n: String, _ d: String) -> String { map[n].map { String(decoding: $0.s, as: UTF8.self) } ?? d }
    func has(_ n: String) -> Bool { map[n] != nil }
}

/// One import: the builder, the symbol table and the fusion bookkeeping.
final class ImportSession {
    let graph: Onnx_GraphProto
    let opset: Int64
    let options: ImportOptionsBox
    let b = GraphBuilder()
    var env: [String: Symbol] = [:]
    var consumers: [String: [Int]] = [:]
    var absorbed = Set<Int>()
    var graphOutputs = Set<String>()
    var sorted: [Int] = []
    var inputValue: Value?
    /// Per-tensor int8 input scales from QuantizeLinear/DequantizeLinear pairs (QDQ models).
    var qdqScales: [String: Float] = [:]
    /// Engine values known to be non-negative (outputs of convolutions with a fused ReLU).
    var nonNegative = Set<Int>()

    /// True when `q` is a QuantizeLinear whose zero point is the lowest code: its saturation
    /// clamps at zero, which is how ONNX Runtime's quantizer folds a Relu or Clip(0, x) away.
    func quantizeClampsAtZero(_ q: Onnx_NodeProto) -> Bool { quantizeClamp(q) != nil }

    /// The activation a QuantizeLinear's saturation implies: ReLU6 when its range is exactly
    /// [0, 6] (a folded Clip(0, 6)), ReLU when it starts at zero, nil otherwise.
    func quantizeClamp(_ q: Onnx_NodeProto) -> Activation? {
        guard q.opType == "QuantizeLinear", q.input.count > 2, case .constant(let z)? = env[q.input[2]], let v = z.values.first,
              case .constant(let sc)? = env[q.input[1]], let s = sc.values.first else { return nil }
        let signed = z.dataType == ONNXDataType.int8.rawValue
        guard v == (signed ? -128 : 0) else { return nil }
        let hi = ((signed ? 127 : 255) - v) * s
        return abs(hi - 6) < 1e-3 ? .relu6 : .relu
    }

    struct ImportOptionsBox { var inputShape: TensorShape?; var fuse: Bool }

    init(graph: Onnx_GraphProto, opset: Int64, options: ONNXImporter.Options) {
        self.graph = graph
        self.opset = opset
        self.options = ImportOptionsBox(inputShape: options.inputShape, fuse: options.fuse)
    }

    // MARK: Driver

    func run() throws(ONNXError) -> Graph {
        guard graph.node.count <= ONNXImporter.maxNodes else { throw .invalidModel("\(graph.node.count) nodes exceed \(ONNXImporter.maxNodes)") }
        for t in graph.initializer {
            guard !t.name.isEmpty else { throw .invalidModel("an initializer has no name") }
            env[t.name] = .constant(try ConstantTensor(proto: t, what: t.name))
        }
        let realInputs = graph.input.filter { env[$0.name] == nil }
        guard realInputs.count == 1 else {
            throw .invalidModel("exactly one graph input (besides initializers) is supported, found \(realInputs.count): \(realInputs.map(\.name))")
        }
        let inp = realInputs[0]
        let tt = inp.type.tensorType
        guard tt.elemType == ONNXDataType.float.rawValue else { throw .invalidModel("input '\(inp.name)' must be float, is type \(tt.elemType)") }
        var dims: [Int] = []
        for d in tt.shape.dim {
            if case .dimValue(let v)? = d.value, v > 0, v <= 1 << 16 { dims.append(Int(v)) } else { dims.append(-1) }
        }
        let shape: TensorShape
        if let s = options.inputShape {
            shape = s
        } else {
            guard dims.count == 4, dims.allSatisfy({ $0 > 0 }) else {
                throw .invalidModel("input '\(inp.name)' has dims \(dims.map { $0 < 0 ? "?" : String($0) }) (need 4 fixed dimensions; pass an input shape)")
            }
            shape = TensorShape(n: dims[0], c: dims[1], h: dims[2], w: dims[3])
        }
        guard shape.n == 1, shape.count <= ModelFile.maxTensorElements, shape.c > 0, shape.h > 0, shape.w > 0 else {
            throw .invalidModel("input '\(inp.name)' shape \(shape) unsupported (batch 1, at most \(ModelFile.maxTensorElements) elements)")
        }
        let iv = b.input(inp.name, shape)
        inputValue = iv
        env[inp.name] = .runtime(RuntimeTensor(value: iv, dims: shape.dims))

        try topologicalSort()
        for o in graph.output { graphOutputs.insert(o.name) }
        for i in sorted { for name in graph.node[i].input where !name.isEmpty { consumers[name, default: []].append(i) } }

        for i in sorted where !absorbed.contains(i) {
            let node = graph.node[i]
            do {
                try importNode(i, node)
            } catch let e as ONNXError {
                throw e
            } catch let e as NNError {
                throw .engine(node: nodeName(node), e)
            } catch {
                throw .invalidModel("node '\(nodeName(node))': \(error)")
            }
        }
        var outs: [Value] = []
        guard !graph.output.isEmpty else { throw .invalidModel("graph has no outputs") }
        for o in graph.output {
            guard let s = env[o.name] else { throw .invalidModel("graph output '\(o.name)' is never produced") }
            guard case .runtime(let r) = s else { throw .unsupported(node: o.name, opType: "output", reason: "output '\(o.name)' is a constant") }
            var v = r.value
            if v.name != o.name || v.id == iv.id { v = b.identity(v, name: o.name) }
            outs.append(v)
        }
        do { return try b.build(outputs: outs) } catch { throw .engine(node: "graph", error) }
    }

    func nodeName(_ n: Onnx_NodeProto) -> String { n.name.isEmpty ? (n.output.first ?? "?") : n.name }

    /// Orders the nodes so that each comes after the producers of its inputs; a cycle or an
    /// input that nothing defines is an error naming the node.
    func topologicalSort() throws(ONNXError) {
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() {
            for o in n.output where !o.isEmpty {
                guard producer[o] == nil, env[o] == nil else {
                    throw .invalidModel("tensor '\(o)' is produced twice (node '\(nodeName(n))')")
                }
                producer[o] = i
            }
        }
        var indegree = [Int](repeating: 0, count: graph.node.count)
        var dependents = [[Int]](repeating: [], count: graph.node.count)
        for (i, n) in graph.node.enumerated() {
            for name in n.input where !name.isEmpty {
                if let p = producer[name] { indegree[i] += 1; dependents[p].append(i) }
                else if env[name] == nil {
                    throw .invalidModel("node '\(nodeName(n))' (\(n.opType)): input '\(name)' is not an initializer, the graph input or any node's output (missing initializer?)")
                }
            }
        }
        var ready = (0..<graph.node.count).filter { indegree[$0] == 0 }
        var head = 0
        while head < ready.count {
            let i = ready[head]; head += 1
            sorted.append(i)
            for d in dependents[i] { indegree[d] -= 1; if indegree[d] == 0 { ready.append(d) } }
        }
        if sorted.count < graph.node.count {
            let stuck = (0..<graph.node.count).first { indegree[$0] > 0 }!
            throw .invalidModel("cycle through node '\(nodeName(graph.node[stuck]))' (\(graph.node[stuck].opType))")
        }
    }

    // MARK: Helpers

    func unsupported(_ n: Onnx_NodeProto, _ reason: String) -> ONNXError { .unsupported(node: nodeName(n), opType: n.opType, reason: reason) }
    func invalid(_ n: Onnx_NodeProto, _ reason: String) -> ONNXError { .invalidModel("node '\(nodeName(n))' (\(n.opType)): \(reason)") }

    func symbol(_ n: Onnx_NodeProto, _ i: Int) throws(ONNXError) -> Symbol? {
        guard i < n.input.count, !n.input[i].isEmpty else { return nil }
        guard let s = env[n.input[i]] else { throw invalid(n, "input '\(n.input[i])' undefined") }
        return s
    }
    func constant(_ n: Onnx_NodeProto, _ i: Int, _ what: String) throws(ONNXError) -> ConstantTensor? {
        guard let s = try symbol(n, i) else { return nil }
        guard case .constant(let c) = s else { throw unsupported(n, "\(what) must be a constant (known at import time)") }
        return c
    }
    func runtime(_ n: Onnx_NodeProto, _ i: Int) throws(ONNXError) -> RuntimeTensor {
        guard let s = try symbol(n, i) else { throw invalid(n, "input \(i) missing") }
        switch s {
        case .runtime(let r): return r
        case .constant(let c): return try materialize(c, node: n)
        }
    }
    func output(_ n: Onnx_NodeProto, _ i: Int = 0) throws(ONNXError) -> String {
        guard i < n.output.count, !n.output[i].isEmpty else { throw invalid(n, "output \(i) missing") }
        return n.output[i]
    }

    /// The 4-D engine shape used for logical `dims` (leading ones; extra leading dims merged).
    func canonical(_ dims: [Int], _ n: Onnx_NodeProto) throws(ONNXError) -> TensorShape {
        guard dims.allSatisfy({ $0 > 0 }), let count = ConstantTensor.elementCount(dims), count <= ModelFile.maxTensorElements else {
            throw unsupported(n, "tensor dims \(dims) empty or too large")
        }
        let d = dims.count >= 4 ? [dims[..<(dims.count - 3)].reduce(1, *)] + dims.suffix(3) : [Int](repeating: 1, count: 4 - dims.count) + dims
        return TensorShape(n: d[0], c: d[1], h: d[2], w: d[3])
    }

    /// The engine node name for the node producing ONNX tensor `out`: graph outputs keep their
    /// exact name for the final (view) node that ``define(_:_:_:_:)`` adds.
    func nm(_ out: String) -> String { graphOutputs.contains(out) ? out + "#raw" : out }

    /// `x` viewed as its canonical NCHW shape (for convolution, pooling, resize).
    func canon(_ x: RuntimeTensor, _ n: Onnx_NodeProto) throws -> Value {
        try view(x.value, try canonical(x.dims, n), x.value.name + "#nchw")
    }

    /// `x` viewed with another 4-D shape (free).
    func view(_ x: Value, _ s: TensorShape, _ name: String) throws(NNError) -> Value {
        x.shape == s ? x : try b.reshape(x, s, name: name)
    }

    /// Records `v` (logical `dims`) as tensor `name`, adding a view so that the value carries the name.
    func define(_ name: String, _ v: Value, _ dims: [Int], _ n: Onnx_NodeProto) throws(ONNXError) {
        let s = try canonical(dims, n)
        var out = v
        do {
            if graphOutputs.contains(name) {
                if v.shape != s { out = try b.reshape(v, s, name: name) } else if v.name != name { out = b.identity(v, name: name) }
            }
            // Other tensors keep whatever 4-D view they have; each op asks for the view it
            // needs (``canon(_:_:)`` for NCHW ops), so no reshape node is made needlessly.
        } catch { throw .engine(node: nodeName(n), error) }
        env[name] = .runtime(RuntimeTensor(value: out, dims: dims))
    }

    /// A 4-D view `(1, ch, inner / last, last)` splitting the elements into `ch` rows.
    func rows(_ ch: Int, _ inner: Int, _ dims: [Int]) -> TensorShape {
        let last = dims.last ?? 1
        return inner % last == 0 && inner > last ? TensorShape(n: 1, c: ch, h: inner / last, w: last) : TensorShape(n: 1, c: ch, h: 1, w: inner)
    }

    /// A constant turned into a run-time value: a 1x1 convolution with zero weights and the
    /// constant as bias, applied to one element of the graph input.
    func materialize(_ c: ConstantTensor, node n: Onnx_NodeProto) throws(ONNXError) -> RuntimeTensor {
        guard let iv = inputValue else { throw invalid(n, "no input") }
        guard c.count >= 1, c.count <= 1 << 16 else { throw unsupported(n, "a constant operand of \(c.count) elements cannot be used as a run-time tensor (limit 65536)") }
        let dims = c.dims.isEmpty ? [1] : c.dims
        let s = try canonical(dims, n)
        let base = "\(nodeName(n))#const"
        do {
            // One element of the input: channel 0, then row 0, then column 0 (all views).
            let rows = try view(iv, TensorShape(n: 1, c: iv.shape.n * iv.shape.c, h: iv.shape.h, w: iv.shape.w), base + ".src")
            let plane = try b.slice(rows, start: 0, count: 1, name: base + ".c0")
            let row = try b.slice(try view(plane, TensorShape(n: 1, c: iv.shape.h, h: 1, w: iv.shape.w), base + ".rows"), start: 0, count: 1, name: base + ".r0")
            let one = try b.slice(try view(row, TensorShape(n: 1, c: iv.shape.w, h: 1, w: 1), base + ".cols"), start: 0, count: 1, name: base + ".one")
            let cfg = Conv2DConfig(inChannels: 1, outChannels: c.count, kernel: 1)
            let conv = try Conv2D(config: cfg, weights: [Float](repeating: 0, count: c.count), bias: c.floats)
            let v = try b.conv(one, conv, name: base)
            return RuntimeTensor(value: try view(v, s, "\(nodeName(n))#const.view"), dims: dims)
        } catch { throw .engine(node: nodeName(n), error) }
    }

    /// Per-channel (or scalar) `act(x * scale + shift)` as a depthwise 1x1 convolution.
    func affine(_ x: RuntimeTensor, axis: Int?, scale: [Float], shift: [Float], act: Activation, name: String, _ n: Onnx_NodeProto) throws(ONNXError) -> Value {
        let shape: TensorShape
        if let k = axis {
            let outer = x.dims[..<k].reduce(1, *), ch = x.dims[k], inner = x.dims[(k + 1)...].reduce(1, *)
            guard outer == 1 else { throw unsupported(n, "per-channel constant on axis \(k) with \(outer) leading elements") }
            shape = rows(ch, inner, x.dims)
        } else {
            let w = x.value.shape.w
            shape = TensorShape(n: 1, c: 1, h: x.count / w, w: w)
        }
        let ch = shape.c
        do {
            let xv = try view(x.value, shape, name + "#in")
            let cfg = Conv2DConfig(inChannels: ch, outChannels: ch, kernel: 1, groups: ch)
            let conv = try Conv2D(config: cfg, activation: act, weights: scale, bias: shift)
            return try b.conv(xv, conv, name: name)
        } catch { throw .engine(node: nodeName(n), error) }
    }

    /// The only consumer of tensor `t` when `t` is not a graph output.
    func soleConsumer(_ t: String) -> Int? {
        guard options.fuse, !graphOutputs.contains(t), let c = consumers[t], c.count == 1, !absorbed.contains(c[0]) else { return nil }
        return c[0]
    }

    /// An activation node that can be fused onto tensor `t`: (activation, nodes absorbed, final tensor).
    func fusableActivation(after t: String) throws(ONNXError) -> (Activation, [Int], String)? {
        guard options.fuse, !graphOutputs.contains(t), let cs = consumers[t] else { return nil }
        // SiLU: t -> Sigmoid -> Mul(t, sigmoid(t)).
        if cs.count == 2 {
            for (si, mi) in [(cs[0], cs[1]), (cs[1], cs[0])] {
                let s = graph.node[si], mul = graph.node[mi]
                if s.opType == "Sigmoid", mul.opType == "Mul", let so = s.output.first, soleConsumer(so) == mi,
                   Set(mul.input) == Set([t, so]), mul.input.count == 2, let mo = mul.output.first {
                    return (.silu, [si, mi], mo)
                }
            }
            return nil
        }
        guard let c = soleConsumer(t) else { return nil }
        let n = graph.node[c]
        guard let o = n.output.first, !o.isEmpty else { return nil }
        let at = Attributes(n)
        switch n.opType {
        case "Relu": return (.relu, [c], o)
        case "LeakyRelu": return (.leakyReLU(at.float("alpha", 0.01)), [c], o)
        case "HardSwish": return (.hardSwish, [c], o)
        case "Sigmoid":
            if let m = soleConsumer(o), graph.node[m].opType == "Mul", Set(graph.node[m].input) == Set([t, o]) { return nil }
            return (.sigmoid, [c], o)
        case "Clip":
            if let act = try clipActivation(n) { return (act, [c], o) }
            return nil
        default: return nil
        }
    }

    /// Clip(0, 6) is ReLU6, Clip(0, inf) is ReLU; other bounds are not fusable.
    func clipActivation(_ n: Onnx_NodeProto) throws(ONNXError) -> Activation? {
        var lo = -Float.infinity, hi = Float.infinity
        if opset < 11 {
            let a = Attributes(n); lo = a.float("min", lo); hi = a.float("max", hi)
        } else {
            if let c = try symbol(n, 1) { guard case .constant(let t) = c, t.count == 1 else { return nil }; lo = Float(t.values[0]) }
            if let c = try symbol(n, 2) { guard case .constant(let t) = c, t.count == 1 else { return nil }; hi = Float(t.values[0]) }
        }
        if lo == 0 && hi == 6 { return .relu6 }
        if lo == 0 && hi == .infinity { return .relu }
        return nil
    }
}
