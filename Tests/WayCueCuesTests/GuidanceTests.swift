import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// Guidance details: crossing, paving drift from boxes alone, and hysteresis against flicker.
struct GuidanceTests {
    func t(_ i: Int) -> Double { Double(i) / 10 }

    @Test func whileCrossingDriftingIsCorrected() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...60 {
            // The crosswalk reaches the bottom of the image and its far edge comes closer (the
            // walker is crossing); from 3 s the walker veers right, so the crosswalk's centre
            // moves to the left of the image.
            let bearing = i < 30 ? 0.0 : -16.0
            let cx = Float(Scene.column(bearing: bearing))
            let top = Float(200 + 2 * i)
            cues += try engine.feed([Scene.det(.crosswalk, 0.9, Box(x1: cx - 250, y1: top, x2: cx + 250, y2: 480))], at: t(i))
        }
        // Seen first from its start: ahead, until the far edge has come 1.5 m closer.
        #expect(cues.map(\.text) == ["Crosswalk ahead", "On the crosswalk, keep straight", "Drifting, bear left"])
        #expect(engine.isOnCrosswalk)
        // Leaving the crosswalk (it disappears after 2 s or more on it) ends the crossing.
        var end: [Cue] = []
        for i in 61...80 { end += try engine.feed([], at: t(i)) }
        #expect(end.map(\.text) == ["End of crosswalk"])
    }

    @Test func pavingDriftFromBoxesAlone() throws {
        // No mask: the strip (starting a little to the left) slides right at 0.4 m/s while walking at 1 m/s,
        // a heading of about 22 degrees to the right.
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...40 {
            let x = i < 10 ? -0.3 : -0.3 + 0.04 * Double(i - 10)
            let b = try #require(Scene.groundBox(x: x, y: 1.2, width: 0.4, height: 0))
            cues += try engine.feed([Scene.det(.tactileGuide, 0.85, Box(x1: b.x1, y1: 250, x2: b.x2, y2: 480))], at: t(i))
        }
        #expect(cues.map(\.text).prefix(2) == ["Paving ahead", "Paving drifts right"])
    }

    @Test func flickeringObstacleDoesNotChatter() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        let box = try #require(Scene.groundBox(x: 1.2, y: 2.0, width: 0.2, height: 2.5))
        var g = SeededGenerator(seed: 5)
        for i in 0...40 {
            let dets = g.chance(0.5) ? [Scene.det(.pole, Float(g.uniform(0.4, 0.9)), box)] : []
            cues += try engine.feed(dets, at: t(i))
        }
        #expect(cues.count == 1)
        #expect(cues.first?.text == "pole, 1 o'clock, 2 metres")
    }

    @Test func aSingleFrameFalsePositiveSaysNothing() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...30 {
            var dets: [Detection] = []
            if i == 10 { dets.append(Scene.det(.person, 0.9, try #require(Scene.groundBox(x: 0, y: 1.5, width: 0.5, height: 1.7)))) }
            if i == 20 { dets.append(Scene.det(.pedGreen, 0.95, Scene.headBox(bearing: 0, size: 30))) }
            cues += try engine.feed(dets, at: t(i))
        }
        #expect(cues.isEmpty)
    }
}
