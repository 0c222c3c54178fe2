import Foundation
import WayCueDetector
import WayCueImage

/// A prior point of the anchor-free head: a cell centre and its level's stride.
public struct Prior: Sendable, Hashable {
    /// Centre in input pixels.
    public var cx: Float, cy: Float
    /// Stride of the level.
    public var stride: Float

    /// All priors of a decoder layout, in the decoder's cell order.
    public static func all(_ d: DistributionBoxDecoder, width: Int, height: Int) -> [Prior] {
        var r: [Prior] = []
        for (l, size) in d.levelSizes(inputWidth: width, inputHeight: height).enumerated() {
            let s = Float(d.strides[l])
            for y in 0..<size.height {
                for x in 0..<size.width {
                    r.append(Prior(cx: (Float(x) + d.centerOffset) * s, cy: (Float(y) + d.centerOffset) * s, stride: s))
                }
            }
        }
        return r
    }
}

/// A ground-truth box in model-input pixels with its class index.
public struct TargetBox: Sendable, Hashable, Codable {
    /// Box in input pixels.
    public var box: Box
    /// Class index in the model's class list.
    public var classIndex: Int
    /// Creates a target.
    public init(box: Box, classIndex: Int) { self.box = box; self.classIndex = classIndex }
}

/// The label assignment of one image: for each prior, the ground truth it learns (or -1).
public struct Assignment: Sendable {
    /// Assigned ground-truth index per prior, -1 for background.
    public var gtIndex: [Int]
    /// Quality target per prior (IoU of the predicted box with its ground truth).
    public var quality: [Float]
    /// Box-loss weight per prior (the highest predicted class score, detached).
    public var weight: [Float]
    /// Positives.
    public var positives: Int { gtIndex.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
    /// Sum of box weights.
    public var weightSum: Double { zip(gtIndex, weight).reduce(0) { $0 + ($1.0 >= 0 ? Double($1.1) : 0) } }
}

/// Loss terms (already weighted and normalised).
public struct LossTerms: Sendable, Codable, Equatable {
    /// Quality focal loss.
    public var qfl: Double = 0
    /// Distribution focal loss.
    public var dfl: Double = 0
    /// GIoU loss.
    public var giou: Double = 0
    /// Sum of the three.
    public var total: Double { qfl + dfl + giou }
    /// Adds another image's terms.
    public static func + (a: LossTerms, b: LossTerms) -> LossTerms {
        LossTerms(qfl: a.qfl + b.qfl, dfl: a.dfl + b.dfl, giou: a.giou + b.giou)
    }
}

/// NanoDet-Plus-style detection loss with a dynamic soft-label assigner.
///
/// Predictions of one image are `priors.count * valuesPerCell` logits in the
/// ``DistributionBoxDecoder`` layout (class logits, then `4 * (regMax + 1)` box logits).
public struct DetectionLoss: Sendable {
    /// The head layout.
    public var decoder: DistributionBoxDecoder
    /// Weight of the quality focal loss.
    public var qflWeight: Float = 1
    /// Weight of the distribution focal loss.
    public var dflWeight: Float = 0.25
    /// Weight of the GIoU loss.
    public var giouWeight: Float = 2
    /// Candidates per ground truth whose IoUs set its dynamic k.
    public var topK = 13
    /// Weight of the IoU cost in the assignment.
    public var iouCostWeight: Float = 3

    /// Creates the loss for a head layout.
    public init(decoder: DistributionBoxDecoder) { self.decoder = decoder }

    /// Distances (left, top, right, bottom) in pixels decoded from one cell's box logits, with
    /// the softmax probabilities.
    func distances(_ p: UnsafePointer<Float>, stride: Float, probs: inout [Float]) -> [Float] {
        let bins = decoder.regMax + 1
        var d = [Float](repeating: 0, count: 4)
        for side in 0..<4 {
            let q = p + side * bins
            var m = q[0]
            for b in 1..<bins { m = max(m, q[b]) }
            var s: Float = 0
            for b in 0..<bins { let e = expf(q[b] - m); probs[side * bins + b] = e; s += e }
            var e: Float = 0
            for b in 0..<bins { probs[side * bins + b] /= s; e += probs[side * bins + b] * Float(b) }
            d[side] = e * stride
        }
        return d
    }

    /// Predicted boxes and class scores of one image.
    func decode(_ pred: UnsafePointer<Float>, priors: [Prior]) -> (boxes: [Box], scores: [Float]) {
        let V = decoder.valuesPerCell, C = decoder.classCount
        var probs = [Float](repeating: 0, count: 4 * (decoder.regMax + 1))
        var boxes: [Box] = [], scores = [Float](repeating: 0, count: priors.count * C)
        boxes.reserveCapacity(priors.count)
        for (i, pr) in priors.enumerated() {
            let base = pred + i * V
            for c in 0..<C { scores[i * C + c] = 1 / (1 + expf(-base[c])) }
            let d = distances(base + C, stride: pr.stride, probs: &probs)
            boxes.append(Box(x1: pr.cx - d[0], y1: pr.cy - d[1], x2: pr.cx + d[2], y2: pr.cy + d[3]))
        }
        return (boxes, scores)
    }

