import Foundation
import WayCueCapture
import WayCueDetector
import WayCueImage
import WayCuePipeline
import WayCueSynth

/// Seeded imperfections a ``GroundTruthDetector`` can add, to exercise the cue layer's
/// robustness. Deterministic per frame: the same frame always gets the same noise, whichever
/// frames were dropped before it.
public struct GroundTruthNoise: Sendable, Hashable {
    /// Seed of every random choice.
    public var seed: UInt64 = 1
    /// Probability that a label is missed on a frame (0...1).
    public var dropout: Double = 0
    /// Score of every detection before jitter.
    public var baseScore: Float = 1
    /// Scores are lowered by up to this much (uniform), then clamped to 0...1.
    public var scoreJitter: Float = 0
    /// Box edges move by up to this many pixels of the detector's input (uniform).
    public var boxJitter: Float = 0

    /// Exact labels, score 1.
    public static let none = GroundTruthNoise()

    /// Creates settings.
    public init(seed: UInt64 = 1, dropout: Double = 0, baseScore: Float = 1, scoreJitter: Float = 0,
                boxJitter: Float = 0) {
        self.seed = seed
        self.dropout = dropout
        self.baseScore = baseScore
        self.scoreJitter = scoreJitter
        self.boxJitter = boxJitter
    }
}

/// An ``ObjectDetecting`` that answers with the exact labels the walk renderer drew in the frame
/// (optionally with seeded noise), NOT a trained model. `waycue demo --detector truth` and the
/// end-to-end tests use it, and say so; it shows what the cue layer does with perfect (or
/// deliberately degraded) detections, apart from what a model misses.
///
/// The ``Pipeline`` tells it which frame is coming (``FrameContextDetecting``); `detect(_:)` then
/// returns that frame's labels in the given image's pixels (mapped through the letterbox).
///
/// With `masks: true` it is also a ``MaskDetecting`` whose masks are the renderer's exact
/// ground markings (tactile guide, tactile warning, crosswalk) sampled at the mask head's
/// stride of 8 input pixels, so the cue layer follows paving as it would with a mask-head model.
public final class GroundTruthDetector: FrameContextDetecting, MaskDetecting {
    /// Names itself as ground truth in every output.
    public let modelID = "ground-truth (the walk renderer's exact labels, not a model)"
    /// The canonical taxonomy.
    public let classes = ObjectClass.canonical
    /// The noise added.
    public let noise: GroundTruthNoise
    private let book: WalkTruthBook
    private var prepared: [Detection]?
    private var preparedMask: (image: Image, transform: LetterboxTransform?)?
    /// Whether ``detectWithMask(_:includeSignalPass:)`` gives the exact marking masks.
    public let producesMasks: Bool
    /// The mask's stride in detector-input pixels (the mask head's).
    public static let maskStride = 8
    /// Frames asked for whose truth was no longer kept (should stay 0).
    public private(set) var missingTruth = 0

    /// Creates a detector reading `book` (the walk source's).
    ///
    /// With `masks`, the walk source must keep marking masks (``WalkFrameSource/keepMasks``).
    public init(book: WalkTruthBook, noise: GroundTruthNoise = .none, masks: Bool = false) {
        self.book = book
        self.noise = noise
        self.producesMasks = masks
    }

    /// Looks up the frame's labels and maps them into the detector input.
    public func prepare(for frame: Frame, transform: LetterboxTransform?) {
        preparedMask = producesMasks ? book.markingMask(for: frame.sequence).map { ($0, transform) } : nil
        guard let truth = book.truth(for: frame.sequence) else {
            missingTruth += 1
            prepared = []
            return
        }
        var rng = SynthRandom(seed: noise.seed ^ (frame.sequence &* 0x9E37_79B9_7F4A_7C15))
        var out: [Detection] = []
        for label in truth.labels where label.box.count == 4 {
            var box = Box(x1: label.box[0], y1: label.box[1], x2: label.box[2], y2: label.box[3])
            if let transform { box = transform.toTarget(box) }
            if noise.dropout > 0, rng.unit() < noise.dropout { continue }
            var score = noise.baseScore
            if noise.scoreJitter > 0 { score -= noise.scoreJitter * Float(rng.unit()) }
            if noise.boxJitter > 0 {
                func j() -> Float { (Float(rng.unit()) * 2 - 1) * noise.boxJitter }
                box = Box(x1: box.x1 + j(), y1: box.y1 + j(), x2: box.x2 + j(), y2: box.y2 + j())
                if box.x2 <= box.x1 || box.y2 <= box.y1 { continue }
            }
            out.append(Detection(objectClass: ObjectClass(label.objectClass), score: min(1, max(0, score)), box: box))
        }
        prepared = out
    }

    /// The prepared frame's labels (empty when no frame was prepared).
    public func detect(_ image: Image) throws -> [Detection] {
        defer { prepared = nil }
        return prepared ?? []
    }

    /// The prepared frame's labels and, with masks on, its exact marking mask over `image`
    /// (the detector input): each stride-8 cell takes the class under its centre.
    public func detectWithMask(_ image: Image, includeSignalPass: Bool) throws -> (detections: [Detection], mask: SegmentationMask?) {
        let dets = try detect(image)
        defer { preparedMask = nil }
        guard producesMasks, let (marks, transform) = preparedMask else { return (dets, nil) }
        let names = [SynthClass.tactileGuide, .tactileWarning, .crosswalk].map(\.rawValue)
        let stride = Self.maskStride
        let gw = max(1, image.width / stride), gh = max(1, image.height / stride)
        var planes = [Float](repeating: 0, count: names.count * gw * gh)
        for gy in 0..<gh {
            for gx in 0..<gw {
                var x = (Float(gx) + 0.5) * Float(stride), y = (Float(gy) + 0.5) * Float(stride)
                if let transform { (x, y) = transform.toSource(x: x, y: y) }
                let px = Int(x), py = Int(y)
                guard px >= 0, py >= 0, px < marks.width, py < marks.height else { continue }
                let v = Int(marks.pixels[py * marks.width + px])
                if v >= 1 && v <= names.count { planes[(v - 1) * gw * gh + gy * gw + gx] = 1 }
            }
        }
        let identity = LetterboxTransform(sourceWidth: image.width, sourceHeight: image.height,
                                          targetWidth: image.width, targetHeight: image.height)
        return (dets, SegmentationMask(classNames: names, gridWidth: gw, gridHeight: gh, stride: stride,
                                       probabilities: planes, transform: identity))
    }
}
