import Foundation
import Testing
import WayCueImage
@testable import WayCueCapture

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-capture-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A small image of one colour with a white square whose position encodes `mark`.
func testImage(_ red: UInt8, _ green: UInt8, _ blue: UInt8, width: Int = 64, height: Int = 48) -> Image {
    var image = Image(width: width, height: height, format: .rgb8)
    for i in 0..<(width * height) {
        image.pixels[i * 3] = red
        image.pixels[i * 3 + 1] = green
        image.pixels[i * 3 + 2] = blue
    }
    return image
}

func meanColour(_ image: Image) -> [Int] {
    var sums = [0, 0, 0]
    for i in 0..<(image.width * image.height) {
        for c in 0..<3 { sums[c] += Int(image.pixels[i * 3 + c]) }
    }
    return sums.map { $0 / (image.width * image.height) }
}

func close(_ a: [Int], _ b: [Int], within tolerance: Int = 6) -> Bool {
    zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

let colours: [[UInt8]] = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [220, 220, 40]]

@Suite("Recorded footage and recording")
struct FootageTests {
    @Test func recorderWritesMJPEGAndTimestampsThatPlayBack() throws {
        let folder = try temporaryFolder()
        let path = folder + "/walk.mjpeg"
        let recorder = try MJPEGRecorder(path: path, quality: 95)
        for (i, c) in colours.enumerated() {
            let frame = Frame(image: testImage(c[0], c[1], c[2]), timestamp: 500 + Double(i) * 0.04, sequence: UInt64(i), sourceFormat: .yuyv)
            try recorder.write(frame)
        }
        try recorder.finish()
        #expect(recorder.framesWritten == 4)
        #expect(throws: CaptureError.self) {
            try recorder.write(Frame(image: testImage(0, 0, 0), timestamp: 0, sequence: 9, sourceFormat: .yuyv))
        }
        let text = try String(contentsOfFile: folder + "/walk.timestamps", encoding: .utf8)
        #expect(text.hasPrefix("# waycue timestamps v1"))
        #expect(text.contains("3 0.120000"))

