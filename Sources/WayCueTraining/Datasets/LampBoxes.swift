import Foundation
import WayCueDetector
import WayCueImage

/// Rewrites traffic-light boxes that frame a whole signal housing into boxes around its lit
/// lamp, the convention of the street photographs.
///
/// Public traffic-light sets disagree on what a box is. `vehicle-lights-kr-street` (the one
/// set shot from the street) boxes the lit lamp; `vehicle-traffic-lights` and WayCue's own
/// renderer box the whole housing, two to four times longer. A detector trained on both learns
/// the housing from the close-ups and then misses every street light at IoU 0.5, its boxes
/// 2-3 times too large. This tool brings the housing sets to the lamp convention.
///
/// For each box of a listed class (polygons become their bounding box):
/// 1. The housing's long axis is split into lamp cells: 3 up to a side ratio of 3.5 : 1, 4
///    beyond (a box closer to square than 1.3 : 1 is a lone lamp and is kept as it is).
/// 2. Each cell's central part is scored by how lit it looks in the class's colour: mean of
///    `value^2 * (0.35 + 0.65 * saturation)`, counted in full where the hue is the lamp's
///    (red, yellow or green, with over-exposed near-white centres counted too) and at 0.2
///    elsewhere. Lit lamps are the brightest coloured part of a dark housing. The cell where
///    the colour usually sits (red first, yellow second, green last) gets 1.2 times its score.
/// 3. The box becomes the best cell without the housing's rim: 12% of the housing's width and
///    8% of the cell's length come off each side (the street set's boxes hug the lit disc),
///    so a 30 x 90 px housing gives a 22.8 x 24 px lamp. The ratio of the
///    best to the second-best cell's score is its confidence; boxes under
///    ``Options/minimumMargin`` are counted as ambiguous (still converted, and reported).
///
/// The output is a YOLO dataset: `data.yaml` with the source's names, and per split
/// `images/` (symbolic links to the source images, which are not copied) and `labels/`.
public enum LampBoxes {
    /// A lamp colour.
    public enum Colour: String, Sendable, Codable, CaseIterable {
        case red, yellow, green

        /// Whether a hue (degrees, 0..<360) is this lamp's.
        func matches(hue: Float) -> Bool {
            switch self {
            case .red: hue >= 330 || hue < 28
            case .yellow: hue >= 20 && hue < 70
            case .green: hue >= 85 && hue < 210
            }
        }
    }

    /// Settings.
    public struct Options: Sendable, Equatable {
        /// Source class name -> lamp colour, for the classes whose boxes are rewritten.
        public var colours: [String: Colour]
        /// Best-to-second cell score ratio under which a conversion counts as ambiguous.
        public var minimumMargin: Float = 1.25
        /// Creates options.
        public init(colours: [String: Colour]) { self.colours = colours }
    }

    /// One converted box.
    public struct Lamp: Sendable, Equatable {
        /// The lamp's box in pixels.
        public var box: Box
        /// Best to second-best cell score (infinity for a lone-lamp box kept as it is).
        public var margin: Float
        /// Lamp cells the housing was split into (1: kept as it is).
        public var cells: Int
    }

    /// What ``build(data:out:options:progress:)`` did.
    public struct Summary: Sendable, Codable, Equatable {
        /// Images linked, over all splits.
        public var images: Int
        /// Boxes rewritten to a lamp.
        public var converted: Int
        /// Boxes of listed classes kept as they are (lone lamps, or too small to split).
        public var keptAsLamp: Int
        /// Rewritten boxes whose best cell did not stand out (see ``Options/minimumMargin``).
        public var ambiguous: Int
        /// Boxes of other classes, copied unchanged.
        public var copied: Int
        /// Images or label files that could not be read, as `file: reason` (skipped).
        public var failed: [String]
    }

