import WayCueDetector

/// A binary segmentation mask in the detector's image coordinates (row-major, non-zero = on).
public struct CueMask: Sendable, Hashable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `width * height` values, row-major; non-zero means the class covers the pixel.
    public var values: [UInt8]

    /// Creates a mask; `values.count` must be `width * height` (otherwise the mask is ignored).
    public init(width: Int, height: Int, values: [UInt8]) {
        self.width = width
        self.height = height
        self.values = values
    }

    /// Whether the size and data agree.
    public var isValid: Bool { width > 0 && height > 0 && values.count == width * height }
}

/// One processed camera frame: its time, its detections and optional masks.
public struct CueFrame: Sendable {
    /// Capture time in seconds (any origin, increasing).
    public var timestamp: Double
    /// The detector's output for this frame.
    public var detections: [Detection]
    /// When processing finished (same clock); `nil` means no latency information.
    public var processedAt: Double?
    /// Optional segmentation masks by class (for example tactile paving from a future model).
    public var masks: [ObjectClass: CueMask]

    /// Creates a frame.
    public init(timestamp: Double, detections: [Detection], processedAt: Double? = nil,
                masks: [ObjectClass: CueMask] = [:]) {
        self.timestamp = timestamp
        self.detections = detections
        self.processedAt = processedAt
        self.masks = masks
    }
}

/// A misuse of the ``CueEngine``.
public enum CueEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A frame's timestamp is not a finite number.
    case invalidTimestamp(Double)
    /// A frame's timestamp is not later than the previous frame's.
    case timestampNotIncreasing(previous: Double, got: Double)

    public var description: String {
        switch self {
        case .invalidTimestamp(let t): "frame timestamp \(t) is not a finite number"
        case .timestampNotIncreasing(let p, let g):
            "frame timestamp \(g) is not later than the previous frame's \(p)"
        }
    }
}
