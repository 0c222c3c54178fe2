#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `.wcm` model format: a graph with its weights, class names and input spec.
///
/// Layout (little-endian): magic `WCM\0`, version (u32), payload length (u64), CRC-32 of the
/// payload (u32), then the payload: class names, values (name + NCHW shape), input and output
/// value ids, and nodes (name, op code, inputs, output, op parameters, weights). Convolutions
/// store fp32 weights, or int8 weights with per-output-channel scales and the input scale.
///
/// Loading checks everything: the checksum, every count against the bytes left (so nothing is
/// allocated beyond what the file holds), dimensions and total sizes against fixed limits,
/// op codes, and every shape by re-inferring it; the graph must be in topological order (a
/// cycle is an error).
public enum ModelFile {
    /// Magic bytes at the start of every `.wcm` file.
    public static let magic: [UInt8] = [0x57, 0x43, 0x4D, 0x00]
    /// Largest tensor (elements) a model may declare.
    public static let maxTensorElements = 1 << 25
    /// Largest sum of all declared tensor sizes (elements).
    public static let maxTotalElements = 1 << 27
    /// Largest number of nodes or values.
    public static let maxNodes = 100_000

    // MARK: Writing

    /// Serializes a graph. Convolutions that carry int8 weights are stored as int8.
    public static func encode(_ graph: Graph) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(graph.classNames.count))
        for c in graph.classNames { w.string(c) }
        w.u32(UInt32(graph.values.count))
        for v in graph.values {
            w.string(v.name)
            for d in v.shape.dims { w.u32(UInt32(d)) }
        }
        w.u32(UInt32(graph.inputs.count)); for i in graph.inputs { w.u32(UInt32(i)) }
        w.u32(UInt32(graph.outputs.count)); for o in graph.outputs { w.u32(UInt32(o)) }
        w.u32(UInt32(graph.nodes.count))
        for n in graph.nodes {
            w.string(n.name)
            w.u8(opCode(n.op))
            w.u32(UInt32(n.inputs.count)); for i in n.inputs { w.u32(UInt32(i)) }
            w.u32(UInt32(n.output))
            switch n.op {
            case .input, .concat, .identity, .reshape, .transpose, .softmax, .matmul: break
            case .conv(let c):
                let k = c.config
                for v in [k.inChannels, k.outChannels, k.kernelH, k.kernelW, k.strideH, k.strideW, k.padTop, k.padLeft,
                          k.padBottom, k.padRight, k.dilationH, k.dilationW, k.groups] { w.u32(UInt32(v)) }
                w.u8(c.activation.code); w.f32(c.activation.parameter)
                if let q = c.int8 {
                    w.u8(1)
                    w.f32(q.inputScale)
                    for s in q.weightScales { w.f32(s) }
                    let per = k.weightCount / k.outChannels
                    for o in 0..<k.outChannels { for i in 0..<per { w.u8(UInt8(bitPattern: q.weights[o * q.paddedK + i])) } }
                } else {
                    w.u8(0)
                    for i in 0..<k.weightCount { w.f32(c.weights[i]) }
                }
                for i in 0..<k.outChannels { w.f32(c.bias[i]) }
            case .pool(let p):
                w.u8(p.kind.rawValue)
                for v in [p.kernel, p.stride, p.padTop, p.padLeft, p.padBottom, p.padRight] { w.u32(UInt32(v)) }
                w.u8(p.global ? 1 : 0); w.u8(p.countPadding ? 1 : 0)
            case .resize(let m): w.u8(m.rawValue)
            case .concatShuffle(let g), .shuffle(let g): w.u32(UInt32(g))
            case .binary(let b): w.u8(b.rawValue)
            case .sliceChannels(let s, let c): w.u32(UInt32(s)); w.u32(UInt32(c))
            case .activation(let a): w.u8(a.code); w.f32(a.parameter)
            }
        }
        var out = magic
        var h = ByteWriter()
        h.u32(WayCueNN.modelFormatVersion)
        h.u64(UInt64(w.bytes.count))
        h.u32(CRC32.checksum(w.bytes))
        out += h.bytes
        out += w.bytes
        return out
    }

    /// Writes a graph to `path`.
    public static func save(_ graph: Graph, to path: String) throws(NNError) {
        let bytes = encode(graph)
        guard let f = fopen(path, "wb") else { throw .io(file: path, reason: "cannot open for writing") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        let closed = fclose(f)
        guard n == bytes.count, closed == 0 else { throw .io(file: path, reason: "short write") }
    }

    // MARK: Reading

    /// Reads a `.wcm` file (at most 512 MiB).
    public static func load(path: String) throws(NNError) -> Graph {
        guard let bytes = readFileBytes(path, limit: 512 << 20) else {
            throw .io(file: path, reason: "cannot read file (missing, unreadable or over 512 MiB)")
        }
        return try decode(bytes, file: path)
    }

    /// Parses `.wcm` bytes (`file` names them in errors).
    public static func decode(_ bytes: [UInt8], file: String = "<model>") throws(NNError) -> Graph {
        func bad(_ field: String, _ reason: String) -> NNError { .model(file: file, field: field, reason: reason) }
        guard bytes.count >= 20 else { throw bad("header", "file is \(bytes.count) bytes, too short for a header") }
        guard Array(bytes[0..<4]) == magic else { throw bad("magic", "not a .wcm file") }
        var hr = ByteReader(bytes: bytes, start: 4, end: 20, file: file)
        let version = try hr.u32("version")
        guard version == WayCueNN.modelFormatVersion else {
            throw bad("version", "format version \(version), this engine reads \(WayCueNN.modelFormatVersion)")
        }
        let length = try hr.u64("payload length")
        guard length == UInt64(bytes.count - 20) else {
            throw bad("payload length", "header says \(length) bytes, file has \(bytes.count - 20) (truncated or padded)")
        }
        let crc = try hr.u32("checksum")
        guard CRC32.checksum(bytes[20...]) == crc else { throw bad("checksum", "CRC-32 mismatch (corrupted file)") }
        var r = ByteReader(bytes: bytes, start: 20, end: bytes.count, file: file)

        var classNames: [String] = []
        let nClasses = try r.count("class count", max: 10_000, minBytesEach: 4)
        for _ in 0..<nClasses { classNames.append(try r.string("class name")) }

        let nValues = try r.count("value count", max: maxNodes, minBytesEach: 20)
        var values: [Value] = []
        var total = 0
        for i in 0..<nValues {
            let name = try r.string("value name")
            var d: [Int] = []
            for _ in 0..<4 {
                let v = Int(try r.u32("value \(name) shape"))
                guard v >= 1, v <= 1 << 16 else { throw bad("value \(name) shape", "dimension \(v) outside 1...65536") }
                d.append(v)
            }
            let shape = TensorShape(n: d[0], c: d[1], h: d[2], w: d[3])
            guard shape.count <= maxTensorElements else { throw bad("value \(name) shape", "\(shape) exceeds \(maxTensorElements) elements") }
            total += shape.count
            guard total <= maxTotalElements else { throw bad("value \(name) shape", "tensors exceed \(maxTotalElements) elements in all") }
            values.append(Value(id: i, name: name, shape: shape))
        }
        func ids(_ field: String) throws(NNError) -> [Int] {
            let n = try r.count(field, max: maxNodes, minBytesEach: 4)
            var out: [Int] = []
            for _ in 0..<n {
                let v = Int(try r.u32(field))
                guard v < nValues else { throw bad(field, "value id \(v) out of range (\(nValues) values)") }
                out.append(v)
            }
            return out
        }
        let inputs = try ids("inputs"), outputs = try ids("outputs")
        let nNodes = try r.count("node count", max: maxNodes, minBytesEach: 14)
        var nodes: [Node] = []
        for _ in 0..<nNodes {
            let name = try r.string("node name")
            let code = try r.u8("node \(name) op")
            let ins = try ids("node \(name) inputs")
            let out = Int(try r.u32("node \(name) output"))
            guard out < nValues else { throw bad("node \(name) output", "value id \(out) out of range") }
            let field = "node \(name)"
            let op: Op
            switch code {
            case 1:
                var k: [Int] = []
                for _ in 0..<13 { k.append(Int(try r.u32(field + " conv config"))) }
                let cfg = Conv2DConfig(inChannels: k[0], outChannels: k[1], kernelH: k[2], kernelW: k[3], strideH: k[4],
                                       strideW: k[5], padTop: k[6], padLeft: k[7], padBottom: k[8], padRight: k[9],
                                       dilationH: k[10], dilationW: k[11], groups: k[12])
                do { try cfg.validate() } catch { throw bad(field + " conv config", error.description) }
                guard cfg.inChannels <= 1 << 16, cfg.outChannels <= 1 << 16 else { throw bad(field + " conv config", "too many channels") }
                let actCode = try r.u8(field + " activation"), actParam = try r.f32(field + " activation")
                guard let act = Activation(code: actCode, parameter: actParam) else { throw bad(field + " activation", "unknown code \(actCode)") }
                let precision = try r.u8(field + " precision")
                let wc = cfg.weightCount, oc = cfg.outChannels
                var weights: [Float]
                var int8: (Float, [Float], [Int8])?
                switch precision {
                case 0:
                    try r.need(wc * 4 + oc * 4, field + " weights")
                    weights = try r.f32s(wc, field + " weights")
                case 1:
                    try r.need(4 + oc * 4 + wc + oc * 4, field + " int8 weights")
                    let inScale = try r.f32(field + " input scale")
                    let scales = try r.f32s(oc, field + " weight scales")
                    guard inScale.isFinite, inScale > 0, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                        throw bad(field + " scales", "scales must be positive and finite")
                    }
                    let q = try r.bytes(wc, field + " int8 weights").map { Int8(bitPattern: $0) }
                    let per = wc / oc
                    weights = (0..<wc).map { Float(q[$0]) * scales[$0 / per] }
                    int8 = (inScale, scales, q)
                default: throw bad(field + " precision", "unknown precision \(precision)")
                }
                let bias = try r.f32s(oc, field + " bias")
                let conv: Conv2D
                do { conv = try Conv2D(config: cfg, activation: act, weights: weights, bias: bias) } catch { throw bad(field, error.description) }
                if let (s, ws, q) = int8 {
                    guard cfg.groups == 1 else { throw bad(field + " precision", "int8 needs an ungrouped convolution") }
                    conv.int8 = QuantizedConvWeights(conv: conv, inputScale: s, weightScales: ws, quantized: q)
                }
                op = .conv(conv)
            case 2:
                let kind = try r.u8(field + " pool kind")
                guard let kk = PoolConfig.Kind(rawValue: kind) else { throw bad(field + " pool kind", "unknown \(kind)") }
                var p = PoolConfig(kind: kk, kernel: 1, stride: 1)
                var v: [Int] = []
                for _ in 0..<6 { v.append(Int(try r.u32(field + " pool"))) }
                (p.kernel, p.stride, p.padTop, p.padLeft, p.padBottom, p.padRight) = (v[0], v[1], v[2], v[3], v[4], v[5])
                p.global = try r.u8(field) != 0
                p.countPadding = try r.u8(field) != 0
                op = .pool(p)
            case 3:
                let m = try r.u8(field + " resize mode")
                guard let mode = Ops.ResizeMode(rawValue: m) else { throw bad(field + " resize mode", "unknown \(m)") }
                op = .resize(mode)
            case 4: op = .concat
            case 5: op = .concatShuffle(groups: Int(try r.u32(field + " groups")))
            case 6:
                let b = try r.u8(field + " binary op")
                guard let bop = Ops.Binary(rawValue: b) else { throw bad(field + " binary op", "unknown \(b)") }
                op = .binary(bop)
            case 7: op = .sliceChannels(start: Int(try r.u32(field + " slice")), count: Int(try r.u32(field + " slice")))
            case 8: op = .identity
            case 9: op = .shuffle(groups: Int(try r.u32(field + " groups")))
            case 10: op = .reshape
            case 11: op = .transpose
            case 12: op = .softmax
            case 14: op = .matmul
            case 13:
                let c = try r.u8(field + " activation"), p = try r.f32(field + " activation")
                guard let a = Activation(code: c, parameter: p) else { throw bad(field + " activation", "unknown code \(c)") }
                op = .activation(a)
            default: throw bad(field + " op", "unknown op code \(code)")
            }
            nodes.append(Node(name: name, op: op, inputs: ins, output: out))
        }
        guard r.atEnd else { throw bad("payload", "\(r.remaining) unexpected trailing bytes") }
        var g = Graph(values: values, nodes: nodes, inputs: inputs, outputs: outputs)
        g.classNames = classNames
        do { try g.validate() } catch { throw bad("graph", error.description) }
        try checkShapes(g, file: file)
        return g
    }

    /// Re-infers every node's output shape from its inputs and compares with the stored shape.
    static func checkShapes(_ g: Graph, file: String) throws(NNError) {
        for n in g.nodes {
            func bad(_ r: String) -> NNError { .model(file: file, field: "node \(n.name)", reason: r) }
            let ins = n.inputs.map { g.values[$0].shape }
            let out = g.values[n.output].shape
            func need(_ count: Int) throws(NNError) {
                guard ins.count == count else { throw bad("\(n.op.name) takes \(count) input(s), has \(ins.count)") }
            }
            var expected: TensorShape?
            do throws(NNError) {
                switch n.op {
                case .input: throw bad("input op inside the graph")
                case .conv(let c): try need(1); expected = try c.outputShape(for: ins[0])
                case .pool(let p): try need(1); expected = try p.outputShape(for: ins[0])
                case .resize: try need(1); expected = TensorShape(n: ins[0].n, c: ins[0].c, h: out.h, w: out.w)
                case .concat, .concatShuffle:
                    guard let f = ins.first, ins.allSatisfy({ $0.n == f.n && $0.h == f.h && $0.w == f.w }) else { throw bad("concat inputs differ") }
                    expected = TensorShape(n: f.n, c: ins.reduce(0) { $0 + $1.c }, h: f.h, w: f.w)
                    if case .concatShuffle(let gr) = n.op {
                        guard gr > 0, expected!.c % gr == 0, ins.allSatisfy({ $0.c == f.c }) else { throw bad("bad shuffle groups") }
                    }
                case .binary: try need(2); guard ins[0] == ins[1] else { throw bad("binary inputs differ") }; expected = ins[0]
                case .sliceChannels(let s, let c):
                    try need(1)
                    guard ins[0].n == 1, c > 0, s + c <= ins[0].c else { throw bad("slice outside channels") }
                    expected = TensorShape(n: 1, c: c, h: ins[0].h, w: ins[0].w)
                case .identity, .softmax, .activation: try need(1); expected = ins[0]
                case .shuffle(let gr): try need(1); guard gr > 0, ins[0].c % gr == 0 else { throw bad("bad groups") }; expected = ins[0]
                case .reshape: try need(1); guard ins[0].count == out.count else { throw bad("reshape changes size") }; expected = out
                case .transpose: try need(1); expected = TensorShape(n: ins[0].n, c: ins[0].c, h: ins[0].w, w: ins[0].h)
                case .matmul:
                    try need(2)
                    guard ins[0].n == ins[1].n, ins[0].c == ins[1].c, ins[0].w == ins[1].h else { throw bad("matmul shapes \(ins[0]) x \(ins[1])") }
                    expected = TensorShape(n: ins[0].n, c: ins[0].c, h: ins[0].h, w: ins[1].w)
                }
            } catch {
                if case .model = error { throw error }
                throw bad(error.description)
            }
            guard expected == out else { throw bad("stored shape \(out), inferred \(expected.map { "\($0)" } ?? "none")") }
        }
    }

    static func opCode(_ op: Op) -> UInt8 {
        switch op {
        case .input: 0
        case .conv: 1
        case .pool: 2
        case .resize: 3
        case .concat: 4
        case .concatShuffle: 5
        case .binary: 6
        case .sliceChannels: 7
        case .identity: 8
        case .shuffle: 9
        case .reshape: 10
        case .transpose: 11
        case .softmax: 12
        case .matmul: 14
        case .activation: 13
        }
    }
}

