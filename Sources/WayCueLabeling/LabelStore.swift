import Foundation
import WayCueDetector

/// A folder of frames and the folder of YOLO label files being reviewed for it.
///
/// Layout of the labels folder (what `waycue train` and `waycue dataset check` read):
/// - `<stem>.txt`: the YOLO labels of frame `<stem>.jpg|.png`, canonical class ids;
/// - `classes.txt`: the canonical class names, one per line, in id order;
/// - `.waycue/<stem>.json`: the sidecar of a frame: whether a person reviewed it, the model's
///   score of each label line (`null` for boxes a person drew or changed), the model's own
///   proposals (for the disagreement queue), and a hash of the label text it describes;
/// - `.waycue/originals/<stem>.txt`: a label file as it was before its first save, kept when
///   it held lines that could not be read (so nothing is lost);
/// - `.waycue/prelabel.json`: which model proposed the labels, and at what score.
///
/// Every save is atomic (``AtomicFile``): the label file first, then its sidecar. A kill
/// between the two leaves a sidecar whose hash no longer matches; the label file wins, and the
/// frame is shown as unreviewed with unknown scores. Saves name the revision they started
/// from, so two tabs on the same folder cannot overwrite each other silently
/// (``LabelStoreError/conflict(stem:current:)``).
///
/// Opening reads every label file and sidecar once (small text files) but no image, so a
/// folder of thousands of frames opens in well under a second.
public final class LabelStore: @unchecked Sendable {
    /// One frame of the folder.
    public struct Frame: Sendable, Equatable, Codable {
        /// Position in the folder (file-name order); the frame's id in the page's API.
        public var index: Int
        /// The file name in the frames folder.
        public var file: String
        /// The file name without extension: the label file's name.
        public var stem: String
    }

    /// What the page shows of one frame.
    public struct Record: Sendable, Equatable, Codable {
        /// The frame.
        public var frame: Frame
        /// The labels (with the model's scores where a box is still the model's).
        public var boxes: [ReviewBox]
        /// The model's proposals, when a model was run over the folder.
        public var predictions: [ReviewBox]?
        /// Whether a person reviewed (accepted or edited) the labels.
        public var reviewed: Bool
        /// The revision a save must name (changes with every save).
        public var revision: String
        /// Lines of the label file that could not be read.
        public var problems: [LabelText.Problem]
        /// Where the unreadable original was kept, once the frame was saved.
        public var keptOriginal: String?
    }

    /// The model run that proposed labels (`.waycue/prelabel.json`).
    public struct PrelabelInfo: Sendable, Codable, Equatable {
        /// The model file, or `bundled`.
        public var model: String
        /// The score at or above which proposals became labels.
        public var score: Double
        /// When it ran (ISO 8601).
        public var date: String
        /// Creates the record.
        public init(model: String, score: Double, date: String) {
            self.model = model
            self.score = score
            self.date = date
        }
    }

    struct Sidecar: Codable {
        var reviewed: Bool
        var labelsHash: String
        var scores: [Double?]
        var predictions: [ReviewBox]?
        var savedAt: String?
        enum CodingKeys: String, CodingKey {
            case reviewed, scores, predictions
            case labelsHash = "labels_hash"
            case savedAt = "saved_at"
        }
    }

    /// The frames folder.
    public let framesFolder: String
    /// The labels folder.
    public let labelsFolder: String
    /// Class names by id (the canonical taxonomy).
    public let classNames: [String]
    /// The frames in file-name order.
    public let frames: [Frame]
    /// Image files skipped because another image has the same stem (one label file each).
    public let skippedDuplicateStems: [String]
    /// Why the labels folder cannot be written, or `nil` when it can.
    public private(set) var writeProblem: String?
    /// The prelabel run, when there was one.
    public private(set) var prelabel: PrelabelInfo?

    private let lock = NSLock()
    private var summaries: [FrameSummary]
    private var indexByStem: [String: Int] = [:]

