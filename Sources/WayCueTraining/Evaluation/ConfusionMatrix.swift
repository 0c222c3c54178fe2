import WayCueDetector
import WayCueImage

/// A detection confusion matrix with a background row and column.
///
/// Rows are true classes, columns predicted classes; the last row/column is background.
/// Detections scoring at least `scoreThreshold` are matched to ground truth of any class by
/// IoU `>= iouThreshold`, highest IoU first, one-to-one. A matched pair counts in
/// `[true][predicted]`; an unmatched ground truth in `[true][background]` (missed); an
/// unmatched detection in `[background][predicted]` (false alarm).
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    /// Class labels of rows and columns, `background` last.
    public var labels: [String]
    /// Counts, `counts[row][column]`.
    public var counts: [[Int]]
    /// The score threshold used.
    public var scoreThreshold: Double
    /// The IoU threshold used.
    public var iouThreshold: Double

    enum CodingKeys: String, CodingKey {
        case labels, counts
        case scoreThreshold = "score_threshold"
        case iouThreshold = "iou_threshold"
    }

    /// Builds the matrix over images for the given classes (others are ignored).
    public init(images: [EvaluationImage], classes: [ObjectClass], scoreThreshold: Double = 0.25, iouThreshold: Double = 0.5) {
        self.labels = classes.map(\.rawValue) + ["background"]
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        let bg = classes.count
        var m = [[Int]](repeating: [Int](repeating: 0, count: bg + 1), count: bg + 1)
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        for im in images {
            let gts = im.groundTruth.compactMap { g in index[g.objectClass].map { ($0, g.box) } }
            let dets = im.detections.filter { Double($0.score) >= scoreThreshold }
                .compactMap { d in index[d.objectClass].map { ($0, d.box) } }
            var pairs: [(Double, Int, Int)] = []
            for (gi, g) in gts.enumerated() {
                for (di, d) in dets.enumerated() {
                    let iou = DetectionEvaluator.iou(g.1, d.1)
                    if iou >= iouThreshold { pairs.append((iou, gi, di)) }
                }
            }
            pairs.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
            var gUsed = [Bool](repeating: false, count: gts.count), dUsed = [Bool](repeating: false, count: dets.count)
            for (_, gi, di) in pairs where !gUsed[gi] && !dUsed[di] {
                gUsed[gi] = true
                dUsed[di] = true
                m[gts[gi].0][dets[di].0] += 1
            }
            for (gi, g) in gts.enumerated() where !gUsed[gi] { m[g.0][bg] += 1 }
            for (di, d) in dets.enumerated() where !dUsed[di] { m[bg][d.0] += 1 }
        }
        counts = m
    }
}