/// Little-endian byte writer.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) { let u = Array(s.utf8); u32(UInt32(u.count)); bytes += u }
}

/// Bounds-checked little-endian byte reader; every read names its field on failure.
struct ByteReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int
    let file: String
    init(bytes: [UInt8], start: Int, end: Int, file: String) {
        self.bytes = bytes
        pos = start
        self.end = end
        self.file = file
    }
    var remaining: Int { end - pos }
    var atEnd: Bool { pos == end }
    func need(_ n: Int, _ field: String) throws(NNError) {
        guard n >= 0, n <= remaining else {
            throw .model(file: file, field: field, reason: "needs \(n) bytes, \(remaining) left (truncated or wrong size)")
        }
    }
    mutating func u8(_ field: String) throws(NNError) -> UInt8 {
        try need(1, field)
        defer { pos += 1 }
        return bytes[pos]
    }
    mutating func u32(_ field: String) throws(NNError) -> UInt32 {
        try need(4, field)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
        pos += 4
        return v
    }
    mutating func u64(_ field: String) throws(NNError) -> UInt64 {
        try need(8, field)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
        pos += 8
        return v
    }
    mutating func f32(_ field: String) throws(NNError) -> Float { Float(bitPattern: try u32(field)) }
    mutating func f32s(_ n: Int, _ field: String) throws(NNError) -> [Float] {
        try need(n * 4, field)
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n { out[i] = try f32(field) }
        guard out.allSatisfy({ $0.isFinite }) else { throw .model(file: file, field: field, reason: "non-finite value") }
        return out
    }
    mutating func bytes(_ n: Int, _ field: String) throws(NNError) -> [UInt8] {
        try need(n, field)
        defer { pos += n }
        return Array(bytes[pos..<(pos + n)])
    }
    /// A count, checked against a limit and against the bytes left (each item needs at least `minBytesEach`).
    mutating func count(_ field: String, max limit: Int, minBytesEach: Int) throws(NNError) -> Int {
        let n = Int(try u32(field))
        guard n <= limit else { throw .model(file: file, field: field, reason: "\(n) exceeds the limit \(limit)") }
        guard n * minBytesEach <= remaining else {
            throw .model(file: file, field: field, reason: "\(n) items cannot fit in the \(remaining) bytes left")
        }
        return n
    }
    mutating func string(_ field: String) throws(NNError) -> String {
        let n = Int(try u32(field))
        guard n <= 4096 else { throw .model(file: file, field: field, reason: "string of \(n) bytes exceeds 4096") }
        return String(decoding: try bytes(n, field), as: UTF8.self)
    }
}
