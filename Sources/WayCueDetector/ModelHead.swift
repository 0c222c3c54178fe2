import Foundation
import WayCueImage

/// How a detector model's input is prepared from an RGB image: channel order, per-channel
/// mean and standard deviation (the model sees `(pixel - mean) / std`, pixels in `0...255`),
/// and how the image is fitted to the input (letterbox with a pad value, or stretch).
public struct InputNormalization: Sendable, Hashable, Codable {
    /// Channel order the model expects.
    public enum ChannelOrder: String, Sendable, Hashable, Codable { case rgb, bgr }
    /// How an image is fitted to the model's input.
    public enum Resize: String, Sendable, Hashable, Codable {
        /// Aspect ratio kept, centred, the rest padded.
        case letterbox
        /// Scaled to fill the input, aspect ratio not kept.
        case stretch
    }

    /// Channel order.
    public var channelOrder: ChannelOrder
    /// Mean per channel, in the model's channel order, in `0...255` units.
    public var mean: [Float]
    /// Standard deviation per channel, in the model's channel order (all positive).
    public var std: [Float]
    /// Fitting.
    public var resize: Resize
    /// Pad value of a letterbox (0...255).
    public var padValue: UInt8

    /// Creates a normalization.
    public init(channelOrder: ChannelOrder = .rgb, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1],
                resize: Resize = .letterbox, padValue: UInt8 = Image.letterboxPadValue) {
        self.channelOrder = channelOrder
        self.mean = mean
        self.std = std
        self.resize = resize
        self.padValue = padValue
    }

    /// WayCue's own models: raw RGB 0...255, letterboxed, pad 114.
    public static let waycue = InputNormalization()
    /// Ultralytics YOLO exports: RGB divided by 255, letterboxed, pad 114.
    public static let ultralytics = InputNormalization(std: [255, 255, 255])
    /// NanoDet-Plus exports: BGR with ImageNet-style mean/std in 0...255 units, stretched.
    public static let nanodet = InputNormalization(channelOrder: .bgr, mean: [103.53, 116.28, 123.675],
                                                   std: [57.375, 57.12, 58.395], resize: .stretch, padValue: 0)

    /// Why this normalization is unusable, or nil.
    public var problem: String? {
        guard mean.count == 3, std.count == 3 else { return "mean and std need 3 values each" }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            return "mean must be finite and std positive"
        }
        return nil
    }
}

/// How a detector graph's output is read and its input prepared: the head layout, its
/// decoding parameters and the input normalization, stored in the `.wcm` file as the name of
/// the graph's output value (the format keeps value names, so a model stays one file).
///
/// Two spellings are read:
/// - `dfl_head regmax=7 strides=8,16,32 offset=0.5`: WayCue's own trained models (class
///   logits, raw RGB input, letterbox pad 114);
/// - `waycue_head layout=yolov8 strides=8,16,32 probs=1 order=rgb mean=0,0,0 std=255,255,255
///   resize=letterbox pad=114` (and `regmax=`, `offset=` for distribution heads): models
///   brought in with `waycue import`.
///
/// Layouts (per image; `N` cells over all levels, `C` classes):
/// - ``Layout/distribution``: `[N, C + 4 (regMax + 1)]`, class scores then per side a
///   distribution over distance bins (WayCue, NanoDet-Plus);
/// - ``Layout/yolov8``: `[4 + C, N]`, channel-major, boxes `cx, cy, w, h` in input pixels and
///   class probabilities (Ultralytics YOLOv8, YOLO11);
/// - ``Layout/yolov5``: `[N, 5 + C]`, `cx, cy, w, h`, objectness, class probabilities
///   (YOLOv5); a box's score is objectness times class probability.
public struct ModelHead: Sendable, Hashable {
    /// Output layouts.
    public enum Layout: String, Sendable, Hashable, Codable, CaseIterable {
        /// Distance-bin distributions (WayCue's own head, NanoDet-Plus).
        case distribution
        /// Ultralytics YOLOv8/YOLO11: decoded boxes, no objectness, channel-major.
        case yolov8
        /// YOLOv5: decoded boxes with objectness, cell-major.
        case yolov5
    }

