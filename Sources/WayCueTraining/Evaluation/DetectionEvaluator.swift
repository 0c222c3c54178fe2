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
    /// AP at IoU 0.5 per COCO size bucket (see ``SizeBucket``), only for buckets holding at
    /// least one ground-truth box of the class; a missing bucket means "undefined", not 0.
    public var ap50BySize: [SizeBucket: Double] = [:]
    /// Ground-truth boxes of the class per size bucket (every bucket present, 0 included).
    public var countBySize: [SizeBucket: Int] = [:]

    /// AP at IoU 0.5 over the objects of one size bucket, nil when the class has no
    /// ground-truth box in that bucket.
    public func ap50(_ bucket: SizeBucket) -> Double? { ap50BySize[bucket] }
}

/// COCO's object-size buckets, by box area in the evaluated image's own pixels: small below
/// 32 x 32, medium from 32 x 32 up to (not including) 96 x 96, large from 96 x 96.
///
/// pycocotools puts a box of exactly 32 x 32 or 96 x 96 in both neighbouring buckets (its
/// ranges are closed); here every area falls in exactly one bucket.
public enum SizeBucket: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// Area below 32² = 1024 pixels.
    case small
    /// Area from 32² up to 96² = 9216 pixels.
    case medium
    /// Area of 96² pixels or more.
    case large

    /// The areas (in square pixels) that belong to the bucket.
    public var areaRange: Range<Double> {
        switch self {
        case .small: return 0..<1024
        case .medium: return 1024..<9216
        case .large: return 9216..<Double.infinity
        }
    }

    /// The bucket of a box with the given area in square pixels (negative areas count as small).
    public static func of(area: Double) -> SizeBucket {
        area < 1024 ? .small : area < 9216 ? .medium : .large
    }

    /// The bucket of a box, by its area in the pixels its coordinates are given in.
    public static func of(_ box: Box) -> SizeBucket { of(area: DetectionEvaluator.area(box)) }

    /// Orders small < medium < large.
    public static func < (a: SizeBucket, b: SizeBucket) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
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
    /// Mean AP at IoU 0.5 per size bucket, over the classes with at least one ground-truth box
    /// in that bucket; a bucket without any such class is absent (undefined, not 0).
    public var map50BySize: [SizeBucket: Double] = [:]

    /// Mean AP at IoU 0.5 over the objects of one size bucket, nil when no class has a
    /// ground-truth box in it.
    public func map50(_ bucket: SizeBucket) -> Double? { map50BySize[bucket] }
}

