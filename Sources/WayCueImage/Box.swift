/// An axis-aligned rectangle in pixel coordinates, corners (`x1`, `y1`) top-left and
/// (`x2`, `y2`) bottom-right, with `x2 >= x1` and `y2 >= y1` for a valid box.
public struct Box: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    /// Creates a box from its corners.
    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// Creates a box from its centre and size.
    public init(centerX: Float, centerY: Float, width: Float, height: Float) {
        self.init(x1: centerX - width / 2, y1: centerY - height / 2,
                  x2: centerX + width / 2, y2: centerY + height / 2)
    }

    /// Width (0 for an inverted box).
    public var width: Float { max(0, x2 - x1) }
    /// Height (0 for an inverted box).
    public var height: Float { max(0, y2 - y1) }
    /// Area in square pixels.
    public var area: Float { width * height }
    /// Horizontal centre.
    public var centerX: Float { (x1 + x2) / 2 }
    /// Vertical centre.
    public var centerY: Float { (y1 + y2) / 2 }

    /// Intersection over union with another box, 0 when either is empty.
    public func iou(_ other: Box) -> Float {
        let iw = min(x2, other.x2) - max(x1, other.x1)
        let ih = min(y2, other.y2) - max(y1, other.y1)
        guard iw > 0, ih > 0 else { return 0 }
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The box clipped to `[0, width] x [0, height]`.
    public func clipped(width: Float, height: Float) -> Box {
        Box(x1: min(max(x1, 0), width), y1: min(max(y1, 0), height),
            x2: min(max(x2, 0), width), y2: min(max(y2, 0), height))
    }

    public var description: String { "[\(x1), \(y1), \(x2), \(y2)]" }
}
