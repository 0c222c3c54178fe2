import ArgumentParser
import Foundation
import WayCueImage

/// `waycue bench image`: speed of the image layer's hot paths on one 640x480 frame.
struct BenchImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Time JPEG decoding, letterboxing and YUYV conversion of a 640x480 frame.",
        // Cases: JPEG decode (full and DCT-reduced by 2), letterbox to 320x320 from 640x480 and
        // 1280x720, YUYV and NV12 to RGB, JPEG encode at quality 90.
        discussion: """
            The frame is a real photo resized to 640x480 (--photo, or the first validation image \
            of ../shared/datasets/pedestrian-lights-crosswalks when present), otherwise a \
            synthetic scene. Each case runs --warmup times untimed, then --runs times; the \
            median and 90th percentile are reported in milliseconds. Build in release mode \
            for meaningful figures.

            Examples:
              swift build -c release --product waycue
              .build/release/waycue bench image
              .build/release/waycue bench image --runs 200 --json
              .build/release/waycue bench image --photo street.jpg
            """)

    @Option(help: "Timed runs per case.")
    var runs = 50

    @Option(help: "Untimed warm-up runs per case.")
    var warmup = 5

    @Option(help: "A JPEG or PNG photo to build the 640x480 frame from.")
    var photo: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }

    /// One benchmark case's timings.
    struct Result: Codable {
        var name: String
        var medianMs: Double
        var p90Ms: Double
        var minMs: Double
        var runs: Int

        enum CodingKeys: String, CodingKey {
            case name, runs
            case medianMs = "median_ms"
            case p90Ms = "p90_ms"
            case minMs = "min_ms"
        }
    }

    struct Report: Codable {
        var frame: String
        var source: String
        var jpegBytes: Int
        var results: [Result]

        enum CodingKeys: String, CodingKey {
            case frame, source, results
            case jpegBytes = "jpeg_bytes"
        }
    }

    /// The default photo: the first sorted validation image of the pedestrian-light set.
    static func defaultPhoto() -> String? {
        let folder = "../shared/datasets/pedestrian-lights-crosswalks/valid/images"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.lowercased().hasSuffix(".jpg") }.sorted().first.map { folder + "/" + $0 }
    }

    /// A synthetic 640x480 street-like scene: sky and road gradients, a crossing, a light.
    static func syntheticFrame() -> Image {
        var frame = Image(width: 640, height: 480, format: .rgb8)
        for y in 0..<480 {
            let sky = y < 200
            let shade = UInt8(sky ? 150 + y / 4 : 60 + (y - 200) / 4)
            frame.fillRectangle(x: 0, y: y, width: 640, height: 1,
                                color: sky ? PixelColor(red: shade / 2, green: shade, blue: 255) : PixelColor(grey: shade))
        }
        for i in 0..<8 { frame.fillRectangle(x: 60 + i * 70, y: 330, width: 40, height: 100, color: .white) }
        frame.fillRectangle(x: 420, y: 60, width: 50, height: 110, color: .black)
        frame.drawCircle(centerX: 445, centerY: 140, radius: 18, color: .green, filled: true)
        frame.drawText("WAYCUE BENCH", x: 20, y: 20, color: .black, scale: 3)
        return frame
    }

    static func time(_ name: String, runs: Int, warmup: Int, _ body: () throws -> Void) rethrows -> Result {
        for _ in 0..<warmup { try body() }
        var samples: [Double] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        samples.sort()
        let median = samples.count % 2 == 1
            ? samples[samples.count / 2]
            : (samples[samples.count / 2 - 1] + samples[samples.count / 2]) / 2
        let p90 = samples[min(samples.count - 1, Int((Double(samples.count) * 0.9).rounded(.up)) - 1)]
        return Result(name: name, medianMs: median, p90Ms: p90, minMs: samples[0], runs: runs)
    }

    func run() throws {
        let source: String
        let frame: Image
        if let path = photo ?? BenchImage.defaultPhoto() {
            frame = try Image.load(path: path, as: .rgb8).resized(width: 640, height: 480)
            source = path
        } else {
            frame = BenchImage.syntheticFrame()
            source = "synthetic"
        }
        let jpeg = try frame.jpegData(quality: 90)
        let yuyv = frame.yuyvData()
        let nv12 = frame.nv12Data()
        var sink = 0  // keeps results alive so nothing is optimised away
        var results: [Result] = []
        results.append(try BenchImage.time("jpeg_decode_640x480", runs: runs, warmup: warmup) {
            sink &+= Int(try Image.decode(jpeg).pixels[1000])
        })
        results.append(try BenchImage.time("jpeg_decode_640x480_reduced_2", runs: runs, warmup: warmup) {
            sink &+= Int(try Image.decode(jpeg, reduction: 2).pixels[1000])
        })
        results.append(BenchImage.time("letterbox_640x480_to_320x320", runs: runs, warmup: warmup) {
            sink &+= Int(frame.letterboxed(to: 320).image.pixels[50_000])
        })
        let hd = frame.resized(width: 1280, height: 720)
        results.append(BenchImage.time("letterbox_1280x720_to_320x320", runs: runs, warmup: warmup) {
            sink &+= Int(hd.letterboxed(to: 320).image.pixels[50_000])
        })
        results.append(try BenchImage.time("yuyv_to_rgb_640x480", runs: runs, warmup: warmup) {
            sink &+= Int(try Image.fromYUYV(yuyv, width: 640, height: 480).pixels[1000])
        })
        results.append(try BenchImage.time("nv12_to_rgb_640x480", runs: runs, warmup: warmup) {
            sink &+= Int(try Image.fromNV12(nv12, width: 640, height: 480).pixels[1000])
        })
        results.append(try BenchImage.time("jpeg_encode_640x480_q90", runs: runs, warmup: warmup) {
            sink &+= try frame.jpegData(quality: 90).count
        })
        let report = Report(frame: "640x480", source: source, jpegBytes: jpeg.count, results: results)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("frame 640x480 from \(source), JPEG q90 \(jpeg.count) bytes, \(runs) runs after \(warmup) warm-up")
            for r in results {
                let name = r.name.padding(toLength: 32, withPad: " ", startingAt: 0)
                print("\(name) median \(String(format: "%7.3f", r.medianMs)) ms   p90 \(String(format: "%7.3f", r.p90Ms)) ms")
            }
        }
        if sink == Int.min { print("") }
    }
}
