import Foundation
import WayCueImage
import WayCueSynth

/// Builds a deterministic "distant" validation set from a YOLO dataset: every photo of a split
/// is shrunk so that its labelled objects look as small as they do from across a street, and
/// placed at a seeded position on a camera-sized canvas, with its labels scaled exactly.
///
/// Most public street datasets show lights and crossings from close up (boxes of 50 to 300
/// pixels), while a chest camera sees them from 10 to 30 metres (boxes of 4 to 30 pixels in a
/// 640x480 frame). Evaluating on this set, with ``SizeBucket`` APs, measures the detector where
/// a walker needs it.
///
/// For each image:
/// 1. The longer side in pixels of each labelled box is taken, and their median `m`.
/// 2. A target `t` is drawn uniformly from `minSize...maxSize` (seeded per file name, so the
///    result for one file does not depend on which other files are kept).
/// 3. The scale is `min(t / m, 1, canvasWidth / width, canvasHeight / height)`: the median box
///    lands at `t` pixels unless that would mean enlarging the photo (never done, it would
///    invent detail) or the photo would not fit the canvas. Images without boxes are scaled to
///    a seeded 25 to 100% of the largest size that fits (they still measure false positives).
/// 4. The photo is shrunk by repeated 2x2 averaging and a final bilinear step (see
///    ``downscale(_:width:height:)``) and pasted at a seeded position.
/// 5. The rest of the canvas is ``background(from:width:height:)``: the same photo reduced to
///    its average colours on a coarse grid and smoothly enlarged, which keeps the photo's
///    light level and sky-above, ground-below layout but has no edge or blob a detector could
///    take for an object (the objects themselves average away into the grid cells), so the
///    canvas needs no labels outside the pasted photo. The border of the pasted photo is the
///    one artificial edge.
///
/// Labels are written in YOLO form normalised to the canvas, with the source's class ids;
/// polygon labels become their bounding boxes; boxes are clipped to the source image first.
public enum DistantSet {
    /// Settings.
    public struct Options: Sendable, Equatable {
        /// The source split read (`val`, `test` or `train`; `valid` reads as `val`). Whatever it
        /// is, the output is the `val` split of the new dataset.
        public var split: String = "val"
        /// When set, only images whose file name is in the set are used.
        public var keepOnly: Set<String>?
        /// Canvas width in pixels (a camera frame).
        public var canvasWidth: Int = 640
        /// Canvas height in pixels.
        public var canvasHeight: Int = 480
        /// Smallest target for the median longer box side, in canvas pixels.
        public var minSize: Double = 4
        /// Largest target for the median longer box side, in canvas pixels.
        public var maxSize: Double = 30
        /// The seed of the targets and positions.
        public var seed: UInt64 = 1
        /// JPEG quality of the written images.
        public var jpegQuality: Int = 95
        /// Creates default options.
        public init() {}
    }

    /// Where and how large one photo is placed on the canvas.
    public struct Placement: Sendable, Equatable {
        /// The source photo's width in pixels.
        public var sourceWidth: Int
        /// The source photo's height in pixels.
        public var sourceHeight: Int
        /// The placed photo's width in canvas pixels.
        public var width: Int
        /// The placed photo's height in canvas pixels.
        public var height: Int
        /// The placed photo's left edge on the canvas.
        public var x: Int
        /// The placed photo's top edge on the canvas.
        public var y: Int
        /// The canvas width.
        public var canvasWidth: Int
        /// The canvas height.
        public var canvasHeight: Int
        /// The drawn target for the median longer box side (nil for an image without boxes).
        public var targetSize: Double?

        /// Creates a placement.
        public init(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, x: Int, y: Int,
                    canvasWidth: Int, canvasHeight: Int, targetSize: Double? = nil) {
            self.sourceWidth = sourceWidth
            self.sourceHeight = sourceHeight
            self.width = width
            self.height = height
            self.x = x
            self.y = y
            self.canvasWidth = canvasWidth
            self.canvasHeight = canvasHeight
            self.targetSize = targetSize
        }

