import Foundation

/// One piece of a path on the ground: a straight run or a circular bend.
public struct PathPiece: Sendable, Hashable, Codable {
    /// Start point, world metres.
    public var start: SynthPoint2
    /// Heading at the start, degrees (0 along world `+y`, positive right).
    public var heading: Double
    /// Length along the path, metres.
    public var length: Double
    /// Total turn over the piece, degrees, positive to the right (0 for straight).
    public var turn: Double
    /// Path length before this piece (its arc-length origin).
    public var s0: Double

    /// Curvature in radians per metre, positive turning right.
    var curvature: Double { length > 0 ? turn * .pi / 180 / length : 0 }

    /// Point and heading (degrees) at arc length `s` from the piece start.
    func pose(at s: Double) -> (SynthPoint2, Double) {
        let h0 = heading * .pi / 180
        let k = curvature
        if abs(k) < 1e-9 {
            return (SynthPoint2(x: start.x + sin(h0) * s, y: start.y + cos(h0) * s), heading)
        }
        let h = h0 + k * s
        return (SynthPoint2(x: start.x + (cos(h0) - cos(h)) / k, y: start.y + (sin(h) - sin(h0)) / k),
                h * 180 / .pi)
    }

    /// End point and heading.
    var end: (SynthPoint2, Double) { pose(at: length) }

    /// Arc length (from the piece start) and signed lateral offset (positive: the point is to
    /// the right of the path) of a world point; `s` may fall outside `[0, length]`.
    func localCoordinates(_ p: SynthPoint2) -> (s: Double, d: Double) {
        let h0 = heading * .pi / 180
        let k = curvature
        if abs(k) < 1e-9 {
            let dx = p.x - start.x, dy = p.y - start.y
            return (dx * sin(h0) + dy * cos(h0), dx * cos(h0) - dy * sin(h0))
        }
        let r = 1 / abs(k)
        let rx = cos(h0), ry = -sin(h0)  // right vector at the start
        let cx = start.x + rx / k, cy = start.y + ry / k  // centre (right side when k > 0)
        let vx = p.x - cx, vy = p.y - cy
        let dist = (vx * vx + vy * vy).squareRoot()
        let h = k > 0 ? atan2(vy, -vx) : atan2(-vy, vx)
        var delta = h - h0
        while delta > .pi { delta -= 2 * .pi }
        while delta <= -.pi { delta += 2 * .pi }
        let s = delta / k
        let d = k > 0 ? r - dist : dist - r
        return (s, d)
    }
}

/// A path on the ground made of pieces joined end to end (tactile paving or a walked route).
public struct SynthPath: Sendable, Hashable, Codable {
    /// The pieces in order.
    public private(set) var pieces: [PathPiece] = []
    private var startPoint: SynthPoint2
    private var startHeading: Double

    /// Creates an empty path starting at a point with a heading (degrees).
    public init(start: SynthPoint2, heading: Double) {
        startPoint = start; startHeading = heading
    }

    /// Total length, metres.
    public var length: Double { pieces.last.map { $0.s0 + $0.length } ?? 0 }

    /// Where the path ends and its heading there.
    public var end: (SynthPoint2, Double) { pieces.last?.end ?? (startPoint, startHeading) }

    /// Appends a straight run.
    public mutating func straight(_ length: Double) { append(length: length, turn: 0) }

    /// Appends a bend turning `degrees` (positive right) over `length` metres.
    public mutating func bend(_ degrees: Double, over length: Double) { append(length: length, turn: degrees) }

    private mutating func append(length: Double, turn: Double) {
        guard length > 0 else { return }
        let (p, h) = end
        pieces.append(PathPiece(start: p, heading: h, length: length, turn: turn, s0: self.length))
    }

    /// Point and heading (degrees) at arc length `s`, clamped to the path.
    public func pose(at s: Double) -> (SynthPoint2, Double) {
        guard !pieces.isEmpty else { return (startPoint, startHeading) }
        if s <= 0 {
            let (p, h) = pieces[0].pose(at: 0)
            let hr = h * .pi / 180
            return (SynthPoint2(x: p.x + sin(hr) * s, y: p.y + cos(hr) * s), h)
        }
        for piece in pieces where s <= piece.s0 + piece.length { return piece.pose(at: s - piece.s0) }
        let last = pieces[pieces.count - 1]
        let (p, h) = last.end
        let over = s - length, hr = h * .pi / 180
        return (SynthPoint2(x: p.x + sin(hr) * over, y: p.y + cos(hr) * over), h)
    }

    /// The nearest point of the path to `p`: its arc length, the signed lateral offset of `p`
    /// (positive: `p` is right of the path) and the path heading there.
    public func nearest(to p: SynthPoint2) -> (s: Double, offset: Double, heading: Double)? {
        var best: (Double, Double, Double)?
        var bestDist = Double.infinity
        for piece in pieces {
            let (s, d) = piece.localCoordinates(p)
            let cs = min(max(s, 0), piece.length)
            let (q, h) = piece.pose(at: cs)
            let dist = (p - q).length
            if dist < bestDist {
                bestDist = dist
                best = (piece.s0 + cs, cs == s ? d : (d >= 0 ? dist : -dist), h)
            }
        }
        return best
    }
}
