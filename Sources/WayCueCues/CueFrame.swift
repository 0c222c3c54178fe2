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
    /// How completely this frame looked for traffic signals.
    ///
    /// A detector may look for signal heads in two passes: the full frame at low resolution,
    /// and a native-resolution "signal pass" over the band where signal heads stand, which
    /// may run less often than the full frame or be dropped when the device is busy. Without
    /// the signal pass, distant heads are mostly missed, so the frame is only partial
    /// evidence about the signal.
    public enum SignalCoverage: String, Sendable, Hashable, Codable {
        /// The frame's detections are the detector's full look for signals: a single-pass
        /// detector, or a frame on which the signal pass ran.
        case complete
        /// The signal pass was skipped or dropped on this frame: its signal detections come
        /// from the low-resolution full-frame pass only.
        case partial
    }

    /// Capture time in seconds (any origin, increasing).
    public var timestamp: Double
    /// The detector's output for this frame.
    public var detections: [Detection]
    /// When processing finished (same clock); `nil` means no latency information.
    public var processedAt: Double?
    /// Optional segmentation masks by class (for example tactile paving from a future model).
    public var masks: [ObjectClass: CueMask]
    /// How completely this frame looked for traffic signals (``SignalCoverage/complete`` by
    /// default).
    ///
    /// The engine takes green evidence, and the freshness of a green already said, only from
    /// ``SignalCoverage/complete`` frames; a red on any frame still forbids or cancels green.
    /// See ``CueEngineConfiguration/minimumSignalPassRate``.
    public var signalCoverage: SignalCoverage

    /// Creates a frame.
    ///
    /// - Parameter signalCoverage: ``SignalCoverage/partial`` when the detector's signal pass
    ///   did not run on this frame; the default, ``SignalCoverage/complete``, suits a
    ///   single-pass detector.
    public init(timestamp: Double, detections: [Detection], processedAt: Double? = nil,
                masks: [ObjectClass: CueMask] = [:], signalCoverage: SignalCoverage = .complete) {
        self.timestamp = timestamp
        self.detections = detections
        self.processedAt = processedAt
        self.masks = masks
        self.signalCoverage = signalCoverage
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
