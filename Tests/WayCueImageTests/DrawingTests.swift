import Testing
@testable import WayCueImage

@Suite struct DrawingTests {
    /// Positions of pixels equal to `color`, as "x,y" strings, sorted.
    static func painted(_ image: Image, _ color: PixelColor) -> Set<[Int]> {
        var result = Set<[Int]>()
        for y in 0..<image.height { for x in 0..<image.width where image.pixel(x: x, y: y) == color { result.insert([x, y]) } }
        return result
    }

    @Test func filledRectangleIsClipped() {
        var image = Image(width: 10, height: 10)
        image.fillRectangle(x: 7, y: -3, width: 10, height: 5, color: .red)
        #expect(Self.painted(image, .red) == Set((7..<10).flatMap { x in (0..<2).map { [x, $0] } }))
        image.fillRectangle(x: .max - 1, y: .min, width: 5, height: 5, color: .blue)  // far away, no crash
        #expect(Self.painted(image, .blue).isEmpty)
    }

    @Test func rectangleOutlineHasThickness() {
        var image = Image(width: 20, height: 20)
        image.drawRectangle(Box(x1: 2, y1: 3, x2: 12, y2: 11), color: .green, thickness: 2)
        let px = Self.painted(image, .green)
        // Outer 10x8 ring of width 2: 80 - 6*4 = 56 pixels.
        #expect(px.count == 56)
        #expect(px.contains([2, 3]) && px.contains([11, 10]) && px.contains([3, 4]) && !px.contains([4, 5]))
        #expect(!px.contains([12, 3]) && !px.contains([2, 11]))
    }

    @Test func greyImagesGetLuma() {
        var image = Image(width: 4, height: 4, format: .grey8)
        image.fillRectangle(Box(x1: 0, y1: 0, x2: 4, y2: 4), color: .red)
        #expect(image.pixels.allSatisfy { $0 == PixelColor.red.luma } && PixelColor.red.luma == 77)
    }

