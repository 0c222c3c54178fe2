import Testing
@testable import WayCueImage

/// Expected values below were worked out by hand from the floating-point BT.601
/// limited-range formula (R = 1.164 C + 1.596 E, G = 1.164 C - 0.392 D - 0.813 E,
/// B = 1.164 C + 2.017 D with C = Y - 16, D = U - 128, E = V - 128), rounded to the nearest
/// integer and clamped; the fixed-point code may differ by one level.
@Suite struct YUVConversionTests {
    static func rgb(_ image: Image, _ x: Int, _ y: Int) -> [Int] {
        let o = image.offset(x: x, y: y)
        return (0..<3).map { Int(image.pixels[o + $0]) }
    }

    static func near(_ a: [Int], _ b: [Int], tolerance: Int = 1) -> Bool {
        zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func yuyvBlackWhiteAndColours() throws {
        // Pixel pairs: (Y0 U Y1 V).
        let frame: [UInt8] = [
            16, 128, 235, 128,   // black, white (neutral chroma)
            126, 128, 126, 200,  // C=110, E=72: R=128.04+114.91=242.95, G=128.04-58.54=69.50, B=128.04
            81, 90, 81, 240,     // C=65, D=-38, E=112: R=75.66+178.75=254.41, G=75.66+14.90-91.06=-0.50, B=75.66-76.65=-0.99
            200, 200, 50, 60,    // C=184, D=72, E=-68: R=214.18-108.53=105.65, G=214.18-28.22+55.28=241.24, B=214.18+145.22=359.40;
                                 // C=34: R=39.58-108.53=-68.95, G=39.58-28.22+55.28=66.64, B=39.58+145.22=184.80
        ]
        let image = try Image.fromYUYV(frame, width: 8, height: 1)
        #expect(image.format == .rgb8 && image.width == 8 && image.height == 1)
        #expect(Self.rgb(image, 0, 0) == [0, 0, 0])
        #expect(Self.rgb(image, 1, 0) == [255, 255, 255])
        #expect(Self.near(Self.rgb(image, 2, 0), [243, 70, 128]))  // the pair shares U and V
        #expect(Self.near(Self.rgb(image, 3, 0), [243, 70, 128]))
        #expect(Self.near(Self.rgb(image, 4, 0), [254, 0, 0]))
        #expect(Self.near(Self.rgb(image, 6, 0), [106, 241, 255]))
        #expect(Self.near(Self.rgb(image, 7, 0), [0, 67, 185]))
    }

    @Test func yuyvToGreyIsExpandedLuma() throws {
        let frame: [UInt8] = [16, 10, 235, 250, 126, 128, 0, 128]
        let grey = try Image.fromYUYV(frame, width: 4, height: 1, as: .grey8)
        // 1.164 * (Y - 16): 0, 254.9, 128.04, clamp(-18.6) = 0.
        #expect(grey.pixels == [0, 255, 128, 0])
    }

    @Test func yuyvHonoursStride() throws {
        // Two rows of one pixel pair each, padded to 6 bytes.
        let frame: [UInt8] = [16, 128, 16, 128, 99, 99, 235, 128, 235, 128, 99, 99]
        let image = try Image.fromYUYV(frame, width: 2, height: 2, stride: 6, as: .grey8)
        #expect(image.pixels == [0, 0, 255, 255])
    }

    @Test func nv12SharesChromaPer2x2Block() throws {
        // 4x2 frame: Y plane then one row of two UV pairs.
        let luma: [UInt8] = [126, 126, 16, 235,
                             126, 81, 16, 235]
        let chroma: [UInt8] = [128, 200, 128, 128]  // block 0: U=128 V=200; block 1 neutral
        let image = try Image.fromNV12(luma + chroma, width: 4, height: 2)
        #expect(Self.near(Self.rgb(image, 0, 0), [243, 70, 128]))
        #expect(Self.near(Self.rgb(image, 1, 0), [243, 70, 128]))
        #expect(Self.near(Self.rgb(image, 0, 1), [243, 70, 128]))
        // Y=81 with U=128, V=200: C=65: R=75.66+114.91=190.57, G=75.66-58.54=17.12, B=75.66.
        #expect(Self.near(Self.rgb(image, 1, 1), [191, 17, 76]))
        #expect(Self.rgb(image, 2, 0) == [0, 0, 0] && Self.rgb(image, 3, 1) == [255, 255, 255])
    }

    @Test func nv12OddSizesAndStrides() throws {
        // 3x3: chroma is 2x2 pairs. Y stride 4, UV stride 6 (padding bytes 99).
        let luma: [UInt8] = [235, 235, 16, 99,
                             235, 235, 16, 99,
                             126, 126, 126]
        let chroma: [UInt8] = [128, 128, 128, 128, 99, 99,
                               128, 128, 128, 200]
        let image = try luma.withUnsafeBytes { y in
            try chroma.withUnsafeBytes { uv in
                try Image.fromNV12(luma: y, chroma: uv, width: 3, height: 3, lumaStride: 4, chromaStride: 6)
            }
        }
        #expect(Self.rgb(image, 0, 0) == [255, 255, 255])
        #expect(Self.rgb(image, 2, 1) == [0, 0, 0])
        #expect(Self.near(Self.rgb(image, 0, 2), [128, 128, 128]))
        #expect(Self.near(Self.rgb(image, 2, 2), [243, 70, 128]))
    }

    @Test func greyFrames() throws {
        let rgb = try Image.fromGrey([0, 50, 200, 7, 9, 255], width: 2, height: 2, stride: 3)
        #expect(rgb.format == .rgb8)
        #expect(Self.rgb(rgb, 1, 0) == [50, 50, 50])
        #expect(Self.rgb(rgb, 1, 1) == [9, 9, 9])
        let grey = try Image.fromGrey([0, 50, 200, 7, 9, 255], width: 2, height: 2, stride: 3, as: .grey8)
        #expect(grey.pixels == [0, 50, 7, 9])
    }

    @Test func badLayoutsThrow() {
        #expect(throws: ImageError.self) { try Image.fromYUYV([1, 2, 3], width: 2, height: 1) }
        #expect(throws: ImageError.self) { try Image.fromYUYV([UInt8](repeating: 0, count: 12), width: 3, height: 1) }
        #expect(throws: ImageError.self) { try Image.fromNV12([UInt8](repeating: 0, count: 11), width: 4, height: 2) }
        #expect(throws: ImageError.self) { try Image.fromNV12([], width: 0, height: 2) }
        #expect(throws: ImageError.self) { try Image.fromGrey([1, 2, 3], width: 2, height: 2) }
        // Absurd sizes are refused before any arithmetic can overflow.
        #expect(throws: ImageError.self) { try Image.fromYUYV([1, 2, 3, 4], width: Int.max - 1, height: Int.max) }
        #expect(throws: ImageError.self) { try Image.fromNV12([1, 2, 3, 4], width: 1 << 40, height: 1 << 40) }
        #expect(throws: ImageError.self) { try Image.fromGrey([1], width: 1, height: 1, stride: Int.max) }
    }

    @Test func rgbToGreyUsesBT601Luma() {
        var image = Image(width: 3, height: 1, format: .rgb8)
        image.pixels = [255, 0, 0, 0, 255, 0, 10, 20, 30]
        // (77 R + 150 G + 29 B + 128) >> 8: 77.2 -> 77, 149.9 -> 149 (38378 >> 8), 18.6 -> 18.
        #expect(image.converted(to: .grey8).pixels == [77, 149, 18])
        #expect(image.converted(to: .grey8).converted(to: .rgb8).pixels == [77, 77, 77, 149, 149, 149, 18, 18, 18])
    }
}

@Suite struct YUVEncodingTests {
    @Test func neutralGreysEncodeToNeutralChroma() {
        var image = Image(width: 2, height: 1, format: .rgb8)
        image.pixels = [0, 0, 0, 255, 255, 255]
        // Y = 16 and 235 (((66 + 129 + 25) * 255 + 128) >> 8 = 219, + 16), chroma 128.
        #expect(image.yuyvData() == [16, 128, 235, 128])
    }

