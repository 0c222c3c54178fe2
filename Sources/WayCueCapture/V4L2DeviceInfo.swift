/// A frame size a V4L2 format offers, with the frame rates the device lists for it.
public struct V4L2FrameSize: Sendable, Codable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Frame rates in frames per second, highest first (empty when the device lists none).
    public var framesPerSecond: [Double]

    /// Creates a frame size entry.
    public init(width: Int, height: Int, framesPerSecond: [Double]) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }
}

/// A continuous or stepwise range of frame sizes.
public struct V4L2SizeRange: Sendable, Codable, Equatable {
    /// Smallest and largest width, and the step between widths.
    public var minWidth: Int, maxWidth: Int, stepWidth: Int
    /// Smallest and largest height, and the step between heights.
    public var minHeight: Int, maxHeight: Int, stepHeight: Int
}

/// One pixel format a V4L2 device offers.
public struct V4L2FormatInfo: Sendable, Codable, Equatable {
    /// The four-character code, such as `MJPG`.
    public var fourCC: String
    /// The driver's description, such as `Motion-JPEG`.
    public var description: String
    /// Whether the format is compressed.
    public var compressed: Bool
    /// Whether WayCue can convert this format (MJPEG, JPEG, YUYV, NV12, YU12, RGB3, GREY).
    public var usable: Bool
    /// Discrete frame sizes; for a stepwise range, its smallest and largest sizes.
    public var sizes: [V4L2FrameSize]
    /// The range of sizes when the device offers a stepwise or continuous range.
    public var sizeRange: V4L2SizeRange?
}

/// A V4L2 video capture device and what it offers.
public struct V4L2DeviceInfo: Sendable, Codable, Equatable {
    /// The device node, such as `/dev/video0`.
    public var path: String
    /// The kernel driver's name, such as `uvcvideo` or `vivid`.
    public var driver: String
    /// The device's name, such as the camera model.
    public var card: String
    /// Where the device is attached (`usb-0000:00:14.0-1`).
    public var busInfo: String
    /// The native pixel formats (libv4l2's emulated formats are left out).
    public var formats: [V4L2FormatInfo]
}

/// A device node ``V4L2Devices/scan(io:)`` did not list, and why.
public struct V4L2SkippedNode: Sendable, Codable, Equatable {
    /// The device node.
    public var path: String
    /// Why it is not listed.
    public var reason: String
}

/// The result of scanning the device nodes.
public struct V4L2Scan: Sendable, Codable, Equatable {
    /// The capture devices.
    public var devices: [V4L2DeviceInfo]
    /// The nodes left out.
    public var skipped: [V4L2SkippedNode]
}
