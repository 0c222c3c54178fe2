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
/// detector graph with ``attach(to:featureValue:)``: one forward pass gives boxes and masks.
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
    let layers: [ConvBN]
    let output: ConvBias

    /// Creates a freshly initialised head (deterministic for a seed).
    public init(inChannels: Int, hidden: Int = 64, classNames: [String], stride: Int = 8,
                activation: TrainActivation = .leakyReLU, seed: UInt64 = 19) {
        precondition(inChannels > 0 && hidden > 0 && !classNames.isEmpty, "mask head sizes must be positive")
        let s = ParameterStore(seed: seed)
        store = s
        self.classNames = classNames
        self.inChannels = inChannels
        self.hidden = hidden
        self.stride = stride
        layers = [
            ConvBN(s, "mask.0.dw", in: inChannels, out: inChannels, kernel: 3, groups: inChannels, activation: activation),
            ConvBN(s, "mask.0.pw", in: inChannels, out: hidden, kernel: 1, activation: activation),
            ConvBN(s, "mask.1.dw", in: hidden, out: hidden, kernel: 3, groups: hidden, activation: activation),
            ConvBN(s, "mask.1.pw", in: hidden, out: hidden, kernel: 1, activation: activation),
        ]
        // A prior of about 5% on every class (paving covers a small part of most frames).
        output = ConvBias(s, "mask.out", in: hidden, out: classNames.count,
                          biasInit: [Float](repeating: -3, count: classNames.count))
    }

    /// The forward pass on any backend: logits `[n, classes, h, w]` for features `[n, inChannels, h, w]`.
    public func forward<B: ModelBackend>(_ b: B, _ x: B.T) throws -> B.T {
        var y = x
        for l in layers { y = try b.convBN(l, y) }
        return try b.conv(output, y)
    }

    /// The head's description in a graph (the output value's name).
    public var spec: MaskHeadSpec { MaskHeadSpec(stride: stride, classNames: classNames) }

    /// Adds the head to a detector graph, reading `featureValue` (the input of the detector's
    /// stride-8 head), and returns the graph with the detector's outputs unchanged and the mask
    /// logits as one more output, named by ``spec``. The detector's own layers, int8 or fp32,
    /// are not touched; the head runs in fp32 with its batch norm folded.
    public func attach(to graph: Graph, featureValue: String) throws -> Graph {
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
        for l in layers { y = try backend.convBN(l, y) }
        let out = try b.conv(y, out: classNames.count, kernel: 1, weights: output.weight.values, bias: output.bias.values,
                             name: spec.valueName)
        return try b.build(outputs: b.existingOutputs + [out], classNames: graph.classNames)
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
