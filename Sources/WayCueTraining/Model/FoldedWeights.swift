import Foundation
import WayCueDetector
import WayCueNN

/// A trainable layer in the order a forward pass calls it (see ``LayerOrderBackend``).
enum TrainLayer {
    case convBN(ConvBN)
    case conv(ConvBias)

    var name: String {
        switch self {
        case .convBN(let l): l.name
        case .conv(let l): l.name
        }
    }
}

/// A ``ModelBackend`` that runs nothing and records which trainable layers a forward pass
/// calls, in call order: the order ``GraphBackend`` adds their convolutions to a graph.
final class LayerOrderBackend: ModelBackend {
    private(set) var layers: [TrainLayer] = []
    func convBN(_ layer: ConvBN, _ x: Int) -> Int { layers.append(.convBN(layer)); return 0 }
    func conv(_ layer: ConvBias, _ x: Int) -> Int { layers.append(.conv(layer)); return 0 }
    func maxPool3s2(_ x: Int) -> Int { 0 }
    func concat(_ xs: [Int]) -> Int { 0 }
    func split(_ x: Int) -> (Int, Int) { (0, 0) }
    func shuffle2(_ x: Int) -> Int { 0 }
    func add(_ a: Int, _ b: Int) -> Int { 0 }
    func resize(_ x: Int, like: Int) -> Int { 0 }
}

/// Loads the folded convolutions of a WayCue graph (fp32, or int8 read back as
/// `q * scale`) into trainable layers, so that a shipped model can start a fine-tuning run.
///
/// A graph's convolution carries weights and a bias with batch norm folded in. A ``ConvBN``
/// gets those weights, `gamma = 1`, `beta = bias`, running mean 0 and running variance
/// `1 - epsilon`: with batch norm on its running statistics (``TapeBackend/frozenBatchNorm``)
/// the layer computes exactly what the graph's convolution computes, and folding it again at
/// export gives the same weights back.
enum FoldedWeights {
    /// Copies `convs[i]` into `layers[i]` for every layer, checking each shape.
    ///
    /// - Parameters:
    ///   - inputScale: Factor the first layer's weights are divided by (1/255 when the graph
    ///     takes raw 0...255 pixels and training takes 0...1).
    ///   - outputRows: For a ``ConvBias`` whose output rows differ from the graph's (a class
    ///     list that changed), the graph row each layer row is copied from; rows mapped to nil
    ///     keep their fresh initial values.
    static func load(_ layers: [TrainLayer], from convs: [(name: String, conv: Conv2D)], inputScale: Float = 1,
                     outputRows: [Int?]? = nil) throws {
        guard convs.count >= layers.count else {
            throw TrainingError.invalidConfig("the graph has \(convs.count) convolutions, the model needs \(layers.count)")
        }
        for (i, layer) in layers.enumerated() {
            let (nodeName, c) = convs[i]
            let cfg = c.config
            func mismatch(_ what: String) -> TrainingError {
                .invalidConfig("graph convolution \(i) ('\(nodeName)') does not match layer '\(layer.name)': \(what)")
            }
            let per = cfg.weightCount / max(cfg.outChannels, 1)
            let weights = Array(UnsafeBufferPointer(start: c.weights, count: cfg.weightCount))
            let bias = Array(UnsafeBufferPointer(start: c.bias, count: cfg.outChannels))
            switch layer {
            case .convBN(let l):
                let w = l.weight
                guard cfg.outChannels == w.n, cfg.inChannels / max(cfg.groups, 1) == w.c, cfg.kernelH == w.h,
                      cfg.kernelW == w.w, cfg.groups == l.groups, cfg.strideH == l.stride else {
                    throw mismatch("\(cfg.outChannels)x\(cfg.inChannels / max(cfg.groups, 1))x\(cfg.kernelH)x\(cfg.kernelW) stride \(cfg.strideH) groups \(cfg.groups), layer \(w.n)x\(w.c)x\(w.h)x\(w.w) stride \(l.stride) groups \(l.groups)")
                }
                let scale: Float = i == 0 ? 1 / inputScale : 1
                w.setValues(scale == 1 ? weights : weights.map { $0 * scale })
                l.gamma.setValues([Float](repeating: 1, count: w.n))
                l.beta.setValues(bias)
                l.stats.mean = [Float](repeating: 0, count: w.n)
                l.stats.variance = [Float](repeating: 1 - l.stats.epsilon, count: w.n)
            case .conv(let l):
                let w = l.weight
                guard cfg.kernelH == 1, cfg.kernelW == 1, cfg.groups == 1, cfg.inChannels == w.c, per == w.c else {
                    throw mismatch("kernel \(cfg.kernelH)x\(cfg.kernelW), \(cfg.inChannels) inputs; layer 1x1, \(w.c) inputs")
                }
                let rows = outputRows ?? (cfg.outChannels == w.n ? Array(0..<w.n) : nil)
                guard let rows, rows.count == w.n else {
                    throw mismatch("\(cfg.outChannels) outputs, layer \(w.n), and no row map")
                }
                var wv = w.values, bv = l.bias.values
                for (o, src) in rows.enumerated() {
                    guard let src else { continue }
                    guard src >= 0, src < cfg.outChannels else { throw mismatch("row \(src) out of range") }
                    for k in 0..<per { wv[o * per + k] = weights[src * per + k] }
                    bv[o] = bias[src]
                }
                w.setValues(wv)
                l.bias.setValues(bv)
            }
        }
    }

