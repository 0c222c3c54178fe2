import Foundation
import WayCueDetector
import WayCueImage
import Yams

/// The parsed `data.yaml` of a Roboflow/Ultralytics dataset.
public struct DataYAML: Sendable, Equatable {
    /// The file read.
    public var file: String
    /// Class names by id.
    public var names: [Int: String]
    /// Split name (`train`, `val`, `test`, as written) to the paths given, unresolved, with the
    /// line they were written on.
    public var splitPaths: [(split: String, paths: [String], line: Int?)]
    /// The `path:` root, when given.
    public var root: String?

    /// Equal when file, names, root and split paths agree.
    public static func == (a: DataYAML, b: DataYAML) -> Bool {
        a.file == b.file && a.names == b.names && a.root == b.root
            && a.splitPaths.map { "\($0.split)=\($0.paths)" } == b.splitPaths.map { "\($0.split)=\($0.paths)" }
    }

    /// Class names in id order; ids without a name read `class<id>`.
    public var orderedNames: [String] {
        guard let maxID = names.keys.max() else { return [] }
        return (0...maxID).map { names[$0] ?? "class\($0)" }
    }

    /// Parses `data.yaml` text. `names` may be a list or an id-to-name mapping; `nc`, when
    /// present, must agree; `train`/`val`/`test` may be a path or a list of paths.
    public static func parse(yaml: String, file: String) throws -> DataYAML {
        let root = try YAMLSupport.mapping(YAMLSupport.composeNode(text: yaml, file: file), file: file, field: "(root)")
        let namesNode = try YAMLSupport.required(root, "names", file: file)
        var names: [Int: String] = [:]
        if let seq = namesNode.sequence {
            for (i, n) in seq.enumerated() {
                names[i] = try YAMLSupport.string(n, file: file, field: "names[\(i)]")
            }
        } else if let m = namesNode.mapping {
            for (k, v) in m {
                guard let ks = k.scalar?.string, let id = Int(ks), id >= 0, id < 100_000 else {
                    throw DatasetError(.invalidValue, file: file, line: k.mark?.line, field: "names",
                                       reason: "class id '\(k.scalar?.string.prefix(20) ?? "?")' is not a non-negative integer")
                }
                names[id] = try YAMLSupport.string(v, file: file, field: "names.\(id)")
            }
        } else {
            throw DatasetError(.invalidValue, file: file, line: namesNode.mark?.line, field: "names",
                               reason: "expected a list of names or an id: name mapping")
        }
        if names.isEmpty {
            throw DatasetError(.invalidValue, file: file, line: namesNode.mark?.line, field: "names", reason: "no class names")
        }
        if let ncNode = YAMLSupport.value(root, "nc") {
            guard let s = ncNode.scalar?.string, let nc = Int(s) else {
                throw DatasetError(.invalidValue, file: file, line: ncNode.mark?.line, field: "nc", reason: "expected an integer")
            }
            guard nc == names.count else {
                throw DatasetError(.invalidValue, file: file, line: ncNode.mark?.line, field: "nc",
                                   reason: "nc is \(nc) but \(names.count) names are listed")
            }
        }
        var splits: [(String, [String], Int?)] = []
        for key in ["train", "val", "valid", "test"] {
            guard let n = YAMLSupport.value(root, key) else { continue }
            if n.scalar != nil, ["", "~", "null"].contains(n.scalar!.string) { continue }
            if let seq = n.sequence {
                let ps = try seq.enumerated().map { try YAMLSupport.string($1, file: file, field: "\(key)[\($0)]") }
                splits.append((key, ps, n.mark?.line))
            } else {
                splits.append((key, [try YAMLSupport.string(n, file: file, field: key)], n.mark?.line))
            }
        }
        let rootPath = try YAMLSupport.value(root, "path").map { try YAMLSupport.string($0, file: file, field: "path") }
        return DataYAML(file: file, names: names, splitPaths: splits, root: rootPath)
    }
}

