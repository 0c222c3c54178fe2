import Foundation
import WayCueDetector
import WayCueNN

/// The WayCue detector: ShuffleNetV2 backbone, a light PAN neck (top-down and bottom-up sums,
/// depthwise stride-2 downsampling) and a depthwise-separable anchor-free head per level whose
/// output follows ``DistributionBoxDecoder``.
public final class DetectorModel: @unchecked Sendable {
    /// Architecture.
    public let config: ModelConfig
    /// Parameters and statistics.
    public let store: ParameterStore

    let stem: ConvBN
    let stages: [[ShuffleBlock]]
    let lateral: [ConvBN]
    let downsample: [ConvBN]
    let extra: ConvBN?
    let head: [[ConvBN]]
    let output: [ConvBias]

    /// Builds a freshly initialised model (deterministic for a seed).
    public init(config: ModelConfig, seed: UInt64 = 0) {
        self.config = config
        let s = ParameterStore(seed: seed)
        store = s
        let act = config.activation
        stem = ConvBN(s, "stem", in: 3, out: config.stemChannels, kernel: 3, stride: 2, activation: act)
        var cin = config.stemChannels
        var st: [[ShuffleBlock]] = []
        for (i, cout) in config.stageChannels.enumerated() {
            var blocks: [ShuffleBlock] = []
            for r in 0..<config.stageRepeats[i] {
                blocks.append(ShuffleBlock(s, "stage\(i + 2).\(r)", in: r == 0 ? cin : cout, out: cout, stride: r == 0 ? 2 : 1, act: act))
            }
            st.append(blocks)
            cin = cout
        }
        stages = st
        let nc = config.neckChannels
        lateral = config.stageChannels.enumerated().map { ConvBN(s, "neck.lateral\($0.offset)", in: $0.element, out: nc, kernel: 1, activation: act) }
        downsample = (0..<2).map { ConvBN(s, "neck.down\($0)", in: nc, out: nc, kernel: 3, stride: 2, groups: nc, activation: act) }
        extra = config.strides.count > 3 ? ConvBN(s, "neck.extra", in: nc, out: nc, kernel: 3, stride: 2, groups: nc, activation: act) : nil
        let levels = config.strides.count
        let V = config.decoder.valuesPerCell, C = config.classNames.count
        // Class logits start at a prior of 0.01 (focal-loss practice); box logits at zero.
        let biasInit = (0..<V).map { $0 < C ? Float(-4.595) : 0 }
        head = (0..<levels).map { l in
            (0..<config.headConvs).flatMap { i in
                [ConvBN(s, "head\(l).\(i).dw", in: nc, out: nc, kernel: config.headKernel, groups: nc, activation: act),
                 ConvBN(s, "head\(l).\(i).pw", in: nc, out: nc, kernel: 1, activation: act)]
            }
        }
        output = (0..<levels).map { ConvBias(s, "head\($0).out", in: nc, out: V, biasInit: biasInit) }
    }

    /// The forward pass on any backend: one head output `[n, valuesPerCell, h, w]` per level.
    public func forward<B: ModelBackend>(_ b: B, _ x: B.T) throws -> [B.T] {
        var y = try b.maxPool3s2(try b.convBN(stem, x))
        var feats: [B.T] = []
        for stage in stages {
            for block in stage { y = try block.forward(b, y) }
            feats.append(y)
        }
        let l = try zip(lateral, feats).map { try b.convBN($0.0, $0.1) }
        // Top-down.
        let p5 = l[2]
        let p4 = try b.add(l[1], try b.resize(p5, like: l[1]))
        let p3 = try b.add(l[0], try b.resize(p4, like: l[0]))
        // Bottom-up.
        let n3 = p3
        let n4 = try b.add(p4, try b.convBN(downsample[0], n3))
        let n5 = try b.add(p5, try b.convBN(downsample[1], n4))
        var levels = [n3, n4, n5]
        if let extra { levels.append(try b.convBN(extra, n5)) }
        return try levels.enumerated().map { i, f in
            var h = f
            for layer in head[i] { h = try b.convBN(layer, h) }
            return try b.conv(output[i], h)
        }
    }