    /// Image extensions read as frames.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The labels folder used when none is given: `labels` beside a frames folder named
    /// `images` (the YOLO layout), else the frames folder itself (labels beside the images).
    public static func defaultLabelsFolder(forFrames frames: String) -> String {
        let url = URL(fileURLWithPath: frames).standardizedFileURL
        if url.lastPathComponent == "images" {
            return url.deletingLastPathComponent().appendingPathComponent("labels").path
        }
        return url.path
    }

    /// Opens a folder of frames and its labels folder (created when missing).
    ///
    /// - Throws: ``LabelStoreError/noFrames(_:)`` for a missing or empty frames folder,
    ///   ``LabelStoreError/classListMismatch(file:expected:found:)`` when the labels folder's
    ///   `classes.txt` names other classes. A labels folder that cannot be written is not an
    ///   error: the store opens read-only and ``writeProblem`` says why.
    public init(frames: String, labels: String? = nil,
                classNames: [String] = ObjectClass.canonical.map(\.rawValue)) throws {
        framesFolder = URL(fileURLWithPath: frames).standardizedFileURL.path
        labelsFolder = URL(fileURLWithPath: labels ?? Self.defaultLabelsFolder(forFrames: frames)).standardizedFileURL.path
        self.classNames = classNames
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: framesFolder) else {
            throw LabelStoreError.noFrames(framesFolder)
        }
        var seen: [String: Int] = [:]
        var list: [Frame] = []
        var skipped: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let ext = (name as NSString).pathExtension.lowercased()
            guard Self.imageExtensions.contains(ext) else { continue }
            let stem = (name as NSString).deletingPathExtension
            if seen[stem] != nil { skipped.append(name); continue }
            seen[stem] = list.count
            list.append(Frame(index: list.count, file: name, stem: stem))
        }
        guard !list.isEmpty else { throw LabelStoreError.noFrames(framesFolder) }
        self.frames = list
        indexByStem = seen
        skippedDuplicateStems = skipped
        summaries = []
        let classesFile = (labelsFolder as NSString).appendingPathComponent("classes.txt")
        if let text = try? String(contentsOfFile: classesFile, encoding: .utf8) {
            let found = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard found == Array(classNames.prefix(found.count)), !found.isEmpty else {
                throw LabelStoreError.classListMismatch(file: classesFile, expected: classNames, found: found)
            }
        }
        writeProblem = Self.probeWritable(labelsFolder)
        if writeProblem == nil { Self.removeStaleTemporaries(in: [labelsFolder, stateFolder, stateFolder + "/originals"]) }
        if writeProblem == nil, !FileManager.default.fileExists(atPath: classesFile) {
            do { try AtomicFile.write(Data(classNames.map { $0 + "\n" }.joined().utf8), to: classesFile) } catch {
                writeProblem = "\(error)"
            }
        }
        if let d = FileManager.default.contents(atPath: stateFolder + "/prelabel.json") {
            prelabel = try? JSONDecoder().decode(PrelabelInfo.self, from: d)
        }
        summaries = self.frames.map { summary(of: readRecord($0)) }
    }

    /// `labels/.waycue`, the sidecars' folder.
    public var stateFolder: String { (labelsFolder as NSString).appendingPathComponent(".waycue") }

    /// The label file of a frame.
    public func labelPath(_ f: Frame) -> String { (labelsFolder as NSString).appendingPathComponent(f.stem + ".txt") }
    /// The image file of a frame.
    public func imagePath(_ f: Frame) -> String { (framesFolder as NSString).appendingPathComponent(f.file) }
    func sidecarPath(_ f: Frame) -> String { (stateFolder as NSString).appendingPathComponent(f.stem + ".json") }
    func originalPath(_ f: Frame) -> String { (stateFolder as NSString).appendingPathComponent("originals/" + f.stem + ".txt") }

    /// The frame with this index.
    public func frame(_ index: Int) throws -> Frame {
        guard frames.indices.contains(index) else { throw LabelStoreError.unknownFrame(String(index)) }
        return frames[index]
    }

    /// The frame with this stem.
    public func frame(stem: String) throws -> Frame {
        guard let i = indexByStem[stem] else { throw LabelStoreError.unknownFrame(stem) }
        return frames[i]
    }

    /// Reads a frame's labels and sidecar from disk.
    public func record(_ index: Int) throws -> Record {
        let f = try frame(index)
        lock.lock(); defer { lock.unlock() }
        return readRecord(f)
    }

    /// Saves a frame's boxes and review state atomically.
    ///
    /// - Parameters:
    ///   - boxes: The boxes in order; `score` is kept for boxes still as the model proposed.
    ///   - reviewed: Whether a person has now reviewed the frame.
    ///   - baseRevision: The revision the caller read; `nil` skips the conflict check.
    /// - Returns: The record as saved.
    /// - Throws: ``LabelStoreError/invalidBox(index:reason:)``,
    ///   ``LabelStoreError/conflict(stem:current:)``, ``LabelStoreError/notWritable(_:_:)``.
    @discardableResult
    public func save(_ index: Int, boxes: [ReviewBox], reviewed: Bool, baseRevision: String?) throws -> Record {
        let f = try frame(index)
        for (i, b) in boxes.enumerated() {
            if let p = b.problem(classCount: classNames.count) { throw LabelStoreError.invalidBox(index: i, reason: p) }
        }
        lock.lock(); defer { lock.unlock() }
        let current = readRecord(f)
        if let baseRevision, baseRevision != current.revision {
            throw LabelStoreError.conflict(stem: f.stem, current: current.revision)
        }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: stateFolder + "/originals", withIntermediateDirectories: true)
        } catch {
            throw LabelStoreError.notWritable(stateFolder, (error as NSError).localizedDescription)
        }
        if !current.problems.isEmpty, !fm.fileExists(atPath: originalPath(f)),
           let old = fm.contents(atPath: labelPath(f)) {
            try AtomicFile.write(old, to: originalPath(f))
        }
        let text = LabelText.format(boxes)
        try AtomicFile.write(Data(text.utf8), to: labelPath(f))
        let side = Sidecar(reviewed: reviewed, labelsHash: Self.hash(text), scores: boxes.map(\.score),
                           predictions: current.predictions, savedAt: ISO8601DateFormatter().string(from: Date()))
        try writeSidecar(side, for: f)
        let r = readRecord(f)
        summaries[f.index] = summary(of: r)
        return r
    }

    /// Stores a model's proposals for a frame. Labels are written only when the frame has no
    /// label file yet (or `overwrite` is set and no person reviewed it); existing labels are
    /// kept and the proposals feed the disagreement queue.
    ///
    /// - Returns: Whether the label file was written.
    @discardableResult
    public func storePredictions(_ index: Int, predictions: [ReviewBox], score: Double, overwrite: Bool = false) throws -> Bool {
        let f = try frame(index)
        lock.lock(); defer { lock.unlock() }
        let current = readRecord(f)
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let hasFile = FileManager.default.fileExists(atPath: labelPath(f))
        let write = !hasFile || (overwrite && !current.reviewed && current.problems.isEmpty)
        if write {
            let kept = predictions.filter { ($0.score ?? 0) >= score }
            let text = LabelText.format(kept)
            try AtomicFile.write(Data(text.utf8), to: labelPath(f))
            try writeSidecar(Sidecar(reviewed: false, labelsHash: Self.hash(text), scores: kept.map(\.score),
                                     predictions: predictions, savedAt: ISO8601DateFormatter().string(from: Date())), for: f)
        } else {
            let text = (try? String(contentsOfFile: labelPath(f), encoding: .utf8)) ?? ""
            try writeSidecar(Sidecar(reviewed: current.reviewed, labelsHash: Self.hash(text), scores: current.boxes.map(\.score),
                                     predictions: predictions, savedAt: ISO8601DateFormatter().string(from: Date())), for: f)
        }
        summaries[f.index] = summary(of: readRecord(f))
        return write
    }

    /// Records which model proposed the labels.
    public func recordPrelabel(_ info: PrelabelInfo) throws {
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(info), to: stateFolder + "/prelabel.json")
        lock.lock(); prelabel = info; lock.unlock()
    }

    private func writeSidecar(_ s: Sidecar, for f: Frame) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try enc.encode(s), to: sidecarPath(f))
    }

    func readRecord(_ f: Frame) -> Record {
        let fm = FileManager.default
        let data = fm.contents(atPath: labelPath(f))
        let text = data.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var parsed = LabelText.parse(text, classCount: classNames.count)
        if let data, String(data: data, encoding: .utf8) == nil {
            parsed.problems.insert(LabelText.Problem(line: 0, text: "", reason: "the file is not UTF-8 text"), at: 0)
        }
        let side = fm.contents(atPath: sidecarPath(f)).flatMap { try? JSONDecoder().decode(Sidecar.self, from: $0) }
        var reviewed = false
        if let side, side.labelsHash == Self.hash(text) {
            reviewed = side.reviewed
            if side.scores.count == parsed.boxes.count, parsed.problems.isEmpty {
                for i in parsed.boxes.indices { parsed.boxes[i].score = side.scores[i] }
            }
        }
        let kept = fm.fileExists(atPath: originalPath(f)) ? originalPath(f) : nil
        return Record(frame: f, boxes: parsed.boxes, predictions: side?.predictions, reviewed: reviewed,
                      revision: Self.hash(text) + (reviewed ? "r" : "u"), problems: parsed.problems, keptOriginal: kept)
    }

    /// FNV-1a 64 of the text, in hex.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// Removes temporary files an interrupted ``AtomicFile/write(_:to:)`` left (a kill
    /// between creating and renaming them); the files they were meant to replace are intact.
    /// Only files older than a minute go, so a save in flight from another process is left alone.
    static func removeStaleTemporaries(in folders: [String]) {
        let fm = FileManager.default
        for folder in folders {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                let p = folder + "/" + name
                if let m = (try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date, m < Date().addingTimeInterval(-60) {
                    try? fm.removeItem(atPath: p)
                }
            }
        }
    }

    static func probeWritable(_ folder: String) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: folder + "/.waycue", withIntermediateDirectories: true)
            let probe = folder + "/.waycue/.write-probe"
            try AtomicFile.write(Data(), to: probe)
            try? FileManager.default.removeItem(atPath: probe)
            return nil
        } catch let e as LabelStoreError {
            return e.description
        } catch {
            return "cannot write \(folder): \((error as NSError).localizedDescription)"
        }
    }

    // MARK: Queues

    /// The frames of a queue, in review order.
    public func queue(_ q: ReviewQueue) -> [Int] {
        lock.lock(); let s = summaries; lock.unlock()
        return q.order(s)
    }

    /// Counts for the page's progress line and queue menu.
    public func progress() -> ReviewProgress {
        lock.lock(); let s = summaries; lock.unlock()
        return ReviewProgress(summaries: s, classCount: classNames.count)
    }

    func summary(of r: Record) -> FrameSummary {
        let threshold = prelabel?.score ?? 0.5
        var classes = Set(r.boxes.map(\.classID))
        var margin: Double?
        for b in r.boxes + (r.predictions ?? []) {
            guard let s = b.score else { continue }
            let m = abs(s - threshold)
            margin = min(margin ?? m, m)
        }
        var disagreements = 0
        if let preds = r.predictions {
            let strong = preds.filter { ($0.score ?? 0) >= threshold }
            for p in strong { classes.insert(p.classID) }
            disagreements = Self.unmatched(r.boxes, strong)
        }
        return FrameSummary(index: r.frame.index, reviewed: r.reviewed, classes: classes, margin: margin,
                            disagreements: disagreements, problems: r.problems.count, boxes: r.boxes.count)
    }

    /// Boxes of `a` and `b` left without a same-class partner at IoU 0.5 (greedy, best first).
    static func unmatched(_ a: [ReviewBox], _ b: [ReviewBox]) -> Int {
        var pairs: [(Double, Int, Int)] = []
        for (i, x) in a.enumerated() {
            for (j, y) in b.enumerated() where x.classID == y.classID {
                let v = x.iou(y)
                if v >= 0.5 { pairs.append((v, i, j)) }
            }
        }
        pairs.sort { $0.0 > $1.0 }
        var usedA = Set<Int>(), usedB = Set<Int>()
        for (_, i, j) in pairs where !usedA.contains(i) && !usedB.contains(j) {
            usedA.insert(i); usedB.insert(j)
        }
        return (a.count - usedA.count) + (b.count - usedB.count)
    }
}
