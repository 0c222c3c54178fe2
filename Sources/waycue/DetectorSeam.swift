import Foundation
import WayCueDetector

// ============================================================================================
// SEAM FOR THE LEAD: the real model-based detector.
//
// The `Detector` class (model inference, `.wcm` files) came with the train branch (merged from
// main), but it does not conform to `ObjectDetecting` yet and no trained model exists, so this
// seam still refuses. To wire it, replace the body of `makeDetector(modelPath:threads:)` with:
//
//     if let modelPath { return try Detector(modelPath: modelPath, threads: threads) }
//     return try Detector.default(threads: threads)
//
// (set `PipelineOptions.inputSize` to the model's `inputWidth` so frames are letterboxed once)
// and give `Detector` the `ObjectDetecting` conformance (it already has `detect(_:)`; it needs
// `modelID` and `classes`, e.g. `ObjectClass(name)` for each of `classNames`). Then switch
// `waycue demo`'s default `--detector` (DemoCommand.swift) from `.truth` to `.model` (which
// calls this function, so `Detector.default`), and `waycue bench pipeline`'s likewise; the
// ground-truth detector stays available as `--detector truth`.
// ============================================================================================

/// No model-based detector is available in this build.
struct DetectorUnavailable: Error, CustomStringConvertible {
    var description: String
}

/// The detector `waycue run --detector model` uses: the `.wcm` at `modelPath`, or the bundled
/// default model when `modelPath` is `nil`.
///
/// - Throws: ``DetectorUnavailable`` (exit 69) until the train branch's `Detector` is wired here.
func makeDetector(modelPath: String?, threads: Int) throws -> any ObjectDetecting {
    let what = modelPath.map { "the model \($0)" } ?? "the default model"
    throw DetectorUnavailable(description: """
        cannot load \(what): this build has no model-based detector yet (the Detector class is \
        being written on the train branch) and no trained model ships. Use --detector truth with a \
        .walk input (exact labels from the rendered walk) or --detector none (finds nothing; measures \
        capture, letterbox and the cue engine).
        """)
}
