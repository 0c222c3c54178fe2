import ArgumentParser
import Foundation
import WayCueCapture
import WayCueImage

/// `waycue bench capture`: per-frame decode-and-convert time for camera formats, and optionally
/// capture-to-delivery latency on a real device.
struct CaptureBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Time decode-and-convert per 640x480 frame (MJPEG, YUYV, NV12) and camera latency.",
        discussion: """
            Each format is converted to RGB the way a camera frame is (FrameDecoding.rgbImage), \
            --runs times after a warm-up; medians and 90th percentiles are printed. The MJPEG \
            frame is a 640x480 JPEG (quality 80) of --image resized, or of a synthetic textured \
            scene. With --device, frames are captured for --frames frames and the latency from \
            the driver's capture timestamp to delivery by next() is reported. Build with \
            -c release for meaningful figures.

            Examples:
              waycue bench capture
              waycue bench capture --image street.jpg --runs 200
              waycue bench capture --device /dev/video0 --frames 300 --json
              waycue bench capture --device scripted --frames 300
            """)

    @Option(help: "Timed repetitions per format.")
    var runs = 100

    @Option(help: "A photo to use for the MJPEG frame (resized to 640x480).")
    var image: String?

    @Option(help: "A V4L2 device to measure capture-to-delivery latency on ('scripted': an in-memory 640x480 YUYV camera at 30 fps).")
    var device: String?

    @Option(help: "Frames to capture for the latency measurement.")
    var frames = 200

    @Option(help: "Pixel format for the latency measurement: mjpeg, yuyv or nv12 (default: the camera's preference).")
    var format: String?

    @Flag(help: "Print JSON.")
    var json = false

    struct Figure: Codable {
        var name: String
        var medianMilliseconds: Double
        var p90Milliseconds: Double
        var samples: Int
        var note: String
    }

    func run() throws {
        let width = 640, height = 480
        let scene: Image
        if let image {
            scene = try Image.load(path: image, as: .rgb8).resized(width: width, height: height)
        } else {
            scene = Self.syntheticScene(width: width, height: height)
        }
        let jpeg = try scene.jpegData(quality: 80)
        let yuyv = Self.yuyv(from: scene)
        let nv12 = Self.nv12(from: scene)
        var figures: [Figure] = []
        let cases: [(String, SourcePixelFormat, [UInt8], Int, String)] = [
            ("mjpeg-640x480", .mjpeg, jpeg, 0, "\(jpeg.count) byte JPEG, libjpeg-turbo decode to RGB"),
            ("yuyv-640x480", .yuyv, yuyv, width * 2, "YUYV 4:2:2 to RGB"),
            ("nv12-640x480", .nv12, nv12, width, "NV12 4:2:0 to RGB"),
        ]
        for (name, pixelFormat, bytes, stride, note) in cases {
            let times = try Self.measure(runs: max(runs, 1)) {
                _ = try bytes.withUnsafeBytes { raw in
                    try FrameDecoding.rgbImage(
                        raw, format: pixelFormat, width: width, height: height, bytesPerLine: stride, source: name)
                }
            }
            figures.append(Figure(name: name, medianMilliseconds: times.sortedMedian, p90Milliseconds: times.sortedQuantile(0.9), samples: times.count, note: note))
        }
        if let device {
            figures += try latency(device)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(["figures": figures]), as: UTF8.self))
        } else {
            for figure in figures {
                print(String(format: "%-28@ median %8.3f ms  p90 %8.3f ms  (n=%d)  %@",
                             figure.name as NSString, figure.medianMilliseconds, figure.p90Milliseconds, figure.samples,
                             figure.note as NSString))
            }
        }
    }

    private func latency(_ device: String) throws -> [Figure] {
        #if os(Linux)
        var config = V4L2CaptureConfiguration(width: 640, height: 480)
        if let format {
            guard let chosen = SourcePixelFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be mjpeg, yuyv or nv12, got '\(format)'")
            }
            config.preferredFormats = [chosen]
        }
        let camera: V4L2Camera
        if device == "scripted" {
            // An in-memory camera streaming 640x480 YUYV at 30 fps: WayCue's own overhead, no driver.
            let fake = ScriptedV4L2Device(
                formats: [ScriptedV4L2Device.Format(.yuyv, sizes: [(640, 480)], framesPerSecond: [30])],
                frameInterval: 1.0 / 30)
            camera = try V4L2Camera(path: fake.path, configuration: config, io: fake)
        } else {
            camera = try V4L2Camera(path: device, configuration: config)
        }
        defer { camera.close() }
        var fromDriver: [Double] = []
        var fromDequeue: [Double] = []
        for _ in 0..<max(frames, 1) {
            guard let frame = try camera.next(timeout: 5) else { break }
            let now = MonotonicClock.now()
            fromDriver.append((now - frame.timestamp) * 1000)
            fromDequeue.append((now - (frame.receivedAt ?? now)) * 1000)
        }
        let stats = camera.statistics
        let name = "\(camera.format.pixelFormat)-\(camera.format.width)x\(camera.format.height)"
        let driver = fromDriver.sorted(), dequeue = fromDequeue.sorted()
        let dequeueFigure = Figure(
            name: "latency-dequeue-\(name)", medianMilliseconds: dequeue.sortedMedian, p90Milliseconds: dequeue.sortedQuantile(0.9),
            samples: dequeue.count,
            note: "\(device): VIDIOC_DQBUF to RGB frame from next() (copy, hand-over, convert); \(stats.framesDropped) dropped")
        // The scripted camera's timestamps are synthetic, so only the dequeue figure means anything.
        if device == "scripted" { return [dequeueFigure] }
        return [
            Figure(
                name: "latency-driver-stamp-\(name)", medianMilliseconds: driver.sortedMedian, p90Milliseconds: driver.sortedQuantile(0.9),
                samples: driver.count,
                note: "\(device): driver capture timestamp to RGB frame from next(); \(camera.format); \(stats.framesDropped) dropped"),
            dequeueFigure,
        ]
        #else
        throw CaptureError.unsupportedPlatform("latency on \(device)")
        #endif
    }

    static func measure(runs: Int, _ body: () throws -> Void) throws -> [Double] {
        for _ in 0..<min(5, runs) { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = MonotonicClock.now()
            try body()
            times.append((MonotonicClock.now() - start) * 1000)
        }
        return times.sorted()
    }

    /// A street-like test card: sky gradient, a textured road, stripes and edges.
    static func syntheticScene(width: Int, height: Int) -> Image {
        var image = Image(width: width, height: height, format: .rgb8)
        var seed: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                let noise = Int(seed >> 28)
                let o = (y * width + x) * 3
                if y < height / 3 {
                    image.pixels[o] = UInt8(120 + y / 4); image.pixels[o + 1] = UInt8(160 + y / 4); image.pixels[o + 2] = 230
                } else {
                    let stripe = ((x / 40) % 2 == 0 && y > height * 2 / 3) ? 110 : 0
                    let v = UInt8(min(255, 70 + noise * 6 + stripe + (x ^ y) % 16))
                    image.pixels[o] = v; image.pixels[o + 1] = v; image.pixels[o + 2] = UInt8(min(255, Int(v) + 8))
                }
            }
        }
        return image
    }

    static func yuv(_ r: Int, _ g: Int, _ b: Int) -> (Int, Int, Int) {
        let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
        let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
        let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
        return (y, u, v)
    }

    static func yuyv(from image: Image) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.width * image.height * 2)
        for y in 0..<image.height {
            for x in stride(from: 0, to: image.width, by: 2) {
                let a = image.offset(x: x, y: y), b = image.offset(x: x + 1, y: y)
                let p = yuv(Int(image.pixels[a]), Int(image.pixels[a + 1]), Int(image.pixels[a + 2]))
                let q = yuv(Int(image.pixels[b]), Int(image.pixels[b + 1]), Int(image.pixels[b + 2]))
                let o = (y * image.width + x) * 2
                out[o] = UInt8(clamping: p.0); out[o + 1] = UInt8(clamping: p.1)
                out[o + 2] = UInt8(clamping: q.0); out[o + 3] = UInt8(clamping: p.2)
            }
        }
        return out
    }

    static func nv12(from image: Image) -> [UInt8] {
        let w = image.width, h = image.height
        var out = [UInt8](repeating: 128, count: w * h + w * (h / 2))
        for y in 0..<h {
            for x in 0..<w {
                let a = image.offset(x: x, y: y)
                let p = yuv(Int(image.pixels[a]), Int(image.pixels[a + 1]), Int(image.pixels[a + 2]))
                out[y * w + x] = UInt8(clamping: p.0)
                if y % 2 == 0 && x % 2 == 0 {
                    out[w * h + (y / 2) * w + x] = UInt8(clamping: p.1)
                    out[w * h + (y / 2) * w + x + 1] = UInt8(clamping: p.2)
                }
            }
        }
        return out
    }
}

