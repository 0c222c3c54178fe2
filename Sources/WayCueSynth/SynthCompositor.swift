import Foundation
import WayCueImage

/// Pastes rendered objects (cones, bollards, signal heads on poles) into real photographs.
///
/// The photo is assumed to be taken by a walker's camera (``WayCueImage/CameraModel``,
/// jittered per image) over flat ground, so an object placed `y` metres ahead stands on the
/// ground row that distance projects to and has the size that distance gives. Lighting is
/// matched roughly: the exposure of the pasted objects follows the photo's mean brightness.
/// Labels cover the pasted objects only; whatever the photo already shows is not labelled.
public enum SynthCompositor {
    /// What the compositor can paste. The raw values are the names recipes use
    /// (`paste: { objects: [cone, ped_signal] }`).
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// A traffic cone.
        case cone
        /// A bollard.
        case bollard
        /// A pedestrian signal head (red standing or green walking figure) on a pole.
        case pedestrianSignal = "ped_signal"
        /// A vehicle signal head (red, yellow or green) on a pole.
        case vehicleSignal = "vehicle_signal"

        /// The classes of the labels a pasted object of this kind can carry.
        public var labelClasses: [SynthClass] {
            switch self {
            case .cone: [.cone]
            case .bollard: [.bollard]
            case .pedestrianSignal: [.pole, .pedRed, .pedGreen]
            case .vehicleSignal: [.pole, .vehicleRed, .vehicleYellow, .vehicleGreen]
            }
        }
    }

    /// Composites 1 to 3 random objects into `photo`, resized to the camera's size.
    ///
    /// - Parameters:
    ///   - photo: Any RGB or grey photograph.
    ///   - seed: Seed of the placement, kinds and states.
    ///   - camera: The nominal camera (its image size is the output size).
    ///   - kinds: The kinds to draw from (all of them by default; with all of them, in
    ///     ``Kind/allCases`` order, the result for a seed is the same as before kinds existed).
    ///     An empty list pastes nothing.
    public static func composite(photo: Image, seed: UInt64, camera: CameraModel, kinds: [Kind] = Kind.allCases) -> SynthFrame {
        var rng = SynthRandom(seed: seed, stream: 31)
        var cam = camera
        cam.height = max(0.8, camera.height + rng.uniform(-0.2...0.2))
        cam.pitchDegrees = max(0, camera.pitchDegrees + rng.uniform(-5...5))
        let bg = (photo.format == .rgb8 ? photo : photo.converted(to: .rgb8))
            .resized(width: cam.imageWidth, height: cam.imageHeight)
        // Mean brightness of the lower half (the ground and what stands on it).
        var sum = 0, n = 0
        for y in (bg.height / 2)..<bg.height {
            for x in Swift.stride(from: 0, to: bg.width, by: 2) {
                let o = bg.offset(x: x, y: y)
                let r: Int = 77 * Int(bg.pixels[o])
                let g: Int = 150 * Int(bg.pixels[o + 1])
                let b: Int = 29 * Int(bg.pixels[o + 2])
                sum += (r + g + b) >> 8
                n += 1
            }
        }
        let mean = Double(sum) / Double(max(1, n))
        let lighting = SynthLighting(sunAzimuth: rng.uniform(0...360), sunElevation: rng.uniform(25...60),
                                     sunStrength: 0.35, ambient: 0.65, exposure: min(1.4, max(0.35, mean / 125)))
        let scene = SynthScene(camera: cam, ground: GroundLayout(), groundBounds: [-1, -1, 1, 1], texel: 0.1,
                               objects: [], lighting: lighting,
                               effects: SynthEffects(noise: rng.uniform(0...3)), seed: seed)
        var objects: [SynthObject] = []
        let halfFOV = cam.horizontalFOVDegrees / 2 * .pi / 180
        for i in 0..<(kinds.isEmpty ? 0 : rng.int(1...3)) {
            let y = rng.uniform(2.5...12)
            let x = rng.uniform(-0.8...0.8) * y * tan(halfFOV)
            let p = SynthPoint2(x: x, y: y)
            switch kinds[rng.int(0...(kinds.count - 1))] {
            case .cone:
                objects.append(SynthObject(.cone(height: rng.uniform(0.45...0.8)), at: p, facing: rng.uniform(0...360), name: "cone\(i)"))
            case .bollard:
                objects.append(SynthObject(.bollard(height: rng.uniform(0.7...1.1), radius: rng.uniform(0.07...0.14)), at: p,
                                           name: "bollard\(i)"))
            case .pedestrianSignal:
                let elevation = rng.uniform(2.2...3)
                let state: PedestrianSignalState = rng.chance(0.5) ? .red : .green
                objects.append(SynthObject(.pole(height: elevation + 0.5, radius: 0.06), at: p, name: "pole\(i)"))
                objects.append(SynthObject(.pedestrianSignal(state: state, countdown: rng.chance(0.3) && state == .green ? rng.int(1...30) : nil,
                                                             elevation: elevation),
                                           at: SynthPoint2(x: x, y: y - 0.17), facing: 180, name: "ped\(i)"))
            case .vehicleSignal:
                let elevation = rng.uniform(2.8...4.5)
                objects.append(SynthObject(.pole(height: elevation + 0.6, radius: 0.08), at: p, name: "pole\(i)"))
                objects.append(SynthObject(.vehicleSignal(state: rng.pick([.red, .yellow, .green]), elevation: elevation),
                                           at: SynthPoint2(x: x, y: y - 0.18), facing: 180, name: "vehicle\(i)"))
            }
        }
        let renderer = SynthRenderer(scene: scene)
        return renderer.render(objects: objects, over: bg, frameSeed: seed)
    }
}
