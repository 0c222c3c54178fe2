import Foundation
import WayCueDetector
import WayCueSynth
import Yams

/// A training recipe (`datasets/recipes/*.yaml`): several datasets, each with a format, a
/// class mapping, a sampling weight and optional per-split image lists.
///
/// Paths inside a recipe are resolved relative to `root`, and `root` (default `.`) is resolved
/// relative to the folder of the recipe file. The committed recipes set `root: ../..`, so their
/// paths read relative to the project root (`../shared/datasets/...`).
///
/// ```yaml
/// name: default
/// root: ../..
/// taxonomy: datasets/taxonomy.yaml
/// datasets:
///   - name: pedestrian-lights-crosswalks
///     path: ../shared/datasets/pedestrian-lights-crosswalks
///     format: yolo            # yolo | voc | coco (default yolo)
///     mapping: datasets/mappings/pedestrian-lights-crosswalks.yaml
///     weight: 1.0
///     keep_only: { val: ../shared/datasets/pedestrian-lights-crosswalks.valid-clean.txt }
///     exclude: { train: some-list.txt }
///     # Paste rendered objects into this dataset's training images (WayCueSynth), with labels:
///     paste: { probability: 0.3, objects: [cone, bollard, ped_signal, vehicle_signal] }
///     # Classes this dataset labels (default: the targets of its mapping; every class when it
///     # has no mapping). Other classes are neither positive nor negative on its images.
///     annotates: [crosswalk, ped_red, ped_green]
///     # A teacher's boxes for more classes (scripts/teacher-labels.py): kept at `keep` and
///     # above, ignore regions between `ignore` and `keep`.
///     pseudo_labels: { path: datasets/teacher-labels/pedestrian-lights-crosswalks, classes: [person, bicycle, car], keep: 0.5, ignore: 0.25 }
///     # Scale range of this dataset's training images relative to the letterbox fit
///     # (default: the run's augmentation scale). Above 1 crops at near-native resolution.
///     scale: [0.2, 1.4]
///   # Frames reviewed with `waycue label` whose labels live in another folder:
///   - name: our-street
///     path: footage/frames
///     labels: footage/labels    # YOLO txt + classes.txt, canonical class names
///     split: train              # the split these frames belong to (default train)
/// ```
public struct Recipe: Sendable, Equatable {
    /// Dataset formats a recipe can name.
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// YOLO txt labels: a Roboflow/Ultralytics `data.yaml` folder or a Darknet export.
        case yolo
        /// Pascal VOC XML annotations.
        case voc
        /// COCO detection JSON.
        case coco
    }

    /// One dataset of a recipe, paths resolved.
    public struct Entry: Sendable, Equatable {
        /// The name recorded on samples.
        public var name: String
        /// Resolved dataset path.
        public var path: String
        /// Format.
        public var format: Format
        /// Resolved mapping file path, nil for identity.
        public var mappingPath: String?
        /// Relative sampling weight (> 0) for the dataset as a whole.
        public var weight: Double
        /// Split name to a list file: only images named there (by file name) are kept.
        public var keepOnly: [String: String]
        /// Split name to a list file: images named there are dropped.
        public var exclude: [String: String]
        /// Whether and what to paste into this dataset's training images, nil for nothing.
        public var paste: Paste? = nil
        /// Canonical classes the dataset annotates as stated in the recipe (`annotates:`); nil
        /// means "what the mapping implies" (see ``Recipe/annotatedClasses(of:mapping:)``).
        public var annotates: Set<ObjectClass>? = nil
        /// A teacher's pseudo-labels for more classes, nil for none.
        public var pseudoLabels: PseudoLabelSource? = nil
        /// Training scale range `[min, max]` for this dataset, nil for the run's default.
        public var scale: [Float]? = nil
        /// A separate YOLO labels folder for a folder of frames (`labels:`, as `waycue label
        /// --labels` writes it); nil when labels follow the YOLO layout.
        public var labels: String? = nil
        /// The split the frames of a `labels:` entry belong to (`split:`, default `train`).
        public var split: String? = nil
    }

    /// Where a dataset's teacher pseudo-labels are and how they are used (`pseudo_labels:`).
    public struct PseudoLabelSource: Sendable, Equatable {
        /// Resolved folder holding `<split>.txt` files (``PseudoLabels``).
        public var path: String
        /// Classes taken from the teacher; the images it looked at count as annotated for them.
        public var classes: Set<ObjectClass>
        /// Teacher score from which a box is a label.
        public var keep: Float
        /// Teacher score from which a box (under `keep`) is an ignore region.
        public var ignore: Float
    }

    /// Pasting of rendered objects into a dataset's training images (`paste:` in a recipe):
    /// with `probability`, each training image drawn from the dataset gets 1 to 3 objects of
    /// the listed kinds placed on its assumed ground plane and labelled
    /// (``WayCueSynth/SynthCompositor``). A paste that would cover a labelled box is not made.
    public struct Paste: Sendable, Equatable {
        /// Chance per drawn image, in (0, 1].
        public var probability: Double
        /// The kinds to paste.
        public var kinds: [SynthCompositor.Kind]
        /// Creates paste settings.
        public init(probability: Double, kinds: [SynthCompositor.Kind] = SynthCompositor.Kind.allCases) {
            self.probability = probability
            self.kinds = kinds
        }
    }

    /// The recipe file.
    public var file: String
    /// Recipe name.
    public var name: String
    /// Resolved root folder.
    public var root: String
    /// Resolved taxonomy path, nil for the built-in canonical taxonomy.
    public var taxonomyPath: String?
    /// The datasets.
    public var entries: [Entry]

    /// Loads and validates a recipe file (paths resolved, files not yet read).
    public static func load(path: String) throws -> Recipe {
        try parse(yaml: YAMLSupport.readText(path: path), file: path)
    }

    /// Parses recipe text; `file` locates relative paths and names the file in errors.
    public static func parse(yaml: String, file: String) throws -> Recipe {
        let root = try YAMLSupport.mapping(YAMLSupport.composeNode(text: yaml, file: file), file: file, field: "(root)")
        let name = try YAMLSupport.value(root, "name").map { try YAMLSupport.string($0, file: file, field: "name") }
            ?? PathSupport.stem(file)
        let rootRel = try YAMLSupport.value(root, "root").map { try YAMLSupport.string($0, file: file, field: "root") } ?? "."
        let base = PathSupport.normalize(PathSupport.join(PathSupport.dirname(file), rootRel))
        func resolve(_ p: String) -> String { PathSupport.normalize(PathSupport.join(base, p)) }
        let tax = try YAMLSupport.value(root, "taxonomy").map { resolve(try YAMLSupport.string($0, file: file, field: "taxonomy")) }
        let list = try YAMLSupport.sequence(YAMLSupport.required(root, "datasets", file: file), file: file, field: "datasets")
        var entries: [Entry] = []
        for (i, node) in list.enumerated() {
            let f = "datasets[\(i)]"
            let m = try YAMLSupport.mapping(node, file: file, field: f)
            let path = try YAMLSupport.string(YAMLSupport.required(m, "path", file: file, parent: f), file: file, field: "\(f).path")
            let ename = try YAMLSupport.value(m, "name").map { try YAMLSupport.string($0, file: file, field: "\(f).name") }
                ?? PathSupport.basename(PathSupport.normalize(path))
            var format = Format.yolo
            if let fn = YAMLSupport.value(m, "format") {
                let s = try YAMLSupport.string(fn, file: file, field: "\(f).format")
                guard let ff = Format(rawValue: s.lowercased()) else {
                    throw DatasetError(.invalidValue, file: file, line: fn.mark?.line, field: "\(f).format",
                                       reason: "unknown format '\(s.prefix(20))' (yolo, voc or coco)")
                }
                format = ff
            }
            let mapping = try YAMLSupport.value(m, "mapping").map { resolve(try YAMLSupport.string($0, file: file, field: "\(f).mapping")) }
            var weight = 1.0
            if let wn = YAMLSupport.value(m, "weight") {
                weight = try YAMLSupport.double(wn, file: file, field: "\(f).weight")
                guard weight > 0 else {
                    throw DatasetError(.invalidValue, file: file, line: wn.mark?.line, field: "\(f).weight", reason: "weight must be positive")
                }
            }
            func lists(_ key: String) throws -> [String: String] {
                guard let n = YAMLSupport.value(m, key) else { return [:] }
                var out: [String: String] = [:]
                for (k, v) in try YAMLSupport.mapping(n, file: file, field: "\(f).\(key)") {
                    let split = try YAMLSupport.string(k, file: file, field: "\(f).\(key)")
                    out[SplitName.canonical(split)] = resolve(try YAMLSupport.string(v, file: file, field: "\(f).\(key).\(split)"))
                }
                return out
            }
            var annotates: Set<ObjectClass>?
            if let an = YAMLSupport.value(m, "annotates") {
                annotates = Set(try parseClassList(an, file: file, field: "\(f).annotates"))
            }
            var scale: [Float]?
            if let sn = YAMLSupport.value(m, "scale") {
                let items = try YAMLSupport.sequence(sn, file: file, field: "\(f).scale")
                let v = try items.map { try YAMLSupport.double($0, file: file, field: "\(f).scale") }
                guard v.count == 2, v[0] > 0, v[1] >= v[0], v[1] <= 8 else {
                    throw DatasetError(.invalidValue, file: file, line: sn.mark?.line, field: "\(f).scale",
                                       reason: "scale must be [min, max] with 0 < min <= max <= 8")
                }
                scale = v.map { Float($0) }
            }
            entries.append(Entry(name: ename, path: resolve(path), format: format, mappingPath: mapping, weight: weight,
                                 keepOnly: try lists("keep_only"), exclude: try lists("exclude"),
                                 paste: try YAMLSupport.value(m, "paste").map { try parsePaste($0, file: file, field: "\(f).paste") },
                                 annotates: annotates,
                                 pseudoLabels: try YAMLSupport.value(m, "pseudo_labels").map {
                                     try parsePseudoLabels($0, file: file, field: "\(f).pseudo_labels", resolve: resolve)
                                 },
                                 scale: scale,
                                 labels: try YAMLSupport.value(m, "labels").map { resolve(try YAMLSupport.string($0, file: file, field: "\(f).labels")) },
                                 split: try YAMLSupport.value(m, "split").map { try YAMLSupport.string($0, file: file, field: "\(f).split") }))
        }
        guard !entries.isEmpty else {
            throw DatasetError(.invalidValue, file: file, field: "datasets", reason: "no datasets listed")
        }
        return Recipe(file: file, name: name, root: base, taxonomyPath: tax, entries: entries)
    }

    static func parseClassList(_ node: Node, file: String, field: String) throws -> [ObjectClass] {
        var out: [ObjectClass] = []
        for item in try YAMLSupport.sequence(node, file: file, field: field) {
            let name = try YAMLSupport.string(item, file: file, field: field)
            guard Taxonomy.isValidName(name) else {
                throw DatasetError(.invalidValue, file: file, line: item.mark?.line, field: field,
                                   reason: "'\(name.prefix(30))' is not a valid class name")
            }
            out.append(ObjectClass(name))
        }
        guard !out.isEmpty else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field, reason: "no classes listed")
        }
        return out
    }

    static func parsePseudoLabels(_ node: Node, file: String, field: String, resolve: (String) -> String) throws -> PseudoLabelSource {
        let m = try YAMLSupport.mapping(node, file: file, field: field)
        for (k, _) in m {
            let key = try YAMLSupport.string(k, file: file, field: field)
            guard ["path", "classes", "keep", "ignore"].contains(key) else {
                throw DatasetError(.invalidValue, file: file, line: k.mark?.line, field: field,
                                   reason: "unknown key '\(key.prefix(30))' (path, classes, keep, ignore)")
            }
        }
        let path = try YAMLSupport.string(YAMLSupport.required(m, "path", file: file, parent: field), file: file, field: "\(field).path")
        let classes = try parseClassList(YAMLSupport.required(m, "classes", file: file, parent: field), file: file, field: "\(field).classes")
        let keep = try YAMLSupport.value(m, "keep").map { try YAMLSupport.double($0, file: file, field: "\(field).keep") } ?? 0.5
        let ignore = try YAMLSupport.value(m, "ignore").map { try YAMLSupport.double($0, file: file, field: "\(field).ignore") } ?? 0.25
        guard ignore >= 0, ignore <= keep, keep <= 1 else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "need 0 <= ignore <= keep <= 1, got ignore \(ignore), keep \(keep)")
        }
        return PseudoLabelSource(path: resolve(path), classes: Set(classes), keep: Float(keep), ignore: Float(ignore))
    }

    /// The classes an entry's images are annotated for: `annotates:` when the recipe states it;
    /// else the targets of a non-identity mapping; else nil (every class: a dataset in the
    /// canonical classes, such as the rendered set, labels all it shows). Pseudo-label classes
    /// are added per image by ``PseudoLabels/apply(to:classes:keep:ignore:)``.
    public static func annotatedClasses(of entry: Entry, mapping: ClassMapping) -> Set<ObjectClass>? {
        if let a = entry.annotates { return a }
        if mapping.isIdentity { return nil }
        return Set(mapping.map.values.compactMap { $0 })
    }

    static func parsePaste(_ node: Node, file: String, field: String) throws -> Paste {
        let m = try YAMLSupport.mapping(node, file: file, field: field)
        for (k, _) in m {
            let key = try YAMLSupport.string(k, file: file, field: field)
            guard key == "probability" || key == "objects" else {
                throw DatasetError(.invalidValue, file: file, line: k.mark?.line, field: field,
                                   reason: "unknown key '\(key.prefix(30))' (probability, objects)")
            }
        }
        let pn = try YAMLSupport.required(m, "probability", file: file, parent: field)
        let p = try YAMLSupport.double(pn, file: file, field: "\(field).probability")
        guard p > 0 && p <= 1 else {
            throw DatasetError(.invalidValue, file: file, line: pn.mark?.line, field: "\(field).probability",
                               reason: "probability must be in (0, 1], got \(p)")
        }
        var kinds = SynthCompositor.Kind.allCases
        if let on = YAMLSupport.value(m, "objects") {
            kinds = []
            for item in try YAMLSupport.sequence(on, file: file, field: "\(field).objects") {
                let name = try YAMLSupport.string(item, file: file, field: "\(field).objects")
                guard let kind = SynthCompositor.Kind(rawValue: name) else {
                    let known = SynthCompositor.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw DatasetError(.invalidValue, file: file, line: item.mark?.line, field: "\(field).objects",
                                       reason: "unknown object '\(name.prefix(30))' (\(known))")
                }
                if !kinds.contains(kind) { kinds.append(kind) }
            }
            guard !kinds.isEmpty else {
                throw DatasetError(.invalidValue, file: file, line: on.mark?.line, field: "\(field).objects", reason: "no objects listed")
            }
        }
        return Paste(probability: p, kinds: kinds)
    }

    /// The taxonomy the recipe names (the built-in canonical one when it names none).
    public func taxonomy() throws -> Taxonomy {
        try taxonomyPath.map { try Taxonomy.load(path: $0) } ?? .canonical
    }

    /// Reads every dataset, maps classes, applies `keep_only`/`exclude` lists.
    ///
    /// - Parameter strict: Throw on the first label problem instead of collecting them.
    public func loadDataset(strict: Bool = false) throws -> LabeledDataset {
        let tax = try taxonomy()
        var all = LabeledDataset(samples: [])
        for e in entries {
            let mapping = try e.mappingPath.map { try ClassMapping.load(path: $0, taxonomy: tax) } ?? .identity
            var ds: LabeledDataset
            if let labels = e.labels {
                ds = try YOLODataset.load(images: e.path, labels: labels, mapping: mapping, name: e.name,
                                          split: e.split ?? "train", strict: strict)
            } else {
                ds = try DatasetLoader.load(path: e.path, format: e.format, mapping: mapping, name: e.name, strict: strict)
            }
            for (split, list) in e.keepOnly {
                let keep = try Recipe.readList(list)
                ds.samples.removeAll { $0.split == split && !keep.contains(PathSupport.basename($0.imagePath)) }
            }
            for (split, list) in e.exclude {
                let drop = try Recipe.readList(list)
                ds.samples.removeAll { $0.split == split && drop.contains(PathSupport.basename($0.imagePath)) }
            }
            let annotated = Recipe.annotatedClasses(of: e, mapping: mapping)
            for i in ds.samples.indices { ds.samples[i].annotatedClasses = annotated }
            if let p = e.pseudoLabels {
                for split in ds.splits {
                    let labels = try PseudoLabels.load(folder: p.path, split: split, taxonomy: tax)
                    var part = ds.samples.filter { $0.split == split }
                    labels.apply(to: &part, classes: p.classes, keep: p.keep, ignore: p.ignore)
                    var k = 0
                    for i in ds.samples.indices where ds.samples[i].split == split { ds.samples[i] = part[k]; k += 1 }
                }
            }
            all.append(ds)
        }
        return all
    }

    /// Per-sample sampling weights for a split: every sample weighs its dataset's `weight`, so
    /// weight 1 everywhere is uniform sampling and weight 3 draws a dataset's images three times
    /// as often as weight 1 would.
    public func samplingWeights(for dataset: LabeledDataset, split: String = "train") -> [Double] {
        dataset.samples(inSplit: split).map { s in entries.first { $0.name == s.source }?.weight ?? 1.0 }
    }

    /// Reads an image list file: one file name (or path; only the last component counts) a line.
    public static func readList(_ path: String) throws -> Set<String> {
        Set(try YAMLSupport.readText(path: path).split(whereSeparator: \.isNewline)
            .map { PathSupport.basename($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty })
    }
}

