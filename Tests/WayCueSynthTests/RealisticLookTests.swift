import Foundation
import Testing
import WayCueImage
@testable import WayCueSynth

private let cam = CameraModel(imageWidth: 160, imageHeight: 120, horizontalFOVDegrees: 70, height: 1.4, pitchDegrees: 20)

@Suite struct RealisticLookTests {
    @Test func sameSeedGivesSameBytes() {
        for seed: UInt64 in [3, 17] {
            let a = SynthSceneGenerator.renderRealistic(seed: seed, camera: cam, texel: 0.03)
            let b = SynthSceneGenerator.renderRealistic(seed: seed, camera: cam, texel: 0.03)
            #expect(a.frame.image.pixels == b.frame.image.pixels)
            #expect(a.frame.ids == b.frame.ids)
            #expect(a.frame.labels == b.frame.labels)
            #expect(a.scene == b.scene)
        }
        let c = SynthSceneGenerator.renderRealistic(seed: 3, camera: cam, materials: .unseen, texel: 0.03)
        let d = SynthSceneGenerator.renderRealistic(seed: 3, camera: cam, texel: 0.03)
        #expect(c.frame.image.pixels != d.frame.image.pixels)
    }

    /// The default look neither draws nor encodes anything new (the command's default output was
    /// also compared byte for byte with main's binary when this was written).
    @Test func defaultLookIsUntouched() throws {
        for seed: UInt64 in [1, 2, 3, 4, 5, 6] {
            let s = SynthSceneGenerator.scene(seed: seed, camera: cam, texel: 0.03)
            #expect(s.ground.realistic == nil)
            #expect(s.ground.strips.allSatisfy { $0.material == nil && $0.photoTiles == nil })
            #expect(s.ground.patches.allSatisfy { $0.material == nil })
            let json = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
            #expect(!json.contains("\"realistic\"") && !json.contains("photoTiles"))
            // (The layout's own ground `material` key is old; strips and patches must not gain one.)
            let paving = String(decoding: try JSONEncoder().encode(s.ground.strips), as: UTF8.self)
                + String(decoding: try JSONEncoder().encode(s.ground.patches), as: UTF8.self)
            #expect(!paving.contains("\"material\""))
        }
        let walk = try WalkScript(parsing: "seed 3\npaving style grey wear 0.5\npaving straight 6m\npaving warning 0.6m\n")
        #expect(walk.pavingMaterial == nil && walk.realistic == nil)
        let w = WalkWorld(script: walk, imageWidth: 64, imageHeight: 48, minimumTexel: 0.05)
        #expect(w.renderer.scene.ground.realistic == nil)
        #expect(w.renderer.scene.ground.strips.allSatisfy { $0.material == nil })
    }

    /// The distance to the next warning tiles follows the walker along the route: ahead, 0 on
    /// them, kept for `behind` metres after, then the next tiles (a crossing's two kerb bands)
    /// or nil.
    @Test func warningTilesDistanceFollowsTheWalker() throws {
        let walk = try WalkScript(parsing: """
            seed 3
            walker speed 1.0
            paving straight 6m
            paving warning 0.6m
            paving straight 10m
            """)
        let w = WalkWorld(script: walk, imageWidth: 64, imageHeight: 48, minimumTexel: 0.05)
        #expect(abs((w.warningTilesDistance(at: 0) ?? -1) - 6) < 0.05)
        #expect(abs((w.warningTilesDistance(at: 4) ?? -1) - 2) < 0.05)
        #expect(w.warningTilesDistance(at: 6.3) == 0)
        #expect(w.warningTilesDistance(at: 7.5) == 0)    // 0.9 m past the tiles: still within 1.5 m
        #expect(w.warningTilesDistance(at: 9) == nil)     // 2.4 m past, nothing further on
        #expect(w.warningTilesDistance(at: 9, behind: 3) == 0)
    }

