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

    /// Per-class figures of the `--json` output: exactly `ap50`, `ap50_95`, `count`.
    public struct ClassFigures: Sendable, Codable, Equatable {
        /// AP at IoU 0.5.
        public var ap50: Double
        /// AP over IoU 0.5:0.95.
        public var ap50_95: Double
        /// Ground-truth boxes.
        public var count: Int
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
            per_class: Dictionary(uniqueKeysWithValues: result.perClass.map {
                ($0.key.rawValue, ClassFigures(ap50: $0.value.ap50, ap50_95: $0.value.ap50_95, count: $0.value.count))
            }),
            split: split, images: images.count, removed_near_duplicates: removed, unreadable_images: unreadable,
            images_without_predictions: withoutPredictions, unmatched_predictions: unmatched, confusion_matrix: cm)
        return (report, result)
    }
}
