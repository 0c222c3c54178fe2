import WayCueImage
/// `Detector` is the production ``ObjectDetecting``: the walking pipeline and the HTTP service
/// call it through that protocol.
extension Detector: ObjectDetecting {
    /// Identifies the model by input size, class count and precision, e.g.
    /// `nanodet-320x320-15cls-int8`. It is a description, not a content hash: two different
    /// trainings of the same configuration share it.
    public var modelID: String {
        "nanodet-\(inputWidth)x\(inputHeight)-\(classNames.count)cls-\(isQuantized ? "int8" : "fp32")"
    }

    /// The classes in model output order.
    public var classes: [ObjectClass] { classNames.map { ObjectClass(rawValue: $0) } }
}

extension Detector: MaskDetecting {
    /// Whether the model has a mask head.
    public var producesMasks: Bool { maskHead != nil }

    /// ``analyze(_:signalPass:)`` with the detector's own signal pass when `includeSignalPass`.
    public func detectWithMask(_ image: Image, includeSignalPass: Bool) throws -> (detections: [Detection], mask: SegmentationMask?) {
        try analyze(image, signalPass: includeSignalPass ? signalPassOptions : nil)
    }
}
