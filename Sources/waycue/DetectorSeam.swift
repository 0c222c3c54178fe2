import Foundation
import WayCueDetector

// The model-based detector for `waycue run`, `waycue demo --detector model` and
// `waycue bench pipeline --detector model`. Without --model it is the bundled default model;
// a build that lacks it throws `DetectorError.noDefaultModel` with a clear message, and never
// substitutes an untrained model.

/// No model-based detector is available in this build.
struct DetectorUnavailable: Error, CustomStringConvertible {
    var description: String
}

/// The detector `waycue run --detector model` uses: the `.wcm` at `modelPath`, or the bundled
/// default model when `modelPath` is `nil`.
///
/// - Throws: ``DetectorUnavailable`` (exit 69) when the model cannot be loaded.
func makeDetector(modelPath: String?, threads: Int) throws -> any ObjectDetecting {
    do {
        if let modelPath { return try Detector(modelPath: modelPath, threads: threads) }
        return try Detector.default(threads: threads)
    } catch let error as DetectorError {
        throw DetectorUnavailable(description: """
            \(error). Use --model FILE.wcm (made by `waycue train` and `waycue export`), or \
            --detector truth with a .walk input (exact labels from the rendered walk), or \
            --detector none (finds nothing; measures capture, letterbox and the cue engine).
            """)
    }
}
