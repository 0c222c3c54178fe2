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

/// A detector that can also return a dense mask (tactile paving, crossings) from the same pass.
///
/// The walking pipeline asks conformers for ``detectWithMask(_:includeSignalPass:)`` and hands
/// the mask to the cue engine; ``Detector`` conforms, returning a mask when its model has a
/// mask head.
public protocol MaskDetecting: ObjectDetecting {
    /// Whether ``detectWithMask(_:includeSignalPass:)`` returns masks (the model has a mask head).
    var producesMasks: Bool { get }
    /// Detections as ``ObjectDetecting/detect(_:)`` finds them (with the signal pass when
    /// `includeSignalPass` and the detector has one) and the mask of the full frame.
    func detectWithMask(_ image: Image, includeSignalPass: Bool) throws -> (detections: [Detection], mask: SegmentationMask?)
}
