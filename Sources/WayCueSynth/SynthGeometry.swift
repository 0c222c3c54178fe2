import Foundation

/// A point or direction on the ground plane, metres (`x` right, `y` forward in world axes).
public struct SynthPoint2: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    /// Creates a point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
    static func + (a: Self, b: Self) -> Self { .init(x: a.x + b.x, y: a.y + b.y) }
    static func - (a: Self, b: Self) -> Self { .init(x: a.x - b.x, y: a.y - b.y) }
    static func * (a: Self, s: Double) -> Self { .init(x: a.x * s, y: a.y * s) }
    func dot(_ o: Self) -> Double { x * o.x + y * o.y }
    var length: Double { (x * x + y * y).squareRoot() }
}

/// A point in the world, metres: `x` right, `y` forward (of the walker's start), `z` up.
public struct SynthPoint3: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var z: Double
    /// Creates a point.
    public init(x: Double, y: Double, z: Double) { self.x = x; self.y = y; self.z = z }
}

/// Where the walker stands and which way they face.
///
/// `heading` is in degrees, 0 along the world `+y` axis, positive turning right (clockwise
/// seen from above), the same sign convention as ``WayCueImage/CameraModel/bearingDegrees(u:)``.
public struct WalkerPose: Sendable, Hashable, Codable {
    /// World position, metres.
    public var x: Double
    public var y: Double
    /// Heading in degrees, positive to the right of world `+y`.
    public var heading: Double
    /// Creates a pose.
    public init(x: Double = 0, y: Double = 0, heading: Double = 0) {
        self.x = x; self.y = y; self.heading = heading
    }

    /// Unit vector the walker faces.
    var forward: SynthPoint2 {
        let h = heading * .pi / 180
        return SynthPoint2(x: sin(h), y: cos(h))
    }
    /// Unit vector to the walker's right.
    var right: SynthPoint2 {
        let h = heading * .pi / 180
        return SynthPoint2(x: cos(h), y: -sin(h))
    }

    /// A world point in the walker's frame: `x` right, `y` ahead.
    public func local(_ p: SynthPoint2) -> SynthPoint2 {
        let d = SynthPoint2(x: p.x - x, y: p.y - y)
        return SynthPoint2(x: d.dot(right), y: d.dot(forward))
    }

    /// Horizontal distance (m) and bearing (degrees, positive right) of a world point.
    public func distanceAndBearing(_ p: SynthPoint2) -> (distance: Double, bearing: Double) {
        let l = local(p)
        return (l.length, atan2(l.x, l.y) * 180 / .pi)
    }
}

/// Normalises an angle in degrees to `(-180, 180]`.
func wrapDegrees(_ a: Double) -> Double {
    var r = a.truncatingRemainder(dividingBy: 360)
    if r <= -180 { r += 360 }
    if r > 180 { r -= 360 }
    return r
}

/// The convex hull of points (Andrew's monotone chain), counter-clockwise.
func convexHull(_ input: [SynthPoint2]) -> [SynthPoint2] {
    let pts = input.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
    guard pts.count > 2 else { return pts }
    func cross(_ o: SynthPoint2, _ a: SynthPoint2, _ b: SynthPoint2) -> Double {
        (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    }
    var lower: [SynthPoint2] = []
    for p in pts {
        while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
        lower.append(p)
    }
    var upper: [SynthPoint2] = []
    for p in pts.reversed() {
        while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
        upper.append(p)
    }
    lower.removeLast(); upper.removeLast()
    return lower + upper
}