    /// Builds the WayCueNN inference graph (batch 1, batch norm folded, activations fused) with
    /// one output `[1, cells, valuesPerCell, 1]` in the ``DistributionBoxDecoder`` layout.
    /// The input is raw RGB `0...255` (letterboxed, pad 114); the output value's name carries
    /// the decoder description (see ``DetectorHeadSpec``).
    ///
    /// - Parameters:
    ///   - inputWidth: Input width (default: the training size). The network is fully
    ///     convolutional, so a graph for the camera's aspect ratio (320x256 for 4:3, say: each
    ///     side a multiple of the largest stride) runs the same weights without a square letterbox.
    ///   - inputHeight: Input height (default: the training size).
    public func exportGraph(inputWidth: Int? = nil, inputHeight: Int? = nil) throws -> Graph {
        let w = inputWidth ?? config.inputSize, h = inputHeight ?? config.inputSize
        let largest = config.strides.max() ?? 32
        guard w > 0, h > 0, w % largest == 0, h % largest == 0 else {
            throw TrainingError.invalidConfig("export input \(w)x\(h): each side must be a positive multiple of the largest stride \(largest)")
        }
        let b = GraphBuilder()
        let x = b.input("image", TensorShape(n: 1, c: 3, h: h, w: w))
        let outs = try forward(GraphBackend(builder: b, inputScale: 1 / 255), x)
        var flat: [Value] = []
        for (i, o) in outs.enumerated() {
            let s = o.shape
            let r = try b.reshape(o, TensorShape(n: 1, c: 1, h: s.c, w: s.h * s.w), name: "level\(i).chw")
            let t = b.transpose(r, name: "level\(i).hwc")
            // [1, cells, values, 1]: channel = cell, so a channel concat keeps the cell-major layout
            // (and every dimension stays within the .wcm format's limit).
            flat.append(try b.reshape(t, TensorShape(n: 1, c: s.h * s.w, h: s.c, w: 1), name: "level\(i).flat"))
        }
        let out = flat.count == 1 ? flat[0] : try b.concat(flat, name: DetectorHeadSpec(decoder: config.decoder).valueName)
        return try b.build(outputs: [out], classNames: config.classNames)
    }
}

/// A ShuffleNetV2 unit: stride 2 (both branches downsample, then concatenate) or stride 1
/// (split channels, transform one half), followed by a two-group channel shuffle.
final class ShuffleBlock: @unchecked Sendable {
    let stride: Int
    let branch1: [ConvBN]
    let branch2: [ConvBN]

    init(_ s: ParameterStore, _ name: String, in cin: Int, out cout: Int, stride: Int, act: TrainActivation) {
        self.stride = stride
        let half = cout / 2
        if stride == 2 {
            branch1 = [ConvBN(s, name + ".b1.dw", in: cin, out: cin, kernel: 3, stride: 2, groups: cin, activation: nil),
                       ConvBN(s, name + ".b1.pw", in: cin, out: half, kernel: 1, activation: act)]
        } else {
            branch1 = []
        }
        let b2in = stride == 2 ? cin : half
        branch2 = [ConvBN(s, name + ".b2.pw1", in: b2in, out: half, kernel: 1, activation: act),
                   ConvBN(s, name + ".b2.dw", in: half, out: half, kernel: 3, stride: stride, groups: half, activation: nil),
                   ConvBN(s, name + ".b2.pw2", in: half, out: cout - half, kernel: 1, activation: act)]
    }

    func forward<B: ModelBackend>(_ b: B, _ x: B.T) throws -> B.T {
        if stride == 2 {
            var a = x, c = x
            for l in branch1 { a = try b.convBN(l, a) }
            for l in branch2 { c = try b.convBN(l, c) }
            return try b.shuffle2(try b.concat([a, c]))
        }
        let (x1, x2) = try b.split(x)
        var c = x2
        for l in branch2 { c = try b.convBN(l, c) }
        return try b.shuffle2(try b.concat([x1, c]))
    }
}