    /// The graph's convolutions in node order, with their node names.
    static func convolutions(of graph: Graph) -> [(name: String, conv: Conv2D)] {
        graph.nodes.compactMap { n in
            if case .conv(let c) = n.op { return (n.name, c) }
            return nil
        }
    }
}

/// Which layers of a ``DetectorModel`` a run keeps fixed.
public enum FrozenPart: String, Codable, Sendable, CaseIterable {
    /// Nothing is frozen.
    case none
    /// The stem and the ShuffleNetV2 stages.
    case backbone
    /// The backbone and the PAN neck: only the per-level heads train. The features a mask head
    /// reads (the stem output and the neck's stride-8 map) then stay exactly as they were, so a
    /// mask head trained on the starting model stays valid.
    case backboneAndNeck = "backbone+neck"
}

extension DetectorModel {
    /// The trainable layers in forward order (the order of their convolutions in an exported graph).
    var layersInForwardOrder: [TrainLayer] {
        let b = LayerOrderBackend()
        _ = try? forward(b, 0)
        return b.layers
    }

    /// Starts this model from a WayCue detector graph (a `.wcm` from `waycue export`, fp32 or
    /// int8, with or without a mask head) of the same architecture.
    ///
    /// Every convolution is copied in; the output layers' class rows are matched by class name
    /// (a class the graph lacks keeps its fresh initial row; box rows must have the same
    /// layout). Train it with batch norm on running statistics (``TrainConfig/frozenBatchNorm``),
    /// which reproduces the graph exactly.
    ///
    /// - Returns: The classes that start fresh.
    @discardableResult
    public func loadFoldedWeights(from graph: Graph) throws -> [String] {
        let convs = FoldedWeights.convolutions(of: graph)
        let layers = layersInForwardOrder
        let C = config.classNames.count, V = config.decoder.valuesPerCell
        let oldClasses = graph.classNames
        guard !oldClasses.isEmpty else { throw TrainingError.invalidConfig("the starting graph names no classes") }
        let boxValues = V - C
        // The output convolutions come last in each level; map their rows by class name.
        var rows: [Int?] = []
        for name in config.classNames { rows.append(oldClasses.firstIndex(of: name)) }
        for k in 0..<boxValues { rows.append(oldClasses.count + k) }
        for (i, layer) in layers.enumerated() {
            guard i < convs.count else { break }
            if case .conv = layer, convs[i].conv.config.outChannels != oldClasses.count + boxValues {
                throw TrainingError.invalidConfig("the starting graph's output '\(convs[i].name)' has \(convs[i].conv.config.outChannels) values per cell, expected \(oldClasses.count) classes + \(boxValues) box values")
            }
        }
        // Load layer by layer: ConvBN layers directly, output layers through the row map.
        for (i, layer) in layers.enumerated() {
            guard i < convs.count else {
                throw TrainingError.invalidConfig("the graph has \(convs.count) convolutions, the model needs \(layers.count)")
            }
            if case .conv = layer {
                try FoldedWeights.load([layer], from: [convs[i]], outputRows: rows)
            } else {
                try FoldedWeights.load([layer], from: [convs[i]], inputScale: i == 0 ? 1 / 255 : 1)
            }
        }
        return config.classNames.filter { !oldClasses.contains($0) }
    }

