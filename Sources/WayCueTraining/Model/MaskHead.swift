import Foundation
import WayCueDetector
import WayCueNN

/// A dense head that predicts per-class masks (tactile paving, crossings) at `1 / stride` of
/// the network input from the detector's finest neck level.
///
/// Two depthwise-separable blocks (depthwise 3x3 + batch norm + activation, 1x1 + batch norm +
/// activation) and a 1x1 output with one logit plane per class. It reads the feature map that
/// feeds the detector's stride-8 head, so it can be trained on its own while the detector's
/// layers stay frozen (see ``MaskHeadTrainer``) and then attached to a trained, even quantized,
/// detector graph with ``attach(to:featureValue:lowValue:)``: one forward pass gives boxes and masks.
///
/// With `lowChannels > 0` it also reads the detector's stride-4 stem output (the first pooling's
/// output: colour and edges, before the box-trained layers) through a trainable branch of its
/// own (depthwise 3x3 + 1x1 at stride 4, then depthwise 3x3 stride 2 + 1x1), concatenated with
/// the neck features: the neck was trained for boxes on a narrower range of ground textures,
/// and this branch lets the head learn the textures of worn, grey, red or steel paving itself.
public final class MaskHead: @unchecked Sendable {
    /// Parameters and batch-norm statistics.
    public let store: ParameterStore
    /// Class of each output plane, in order.
    public let classNames: [String]
    /// Channels of the feature map it reads.
    public let inChannels: Int
    /// Channels inside the head.
    public let hidden: Int
    /// Network input pixels per output cell (the feature map's stride).
    public let stride: Int
    /// Channels of the stride-4 stem output the low-level branch reads (0: no branch).
    public let lowInChannels: Int
    /// Channels the low-level branch adds to the neck features (0: no branch).
    public let lowChannels: Int
    let lowLayers: [ConvBN]
    let layers: [ConvBN]
    let output: ConvBias

    /// Creates a freshly initialised head (deterministic for a seed).
    ///
    /// - Parameters:
    ///   - lowInChannels: Channels of the stride-4 stem output (used when `lowChannels > 0`).
    ///   - lowChannels: Channels of the low-level branch (0: the head reads the neck only).
    public init(inChannels: Int, hidden: Int = 64, classNames: [String], stride: Int = 8,
                lowInChannels: Int = 0, lowChannels: Int = 0,
                activation: TrainActivation = .leakyReLU, seed: UInt64 = 19) {
        precondition(inChannels > 0 && hidden > 0 && !classNames.isEmpty, "mask head sizes must be positive")
        precondition(lowChannels == 0 || lowInChannels > 0, "a low-level branch needs the stem's channel count")
        let s = ParameterStore(seed: seed)
        store = s
        self.classNames = classNames
        self.inChannels = inChannels
        self.hidden = hidden
        self.stride = stride
        self.lowInChannels = lowChannels > 0 ? lowInChannels : 0
        self.lowChannels = lowChannels
        lowLayers = lowChannels > 0 ? [
            ConvBN(s, "mask.low.0.dw", in: lowInChannels, out: lowInChannels, kernel: 3, groups: lowInChannels, activation: activation),
            ConvBN(s, "mask.low.0.pw", in: lowInChannels, out: lowChannels, kernel: 1, activation: activation),
            ConvBN(s, "mask.low.1.dw", in: lowChannels, out: lowChannels, kernel: 3, stride: 2, groups: lowChannels, activation: activation),
            ConvBN(s, "mask.low.1.pw", in: lowChannels, out: lowChannels, kernel: 1, activation: activation),
        ] : []
        let c0 = inChannels + lowChannels
        layers = [
            ConvBN(s, "mask.0.dw", in: c0, out: c0, kernel: 3, groups: c0, activation: activation),
            ConvBN(s, "mask.0.pw", in: c0, out: hidden, kernel: 1, activation: activation),
            ConvBN(s, "mask.1.dw", in: hidden, out: hidden, kernel: 3, groups: hidden, activation: activation),
            ConvBN(s, "mask.1.pw", in: hidden, out: hidden, kernel: 1, activation: activation),
        ]
        // A prior of about 5% on every class (paving covers a small part of most frames).
        output = ConvBias(s, "mask.out", in: hidden, out: classNames.count,
                          biasInit: [Float](repeating: -3, count: classNames.count))
    }

