import Foundation

/// One box under review: a canonical class id and a normalised YOLO box, with the model's
/// score when a model proposed it and a person has not changed it since.
public struct ReviewBox: Sendable, Codable, Equatable {
    /// Class id in the canonical taxonomy (`ObjectClass.canonical` order, as in the label files).
    public var classID: Int
    /// Box centre x, 0...1 of the image width.
    public var cx: Double
    /// Box centre y, 0...1 of the image height.
    public var cy: Double
    /// Box width, 0...1 of the image width.
    public var w: Double
    /// Box height, 0...1 of the image height.
    public var h: Double
    /// The model's score, or `nil` for a box drawn or changed by a person.
    public var score: Double?

    enum CodingKeys: String, CodingKey { case classID = "class", cx, cy, w, h, score }

    /// Creates a box.
    public init(classID: Int, cx: Double, cy: Double, w: Double, h: Double, score: Double? = nil) {
        self.classID = classID
        self.cx = cx
        self.cy = cy
        self.w = w
        self.h = h
        self.score = score
    }

    /// Left, top, right, bottom in normalised units.
    public var corners: (x1: Double, y1: Double, x2: Double, y2: Double) {
        (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    }

    /// Intersection over union with another box (0 when either is empty).
    public func iou(_ o: ReviewBox) -> Double {
        let a = corners, b = o.corners
        let iw = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)), ih = max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let inter = iw * ih
        let union = w * h + o.w * o.h - inter
        return union > 0 ? inter / union : 0
    }

    /// Why this box cannot be saved (a class outside the taxonomy, a non-finite or empty box,
    /// or one outside the image), or `nil` when it is valid. Boxes may touch the border.
    public func problem(classCount: Int) -> String? {
        guard (0..<classCount).contains(classID) else {
            return "class \(classID) is not in the taxonomy (0...\(classCount - 1))"
        }
        for v in [cx, cy, w, h] where !v.isFinite { return "box values must be finite numbers" }
        if let s = score, !(s.isFinite && (0...1).contains(s)) { return "score must be between 0 and 1" }
        guard w > 0, h > 0 else { return "box is empty (width and height must be positive)" }
        let c = corners, eps = 1e-6
        guard c.x1 >= -eps, c.y1 >= -eps, c.x2 <= 1 + eps, c.y2 <= 1 + eps else {
            return "box lies outside the image (normalised corners \(fmt(c.x1)),\(fmt(c.y1)) to \(fmt(c.x2)),\(fmt(c.y2)))"
        }
        return nil
    }

    /// The box's line in a YOLO label file (no newline).
    public var yoloLine: String {
        "\(classID) \(fmt(cx)) \(fmt(cy)) \(fmt(w)) \(fmt(h))"
    }
}

func fmt(_ v: Double) -> String { String(format: "%.6f", v) }
