import WayCueDetector
import WayCueImage

/// One evaluated image: its ground-truth boxes and the detections, both in the image's pixels.
public struct EvaluationImage: Sendable, Equatable {
    /// An identifier (usually the image path).
    public var id: String
    /// Ground-truth objects.
    public var groundTruth: [(objectClass: ObjectClass, box: Box)]
    /// Detections to score.
    public var detections: [Detection]

    /// Creates an evaluated image.
    public init(id: String, groundTruth: [(objectClass: ObjectClass, box: Box)], detections: [Detection]) {
        self.id = id
        self.groundTruth = groundTruth
        self.detections = detections
    }

    /// Equal when id, detections and ground truth agree.
    public static func == (a: EvaluationImage, b: EvaluationImage) -> Bool {
        a.id == b.id && a.detections == b.detections
            && a.groundTruth.map(\.objectClass) == b.groundTruth.map(\.objectClass)
            && a.groundTruth.map(\.box) == b.groundTruth.map(\.box)
    }
}

/// A precision-recall curve sampled at 101 recall points (COCO interpolation: precision at
/// recall `r` is the best precision at any recall `>= r`).
public struct PrecisionRecallCurve: Sendable, Codable, Equatable {
    /// Recall points `0, 0.01, ..., 1`.
    public var recall: [Double]
    /// Interpolated precision at each recall point (0 where the recall is never reached).
    public var precision: [Double]
    /// The detection score at which each recall point is first reached (nil where never).
    public var score: [Double?]
}

/// Results for one class.
public struct ClassEvaluation: Sendable, Codable, Equatable {
    /// AP at IoU 0.5.
    public var ap50: Double
    /// AP averaged over IoU 0.50, 0.55, ..., 0.95.
    public var ap50_95: Double
    /// Ground-truth boxes of the class.
    public var count: Int
    /// Detections of the class scored.
    public var detections: Int
    /// AP at each IoU threshold.
    public var apPerIoU: [Double]
    /// The curve at IoU 0.5.
    public var curve50: PrecisionRecallCurve
}

/// The outcome of ``DetectionEvaluator/evaluate(_:)``.
public struct EvaluationResult: Sendable, Equatable {
    /// Mean AP at IoU 0.5 over classes with ground truth.
    public var map50: Double
    /// Mean AP over IoU 0.5:0.95 over classes with ground truth.
    public var map50_95: Double
    /// Per class, for classes with at least one ground-truth box.
    public var perClass: [ObjectClass: ClassEvaluation]
    /// Classes that have detections but no ground truth (their AP is undefined).
    public var classesWithoutGroundTruth: [ObjectClass]
    /// Images evaluated.
    public var images: Int
}

/// COCO-style detection evaluation: per class, detections sorted by score are greedily
/// matched in each image to the unmatched ground-truth box of highest IoU at or above the
/// threshold; precision is made monotone and sampled at 101 recall points; AP is the mean of
/// those samples. This follows pycocotools' `COCOeval` for boxes with area range "all", no
/// crowd boxes and `maxDets` detections per image and class.
public struct DetectionEvaluator: Sendable {
    /// IoU thresholds (default 0.50, 0.55, ..., 0.95).
    public var iouThresholds: [Double]
    /// Highest-scoring detections kept per image and class (COCO: 100).
    public var maxDetections: Int

    /// Creates an evaluator with COCO's defaults.
    public init(iouThresholds: [Double] = (0..<10).map { 0.5 + 0.05 * Double($0) }, maxDetections: Int = 100) {
        self.iouThresholds = iouThresholds
        self.maxDetections = maxDetections
    }

    /// IoU in double precision (pycocotools' definition, no +1).
    public static func iou(_ a: Box, _ b: Box) -> Double {
        let ax1 = Double(a.x1), ay1 = Double(a.y1), ax2 = Double(a.x2), ay2 = Double(a.y2)
        let bx1 = Double(b.x1), by1 = Double(b.y1), bx2 = Double(b.x2), by2 = Double(b.y2)
        let iw = min(ax2, bx2) - max(ax1, bx1), ih = min(ay2, by2) - max(ay1, by1)
        guard iw > 0, ih > 0 else { return 0 }
        let inter = iw * ih
        let union = max(0, ax2 - ax1) * max(0, ay2 - ay1) + max(0, bx2 - bx1) * max(0, by2 - by1) - inter
        return union > 0 ? inter / union : 0
    }

