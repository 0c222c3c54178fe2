import Foundation

/// Frames from any video `ffmpeg` can read, decoded by an `ffmpeg` subprocess that writes a
/// Y4M stream (4:2:0) into a pipe. Available when `ffmpeg` is on the `PATH`.
///
/// Timestamps follow the stream's constant frame rate as ffmpeg reports it in the Y4M header.
public final class FFmpegSource: FrameSource, @unchecked Sendable {
    /// The video file.
    public let path: String
    public var name: String { path }
    private let process: Process
    private let stream: Y4MSource
    private let errorLog: URL

    /// Frame width.
    public var width: Int { stream.width }
    /// Frame height.
    public var height: Int { stream.height }
    /// Frame rate, when ffmpeg reports one.
    public var framesPerSecond: Double? { stream.framesPerSecond }

    /// The `ffmpeg` executable on the `PATH`, or `nil` when it is not installed.
    public static var executable: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths {
            let candidate = "\(directory)/ffmpeg"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts `ffmpeg` on a video file.
    ///
    /// - Throws: ``CaptureError/notFound(path:)``, ``CaptureError/toolFailed(tool:reason:)`` when
    ///   ffmpeg is missing or cannot read the file.
    public init(path: String, options: FootageOptions = FootageOptions()) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw CaptureError.notFound(path: path) }
        guard let ffmpeg = Self.executable else {
            throw CaptureError.toolFailed(tool: "ffmpeg", reason: "not installed (Debian: apt-get install ffmpeg)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = [
            "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path,
            "-an", "-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", "-strict", "-1", "-",
        ]
        let output = Pipe()
        errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-ffmpeg-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: errorLog.path, contents: nil),
            let errorHandle = FileHandle(forWritingAtPath: errorLog.path)
        else {
            throw CaptureError.io(path: errorLog.path, reason: "cannot create ffmpeg's log file")
        }
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CaptureError.toolFailed(tool: "ffmpeg", reason: "cannot start: \(error.localizedDescription)")
        }
        self.process = process
        let errorLog = self.errorLog
        let failure: @Sendable () -> CaptureError? = {
            process.waitUntilExit()
            guard process.terminationStatus != 0 else { return nil }
            let text = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n").suffix(3).joined(separator: "; ")
            return CaptureError.toolFailed(
                tool: "ffmpeg", reason: "\(path): exit status \(process.terminationStatus): \(tail)")
        }
        do {
            stream = try Y4MSource(handle: output.fileHandleForReading, name: path, options: options)
        } catch {
            if let failure = failure() { throw failure }
            throw error
        }
        stream.endCheck = { if let failure = failure() { throw failure } }
    }

    public func next() throws -> Frame? { try stream.next() }

    public func close() {
        if process.isRunning { process.terminate() }
        stream.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: errorLog)
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: errorLog)
    }
}