/// Reads YOLO-format datasets: a folder with a Roboflow/Ultralytics `data.yaml`, or a Darknet
/// export (split folders holding images, `.txt` labels and `_darknet.labels`).
public enum YOLODataset {
    /// Loads every split of a YOLO dataset folder (or a `data.yaml` path).
    ///
    /// Split paths in `data.yaml` are tried as written (absolute), relative to `path:`, relative
    /// to the yaml's folder, with leading `../` removed (Roboflow's `../train/images`), and, for
    /// absolute paths from another machine, as their last one or two components under the
    /// yaml's folder. Labels are found by replacing the last `images` folder by `labels`, or
    /// beside the image.
    ///
    /// - Parameters:
    ///   - path: The dataset folder or its `data.yaml`.
    ///   - mapping: Source names to canonical classes (identity when omitted).
    ///   - name: The source name recorded on samples (the folder name when omitted).
    ///   - strict: Throw the first label-file problem instead of collecting it in `problems`.
    /// - Throws: ``DatasetError`` for an unreadable or invalid `data.yaml`, or a missing split
    ///   folder; in strict mode also for any label file problem.
    public static func load(path: String, mapping: ClassMapping = .identity, name: String? = nil,
                            strict: Bool = false) throws -> LabeledDataset {
        let isYAML = ["yaml", "yml"].contains(PathSupport.ext(path)) && PathSupport.isFile(path)
        let dir = isYAML ? PathSupport.dirname(path) : path
        let source = name ?? PathSupport.basename(PathSupport.normalize(
            dir.hasPrefix("/") ? dir : PathSupport.join(FileManager.default.currentDirectoryPath, dir)))
        let yamlPath = isYAML ? path : ["data.yaml", "data.yml"].map { PathSupport.join(dir, $0) }.first(where: PathSupport.isFile)
        var splitDirs: [(String, [String])] = []
        var names: [String]
        if let yamlPath {
            let y = try DataYAML.parse(yaml: YAMLSupport.readText(path: yamlPath), file: yamlPath)
            names = y.orderedNames
            let base = y.root.map { PathSupport.join(dir, $0) } ?? dir
            for (split, paths, line) in y.splitPaths {
                var resolved: [String] = []
                for p in paths {
                    guard let r = resolveSplitPath(p, yamlDir: dir, base: base) else {
                        throw DatasetError(.layout, file: yamlPath, line: line, field: split,
                                           reason: "split folder '\(p)' not found relative to \(dir)")
                    }
                    resolved.append(r)
                }
                splitDirs.append((SplitName.canonical(split), resolved))
            }
        } else {
            guard PathSupport.isDirectory(dir) else {
                throw DatasetError(.io, file: dir, reason: "not a dataset folder or data.yaml")
            }
            names = []
            for candidate in ["_darknet.labels", "classes.txt", "obj.names"] {
                for folder in [dir] + ["labels", "train", "valid", "val", "test"].map({ PathSupport.join(dir, $0) }) {
                    let f = PathSupport.join(folder, candidate)
                    if names.isEmpty, PathSupport.isFile(f) {
                        names = try YAMLSupport.readText(path: f).split(whereSeparator: \.isNewline)
                            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    }
                }
            }
            for split in ["train", "valid", "val", "test"] {
                let d = PathSupport.join(dir, split)
                guard PathSupport.isDirectory(d) else { continue }
                let img = PathSupport.join(d, "images")
                splitDirs.append((SplitName.canonical(split), [PathSupport.isDirectory(img) ? img : d]))
            }
            if splitDirs.isEmpty, PathSupport.isDirectory(PathSupport.join(dir, "images")) {
                splitDirs.append(("train", [PathSupport.join(dir, "images")]))
            }
            // A flat folder of frames with their labels beside them and a class list (what
            // `waycue label` writes for a frames folder not named `images`).
            if splitDirs.isEmpty, !names.isEmpty,
               PathSupport.list(dir)?.contains(where: { PathSupport.imageExtensions.contains(PathSupport.ext($0)) }) == true {
                splitDirs.append(("train", [dir]))
            }
            guard !splitDirs.isEmpty else {
                throw DatasetError(.layout, file: dir,
                                   reason: "no data.yaml and no train/valid/test or images folder")
            }
            guard !names.isEmpty else {
                throw DatasetError(.layout, file: dir,
                                   reason: "no data.yaml and no class list (_darknet.labels, classes.txt or obj.names)")
            }
        }
        var dataset = LabeledDataset(samples: [], sourceClassNames: names)
        for (split, dirs) in splitDirs {
            for d in dirs {
                try loadSplit(imagesPath: d, split: split, names: names, mapping: mapping, source: source,
                              strict: strict, into: &dataset)
            }
        }
        return dataset
    }

    static func resolveSplitPath(_ p: String, yamlDir: String, base: String) -> String? {
        var candidates: [String] = []
        let comps = p.split(separator: "/").map(String.init)
        if p.hasPrefix("/") {
            candidates.append(p)
            if comps.count >= 2 { candidates.append(PathSupport.join(yamlDir, comps.suffix(2).joined(separator: "/"))) }
            if let last = comps.last { candidates.append(PathSupport.join(yamlDir, last)) }
            if comps.count >= 2, comps.last == "images" {
                // A renamed split folder: `valid` for `val` and the reverse.
                let split = comps[comps.count - 2]
                for alt in [split == "val" ? "valid" : split == "valid" ? "val" : split] {
                    candidates.append(PathSupport.join(yamlDir, alt + "/images"))
                }
            }
        } else {
            candidates.append(PathSupport.join(base, p))
            candidates.append(PathSupport.join(yamlDir, p))
            var stripped = p
            while stripped.hasPrefix("../") { stripped.removeFirst(3) }
            candidates.append(PathSupport.join(yamlDir, stripped))
        }
        for c in candidates {
            let n = PathSupport.normalize(c)
            if PathSupport.isDirectory(n) || (PathSupport.isFile(n) && PathSupport.ext(n) == "txt") { return n }
        }
        return nil
    }

