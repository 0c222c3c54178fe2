import Foundation
import WayCueDetector
import WayCueImage

/// Reader for COCO detection JSON (`images`, `annotations` with `bbox` as `[x, y, w, h]`,
/// `categories`).
public enum COCODataset {
    /// Parses COCO JSON into samples with pixel sizes and normalised boxes.
    ///
    /// - Parameters:
    ///   - data: The JSON bytes.
    ///   - file: Names the file in errors.
    ///   - imagesDir: Folder that `file_name` is relative to.
    ///   - split: Split name recorded on samples.
    /// - Throws: ``DatasetError`` naming the file, the line (for JSON syntax) and the field path
    ///   (`annotations[3].bbox`) for anything malformed.
    public static func parse(data: Data, file: String, imagesDir: String, split: String,
                             mapping: ClassMapping = .identity, source: String = "coco",
                             strict: Bool = true) throws -> LabeledDataset {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data)
        } catch {
            let ns = error as NSError
            var line: Int?
            if let idx = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int {
                line = 1 + data.prefix(max(0, min(idx, data.count))).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            }
            throw DatasetError(.syntax, file: file, line: line, reason: "invalid JSON")
        }
        guard let root = any as? [String: Any] else {
            throw DatasetError(.invalidValue, file: file, field: "(root)", reason: "expected a JSON object")
        }
        func array(_ key: String) throws -> [[String: Any]] {
            guard let v = root[key] else {
                throw DatasetError(.missingField, file: file, field: key, reason: "required field is missing")
            }
            guard let a = v as? [Any] else {
                throw DatasetError(.invalidValue, file: file, field: key, reason: "expected an array")
            }
            return try a.enumerated().map { i, e in
                guard let o = e as? [String: Any] else {
                    throw DatasetError(.invalidValue, file: file, field: "\(key)[\(i)]", reason: "expected an object")
                }
                return o
            }
        }
        func int(_ o: [String: Any], _ k: String, _ path: String) throws -> Int {
            guard let v = o[k] else {
                throw DatasetError(.missingField, file: file, field: "\(path).\(k)", reason: "required field is missing")
            }
            guard let d = COCODataset.number(v), d.isFinite,
                  d == d.rounded(), abs(d) < 9e15 else {
                throw DatasetError(.invalidValue, file: file, field: "\(path).\(k)", reason: "expected an integer")
            }
            return Int(d)
        }
        func str(_ o: [String: Any], _ k: String, _ path: String) throws -> String {
            guard let v = o[k] else {
                throw DatasetError(.missingField, file: file, field: "\(path).\(k)", reason: "required field is missing")
            }
            guard let s = v as? String else {
                throw DatasetError(.invalidValue, file: file, field: "\(path).\(k)", reason: "expected a string")
            }
            return s
        }
        var categories: [Int: String] = [:]
        for (i, c) in try array("categories").enumerated() {
            let p = "categories[\(i)]"
            let id = try int(c, "id", p)
            guard categories[id] == nil else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).id", reason: "duplicate category id \(id)")
            }
            categories[id] = try str(c, "name", p)
        }
        var ds = LabeledDataset(samples: [])
        var sampleIndex: [Int: Int] = [:]
        for (i, im) in try array("images").enumerated() {
            let p = "images[\(i)]"
            let id = try int(im, "id", p)
            guard sampleIndex[id] == nil else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).id", reason: "duplicate image id \(id)")
            }
            let name = try str(im, "file_name", p)
            let w = try int(im, "width", p), h = try int(im, "height", p)
            guard w > 0, h > 0, w <= 1 << 16, h <= 1 << 16 else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).width", reason: "image size \(w)x\(h) out of range")
            }
            sampleIndex[id] = ds.samples.count
            ds.samples.append(LabeledSample(source: source, split: split, imagePath: PathSupport.join(imagesDir, name),
                                            labelPath: file, size: ImageSize(width: w, height: h), boxes: []))
        }
        for (i, a) in try array("annotations").enumerated() {
            let p = "annotations[\(i)]"
            let imageID = try int(a, "image_id", p)
            guard let si = sampleIndex[imageID] else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).image_id", reason: "no image with id \(imageID)")
            }
            let catID = try int(a, "category_id", p)
            guard let bb = a["bbox"] else {
                throw DatasetError(.missingField, file: file, field: "\(p).bbox", reason: "required field is missing")
            }
            guard let arr = bb as? [Any], arr.count == 4,
                  let v = Optional(arr.compactMap { COCODataset.number($0) }), v.count == 4,
                  v.allSatisfy({ $0.isFinite }) else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).bbox", reason: "expected 4 numbers [x, y, w, h]")
            }
            guard v[2] >= 0, v[3] >= 0 else {
                throw DatasetError(.invalidValue, file: file, field: "\(p).bbox", reason: "negative width or height")
            }
            let size = ds.samples[si].size!
            let w = Double(size.width), h = Double(size.height)
            let nb = Box(x1: Float(v[0] / w), y1: Float(v[1] / h), x2: Float((v[0] + v[2]) / w), y2: Float((v[1] + v[3]) / h))
            let catName = categories[catID]
            switch catName.map({ mapping.resolve($0) }) ?? .unknown {
            case .dropped: continue
            case .mapped(let c): ds.samples[si].boxes.append(LabeledBox(objectClass: c, sourceClass: catName!, box: nb))
            case .unknown:
                let err = DatasetError(.unknownClass, file: file, field: "\(p).category_id",
                                       reason: catName == nil ? "no category with id \(catID)" : "class '\(catName!)' is not in the mapping")
                if strict { throw err }
                ds.problems.append(err)
                ds.samples[si].boxes.append(LabeledBox(objectClass: nil, sourceClass: catName ?? "\(catID)", box: nb))
            }
        }
        ds.sourceClassNames = categories.keys.sorted().map { categories[$0]! }
        return ds
    }

    static func number(_ v: Any) -> Double? {
        if let i = v as? Int { return Double(i) }
        if let d = v as? Double { return d }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    /// Loads a COCO JSON file, or a folder whose split subfolders (`train`, `valid`, `test`)
    /// each hold `_annotations.coco.json` beside their images (the Roboflow COCO export).
    public static func load(path: String, mapping: ClassMapping = .identity, name: String? = nil,
                            strict: Bool = false) throws -> LabeledDataset {
        let source = name ?? PathSupport.basename(PathSupport.normalize(path))
        var files: [(String, String)] = []
        if PathSupport.isFile(path) {
            files = [(path, "train")]
        } else {
            for split in ["train", "valid", "val", "test"] {
                for n in ["_annotations.coco.json", "annotations.json"] {
                    let f = PathSupport.join(PathSupport.join(path, split), n)
                    if PathSupport.isFile(f) { files.append((f, SplitName.canonical(split))); break }
                }
            }
        }
        guard !files.isEmpty else {
            throw DatasetError(.layout, file: path, reason: "no COCO JSON file (_annotations.coco.json in split folders)")
        }
        var ds = LabeledDataset(samples: [])
        for (f, split) in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                throw DatasetError(.io, file: f, reason: "cannot read file")
            }
            ds.append(try parse(data: data, file: f, imagesDir: PathSupport.dirname(f), split: split,
                                mapping: mapping, source: source, strict: strict))
        }
        return ds
    }
}
