import ArgumentParser
import Foundation
import WayCueCapture

/// `waycue record`: save what a camera (or any frame source) sees as MJPEG plus timestamps.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record frames to an MJPEG file with a timestamps file beside it.",
        discussion: """
            Writes OUTPUT (concatenated JPEGs) and OUTPUT-without-extension.timestamps (one \
            "index seconds" line per frame). JPEG frames from the camera are stored unchanged; \
            others are encoded at --quality. Stops after --seconds or --frames, whichever comes \
            first, or at the end of recorded input. Exit status 0 on success, 1 on a capture or \
            write error.

            Examples:
              waycue record --input /dev/video0 --output walk.mjpeg --seconds 60
              waycue record --input /dev/video0 --width 1280 --height 720 --fps 15 --output walk.mjpeg
              waycue record --input clip.mp4 --output clip.mjpeg
            """)

    @Option(help: "A camera (/dev/videoN), an image folder, or an .mjpeg, .y4m or video file.")
    var input: String

    @Option(help: "The MJPEG file to write.")
    var output: String

    @Option(help: "Stop after this many seconds.")
    var seconds: Double?

    @Option(help: "Stop after this many frames.")
    var frames: Int?

    @Option(help: "Camera frame width to ask for.")
    var width = 640

    @Option(help: "Camera frame height to ask for.")
    var height = 480

    @Option(help: "Camera frame rate to ask for.")
    var fps: Double = 30

    @Option(help: "JPEG quality (1-100) for frames that must be encoded.")
    var quality = 85

    func validate() throws {
        if seconds == nil && frames == nil && input.hasPrefix("/dev/video") {
            throw ValidationError("recording from a camera needs --seconds or --frames")
        }
    }

    func run() throws {
        let camera = V4L2CaptureConfiguration(width: width, height: height, framesPerSecond: fps)
        let source = try FrameSources.open(input, camera: camera)
        defer { source.close() }
        let recorder = try MJPEGRecorder(path: output, quality: quality)
        let start = MonotonicClock.now()
        while true {
            if let frames, recorder.framesWritten >= frames { break }
            if let seconds, MonotonicClock.now() - start >= seconds { break }
            guard let frame = try source.next() else { break }
            try recorder.write(frame)
        }
        try recorder.finish()
        let elapsed = MonotonicClock.now() - start
        print("recorded \(recorder.framesWritten) frames in \(String(format: "%.1f", elapsed)) s to \(output) and \(recorder.timestampsPath)")
    }
}