    /// The layout.
    public var layout: Layout
    /// Highest distance bin (distribution heads).
    public var regMax: Int
    /// Level strides in input pixels.
    public var strides: [Int]
    /// Cell-centre offset in cells (distribution heads: WayCue 0.5, NanoDet-Plus 0).
    public var centerOffset: Float
    /// Whether class scores are already probabilities (else logits).
    public var scoresAreProbabilities: Bool
    /// Input preparation.
    public var input: InputNormalization

    /// Creates a head description.
    public init(layout: Layout, regMax: Int = 7, strides: [Int] = [8, 16, 32], centerOffset: Float = 0.5,
                scoresAreProbabilities: Bool = false, input: InputNormalization = .waycue) {
        self.layout = layout
        self.regMax = regMax
        self.strides = strides
        self.centerOffset = centerOffset
        self.scoresAreProbabilities = scoresAreProbabilities
        self.input = input
    }

    /// The head of a WayCue-trained model.
    public init(_ spec: DetectorHeadSpec) {
        self.init(layout: .distribution, regMax: spec.regMax, strides: spec.strides, centerOffset: spec.centerOffset)
    }

    /// Reads `dfl_head ...` or `waycue_head ...`; nil when the name is neither or a field is invalid.
    public init?(valueName: String) {
        if let spec = DetectorHeadSpec(valueName: valueName) { self.init(spec); return }
        let parts = valueName.split(separator: " ")
        guard parts.first == "waycue_head" else { return nil }
        var kv: [String: String] = [:]
        for p in parts.dropFirst() {
            let f = p.split(separator: "=", maxSplits: 1)
            guard f.count == 2 else { return nil }
            kv[String(f[0])] = String(f[1])
        }
        func floats(_ s: String?) -> [Float]? { s.map { $0.split(separator: ",").compactMap { Float($0) } } }
        guard let l = kv["layout"].flatMap(Layout.init(rawValue:)),
              let strides = kv["strides"].map({ $0.split(separator: ",").compactMap { Int($0) } }),
              !strides.isEmpty, strides.allSatisfy({ (1...1024).contains($0) }) else { return nil }
        let reg = kv["regmax"].flatMap { Int($0) } ?? 7
        let off = kv["offset"].flatMap { Float($0) } ?? 0.5
        guard (1...64).contains(reg), off.isFinite else { return nil }
        var input = InputNormalization()
        if let o = kv["order"] { guard let v = InputNormalization.ChannelOrder(rawValue: o) else { return nil }; input.channelOrder = v }
        if let m = floats(kv["mean"]) { input.mean = m }
        if let s = floats(kv["std"]) { input.std = s }
        if let r = kv["resize"] { guard let v = InputNormalization.Resize(rawValue: r) else { return nil }; input.resize = v }
        if let p = kv["pad"] { guard let v = UInt8(p) else { return nil }; input.padValue = v }
        guard input.problem == nil else { return nil }
        self.init(layout: l, regMax: reg, strides: strides, centerOffset: off,
                  scoresAreProbabilities: kv["probs"] == "1", input: input)
    }

    /// The output value name that stores this description (`waycue_head ...`; WayCue's own
    /// heads keep their `dfl_head ...` spelling).
    public var valueName: String {
        if layout == .distribution, !scoresAreProbabilities, input == .waycue {
            return DetectorHeadSpec(decoder: DistributionBoxDecoder(classCount: 1, regMax: regMax, strides: strides,
                                                                    centerOffset: centerOffset)).valueName
        }
        func list(_ v: [Float]) -> String { v.map { String($0) }.joined(separator: ",") }
        var s = "waycue_head layout=\(layout.rawValue) strides=\(strides.map(String.init).joined(separator: ","))"
        if layout == .distribution { s += " regmax=\(regMax) offset=\(centerOffset)" }
        s += " probs=\(scoresAreProbabilities ? 1 : 0) order=\(input.channelOrder.rawValue) mean=\(list(input.mean))"
        s += " std=\(list(input.std)) resize=\(input.resize.rawValue) pad=\(input.padValue)"
        return s
    }