/// Reads any supported dataset format into a ``LabeledDataset``.
public enum DatasetLoader {
    /// Guesses a folder's format: `data.yaml` or YOLO txt -> yolo, `_annotations.coco.json`
    /// -> coco, `Annotations/` or XML files -> voc.
    public static func detectFormat(path: String) -> Recipe.Format {
        if PathSupport.isFile(path) { return PathSupport.ext(path) == "json" ? .coco : .yolo }
        if PathSupport.isFile(PathSupport.join(path, "data.yaml")) { return .yolo }
        if PathSupport.isDirectory(PathSupport.join(path, "Annotations")) { return .voc }
        for s in ["train", "valid", "val", "test"] where PathSupport.isFile(PathSupport.join(path, s + "/_annotations.coco.json")) {
            return .coco
        }
        if let files = PathSupport.list(path), files.contains(where: { PathSupport.ext($0) == "xml" }) { return .voc }
        return .yolo
    }

    /// Loads a dataset in the given (or detected) format.
    public static func load(path: String, format: Recipe.Format? = nil, mapping: ClassMapping = .identity,
                            name: String? = nil, strict: Bool = false) throws -> LabeledDataset {
        switch format ?? detectFormat(path: path) {
        case .yolo: return try YOLODataset.load(path: path, mapping: mapping, name: name, strict: strict)
        case .voc: return try PascalVOC.load(path: path, mapping: mapping, name: name, strict: strict)
        case .coco: return try COCODataset.load(path: path, mapping: mapping, name: name, strict: strict)
        }
    }
}

/// Draws sample indices in proportion to weights, reproducibly from a seed.
public struct WeightedSampler: Sendable {
    private var cumulative: [Double]
    private var rng: SynthRandom

    /// Creates a sampler; weights must be non-negative with a positive sum.
    public init(weights: [Double], seed: UInt64) {
        var c: [Double] = []
        var acc = 0.0
        for w in weights { acc += max(0, w); c.append(acc) }
        cumulative = c
        // The offset keeps the draws of runs trained before the sampler shared SynthRandom.
        rng = SynthRandom(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next index.
    public mutating func next() -> Int {
        let unit = rng.unit()  // drawn before the guard, as it always was
        guard let total = cumulative.last, total > 0 else { return 0 }
        let u = unit * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
