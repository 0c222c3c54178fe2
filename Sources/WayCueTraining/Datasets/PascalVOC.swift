import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import WayCueDetector
import WayCueImage

/// Reader for Pascal VOC XML annotations.
public enum PascalVOC {
    /// One object of an annotation, box in pixels (VOC's 1-based `xmin` turned 0-based).
    public struct Object: Sendable, Equatable {
        /// The class name.
        public var name: String
        /// Corners in pixels.
        public var box: Box
        /// VOC's `difficult` flag.
        public var difficult: Bool
        /// The line of the `<object>` element.
        public var line: Int
    }

    /// One parsed annotation file.
    public struct Annotation: Sendable, Equatable {
        /// `<filename>`.
        public var filename: String
        /// `<size>`.
        public var size: ImageSize
        /// The objects.
        public var objects: [Object]
    }

    /// Parses one VOC XML document.
    ///
    /// - Throws: ``DatasetError`` naming `file`, the line and the element for XML syntax
    ///   errors, missing `filename`/`size`/`name`/`bndbox` fields and non-numeric or inverted
    ///   coordinates.
    public static func parse(data: Data, file: String) throws -> Annotation {
        // FoundationXML traps on element names that are not valid UTF-8; refuse them first.
        guard String(data: data, encoding: .utf8) != nil else {
            var line = 1
            var it = data.makeIterator()
            var utf8 = Unicode.UTF8()
            decoding: while true {
                switch utf8.decode(&it) {
                case .scalarValue(let v): if v == "\n" { line += 1 }
                case .emptyInput, .error: break decoding
                }
            }
            throw DatasetError(.syntax, file: file, line: line, reason: "not valid UTF-8 text")
        }
        let parser = XMLParser(data: data)
        let handler = Handler(file: file)
        parser.delegate = handler
        parser.shouldResolveExternalEntities = false
        let ok = parser.parse()
        if let e = handler.error { throw e }
        if !ok {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"
            throw DatasetError(.syntax, file: file, line: parser.lineNumber, reason: "invalid XML: \(reason)")
        }
        guard handler.sawRoot else {
            throw DatasetError(.missingField, file: file, field: "annotation", reason: "no <annotation> element")
        }
        return try handler.finish()
    }

