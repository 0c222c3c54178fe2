import Foundation
import WayCueDetector
import WayCueImage

/// Evaluates detections on one split of a ``LabeledDataset``, first removing the images that
/// are near-duplicates (dHash) of training images, so the figure is not inflated by leaks.
public enum DatasetEvaluation {
    /// Settings.
    public struct Options: Sendable {
        /// The split evaluated (`val` or `test`; `valid` reads as `val`).
        public var split: String = "val"
        /// Hamming threshold for near-duplicates of training images; nil keeps every image.
        public var nearDuplicateThreshold: Int? = 6
        /// Threads decoding images.
        public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        /// Score threshold of the confusion matrix.
        public var confusionScoreThreshold: Double = 0.25
        /// Creates default options.
        public init() {}
    }

    /// Per-class figures of the `--json` output: `ap50`, `ap50_95`, `count`, and per COCO size
    /// bucket (``SizeBucket``) `ap50_small`, `ap50_medium`, `ap50_large` (JSON `null` when the
    /// class has no ground-truth box of that size) and `count_small`, `count_medium`,
    /// `count_large`.
    public struct ClassFigures: Sendable, Codable, Equatable {
        /// AP at IoU 0.5.
        public var ap50: Double
        /// AP over IoU 0.5:0.95.
        public var ap50_95: Double
        /// Ground-truth boxes.
        public var count: Int
        /// AP at IoU 0.5 over small objects (area below 32² pixels), nil when there are none.
        public var ap50_small: Double?
        /// AP at IoU 0.5 over medium objects (32² up to 96² pixels), nil when there are none.
        public var ap50_medium: Double?
        /// AP at IoU 0.5 over large objects (96² pixels or more), nil when there are none.
        public var ap50_large: Double?
        /// Small ground-truth boxes.
        public var count_small: Int?
        /// Medium ground-truth boxes.
        public var count_medium: Int?
        /// Large ground-truth boxes.
        public var count_large: Int?

        /// Creates the figures; the size fields default to nil.
        public init(ap50: Double, ap50_95: Double, count: Int, ap50_small: Double? = nil, ap50_medium: Double? = nil,
                    ap50_large: Double? = nil, count_small: Int? = nil, count_medium: Int? = nil, count_large: Int? = nil) {
            self.ap50 = ap50
            self.ap50_95 = ap50_95
            self.count = count
            self.ap50_small = ap50_small
            self.ap50_medium = ap50_medium
            self.ap50_large = ap50_large
            self.count_small = count_small
            self.count_medium = count_medium
            self.count_large = count_large
        }

        /// The figures of one evaluated class.
        public init(_ e: ClassEvaluation) {
            self.init(ap50: e.ap50, ap50_95: e.ap50_95, count: e.count,
                      ap50_small: e.ap50(.small), ap50_medium: e.ap50(.medium), ap50_large: e.ap50(.large),
                      count_small: e.countBySize[.small] ?? 0, count_medium: e.countBySize[.medium] ?? 0,
                      count_large: e.countBySize[.large] ?? 0)
        }