        let source = try MJPEGFileSource(path: path)
        var frames: [Frame] = []
        while let frame = try source.next() { frames.append(frame) }
        #expect(frames.count == 4)
        for (i, frame) in frames.enumerated() {
            #expect(frame.sequence == UInt64(i))
            #expect(abs(frame.timestamp - Double(i) * 0.04) < 1e-6)
            #expect(frame.image.width == 64 && frame.image.height == 48)
            #expect(close(meanColour(frame.image), colours[i].map(Int.init)))
            #expect(frame.sourceFormat == .mjpeg)
        }
        #expect(try source.next() == nil)
    }

    @Test func recorderStoresCameraJPEGBytesUnchanged() throws {
        let folder = try temporaryFolder()
        let jpeg = try testImage(10, 20, 30).jpegData(quality: 70)
        let recorder = try MJPEGRecorder(path: folder + "/cam.mjpeg")
        let decoded = try Image.decode(jpeg, source: "test")
        try recorder.write(Frame(image: decoded, timestamp: 1, sequence: 0, sourceFormat: .mjpeg, jpegData: jpeg))
        try recorder.write(Frame(image: decoded, timestamp: 2, sequence: 1, sourceFormat: .mjpeg, jpegData: jpeg))
        try recorder.finish()
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/cam.mjpeg")))
        #expect(data == jpeg + jpeg)
    }

    @Test func mjpegWithoutTimestampsUsesTheFrameRateAndSkipsGarbage() throws {
        let folder = try temporaryFolder()
        var bytes: [UInt8] = [0x00, 0x11, 0xFF]  // junk before the first frame
        for c in colours.prefix(3) { bytes += try testImage(c[0], c[1], c[2]).jpegData() + [0x0A, 0x0D] }
        try writeFile(atPath: folder + "/cam.mjpg", contents: Data(bytes))
        let source = try MJPEGFileSource(path: folder + "/cam.mjpg", options: FootageOptions(speed: .asFastAsPossible, framesPerSecond: 10))
        var times: [Double] = []
        while let frame = try source.next() { times.append(frame.timestamp) }
        #expect(times == [0, 0.1, 0.2])
    }

    @Test func truncatedAndEmptyMJPEGGiveClearErrors() throws {
        let folder = try temporaryFolder()
        let jpeg = try testImage(1, 2, 3).jpegData()
        try writeFile(atPath: folder + "/cut.mjpeg", contents: Data(jpeg + jpeg.prefix(jpeg.count / 2)))
        let source = try MJPEGFileSource(path: folder + "/cut.mjpeg")
        #expect(try source.next() != nil)
        #expect {
            _ = try source.next()
        } throws: { error in
            guard case CaptureError.invalidFootage(let path, let reason) = error else { return false }
            return path.hasSuffix("cut.mjpeg") && reason.contains("frame 1") && reason.contains("cut off")
        }
        try writeFile(atPath: folder + "/empty.mjpeg", contents: Data([1, 2, 3]))
        #expect(throws: CaptureError.invalidFootage(path: folder + "/empty.mjpeg", reason: "no JPEG image in the file")) {
            try MJPEGFileSource(path: folder + "/empty.mjpeg")
        }
        #expect(throws: CaptureError.notFound(path: folder + "/missing.mjpeg")) {
            try MJPEGFileSource(path: folder + "/missing.mjpeg")
        }
    }

    @Test func splitterIsNotFooledByThumbnailsOrStuffedBytes() throws {
        let jpeg = try testImage(50, 60, 70).jpegData()
        // An APP1 segment carrying a fake embedded JPEG (SOI ... EOI) right after SOI.
        let payload: [UInt8] = [0xFF, 0xD8, 0xFF, 0xD9, 0x12, 0x34]
        let length = payload.count + 2
        let withThumbnail = [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
        let stream = withThumbnail + jpeg
        stream.withUnsafeBytes { bytes in
            guard case .frame(let first) = JPEGStreamSplitter.next(in: bytes, from: 0) else {
                Issue.record("no first frame"); return
            }
            #expect(first == 0..<withThumbnail.count)
            guard case .frame(let second) = JPEGStreamSplitter.next(in: bytes, from: first.upperBound) else {
                Issue.record("no second frame"); return
            }
            #expect(second == withThumbnail.count..<stream.count)
            #expect(JPEGStreamSplitter.next(in: bytes, from: second.upperBound) == .end)
        }
        #expect(try Image.decode(Array(withThumbnail), source: "thumb").width == 64)
    }

    @Test func splitterFuzzNeverCrashesAndAlwaysMovesForward() throws {
        let base = try testImage(90, 10, 200).jpegData() + testImage(5, 5, 5).jpegData()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var bytes = base
            if round % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) }
            for _ in 0..<Int.random(in: 1...20, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            bytes.withUnsafeBytes { raw in
                var offset = 0
                var steps = 0
                loop: while steps < 100 {
                    steps += 1
                    switch JPEGStreamSplitter.next(in: raw, from: offset) {
                    case .end: break loop
                    case .damaged(let start, _):
                        #expect(start >= offset && start < raw.count)
                        break loop
                    case .frame(let range):
                        #expect(range.lowerBound >= offset && range.upperBound <= raw.count && !range.isEmpty)
                        offset = range.upperBound
                    }
                }
                #expect(steps < 100)
            }
            // Decoding whatever the splitter finds fails cleanly or succeeds; never crashes.
            let folder = try temporaryFolder()
            try writeFile(atPath: folder + "/f.mjpeg", contents: Data(bytes))
            if let source = try? MJPEGFileSource(path: folder + "/f.mjpeg") {
                for _ in 0..<5 { guard (try? source.next()) != nil else { break } }
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    @Test func imageFolderSortsNumericallyAndUsesTheTimestampsFile() throws {
        let folder = try temporaryFolder()
        for (i, name) in ["frame10.png", "frame2.jpg", "frame1.png"].enumerated() {
            let c = colours[i]
            let image = testImage(c[0], c[1], c[2])
            let data = name.hasSuffix("png") ? try image.encoded(as: .png) : try image.jpegData(quality: 95)
            try writeFile(atPath: folder + "/" + name, contents: Data(data))
        }
        try writeFile(atPath: folder + "/notes.txt", contents: Data("x".utf8))
        try writeFile(
            atPath: folder + "/timestamps.txt", contents: Data("# time\nframe1.png 0.0\nframe2.jpg 0.5\nframe10.png 1.25\n".utf8))
        let source = try ImageFolderSource(path: folder)
        #expect(source.files.map { ($0 as NSString).lastPathComponent } == ["frame1.png", "frame2.jpg", "frame10.png"])
        var frames: [Frame] = []
        while let frame = try source.next() { frames.append(frame) }
        #expect(frames.map(\.timestamp) == [0, 0.5, 1.25])
        #expect(frames[0].image.pixels[0] == colours[2][0])  // PNG is lossless
        #expect(frames[1].sourceFormat == .jpeg && frames[1].jpegData != nil)
        #expect(frames[2].sourceFormat == .imageFile)

        try writeFile(atPath: folder + "/timestamps.txt", contents: Data("0\n1\n".utf8))
        #expect(throws: CaptureError.invalidFootage(path: folder + "/timestamps.txt", reason: "2 timestamps for 3 images")) {
            try ImageFolderSource(path: folder)
        }
        let empty = try temporaryFolder()
        #expect(throws: CaptureError.self) { try ImageFolderSource(path: empty) }
    }

    @Test func timestampsParserNamesTheBadLine() throws {
        #expect(try TimestampsFile.parse("0\n# c\n\n1 0.5\n2,1.0\n", path: "t") == [0, 0.5, 1.0])
        #expect(throws: CaptureError.invalidFootage(path: "t", reason: "line 2: expected 'seconds' or 'name seconds', got 'abc'")) {
            try TimestampsFile.parse("0\nabc\n", path: "t")
        }
        #expect(throws: CaptureError.invalidFootage(path: "t", reason: "line 2: time 0.5 goes back before 1.0")) {
            try TimestampsFile.parse("1\n0.5\n", path: "t")
        }
    }

    @Test func recordedSpeedHoldsFramesBackAndFastDoesNot() throws {
        let folder = try temporaryFolder()
        let recorder = try MJPEGRecorder(path: folder + "/slow.mjpeg")
        for i in 0..<3 {
            try recorder.write(Frame(image: testImage(9, 9, 9, width: 16, height: 16), timestamp: Double(i) * 0.15, sequence: UInt64(i), sourceFormat: .yuyv))
        }
        try recorder.finish()
        func playAll(_ speed: PlaybackSpeed) throws -> Double {
            let source = try MJPEGFileSource(path: folder + "/slow.mjpeg", options: FootageOptions(speed: speed))
            let start = MonotonicClock.now()
            while try source.next() != nil {}
            return MonotonicClock.now() - start
        }
        #expect(try playAll(.recorded) >= 0.29)
        #expect(try playAll(.asFastAsPossible) < 0.29)
    }

    @Test func frameSourcesPicksBySuffix() throws {
        let folder = try temporaryFolder()
        let recorder = try MJPEGRecorder(path: folder + "/a.mjpeg")
        try recorder.write(Frame(image: testImage(1, 1, 1, width: 8, height: 8), timestamp: 0, sequence: 0, sourceFormat: .yuyv))
        try recorder.finish()
        #expect(try FrameSources.open(folder + "/a.mjpeg") is MJPEGFileSource)
        #expect(throws: CaptureError.notFound(path: folder + "/nope.y4m")) { try FrameSources.open(folder + "/nope.y4m") }
    }
}

struct TestFileError: Error { let path: String }

/// Creates a file or fails the test.
func writeFile(atPath path: String, contents: Data?) throws {
    guard FileManager.default.createFile(atPath: path, contents: contents) else { throw TestFileError(path: path) }
}