        /// A box normalised to the source photo, in canvas pixels (clipped to the photo first).
        public func canvasPixels(_ normalised: Box) -> Box {
            let w = Double(width), h = Double(height)
            func c(_ v: Float) -> Double { min(1, max(0, Double(v))) }
            return Box(x1: Float(Double(x) + c(normalised.x1) * w), y1: Float(Double(y) + c(normalised.y1) * h),
                       x2: Float(Double(x) + c(normalised.x2) * w), y2: Float(Double(y) + c(normalised.y2) * h))
        }

        /// A box normalised to the source photo, normalised to the canvas.
        public func canvasNormalised(_ normalised: Box) -> Box {
            let b = canvasPixels(normalised)
            let cw = Float(canvasWidth), ch = Float(canvasHeight)
            return Box(x1: b.x1 / cw, y1: b.y1 / ch, x2: b.x2 / cw, y2: b.y2 / ch)
        }
    }

    /// What ``build(data:out:options:progress:)`` did.
    public struct Summary: Sendable, Codable, Equatable {
        /// The output folder.
        public var out: String
        /// Images written.
        public var images: Int
        /// Written images that have no box.
        public var imagesWithoutBoxes: Int
        /// Boxes written.
        public var boxes: Int
        /// Boxes left out because they have no area inside their image.
        public var droppedBoxes: Int
        /// Images that could not be used, as `file: reason` (unreadable image or label file).
        public var failed: [String]
        /// Names in the keep list that are not images of the split.
        public var missingFromKeepList: [String]
        /// Percentiles (`p5`, `p25`, `p50`, `p75`, `p95`) of the boxes' longer side in canvas
        /// pixels after scaling.
        public var longerSidePercentiles: [String: Double]
        /// The same percentiles of the shorter side.
        public var shorterSidePercentiles: [String: Double]
        /// Boxes per COCO size bucket (`small`, `medium`, `large`) on the canvas.
        public var sizeBuckets: [String: Int]
    }

    /// The seeded generator of one file: independent of the other files and of their order.
    public static func random(seed: UInt64, fileName: String) -> SynthRandom {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs and platforms
        for b in fileName.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return SynthRandom(seed: seed, stream: h)
    }

    /// The median of the longer sides, in source pixels, of normalised boxes (clipped to the
    /// image; boxes with no area inside it are skipped); nil when there is none.
    public static func medianLongerSide(of boxes: [Box], width: Int, height: Int) -> Double? {
        var sides: [Double] = []
        for b in boxes {
            let w = (min(1, max(0, Double(b.x2))) - min(1, max(0, Double(b.x1)))) * Double(width)
            let h = (min(1, max(0, Double(b.y2))) - min(1, max(0, Double(b.y1)))) * Double(height)
            if w > 0, h > 0 { sides.append(max(w, h)) }
        }
        guard !sides.isEmpty else { return nil }
        sides.sort()
        let n = sides.count
        return n % 2 == 1 ? sides[n / 2] : (sides[n / 2 - 1] + sides[n / 2]) / 2
    }

    /// The placement of a `width` x `height` photo with the given normalised boxes (see the
    /// type's description for the rule). Draws the target, then x, then y from `rng`.
    public static func placement(width: Int, height: Int, boxes: [Box], options: Options,
                                 rng: inout SynthRandom) -> Placement {
        let cw = options.canvasWidth, ch = options.canvasHeight
        let fit = min(1, Double(cw) / Double(width), Double(ch) / Double(height))
        var scale: Double
        var target: Double?
        if let m = medianLongerSide(of: boxes, width: width, height: height) {
            let t = rng.uniform(options.minSize...options.maxSize)
            target = t
            scale = min(t / m, fit)
        } else {
            scale = fit * rng.uniform(0.25...1)
        }
        scale = max(scale, 0)
        let w = min(cw, max(1, Int((Double(width) * scale).rounded())))
        let h = min(ch, max(1, Int((Double(height) * scale).rounded())))
        let x = rng.int(0...(cw - w)), y = rng.int(0...(ch - h))
        return Placement(sourceWidth: width, sourceHeight: height, width: w, height: h, x: x, y: y,
                         canvasWidth: cw, canvasHeight: ch, targetSize: target)
    }

