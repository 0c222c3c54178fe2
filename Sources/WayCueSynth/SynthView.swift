import Foundation
import WayCueImage

/// Small per-frame camera disturbances: the bob and sway of a walking body.
public struct CameraShake: Sendable, Hashable, Codable {
    /// Extra downward pitch, degrees.
    public var pitch: Double
    /// Extra yaw to the right, degrees.
    public var yaw: Double
    /// Vertical offset of the lens, metres.
    public var lift: Double
    /// Creates a shake; zero by default.
    public init(pitch: Double = 0, yaw: Double = 0, lift: Double = 0) {
        self.pitch = pitch; self.yaw = yaw; self.lift = lift
    }
}

/// The camera of one frame: a ``WayCueImage/CameraModel`` carried by a walker at a pose,
/// with shake. It projects world points exactly as `CameraModel.project` does for the
/// walker's local frame (no roll), with sines and cosines computed once.
struct SynthView {
    let width: Int
    let height: Int
    let focal: Double
    let camHeight: Double
    let sinPitch: Double
    let cosPitch: Double
    let posX: Double
    let posY: Double
    /// Walker-frame axes in world coordinates.
    let rightX: Double, rightY: Double, fwdX: Double, fwdY: Double
    let pose: WalkerPose

    init(camera: CameraModel, pose: WalkerPose, shake: CameraShake = CameraShake()) {
        width = camera.imageWidth
        height = camera.imageHeight
        focal = camera.focalLength
        camHeight = camera.height + shake.lift
        let p = (camera.pitchDegrees + shake.pitch) * .pi / 180
        sinPitch = sin(p); cosPitch = cos(p)
        posX = pose.x; posY = pose.y
        let h = (pose.heading + shake.yaw) * .pi / 180
        rightX = cos(h); rightY = -sin(h); fwdX = sin(h); fwdY = cos(h)
        self.pose = pose
    }

    /// World point to camera coordinates: (right, up, forward).
    @inline(__always)
    func toCamera(_ x: Double, _ y: Double, _ z: Double) -> (Double, Double, Double) {
        let dx = x - posX, dy = y - posY
        let lx = dx * rightX + dy * rightY
        let ly = dx * fwdX + dy * fwdY
        let dz = z - camHeight
        return (lx, ly * sinPitch + dz * cosPitch, ly * cosPitch - dz * sinPitch)
    }

    /// Camera coordinates to pixel coordinates (forward must be positive).
    @inline(__always)
    func toPixel(_ c: (Double, Double, Double)) -> (Double, Double) {
        (Double(width) / 2 + focal * c.0 / c.2, Double(height) / 2 - focal * c.1 / c.2)
    }

    /// Projects a world point, `nil` behind the camera.
    func project(_ p: SynthPoint3) -> (Double, Double)? {
        let c = toCamera(p.x, p.y, p.z)
        guard c.2 > 1e-6 else { return nil }
        return toPixel(c)
    }

    static let nearPlane = 0.05

    /// Projects a planar world polygon, clipped against the near plane; empty when invisible.
    func projectPolygon(_ pts: [SynthPoint3]) -> [(Double, Double)] {
        var cam = pts.map { toCamera($0.x, $0.y, $0.z) }
        if cam.contains(where: { $0.2 < Self.nearPlane }) {
            var out: [(Double, Double, Double)] = []
            for i in 0..<cam.count {
                let a = cam[i], b = cam[(i + 1) % cam.count]
                let ina = a.2 >= Self.nearPlane, inb = b.2 >= Self.nearPlane
                if ina { out.append(a) }
                if ina != inb {
                    let t = (Self.nearPlane - a.2) / (b.2 - a.2)
                    out.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, Self.nearPlane))
                }
            }
            cam = out
        }
        guard cam.count >= 3 else { return [] }
        return cam.map { toPixel($0) }
    }

    /// Whether a face with outward normal `n` through point `p` faces the camera.
    func facesCamera(point p: SynthPoint3, normal n: SynthPoint3) -> Bool {
        let vx = posX - p.x, vy = posY - p.y, vz = camHeight - p.z
        return vx * n.x + vy * n.y + vz * n.z > 0
    }
}