    /// Ground ids are set exactly on the strip's and pad's footprint; the cycle lane, shadows,
    /// leaves and cracks never get an id.
    @Test func groundMasksAreExact() {
        var path = SynthPath(start: SynthPoint2(x: 0, y: 0), heading: 0)
        path.straight(6)
        var strip = GuideStrip(path: path, width: 0.3, wear: 0.5)
        strip.material = PavingMaterial.trainCatalogue[2]
        var pad = WarningPatch(origin: SynthPoint2(x: 0, y: 6), heading: 0, depth: 0.6, width: 0.6)
        pad.material = PavingMaterial.trainCatalogue[2]
        var layout = GroundLayout(strips: [strip], patches: [pad])
        var real = RealisticGround(surround: .herringbone, surroundColors: [SynthColor(150, 74, 56)], seed: 9)
        real.cycleLanes = [CycleLane(centerX: 1.2, width: 1.0, color: SynthColor(52, 96, 168))]
        real.shadows = [CastShadow(caster: .tree, origin: SynthPoint2(x: 0.5, y: 3), size: 1.5, darkness: 0.5)]
        real.leafDensity = 20; real.crackDensity = 4; real.wetness = 0.6; real.replacedTiles = 0.2
        layout.realistic = real
        let texel = 0.02
        let map = GroundMap.build(layout, bounds: (-3, -1, 3, 9), texel: texel, seed: 4)
        var bad = 0, guide = 0, laneTexels = 0
        for ty in 0..<map.height {
            for tx in 0..<map.width {
                let x = map.originX + (Double(tx) + 0.5) * texel, y = map.originY + (Double(ty) + 0.5) * texel
                let id = map.ids[ty * map.width + tx]
                let inPad = abs(x) <= 0.3 && y >= 6 && y <= 6.6
                let inStrip = abs(x) <= 0.15 && y >= 0 && y <= 6
                let cls = map.componentClass(id)
                if inPad { if cls != .tactileWarning { bad += 1 } }
                else if inStrip { if cls != .tactileGuide { bad += 1 }; guide += 1 }
                else if id != 0 { bad += 1 }
                if abs(x - 1.2) < 0.5 { laneTexels += 1; if id != 0 { bad += 1 } }
            }
        }
        #expect(bad == 0)
        #expect(guide > 1000)
        #expect(laneTexels > 1000)
    }

    /// A frame with only a cycle lane in view has an empty mask, though the lane is painted.
    @Test func cycleLaneIsNeverLabelled() {
        var layout = GroundLayout()
        layout.realistic = RealisticGround(surround: .slabs, surroundColors: [SynthColor(160, 156, 150)],
                                           cycleLanes: [CycleLane(centerX: 0, width: 2, color: SynthColor(178, 64, 50))])
        let scene = SynthScene(camera: cam, ground: layout, groundBounds: [-4, -1, 4, 20], texel: 0.03,
                               lighting: SynthLighting(sunStrength: 0), seed: 2)
        let frame = SynthRenderer(scene: scene).render(pose: WalkerPose())
        #expect(frame.markingMask().pixels.allSatisfy { $0 == 0 })
        #expect(frame.labels.isEmpty)
        // The bottom-centre pixel shows red paint.
        let o = frame.image.offset(x: 80, y: 115)
        #expect(frame.image.pixels[o] > frame.image.pixels[o + 2] + 30)
    }