    /// The image shrunk to `width` x `height`: halved (by 2x2 averaging, or a bilinear step
    /// of about 2x for an odd side) while both sides are at least twice the target, then one
    /// bilinear step. Every step maps pixel centres linearly, so a point at `(u, v)` of the
    /// source lands at `(u * width / sourceWidth, v * height / sourceHeight)` exactly, and
    /// the averaging keeps small bright objects (lamps) from flickering away as plain
    /// bilinear sampling would.
    public static func downscale(_ image: Image, width: Int, height: Int) -> Image {
        var im = image
        while im.width >= 2 * width, im.height >= 2 * height, im.width >= 2, im.height >= 2 {
            im = im.resized(width: (im.width + 1) / 2, height: (im.height + 1) / 2)
        }
        if im.width == width, im.height == height { return im }
        return im.resized(width: width, height: height)
    }

    /// The label-free background: `image` reduced to its average colours on a grid of about
    /// 80-pixel canvas cells (8 x 6 for 640 x 480) and enlarged bilinearly to the canvas.
    public static func background(from image: Image, width: Int, height: Int) -> Image {
        let grid = downscale(image, width: max(2, width / 80), height: max(2, height / 80))
        return grid.resized(width: width, height: height)
    }

    /// Copies `photo` onto `canvas` with its top-left corner at (`x`, `y`); both RGB and the
    /// photo inside the canvas.
    public static func paste(_ photo: Image, onto canvas: inout Image, x: Int, y: Int) {
        precondition(photo.format == canvas.format)
        precondition(x >= 0 && y >= 0 && x + photo.width <= canvas.width && y + photo.height <= canvas.height)
        let rowBytes = photo.width * photo.format.bytesPerPixel
        for r in 0..<photo.height {
            let s = photo.offset(x: 0, y: r), d = canvas.offset(x: x, y: y + r)
            canvas.pixels.replaceSubrange(d..<(d + rowBytes), with: photo.pixels[s..<(s + rowBytes)])
        }
    }

