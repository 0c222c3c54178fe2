import Foundation
import WayCueImage

/// Records frames as an MJPEG file plus a timestamps file, so footage collected on the device
/// can be played back (``MJPEGFileSource``) or turned into training data.
///
/// Frames that arrived as JPEG (an MJPEG camera) are stored byte for byte; others are encoded.
/// `walk.mjpeg` gets `walk.timestamps` beside it: a `# waycue timestamps v1` header, then
/// `index seconds` per frame, in seconds since the first frame.
public final class MJPEGRecorder: @unchecked Sendable {
    /// The MJPEG file.
    public let path: String
    /// The timestamps file.
    public let timestampsPath: String
    /// JPEG quality for frames that must be encoded (1...100).
    public let quality: Int
    private let lock = NSLock()
    private var video: FileHandle?
    private var timestamps: FileHandle?
    private var firstTimestamp: Double?
    private var count = 0

    /// Creates (or truncates) the MJPEG and timestamps files.
    ///
    /// - Throws: ``CaptureError/io(path:reason:)`` when a file cannot be created.
    public init(path: String, quality: Int = 85) throws {
        self.path = path
        self.quality = min(max(quality, 1), 100)
        timestampsPath = (path as NSString).deletingPathExtension + ".timestamps"
        video = try Self.create(path)
        timestamps = try Self.create(timestampsPath)
        try write(Array("# waycue timestamps v1: frame index, seconds since the first frame\n".utf8), to: timestamps!, path: timestampsPath)
    }

    private static func create(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CaptureError.io(path: path, reason: "cannot create file")
        }
        return handle
    }

    private func write(_ bytes: [UInt8], to handle: FileHandle, path: String) throws {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw CaptureError.io(path: path, reason: "write failed: \(error.localizedDescription)")
        }
    }

    /// Frames written so far.
    public var framesWritten: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// Appends one frame.
    ///
    /// - Throws: ``CaptureError/io(path:reason:)`` after ``finish()`` or when the disk is full;
    ///   ``CaptureError/decodeFailed(source:reason:)`` when encoding fails.
    public func write(_ frame: Frame) throws {
        let jpeg: [UInt8]
        if let data = frame.jpegData {
            jpeg = data
        } else {
            do {
                jpeg = try frame.image.jpegData(quality: quality)
            } catch {
                throw CaptureError.decodeFailed(source: "frame \(frame.sequence)", reason: "JPEG encoding failed: \(error)")
            }
        }
        lock.lock()
        defer { lock.unlock() }
        guard let video, let timestamps else { throw CaptureError.io(path: path, reason: "recording already finished") }
        let start = firstTimestamp ?? frame.timestamp
        firstTimestamp = start
        try write(jpeg, to: video, path: path)
        try write(Array(String(format: "%d %.6f\n", count, frame.timestamp - start).utf8), to: timestamps, path: timestampsPath)
        count += 1
    }

    /// Flushes and closes both files. Further writes fail.
    public func finish() throws {
        lock.lock()
        defer { lock.unlock() }
        for (handle, file) in [(video, path), (timestamps, timestampsPath)] {
            guard let handle else { continue }
            do {
                try handle.synchronize()
                try handle.close()
            } catch {
                throw CaptureError.io(path: file, reason: "closing failed: \(error.localizedDescription)")
            }
        }
        video = nil
        timestamps = nil
    }
}