    /// Dynamic soft-label assignment (cost = soft classification cost + weighted -log IoU +
    /// centre prior; dynamic k from the sum of the top IoUs).
    public func assign(_ pred: UnsafePointer<Float>, priors: [Prior], targets: [TargetBox]) -> Assignment {
        let P = priors.count, C = decoder.classCount
        var a = Assignment(gtIndex: [Int](repeating: -1, count: P), quality: [Float](repeating: 0, count: P),
                           weight: [Float](repeating: 0, count: P))
        if targets.isEmpty { return a }
        let (boxes, scores) = decode(pred, priors: priors)
        func bce(_ p: Float, _ t: Float) -> Float {
            let q = min(max(p, 1e-6), 1 - 1e-6)
            return -(t * logf(q) + (1 - t) * logf(1 - q))
        }
        var negSum = [Float](repeating: 0, count: P)
        for i in 0..<P {
            var s: Float = 0
            for c in 0..<C { let p = scores[i * C + c]; s += bce(p, 0) * p * p }
            negSum[i] = s
        }
        var bestCost = [Float](repeating: .infinity, count: P)
        for (j, t) in targets.enumerated() {
            let g = t.box
            let gcx = (g.x1 + g.x2) / 2, gcy = (g.y1 + g.y2) / 2
            var cand = (0..<P).filter { i in
                priors[i].cx > g.x1 && priors[i].cx < g.x2 && priors[i].cy > g.y1 && priors[i].cy < g.y2
            }
            if cand.isEmpty {
                cand = (0..<P).filter { i in
                    let dx = priors[i].cx - gcx, dy = priors[i].cy - gcy
                    return (dx * dx + dy * dy).squareRoot() < 2.5 * priors[i].stride
                }
            }
            if cand.isEmpty { continue }
            var ious: [Float] = [], costs: [Float] = []
            for i in cand {
                let iou = boxes[i].iou(g)
                ious.append(iou)
                let p = scores[i * C + t.classIndex]
                let cls = negSum[i] - bce(p, 0) * p * p + bce(p, iou) * (iou - p) * (iou - p)
                let dx = priors[i].cx - gcx, dy = priors[i].cy - gcy
                let dist = (dx * dx + dy * dy).squareRoot() / priors[i].stride
                let centre = powf(10, dist - 3)
                costs.append(cls + iouCostWeight * -logf(iou + 1e-7) + centre)
            }
            let k = max(1, Int(ious.sorted(by: >).prefix(topK).reduce(0, +)))
            let order = costs.indices.sorted { costs[$0] < costs[$1] }
            for o in order.prefix(k) {
                let i = cand[o]
                if costs[o] < bestCost[i] {
                    bestCost[i] = costs[o]
                    a.gtIndex[i] = j
                    a.quality[i] = ious[o]
                }
            }
        }
        for i in 0..<P where a.gtIndex[i] >= 0 {
            var m: Float = 0
            for c in 0..<C { m = max(m, scores[i * C + c]) }
            a.weight[i] = m
        }
        return a
    }

