import Foundation
import WayCueImage

extension CameraModel {
    /// The clock position (9 to 3, 12 straight ahead) of a bearing in degrees (positive right).
    ///
    /// Each hour spans 30 degrees: 12 o'clock covers -15..15 degrees, 1 o'clock 15..45 and
    /// so on; bearings beyond 90 degrees clamp to 9 or 3 o'clock.
    public static func clockPosition(bearingDegrees: Double) -> Int {
        guard bearingDegrees.isFinite else { return 12 }
        let step = Int((bearingDegrees / 30).rounded())
        let clamped = min(3, max(-3, step))
        return clamped <= 0 ? 12 + clamped : clamped
    }

    /// The clock position of pixel column `u`.
    public func clockPosition(u: Double) -> Int {
        Self.clockPosition(bearingDegrees: bearingDegrees(u: u))
    }

    /// Ground position (`x` right, `y` forward, metres) of the point where a box touches
    /// the ground (the middle of its bottom edge), or `nil` when that edge is at or above
    /// the horizon.
    public func groundContact(of box: Box) -> (x: Double, y: Double)? {
        groundPoint(u: Double(box.centerX), v: Double(box.y2))
    }

    /// Approximate width in metres of an object whose box is `box` at forward distance `y`.
    public func groundWidth(of box: Box, atDistance y: Double) -> Double {
        let pitch = pitchDegrees * .pi / 180
        // Range along the optical axis to the ground point, then the pinhole relation.
        let along = y * cos(pitch) + height * sin(pitch)
        return Double(box.width) * max(along, 0) / focalLength
    }
}