    /// Rows of the output over all levels for an input size (ceil division per level); a
    /// YOLOv5 head has three anchors, so three rows, per cell.
    public func cellCount(inputWidth: Int, inputHeight: Int) -> Int {
        let cells = strides.reduce(0) { $0 + (($1 + inputWidth - 1) / $1) * (($1 + inputHeight - 1) / $1) }
        return layout == .yolov5 ? 3 * cells : cells
    }

    /// Values per cell for `classCount` classes.
    public func valuesPerCell(classCount: Int) -> Int {
        switch layout {
        case .distribution: return classCount + 4 * (regMax + 1)
        case .yolov8: return 4 + classCount
        case .yolov5: return 5 + classCount
        }
    }

    /// The distribution decoder (nil for box layouts).
    public func distributionDecoder(classCount: Int) -> DistributionBoxDecoder? {
        layout == .distribution
            ? DistributionBoxDecoder(classCount: classCount, regMax: regMax, strides: strides, centerOffset: centerOffset) : nil
    }

    /// Decodes one image's output into candidates in input pixels: for box layouts every class
    /// scoring at least `scoreThreshold` at a cell gives a candidate; for distribution heads the
    /// best class of a cell does.
    public func decode(_ out: UnsafeBufferPointer<Float>, classCount C: Int, inputWidth: Int, inputHeight: Int,
                       scoreThreshold: Float) -> [DistributionBoxDecoder.Candidate] {
        let N = cellCount(inputWidth: inputWidth, inputHeight: inputHeight)
        switch layout {
        case .distribution:
            let d = distributionDecoder(classCount: C)!
            if !scoresAreProbabilities {
                return d.decode(out, inputWidth: inputWidth, inputHeight: inputHeight, scoreThreshold: scoreThreshold)
            }
            // Probabilities: turn the class part into logits (clamped) and reuse the decoder.
            var copy = Array(out)
            let per = d.valuesPerCell
            for n in 0..<N {
                for c in 0..<C {
                    let p = min(max(copy[n * per + c], 1e-7), 1 - 1e-7)
                    copy[n * per + c] = log(p / (1 - p))
                }
            }
            return copy.withUnsafeBufferPointer {
                d.decode($0, inputWidth: inputWidth, inputHeight: inputHeight, scoreThreshold: scoreThreshold)
            }
        case .yolov8:
            precondition(out.count >= N * (4 + C), "head output is smaller than the layout expects")
            var result: [DistributionBoxDecoder.Candidate] = []
            for n in 0..<N {
                for c in 0..<C {
                    let raw = out[(4 + c) * N + n]
                    let s = scoresAreProbabilities ? raw : 1 / (1 + exp(-raw))
                    guard s >= scoreThreshold else { continue }
                    let cx = out[n], cy = out[N + n], w = out[2 * N + n], h = out[3 * N + n]
                    result.append(.init(classIndex: c, score: s, box: Box(x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2)))
                }
            }
            return result
        case .yolov5:
            let per = 5 + C
            precondition(out.count >= N * per, "head output is smaller than the layout expects")
            var result: [DistributionBoxDecoder.Candidate] = []
            for n in 0..<N {
                let b = n * per
                let sig = { (v: Float) -> Float in self.scoresAreProbabilities ? v : 1 / (1 + exp(-v)) }
                let obj = sig(out[b + 4])
                guard obj >= scoreThreshold else { continue }
                for c in 0..<C {
                    let s = obj * sig(out[b + 5 + c])
                    guard s >= scoreThreshold else { continue }
                    let cx = out[b], cy = out[b + 1], w = out[b + 2], h = out[b + 3]
                    result.append(.init(classIndex: c, score: s, box: Box(x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2)))
                }
            }
            return result
        }
    }
}
