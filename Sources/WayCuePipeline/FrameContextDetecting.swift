import WayCueCapture
import WayCueDetector
import WayCueImage

/// A detector that also wants to know which frame an image came from.
///
/// The ``Pipeline`` calls ``prepare(for:transform:)`` on the detection thread immediately
/// before each `detect(_:)` call, with the source frame and the letterbox that produced the
/// image (`nil` when the frame is passed unscaled). A detector that replays known labels (the
/// ground truth of a rendered walk, recorded detections) uses this to answer for the right
/// frame; a model-based detector has no need for it.
public protocol FrameContextDetecting: ObjectDetecting {
    /// Called right before `detect(_:)` with the frame the image was made from.
    func prepare(for frame: Frame, transform: LetterboxTransform?)
}

/// A test double that never finds anything, clearly not a detector: it measures the pipeline
/// around a detector (capture, letterbox, cue engine, memory) on cameras where no ground
/// truth exists, such as the vivid virtual camera. `waycue run --detector none`.
public final class NoDetectionsDetector: ObjectDetecting {
    /// `"none (test double: finds nothing)"`.
    public let modelID = "none (test double: finds nothing)"
    /// No classes.
    public let classes: [ObjectClass] = []
    /// Images seen.
    public private(set) var imagesSeen = 0

    /// Creates the double.
    public init() {}

    /// Returns no detections.
    public func detect(_ image: Image) throws -> [Detection] {
        imagesSeen += 1
        return []
    }
}
