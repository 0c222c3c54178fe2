import WayCueDetector
import WayCueImage

/// A box label on one image, in coordinates normalised to the image (`0...1` on both axes).
public struct LabeledBox: Sendable, Equatable {
    /// The canonical class, nil when the source class is unknown to the dataset or the mapping.
    public var objectClass: ObjectClass?
    /// The class as the source wrote it (a name, or the raw id when the id has no name).
    public var sourceClass: String
    /// Corners normalised by the image width and height. Values may lie outside `0...1` when
    /// the source is out of range; ``DatasetChecker`` reports those.
    public var box: Box
    /// Whether the source gave a polygon that was reduced to its min/max box.
    public var fromPolygon: Bool
    /// The 1-based line (YOLO) of the label, when known.
    public var line: Int?

    /// Creates a label.
    public init(objectClass: ObjectClass?, sourceClass: String, box: Box, fromPolygon: Bool = false, line: Int? = nil) {
        self.objectClass = objectClass
        self.sourceClass = sourceClass
        self.box = box
        self.fromPolygon = fromPolygon
        self.line = line
    }

    /// The box in pixels of an image of the given size.
    public func pixelBox(width: Int, height: Int) -> Box {
        Box(x1: box.x1 * Float(width), y1: box.y1 * Float(height), x2: box.x2 * Float(width), y2: box.y2 * Float(height))
    }
}

/// Width and height of an image in pixels.
public struct ImageSize: Sendable, Equatable, Hashable, Codable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Creates a size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// One labelled image.
public struct LabeledSample: Sendable, Equatable {
    /// The dataset (or recipe entry) the sample came from.
    public var source: String
    /// The split name as the dataset calls it (`train`, `val`, `test`).
    public var split: String
    /// The image file path.
    public var imagePath: String
    /// The label file path, nil when the image has no label file (no objects).
    public var labelPath: String?
    /// The image size when the labels state it (VOC, COCO); YOLO labels do not.
    public var size: ImageSize?
    /// The labels.
    public var boxes: [LabeledBox]
    /// The canonical classes this image is annotated for, nil for every class.
    ///
    /// Merged datasets are partially labelled: a traffic-light set marks its lights but not the
    /// people and cars in its photos. A class outside this set is neither positive nor negative
    /// anywhere on the image: the trainer's loss ignores it (``DetectionLoss``).
    public var annotatedClasses: Set<ObjectClass>?
    /// Regions where one class is ignored by the loss (neither positive nor negative): a
    /// teacher's low-confidence pseudo-labels, for example. Coordinates as in ``boxes``.
    public var ignoreBoxes: [LabeledBox]

    /// Creates a sample.
    public init(source: String, split: String, imagePath: String, labelPath: String? = nil,
                size: ImageSize? = nil, boxes: [LabeledBox], annotatedClasses: Set<ObjectClass>? = nil,
                ignoreBoxes: [LabeledBox] = []) {
        self.source = source
        self.split = split
        self.imagePath = imagePath
        self.labelPath = labelPath
        self.size = size
        self.boxes = boxes
        self.annotatedClasses = annotatedClasses
        self.ignoreBoxes = ignoreBoxes
    }

    /// Whether the image is annotated for `c` (a class it is not annotated for may be present
    /// without a label).
    public func isAnnotated(_ c: ObjectClass) -> Bool { annotatedClasses?.contains(c) ?? true }
}

/// Labelled images read from one or more datasets, with the problems met while reading.
public struct LabeledDataset: Sendable {
    /// The samples, in a stable order (split, then path).
    public var samples: [LabeledSample]
    /// The source's class names in id order (YOLO), when the format has them.
    public var sourceClassNames: [String]
    /// Problems that did not stop reading (malformed label files in lenient mode).
    public var problems: [DatasetError]

    /// Creates a dataset.
    public init(samples: [LabeledSample], sourceClassNames: [String] = [], problems: [DatasetError] = []) {
        self.samples = samples
        self.sourceClassNames = sourceClassNames
        self.problems = problems
    }

    /// Split names present, in order of first appearance.
    public var splits: [String] {
        var seen: [String] = []
        for s in samples where !seen.contains(s.split) { seen.append(s.split) }
        return seen
    }

    /// The samples of one split.
    public func samples(inSplit split: String) -> [LabeledSample] { samples.filter { $0.split == split } }

    /// Box counts per canonical class (unknown classes under their source name, prefixed `?`).
    public func classCounts(split: String? = nil) -> [String: Int] {
        var counts: [String: Int] = [:]
        for s in samples where split == nil || s.split == split {
            for b in s.boxes { counts[b.objectClass?.rawValue ?? "?\(b.sourceClass)", default: 0] += 1 }
        }
        return counts
    }

    /// Appends another dataset.
    public mutating func append(_ other: LabeledDataset) {
        samples += other.samples
        problems += other.problems
        if sourceClassNames.isEmpty { sourceClassNames = other.sourceClassNames }
    }
}

/// Canonical split names: `valid`/`validation` read as `val`.
public enum SplitName {
    /// Normalises a split name: `valid` and `validation` become `val`.
    public static func canonical(_ s: String) -> String {
        switch s.lowercased() {
        case "valid", "validation", "val": return "val"
        default: return s.lowercased()
        }
    }
}