    /// Loss of one image and its gradient (added into `grad`), normalised by batch totals:
    /// `positives` (quality focal loss) and `weightSum` (box losses).
    ///
    /// - Parameter ignore: Per prior, a bit mask of classes whose classification loss is left
    ///   out there (bit `c` for class `c`; ``AugmentedSample/ignoreMasks(priors:classCount:)``):
    ///   partially labelled photos and uncertain teacher boxes. A prior assigned to a ground
    ///   truth of class `c` still learns `c`.
    public func loss(_ pred: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>?, priors: [Prior],
                     targets: [TargetBox], assignment a: Assignment, positives: Double, weightSum: Double,
                     ignore: [UInt64]? = nil) -> LossTerms {
        let V = decoder.valuesPerCell, C = decoder.classCount, bins = decoder.regMax + 1
        let qNorm = Float(max(positives, 1)), wNorm = Float(max(weightSum, 1e-6))
        var terms = LossTerms()
        var probs = [Float](repeating: 0, count: 4 * bins)
        var qfl = 0.0, dfl = 0.0, giou = 0.0
        for (i, pr) in priors.enumerated() {
            let base = pred + i * V
            let j = a.gtIndex[i]
            // Quality focal loss over every class not ignored here.
            let skip = ignore?[i] ?? 0
            for c in 0..<C {
                let positive = j >= 0 && targets[j].classIndex == c
                if !positive && skip & (1 << UInt64(c)) != 0 { continue }
                let x = base[c]
                let t: Float = positive ? a.quality[i] : 0
                let s = 1 / (1 + expf(-x))
                // Stable BCE with logits.
                let bceV = max(x, 0) - x * t + logf(1 + expf(-abs(x)))
                let diff = s - t
                let mod = diff * diff
                qfl += Double(bceV * mod)
                if let grad {
                    let gq = (diff * mod + bceV * 2 * diff * s * (1 - s)) * qflWeight / qNorm
                    grad[i * V + c] += gq
                }
            }
            guard j >= 0 else { continue }
            let w = a.weight[i]
            let g = targets[j].box
            let d = distances(base + C, stride: pr.stride, probs: &probs)
            // GIoU between the decoded box and the ground truth, gradient w.r.t. the distances.
            let (gl, dd) = giouLoss(cx: pr.cx, cy: pr.cy, d: d, g: g)
            giou += Double(w * gl)
            // DFL targets in stride units.
            let tgt: [Float] = [pr.cx - g.x1, pr.cy - g.y1, g.x2 - pr.cx, g.y2 - pr.cy].map {
                min(max($0 / pr.stride, 0), Float(decoder.regMax) - 0.01)
            }
            for side in 0..<4 {
                let lo = Int(tgt[side]), hi = lo + 1
                let wl = Float(hi) - tgt[side], wh = tgt[side] - Float(lo)
                let pl = max(probs[side * bins + lo], 1e-12), ph = max(probs[side * bins + hi], 1e-12)
                dfl += Double(w * -(wl * logf(pl) + wh * logf(ph)))
                if let grad {
                    let gb = grad + i * V + C + side * bins
                    let E = d[side] / pr.stride
                    for b in 0..<bins {
                        let p = probs[side * bins + b]
                        let target: Float = b == lo ? wl : (b == hi ? wh : 0)
                        let gDFL = (p - target) * w * dflWeight / (4 * wNorm)
                        let gGIoU = dd[side] * pr.stride * p * (Float(b) - E) * w * giouWeight / wNorm
                        gb[b] += gDFL + gGIoU
                    }
                }
            }
        }
        terms.qfl = qfl * Double(qflWeight) / Double(qNorm)
        terms.dfl = dfl * Double(dflWeight) / (4 * Double(wNorm))
        terms.giou = giou * Double(giouWeight) / Double(wNorm)
        return terms
    }
}

/// `1 - GIoU` of the box `(cx - l, cy - t, cx + r, cy + b)` against `g`, and its gradient with
/// respect to `(l, t, r, b)`.
func giouLoss(cx: Float, cy: Float, d: [Float], g: Box) -> (Float, [Float]) {
    let px1 = Double(cx - d[0]), py1 = Double(cy - d[1]), px2 = Double(cx + d[2]), py2 = Double(cy + d[3])
    let gx1 = Double(g.x1), gy1 = Double(g.y1), gx2 = Double(g.x2), gy2 = Double(g.y2)
    let iwRaw = min(px2, gx2) - max(px1, gx1), ihRaw = min(py2, gy2) - max(py1, gy1)
    let iw = max(iwRaw, 0), ih = max(ihRaw, 0)
    let I = iw * ih
    let ap = (px2 - px1) * (py2 - py1), ag = (gx2 - gx1) * (gy2 - gy1)
    let U = max(ap + ag - I, 1e-9)
    let cw = max(px2, gx2) - min(px1, gx1), ch = max(py2, gy2) - min(py1, gy1)
    let Cc = max(cw * ch, 1e-9)
    let loss = 2 - I / U - U / Cc
    // Partial derivatives with respect to px1, py1, px2, py2.
    var dI = [0.0, 0.0, 0.0, 0.0], dA = [0.0, 0.0, 0.0, 0.0], dC = [0.0, 0.0, 0.0, 0.0]
    if iwRaw > 0 && ihRaw > 0 {
        if px1 > gx1 { dI[0] = -ih }
        if px2 < gx2 { dI[2] = ih }
        if py1 > gy1 { dI[1] = -iw }
        if py2 < gy2 { dI[3] = iw }
    }
    dA = [-(py2 - py1), -(px2 - px1), py2 - py1, px2 - px1]
    if px1 < gx1 { dC[0] = -ch }
    if px2 > gx2 { dC[2] = ch }
    if py1 < gy1 { dC[1] = -cw }
    if py2 > gy2 { dC[3] = cw }
    var dp = [0.0, 0.0, 0.0, 0.0]
    for k in 0..<4 {
        let dU = dA[k] - dI[k]
        let dIoU = (dI[k] * U - I * dU) / (U * U)
        let dUC = (dU * Cc - U * dC[k]) / (Cc * Cc)
        dp[k] = -dIoU - dUC
    }
    // px1 = cx - l, py1 = cy - t, px2 = cx + r, py2 = cy + b.
    return (Float(loss), [Float(-dp[0]), Float(-dp[1]), Float(dp[2]), Float(dp[3])])
}
