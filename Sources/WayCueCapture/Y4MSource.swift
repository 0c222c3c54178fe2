import Foundation
import WayCueImage

/// Frames from a YUV4MPEG2 (`.y4m`) stream: a file, or the output of `ffmpeg -f yuv4mpegpipe`.
///
/// Chroma layouts read: `420jpeg`, `420mpeg2`, `420paldv`, `420` (4:2:0; chroma siting is
/// ignored), `422`, `444` and `mono`. Timestamps come from the companion timestamps file when
/// there is one, else from the header's frame rate (`F30000:1001`).
public final class Y4MSource: FrameSource, @unchecked Sendable {
    /// Where the stream comes from.
    public let path: String
    /// Frame width from the header.
    public let width: Int
    /// Frame height from the header.
    public let height: Int
    /// Frame rate from the header (`nil` when absent).
    public let framesPerSecond: Double?
    /// The chroma layout.
    public let chroma: SourcePixelFormat
    public var name: String { path }

    /// The largest frame accepted, in pixels.
    public static let maxPixels = 8192 * 8192

    private let lock = NSLock()
    private var reader: ByteReader?
    private let handle: FileHandle
    private var index: UInt64 = 0
    private let times: [Double]?
    private let options: FootageOptions
    private var pacer: PlaybackPacer
    private let frameBytes: Int
    /// Called when the stream ends, to turn a failed producer (ffmpeg) into an error.
    var endCheck: (() throws -> Void)?

    /// Opens a `.y4m` file and reads its header.
    ///
    /// - Throws: ``CaptureError/notFound(path:)``, or ``CaptureError/invalidFootage(path:reason:)``
    ///   naming the header field that is missing or unsupported.
    public convenience init(path: String, options: FootageOptions = FootageOptions()) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileManager.default.fileExists(atPath: path)
                ? CaptureError.io(path: path, reason: "cannot open for reading") : CaptureError.notFound(path: path)
        }
        var options = options
        if options.timestampsPath == nil { options.timestampsPath = TimestampsFile.companion(of: path) }
        try self.init(handle: handle, name: path, options: options)
    }

    /// Reads a Y4M stream from an open handle (a pipe, for example).
    init(handle: FileHandle, name: String, options: FootageOptions) throws {
        self.handle = handle
        path = name
        self.options = options
        pacer = PlaybackPacer(speed: options.speed)
        let reader = ByteReader(handle: handle)
        let headerLine: [UInt8]?
        do {
            headerLine = try reader.readLine(limit: 1024)
        } catch {
            throw CaptureError.invalidFootage(path: name, reason: "the header line is missing or longer than 1024 bytes")
        }
        guard let headerLine, !headerLine.isEmpty else {
            throw CaptureError.invalidFootage(path: name, reason: "empty stream: no YUV4MPEG2 header")
        }
        let header = try Y4MHeader.parse(String(decoding: headerLine, as: UTF8.self), path: name)
        width = header.width
        height = header.height
        framesPerSecond = header.framesPerSecond
        chroma = header.chroma
        frameBytes = header.frameBytes
        self.reader = reader
        times = try options.timestampsPath.map(TimestampsFile.load)
    }

    public func next() throws -> Frame? {
        lock.lock()
        defer { lock.unlock() }
        guard let reader else { return nil }
        let line: [UInt8]?
        do {
            line = try reader.readLine(limit: 1024)
        } catch {
            self.reader = nil
            throw CaptureError.invalidFootage(path: path, reason: "frame \(index): FRAME line longer than 1024 bytes")
        }
        guard let line else {
            self.reader = nil
            try endCheck?()
            return nil
        }
        guard line.starts(with: Array("FRAME".utf8)) else {
            self.reader = nil
            throw CaptureError.invalidFootage(
                path: path, reason: "frame \(index): expected 'FRAME' at byte \(reader.offset - line.count - 1)")
        }
        guard let data = try reader.read(frameBytes) else {
            self.reader = nil
            try endCheck?()
            throw CaptureError.invalidFootage(path: path, reason: "frame \(index) is cut off (needs \(frameBytes) bytes)")
        }
        // Y4M luma is limited range even in mono streams: decode those as 4:4:4 with neutral chroma.
        let planes = chroma == .grey ? data + [UInt8](repeating: 128, count: 2 * width * height) : data
        let image = try planes.withUnsafeBytes { bytes in
            try FrameDecoding.rgbImage(
                bytes, format: chroma == .grey ? .yuv444 : chroma, width: width, height: height, bytesPerLine: width,
                source: "\(path) frame \(index)")
        }
        let timestamp = try footageTime(
            index: Int(index), times: times, rate: framesPerSecond ?? options.framesPerSecond, path: path)
        pacer.wait(for: timestamp)
        let frame = Frame(image: image, timestamp: timestamp, sequence: index, sourceFormat: chroma)
        index += 1
        return frame
    }

    public func close() {
        lock.lock()
        reader = nil
        try? handle.close()
        lock.unlock()
    }
}

/// The fields of a `YUV4MPEG2` header line.
struct Y4MHeader: Equatable {
    var width: Int
    var height: Int
    var framesPerSecond: Double?
    var chroma: SourcePixelFormat

    /// Bytes of one frame's pixel data.
    var frameBytes: Int {
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        switch chroma {
        case .yuv420: return width * height + 2 * cw * ch
        case .yuv422: return width * height + 2 * cw * height
        case .yuv444: return width * height * 3
        default: return width * height
        }
    }

    static func parse(_ line: String, path: String) throws -> Y4MHeader {
        let fields = line.split(separator: " ")
        guard fields.first == "YUV4MPEG2" else {
            throw CaptureError.invalidFootage(path: path, reason: "not a Y4M stream: the header must start with 'YUV4MPEG2'")
        }
        var width: Int?, height: Int?, rate: Double?
        var chroma = SourcePixelFormat.yuv420
        for field in fields.dropFirst() {
            let key = field.first!
            let value = field.dropFirst()
            switch key {
            case "W": width = Int(value)
                if width == nil { throw CaptureError.invalidFootage(path: path, reason: "header field W: '\(value)' is not a number") }
            case "H": height = Int(value)
                if height == nil { throw CaptureError.invalidFootage(path: path, reason: "header field H: '\(value)' is not a number") }
            case "F":
                let parts = value.split(separator: ":")
                guard parts.count == 2, let n = Double(parts[0]), let d = Double(parts[1]), n >= 0, d > 0 else {
                    throw CaptureError.invalidFootage(path: path, reason: "header field F: '\(value)' is not a ratio like 30:1")
                }
                rate = n > 0 ? n / d : nil
            case "C":
                switch value {
                case "420jpeg", "420mpeg2", "420paldv", "420": chroma = .yuv420
                case "422": chroma = .yuv422
                case "444": chroma = .yuv444
                case "mono": chroma = .grey
                default:
                    throw CaptureError.invalidFootage(
                        path: path, reason: "header field C: chroma '\(value)' is not supported (420*, 422, 444, mono)")
                }
            default: continue  // I (interlacing), A (aspect), X (extensions) do not change the layout
            }
        }
        guard let width, let height else {
            throw CaptureError.invalidFootage(path: path, reason: "header lacks the W (width) or H (height) field")
        }
        guard width > 0, height > 0, width <= 16384, height <= 16384, width * height <= Y4MSource.maxPixels else {
            throw CaptureError.invalidFootage(path: path, reason: "header size \(width)x\(height) is out of range")
        }
        return Y4MHeader(width: width, height: height, framesPerSecond: rate, chroma: chroma)
    }
}
