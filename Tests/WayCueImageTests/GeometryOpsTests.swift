import Testing
@testable import WayCueImage

@Suite struct CropTests {
    @Test func cropCopiesTheRectangle() throws {
        let image = TestSupport.noisyImage(width: 10, height: 8, format: .rgb8, seed: 11)
        let crop = try image.cropped(x: 3, y: 2, width: 4, height: 5)
        #expect(crop.width == 4 && crop.height == 5)
        for y in 0..<5 {
            for x in 0..<4 {
                let a = crop.offset(x: x, y: y), b = image.offset(x: x + 3, y: y + 2)
                #expect(Array(crop.pixels[a..<(a + 3)]) == Array(image.pixels[b..<(b + 3)]))
            }
        }
    }

    @Test func cropClipsAndRejectsMisses() throws {
        let image = TestSupport.noisyImage(width: 10, height: 8, format: .grey8, seed: 12)
        let clipped = try image.cropped(x: -5, y: 6, width: 8, height: 10)
        #expect(clipped.width == 3 && clipped.height == 2)
        #expect(clipped.pixels[0] == image.pixels[6 * 10])
        #expect(throws: ImageError.self) { try image.cropped(x: 10, y: 0, width: 3, height: 3) }
        #expect(throws: ImageError.self) { try image.cropped(x: 0, y: 0, width: 0, height: 3) }
        let boxCrop = try image.cropped(to: Box(x1: 1.5, y1: 0.2, x2: 4.1, y2: 3))
        #expect(boxCrop.width == 4 && boxCrop.height == 3)  // x 1..<5, y 0..<3
        #expect(throws: ImageError.self) { try image.cropped(to: Box(x1: .nan, y1: 0, x2: 1, y2: 1)) }
    }
}

@Suite struct ResizeTests {
    @Test func sameSizeIsIdentity() {
        let image = TestSupport.noisyImage(width: 13, height: 7, format: .rgb8, seed: 13)
        #expect(image.resized(width: 13, height: 7) == image)
    }

    @Test func constantStaysConstant() {
        let image = Image(width: 17, height: 9, format: .rgb8, fill: 77)
        for (w, h) in [(5, 3), (40, 31), (1, 1), (17, 30)] {
            let out = image.resized(width: w, height: h)
            #expect(out.width == w && out.height == h)
            #expect(out.pixels.allSatisfy { $0 == 77 })
        }
    }

    @Test func upscaleByTwoUsesHalfPixelCentres() throws {
        let image = try Image(width: 2, height: 1, format: .grey8, pixels: [0, 255])
        // Samples at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        #expect(image.resized(width: 4, height: 1).pixels == [0, 64, 191, 255])
        // Vertically the same.
        let column = try Image(width: 1, height: 2, format: .grey8, pixels: [0, 255])
        #expect(column.resized(width: 1, height: 4).pixels == [0, 64, 191, 255])
    }

    @Test func downscaleByTwoAveragesPairs() throws {
        let image = try Image(width: 4, height: 1, format: .grey8, pixels: [0, 100, 200, 255])
        #expect(image.resized(width: 2, height: 1).pixels == [50, 228])  // 227.5 rounds up
    }

    @Test func strongDownscalesAverageInsteadOfAliasing() {
        // Noise shrunk 8x: averaging 8x8 blocks leaves a spread near 74 / 8 = 9 levels;
        // plain bilinear sampling would keep most of the noise (about 74 / sqrt(2)).
        let noise = TestSupport.noisyImage(width: 256, height: 192, format: .grey8, seed: 17)
        let small = noise.resized(width: 32, height: 24)
        let mean = small.pixels.reduce(0.0) { $0 + Double($1) } / Double(small.pixels.count)
        let variance = small.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(small.pixels.count)
        #expect(variance.squareRoot() < 20, "spread \(variance.squareRoot())")
        #expect(abs(mean - 127.5) < 5)
        // The pre-filter keeps geometry: an edge at x = 64 of 128 lands at x = 8 of 16.
        var edge = Image(width: 128, height: 64, format: .rgb8)
        edge.fillRectangle(x: 64, y: 0, width: 64, height: 64, color: .white)
        let shrunk = edge.resized(width: 16, height: 8)
        #expect(shrunk.pixel(x: 7, y: 3) == .black && shrunk.pixel(x: 8, y: 3) == .white)
        // One 2x2 halving step is the rounded block mean.
        let block = try? Image(width: 2, height: 2, format: .grey8, pixels: [0, 1, 2, 4])
        #expect(block?.resized(width: 1, height: 1).pixels == [2])  // (7 + 2) >> 2
    }

    @Test func rgbChannelsMatchGreyResize() throws {
        let grey = TestSupport.noisyImage(width: 23, height: 19, format: .grey8, seed: 14)
        let rgb = grey.converted(to: .rgb8)
        let g = grey.resized(width: 31, height: 11), c = rgb.resized(width: 31, height: 11)
        #expect(c == g.converted(to: .rgb8))
    }