    @Test func trainAndUnseenAreDisjoint() {
        let train = PavingMaterial.catalogue(.train), unseen = PavingMaterial.catalogue(.unseen)
        #expect(Set(train.map(\.name)).isDisjoint(with: unseen.map(\.name)))
        for a in train { for b in unseen {
            let d = abs(a.base.r - b.base.r) + abs(a.base.g - b.base.g) + abs(a.base.b - b.base.b)
            #expect(d > 20, "\(a.name) and \(b.name) look alike")
        } }
        #expect(Set(SurroundPattern.patterns(.train)).isDisjoint(with: SurroundPattern.patterns(.unseen)))
        #expect(Set(CycleLane.colors(.train)).isDisjoint(with: CycleLane.colors(.unseen)))
        let trainSeeds = Set((0..<2000).map { SynthSceneGenerator.imageSeed(setSeed: 1, index: $0, materials: .train) })
        let unseenSeeds = Set((0..<2000).map { SynthSceneGenerator.imageSeed(setSeed: 1, index: $0, materials: .unseen) })
        #expect(trainSeeds.isDisjoint(with: unseenSeeds))
        #expect(unseenSeeds.count == 2000)
        // Scenes draw only from their own half.
        for i in 0..<30 {
            let u = SynthSceneGenerator.realisticScene(seed: SynthSceneGenerator.imageSeed(setSeed: 2, index: i, materials: .unseen),
                                                       camera: cam, materials: .unseen, texel: 0.05)
            let t = SynthSceneGenerator.realisticScene(seed: SynthSceneGenerator.imageSeed(setSeed: 2, index: i, materials: .train),
                                                       camera: cam, materials: .train, texel: 0.05)
            for s in u.ground.strips { #expect(unseen.contains { $0.name == s.material?.name }) }
            for s in t.ground.strips { #expect(train.contains { $0.name == s.material?.name }) }
            #expect(SurroundPattern.patterns(.unseen).contains(u.ground.realistic!.surround!))
            #expect(SurroundPattern.patterns(.train).contains(t.ground.realistic!.surround!))
            #expect((1.2...1.7).contains(t.camera.height))
            #expect(t.effects.jpegQuality >= 35)
        }
        // Tile photos split by file-name hash, both halves used.
        let names = (0..<200).map { "tile-\($0).jpg" }
        let held = names.filter { TilePhotoSet.isHeldOut(fileName: $0) }.count
        #expect(held > 20 && held < 80)
    }

    /// Random colours keep away from every held-out colour, are drawn from their own stream
    /// (at 0 the scene is unchanged; the unseen split ignores them) and are repeatable.
    @Test func randomColoursAvoidTheHeldOutSplit() {
        let avoid = PavingMaterial.unseenColours
        var randomised = 0
        for i in 0..<40 {
            let seed = SynthSceneGenerator.imageSeed(setSeed: 3, index: i, materials: .train)
            let plain = SynthSceneGenerator.realisticScene(seed: seed, camera: cam, texel: 0.05)
            #expect(SynthSceneGenerator.realisticScene(seed: seed, camera: cam, texel: 0.05, randomColours: 0) == plain)
            let r = SynthSceneGenerator.realisticScene(seed: seed, camera: cam, texel: 0.05, randomColours: 1)
            #expect(r == SynthSceneGenerator.realisticScene(seed: seed, camera: cam, texel: 0.05, randomColours: 1))
            // Only colours change: the layout is the plain scene's.
            #expect(r.ground.strips.map(\.path) == plain.ground.strips.map(\.path))
            #expect(r.camera == plain.camera)
            for s in r.ground.strips {
                guard let m = s.material else { continue }
                randomised += 1
                #expect(m.name.hasPrefix("random-"))
                for c in [m.base, m.relief] {
                    #expect(avoid.allSatisfy { $0.distance(to: c) >= 40 }, "\(m.name) is near a held-out colour")
                }
            }
            // The second surround colour is the first darkened, so the first is the one drawn.
            if let main = r.ground.realistic?.surroundColors.first {
                #expect(avoid.allSatisfy { $0.distance(to: main) >= 40 })
            }
            let u = SynthSceneGenerator.realisticScene(seed: SynthSceneGenerator.imageSeed(setSeed: 3, index: i, materials: .unseen),
                                                       camera: cam, materials: .unseen, texel: 0.05, randomColours: 1)
            for s in u.ground.strips { #expect(PavingMaterial.catalogue(.unseen).contains { $0.name == s.material?.name }) }
        }
        #expect(randomised > 10)
        // HSV corners.
        let red = SynthColor.hsv(hue: 0, saturation: 1, value: 1), grey = SynthColor.hsv(hue: 200, saturation: 0, value: 0.5)
        #expect(red == SynthColor(255, 0, 0))
        #expect(grey.r == grey.g && grey.g == grey.b && abs(grey.r - 127.5) < 0.01)
    }

    @Test func rollKeepsIdsAndLabelsTogether() {
        let (frame, _) = SynthSceneGenerator.renderRealistic(seed: 11, camera: cam, texel: 0.03)
        let r = frame.rolled(degrees: 4)
        #expect(r.ids.count == frame.ids.count)
        for l in r.labels {
            #expect(l.box.x1 >= 0 && l.box.x2 <= 160 && l.box.y1 >= 0 && l.box.y2 <= 120)
            #expect(l.pixels >= SynthRenderer.minimumLabelPixels)
        }
        let still = frame.rolled(degrees: 0)
        #expect(still.ids == frame.ids)
    }

    @Test func walkSyntaxForMaterialsBranchesAndSurround() throws {
        let text = """
            seed 4
            ground herringbone
            paving style material grey-concrete wear 0.6
            clutter leaves 3 cracks 1 wet 0.2
            cyclelane right blue at 1m width 1.5m
            shadow tree at x=-2 y=5 size 2
            paving straight 4m
            paving branch left 3m
            paving straight 3m
            paving warning 0.6m
            """
        let s = try WalkScript(parsing: text)
        #expect(s.pavingMaterial == "grey-concrete")
        #expect(s.realistic?.surround == .herringbone)
        #expect(s.realistic?.cycleLanes.count == 1)
        #expect(s.route.contains(.branch(degrees: -90, length: 3)))
        let w = WalkWorld(script: s, imageWidth: 96, imageHeight: 72, minimumTexel: 0.04)
        #expect(w.renderer.scene.ground.strips.count == 2)
        #expect(w.renderer.scene.ground.patches.count == 2)
        #expect(w.renderer.scene.ground.strips.allSatisfy { $0.material?.name == "grey-concrete" })
        let (f1, _) = w.frame(index: 2, fps: 5)
        let (f2, _) = WalkWorld(script: s, imageWidth: 96, imageHeight: 72, minimumTexel: 0.04).frame(index: 2, fps: 5)
        #expect(f1.image.pixels == f2.image.pixels)
        #expect(f1.markingMask().pixels.contains(1))
        #expect(throws: WalkScriptError.self) { try WalkScript(parsing: "paving style material plastic\npaving straight 2m") }
    }

    @Test func bundledBranchWalkParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/walks/paving-branch-grey.walk")
        let s = try WalkScript(parsing: String(contentsOf: url, encoding: .utf8), source: "paving-branch-grey.walk")
        #expect(s.pavingMaterial == "grey-concrete")
        #expect(s.route.contains { if case .branch = $0 { return true }; return false })
    }
}