        /// Encodes every field, writing `null` for an undefined size-bucket AP (rather than
        /// leaving the key out, as synthesised encoding would).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ap50, forKey: .ap50)
            try c.encode(ap50_95, forKey: .ap50_95)
            try c.encode(count, forKey: .count)
            try c.encode(ap50_small, forKey: .ap50_small)
            try c.encode(ap50_medium, forKey: .ap50_medium)
            try c.encode(ap50_large, forKey: .ap50_large)
            try c.encodeIfPresent(count_small, forKey: .count_small)
            try c.encodeIfPresent(count_medium, forKey: .count_medium)
            try c.encodeIfPresent(count_large, forKey: .count_large)
        }
    }

    /// The `waycue eval --json` object.
    public struct Report: Sendable, Codable, Equatable {
        /// Mean AP at IoU 0.5.
        public var map50: Double
        /// Mean AP over IoU 0.5:0.95.
        public var map50_95: Double
        /// Per canonical class name.
        public var per_class: [String: ClassFigures]
        /// The split evaluated.
        public var split: String
        /// Images evaluated.
        public var images: Int
        /// Images of the split removed as near-duplicates of training images.
        public var removed_near_duplicates: Int
        /// Images that could not be decoded (and were skipped).
        public var unreadable_images: Int
        /// Evaluated images with no prediction line.
        public var images_without_predictions: Int
        /// Prediction lines that matched no evaluated image (including removed ones).
        public var unmatched_predictions: Int
        /// The confusion matrix at IoU 0.5.
        public var confusion_matrix: ConfusionMatrix
        /// Mean AP at IoU 0.5 over small objects (area below 32² pixels of the evaluated
        /// image), over the classes that have small objects; nil (JSON `null`) when none has.
        public var ap50_small: Double?
        /// Mean AP at IoU 0.5 over medium objects (32² up to 96² pixels); nil when none.
        public var ap50_medium: Double?
        /// Mean AP at IoU 0.5 over large objects (96² pixels or more); nil when none.
        public var ap50_large: Double?
        /// Small ground-truth boxes, all classes.
        public var count_small: Int?
        /// Medium ground-truth boxes, all classes.
        public var count_medium: Int?
        /// Large ground-truth boxes, all classes.
        public var count_large: Int?

        /// Encodes every field, writing `null` for an undefined size-bucket AP.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(map50, forKey: .map50)
            try c.encode(map50_95, forKey: .map50_95)
            try c.encode(per_class, forKey: .per_class)
            try c.encode(split, forKey: .split)
            try c.encode(images, forKey: .images)
            try c.encode(removed_near_duplicates, forKey: .removed_near_duplicates)
            try c.encode(unreadable_images, forKey: .unreadable_images)
            try c.encode(images_without_predictions, forKey: .images_without_predictions)
            try c.encode(unmatched_predictions, forKey: .unmatched_predictions)
            try c.encode(confusion_matrix, forKey: .confusion_matrix)
            try c.encode(ap50_small, forKey: .ap50_small)
            try c.encode(ap50_medium, forKey: .ap50_medium)
            try c.encode(ap50_large, forKey: .ap50_large)
            try c.encodeIfPresent(count_small, forKey: .count_small)
            try c.encodeIfPresent(count_medium, forKey: .count_medium)
            try c.encodeIfPresent(count_large, forKey: .count_large)
        }
    }

    /// Runs the evaluation.
    ///
    /// - Throws: ``DatasetError`` when the split is absent or empty.
    public static func run(dataset: LabeledDataset, predictions: PredictionsFile, options: Options,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> (Report, EvaluationResult) {
        let split = SplitName.canonical(options.split)
        let evalSamples = dataset.samples(inSplit: split)
        guard !evalSamples.isEmpty else {
            throw DatasetError(.layout, file: dataset.samples.first.map { PathSupport.dirname($0.imagePath) } ?? "<dataset>",
                               field: "split", reason: "split '\(split)' has no images (splits: \(dataset.splits.joined(separator: ", ")))")
        }
        let trainSamples = options.nearDuplicateThreshold == nil || split == "train" ? [] : dataset.samples(inSplit: "train")
        let paths = evalSamples.map(\.imagePath) + trainSamples.map(\.imagePath)
        let scans = ImageScan.scan(paths: paths, jobs: options.jobs, progress: progress)
        let evalScans = Array(scans.prefix(evalSamples.count))
        var keep = [Bool](repeating: true, count: evalSamples.count)
        if let th = options.nearDuplicateThreshold, !trainSamples.isEmpty {
            let trainHashes = scans.suffix(trainSamples.count).compactMap(\.dHash)
            for (i, s) in evalScans.enumerated() {
                if let h = s.dHash, trainHashes.contains(where: { $0.distance(to: h) <= th }) { keep[i] = false }
            }
        }
        let removed = keep.filter { !$0 }.count
        let assigned = predictions.assign(to: evalSamples.map(\.imagePath))
        var images: [EvaluationImage] = []
        var unreadable = 0, withoutPredictions = 0
        var unmatched = assigned.unmatched.count
        for (i, s) in evalSamples.enumerated() {
            let dets = assigned.byPath[s.imagePath]
            guard keep[i] else {
                if dets != nil { unmatched += 1 }
                continue
            }
            guard let size = evalScans[i].size ?? s.size else { unreadable += 1; continue }
            if dets == nil { withoutPredictions += 1 }
            let gt = s.boxes.compactMap { b in b.objectClass.map { ($0, b.pixelBox(width: size.width, height: size.height)) } }
            images.append(EvaluationImage(id: s.imagePath, groundTruth: gt, detections: dets ?? []))
        }
        let result = DetectionEvaluator().evaluate(images)
        var classes = Array(result.perClass.keys)
        for c in result.classesWithoutGroundTruth where !classes.contains(c) { classes.append(c) }
        let order = Dictionary(uniqueKeysWithValues: ObjectClass.canonical.enumerated().map { ($1, $0) })
        classes.sort { (order[$0] ?? 1000, $0.rawValue) < (order[$1] ?? 1000, $1.rawValue) }
        let cm = ConfusionMatrix(images: images, classes: classes, scoreThreshold: options.confusionScoreThreshold)
        let report = Report(
            map50: result.map50, map50_95: result.map50_95,
            per_class: Dictionary(uniqueKeysWithValues: result.perClass.map { ($0.key.rawValue, ClassFigures($0.value)) }),
            split: split, images: images.count, removed_near_duplicates: removed, unreadable_images: unreadable,
            images_without_predictions: withoutPredictions, unmatched_predictions: unmatched, confusion_matrix: cm,
            ap50_small: result.map50(.small), ap50_medium: result.map50(.medium), ap50_large: result.map50(.large),
            count_small: result.perClass.values.reduce(0) { $0 + ($1.countBySize[.small] ?? 0) },
            count_medium: result.perClass.values.reduce(0) { $0 + ($1.countBySize[.medium] ?? 0) },
            count_large: result.perClass.values.reduce(0) { $0 + ($1.countBySize[.large] ?? 0) })
        return (report, result)
    }
}
