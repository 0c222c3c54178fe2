import Foundation

/// How a ``V4L2Camera`` negotiates with the device and handles faults.
public struct V4L2CaptureConfiguration: Sendable, Equatable {
    /// The frame width to ask for; the driver may pick another (read ``V4L2Camera/format``).
    public var width: Int = 640
    /// The frame height to ask for; the driver may pick another.
    public var height: Int = 480
    /// Pixel formats in order of preference; the first one the device offers is used.
    public var preferredFormats: [SourcePixelFormat] = [.mjpeg, .yuyv, .nv12]
    /// The frame rate to ask for, or `nil` to keep the device's.
    public var framesPerSecond: Double? = 30
    /// How many mmap buffers to ask the driver for (a small ring: 2 to 8).
    public var bufferCount: Int = 4
    /// Seconds without a frame before a ``CaptureEvent/timeout(seconds:)`` is reported.
    public var frameTimeout: Double = 2
    /// Consecutive timeouts after which the device is closed and opened again.
    public var timeoutsBeforeRestart: Int = 3
    /// Whether to reopen the device after an I/O error or an unplug.
    public var reconnects: Bool = true
    /// The first delay between reconnection attempts, in seconds; it doubles each attempt.
    public var reconnectInitialDelay: Double = 0.1
    /// The longest delay between reconnection attempts, in seconds.
    public var reconnectMaxDelay: Double = 2
    /// Give up after this many failed reconnection attempts in a row (`nil`: never give up).
    public var maxReconnectAttempts: Int? = nil

    /// The defaults: 640x480, MJPEG then YUYV then NV12, 30 fps, 4 buffers, reconnect forever.
    public init() {}

    /// Creates a configuration with a size and frame rate.
    public init(width: Int, height: Int, framesPerSecond: Double? = 30, preferredFormats: [SourcePixelFormat] = [.mjpeg, .yuyv, .nv12]) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.preferredFormats = preferredFormats
    }
}

/// The format a V4L2 device actually streams, read back from the driver after negotiation.
public struct V4L2StreamFormat: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The pixel layout.
    public var pixelFormat: SourcePixelFormat
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Bytes per luma row (0 for compressed formats on some drivers).
    public var bytesPerLine: Int
    /// The largest frame in bytes.
    public var sizeImage: Int
    /// The frame rate the driver reports, when it reports one.
    public var framesPerSecond: Double?

    public var description: String {
        let rate = framesPerSecond.map { String(format: " @ %.2f fps", $0) } ?? ""
        return "\(pixelFormat.fourCC?.description ?? pixelFormat.rawValue) \(width)x\(height)\(rate)"
    }
}

/// Something that happened to a camera stream; reported through the event handler and kept in
/// ``V4L2Camera/recentEvents``.
public enum CaptureEvent: Sendable, Equatable {
    /// Streaming started in this format.
    case started(V4L2StreamFormat)
    /// No frame arrived within the timeout.
    case timeout(seconds: Double)
    /// A system call failed with this `errno` (EIO and the like); the device is reopened.
    case ioError(operation: String, code: Int32)
    /// The device disappeared (ENODEV): it was unplugged.
    case disconnected
    /// Reopening failed; another attempt follows after `retryIn` seconds.
    case reconnectFailed(attempt: Int, reason: String, retryIn: Double)
    /// The device is back and streaming in this format.
    case reconnected(V4L2StreamFormat)
    /// After reconnecting, the device streams a different format than before.
    case formatChanged(from: V4L2StreamFormat, to: V4L2StreamFormat)
    /// A frame was flagged as damaged, came back short, or failed to decode; it was skipped.
    case badFrame(reason: String)
    /// ``V4L2Camera/stopStreaming()`` took effect.
    case streamStopped
    /// ``V4L2Camera/startStreaming()`` took effect.
    case streamRestarted
    /// Reconnection gave up; ``V4L2Camera/next()`` throws from now on.
    case gaveUp(reason: String)
}

/// Counters of a camera's life so far.
public struct CaptureStatistics: Sendable, Equatable {
    /// Good frames dequeued from the driver.
    public var framesCaptured = 0
    /// Frames handed to the consumer.
    public var framesDelivered = 0
    /// Frames overwritten by a newer one before the consumer asked (latest frame wins).
    public var framesDropped = 0
    /// Frames skipped as damaged, short or undecodable.
    public var badFrames = 0
    /// Frame timeouts.
    public var timeouts = 0
    /// Calls retried after EINTR or EAGAIN.
    public var retries = 0
    /// I/O errors (EIO and others) that forced a reopen.
    public var ioErrors = 0
    /// Unplugs (ENODEV).
    public var disconnects = 0
    /// Successful reconnections.
    public var reconnects = 0

    /// All zero.
    public init() {}
}
