import Foundation

/// How fast recorded footage is played.
public enum PlaybackSpeed: Sendable, Equatable {
    /// As fast as frames can be read and decoded (tests, evaluation, training).
    case asFastAsPossible
    /// At the recorded pace: each frame is held back until its timestamp, measured from the
    /// moment the first frame was delivered.
    case recorded
}

/// Settings shared by recorded-footage sources.
public struct FootageOptions: Sendable, Equatable {
    /// Playback pace.
    public var speed: PlaybackSpeed = .asFastAsPossible
    /// The frame rate assumed when the footage carries no timestamps.
    public var framesPerSecond: Double = 30
    /// A timestamps file to use instead of the one found beside the footage (if any).
    public var timestampsPath: String? = nil

    /// As fast as possible, 30 fps assumed, timestamps file found automatically.
    public init() {}

    /// Creates options.
    public init(speed: PlaybackSpeed, framesPerSecond: Double = 30, timestampsPath: String? = nil) {
        self.speed = speed
        self.framesPerSecond = framesPerSecond
        self.timestampsPath = timestampsPath
    }
}

/// Holds frames back to their recorded time when playing at ``PlaybackSpeed/recorded``.
struct PlaybackPacer {
    let speed: PlaybackSpeed
    private var start: (wall: Double, footage: Double)?

    init(speed: PlaybackSpeed) { self.speed = speed }

    /// Sleeps until the frame stamped `timestamp` is due.
    mutating func wait(for timestamp: Double) {
        guard speed == .recorded else { return }
        let now = MonotonicClock.now()
        guard let start else {
            self.start = (now, timestamp)
            return
        }
        MonotonicClock.sleep(start.wall + (timestamp - start.footage) - now)
    }
}

/// A timestamps file: one line per frame, `seconds` or `name seconds` (the name is a file name
/// or a frame number and is ignored except for checking the count); `#` starts a comment.
///
/// ``MJPEGRecorder`` writes `index seconds` lines under a `# waycue timestamps v1` header.
public enum TimestampsFile {
    /// Parses timestamps text.
    ///
    /// - Throws: ``CaptureError/invalidFootage(path:reason:)`` naming the line that is not a
    ///   number or that goes back in time.
    public static func parse(_ text: String, path: String) throws -> [Double] {
        var times: [Double] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            guard let last = fields.last else { continue }
            guard fields.count <= 2, let seconds = Double(last), seconds.isFinite else {
                throw CaptureError.invalidFootage(
                    path: path, reason: "line \(number + 1): expected 'seconds' or 'name seconds', got '\(rawLine)'")
            }
            if let previous = times.last, seconds < previous {
                throw CaptureError.invalidFootage(
                    path: path, reason: "line \(number + 1): time \(seconds) goes back before \(previous)")
            }
            times.append(seconds)
        }
        return times
    }

    /// Reads and parses a timestamps file.
    public static func load(_ path: String) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptureError.io(path: path, reason: "cannot read timestamps file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The timestamps file that belongs to `footage`: `walk.timestamps` beside `walk.mjpeg`, or
    /// `timestamps.txt` inside a folder; `nil` when there is none.
    public static func companion(of footage: String) -> String? {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: footage, isDirectory: &isDirectory)
        let candidate = exists && isDirectory.boolValue
            ? (footage as NSString).appendingPathComponent("timestamps.txt")
            : (footage as NSString).deletingPathExtension + ".timestamps"
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
}
