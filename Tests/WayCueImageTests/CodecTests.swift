import Foundation
import Testing
@testable import WayCueImage

@Suite struct JPEGCodecTests {
    @Test func roundTripAtQuality90StaysWithinAFewLevels() throws {
        let original = TestSupport.smoothImage()
        let data = try original.jpegData(quality: 90)
        #expect(ImageFileFormat.detect(data) == .jpeg)
        let decoded = try Image.decode(data, source: "roundtrip.jpg")
        #expect(decoded.width == original.width && decoded.height == original.height)
        #expect(decoded.format == .rgb8)
        let worst = TestSupport.maxDifference(original, decoded)
        #expect(worst <= 6, "max channel difference \(worst)")
    }

    @Test func greyRoundTripStaysGrey() throws {
        let original = TestSupport.smoothImage().converted(to: .grey8)
        let decoded = try Image(jpegData: try original.jpegData(quality: 95))
        #expect(decoded.format == .grey8)
        #expect(TestSupport.maxDifference(original, decoded) <= 4)
        let header = try Image.readHeader(try original.jpegData())
        #expect(header == ImageHeader(fileFormat: .jpeg, width: 96, height: 64, naturalFormat: .grey8))
    }

    @Test func decodeCanConvertFormat() throws {
        let data = try TestSupport.smoothImage().jpegData()
        let grey = try Image.decode(data, as: .grey8)
        #expect(grey.format == .grey8)
        let rgbFromGrey = try Image.decode(try grey.jpegData(), as: .rgb8)
        #expect(rgbFromGrey.format == .rgb8)
        let o = rgbFromGrey.offset(x: 10, y: 10)
        #expect(rgbFromGrey.pixels[o] == rgbFromGrey.pixels[o + 1] && rgbFromGrey.pixels[o] == rgbFromGrey.pixels[o + 2])
    }

    @Test func lowerQualityGivesSmallerFiles() throws {
        let image = TestSupport.smoothImage(width: 128, height: 128)
        #expect(try image.jpegData(quality: 30).count < image.jpegData(quality: 95).count)
    }

    @Test func paddedStrideEncodes() throws {
        let base = TestSupport.smoothImage(width: 20, height: 10)
        var padded = [UInt8](repeating: 7, count: 10 * 64)
        for y in 0..<10 { for x in 0..<60 { padded[y * 64 + x] = base.pixels[y * base.stride + x] } }
        let strided = try Image(width: 20, height: 10, format: .rgb8, stride: 64, pixels: padded)
        let fromStrided = try Image.decode(try strided.jpegData(quality: 92))
        let fromPacked = try Image.decode(try base.jpegData(quality: 92))
        #expect(fromStrided == fromPacked)
    }
}

@Suite struct PNGCodecTests {
    @Test func rgbRoundTripIsExact() throws {
        let original = TestSupport.noisyImage(width: 37, height: 23, format: .rgb8, seed: 1)
        let data = try original.pngData()
        #expect(ImageFileFormat.detect(data) == .png)
        let decoded = try Image(pngData: data, source: "noise.png")
        #expect(decoded == original)
    }

    @Test func greyRoundTripIsExact() throws {
        let original = TestSupport.noisyImage(width: 64, height: 5, format: .grey8, seed: 2)
        let decoded = try Image.decode(try original.pngData())
        #expect(decoded == original)
        #expect(try Image.readHeader(try original.pngData()).naturalFormat == .grey8)
    }

    @Test func stridedImageRoundTrips() throws {
        let base = TestSupport.noisyImage(width: 5, height: 4, format: .rgb8, seed: 3)
        var padded = [UInt8](repeating: 0, count: 4 * 17)  // 17 is not a multiple of 3
        for y in 0..<4 { for x in 0..<15 { padded[y * 17 + x] = base.pixels[y * 15 + x] } }
        let strided = try Image(width: 5, height: 4, format: .rgb8, stride: 17, pixels: padded)
        #expect(try Image.decode(try strided.pngData()) == base)
    }
}

@Suite struct CodecErrorTests {
    @Test func emptyDataIsEmpty() {
        #expect(throws: ImageError.empty(source: "a.jpg")) { try Image.decode([], source: "a.jpg") }
    }

