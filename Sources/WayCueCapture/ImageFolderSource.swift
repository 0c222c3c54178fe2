import Foundation
import WayCueImage

/// Frames from a folder of JPEG and PNG images, in file-name order with numbers compared as
/// numbers (`frame2.jpg` before `frame10.jpg`). A `timestamps.txt` inside the folder, with one
/// line per image, gives their times; otherwise the frame rate does.
public final class ImageFolderSource: FrameSource, @unchecked Sendable {
    /// The folder.
    public let path: String
    /// The image files in playback order.
    public let files: [String]
    public var name: String { path }
    private let lock = NSLock()
    private var index = 0
    private var closed = false
    private let times: [Double]?
    private let options: FootageOptions
    private var pacer: PlaybackPacer

    /// The file extensions read, lower-case.
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Lists the folder's images.
    ///
    /// - Throws: ``CaptureError/notFound(path:)``, or ``CaptureError/invalidFootage(path:reason:)``
    ///   when there are no images or the timestamps file does not have one line per image.
    public init(path: String, options: FootageOptions = FootageOptions()) throws {
        self.path = path
        self.options = options
        pacer = PlaybackPacer(speed: options.speed)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CaptureError.notFound(path: path)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CaptureError.io(path: path, reason: "cannot list folder: \(error.localizedDescription)")
        }
        let images = names.filter { Self.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted { $0.compare($1, options: [.numeric]) == .orderedAscending }
        guard !images.isEmpty else {
            throw CaptureError.invalidFootage(path: path, reason: "no .jpg, .jpeg or .png images in the folder")
        }
        files = images.map { (path as NSString).appendingPathComponent($0) }
        if let timestamps = options.timestampsPath ?? TimestampsFile.companion(of: path) {
            let times = try TimestampsFile.load(timestamps)
            guard times.count == files.count else {
                throw CaptureError.invalidFootage(
                    path: timestamps, reason: "\(times.count) timestamps for \(files.count) images")
            }
            self.times = times
        } else {
            times = nil
        }
    }

    public func next() throws -> Frame? {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, index < files.count else { return nil }
        let file = files[index]
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CaptureError.io(path: file, reason: "cannot read image")
        }
        let bytes = [UInt8](data)
        let image = try FrameDecoding.decodeCompressed(bytes, source: file)
        let timestamp = try footageTime(index: index, times: times, rate: options.framesPerSecond, path: path)
        pacer.wait(for: timestamp)
        let isJPEG = bytes.count > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8
        let frame = Frame(
            image: image, timestamp: timestamp, sequence: UInt64(index), sourceFormat: isJPEG ? .jpeg : .imageFile,
            jpegData: isJPEG ? bytes : nil)
        index += 1
        return frame
    }

    public func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}