    /// The lit lamp inside a housing box (pixels) of `image` (RGB), clipped to the image.
    public static func lamp(in image: Image, housing box: Box, colour: Colour) -> Lamp {
        // Only the part inside the image counts.
        let housing = Box(x1: max(0, box.x1), y1: max(0, box.y1), x2: min(Float(image.width), box.x2),
                          y2: min(Float(image.height), box.y2))
        let x1 = max(0, Int(housing.x1.rounded(.down))), y1 = max(0, Int(housing.y1.rounded(.down)))
        let x2 = min(image.width, Int(housing.x2.rounded(.up))), y2 = min(image.height, Int(housing.y2.rounded(.up)))
        let w = x2 - x1, h = y2 - y1
        guard w >= 3, h >= 3 else { return Lamp(box: box, margin: .infinity, cells: 1) }
        let vertical = h >= w
        let long = Float(vertical ? h : w), short = Float(vertical ? w : h)
        guard long / short >= 1.3 else { return Lamp(box: box, margin: .infinity, cells: 1) }
        // Boxes include hoods and back plates, so the side ratio understates the lamp count:
        // three lamps (nearly every vehicle signal) up to 3.5:1, four beyond (Korean
        // horizontal heads: red, yellow, arrow, green).
        let n = long / short < 3.5 ? 3 : 4
        let bpp = image.format.bytesPerPixel
        var scores: [Float] = []
        for k in 0..<n {
            // The cell, then its central part (away from the housing's rim and the next lamp).
            let a = Float(k) * long / Float(n), b = Float(k + 1) * long / Float(n)
            let la = Int((a + 0.2 * (b - a)).rounded()), lb = max(la + 1, Int((b - 0.2 * (b - a)).rounded()))
            let sa = Int((0.2 * short).rounded()), sb = max(sa + 1, Int((0.8 * short).rounded()))
            var sum: Float = 0, count = 0
            for l in la..<lb {
                for s in sa..<sb {
                    let px = vertical ? x1 + s : x1 + l, py = vertical ? y1 + l : y1 + s
                    guard px < x2, py < y2 else { continue }
                    let o = image.offset(x: px, y: py)
                    let r = Float(image.pixels[o]), g = Float(image.pixels[o + min(1, bpp - 1)]),
                        bl = Float(image.pixels[o + min(2, bpp - 1)])
                    let mx = max(r, g, bl), mn = min(r, g, bl)
                    let v = mx / 255, sat = mx > 0 ? (mx - mn) / mx : 0
                    var hue: Float = 0
                    if mx > mn {
                        if mx == r { hue = 60 * ((g - bl) / (mx - mn)) } else if mx == g { hue = 60 * (2 + (bl - r) / (mx - mn)) } else { hue = 60 * (4 + (r - g) / (mx - mn)) }
                        if hue < 0 { hue += 360 }
                    }
                    // An over-exposed lamp centre is near white: count it as the lamp's colour.
                    let inColour = colour.matches(hue: hue) || (v > 0.9 && sat < 0.25)
                    sum += v * v * (0.35 + 0.65 * sat) * (inColour ? 1 : 0.2)
                    count += 1
                }
            }
            scores.append(count > 0 ? sum / Float(count) : 0)
        }
        // Where the colour usually sits (red first, yellow second, green last, reading top
        // to bottom or left to right) breaks near-ties; a clearly lit lamp elsewhere (a
        // flipped photo) still wins.
        let usual = colour == .red ? 0 : colour == .yellow ? 1 : n - 1
        scores[usual] *= 1.2
        var best = 0
        for k in 1..<n where scores[k] > scores[best] { best = k }
        let second = scores.enumerated().filter { $0.offset != best }.map(\.element).max() ?? 0
        let margin = second > 0 ? scores[best] / second : (scores[best] > 0 ? .infinity : 1)
        let cellLong = (vertical ? housing.height : housing.width) / Float(n)
        let inset = 0.08 * cellLong, insetShort = 0.12 * (vertical ? housing.width : housing.height)
        let start = (vertical ? housing.y1 : housing.x1) + Float(best) * cellLong
        let lampBox = vertical
            ? Box(x1: housing.x1 + insetShort, y1: start + inset, x2: housing.x2 - insetShort, y2: start + cellLong - inset)
            : Box(x1: start + inset, y1: housing.y1 + insetShort, x2: start + cellLong - inset, y2: housing.y2 - insetShort)
        return Lamp(box: lampBox, margin: margin, cells: n)
    }

    /// The canonical signal classes and their lamp colours.
    public static let signalColours: [ObjectClass: Colour] = [
        ObjectClass("vehicle_red"): .red, ObjectClass("vehicle_yellow"): .yellow, ObjectClass("vehicle_green"): .green,
    ]

    /// A sample with the boxes of `colours`' classes moved to their lit lamp (reads the image
    /// only when it has such a box). For evaluating a housing-box set in the lamp convention
    /// without writing a copy.
    ///
    /// - Throws: The image's load error.
    public static func convert(_ sample: LabeledSample, colours: [ObjectClass: Colour] = signalColours) throws -> LabeledSample {
        guard sample.boxes.contains(where: { $0.objectClass.map { colours[$0] != nil } ?? false }) else { return sample }
        let photo = try Image.load(path: sample.imagePath, as: .rgb8)
        let W = Float(photo.width), H = Float(photo.height)
        var out = sample
        for i in out.boxes.indices {
            guard let c = out.boxes[i].objectClass, let colour = colours[c] else { continue }
            let lamp = Self.lamp(in: photo, housing: out.boxes[i].pixelBox(width: photo.width, height: photo.height), colour: colour)
            out.boxes[i].box = Box(x1: lamp.box.x1 / W, y1: lamp.box.y1 / H, x2: lamp.box.x2 / W, y2: lamp.box.y2 / H)
        }
        return out
    }

