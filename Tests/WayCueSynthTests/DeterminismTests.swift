import Testing
import WayCueImage
@testable import WayCueSynth

private let smallCamera = CameraModel(imageWidth: 160, imageHeight: 120, horizontalFOVDegrees: 70, height: 1.3,
                                      pitchDegrees: 15)

@Suite struct DeterminismTests {
    @Test func sameSeedGivesSameBytesAndLabels() {
        for seed: UInt64 in [1, 2, 99] {
            let a = SynthSceneGenerator.render(seed: seed, camera: smallCamera, texel: 0.03)
            let b = SynthSceneGenerator.render(seed: seed, camera: smallCamera, texel: 0.03)
            #expect(a.frame.image.pixels == b.frame.image.pixels)
            #expect(a.frame.labels == b.frame.labels)
            #expect(a.frame.ids == b.frame.ids)
        }
    }

    @Test func differentSeedsGiveDifferentBytes() {
        let a = SynthSceneGenerator.render(seed: 1, camera: smallCamera, texel: 0.03)
        let b = SynthSceneGenerator.render(seed: 2, camera: smallCamera, texel: 0.03)
        #expect(a.frame.image.pixels != b.frame.image.pixels)
    }

    @Test func randomGeneratorIsReproducibleAndSpread() {
        var a = SynthRandom(seed: 5), b = SynthRandom(seed: 5)
        var sum = 0.0
        for _ in 0..<1000 {
            let x = a.unit()
            #expect(x == b.unit())
            #expect(x >= 0 && x < 1)
            sum += x
        }
        #expect(abs(sum / 1000 - 0.5) < 0.05)
        var c = SynthRandom(seed: 6)
        #expect(SynthRandom(seed: 5).state != c.state || c.next() != SynthRandom(seed: 5).state)
    }

    @Test func walkFramesAreReproducible() throws {
        let text = """
            seed 3
            paving straight 6m
            obstacle cone at x=0.5 y=4
            noise 3
            """
        let s = try WalkScript(parsing: text)
        let w1 = WalkWorld(script: s, imageWidth: 96, imageHeight: 72, minimumTexel: 0.04)
        let w2 = WalkWorld(script: s, imageWidth: 96, imageHeight: 72, minimumTexel: 0.04)
        let (f1, t1) = w1.frame(index: 7, fps: 5)
        let (f2, t2) = w2.frame(index: 7, fps: 5)
        #expect(f1.image.pixels == f2.image.pixels)
        #expect(t1 == t2)
        // Noise differs between frames even at a standstill-free moment.
        let (f3, _) = w1.frame(index: 8, fps: 5)
        #expect(f3.image.pixels != f1.image.pixels)
    }

    @Test func classesAreTheCanonicalTaxonomy() {
        #expect(SynthClass.canonicalNames == [
            "tactile_guide", "tactile_warning", "crosswalk", "ped_red", "ped_green", "vehicle_red",
            "vehicle_yellow", "vehicle_green", "person", "bicycle", "car", "pole", "bollard", "cone", "stairs",
        ])
        #expect(SynthClass.cone.index == 13)
    }
}
