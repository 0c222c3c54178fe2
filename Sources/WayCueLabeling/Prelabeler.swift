import Foundation
import WayCueDetector
import WayCueImage

/// Runs a detector over a folder of frames and stores its proposals as labels to review.
public struct Prelabeler: Sendable {
    /// What a run did.
    public struct Summary: Sendable, Codable, Equatable {
        /// Frames read.
        public var frames: Int
        /// Label files written (frames that had none).
        public var written: Int
        /// Frames whose existing labels were kept (the proposals were stored beside them).
        public var keptExisting: Int
        /// Boxes at or above the score, written as labels.
        public var boxes: Int
        /// Proposals stored in sidecars (including those under the score).
        public var proposals: Int
        /// Detections of classes outside the canonical taxonomy, left out.
        public var unknownClassDetections: Int
        /// Frames that could not be read, with the reason.
        public var unreadable: [String]
        /// Seconds taken.
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case frames, written, boxes, proposals, unreadable, seconds
            case keptExisting = "kept_existing"
            case unknownClassDetections = "unknown_class_detections"
        }
    }

    /// Proposals at or above this score become labels; lower ones (down to `floor`) are kept
    /// as proposals only (they order the "least certain" queue).
    public var score: Double
    /// Lowest score stored as a proposal.
    public var floor: Double
    /// Replace existing label files that no person reviewed.
    public var overwrite: Bool

    /// Creates a prelabeler.
    public init(score: Double = 0.4, floor: Double = 0.15, overwrite: Bool = false) {
        self.score = score
        self.floor = min(floor, score)
        self.overwrite = overwrite
    }

    /// Runs `detect` on every frame of `store`; `progress(done, total)` after each frame.
    ///
    /// - Parameters:
    ///   - detect: The detector (boxes in the image's pixels); it should report every box
    ///     scoring at least ``floor``.
    ///   - modelName: Recorded in `.waycue/prelabel.json`.
    public func run(store: LabelStore, modelName: String, detect: (Image) throws -> [Detection],
                    progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        let canonical = store.classNames
        var s = Summary(frames: 0, written: 0, keptExisting: 0, boxes: 0, proposals: 0, unknownClassDetections: 0,
                        unreadable: [], seconds: 0)
        try store.recordPrelabel(.init(model: modelName, score: score, date: ISO8601DateFormatter().string(from: Date())))
        for f in store.frames {
            defer { progress?(f.index + 1, store.frames.count) }
            let image: Image
            do { image = try Image(contentsOfFile: store.imagePath(f), as: .rgb8) } catch {
                s.unreadable.append("\(f.file): \(error)")
                continue
            }
            s.frames += 1
            var proposals: [ReviewBox] = []
            for d in try detect(image) where Double(d.score) >= floor {
                guard let id = canonical.firstIndex(of: d.objectClass.rawValue) else {
                    s.unknownClassDetections += 1
                    continue
                }
                let W = Double(image.width), H = Double(image.height)
                let x1 = max(0, Double(d.box.x1) / W), y1 = max(0, Double(d.box.y1) / H)
                let x2 = min(1, Double(d.box.x2) / W), y2 = min(1, Double(d.box.y2) / H)
                guard x2 > x1, y2 > y1 else { continue }
                let sc = (Double(d.score) * 10_000).rounded() / 10_000
                proposals.append(ReviewBox(classID: id, cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1, score: sc))
            }
            proposals.sort { ($0.score ?? 0) > ($1.score ?? 0) }
            s.proposals += proposals.count
            if try store.storePredictions(f.index, predictions: proposals, score: score, overwrite: overwrite) {
                s.written += 1
                s.boxes += proposals.filter { ($0.score ?? 0) >= score }.count
            } else {
                s.keptExisting += 1
            }
        }
        s.seconds = Date().timeIntervalSince(start)
        return s
    }
}
