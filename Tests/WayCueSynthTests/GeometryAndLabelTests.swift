import Foundation
import Testing
import WayCueImage
@testable import WayCueSynth

private let camera = CameraModel(imageWidth: 160, imageHeight: 120, horizontalFOVDegrees: 70, height: 1.3,
                                 pitchDegrees: 15)

/// A plain scene: flat sidewalk, no sun (no shadows), no effects.
private func plainScene(objects: [SynthObject] = [], layout: GroundLayout = GroundLayout()) -> SynthScene {
    SynthScene(camera: camera, ground: layout, groundBounds: [-4, -1, 4, 20], texel: 0.02, objects: objects,
               lighting: SynthLighting(sunStrength: 0), effects: SynthEffects(), seed: 4)
}

/// Bounding box of the projections of every mesh vertex of an object.
private func projectedBounds(_ o: SynthObject, view: SynthView) -> (Double, Double, Double, Double) {
    var b = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
    for face in SynthMesh.faces(of: o, sprites: SpriteCache()) {
        for p in face.points {
            guard let (u, v) = view.project(p) else { continue }
            b = (min(b.0, u), min(b.1, v), max(b.2, u), max(b.3, v))
        }
    }
    return b
}

@Suite struct GeometryAndLabelTests {
    @Test func viewProjectionMatchesCameraModel() {
        let view = SynthView(camera: camera, pose: WalkerPose())
        for (x, y, z) in [(0.0, 5.0, 0.0), (1.2, 3.0, 0.5), (-2, 10, 2.5), (0.3, 1.8, 0)] {
            let a = view.project(SynthPoint3(x: x, y: y, z: z))!
            let b = camera.project(x: x, y: y, z: z)!
            #expect(abs(a.0 - b.u) < 1e-9 && abs(a.1 - b.v) < 1e-9)
        }
        // A turned walker sees a point ahead of it where an unturned one sees it ahead.
        let turned = SynthView(camera: camera, pose: WalkerPose(x: 1, y: 1, heading: 90))
        let p = turned.project(SynthPoint3(x: 6, y: 1, z: 0))!
        let q = camera.project(x: 0, y: 5, z: 0)!
        #expect(abs(p.0 - q.u) < 1e-9 && abs(p.1 - q.v) < 1e-9)
    }

