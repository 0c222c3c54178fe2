#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a graph description in ncnn's `.param` text format (a peer's published layer list)
/// into a ``Graph`` with seeded random weights, so that the same network can be timed here.
///
/// Supported layers: Input, Convolution, ConvolutionDepthWise, ReLU, Sigmoid, Pooling, Split,
/// Concat, ShuffleChannel, Crop (channel ranges), Slice (channels), Interp, BinaryOp,
/// Eltwise (sum), Reshape, Permute (2-D swap), Softmax, Noop. Anything else is an error.
public enum NCNNParamImporter {
    /// Parses `text` (named `file` in errors) into a graph.
    public static func importGraph(text: String, file: String = "<param>", seed: UInt64 = 1) throws(NNError) -> Graph {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard lines.count >= 2, lines[0].trimmingCharacters() == "7767517" else {
            throw .parse(file: file, line: 1, reason: "missing ncnn magic 7767517")
        }
        let b = GraphBuilder()
        var blobs: [String: Value] = [:]
        var outputs: [Value] = []
        var consumed = Set<String>()
        for (ln, line) in lines.enumerated().dropFirst(2) {
            let lineNo = ln + 1
            func fail(_ r: String) -> NNError { .parse(file: file, line: lineNo, reason: r) }
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if f.isEmpty { continue }
            guard f.count >= 4, let nIn = Int(f[2]), let nOut = Int(f[3]), nIn >= 0, nOut >= 0, nIn <= 4096, nOut <= 4096, f.count >= 4 + nIn + nOut else {
                throw fail("malformed layer line")
            }
            let type = f[0], name = f[1]
            let ins = Array(f[4..<(4 + nIn)]), outs = Array(f[(4 + nIn)..<(4 + nIn + nOut)])
            var p: [Int: [Float]] = [:]
            for kv in f[(4 + nIn + nOut)...] {
                let parts = kv.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, var key = Int(parts[0]), key > -40000, key < 40000 else { throw fail("bad parameter '\(kv)'") }
                var vals = parts[1].split(separator: ",").compactMap { Float(String($0)) }
                if key <= -23300 {
                    key = -key - 23300
                    vals = Array(vals.dropFirst())
                }
                p[key] = vals
            }
            // Values outside +-2^24 (or not finite) become a sentinel that every check rejects.
            func toInt(_ v: Float) -> Int { v.isFinite && abs(v) <= 16_777_216 ? Int(v) : Int.min / 4 }
            func int(_ k: Int, _ d: Int) -> Int { p[k].flatMap { $0.first }.map(toInt) ?? d }
            func float(_ k: Int, _ d: Float) -> Float { p[k].flatMap { $0.first } ?? d }
            func input(_ i: Int) throws(NNError) -> Value {
                guard i < ins.count, let v = blobs[ins[i]] else { throw fail("unknown input blob '\(i < ins.count ? ins[i] : "?")'") }
                consumed.insert(ins[i])
                return v
            }
            func define(_ i: Int, _ v: Value) throws(NNError) {
                guard i < outs.count else { throw fail("missing output blob") }
                guard blobs[outs[i]] == nil else { throw fail("blob '\(outs[i])' defined twice") }
                blobs[outs[i]] = v
            }
            func act(_ type: Int, _ params: [Float]) -> Activation {
                switch type {
                case 1: return .relu
                case 2: return .leakyReLU(params.first ?? 0)
                case 3: return params.count >= 2 && params[0] == 0 && params[1] == 6 ? .relu6 : .relu
                case 4: return .sigmoid
                case 6: return .hardSwish
                default: return .none
                }
            }
            let seedHere = seed &+ UInt64(lineNo) &* 7919
            switch type {
            case "Input":
                let w = int(0, 0), h = int(1, 0), c = int(2, 0)
                guard w > 0, h > 0, c > 0, w <= 8192, h <= 8192, c <= 4096 else { throw fail("bad input size") }
                try define(0, b.input(outs[0], TensorShape(c: c, h: h, w: w)))
            case "Convolution", "ConvolutionDepthWise":
                let x = try input(0)
                let kw = int(1, 0), kh = int(11, kw), dw = int(2, 1), dh = int(12, dw), sw = int(3, 1), sh = int(13, sw)
                let pl = int(4, 0), pr = int(15, pl), pt = int(14, pl), pb = int(16, pt)
                guard pl >= 0, pr >= 0, pt >= 0, pb >= 0 else { throw fail("SAME padding (-233) is not supported") }
                let groups = type == "ConvolutionDepthWise" ? int(7, 1) : 1
                let cfg = Conv2DConfig(inChannels: x.shape.c, outChannels: int(0, 0), kernelH: kh, kernelW: kw,
                                       strideH: sh, strideW: sw, padTop: pt, padLeft: pl, padBottom: pb, padRight: pr,
                                       dilationH: dh, dilationW: dw, groups: groups)
                let conv = try Conv2D(config: cfg, activation: act(int(9, 0), p[10] ?? []), seed: seedHere)
                try define(0, b.conv(x, conv, name: outs[0]))
            case "ReLU":
                let slope = float(0, 0)
                try define(0, b.activation(try input(0), slope == 0 ? .relu : .leakyReLU(slope), name: outs[0]))
            case "Sigmoid":
                try define(0, b.activation(try input(0), .sigmoid, name: outs[0]))
            case "Pooling":
                let x = try input(0)
                var cfg = PoolConfig(kind: int(0, 0) == 0 ? .max : .average, kernel: int(1, 0), stride: int(2, 1),
                                     padding: int(3, 0), global: int(4, 0) != 0)
                cfg.padLeft = int(3, 0); cfg.padRight = int(14, cfg.padLeft)
                cfg.padTop = int(13, cfg.padLeft); cfg.padBottom = int(15, cfg.padTop)
                cfg.countPadding = int(6, 1) == 0 ? false : true
                try define(0, b.pool(x, cfg, name: outs[0]))
            case "Split":
                let x = try input(0)
                for i in outs.indices { try define(i, b.identity(x, name: outs[i])) }
            case "Concat":
                guard int(0, 0) == 0 else { throw fail("Concat only along channels") }
                var xs: [Value] = []
                for i in ins.indices { xs.append(try input(i)) }
                try define(0, b.concat(xs, name: outs[0]))
            case "ShuffleChannel":
                guard int(1, 0) == 0 else { throw fail("reverse ShuffleChannel not supported") }
                try define(0, b.shuffle(try input(0), groups: int(0, 1), name: outs[0]))
            case "Crop":
                let x = try input(0)
                guard let starts = p[9], let ends = p[10], let axes = p[11], starts.count == 1, ends.count == 1,
                      axes.count == 1, axes[0] == 0 else { throw fail("Crop: only one channel range supported") }
                let s = toInt(starts[0]), e = min(toInt(ends[0]), x.shape.c)
                try define(0, b.slice(x, start: s, count: e - s, name: outs[0]))
            case "Slice":
                let x = try input(0)
                guard int(1, 0) == 0, let sl = p[0], sl.count == outs.count else { throw fail("Slice: channel slices only") }
                var start = 0
                for (i, s) in sl.enumerated() {
                    let n = toInt(s) == -233 ? (x.shape.c - start) / (sl.count - i) : toInt(s)
                    try define(i, b.slice(x, start: start, count: n, name: outs[i]))
                    start += n
                }
            case "Interp":
                let x = try input(0)
                let mode: Ops.ResizeMode = int(0, 1) == 2 ? .bilinear : .nearest
                guard int(0, 1) == 1 || int(0, 1) == 2 else { throw fail("Interp: only nearest and bilinear") }
                var oh = int(3, 0), ow = int(4, 0)
                if oh == 0 || ow == 0 {
                    oh = toInt(Float(x.shape.h) * float(1, 1)); ow = toInt(Float(x.shape.w) * float(2, 1))
                }
                try define(0, b.resize(x, height: oh, width: ow, mode: mode, name: outs[0]))
            case "BinaryOp":
                let ops: [Int: Ops.Binary] = [0: .add, 1: .sub, 2: .mul, 4: .max]
                guard let op = ops[int(0, 0)], int(1, 0) == 0 else { throw fail("BinaryOp type \(int(0, 0)) not supported") }
                try define(0, b.binary(try input(0), try input(1), op, name: outs[0]))
            case "Eltwise":
                guard int(0, 1) == 1, ins.count == 2 else { throw fail("Eltwise: only two-input sum") }
                try define(0, b.add(try input(0), try input(1), name: outs[0]))
            case "Reshape":
                let x = try input(0)
                let w = int(0, -233), h = int(1, -233), c = int(2, -233)
                var dims = [w, h, c].filter { $0 != -233 }
                if let i = dims.firstIndex(of: -1) {
                    guard dims.allSatisfy({ $0 == -1 || ($0 > 0 && $0 <= 1 << 24) }) else { throw fail("Reshape: bad dims") }
                    let known = dims.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
                    guard known > 0, known <= x.shape.count else { throw fail("Reshape: bad dims") }
                    dims[i] = x.shape.count / known
                }
                guard dims.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { throw fail("Reshape: bad dims") }
                let shape: TensorShape
                switch dims.count {
                case 1: shape = TensorShape(c: 1, h: 1, w: dims[0])
                case 2: shape = TensorShape(c: 1, h: dims[1], w: dims[0])
                default: shape = TensorShape(c: dims[2], h: dims[1], w: dims[0])
                }
                try define(0, b.reshape(x, shape, name: outs[0]))
            case "Permute":
                let x = try input(0)
                guard int(0, 0) == 1, x.shape.c == 1 else { throw fail("Permute: only 2-D transpose (order 1)") }
                try define(0, b.transpose(x, name: outs[0]))
            case "Softmax":
                let x = try input(0)
                try define(0, b.softmax(x, name: outs[0]))
            case "Noop":
                for i in ins.indices { outputs.append(try input(i)) }
            default:
                throw fail("unsupported layer type '\(type)' (\(name))")
            }
        }
        if outputs.isEmpty {
            outputs = blobs.filter { !consumed.contains($0.key) }.map(\.value).sorted { $0.id < $1.id }
        }
        return try b.build(outputs: outputs)
    }

    /// Reads and imports a `.param` file.
    public static func importGraph(path: String, seed: UInt64 = 1) throws(NNError) -> Graph {
        guard let text = readTextFile(path) else { throw .io(file: path, reason: "cannot read file") }
        return try importGraph(text: text, file: path, seed: seed)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// Reads a whole file as UTF-8 (nil on failure). Files over 256 MiB are refused.
func readTextFile(_ path: String) -> String? {
    guard let bytes = readFileBytes(path, limit: 256 << 20) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads a whole file (nil on failure or when it exceeds `limit` bytes).
func readFileBytes(_ path: String, limit: Int) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
        if out.count > limit { return nil }
    }
    return out
}
