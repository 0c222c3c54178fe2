import Foundation
import Testing
import WayCueImage
import WayCueSynth
@testable import WayCueTraining

/// `DistantSet`: scaled labels match the pixels, builds are deterministic, bad files are skipped.
@Suite struct DistantSetTests {
    static let blue = PixelColor(red: 20, green: 40, blue: 230)
    static let red = PixelColor(red: 240, green: 10, blue: 10)

    /// A 200x160 blue photo with a red 20x20 square at (90, 70) and the matching label.
    static func makeDataset(extra: Bool = true) throws -> String {
        let d = makeTempDir("distant")
        try FileManager.default.createDirectory(atPath: d + "/valid/images", withIntermediateDirectories: true)
        var im = Image(width: 200, height: 160, format: .rgb8)
        im.fillRectangle(x: 0, y: 0, width: 200, height: 160, color: blue)
        im.fillRectangle(x: 90, y: 70, width: 20, height: 20, color: red)
        try im.write(to: d + "/valid/images/square.png")
        write("1 0.5 0.5 0.1 0.125\n", to: d + "/valid/labels/square.txt")
        if extra {
            // A polygon label and an image without labels.
            var im2 = Image(width: 320, height: 240, format: .rgb8, fill: 120)
            im2.fillRectangle(x: 40, y: 60, width: 40, height: 80, color: red)
            try im2.write(to: d + "/valid/images/poly.png")
            write("0 0.125 0.25 0.25 0.25 0.25 0.583333 0.125 0.583333\n", to: d + "/valid/labels/poly.txt")
            try Image(width: 100, height: 100, format: .rgb8, fill: 60).write(to: d + "/valid/images/empty.png")
        }
        write("names: [pedestrian-green, pedestrian-red]\nval: valid/images\n", to: d + "/data.yaml")
        return d
    }

    static func options(_ size: Double) -> DistantSet.Options {
        var o = DistantSet.Options()
        o.minSize = size
        o.maxSize = size
        return o
    }