    @Test func textIsUnknownFormat() {
        let bytes = Array("hello, this is not an image".utf8)
        #expect(throws: ImageError.unknownFormat(source: "notes.txt")) {
            try Image.decode(bytes, source: "notes.txt")
        }
        #expect(throws: ImageError.unknownFormat(source: "x")) { try Image(pngData: [0xFF, 0xD8, 0xFF], source: "x") }
    }

    @Test func truncatedJPEGIsCorruptByDefaultAndPaddedOnRequest() throws {
        let full = try TestSupport.smoothImage(width: 128, height: 96).jpegData(quality: 90)
        let truncated = Array(full.prefix(full.count * 2 / 3))
        do {
            _ = try Image.decode(truncated, source: "cut.jpg")
            Issue.record("a truncated JPEG decoded without error")
        } catch {
            guard case .corrupt(let source, let reason) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(source == "cut.jpg")
            #expect(reason.contains("truncated") || reason.contains("Premature"))
        }
        let salvaged = try Image.decode(truncated, limits: ImageDecodingLimits(acceptsCorruptJPEGData: true))
        #expect(salvaged.width == 128 && salvaged.height == 96)
    }

    @Test func truncatedPNGIsCorrupt() throws {
        let full = try TestSupport.noisyImage(width: 40, height: 40, format: .rgb8, seed: 4).pngData()
        #expect {
            try Image.decode(Array(full.prefix(full.count / 2)), source: "cut.png")
        } throws: { error in
            guard case .corrupt(source: "cut.png", _)? = error as? ImageError else { return false }
            return true
        }
    }

    @Test func jpegBombIsRefusedBeforeDecoding() throws {
        var data = try TestSupport.smoothImage(width: 16, height: 16).jpegData()
        // Patch the SOF0 frame header: FF C0, length(2), precision(1), height(2), width(2).
        let sof = try #require(TestSupport.jpegMarkerOffsets(data).first { data[$0 + 1] == 0xC0 })
        data[sof + 5] = 0xEA; data[sof + 6] = 0x60  // height 60000
        data[sof + 7] = 0xEA; data[sof + 8] = 0x60  // width 60000
        #expect(throws: ImageError.tooLarge(source: "bomb.jpg", width: 60000, height: 60000, limit: 50_000_000)) {
            try Image.decode(data, source: "bomb.jpg")
        }
        let header = try Image.readHeader(data)
        #expect(header.width == 60000)
        // A lower configured limit applies to ordinary images too.
        let small = try TestSupport.smoothImage(width: 16, height: 16).jpegData()
        #expect(throws: ImageError.tooLarge(source: "s", width: 16, height: 16, limit: 100)) {
            try Image.decode(small, source: "s", limits: ImageDecodingLimits(maxPixels: 100))
        }
    }

    @Test func pngBombIsRefusedBeforeDecoding() throws {
        var data = try TestSupport.noisyImage(width: 8, height: 8, format: .rgb8, seed: 5).pngData()
        // IHDR is the first chunk: length at 8, type at 12, width at 16, height at 20.
        TestSupport.writeBE32(&data, 16, 100_000)
        TestSupport.writeBE32(&data, 20, 100_000)
        TestSupport.fixPNGChunkCRC(&data, chunkAt: 8)
        #expect(throws: ImageError.tooLarge(source: "bomb.png", width: 100_000, height: 100_000, limit: 50_000_000)) {
            try Image.decode(data, source: "bomb.png")
        }
    }

    @Test func fileErrorsNameThePath() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/missing.jpg"
        #expect(throws: ImageError.io(path: missing, reason: "no such file")) { try Image.load(path: missing) }
        #expect(throws: ImageError.io(path: dir, reason: "is a directory")) { try Image.load(path: dir) }
        let empty = dir + "/empty.png"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: ImageError.empty(source: empty)) { try Image(contentsOfFile: empty) }
        let text = dir + "/notes.jpg"
        _ = FileManager.default.createFile(atPath: text, contents: Data("plain text".utf8))
        #expect(throws: ImageError.unknownFormat(source: text)) { try Image.load(path: text) }
        let bad = dir + "/out.bmp"
        #expect(throws: ImageError.self) { try TestSupport.smoothImage().write(to: bad) }
    }

    @Test func writeAndLoadByExtension() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = TestSupport.noisyImage(width: 12, height: 9, format: .rgb8, seed: 6)
        try image.write(to: dir + "/a.PNG")
        #expect(try Image.load(path: dir + "/a.PNG") == image)
        let smooth = TestSupport.smoothImage()
        try smooth.write(to: dir + "/b.jpeg", quality: 90)
        let back = try Image(contentsOfFile: dir + "/b.jpeg")
        #expect(TestSupport.maxDifference(back, smooth) <= 6)
        #expect(try Image.readHeader(path: dir + "/b.jpeg").fileFormat == .jpeg)
    }
}

@Suite struct CMYKJPEGTests {
    /// A 16x8 Adobe CMYK JPEG made with Pillow 13 (`Image.new("CMYK", (16, 8))`, left half
    /// C=255 M=Y=K=0, right half K=128, quality 95). Pillow decodes it to (0, 255, 255) and
    /// (127, 127, 127).
    static let cmykHex = """
        ffd8ffee000e41646f626500640000000000ffdb00430002010101010102010101020202020204030202020205040403\
        04060506060605060606070908060709070606080b08090a0a0a0a0a06080b0c0b0a0c090a0a0affc000140800080010\
        044311004d11005911004b1100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc4\
        00b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c115\
        52d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566\
        6768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2\
        c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda000e0443004d005900\
        4b00003f00fe7febf7f2bf7f2bf7f2bfbfca28afe7febfffd9
        """

