import Foundation
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// A small seeded generator (SplitMix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &self) }
    mutating func chance(_ p: Double) -> Bool { uniform(0, 1) < p }
}

enum Scene {
    static let camera = CameraModel.chestDefault

    /// The box of an upright object standing on the ground at (`x`, `y`) metres.
    static func groundBox(x: Double, y: Double, width: Double, height: Double,
                          camera: CameraModel = camera) -> Box? {
        guard let bl = camera.project(x: x - width / 2, y: y, z: 0),
            let br = camera.project(x: x + width / 2, y: y, z: 0),
            let top = camera.project(x: x, y: y, z: height)
        else { return nil }
        return Box(x1: Float(bl.u), y1: Float(top.v), x2: Float(br.u), y2: Float(max(bl.v, br.v)))
    }

    /// The box of a flat ground rectangle `width` metres wide centred on `x`, from `near` to
    /// `far` metres ahead; the part nearer than the image's bottom edge is cut off there.
    static func flatBox(x: Double = 0, near: Double, far: Double, width: Double,
                        camera: CameraModel = camera) -> Box {
        let h = Double(camera.imageHeight), w = Double(camera.imageWidth)
        let bottom = camera.groundPoint(u: w / 2, v: h)!.y
        let nearSeen = max(near, bottom)
        let l = camera.project(x: x - width / 2, y: nearSeen, z: 0)!
        let r = camera.project(x: x + width / 2, y: nearSeen, z: 0)!
        let top = camera.project(x: x, y: far, z: 0)!
        let v2 = near <= bottom ? h : l.v
        return Box(x1: Float(max(0, l.u)), y1: Float(top.v), x2: Float(min(w, r.u)), y2: Float(min(h, v2)))
    }

    /// A 4 m wide crosswalk whose near edge is `kerb` metres ahead (negative: the walker is
    /// on it) and which is `length` metres long.
    static func crosswalkBox(kerb: Double, length: Double = 8) -> Box {
        flatBox(near: kerb, far: kerb + length, width: 4)
    }

    /// Pixel column of a bearing in degrees.
    static func column(bearing: Double, camera: CameraModel = camera) -> Double {
        Double(camera.imageWidth) / 2 + tan(bearing * .pi / 180) * camera.focalLength
    }

    /// A signal-head box centred at `bearing` degrees, `size` pixels tall, near the top.
    static func headBox(bearing: Double, size: Double, top: Double = 60) -> Box {
        let cx = column(bearing: bearing)
        return Box(x1: Float(cx - size * 0.35), y1: Float(top), x2: Float(cx + size * 0.35), y2: Float(top + size))
    }

    /// Bearing of a box's centre.
    static func bearing(_ box: Box) -> Double { camera.bearingDegrees(u: Double(box.centerX)) }

    static func det(_ cls: ObjectClass, _ score: Float, _ box: Box) -> Detection {
        Detection(objectClass: cls, score: score, box: box)
    }

    /// A quiet engine configuration (no APS tones) for exact-cue scenarios.
    static func config(tones: Bool = false) -> CueEngineConfiguration {
        var c = CueEngineConfiguration(camera: camera)
        c.apsTones = tones
        return c
    }

    static func engine(_ c: CueEngineConfiguration = config(), language: String = "en") -> CueEngine {
        // Bundled phrasebooks are part of the module; failing to load them is a test failure.
        try! CueEngine(configuration: c, language: language)
    }
}
