import Foundation
@testable import WayCueImage

/// Helpers shared by the image tests.
enum TestSupport {
    /// A smooth RGB gradient with a soft blob: JPEG-friendly, every channel varies.
    static func smoothImage(width: Int = 96, height: Int = 64) -> Image {
        var image = Image(width: width, height: height, format: .rgb8)
        for y in 0..<height {
            for x in 0..<width {
                let o = image.offset(x: x, y: y)
                let dx = Double(x - width / 2), dy = Double(y - height / 2)
                let blob = 60 * exp(-(dx * dx + dy * dy) / 800)
                image.pixels[o] = UInt8(40 + 150 * x / max(1, width - 1))
                image.pixels[o + 1] = UInt8(30 + 160 * y / max(1, height - 1))
                image.pixels[o + 2] = UInt8(min(255, 90 + blob))
            }
        }
        return image
    }

    /// An image with noise-like content (for exact, lossless round trips).
    static func noisyImage(width: Int, height: Int, format: PixelFormat, seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        var image = Image(width: width, height: height, format: format)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: rng.next()) }
        return image
    }

    /// The largest absolute difference between two same-sized images' bytes.
    static func maxDifference(_ a: Image, _ b: Image) -> Int {
        precondition(a.width == b.width && a.height == b.height && a.format == b.format)
        var worst = 0
        for y in 0..<a.height {
            for x in 0..<(a.width * a.format.bytesPerPixel) {
                worst = max(worst, abs(Int(a.pixels[y * a.stride + x]) - Int(b.pixels[y * b.stride + x])))
            }
        }
        return worst
    }

    /// CRC-32 (PNG, zlib polynomial) of `bytes`.
    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    /// Rewrites the CRC of the PNG chunk whose length field starts at `offset`.
    static func fixPNGChunkCRC(_ data: inout [UInt8], chunkAt offset: Int) {
        let length = Int(readBE32(data, offset))
        let end = offset + 8 + length
        guard end + 4 <= data.count else { return }
        let crc = crc32(data[(offset + 4)..<end])
        writeBE32(&data, end, crc)
    }

    static func readBE32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        data[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func writeBE32(_ data: inout [UInt8], _ offset: Int, _ value: UInt32) {
        for i in 0..<4 { data[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
    }

    /// Offsets of the JPEG markers `FF xx` (xx not 00, not FF, not RSTn) before the scan data.
    static func jpegMarkerOffsets(_ data: [UInt8]) -> [Int] {
        var result: [Int] = []
        var i = 2
        while i + 3 < data.count, data[i] == 0xFF {
            result.append(i)
            let marker = data[i + 1]
            if marker == 0xDA { break }
            i += 2 + Int(data[i + 2]) << 8 + Int(data[i + 3])
        }
        return result
    }

    /// Offsets of the PNG chunks' length fields.
    static func pngChunkOffsets(_ data: [UInt8]) -> [Int] {
        var result: [Int] = []
        var i = 8
        while i + 12 <= data.count {
            result.append(i)
            let length = Int(readBE32(data, i))
            guard length < data.count else { break }
            i += 12 + length
        }
        return result
    }

    /// The dataset folder (`../shared/datasets` beside the package, as in CI), if present.
    static var datasetsDirectory: String? {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets").path,
            "/work/shared/datasets",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "waycue-image-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A small deterministic random generator (SplitMix64) so fuzzing is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
