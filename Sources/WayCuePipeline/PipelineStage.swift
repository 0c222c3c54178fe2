/// The measured steps of the walking pipeline. Each has a ``LatencyHistogram`` in
/// ``PipelineStats``.
public enum PipelineStage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for the next frame inside the source. Cameras: until the driver delivered it
    /// (0 when a frame was already waiting).
    /// Recorded footage and rendered walks: reading and decoding together.
    case capture
    /// Converting a camera frame to RGB (MJPEG or YUV decode) inside the source's `next()`,
    /// from the later of the call and the driver's delivery; cameras only.
    case decode
    /// Time a captured frame waited for the detector to become free.
    case queue
    /// Letterboxing the frame to the detector's input size.
    case preprocess
    /// The detector's `detect` call.
    case inference
    /// The cue engine's `feed` (tracking, rules, arbitration and every sink).
    case cues
    /// From the frame leaving the driver (cameras) or the source (footage) to the cue engine
    /// having decided on it and its sinks having received any cue it produced.
    case frameToCue = "frame_to_cue"
}
