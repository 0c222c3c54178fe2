import Foundation
import WayCueDetector
import WayCueImage

/// A teacher's boxes for one dataset split (`scripts/teacher-labels.py` writes them): pseudo
/// labels for classes the dataset itself does not annotate (people and cars in traffic-light
/// photographs, for example).
///
/// File format, one file per split (`<folder>/<split>.txt`, split `train`, `val` or `test`):
/// ```text
/// # image class cx cy w h score
/// photo-001.jpg person 0.412 0.530 0.030 0.080 0.91
/// photo-001.jpg car 0.200 0.610 0.150 0.090 0.47
/// photo-002.jpg
/// ```
/// Coordinates are normalised to the image (YOLO centre form). A line with only an image name
/// says the teacher looked at that image and found nothing, which differs from an image the
/// file does not name (not looked at: its classes stay unannotated).
public struct PseudoLabels: Sendable, Equatable {
    /// One teacher box.
    public struct Entry: Sendable, Equatable {
        /// Canonical class.
        public var objectClass: ObjectClass
        /// Corners normalised to the image.
        public var box: Box
        /// Teacher score in `0...1`.
        public var score: Float
        /// 1-based line in the file.
        public var line: Int
    }

    /// Image file name to its boxes (possibly none: looked at, nothing found).
    public var byImage: [String: [Entry]]

    /// Creates pseudo-labels from a table.
    public init(byImage: [String: [Entry]]) { self.byImage = byImage }

    /// Parses one split's file; every malformed line is an error naming the file and line.
    ///
    /// - Parameters:
    ///   - text: The file's text.
    ///   - file: The file path, for errors.
    ///   - taxonomy: When given, every class must be in it.
    public static func parse(text: String, file: String, taxonomy: Taxonomy? = nil) throws -> PseudoLabels {
        var table: [String: [Entry]] = [:]
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let image = parts[0]
            if parts.count == 1 {
                if table[image] == nil { table[image] = [] }
                continue
            }
            guard parts.count == 7 else {
                throw DatasetError(.syntax, file: file, line: lineNo,
                                   reason: "expected 'image class cx cy w h score' or 'image', got \(parts.count) fields")
            }
            let name = parts[1]
            guard Taxonomy.isValidName(name) else {
                throw DatasetError(.invalidValue, file: file, line: lineNo, reason: "'\(name.prefix(30))' is not a valid class name")
            }
            let c = ObjectClass(name)
            if let taxonomy, !taxonomy.contains(c) {
                throw DatasetError(.unknownClass, file: file, line: lineNo, reason: "class '\(name.prefix(30))' is not in the taxonomy")
            }
            var v: [Float] = []
            for (k, p) in parts[2...6].enumerated() {
                guard let f = Float(p), f.isFinite else {
                    throw DatasetError(.syntax, file: file, line: lineNo, reason: "field \(k + 3) '\(p.prefix(20))' is not a finite number")
                }
                v.append(f)
            }
            guard v[2] > 0, v[3] > 0, v[0] >= 0, v[0] <= 1, v[1] >= 0, v[1] <= 1, v[2] <= 1, v[3] <= 1 else {
                throw DatasetError(.invalidValue, file: file, line: lineNo, reason: "box outside the image or empty")
            }
            guard v[4] >= 0, v[4] <= 1 else {
                throw DatasetError(.invalidValue, file: file, line: lineNo, reason: "score \(v[4]) outside 0...1")
            }
            let box = Box(x1: v[0] - v[2] / 2, y1: v[1] - v[3] / 2, x2: v[0] + v[2] / 2, y2: v[1] + v[3] / 2)
            table[image, default: []].append(Entry(objectClass: c, box: box, score: v[4], line: lineNo))
        }
        return PseudoLabels(byImage: table)
    }

    /// Reads `<folder>/<split>.txt`; a missing file reads as no pseudo-labels for that split.
    public static func load(folder: String, split: String, taxonomy: Taxonomy? = nil) throws -> PseudoLabels {
        let path = PathSupport.join(folder, split + ".txt")
        guard PathSupport.isFile(path) else { return PseudoLabels(byImage: [:]) }
        return try parse(text: YAMLSupport.readText(path: path), file: path, taxonomy: taxonomy)
    }

    /// Applies the teacher's boxes of `classes` to samples: a box scored at least `keep` becomes
    /// a label (source class `teacher:<class>`), one scored at least `ignore` but under `keep`
    /// an ignore region; the image then counts as annotated for `classes`. Images the file does
    /// not name are left as they were.
    public func apply(to samples: inout [LabeledSample], classes: Set<ObjectClass>, keep: Float, ignore: Float) {
        for i in samples.indices {
            guard let entries = byImage[PathSupport.basename(samples[i].imagePath)] else { continue }
            for e in entries where classes.contains(e.objectClass) && e.score >= ignore {
                let b = LabeledBox(objectClass: e.objectClass, sourceClass: "teacher:\(e.objectClass.rawValue)", box: e.box, line: e.line)
                if e.score >= keep { samples[i].boxes.append(b) } else { samples[i].ignoreBoxes.append(b) }
            }
            if var a = samples[i].annotatedClasses { a.formUnion(classes); samples[i].annotatedClasses = a }
        }
    }
}
