import Foundation
import WayCueImage
import WayCueNN

/// Errors of ``Detector``.
public enum DetectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bundled default model is missing from this build's resources.
    case noDefaultModel
    /// The graph is not a WayCue detector graph (reason given).
    case notADetectorModel(String)
    /// The image could not be prepared.
    case badImage(String)

    public var description: String {
        switch self {
        case .noDefaultModel:
            "the default model (default.wcm) is missing from WayCueDetector's resources; install the WayCue_WayCueDetector.resources folder beside the program, or pass a model with --model"
        case .notADetectorModel(let r): "not a WayCue detector model: \(r)"
        case .badImage(let r): "cannot prepare the image: \(r)"
        }
    }
}

/// Runs a WayCue detector graph on images and returns detections in the images' own pixels.
///
/// ```swift
/// let detector = try Detector(model: try ModelFile.load(path: "model.wcm"), threads: 2)
/// let found = try detector.detect(image)
/// ```
///
/// A detector is not reentrant: call it from one thread at a time (it keeps its buffers).
public final class Detector: @unchecked Sendable {
    /// The graph being run.
    public let graph: Graph
    /// Class names in output order.
    public let classNames: [String]
    /// Output layout of a distribution head (WayCue's own, NanoDet-Plus); nil for the box
    /// layouts of imported YOLO models (see ``head``).
    public let decoder: DistributionBoxDecoder?
    /// How the output is read and the input prepared.
    public let head: ModelHead
    /// Input width and height.
    public let inputWidth: Int, inputHeight: Int
    /// Detections scoring below this are dropped.
    public var scoreThreshold: Float = 0.35
    /// Non-maximum suppression settings.
    public var nms = NMSOptions()
    /// The high-resolution signal pass that ``detect(_:)`` adds to the full-frame pass, nil for
    /// none (see ``SignalPassOptions``; ``Detector/default(threads:)`` turns it on where
    /// ``Detector/defaultModelUsesSignalPass`` says so).
    public var signalPass: SignalPassOptions?
    /// The model the signal pass's tiles run through, nil for this detector's own. A
    /// specialist trained on distant signal heads can serve here while this detector's model
    /// handles the full frame; it must not be used elsewhere at the same time (it is not
    /// reentrant either).
    public var signalModel: Detector?
    /// Whether the model carries int8 convolutions (it then runs in int8 precision).
    public let isQuantized: Bool
    /// The model's dense mask head (tactile paving and crossings), nil when it has none.
    /// ``analyze(_:)`` returns its mask beside the detections.
    public let maskHead: MaskHeadSpec?
    private let maskOutputIndex: Int?
    private let runner: GraphRunner
    private let lock = NSLock()

    /// Wraps a loaded detector graph.
    ///
    /// - Parameters:
    ///   - model: A graph written by `waycue export` (input `[1, 3, H, W]`, one output whose
    ///     name carries a ``DetectorHeadSpec``).
    ///   - threads: Threads for inference.
    public init(model: Graph, threads: Int = 1) throws {
        guard model.inputs.count == 1, !model.outputs.isEmpty else {
            throw DetectorError.notADetectorModel("needs one input and at least one output")
        }
        var maskSpec: MaskHeadSpec?, maskIndex: Int?
        for (i, o) in model.outputs.enumerated().dropFirst() {
            let v = model.values[o]
            guard maskSpec == nil, let m = MaskHeadSpec(valueName: v.name) else {
                throw DetectorError.notADetectorModel("output \(i) '\(v.name.prefix(80))' is neither the detection head nor a mask head (`\(MaskHeadSpec.prefix) stride=S classes=A,B`), or a second mask head")
            }
            let inShape = model.values[model.inputs[0]].shape
            guard inShape.w % m.stride == 0, inShape.h % m.stride == 0,
                  v.shape == TensorShape(n: 1, c: m.classNames.count, h: inShape.h / m.stride, w: inShape.w / m.stride) else {
                throw DetectorError.notADetectorModel("mask output '\(v.name.prefix(80))' has shape \(v.shape), expected [1, \(m.classNames.count), H/\(m.stride), W/\(m.stride)] of the input")
            }
            maskSpec = m
            maskIndex = i
        }
        let inShape = model.values[model.inputs[0]].shape
        guard inShape.n == 1, inShape.c == 3 else { throw DetectorError.notADetectorModel("input must be [1, 3, H, W], is \(inShape)") }
        let outName = model.values[model.outputs[0]].name
        guard let spec = ModelHead(valueName: outName) else {
            throw DetectorError.notADetectorModel(
                "output '\(outName.prefix(80))' does not describe a detection head (import the model with `waycue import`, which recognises WayCue, NanoDet-Plus, YOLOv8/YOLO11 and YOLOv5 heads, or give --layout)")
        }
        guard !model.classNames.isEmpty else {
            throw DetectorError.notADetectorModel("no class names (give them to `waycue import --names FILE`)")
        }
        let classCount = model.classNames.count
        let expected = spec.cellCount(inputWidth: inShape.w, inputHeight: inShape.h) * spec.valuesPerCell(classCount: classCount)
        guard model.values[model.outputs[0]].shape.count == expected else {
            throw DetectorError.notADetectorModel("output has \(model.values[model.outputs[0]].shape.count) values, the \(spec.layout.rawValue) head with \(classCount) classes needs \(expected)")
        }
        isQuantized = model.nodes.contains { if case .conv(let c) = $0.op { return c.int8 != nil }; return false }
        graph = model
        classNames = model.classNames
        decoder = spec.distributionDecoder(classCount: classCount)
        head = spec
        inputWidth = inShape.w
        inputHeight = inShape.h
        maskHead = maskSpec
        maskOutputIndex = maskIndex
        runner = try GraphRunner(graph: model, threads: max(1, threads), precision: isQuantized ? .int8 : .fp32)
    }