    /// The label path for an image: the last `images` folder replaced by `labels`, else beside it.
    static func labelPath(forImage image: String) -> String {
        let dir = PathSupport.dirname(image)
        var comps = dir.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let i = comps.lastIndex(of: "images") {
            comps[i] = "labels"
            let labelsDir = comps.joined(separator: "/")
            return PathSupport.join(labelsDir, PathSupport.stem(image) + ".txt")
        }
        return PathSupport.join(dir, PathSupport.stem(image) + ".txt")
    }

    /// Loads a folder of images whose YOLO label files live in another folder (`labels`),
    /// as `waycue label --labels` writes them; the class names come from `classes.txt` in the
    /// labels folder, else from `names`.
    ///
    /// - Throws: ``DatasetError`` for a missing folder or no class names; in strict mode also
    ///   for any label-file problem.
    public static func load(images: String, labels: String, names: [String]? = nil, mapping: ClassMapping = .identity,
                            name: String? = nil, split: String = "train", strict: Bool = false) throws -> LabeledDataset {
        guard PathSupport.isDirectory(images) else { throw DatasetError(.io, file: images, reason: "not a folder of images") }
        var classNames = names ?? []
        let classesFile = PathSupport.join(labels, "classes.txt")
        if PathSupport.isFile(classesFile) {
            classNames = try YAMLSupport.readText(path: classesFile).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard !classNames.isEmpty else {
            throw DatasetError(.layout, file: labels, reason: "no classes.txt in the labels folder and no class names given")
        }
        var dataset = LabeledDataset(samples: [], sourceClassNames: classNames)
        try loadSplit(imagesPath: images, split: SplitName.canonical(split), names: classNames, mapping: mapping,
                      source: name ?? PathSupport.basename(PathSupport.normalize(images)), strict: strict,
                      labelsDir: labels, into: &dataset)
        return dataset
    }

    static func loadSplit(imagesPath: String, split: String, names: [String], mapping: ClassMapping, source: String,
                          strict: Bool, labelsDir: String? = nil, into dataset: inout LabeledDataset) throws {
        var images: [String]
        if PathSupport.isFile(imagesPath) {
            // A list file: one image path per line, relative to the list's folder.
            let base = PathSupport.dirname(imagesPath)
            images = try YAMLSupport.readText(path: imagesPath).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { PathSupport.normalize(PathSupport.join(base, $0)) }
        } else {
            guard let files = PathSupport.list(imagesPath) else {
                throw DatasetError(.io, file: imagesPath, reason: "cannot list folder")
            }
            images = files.filter { PathSupport.imageExtensions.contains(PathSupport.ext($0)) }
                .map { PathSupport.join(imagesPath, $0) }
        }
        var imageStems: Set<String> = []
        for image in images {
            imageStems.insert(PathSupport.stem(image))
            let lp = labelsDir.map { PathSupport.join($0, PathSupport.stem(image) + ".txt") } ?? labelPath(forImage: image)
            var sample = LabeledSample(source: source, split: split, imagePath: image, boxes: [])
            if let data = FileManager.default.contents(atPath: lp) {
                sample.labelPath = lp
                do {
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw DatasetError(.syntax, file: lp, reason: "not UTF-8 text")
                    }
                    for l in try YOLOLabels.parse(text, file: lp) {
                        let name = l.classID < names.count ? names[l.classID] : nil
                        let resolved: ClassMapping.Result = name.map { mapping.resolve($0) } ?? .unknown
                        switch resolved {
                        case .dropped: continue
                        case .mapped(let c):
                            sample.boxes.append(LabeledBox(objectClass: c, sourceClass: name!, box: l.box,
                                                           fromPolygon: l.fromPolygon, line: l.line))
                        case .unknown:
                            let err = DatasetError(.unknownClass, file: lp, line: l.line, field: "class",
                                                   reason: name == nil
                                                    ? "class id \(l.classID) is beyond the \(names.count) names"
                                                    : "class '\(name!)' is not in the mapping")
                            if strict { throw err }
                            dataset.problems.append(err)
                            sample.boxes.append(LabeledBox(objectClass: nil, sourceClass: name ?? "\(l.classID)",
                                                           box: l.box, fromPolygon: l.fromPolygon, line: l.line))
                        }
                    }
                } catch let e as DatasetError {
                    if strict { throw e }
                    dataset.problems.append(e)
                }
            }
            dataset.samples.append(sample)
        }
        // Label files without an image.
        if PathSupport.isDirectory(imagesPath), let probe = images.first ?? Optional(PathSupport.join(imagesPath, "x.jpg")) {
            let labelsDir = labelsDir ?? PathSupport.dirname(labelPath(forImage: probe))
            if labelsDir != imagesPath, let files = PathSupport.list(labelsDir) {
                // Class lists are not label files.
                let classLists: Set<String> = ["classes.txt", "obj.names", "_darknet.labels"]
                for f in files where PathSupport.ext(f) == "txt" && !imageStems.contains(PathSupport.stem(f)) && !classLists.contains(f) {
                    let err = DatasetError(.io, file: PathSupport.join(labelsDir, f), reason: "label file has no image")
                    if strict { throw err }
                    dataset.problems.append(err)
                }
            }
        }
    }
}