    static var cmykBytes: [UInt8] {
        let hex = Array(cmykHex.utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    @Test func cmykConvertsToRGBAndGrey() throws {
        let data = Self.cmykBytes
        #expect(data.count == 361)
        let image = try Image.decode(data, source: "cmyk.jpg")
        #expect(image.format == .rgb8 && image.width == 16 && image.height == 8)
        let cyan = try #require(image.pixel(x: 2, y: 2)), grey = try #require(image.pixel(x: 12, y: 2))
        #expect(Int(cyan.red) <= 3 && cyan.green >= 252 && cyan.blue >= 252)
        #expect(abs(Int(grey.red) - 127) <= 3 && abs(Int(grey.green) - 127) <= 3 && abs(Int(grey.blue) - 127) <= 3)
        let asGrey = try Image.decode(data, as: .grey8)
        #expect(abs(Int(asGrey.pixels[12]) - 127) <= 3)
        #expect(abs(Int(asGrey.pixels[2]) - Int(PixelColor(red: 0, green: 255, blue: 255).luma)) <= 3)
    }
}

@Suite struct ReducedDecodeTests {
    @Test func jpegReductionDecodesSmallerImagesCloseToAResize() throws {
        let original = TestSupport.smoothImage(width: 160, height: 120)
        let data = try original.jpegData(quality: 95)
        let full = try Image.decode(data)
        for reduction in [2, 4, 8] {
            let small = try Image.decode(data, reduction: reduction)
            #expect(small.width == 160 / reduction && small.height == 120 / reduction)
            let reference = full.resized(width: small.width, height: small.height)
            let total = zip(small.pixels, reference.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(total) / Double(small.pixels.count) < 3, "reduction \(reduction)")
        }
        // Odd sizes round up, as libjpeg does.
        let odd = try TestSupport.smoothImage(width: 97, height: 61).jpegData()
        let reduced = try Image.decode(odd, as: .grey8, reduction: 4)
        #expect(reduced.width == 25 && reduced.height == 16 && reduced.format == .grey8)
    }

    @Test func pngReductionResizes() throws {
        let image = TestSupport.noisyImage(width: 21, height: 10, format: .rgb8, seed: 31)
        let reduced = try Image.decode(try image.pngData(), reduction: 2)
        #expect(reduced == image.resized(width: 11, height: 5))
    }

    @Test func invalidReductionIsRefused() throws {
        let data = try TestSupport.smoothImage().jpegData()
        #expect(throws: ImageError.self) { try Image.decode(data, reduction: 3) }
        #expect(throws: ImageError.self) { try Image.decode(data, reduction: 16) }
    }

    @Test func letterboxReductionKeepsEnoughPixels() {
        func header(_ w: Int, _ h: Int) -> ImageHeader { ImageHeader(fileFormat: .jpeg, width: w, height: h, naturalFormat: .rgb8) }
        #expect(header(640, 480).reduction(forLetterboxToWidth: 320, height: 320) == 2)
        #expect(header(640, 640).reduction(forLetterboxToWidth: 320, height: 320) == 2)
        #expect(header(639, 639).reduction(forLetterboxToWidth: 320, height: 320) == 1)
        #expect(header(1920, 1080).reduction(forLetterboxToWidth: 320, height: 320) == 4)  // gain 1/6
        #expect(header(8000, 6000).reduction(forLetterboxToWidth: 320, height: 320) == 8)
        #expect(header(100, 100).reduction(forLetterboxToWidth: 320, height: 320) == 1)
    }
}

@Suite struct ConcurrentDecodeTests {
    /// Decoders keep all state per call (libjpeg's error jump buffer, libpng's control block),
    /// so parallel decodes of good and bad data agree with serial ones.
    @Test func parallelDecodesMatchSerialOnes() throws {
        let jpeg = try TestSupport.smoothImage(width: 64, height: 48).jpegData()
        let png = try TestSupport.noisyImage(width: 33, height: 17, format: .rgb8, seed: 41).pngData()
        let bad = Array(jpeg.prefix(jpeg.count / 2))
        let expectedJPEG = try Image.decode(jpeg), expectedPNG = try Image.decode(png)
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            var ok = true
            switch i % 3 {
            case 0: ok = (try? Image.decode(jpeg)) == expectedJPEG
            case 1: ok = (try? Image.decode(png)) == expectedPNG
            default:
                do { _ = try Image.decode(bad, source: "bad-\(i)"); ok = false } catch {
                    if case .corrupt(let source, _)? = error as? ImageError, source == "bad-\(i)" {} else { ok = false }
                }
            }
            if !ok { mismatches.increment() }
        }
        #expect(mismatches.value == 0)
    }

    /// A lock-protected count (Synchronization's Mutex needs macOS 15; the package supports 14).
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }
}
