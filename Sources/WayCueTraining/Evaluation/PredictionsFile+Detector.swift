import Foundation
import WayCueDetector
import WayCueImage

extension Detector {
    /// Sets the thresholds COCO-style AP expects: score 0.05 and up to 100 detections per
    /// image, as `waycue eval --model` runs it (a higher threshold would cut the PR curve short).
    public func useEvaluationThresholds() {
        scoreThreshold = 0.05
        nms.maxDetections = 100
    }
}

extension PredictionsFile {
    /// Runs a detector on image files and collects its detections (unreadable images get none).
    ///
    /// - Parameters:
    ///   - detector: The detector (its thresholds apply; see ``Detector/useEvaluationThresholds()``
    ///     for AP).
    ///   - imagePaths: Images to run on.
    ///   - progress: Called with the number of images done.
    public static func detecting(with detector: Detector, imagePaths: [String],
                                 progress: ((Int) -> Void)? = nil) -> PredictionsFile {
        var entries: [(image: String, detections: [Detection])] = []
        for (i, p) in imagePaths.enumerated() {
            if let img = try? Image(contentsOfFile: p, as: .rgb8), let dets = try? detector.detect(img) {
                entries.append((p, dets))
            }
            progress?(i + 1)
        }
        return PredictionsFile(entries: entries)
    }
}
