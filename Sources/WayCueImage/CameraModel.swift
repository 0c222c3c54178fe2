import Foundation

/// A pinhole camera worn by a walker: where it sits, where it looks, and how it sees.
///
/// The world frame has its origin on the ground under the camera, `x` to the walker's right,
/// `y` forward and `z` up. The camera is at height ``height`` metres, looks forward, tilted
/// down by ``pitchDegrees``, with no roll. Firmware profiles provide these values; the
/// synthetic renderer and the cue layer's geometry share this one definition, so what the
/// renderer draws and what the cue layer measures agree by construction.
public struct CameraModel: Sendable, Hashable, Codable {
    /// Image width in pixels.
    public var imageWidth: Int
    /// Image height in pixels.
    public var imageHeight: Int
    /// Horizontal field of view in degrees.
    public var horizontalFOVDegrees: Double
    /// Height of the lens above the ground in metres.
    public var height: Double
    /// Downward tilt of the optical axis below the horizon in degrees.
    public var pitchDegrees: Double

    /// Creates a camera model.
    public init(imageWidth: Int, imageHeight: Int, horizontalFOVDegrees: Double,
                height: Double, pitchDegrees: Double) {
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.horizontalFOVDegrees = horizontalFOVDegrees
        self.height = height
        self.pitchDegrees = pitchDegrees
    }

    /// A chest-mounted 640x480 camera with a 70-degree lens, 1.3 m up, looking 15 degrees down.
    public static let chestDefault = CameraModel(
        imageWidth: 640, imageHeight: 480, horizontalFOVDegrees: 70, height: 1.3, pitchDegrees: 15)

    /// Focal length in pixels (square pixels).
    public var focalLength: Double {
        Double(imageWidth) / 2 / tan(horizontalFOVDegrees * .pi / 360)
    }

    /// Projects a world point (metres) to pixel coordinates, or `nil` when it is behind the camera.
    public func project(x: Double, y: Double, z: Double) -> (u: Double, v: Double)? {
        let pitch = pitchDegrees * .pi / 180
        let dz = z - height
        // Camera axes: forward tilted down by pitch; image v grows downward.
        let forward = y * cos(pitch) - dz * sin(pitch)
        let up = y * sin(pitch) + dz * cos(pitch)
        guard forward > 1e-6 else { return nil }
        let f = focalLength
        return (Double(imageWidth) / 2 + f * x / forward, Double(imageHeight) / 2 - f * up / forward)
    }

    /// The ground point (`x` right, `y` forward, metres) seen at pixel (`u`, `v`), or `nil`
    /// when that pixel looks at or above the horizon.
    public func groundPoint(u: Double, v: Double) -> (x: Double, y: Double)? {
        let pitch = pitchDegrees * .pi / 180
        let f = focalLength
        let cx = (u - Double(imageWidth) / 2) / f
        let cy = (Double(imageHeight) / 2 - v) / f  // up in camera frame, per unit forward
        // Ray direction in world: forward component and vertical component.
        let dirY = cos(pitch) + cy * sin(pitch)
        let dirZ = -sin(pitch) + cy * cos(pitch)
        guard dirZ < -1e-9 else { return nil }
        let t = height / -dirZ
        return (cx * t, dirY * t)
    }

    /// Bearing of pixel column `u` in degrees, positive to the right of straight ahead.
    public func bearingDegrees(u: Double) -> Double {
        atan((u - Double(imageWidth) / 2) / focalLength) * 180 / .pi
    }
}
