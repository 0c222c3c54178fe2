import Foundation
import WayCueImage

/// Frames from an MJPEG file: JPEG images written one after another, as many cheap cameras and
/// ``MJPEGRecorder`` record. Timestamps come from the companion timestamps file
/// (`walk.timestamps` beside `walk.mjpeg`) when there is one, else from the frame rate.
public final class MJPEGFileSource: FrameSource, @unchecked Sendable {
    /// The file being played.
    public let path: String
    public var name: String { path }
    private let lock = NSLock()
    private var data: Data?
    private var offset = 0
    private var index: UInt64 = 0
    private let times: [Double]?
    private let options: FootageOptions
    private var pacer: PlaybackPacer

    /// Opens an MJPEG file.
    ///
    /// - Throws: ``CaptureError/notFound(path:)``, ``CaptureError/io(path:reason:)``, or
    ///   ``CaptureError/invalidFootage(path:reason:)`` when the file holds no JPEG or the
    ///   timestamps file is malformed.
    public init(path: String, options: FootageOptions = FootageOptions()) throws {
        self.path = path
        self.options = options
        pacer = PlaybackPacer(speed: options.speed)
        guard FileManager.default.fileExists(atPath: path) else { throw CaptureError.notFound(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw CaptureError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let first = data.withUnsafeBytes { JPEGStreamSplitter.next(in: $0, from: 0) }
        if first == .end { throw CaptureError.invalidFootage(path: path, reason: "no JPEG image in the file") }
        self.data = data
        if let timestamps = options.timestampsPath ?? TimestampsFile.companion(of: path) {
            times = try TimestampsFile.load(timestamps)
        } else {
            times = nil
        }
    }

    public func next() throws -> Frame? {
        lock.lock()
        defer { lock.unlock() }
        guard let data else { return nil }
        let outcome = data.withUnsafeBytes { JPEGStreamSplitter.next(in: $0, from: offset) }
        switch outcome {
        case .end:
            self.data = nil
            return nil
        case .damaged(let start, let reason):
            self.data = nil
            throw CaptureError.invalidFootage(path: path, reason: "frame \(index) at byte \(start): \(reason)")
        case .frame(let range):
            offset = range.upperBound
            let bytes = [UInt8](data[data.startIndex + range.lowerBound..<data.startIndex + range.upperBound])
            let source = "\(path) frame \(index)"
            let image = try FrameDecoding.decodeCompressed(bytes, source: source)
            let timestamp = try footageTime(index: Int(index), times: times, rate: options.framesPerSecond, path: path)
            pacer.wait(for: timestamp)
            let frame = Frame(image: image, timestamp: timestamp, sequence: index, sourceFormat: .mjpeg, jpegData: bytes)
            index += 1
            return frame
        }
    }

    public func close() {
        lock.lock()
        data = nil
        lock.unlock()
    }
}

/// A recorded frame's time: from the timestamps list when given, else `index / rate`.
func footageTime(index: Int, times: [Double]?, rate: Double, path: String) throws -> Double {
    guard let times else { return Double(index) / (rate > 0 ? rate : 30) }
    guard index < times.count else {
        throw CaptureError.invalidFootage(
            path: path, reason: "the timestamps file has \(times.count) entries but the footage has more frames")
    }
    return times[index]
}