    /// The forward pass on any backend: logits `[n, classes, h, w]` for features `[n, inChannels, h, w]`
    /// (and, with a low-level branch, the stem output `[n, lowInChannels, 2h, 2w]`).
    public func forward<B: ModelBackend>(_ b: B, _ x: B.T, low: B.T? = nil) throws -> B.T {
        var y = x
        if lowChannels > 0 {
            guard var z = low else { throw TrainingError.invalidConfig("this mask head reads the stride-4 stem output too") }
            for l in lowLayers { z = try b.convBN(l, z) }
            y = try b.concat([x, z])
        }
        for l in layers { y = try b.convBN(l, y) }
        return try b.conv(output, y)
    }

    /// The head's description in a graph (the output value's name).
    public var spec: MaskHeadSpec { MaskHeadSpec(stride: stride, classNames: classNames) }

    /// Adds the head to a detector graph, reading `featureValue` (the input of the detector's
    /// stride-8 head), and returns the graph with the detector's outputs unchanged and the mask
    /// logits as one more output, named by ``spec``. The detector's own layers, int8 or fp32,
    /// are not touched; the head runs in fp32 with its batch norm folded. A head with a
    /// low-level branch also reads `lowValue` (see ``lowFeatureValue(in:)``).
    public func attach(to graph: Graph, featureValue: String, lowValue: String? = nil) throws -> Graph {
        let b = GraphBuilder(extending: graph)
        guard let f = b.existing(named: featureValue) else {
            throw TrainingError.invalidConfig("the detector graph has no value named '\(featureValue)'")
        }
        guard f.shape.c == inChannels else {
            throw TrainingError.invalidConfig("value '\(featureValue)' has \(f.shape.c) channels, the mask head reads \(inChannels)")
        }
        let input = graph.values[graph.inputs[0]].shape
        guard f.shape.w * stride == input.w, f.shape.h * stride == input.h else {
            throw TrainingError.invalidConfig("value '\(featureValue)' is \(f.shape.w)x\(f.shape.h), not 1/\(stride) of the \(input.w)x\(input.h) input")
        }
        guard !graph.outputs.contains(where: { MaskHeadSpec(valueName: graph.values[$0].name) != nil }) else {
            throw TrainingError.invalidConfig("the detector graph already has a mask head")
        }
        let backend = GraphBackend(builder: b)
        var y = f
        if lowChannels > 0 {
            guard let name = lowValue, let lv = b.existing(named: name) else {
                throw TrainingError.invalidConfig("the mask head's low-level branch needs the detector's stride-4 stem output")
            }
            guard lv.shape.c == lowInChannels, lv.shape.w == 2 * f.shape.w, lv.shape.h == 2 * f.shape.h else {
                throw TrainingError.invalidConfig("value '\(name)' is \(lv.shape.c)x\(lv.shape.h)x\(lv.shape.w), the low-level branch reads \(lowInChannels) channels at twice the feature map's size")
            }
            var z = lv
            for l in lowLayers { z = try backend.convBN(l, z) }
            y = try b.concat([f, z])
        }
        for l in layers { y = try backend.convBN(l, y) }
        let out = try b.conv(y, out: classNames.count, kernel: 1, weights: output.weight.values, bias: output.bias.values,
                             name: spec.valueName)
        return try b.build(outputs: b.existingOutputs + [out], classNames: graph.classNames)
    }

    /// The name of the detector's stride-4 stem output (the output of its first pooling, fed
    /// by the stem convolution on the graph input), or nil for a graph of another layout.
    public static func lowFeatureValue(in graph: Graph) -> String? {
        var producer: [Int: Node] = [:]
        for n in graph.nodes { producer[n.output] = n }
        guard let input = graph.inputs.first else { return nil }
        for n in graph.nodes {
            guard case .pool = n.op, let src = n.inputs.first, let p = producer[src], case .conv = p.op,
                  p.inputs.first == input else { continue }
            return graph.values[n.output].name
        }
        return nil
    }

    /// The name of the value a WayCue detector graph feeds its stride-8 head with.
    ///
    /// ``DetectorModel/exportGraph(inputWidth:inputHeight:)`` names the first level's head
    /// output `level0.chw` (a reshape of the head's last convolution); walking back from it
    /// through the head's chain of convolutions reaches the neck's stride-8 feature map, the
    /// first value not made by a convolution.
    public static func featureValue(in graph: Graph) -> String? {
        var producer: [Int: Node] = [:]
        for n in graph.nodes { producer[n.output] = n }
        guard let level0 = graph.value(named: "level0.chw"), var v = producer[level0.id]?.inputs.first else { return nil }
        var convs = 0
        while let n = producer[v], case .conv = n.op, n.inputs.count == 1 {
            v = n.inputs[0]
            convs += 1
        }
        guard convs >= 1 else { return nil }
        return graph.values[v].name
    }
}