/// COCO-style detection evaluation: per class, detections sorted by score are greedily
/// matched in each image to the unmatched ground-truth box of highest IoU at or above the
/// threshold; precision is made monotone and sampled at 101 recall points; AP is the mean of
/// those samples. This follows pycocotools' `COCOeval` for boxes with area range "all", no
/// crowd boxes and `maxDets` detections per image and class.
///
/// AP at IoU 0.5 is also computed per ``SizeBucket`` the COCO way: for bucket B, ground-truth
/// boxes whose area is outside B are ignored (a detection matched to one counts neither as a
/// true nor as a false positive; a detection prefers a non-ignored truth), unmatched
/// detections whose own area is outside B are ignored too, and AP is taken over the rest.
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
        for c in classes {
            var e = evaluateClass(c, images)
            for b in SizeBucket.allCases {
                let r = accumulate(c, images, thresholds: [0.5], areaRange: b.areaRange)
                e.countBySize[b] = r.positives
                if r.positives > 0 { e.ap50BySize[b] = r.aps[0] }
            }
            per[c] = e
        }
        let n = Double(max(1, per.count))
        var bySize: [SizeBucket: Double] = [:]
        for b in SizeBucket.allCases {
            let aps = per.values.compactMap { $0.ap50BySize[b] }
            if !aps.isEmpty { bySize[b] = aps.reduce(0, +) / Double(aps.count) }
        }
        return EvaluationResult(
            map50: per.isEmpty ? 0 : per.values.reduce(0) { $0 + $1.ap50 } / n,
            map50_95: per.isEmpty ? 0 : per.values.reduce(0) { $0 + $1.ap50_95 } / n,
            perClass: per,
            classesWithoutGroundTruth: detClasses.subtracting(classes).sorted { $0.rawValue < $1.rawValue },
            images: images.count,
            map50BySize: bySize)
    }

    /// A box's area in square pixels, in double precision (pycocotools' `w * h`).
    public static func area(_ b: Box) -> Double {
        max(0, Double(b.x2) - Double(b.x1)) * max(0, Double(b.y2) - Double(b.y1))
    }

    func evaluateClass(_ c: ObjectClass, _ images: [EvaluationImage]) -> ClassEvaluation {
        let r = accumulate(c, images, thresholds: iouThresholds, areaRange: nil)
        return ClassEvaluation(ap50: r.aps.first ?? 0, ap50_95: r.aps.reduce(0, +) / Double(max(1, r.aps.count)),
                               count: r.positives, detections: r.detections, apPerIoU: r.aps, curve50: r.curve)
    }

    /// AP of class `c` at each threshold. With `areaRange`, truths whose area is outside it are
    /// ignored, as are unmatched detections whose area is outside it (pycocotools' `areaRng`);
    /// ignored detections count neither as true nor as false positives. Without it nothing is
    /// ignored. `curve` is the interpolated curve at the first threshold.
    func accumulate(_ c: ObjectClass, _ images: [EvaluationImage], thresholds: [Double], areaRange: Range<Double>?)
        -> (aps: [Double], positives: Int, detections: Int, curve: PrecisionRecallCurve) {
        let t = thresholds.count
        var npos = 0
        // Per detection: score and, per threshold, whether it matched and whether it is ignored.
        var scores: [Double] = []
        var matched: [[Bool]] = []  // [detection][threshold]
        var ignored: [[Bool]] = []  // [detection][threshold]
        for im in images {
            var gts = im.groundTruth.filter { $0.objectClass == c }.map(\.box)
            var gtIgnored = gts.map { g in areaRange.map { !$0.contains(DetectionEvaluator.area(g)) } ?? false }
            // Non-ignored truths first (stable), as pycocotools orders them.
            let gtOrder = gts.indices.sorted { (gtIgnored[$0] ? 1 : 0, $0) < (gtIgnored[$1] ? 1 : 0, $1) }
            gts = gtOrder.map { gts[$0] }
            gtIgnored = gtOrder.map { gtIgnored[$0] }
            npos += gtIgnored.filter { !$0 }.count
            let dets = im.detections.enumerated().filter { $0.element.objectClass == c }
                .sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
                .prefix(maxDetections).map(\.element)
            if dets.isEmpty { continue }
            let ious = dets.map { d in gts.map { DetectionEvaluator.iou(d.box, $0) } }
            var m = [[Bool]](repeating: [Bool](repeating: false, count: t), count: dets.count)
            var ig = m
            for (ti, thr) in thresholds.enumerated() {
                var taken = [Bool](repeating: false, count: gts.count)
                for di in dets.indices {
                    var best = min(thr, 1 - 1e-10)
                    var bestG = -1
                    for gi in gts.indices where !taken[gi] {
                        // Once matched to a counted truth, stop at the ignored ones.
                        if bestG >= 0 && !gtIgnored[bestG] && gtIgnored[gi] { break }
                        if ious[di][gi] >= best {
                            best = ious[di][gi]
                            bestG = gi
                        }
                    }
                    if bestG >= 0 {
                        taken[bestG] = true
                        m[di][ti] = true
                        ig[di][ti] = gtIgnored[bestG]
                    } else if let areaRange {
                        ig[di][ti] = !areaRange.contains(DetectionEvaluator.area(dets[di].box))
                    }
                }
            }
            scores += dets.map { Double($0.score) }
            matched += m
            ignored += ig
        }
        // Stable sort by descending score across images.
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let recallPoints = (0...100).map { Double($0) / 100 }
        var aps: [Double] = []
        var curve = PrecisionRecallCurve(recall: recallPoints, precision: Array(repeating: 0, count: 101),
                                         score: Array(repeating: nil, count: 101))
        for ti in 0..<t {
            var tp = 0.0, fp = 0.0
            var rc: [Double] = [], pr: [Double] = [], sc: [Double] = []
            rc.reserveCapacity(order.count)
            pr.reserveCapacity(order.count)
            sc.reserveCapacity(order.count)
            // Ignored detections are left out: pycocotools keeps them as repeats of the previous
            // point, which changes neither the interpolated precision nor the recall reached.
            for i in order where !ignored[i][ti] {
                if matched[i][ti] { tp += 1 } else { fp += 1 }
                rc.append(npos > 0 ? tp / Double(npos) : 0)
                pr.append(tp / (tp + fp + Double.ulpOfOne))
                sc.append(scores[i])
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
                    qs[ri] = sc[k]
                }
            }
            aps.append(q.reduce(0, +) / Double(q.count))
            if ti == 0 {
                curve.precision = q
                curve.score = qs
            }
        }
        return (aps, npos, scores.count, curve)
    }
}