    /// Writes the lamp-box copy of the YOLO dataset at `data` (a folder or its `data.yaml`)
    /// into `out`: every split it lists, labels rewritten, images linked. Label files already
    /// in `out` are replaced. Lenient: an unreadable image or label file is reported in
    /// ``Summary/failed`` and skipped.
    ///
    /// - Throws: ``DatasetError`` when the dataset cannot be read or a listed class is not
    ///   one of its names; file-system errors writing `out`.
    public static func build(data: String, out: String, options: Options,
                             progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let dataset = try YOLODataset.load(path: data, mapping: .identity)
        let names = dataset.sourceClassNames
        for c in options.colours.keys where !names.contains(c) {
            throw DatasetError(.layout, file: data, field: "names", reason: "class '\(c)' is not one of the dataset's names \(names)")
        }
        let fm = FileManager.default
        var summary = Summary(images: 0, converted: 0, keptAsLamp: 0, ambiguous: 0, copied: 0, failed: [])
        let all = dataset.splits.flatMap { split in dataset.samples(inSplit: split).map { (split, $0) } }
        var splitDirs: [String: String] = [:]
        for (i, (split, s)) in all.enumerated() {
            defer { progress?(i + 1, all.count) }
            let dirName = split == "val" ? "valid" : split
            splitDirs[split] = dirName
            let imagesDir = PathSupport.join(out, dirName + "/images"), labelsDir = PathSupport.join(out, dirName + "/labels")
            try fm.createDirectory(atPath: imagesDir, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: labelsDir, withIntermediateDirectories: true)
            var lines: [YOLOLabels.Line] = []
            if let lp = s.labelPath {
                do {
                    lines = try YOLOLabels.read(path: lp)
                } catch let e as DatasetError {
                    summary.failed.append(e.description)
                    continue
                }
            }
            let needsImage = lines.contains { $0.classID < names.count && options.colours[names[$0.classID]] != nil }
            var photo: Image?
            if needsImage {
                do { photo = try Image.load(path: s.imagePath, as: .rgb8) } catch {
                    summary.failed.append("\(s.imagePath): \(error)")
                    continue
                }
            }
            var text = ""
            for l in lines {
                guard l.classID < names.count, let colour = options.colours[names[l.classID]], let photo else {
                    text += DistantSet.labelLine(classID: l.classID, box: l.box) + "\n"
                    summary.copied += 1
                    continue
                }
                let W = Float(photo.width), H = Float(photo.height)
                let px = Box(x1: max(0, l.box.x1) * W, y1: max(0, l.box.y1) * H, x2: min(1, l.box.x2) * W, y2: min(1, l.box.y2) * H)
                let lamp = Self.lamp(in: photo, housing: px, colour: colour)
                if lamp.cells == 1 { summary.keptAsLamp += 1 } else {
                    summary.converted += 1
                    if lamp.margin < options.minimumMargin { summary.ambiguous += 1 }
                }
                let b = lamp.box
                text += DistantSet.labelLine(classID: l.classID, box: Box(x1: b.x1 / W, y1: b.y1 / H, x2: b.x2 / W, y2: b.y2 / H)) + "\n"
            }
            let name = PathSupport.basename(s.imagePath), stem = PathSupport.stem(s.imagePath)
            let link = PathSupport.join(imagesDir, name)
            try? fm.removeItem(atPath: link)
            let target = URL(fileURLWithPath: s.imagePath).standardizedFileURL.path
            try fm.createSymbolicLink(atPath: link, withDestinationPath: target)
            try Data(text.utf8).write(to: URL(fileURLWithPath: PathSupport.join(labelsDir, stem + ".txt")), options: .atomic)
            summary.images += 1
        }
        let namesJSON = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        var yaml = """
            # Lamp-box copy written by `waycue dataset lamp-boxes` from \(data): boxes of \
            \(options.colours.keys.sorted().joined(separator: ", ")) moved from the housing to its lit lamp.
            # Generated: rebuild it rather than edit it. Images are links to the source.
            names: \(namesJSON)
            nc: \(names.count)

            """
        for (split, dir) in splitDirs.sorted(by: { $0.key < $1.key }) { yaml += "\(split): \(dir)/images\n" }
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: PathSupport.join(out, "data.yaml")), options: .atomic)
        return summary
    }
}