    /// Stops gradients into a part of the model (its parameters keep their values).
    public func freeze(_ part: FrozenPart) {
        let prefixes: [String]
        switch part {
        case .none: return
        case .backbone: prefixes = ["stem.", "stage"]
        case .backboneAndNeck: prefixes = ["stem.", "stage", "neck."]
        }
        for (name, v) in store.parameters where prefixes.contains(where: { name.hasPrefix($0) }) {
            v.requiresGrad = false
        }
    }
}

extension MaskHead {
    /// Starts this head from the mask head attached to another model (a `.wcm` written by
    /// `waycue train-mask`): its folded convolutions are copied in, batch norm set to
    /// reproduce them exactly (see ``FoldedWeights``).
    ///
    /// The head must have the same classes, channels and low-level branch. Whether the head
    /// still fits is a question about the detector it will read: see
    /// ``MaskHead/featureDifference(_:_:)``.
    public func loadFoldedWeights(from graph: Graph) throws {
        guard let out = graph.outputs.first(where: { MaskHeadSpec(valueName: graph.values[$0].name) != nil }),
              let spec = MaskHeadSpec(valueName: graph.values[out].name) else {
            throw TrainingError.invalidConfig("the model has no mask head to start from")
        }
        guard spec.classNames == classNames, spec.stride == stride else {
            throw TrainingError.invalidConfig("its mask head has classes \(spec.classNames) at stride \(spec.stride); this head has \(classNames) at stride \(stride)")
        }
        let layers: [TrainLayer] = lowLayers.map { .convBN($0) } + self.layers.map { .convBN($0) } + [.conv(output)]
        // attach(to:) appends the head's convolutions after the detector's, in forward order.
        var convs: [(name: String, conv: Conv2D)] = []
        for n in graph.nodes { if case .conv(let c) = n.op { convs.append((n.name, c)) } }
        guard convs.count >= layers.count, let last = graph.nodes.last(where: { if case .conv = $0.op { return true }; return false }),
              last.output == out else {
            throw TrainingError.invalidConfig("the model's mask head is not the last part of its graph")
        }
        try FoldedWeights.load(layers, from: Array(convs.suffix(layers.count)))
    }

    /// How differently two graphs compute `values` (the features a mask head reads), or nil
    /// when their layouts differ.
    ///
    /// - Returns: `weights`: the largest absolute difference of the convolution weights and
    ///   biases (0 when the two detectors compute the same function); `inputScales`: the largest
    ///   relative difference of their int8 input scales (calibration on other images moves
    ///   them; the features then differ by quantisation noise only).
    public static func featureDifference(_ a: Graph, _ b: Graph, values: [String]) -> (weights: Float, inputScales: Float)? {
        func convChain(_ g: Graph) -> [Conv2D]? {
            var producer: [Int: Node] = [:]
            for n in g.nodes { producer[n.output] = n }
            var needed = Set<Int>()
            var stack: [Int] = []
            for name in values {
                guard let v = g.value(named: name) else { return nil }
                stack.append(v.id)
            }
            while let v = stack.popLast() {
                guard let n = producer[v], !needed.contains(v) else { continue }
                needed.insert(v)
                stack += n.inputs
            }
            return g.nodes.compactMap { n in
                guard needed.contains(n.output), case .conv(let c) = n.op else { return nil }
                return c
            }
        }
        guard let ca = convChain(a), let cb = convChain(b), ca.count == cb.count else { return nil }
        var weights: Float = 0, scales: Float = 0
        for (x, y) in zip(ca, cb) {
            guard x.config == y.config, (x.int8 == nil) == (y.int8 == nil) else { return nil }
            if let qx = x.int8, let qy = y.int8 {
                scales = max(scales, abs(qx.inputScale - qy.inputScale) / max(qx.inputScale, .leastNormalMagnitude))
            }
            for i in 0..<x.config.weightCount { weights = max(weights, abs(x.weights[i] - y.weights[i])) }
            for i in 0..<x.config.outChannels { weights = max(weights, abs(x.bias[i] - y.bias[i])) }
        }
        return (weights, scales)
    }
}
