import WayCueImage

/// The pixel layout a frame had before WayCue converted it to RGB.
///
/// Cameras name layouts with a V4L2 four-character code; recorded footage names them after its
/// container. ``fourCC`` gives the V4L2 code where one exists.
public enum SourcePixelFormat: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Motion JPEG: each frame is a complete JPEG image (V4L2 `MJPG`).
    case mjpeg
    /// JPEG stills (V4L2 `JPEG`), treated like MJPEG.
    case jpeg
    /// Packed 4:2:2 YUV, Y0 U Y1 V (V4L2 `YUYV`).
    case yuyv
    /// Planar Y then interleaved UV at half resolution (V4L2 `NV12`).
    case nv12
    /// Planar 4:2:0 YUV, Y then U then V (V4L2 `YU12`, Y4M `420`).
    case yuv420
    /// Planar 4:2:2 YUV (Y4M `422`).
    case yuv422
    /// Planar 4:4:4 YUV (Y4M `444`).
    case yuv444
    /// Packed RGB, three bytes per pixel (V4L2 `RGB3`).
    case rgb24
    /// One byte of luma per pixel (V4L2 `GREY`, Y4M `mono`).
    case grey
    /// A still image file read from disk (JPEG or PNG).
    case imageFile

    /// The V4L2 four-character code of this layout, when V4L2 has one.
    public var fourCC: FourCC? {
        switch self {
        case .mjpeg: return FourCC("MJPG")
        case .jpeg: return FourCC("JPEG")
        case .yuyv: return FourCC("YUYV")
        case .nv12: return FourCC("NV12")
        case .yuv420: return FourCC("YU12")
        case .yuv422: return FourCC("422P")
        case .rgb24: return FourCC("RGB3")
        case .grey: return FourCC("GREY")
        case .yuv444, .imageFile: return nil
        }
    }

    /// The layout with this V4L2 four-character code, or `nil` when WayCue cannot convert it.
    public init?(fourCC: FourCC) {
        guard let match = SourcePixelFormat.allCases.first(where: { $0.fourCC == fourCC }) else { return nil }
        self = match
    }

    public var description: String { rawValue }
}

/// A V4L2 four-character pixel-format code such as `MJPG` or `YUYV`.
public struct FourCC: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code as V4L2 stores it: the first character in the lowest byte.
    public let rawValue: UInt32

    /// Wraps a raw V4L2 code.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds a code from four ASCII characters (`"MJPG"`); missing characters are spaces.
    public init(_ text: String) {
        var bytes = Array(text.utf8.prefix(4))
        while bytes.count < 4 { bytes.append(0x20) }
        rawValue = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// The four characters, with non-printable bytes shown as `?`.
    public var description: String {
        var text = ""
        for shift in stride(from: 0, to: 32, by: 8) {
            let byte = UInt8((rawValue >> UInt32(shift)) & 0xFF)
            text.append(byte >= 0x20 && byte < 0x7F ? Character(UnicodeScalar(byte)) : "?")
        }
        return text
    }
}

/// One picture delivered by a ``FrameSource``.
public struct Frame: Sendable {
    /// The picture, converted to 8-bit RGB.
    public var image: Image
    /// When the picture was taken, in seconds.
    ///
    /// For cameras this is the driver's `CLOCK_MONOTONIC` capture time, comparable with
    /// ``MonotonicClock/now()``. For recorded footage it is the recorded time since the start of
    /// the recording (from a timestamps file, or frame number divided by the frame rate).
    public var timestamp: Double
    /// The frame's number in its source, counting from 0. Gaps mean frames were dropped.
    public var sequence: UInt64
    /// The layout the frame had before conversion.
    public var sourceFormat: SourcePixelFormat
    /// The compressed JPEG bytes, when the source delivered JPEG; a recorder stores these as they
    /// are instead of encoding the image again.
    public var jpegData: [UInt8]?
    /// For cameras: when WayCue took the frame from the driver (``MonotonicClock/now()``), so
    /// `MonotonicClock.now() - receivedAt` is the time spent in WayCue before the consumer got it.
    /// (Drivers differ in what ``timestamp`` marks: start or end of exposure, or, for vivid, the
    /// emulated end of the frame.) `nil` for recorded footage.
    public var receivedAt: Double?

    /// Creates a frame.
    public init(
        image: Image, timestamp: Double, sequence: UInt64, sourceFormat: SourcePixelFormat,
        jpegData: [UInt8]? = nil, receivedAt: Double? = nil
    ) {
        self.image = image
        self.timestamp = timestamp
        self.sequence = sequence
        self.sourceFormat = sourceFormat
        self.jpegData = jpegData
        self.receivedAt = receivedAt
    }
}