    @Test func homographyMapsTheUnitSquareToTheQuad() throws {
        let q: [(Double, Double)] = [(10, 12), (50, 8), (60, 70), (5, 60)]
        let h = try #require(Homography.squareToQuad(q))
        for (i, (s, t)) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)].enumerated() {
            let (x, y) = h.apply(s, t)
            #expect(abs(x - q[i].0) < 1e-9 && abs(y - q[i].1) < 1e-9)
        }
        let inv = try #require(h.inverse())
        let (s, t) = inv.apply(h.apply(0.3, 0.7).0, h.apply(0.3, 0.7).1)
        #expect(abs(s - 0.3) < 1e-9 && abs(t - 0.7) < 1e-9)
    }

    @Test(arguments: [
        SynthObject(.cone(height: 0.7), at: SynthPoint2(x: 0.4, y: 4)),
        SynthObject(.cone(height: 0.5), at: SynthPoint2(x: -1.2, y: 7)),
        SynthObject(.bollard(height: 0.9, radius: 0.1), at: SynthPoint2(x: 1.0, y: 5)),
        SynthObject(.pedestrianSignal(state: .red, countdown: nil, elevation: 1.6), at: SynthPoint2(x: 0.2, y: 8)),
        SynthObject(.vehicleSignal(state: .green, elevation: 1.8), at: SynthPoint2(x: -0.8, y: 9)),
        SynthObject(.person(height: 1.75, clothes: 3), at: SynthPoint2(x: 0.5, y: 6), facing: 160),
    ])
    func labelBoxIsTightAroundTheProjectedSilhouette(object: SynthObject) throws {
        let scene = plainScene(objects: [object])
        let frame = SynthRenderer(scene: scene).render(pose: WalkerPose())
        let label = try #require(frame.labels.first { $0.objectIndex == 0 })
        #expect(label.objectClass == object.kind.labelClass)
        let b = projectedBounds(object, view: SynthView(camera: camera, pose: WalkerPose()))
        // The box holds the continuous silhouette (to within half a pixel at thin tips)...
        #expect(Double(label.box.x1) <= b.0 + 0.5)
        #expect(Double(label.box.y1) <= b.1 + 0.5)
        #expect(Double(label.box.x2) >= b.2 - 0.5)
        #expect(Double(label.box.y2) >= b.3 - 0.5)
        // ...and is tight: no edge more than a pixel outside it.
        #expect(Double(label.box.x1) >= b.0 - 1)
        #expect(Double(label.box.y1) >= b.1 - 1)
        #expect(Double(label.box.x2) <= b.2 + 1)
        #expect(Double(label.box.y2) <= b.3 + 1)
        // And every labelled pixel of the object is inside its box.
        for y in 0..<frame.image.height { for x in 0..<frame.image.width
            where Int(frame.ids[y * frame.image.width + x]) == SynthFrame.objectIdBase {
            #expect(Float(x) >= label.box.x1 && Float(x) < label.box.x2 && Float(y) >= label.box.y1 && Float(y) < label.box.y2)
        } }
    }

    @Test func nearerObjectOccludesFartherOne() throws {
        let far = SynthObject(.cone(height: 0.7), at: SynthPoint2(x: 0, y: 6))
        let near = SynthObject(.bollard(height: 1.2, radius: 0.25), at: SynthPoint2(x: 0, y: 3))
        let alone = SynthRenderer(scene: plainScene(objects: [far])).render(pose: WalkerPose())
        let both = SynthRenderer(scene: plainScene(objects: [far, near])).render(pose: WalkerPose())
        let a = try #require(alone.labels.first { $0.objectIndex == 0 })
        let hidden = both.labels.first { $0.objectIndex == 0 }
        #expect(hidden == nil || hidden!.pixels < a.pixels)
    }

    @Test func signalSeenFromBehindIsNotLabelledWithItsState() {
        let head = SynthObject(.pedestrianSignal(state: .green, countdown: 9, elevation: 1.6), at: SynthPoint2(x: 0, y: 6),
                               facing: 0)
        let frame = SynthRenderer(scene: plainScene(objects: [head])).render(pose: WalkerPose())
        #expect(!frame.labels.contains { $0.objectClass == .pedGreen })
        let facing = SynthObject(.pedestrianSignal(state: .green, countdown: 9, elevation: 1.6), at: SynthPoint2(x: 0, y: 6))
        let f2 = SynthRenderer(scene: plainScene(objects: [facing])).render(pose: WalkerPose())
        #expect(f2.labels.contains { $0.objectClass == .pedGreen })
    }

    @Test func pavingAndCrosswalkMasksAreWhereTheyAreDrawn() throws {
        var path = SynthPath(start: SynthPoint2(x: 0, y: -1), heading: 0)
        path.straight(6)
        let layout = GroundLayout(strips: [GuideStrip(path: path, width: 0.6)],
                                  crossings: [ZebraCrossing(kerb: SynthPoint2(x: 0, y: 8), heading: 0, roadWidth: 6, width: 4, wear: 0)])
        let frame = SynthRenderer(scene: plainScene(layout: layout)).render(pose: WalkerPose())
        let mask = frame.markingMask()
        func maskAt(_ x: Double, _ y: Double) -> UInt8 {
            let (u, v) = camera.project(x: x, y: y, z: 0)!
            return mask.pixels[Int(v) * mask.width + Int(u)]
        }
        #expect(maskAt(0, 3) == UInt8(SynthClass.tactileGuide.index + 1))
        #expect(maskAt(1.5, 3) == 0)
        // Stripe centres: -2 + 0.25, gaps: -2 + 0.75.
        #expect(maskAt(-1.75, 10) == UInt8(SynthClass.crosswalk.index + 1))
        #expect(maskAt(-1.25, 10) == 0)
        let guide = try #require(frame.labels.first { $0.objectClass == .tactileGuide })
        // The strip ends 5 m ahead: the box top is where that edge projects.
        let top = camera.project(x: 0, y: 5, z: 0)!.v
        #expect(abs(Double(guide.box.y1) - top) <= 1.5)
        #expect(guide.box.y2 == Float(camera.imageHeight))
        #expect(frame.labels.contains { $0.objectClass == .crosswalk })
    }

    @Test func yoloLinesAreNormalised() {
        let l = SynthLabel(objectClass: .cone, box: Box(x1: 16, y1: 12, x2: 48, y2: 36), pixels: 100, objectIndex: 0)
        #expect(l.yoloLine(imageWidth: 160, imageHeight: 120) == "13 0.200000 0.200000 0.200000 0.200000")
    }

    @Test func pathPiecesAgreeWithLocalCoordinates() {
        var path = SynthPath(start: SynthPoint2(x: 0, y: 0), heading: 0)
        path.straight(3)
        path.bend(-40, over: 5)
        path.bend(60, over: 4)
        for s in stride(from: 0.1, to: path.length, by: 0.7) {
            let (p, h) = path.pose(at: s)
            let hr = h * .pi / 180
            let off = SynthPoint2(x: p.x + cos(hr) * 0.2, y: p.y - sin(hr) * 0.2)
            let n = path.nearest(to: off)!
            #expect(abs(n.s - s) < 1e-6)
            #expect(abs(n.offset - 0.2) < 1e-6)
            #expect(abs(wrapDegrees(n.heading - h)) < 1e-6)
        }
        #expect(abs(path.end.1 - 20) < 1e-9)
    }
}

