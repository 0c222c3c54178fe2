import WayCueImage

/// Anything that finds objects in an image: the seam between the detector layer and the
/// layers that consume detections (the walking pipeline, the HTTP service).
///
/// `Detector` is the production conformer; tests and tools may provide others (for example a
/// detector that replays recorded detections). Implementations keep scratch buffers, so one
/// instance must not be used from two threads at once; callers that serve several threads keep
/// one instance per thread or serialize access.
public protocol ObjectDetecting: AnyObject {
    /// A stable identifier of the model in use (name and content hash, for example).
    var modelID: String { get }
    /// The classes this detector can report, in model order.
    var classes: [ObjectClass] { get }
    /// Finds objects in `image`; boxes are in `image`'s own pixel coordinates.
    func detect(_ image: Image) throws -> [Detection]
}