    @Test func linesAreContinuousAndThick() {
        var image = Image(width: 20, height: 20)
        image.drawLine(x0: 1, y0: 1, x1: 18, y1: 7, color: .white)
        let px = Self.painted(image, .white)
        #expect(px.count == 18)  // one pixel per column for a shallow line
        #expect(px.contains([1, 1]) && px.contains([18, 7]))
        for x in 1...18 { #expect(px.contains { $0[0] == x }) }
        var thick = Image(width: 20, height: 20)
        thick.drawLine(x0: 2, y0: 10, x1: 17, y1: 10, color: .white, thickness: 3)
        #expect(Self.painted(thick, .white) == Set((1...18).flatMap { x in (9...11).map { [x, $0] } }))
        // Wild coordinates are clipped, not walked.
        thick.drawLine(x0: -1_000_000_000, y0: 5, x1: 1_000_000_000, y1: 5, color: .red)
        #expect(Self.painted(thick, .red).count == 20)
        thick.drawLine(from: (x: .nan, y: 0), to: (x: 3, y: 3), color: .blue)
    }

    @Test func circlesAreSymmetric() {
        var image = Image(width: 21, height: 21)
        image.drawCircle(centerX: 10, centerY: 10, radius: 6, color: .yellow, thickness: 1)
        let ring = Self.painted(image, .yellow)
        #expect(ring.contains([16, 10]) && ring.contains([4, 10]) && ring.contains([10, 4]) && ring.contains([10, 16]))
        #expect(!ring.contains([10, 10]) && !ring.contains([17, 10]))
        for p in ring { #expect(ring.contains([20 - p[0], p[1]]) && ring.contains([p[1], p[0]])) }
        var disc = Image(width: 21, height: 21)
        disc.drawCircle(centerX: 10, centerY: 10, radius: 6, color: .yellow, filled: true)
        let filled = Self.painted(disc, .yellow)
        #expect(filled.isSuperset(of: ring) && filled.contains([10, 10]))
        // Area close to pi r^2 (r + 0.5 in this rasterisation: 132.7).
        #expect(abs(Double(filled.count) - 3.14159 * 6.5 * 6.5) < 8)
        disc.drawCircle(centerX: -50, centerY: 3, radius: 1_000_000_000, color: .red)  // ignored, no crash
    }

    @Test func textDrawsGlyphPixels() {
        var image = Image(width: 20, height: 10)
        let size = image.drawText("I", x: 1, y: 1, color: .white)
        #expect(size == (5, 7))
        // "I": .###. then ..#.. x5 then .###.
        let px = Self.painted(image, .white)
        #expect(px.count == 3 + 5 + 3)
        #expect(px.contains([2, 1]) && px.contains([4, 1]) && px.contains([3, 4]) && !px.contains([1, 1]))
        var scaled = Image(width: 40, height: 40)
        let s2 = scaled.drawText("I", x: 0, y: 0, color: .white, scale: 2, background: .blue)
        #expect(s2 == (10 + 4, 14 + 4))  // (6 - 1) * 2 wide, (8 - 1) * 2 tall, margin 2 each side
        #expect(Self.painted(scaled, .white).count == 11 * 4)
        #expect(scaled.pixel(x: 0, y: 0) == .blue && scaled.pixel(x: 2, y: 0) == .white)
    }

    @Test func fontHasDistinctWellFormedGlyphs() {
        #expect(BitmapFont.art.count == 95)
        var seen = Set<[UInt8]>()
        for (i, art) in BitmapFont.art.enumerated() {
            let rows = art.split(separator: " ")
            #expect(rows.count == 7 && rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } },
                    "glyph \(i + 32) is malformed")
            #expect(seen.insert(BitmapFont.parse(art)).inserted, "glyph \(UnicodeScalar(i + 32)!) repeats another")
        }
        #expect(Array(BitmapFont.glyph(for: "é")) == BitmapFont.parse(BitmapFont.missingGlyph))
        #expect(BitmapFont.size(of: "ab\ncde", scale: 1) == (17, 15))
        #expect(BitmapFont.size(of: "", scale: 3) == (0, 21))
    }

    @Test func labeledBoxPutsTabAboveOrInside() {
        var image = Image(width: 60, height: 40)
        image.drawLabeledBox(Box(x1: 10, y1: 20, x2: 50, y2: 38), label: "car", color: .yellow)
        #expect(image.pixel(x: 10, y: 20) == .yellow)
        #expect(image.pixel(x: 10, y: 11) == .yellow)  // tab above: 9 px tall, from y 11
        #expect(Self.painted(image, .black).count > 10)  // dark text on a light tab
        var top = Image(width: 60, height: 40)
        top.drawLabeledBox(Box(x1: 0, y1: 0, x2: 30, y2: 30), label: "x", color: .blue)
        #expect(Self.painted(top, .white).count > 3)  // white text inside, at the top
    }
}

@Suite struct ContactSheetTests {
    @Test func layoutAndCaptions() {
        let tiles = (0..<5).map { i in
            (image: Image(width: 40 + i * 10, height: 30, format: i % 2 == 0 ? .rgb8 : .grey8, fill: UInt8(50 * i)),
             caption: "tile \(i) with a long caption that will be cut")
        }
        let layout = ContactSheet(columns: 3, cellWidth: 64, cellHeight: 48, spacing: 4)
        let sheet = layout.render(tiles)
        #expect(sheet.format == .rgb8)
        #expect(sheet.width == 4 + 3 * 68)
        #expect(sheet.height == 4 + 2 * (48 + layout.captionHeight + 4))
        // Tile 4 (value 200, RGB 80x30 -> 64x24 centred) sits in row 1, column 1.
        let o = layout.cellOrigin(4)
        #expect(sheet.pixel(x: o.x + 32, y: o.y + 24) == PixelColor(grey: 200))
        #expect(sheet.pixel(x: o.x + 32, y: o.y + 2) == layout.background)  // letterbox band
        // Captions are drawn (white ink below each cell) and cut to the cell.
        var ink = 0
        for y in (o.y + 48)..<(o.y + 48 + layout.captionHeight) {
            for x in o.x..<(o.x + 64) where sheet.pixel(x: x, y: y) == .white { ink += 1 }
        }
        #expect(ink > 20)
        #expect(ContactSheet.fit("abcdefghij", maxCharacters: 6) == "abc...")
        #expect(ContactSheet.fit("abc", maxCharacters: 6) == "abc")
        let empty = layout.render([Image]())
        #expect(empty.width == 72 && empty.pixel(x: 10, y: 10) == layout.background)
    }
}