    /// Loads a VOC folder: `Annotations/*.xml` with images in `JPEGImages/` (or XML files
    /// beside their images). Splits come from `ImageSets/Main/{train,val,test}.txt` when
    /// present, otherwise every image is in `train`.
    public static func load(path: String, mapping: ClassMapping = .identity, name: String? = nil,
                            strict: Bool = false) throws -> LabeledDataset {
        let annDir = PathSupport.isDirectory(PathSupport.join(path, "Annotations")) ? PathSupport.join(path, "Annotations") : path
        let imgDir = PathSupport.isDirectory(PathSupport.join(path, "JPEGImages")) ? PathSupport.join(path, "JPEGImages") : annDir
        guard let files = PathSupport.list(annDir) else {
            throw DatasetError(.io, file: annDir, reason: "cannot list folder")
        }
        var splitOf: [String: String] = [:]
        let sets = PathSupport.join(path, "ImageSets/Main")
        for split in ["train", "val", "trainval", "test"] where split != "trainval" {
            let f = PathSupport.join(sets, split + ".txt")
            guard PathSupport.isFile(f) else { continue }
            for l in try YAMLSupport.readText(path: f).split(whereSeparator: \.isNewline) {
                let id = l.split(separator: " ").first.map(String.init) ?? ""
                if !id.isEmpty { splitOf[id] = split }
            }
        }
        let source = name ?? PathSupport.basename(PathSupport.normalize(path))
        var ds = LabeledDataset(samples: [])
        for f in files where PathSupport.ext(f) == "xml" {
            let file = PathSupport.join(annDir, f)
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw DatasetError(.io, file: file, reason: "cannot read file")
                }
                let a = try parse(data: data, file: file)
                let stem = PathSupport.stem(f)
                if !splitOf.isEmpty && splitOf[stem] == nil { continue }
                var s = LabeledSample(source: source, split: splitOf[stem] ?? "train",
                                      imagePath: PathSupport.join(imgDir, a.filename), labelPath: file, size: a.size, boxes: [])
                let w = Float(a.size.width), h = Float(a.size.height)
                for o in a.objects {
                    let nb = Box(x1: o.box.x1 / w, y1: o.box.y1 / h, x2: o.box.x2 / w, y2: o.box.y2 / h)
                    switch mapping.resolve(o.name) {
                    case .dropped: continue
                    case .mapped(let c): s.boxes.append(LabeledBox(objectClass: c, sourceClass: o.name, box: nb, line: o.line))
                    case .unknown:
                        let err = DatasetError(.unknownClass, file: file, line: o.line, field: "name",
                                               reason: "class '\(o.name)' is not in the mapping")
                        if strict { throw err }
                        ds.problems.append(err)
                        s.boxes.append(LabeledBox(objectClass: nil, sourceClass: o.name, box: nb, line: o.line))
                    }
                }
                ds.samples.append(s)
            } catch let e as DatasetError {
                if strict { throw e }
                ds.problems.append(e)
            }
        }
        return ds
    }

    final class Handler: NSObject, XMLParserDelegate {
        let file: String
        var error: DatasetError?
        var sawRoot = false
        var path: [String] = []
        var text = ""
        var filename: String?
        var width: String?, height: String?
        var sizeLine: Int?
        var objects: [Object] = []
        var cur: [String: String] = [:]
        var objLine = 0
        var inObject = false
        weak var parser: XMLParser?

        init(file: String) { self.file = file }

        func fail(_ e: DatasetError, _ parser: XMLParser) {
            if error == nil { error = e }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if path.isEmpty {
                guard name == "annotation" else {
                    return fail(DatasetError(.syntax, file: file, line: parser.lineNumber, field: name,
                                             reason: "root element must be <annotation>"), parser)
                }
                sawRoot = true
            }
            path.append(name)
            text = ""
            if name == "object" && path.count == 2 {
                inObject = true
                cur = [:]
                objLine = parser.lineNumber
            }
            if name == "size" && path.count == 2 { sizeLine = parser.lineNumber }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let p = path.joined(separator: "/")
            switch p {
            case "annotation/filename": filename = value
            case "annotation/size/width": width = value
            case "annotation/size/height": height = value
            case "annotation/object/name", "annotation/object/difficult",
                "annotation/object/bndbox/xmin", "annotation/object/bndbox/ymin",
                "annotation/object/bndbox/xmax", "annotation/object/bndbox/ymax":
                cur[String(p.dropFirst("annotation/object/".count))] = value
                cur["line:" + name] = String(parser.lineNumber)
            case "annotation/object":
                inObject = false
                do { objects.append(try makeObject()) } catch let e as DatasetError { fail(e, parser) } catch {}
            default: break
            }
            path.removeLast()
            text = ""
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if error == nil {
                error = DatasetError(.syntax, file: file, line: parser.lineNumber,
                                     reason: "invalid XML: \(parseError.localizedDescription)")
            }
        }

        func makeObject() throws -> Object {
            guard let n = cur["name"], !n.isEmpty else {
                throw DatasetError(.missingField, file: file, line: objLine, field: "object/name", reason: "object has no name")
            }
            var v: [Float] = []
            for k in ["xmin", "ymin", "xmax", "ymax"] {
                let key = "bndbox/" + k
                guard let s = cur[key] else {
                    throw DatasetError(.missingField, file: file, line: objLine, field: "object/" + key, reason: "missing coordinate")
                }
                guard let f = Float(s), f.isFinite else {
                    throw DatasetError(.invalidValue, file: file, line: Int(cur["line:" + k] ?? "") ?? objLine,
                                       field: "object/" + key, reason: "'\(s.prefix(20))' is not a number")
                }
                v.append(f)
            }
            guard v[2] >= v[0], v[3] >= v[1] else {
                throw DatasetError(.invalidValue, file: file, line: objLine, field: "object/bndbox",
                                   reason: "xmax/ymax smaller than xmin/ymin")
            }
            let difficult = cur["difficult"] == "1"
            return Object(name: n, box: Box(x1: v[0] - 1, y1: v[1] - 1, x2: v[2], y2: v[3]), difficult: difficult, line: objLine)
        }

        func finish() throws -> Annotation {
            guard let filename, !filename.isEmpty else {
                throw DatasetError(.missingField, file: file, field: "filename", reason: "missing <filename>")
            }
            guard let ws = width, let hs = height else {
                throw DatasetError(.missingField, file: file, line: sizeLine, field: "size", reason: "missing <size><width>/<height>")
            }
            guard let w = Int(ws), let h = Int(hs), w > 0, h > 0, w <= 1 << 16, h <= 1 << 16 else {
                throw DatasetError(.invalidValue, file: file, line: sizeLine, field: "size",
                                   reason: "width/height '\(ws.prefix(12))'x'\(hs.prefix(12))' must be positive integers up to 65536")
            }
            return Annotation(filename: filename, size: ImageSize(width: w, height: h), objects: objects)
        }
    }
}