    @Test func bilinearMatchesAFloatReference() {
        let image = TestSupport.noisyImage(width: 16, height: 12, format: .grey8, seed: 15)
        let out = image.resized(width: 7, height: 29)
        func px(_ x: Int, _ y: Int) -> Double { Double(image.pixels[y * 16 + x]) }
        var worst = 0.0
        for oy in 0..<29 {
            for ox in 0..<7 {
                let sx = min(max((Double(ox) + 0.5) * 16 / 7 - 0.5, 0), 15)
                let sy = min(max((Double(oy) + 0.5) * 12 / 29 - 0.5, 0), 11)
                let x0 = Int(sx), y0 = Int(sy), x1 = min(x0 + 1, 15), y1 = min(y0 + 1, 11)
                let fx = sx - Double(x0), fy = sy - Double(y0)
                let top = px(x0, y0) * (1 - fx) + px(x1, y0) * fx
                let bottom = px(x0, y1) * (1 - fx) + px(x1, y1) * fx
                let expected = top * (1 - fy) + bottom * fy
                worst = max(worst, abs(expected - Double(out.pixels[oy * 7 + ox])))
            }
        }
        #expect(worst <= 1.0, "worst difference \(worst)")
    }
}

@Suite struct LetterboxTests {
    @Test func landscapeFrameIntoSquare() {
        let frame = Image(width: 640, height: 480, format: .rgb8, fill: 10)
        let (canvas, t) = frame.letterboxed(to: 320)
        #expect(canvas.width == 320 && canvas.height == 320)
        #expect(t.resizedWidth == 320 && t.resizedHeight == 240 && t.offsetX == 0 && t.offsetY == 40)
        #expect(t.scaleX == 0.5 && t.scaleY == 0.5)
        func value(_ x: Int, _ y: Int) -> UInt8 { canvas.pixels[canvas.offset(x: x, y: y)] }
        #expect(value(100, 0) == 114 && value(100, 39) == 114 && value(5, 280) == 114 && value(319, 319) == 114)
        #expect(value(0, 40) == 10 && value(319, 279) == 10 && value(160, 160) == 10)
        let p = t.toTarget(x: 640, y: 480)
        #expect(p.x == 320 && p.y == 280)
    }

    @Test func portraitFrameIsPaddedLeftAndRight() {
        let frame = Image(width: 100, height: 300, format: .grey8, fill: 200)
        let (canvas, t) = frame.letterboxed(toWidth: 320, height: 320)
        // gain 320/300 = 1.0667: width 106.67 -> 107, offset (320 - 107) / 2 = 106.
        #expect(t.resizedWidth == 107 && t.resizedHeight == 320 && t.offsetX == 106 && t.offsetY == 0)
        #expect(canvas.format == .grey8)
        #expect(canvas.pixels[105] == 114 && canvas.pixels[106] == 200 && canvas.pixels[212] == 200 && canvas.pixels[213] == 114)
    }

    @Test func transformRoundTripsPointsAndBoxes() {
        var rng = SplitMix64(seed: 16)
        for (sw, sh, tw, th) in [(640, 480, 320, 320), (1920, 1080, 640, 384), (333, 777, 256, 320)] {
            let t = LetterboxTransform(sourceWidth: sw, sourceHeight: sh, targetWidth: tw, targetHeight: th)
            #expect(t.offsetX == 0 || t.offsetY == 0)
            for _ in 0..<100 {
                let x = Float.random(in: 0...Float(sw), using: &rng), y = Float.random(in: 0...Float(sh), using: &rng)
                let forward = t.toTarget(x: x, y: y)
                #expect(forward.x >= -1e-3 && forward.x <= Float(tw) + 1e-3)
                let back = t.toSource(x: forward.x, y: forward.y)
                #expect(abs(back.x - x) < 1e-2 && abs(back.y - y) < 1e-2)
            }
            let box = Box(x1: Float(sw) * 0.1, y1: Float(sh) * 0.2, x2: Float(sw) * 0.7, y2: Float(sh) * 0.9)
            let back = t.toSource(t.toTarget(box))
            #expect(back.iou(box) > 0.999)
        }
    }

    @Test func boxesInThePaddingAreClipped() {
        let t = LetterboxTransform(sourceWidth: 640, sourceHeight: 480, targetWidth: 320, targetHeight: 320)
        let box = t.toSource(Box(x1: -10, y1: 0, x2: 50, y2: 60))  // partly in the top padding
        #expect(box == Box(x1: 0, y1: 0, x2: 100, y2: 40))
        let raw = t.toSource(Box(x1: -10, y1: 0, x2: 50, y2: 60), clip: false)
        #expect(raw == Box(x1: -20, y1: -80, x2: 100, y2: 40))
    }
}