    /// Loads a `.wcm` file and wraps it.
    public convenience init(modelPath: String, threads: Int = 1) throws {
        try self.init(model: try ModelFile.load(path: modelPath), threads: threads)
    }

    /// The model bundled with the library (`Resources/default.wcm`, an int8 WayCue detector
    /// trained by `waycue train` on the recipe `datasets/recipes/default-model.yaml`; what it
    /// was trained on, how well it does per class and its limits are in ``defaultModelCard``).
    ///
    /// - Throws: ``DetectorError/noDefaultModel`` when the resource is missing from this build
    ///   (it never substitutes an untrained model), or the loader's error if it is damaged.
    public static func `default`(threads: Int = 1) throws -> Detector {
        guard let url = Bundle.module.url(forResource: "default", withExtension: "wcm") else {
            throw DetectorError.noDefaultModel
        }
        let d = try Detector(modelPath: url.path, threads: threads)
        // On where its model card measures that the signal pass helps.
        d.signalPass = defaultModelUsesSignalPass ? SignalPassOptions() : nil
        return d
    }

    /// Whether ``default(threads:)`` turns the signal pass on: only where the bundled model's
    /// card measures that it helps. For the model shipped now it does not (street photographs:
    /// mAP50 0.000 without it, 0.001 with it), so it is off; callers may still set
    /// ``signalPass``.
    public static let defaultModelUsesSignalPass = false