    /// Evaluates detections against ground truth.
    public func evaluate(_ images: [EvaluationImage]) -> EvaluationResult {
        var classes: Set<ObjectClass> = []
        var detClasses: Set<ObjectClass> = []
        for im in images {
            for g in im.groundTruth { classes.insert(g.objectClass) }
            for d in im.detections { detClasses.insert(d.objectClass) }
        }
        var per: [ObjectClass: ClassEvaluation] = [:]
        for c in classes { per[c] = evaluateClass(c, images) }
        let n = Double(max(1, per.count))
        return EvaluationResult(
            map50: per.isEmpty ? 0 : per.values.reduce(0) { $0 + $1.ap50 } / n,
            map50_95: per.isEmpty ? 0 : per.values.reduce(0) { $0 + $1.ap50_95 } / n,
            perClass: per,
            classesWithoutGroundTruth: detClasses.subtracting(classes).sorted { $0.rawValue < $1.rawValue },
            images: images.count)
    }

    func evaluateClass(_ c: ObjectClass, _ images: [EvaluationImage]) -> ClassEvaluation {
        let t = iouThresholds.count
        var npos = 0
        // Per detection: score and, per threshold, whether it matched.
        var scores: [Double] = []
        var matched: [[Bool]] = []  // [detection][threshold]
        for im in images {
            let gts = im.groundTruth.filter { $0.objectClass == c }.map(\.box)
            npos += gts.count
            let dets = im.detections.enumerated().filter { $0.element.objectClass == c }
                .sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
                .prefix(maxDetections).map(\.element)
            if dets.isEmpty { continue }
            let ious = dets.map { d in gts.map { DetectionEvaluator.iou(d.box, $0) } }
            var m = [[Bool]](repeating: [Bool](repeating: false, count: t), count: dets.count)
            for (ti, thr) in iouThresholds.enumerated() {
                var taken = [Bool](repeating: false, count: gts.count)
                for di in dets.indices {
                    var best = min(thr, 1 - 1e-10)
                    var bestG = -1
                    for gi in gts.indices where !taken[gi] && ious[di][gi] >= best {
                        best = ious[di][gi]
                        bestG = gi
                    }
                    if bestG >= 0 {
                        taken[bestG] = true
                        m[di][ti] = true
                    }
                }
            }
            scores += dets.map { Double($0.score) }
            matched += m
        }
        // Stable sort by descending score across images.
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let recallPoints = (0...100).map { Double($0) / 100 }
        var aps: [Double] = []
        var curve50 = PrecisionRecallCurve(recall: recallPoints, precision: Array(repeating: 0, count: 101),
                                           score: Array(repeating: nil, count: 101))
        for ti in 0..<t {
            var tp = 0.0, fp = 0.0
            var rc: [Double] = [], pr: [Double] = []
            rc.reserveCapacity(order.count)
            pr.reserveCapacity(order.count)
            for i in order {
                if matched[i][ti] { tp += 1 } else { fp += 1 }
                rc.append(npos > 0 ? tp / Double(npos) : 0)
                pr.append(tp / (tp + fp + Double.ulpOfOne))
            }
            if pr.count > 1 {
                for i in stride(from: pr.count - 1, to: 0, by: -1) where pr[i] > pr[i - 1] { pr[i - 1] = pr[i] }
            }
            var q = [Double](repeating: 0, count: recallPoints.count)
            var qs = [Double?](repeating: nil, count: recallPoints.count)
            var k = 0
            for (ri, r) in recallPoints.enumerated() {
                while k < rc.count && rc[k] < r { k += 1 }  // searchsorted, side left
                if k < rc.count {
                    q[ri] = pr[k]
                    qs[ri] = scores[order[k]]
                }
            }
            aps.append(q.reduce(0, +) / Double(q.count))
            if ti == 0 {
                curve50.precision = q
                curve50.score = qs
            }
        }
        return ClassEvaluation(ap50: aps.first ?? 0, ap50_95: aps.reduce(0, +) / Double(max(1, aps.count)), count: npos,
                               detections: scores.count, apPerIoU: aps, curve50: curve50)
    }
}
