import Foundation
import WayCueImage

/// Random street scenes for training data: paving strips (straight, bending, branching,
/// ending in warning tiles), crossings, signal heads, obstacles, light and sensor effects,
/// all drawn from one seed.
public enum SynthSceneGenerator {
    /// A random scene seen by a walker standing at the world origin facing `+y`.
    ///
    /// - Parameters:
    ///   - seed: The scene's seed; the same seed gives the same scene.
    ///   - camera: The nominal camera; height, pitch and field of view are jittered around it.
    ///   - texel: Ground texel size in metres (1 cm by default; coarser is faster).
    public static func scene(seed: UInt64, camera: CameraModel, texel: Double = 0.01) -> SynthScene {
        var rng = SynthRandom(seed: seed, stream: 1)
        var cam = camera
        cam.height = max(0.6, camera.height + rng.uniform(-0.3...0.3))
        cam.pitchDegrees = max(0, camera.pitchDegrees + rng.uniform(-8...8))
        cam.horizontalFOVDegrees = min(110, max(40, camera.horizontalFOVDegrees + rng.uniform(-10...15)))

        var layout = GroundLayout(material: rng.pick([.sidewalk, .sidewalk, .tiles, .asphalt]),
                                  tint: SynthColor(Float(rng.uniform(0.85...1.1)), Float(rng.uniform(0.88...1.05)),
                                                   Float(rng.uniform(0.85...1.05))))
        if rng.chance(0.6) {
            let side = rng.chance(0.5) ? 1.0 : -1.0
            layout.sideRoad = .init(kerbX: side * rng.uniform(2.2...4.5), side: side)
        }
        var objects: [SynthObject] = []
        if let road = layout.sideRoad {
            objects.append(SynthObject(.kerb(length: 46, height: rng.uniform(0.06...0.14)),
                                       at: SynthPoint2(x: road.kerbX - road.side * 0.075, y: 20), facing: 0, name: "kerb"))
        }
        let pavingColor: PavingColor = rng.chance(0.7) ? .yellow : .grey
        let wear = rng.chance(0.4) ? rng.uniform(0.2...0.8) : rng.uniform(0...0.15)

        // Crossing ahead?
        var kerbY: Double?
        if rng.chance(0.35) {
            let y = rng.uniform(4...13)
            kerbY = y
            let heading = rng.uniform(-8...8)
            let x = rng.uniform(-1...1)
            layout.crossings.append(ZebraCrossing(kerb: SynthPoint2(x: x, y: y), heading: heading,
                                                  roadWidth: rng.uniform(6...12), width: rng.uniform(3...6),
                                                  wear: rng.uniform(0...0.6)))
        }
        // Tactile paving.
        if rng.chance(0.8) {
            let x0 = rng.uniform(-1.6...1.6)
            var path = SynthPath(start: SynthPoint2(x: x0, y: -2), heading: rng.uniform(-12...12))
            let width = rng.chance(0.7) ? 0.3 : 0.6
            if let ky = kerbY {
                path = SynthPath(start: SynthPoint2(x: layout.crossings[0].kerb.x + rng.uniform(-0.8...0.8), y: -2),
                                 heading: layout.crossings[0].heading)
                path.straight(ky + 2 - 0.6 - rng.uniform(0...0.01))
                layout.patches.append(WarningPatch(origin: path.end.0, heading: path.end.1, depth: 0.6,
                                                   width: max(width, rng.uniform(0.6...1.5)), color: pavingColor, wear: wear))
            } else {
                path.straight(rng.uniform(2...9))
                if rng.chance(0.6) {
                    path.bend(rng.uniform(15...90) * (rng.chance(0.5) ? 1 : -1), over: rng.uniform(1.5...5))
                }
                path.straight(rng.uniform(1...15))
                if rng.chance(0.4) {
                    layout.patches.append(WarningPatch(origin: path.end.0, heading: path.end.1, depth: 0.6,
                                                       width: width, color: pavingColor, wear: wear))
                }
                if rng.chance(0.25) {
                    // A branch leaving at right angles, with a warning square at the junction.
                    let s = rng.uniform(2...6)
                    let (p, h) = path.pose(at: s)
                    let side = rng.chance(0.5) ? 1.0 : -1.0
                    let bh = h + 90 * side
                    let br = bh * .pi / 180
                    var branch = SynthPath(start: SynthPoint2(x: p.x + sin(br) * width * 1.5, y: p.y + cos(br) * width * 1.5),
                                           heading: bh)
                    branch.straight(rng.uniform(2...6))
                    layout.strips.append(GuideStrip(path: branch, width: width, color: pavingColor, wear: wear))
                    let hr = h * .pi / 180
                    layout.patches.append(WarningPatch(
                        origin: SynthPoint2(x: p.x - sin(hr) * width * 1.5, y: p.y - cos(hr) * width * 1.5),
                        heading: h, depth: width * 3, width: width * 3, color: pavingColor, wear: wear))
                }
            }
            layout.strips.insert(GuideStrip(path: path, width: width, color: pavingColor, wear: wear), at: 0)
        }
        for _ in 0..<rng.int(0...3) {
            layout.stains.append(.init(center: SynthPoint2(x: rng.uniform(-4...4), y: rng.uniform(1...20)),
                                       radius: rng.uniform(0.2...1.2), darkness: rng.uniform(0.1...0.4)))
        }

        // Obstacles.
        for i in 0..<rng.int(0...5) {
            let p = SynthPoint2(x: rng.uniform(-3.5...3.5), y: rng.uniform(1.8...18))
            let kind: SynthObjectKind
            switch rng.int(0...3) {
            case 0: kind = .cone(height: rng.uniform(0.45...0.8))
            case 1: kind = .bollard(height: rng.uniform(0.7...1.1), radius: rng.uniform(0.07...0.14))
            case 2: kind = .pole(height: rng.uniform(2.5...5), radius: rng.uniform(0.04...0.09))
            default: kind = .cone(height: rng.uniform(0.45...0.8))
            }
            objects.append(SynthObject(kind, at: p, facing: rng.uniform(0...360), name: "obstacle\(i)"))
        }
        // Sometimes an obstacle stands on the paving itself, hiding part of it.
        if let strip = layout.strips.first, rng.chance(0.3) {
            let (p, _) = strip.path.pose(at: rng.uniform(3...max(3.1, strip.path.length)))
            let kind: SynthObjectKind = rng.chance(0.6) ? .cone(height: rng.uniform(0.45...0.8))
                : .bollard(height: rng.uniform(0.7...1.0), radius: rng.uniform(0.08...0.14))
            objects.append(SynthObject(kind, at: SynthPoint2(x: p.x + rng.uniform(-0.1...0.1), y: p.y),
                                       facing: rng.uniform(0...360), name: "on_paving"))
        }
        for i in 0..<(rng.chance(0.35) ? rng.int(1...3) : 0) {
            objects.append(SynthObject(.person(height: rng.uniform(1.5...1.9), clothes: rng.int(0...41)),
                                       at: SynthPoint2(x: rng.uniform(-3...3), y: rng.uniform(2.5...16)),
                                       facing: rng.uniform(0...360), name: "person\(i)"))
        }
        if rng.chance(0.1) {
            objects.append(SynthObject(.stairs(steps: rng.int(2...6), width: rng.uniform(1.5...4)),
                                       at: SynthPoint2(x: rng.uniform(-2...2), y: rng.uniform(4...12)),
                                       facing: 180 + rng.uniform(-20...20), name: "stairs"))
        }
        // Signal heads on poles, facing the walker.
        if rng.chance(kerbY == nil ? 0.4 : 0.85) {
            let far = (kerbY ?? rng.uniform(3...14)) + (layout.crossings.first?.roadWidth ?? 0) + 0.6
            let x = rng.uniform(-3...3)
            let p = SynthPoint2(x: x, y: far)
            let elevation = rng.uniform(2.2...3.0)
            let state: PedestrianSignalState = rng.chance(0.5) ? .red : .green
            let countdown: Int? = rng.chance(0.3) && state == .green ? rng.int(1...40) : nil
            objects.append(SynthObject(.pole(height: elevation + 0.5, radius: 0.06), at: p, name: "ped_pole"))
            let facing = 180 + rng.uniform(-25...25)
            let fr = facing * .pi / 180
            objects.append(SynthObject(.pedestrianSignal(state: state, countdown: countdown, elevation: elevation),
                                       at: SynthPoint2(x: p.x + sin(fr) * 0.17, y: p.y + cos(fr) * 0.17), facing: facing,
                                       name: "ped_signal"))
        }
        if rng.chance(0.35) {
            let p = SynthPoint2(x: rng.uniform(-5...5), y: rng.uniform(8...24))
            let elevation = rng.uniform(2.8...5)
            let state = rng.pick([VehicleSignalState.red, .yellow, .green])
            objects.append(SynthObject(.pole(height: elevation + 0.6, radius: 0.08), at: p, name: "vehicle_pole"))
            let facing = 180 + rng.uniform(-30...30)
            let fr = facing * .pi / 180
            objects.append(SynthObject(.vehicleSignal(state: state, elevation: elevation),
                                       at: SynthPoint2(x: p.x + sin(fr) * 0.18, y: p.y + cos(fr) * 0.18), facing: facing,
                                       name: "vehicle_signal"))
        }
        // Buildings lining the street.
        for side in [-1.0, 1.0] where rng.chance(0.8) {
            var y = rng.uniform(-2...6)
            while y < 70 {
                let w = rng.uniform(6...16)
                objects.append(SynthObject(.building(width: w, depth: 8, height: rng.uniform(6...20), shade: rng.uniform(0.6...1.2)),
                                           at: SynthPoint2(x: side * (rng.uniform(7...10) + 4), y: y + w / 2),
                                           facing: side > 0 ? 270 : 90, name: "building"))
                y += w + rng.uniform(0...3)
            }
        }

        let lighting = SynthLighting(sunAzimuth: rng.uniform(0...360), sunElevation: rng.uniform(15...70),
                                     sunStrength: rng.chance(0.3) ? rng.uniform(0...0.2) : rng.uniform(0.4...0.9),
                                     ambient: rng.uniform(0.4...0.7), exposure: rng.uniform(0.7...1.25),
                                     hazeDistance: rng.uniform(30...120))
        let effects = SynthEffects(noise: rng.uniform(0...6), horizontalBlur: rng.chance(0.2) ? rng.int(2...4) : 0,
                                   verticalBlur: rng.chance(0.15) ? rng.int(2...3) : 0, vignette: rng.uniform(0...0.3),
                                   jpegQuality: rng.chance(0.5) ? rng.int(40...95) : 0)
        return SynthScene(camera: cam, ground: layout, groundBounds: [-7, -3, 7, 40], texel: texel,
                          objects: objects, lighting: lighting, effects: effects, seed: seed)
    }

    /// A random camera shake for a still image.
    public static func shake(seed: UInt64) -> CameraShake {
        var rng = SynthRandom(seed: seed, stream: 2)
        return CameraShake(pitch: rng.normal(sigma: 1.5), yaw: rng.normal(sigma: 2), lift: rng.normal(sigma: 0.03))
    }

    /// Renders the random scene of `seed`: the frame and its scene.
    ///
    /// - Parameter groundPhotos: Photographs of ground surfaces; when given, about half of the
    ///   scenes use one of them (chosen by the seed) instead of a procedural material.
    public static func render(seed: UInt64, camera: CameraModel, texel: Double = 0.01,
                              groundPhotos: [GroundPhoto] = []) -> (frame: SynthFrame, scene: SynthScene) {
        let scene = scene(seed: seed, camera: camera, texel: texel)
        var rng = SynthRandom(seed: seed, stream: 5)
        let photo = !groundPhotos.isEmpty && rng.chance(0.5) ? groundPhotos[rng.int(0...(groundPhotos.count - 1))] : nil
        let renderer = SynthRenderer(scene: scene, groundPhoto: photo)
        return (renderer.render(pose: WalkerPose(), shake: shake(seed: seed), frameSeed: seed), scene)
    }
}