    @Test func scaledLabelsCoverTheObjectsPixels() throws {
        let src = try Self.makeDataset(extra: false)
        let out = makeTempDir("distant-out")
        let s = try DistantSet.build(data: src, out: out, options: Self.options(10))
        #expect(s.images == 1 && s.boxes == 1 && s.failed.isEmpty)
        let label = try String(contentsOfFile: out + "/valid/labels/square.txt", encoding: .utf8)
        let t = label.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(t.count == 5 && t[0] == "1")
        let v = t.dropFirst().map { Double($0)! }
        let (cx, cy, w, h) = (v[0] * 640, v[1] * 480, v[2] * 640, v[3] * 480)
        // Median longer side 20 px, target 10: scale 0.5, so the square is 10x10.
        #expect(abs(w - 10) < 0.01 && abs(h - 10) < 0.01, "box \(w)x\(h)")
        let img = try Image.load(path: out + "/valid/images/square.jpg")
        #expect(img.width == 640 && img.height == 480)
        let x1 = Int((cx - w / 2).rounded()), y1 = Int((cy - h / 2).rounded())
        func isRed(_ p: PixelColor) -> Bool { p.red > 170 && p.green < 90 && p.blue < 90 }
        func isBlue(_ p: PixelColor) -> Bool { p.blue > 150 && p.red < 110 }
        for y in (y1 + 2)..<(y1 + 8) {
            for x in (x1 + 2)..<(x1 + 8) { #expect(isRed(img.pixel(x: x, y: y)!), "(\(x), \(y)) \(img.pixel(x: x, y: y)!)") }
        }
        // Three pixels outside each side: the photo's blue.
        for (x, y) in [(x1 - 3, y1 + 5), (x1 + 12, y1 + 5), (x1 + 5, y1 - 3), (x1 + 5, y1 + 12)] {
            #expect(isBlue(img.pixel(x: x, y: y)!), "(\(x), \(y)) \(img.pixel(x: x, y: y)!)")
        }
        let yaml = try String(contentsOfFile: out + "/data.yaml", encoding: .utf8)
        #expect(yaml.contains("names: [\"pedestrian-green\",\"pedestrian-red\"]") && yaml.contains("val: valid/images"))
        // The output reads back as a dataset whose val split holds the image and its box.
        let back = try YOLODataset.load(path: out)
        #expect(back.samples(inSplit: "val").count == 1 && back.samples(inSplit: "val")[0].boxes.count == 1)
    }

    @Test func sameSeedGivesIdenticalFilesAndPolygonsBecomeBoxes() throws {
        let src = try Self.makeDataset()
        var o = DistantSet.Options()
        o.minSize = 6
        o.maxSize = 20
        let a = makeTempDir("distant-a"), b = makeTempDir("distant-b"), c = makeTempDir("distant-c")
        let sa = try DistantSet.build(data: src, out: a, options: o)
        let sb = try DistantSet.build(data: src, out: b, options: o)
        o.seed = 2
        _ = try DistantSet.build(data: src, out: c, options: o)
        #expect(sa.images == 3 && sa.imagesWithoutBoxes == 1 && sa.boxes == 2)
        #expect(sa == withOut(sb, a))
        let fm = FileManager.default
        let files = ["data.yaml", "valid/labels/square.txt", "valid/labels/poly.txt", "valid/labels/empty.txt",
                     "valid/images/square.jpg", "valid/images/poly.jpg", "valid/images/empty.jpg"]
        for f in files {
            let da = fm.contents(atPath: a + "/" + f), db = fm.contents(atPath: b + "/" + f)
            #expect(da != nil && da == db, "\(f) differs between runs")
        }
        #expect(fm.contents(atPath: a + "/valid/labels/square.txt") != fm.contents(atPath: c + "/valid/labels/square.txt"))
        // The polygon (40..80 x 60..140 of 320x240) became one box with the photo's aspect.
        let poly = try String(contentsOfFile: a + "/valid/labels/poly.txt", encoding: .utf8)
        let v = poly.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
        #expect(v.count == 5 && v[0] == 0)
        let w = v[3] * 640, h = v[4] * 480
        #expect(abs(h / w - 2) < 0.1 && h >= 5.5 && h <= 20.5, "polygon box \(w)x\(h)")
        #expect(try String(contentsOfFile: a + "/valid/labels/empty.txt", encoding: .utf8).isEmpty)
    }

    /// The summary of `s` with its `out` replaced (the only field that differs between folders).
    func withOut(_ s: DistantSet.Summary, _ out: String) -> DistantSet.Summary {
        var s = s
        s.out = out
        return s
    }

    @Test func placementNeverEnlargesNorOverflows() {
        var rng = SynthRandom(seed: 1)
        // A 8-pixel box with a 20-pixel target: the photo keeps its size.
        let small = DistantSet.placement(width: 200, height: 160, boxes: [Box(x1: 0.5, y1: 0.5, x2: 0.54, y2: 0.55)],
                                         options: Self.options(20), rng: &rng)
        #expect(small.width == 200 && small.height == 160)
        // A 20-pixel box in a 1280x960 photo with a 30-pixel target: held to the canvas.
        let big = DistantSet.placement(width: 1280, height: 960, boxes: [Box(x1: 0.5, y1: 0.5, x2: 0.515625, y2: 0.52)],
                                       options: Self.options(30), rng: &rng)
        #expect(big.width == 640 && big.height == 480 && big.x == 0 && big.y == 0)
        // The usual case: a 100-pixel median box to 25 pixels.
        let usual = DistantSet.placement(width: 640, height: 640,
                                         boxes: [Box(x1: 0, y1: 0, x2: 0.15625, y2: 0.1), Box(x1: 0.5, y1: 0.5, x2: 0.5625, y2: 0.625),
                                                 Box(x1: 0.2, y1: 0.2, x2: 0.6, y2: 0.3)],
                                         options: Self.options(25), rng: &rng)
        #expect(usual.width == 160 && usual.height == 160)
        #expect(usual.x >= 0 && usual.x + usual.width <= 640 && usual.y >= 0 && usual.y + usual.height <= 480)
        #expect(DistantSet.medianLongerSide(of: [], width: 10, height: 10) == nil)
    }

    @Test func badFilesAreNamedAndSkipped() throws {
        let src = try Self.makeDataset()
        write("not a jpeg at all", to: src + "/valid/images/broken.jpg")
        write("0 0.5 0.5 0.1 0.1\n", to: src + "/valid/labels/broken.txt")
        try Image(width: 64, height: 64, format: .rgb8, fill: 30).write(to: src + "/valid/images/badlabel.png")
        write("0 0.5 zero 0.1 0.1\n", to: src + "/valid/labels/badlabel.txt")
        let out = makeTempDir("distant-out")
        let s = try DistantSet.build(data: src, out: out, options: Self.options(12))
        #expect(s.images == 3)
        #expect(s.failed.count == 2)
        #expect(s.failed.contains { $0.contains("broken.jpg") })
        #expect(s.failed.contains { $0.contains("badlabel.txt:1") })
        #expect(FileManager.default.fileExists(atPath: out + "/valid/images/square.jpg"))
        #expect(!FileManager.default.fileExists(atPath: out + "/valid/images/broken.jpg"))
        #expect(throws: DatasetError.self) {
            try DistantSet.build(data: src + "/no-such-folder", out: out, options: DistantSet.Options())
        }
    }

    @Test func keepListSelectsImages() throws {
        let src = try Self.makeDataset()
        write("# kept\nsquare.png\nvalid/images/poly.png\n\nmissing.jpg\n", to: src + "/keep.txt")
        var o = Self.options(12)
        o.keepOnly = try DistantSet.readKeepList(path: src + "/keep.txt")
        #expect(o.keepOnly == ["square.png", "poly.png", "missing.jpg"])
        let out = makeTempDir("distant-out")
        // A file from an earlier build is removed.
        write("stale", to: out + "/valid/labels/old.txt")
        let s = try DistantSet.build(data: src, out: out, options: o)
        #expect(s.images == 2 && s.missingFromKeepList == ["missing.jpg"])
        let labels = try FileManager.default.contentsOfDirectory(atPath: out + "/valid/labels").sorted()
        #expect(labels == ["poly.txt", "square.txt"])
        #expect(s.longerSidePercentiles["p50"] != nil && s.sizeBuckets["small"] == 2)
    }
}