    @Test func smoothImageSurvivesYUYVAndNV12() throws {
        let image = TestSupport.smoothImage(width: 64, height: 48)
        let viaYUYV = try Image.fromYUYV(image.yuyvData(), width: 64, height: 48)
        let viaNV12 = try Image.fromNV12(image.nv12Data(), width: 64, height: 48)
        // Chroma subsampling of a smooth image and two roundings cost a few levels.
        #expect(TestSupport.maxDifference(image, viaYUYV) <= 6)
        #expect(TestSupport.maxDifference(image, viaNV12) <= 6)
        // Odd sizes work too (a flat colour, so chroma averaging loses nothing).
        var odd = Image(width: 7, height: 5, format: .rgb8)
        for i in stride(from: 0, to: odd.pixels.count, by: 3) { odd.pixels[i] = 200; odd.pixels[i + 1] = 100; odd.pixels[i + 2] = 50 }
        #expect(TestSupport.maxDifference(odd, try Image.fromNV12(odd.nv12Data(), width: 7, height: 5)) <= 2)
        let even = try odd.cropped(x: 0, y: 0, width: 6, height: 5)
        #expect(TestSupport.maxDifference(even, try Image.fromYUYV(even.yuyvData(), width: 6, height: 5)) <= 2)
    }
}