@Suite struct ImageTruthTests {
    @Test func distanceAndBearingFollowTheWalkerConventions() throws {
        let camera = CameraModel(imageWidth: 160, imageHeight: 120, horizontalFOVDegrees: 70, height: 1.3, pitchDegrees: 15)
        var path = SynthPath(start: SynthPoint2(x: 0.4, y: -1), heading: -10)
        path.straight(8)
        let scene = SynthScene(camera: camera, ground: GroundLayout(strips: [GuideStrip(path: path)]),
                               groundBounds: [-4, -1, 4, 20], texel: 0.05,
                               objects: [SynthObject(.cone(height: 0.7), at: SynthPoint2(x: 1, y: 5), name: "c"),
                                         SynthObject(.pedestrianSignal(state: .red, countdown: nil, elevation: 2.2),
                                                     at: SynthPoint2(x: -1, y: 9), name: "p")],
                               lighting: SynthLighting(sunStrength: 0), seed: 1)
        let frame = SynthRenderer(scene: scene).render(pose: WalkerPose())
        let truth = SynthImageTruth(scene: scene, frame: frame)
        let cone = try #require(truth.obstacles.first)
        #expect(abs(cone.distance - (26.0).squareRoot()) < 1e-3)
        #expect(abs(cone.bearing - atan(1.0 / 5) * 180 / .pi) < 1e-3)
        #expect(cone.visible)
        let light = try #require(truth.lights.first)
        #expect(light.bearing < 0 && light.lit == "red" && light.objectClass == "ped_red")
        // The paving starts 0.4 m right, 1 m behind the walker and leads 10 degrees to the
        // left: its centre line passes 0.4 - tan(10 deg) = 0.22 m right, 0.22 cos(10 deg) away.
        let paving = try #require(truth.paving)
        #expect(abs(paving.heading + 10) < 1e-6)
        #expect(abs(paving.offset - (0.4 - tan(10 * Double.pi / 180)) * cos(10 * Double.pi / 180)) < 1e-3)
    }
}