    /// The file names of a keep list: one a line, blank lines and `#` comments skipped, only
    /// the last path component of each line used.
    ///
    /// - Throws: ``DatasetError`` when the file cannot be read.
    public static func readKeepList(path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DatasetError(.io, file: path, reason: "cannot read the keep list")
        }
        var names: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.hasPrefix("#") { continue }
            names.insert(PathSupport.basename(t))
        }
        return names
    }

    /// One YOLO label line: class id and the canvas-normalised box as centre and size, six
    /// decimals.
    public static func labelLine(classID: Int, box b: Box) -> String {
        String(format: "%d %.6f %.6f %.6f %.6f", classID, Double(b.centerX), Double(b.centerY),
               Double(b.width), Double(b.height))
    }

    /// Builds the set: reads the split of the YOLO dataset at `data` (a folder or its
    /// `data.yaml`), writes `out/valid/images/<stem>.jpg`, `out/valid/labels/<stem>.txt` and
    /// `out/data.yaml` (the source's `names`, `val: valid/images`). Images and labels already
    /// in `out/valid` are removed first, so the folder holds exactly this build. The same
    /// inputs, options and seed give byte-identical files.
    ///
    /// Lenient: an image or label file that cannot be read is reported in
    /// ``Summary/failed`` (naming the file) and skipped; the other images are still written.
    ///
    /// - Parameter progress: Called after each image with (done, total).
    /// - Throws: ``DatasetError`` when the dataset or its split cannot be read or the split
    ///   has no image to use; file-system errors writing `out`.
    public static func build(data: String, out: String, options: Options,
                             progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let dataset = try YOLODataset.load(path: data, mapping: .identity)
        let split = SplitName.canonical(options.split)
        var samples = dataset.samples(inSplit: split)
        guard !samples.isEmpty else {
            throw DatasetError(.layout, file: data, field: "split",
                               reason: "split '\(split)' has no images (splits: \(dataset.splits.joined(separator: ", ")))")
        }
        var missing: [String] = []
        if let keep = options.keepOnly {
            let present = Set(samples.map { PathSupport.basename($0.imagePath) })
            missing = keep.subtracting(present).sorted()
            samples = samples.filter { keep.contains(PathSupport.basename($0.imagePath)) }
            guard !samples.isEmpty else {
                throw DatasetError(.layout, file: data, field: "keep-only",
                                   reason: "none of the \(keep.count) kept names is an image of split '\(split)'")
            }
        }
        samples.sort { $0.imagePath < $1.imagePath }
        let fm = FileManager.default
        let imagesDir = PathSupport.join(out, "valid/images"), labelsDir = PathSupport.join(out, "valid/labels")
        for dir in [imagesDir, labelsDir] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            where ["jpg", "jpeg", "png", "txt"].contains(PathSupport.ext(f)) {
                try fm.removeItem(atPath: PathSupport.join(dir, f))
            }
        }
        var summary = Summary(out: out, images: 0, imagesWithoutBoxes: 0, boxes: 0, droppedBoxes: 0, failed: [],
                              missingFromKeepList: missing, longerSidePercentiles: [:], shorterSidePercentiles: [:],
                              sizeBuckets: ["small": 0, "medium": 0, "large": 0])
        var longer: [Double] = [], shorter: [Double] = []
        var stems: Set<String> = []
        for (i, s) in samples.enumerated() {
            defer { progress?(i + 1, samples.count) }
            let name = PathSupport.basename(s.imagePath)
            let stem = PathSupport.stem(s.imagePath)
            guard stems.insert(stem).inserted else {
                summary.failed.append("\(s.imagePath): another image of the split has the same name stem '\(stem)'")
                continue
            }
            var lines: [YOLOLabels.Line] = []
            if let lp = s.labelPath {
                do {
                    lines = try YOLOLabels.read(path: lp)
                } catch let e as DatasetError {
                    summary.failed.append(e.description)
                    continue
                }
            }
            let photo: Image
            do {
                photo = try Image.load(path: s.imagePath, as: .rgb8)
            } catch {
                summary.failed.append("\(s.imagePath): \(error)")
                continue
            }
            var rng = random(seed: options.seed, fileName: name)
            let p = placement(width: photo.width, height: photo.height, boxes: lines.map(\.box), options: options, rng: &rng)
            var canvas = background(from: photo, width: options.canvasWidth, height: options.canvasHeight)
            paste(downscale(photo, width: p.width, height: p.height), onto: &canvas, x: p.x, y: p.y)
            var text = ""
            var written = 0
            for l in lines {
                let px = p.canvasPixels(l.box)
                guard px.width > 0, px.height > 0 else { summary.droppedBoxes += 1; continue }
                text += labelLine(classID: l.classID, box: p.canvasNormalised(l.box)) + "\n"
                written += 1
                longer.append(Double(max(px.width, px.height)))
                shorter.append(Double(min(px.width, px.height)))
                summary.sizeBuckets[SizeBucket.of(px).rawValue, default: 0] += 1
            }
            try canvas.write(to: PathSupport.join(imagesDir, stem + ".jpg"), quality: options.jpegQuality)
            try Data(text.utf8).write(to: URL(fileURLWithPath: PathSupport.join(labelsDir, stem + ".txt")), options: .atomic)
            summary.images += 1
            summary.boxes += written
            if written == 0 { summary.imagesWithoutBoxes += 1 }
        }
        summary.longerSidePercentiles = percentiles(longer)
        summary.shorterSidePercentiles = percentiles(shorter)
        let names = try JSONEncoder().encode(dataset.sourceClassNames)
        let yaml = """
            # Distant validation set written by `waycue dataset distant` (split \(split), seed \(options.seed), \
            canvas \(options.canvasWidth)x\(options.canvasHeight), median box side \(options.minSize)-\(options.maxSize) px).
            # Generated: rebuild it rather than edit it.
            names: \(String(decoding: names, as: UTF8.self))
            nc: \(dataset.sourceClassNames.count)
            val: valid/images

            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: PathSupport.join(out, "data.yaml")), options: .atomic)
        return summary
    }

    /// Nearest-rank percentiles p5, p25, p50, p75 and p95 (empty for no values).
    static func percentiles(_ values: [Double]) -> [String: Double] {
        guard !values.isEmpty else { return [:] }
        let v = values.sorted()
        var out: [String: Double] = [:]
        for p in [5, 25, 50, 75, 95] {
            out["p\(p)"] = v[Int((Double(p) / 100 * Double(v.count - 1)).rounded())]
        }
        return out
    }
}
