import Foundation
import WayCueDetector
import WayCueImage

extension PredictionsFile {
    /// Runs a detector on image files and collects its detections (unreadable images get none).
    ///
    /// - Parameters:
    ///   - detector: The detector (its thresholds apply; use a low score threshold for AP).
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