    /// The model card of the bundled default model (Markdown): data and credits, training
    /// settings, per-class accuracy, speed and known limits. `nil` when it is missing.
    public static var defaultModelCard: String? {
        Bundle.module.url(forResource: "MODEL_CARD", withExtension: "md")
            .flatMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    /// Raw head output for an image already letterboxed to the input size (RGB 0...255).
    public func rawOutput(letterboxed image: Image) throws -> [Float] {
        try rawOutputs(letterboxed: image, mask: false).head
    }

    /// Raw head output and, when `mask` is true and the model has a mask head, the mask
    /// head's logits (`[classes, H / stride, W / stride]`), for one letterboxed image.
    public func rawOutputs(letterboxed image: Image, mask: Bool) throws -> (head: [Float], mask: [Float]?) {
        guard image.width == inputWidth, image.height == inputHeight else {
            throw DetectorError.badImage("expected \(inputWidth)x\(inputHeight), got \(image.width)x\(image.height)")
        }
        let rgb = image.format == .rgb8 ? image : image.converted(to: .rgb8)
        lock.lock(); defer { lock.unlock() }
        let input = runner.input
        let plane = inputWidth * inputHeight
        let norm = head.input
        if norm == .waycue {
            rgb.pixels.withUnsafeBufferPointer { px in
                for y in 0..<inputHeight {
                    let row = y * rgb.stride
                    for x in 0..<inputWidth {
                        let o = row + x * 3, i = y * inputWidth + x
                        input.data[i] = Float(px[o])
                        input.data[plane + i] = Float(px[o + 1])
                        input.data[2 * plane + i] = Float(px[o + 2])
                    }
                }
            }
        } else {
            // Channel c of the model reads image channel src[c]; (pixel - mean) / std.
            let src = norm.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
            let mul = norm.std.map { 1 / $0 }, add = (0..<3).map { -norm.mean[$0] / norm.std[$0] }
            rgb.pixels.withUnsafeBufferPointer { px in
                for c in 0..<3 {
                    let s = src[c], m = mul[c], a = add[c], base = c * plane
                    for y in 0..<inputHeight {
                        let row = y * rgb.stride
                        for x in 0..<inputWidth { input.data[base + y * inputWidth + x] = Float(px[row + x * 3 + s]) * m + a }
                    }
                }
            }
        }
        runner.run()
        let out = runner.outputs[0]
        let headValues = Array(UnsafeBufferPointer(start: out.data, count: out.shape.count))
        guard mask, let mi = maskOutputIndex else { return (headValues, nil) }
        let m = runner.outputs[mi]
        return (headValues, Array(UnsafeBufferPointer(start: m.data, count: m.shape.count)))
    }

    /// Detects objects in one image; boxes are in the image's pixels. Runs the full-frame pass
    /// and, when ``signalPass`` is set, the signal pass.
    public func detect(_ image: Image) throws -> [Detection] {
        try detect(image, signalPass: signalPass)
    }

    /// The full-frame pass alone: the image letterboxed to the model's input.
    public func detectFullFrame(_ image: Image) throws -> [Detection] {
        nonMaxSuppression(try candidates(image, scoreThreshold: scoreThreshold), options: nms)
    }

    /// Every decoded detection scoring at least `scoreThreshold` in `image` letterboxed to the
    /// model's input, mapped back to the image's pixels, before non-maximum suppression;
    /// `clip` clips the boxes to the image.
    func candidates(_ image: Image, scoreThreshold: Float, clip: Bool = true) throws -> [Detection] {
        var ignored: SegmentationMask?
        return try candidates(image, scoreThreshold: scoreThreshold, clip: clip, mask: &ignored, wantMask: false)
    }

    /// ``candidates(_:scoreThreshold:clip:)`` that also returns the mask head's output when
    /// `wantMask` and the model has one.
    func candidates(_ image: Image, scoreThreshold: Float, clip: Bool, mask: inout SegmentationMask?,
                    wantMask: Bool) throws -> [Detection] {
        let boxed: (image: Image, transform: LetterboxTransform)
        switch head.input.resize {
        case .letterbox: boxed = image.letterboxed(toWidth: inputWidth, height: inputHeight, padValue: head.input.padValue)
        case .stretch:
            boxed = (image.resized(width: inputWidth, height: inputHeight),
                     LetterboxTransform(sourceWidth: image.width, sourceHeight: image.height,
                                        stretchedToWidth: inputWidth, height: inputHeight))
        }
        let (raw, maskLogits) = try rawOutputs(letterboxed: boxed.image, mask: wantMask)
        if let maskLogits, let spec = maskHead {
            mask = SegmentationMask(classNames: spec.classNames, gridWidth: inputWidth / spec.stride,
                                    gridHeight: inputHeight / spec.stride, stride: spec.stride,
                                    probabilities: maskLogits.map { 1 / (1 + expf(-$0)) }, transform: boxed.transform)
        }
        let decoded = raw.withUnsafeBufferPointer {
            head.decode($0, classCount: classNames.count, inputWidth: inputWidth, inputHeight: inputHeight,
                        scoreThreshold: scoreThreshold)
        }
        return decoded.map { c in
            Detection(objectClass: ObjectClass(classNames[c.classIndex]), score: c.score, box: boxed.transform.toSource(c.box, clip: clip))
        }
    }

    /// Detects objects (full frame and, when ``signalPass`` is set, the signal pass) and
    /// returns the mask head's coarse per-class mask of the full frame (nil when the model has
    /// no mask head).
    ///
    /// ```swift
    /// let (found, mask) = try detector.analyze(frame)
    /// let labels = mask?.labelMap(width: frame.width, height: frame.height)  // 0, 1 = tactile_guide, ...
    /// ```
    public func analyze(_ image: Image) throws -> (detections: [Detection], mask: SegmentationMask?) {
        try analyze(image, signalPass: signalPass)
    }

    /// ``analyze(_:)`` with an explicit signal pass setting (nil: full frame only).
    public func analyze(_ image: Image, signalPass: SignalPassOptions?) throws -> (detections: [Detection], mask: SegmentationMask?) {
        var mask: SegmentationMask?
        let full = nonMaxSuppression(try candidates(image, scoreThreshold: scoreThreshold, clip: true, mask: &mask,
                                                    wantMask: maskHead != nil), options: nms)
        return (try detect(image, signalPass: signalPass, fullFrame: full), mask)
    }

    /// Detects objects in several images (one after another on this detector's threads).
    public func detect(_ images: [Image]) throws -> [[Detection]] {
        try images.map { try detect($0) }
    }
}
