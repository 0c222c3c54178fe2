import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

struct TrackingGeometryTests {
    @Test func clockPositions() {
        #expect(CameraModel.clockPosition(bearingDegrees: 0) == 12)
        #expect(CameraModel.clockPosition(bearingDegrees: 31) == 1)
        #expect(CameraModel.clockPosition(bearingDegrees: -31) == 11)
        #expect(CameraModel.clockPosition(bearingDegrees: 60) == 2)
        #expect(CameraModel.clockPosition(bearingDegrees: -95) == 9)
        #expect(CameraModel.clockPosition(bearingDegrees: 170) == 3)
        #expect(CameraModel.clockPosition(bearingDegrees: .nan) == 12)
    }

    @Test func groundDistanceWidthAndTimeToContact() throws {
        let engine = Scene.engine()
        for i in 0...10 {
            let y = 5.0 - 1.0 * Double(i) / 10
            let box = try #require(Scene.groundBox(x: 0.5, y: y, width: 0.4, height: 1.7))
            try engine.feed([Scene.det(.person, 0.9, box)], at: Double(i) / 10)
        }
        let track = try #require(engine.tracker.tracks.first)
        let g = try #require(engine.geometry(of: track, now: 1.0))
        #expect(abs(g.distance - 4.0) < 0.15, "distance \(g.distance)")
        #expect(abs(g.lateral - 0.5) < 0.05)
        #expect(abs(g.width - 0.4) < 0.05, "width \(g.width)")
        #expect(abs(g.approachSpeed - 1.0) < 0.2, "speed \(g.approachSpeed)")
        #expect(g.timeToContact.map { abs($0 - 4.0) < 0.8 } == true)
        #expect(g.inCorridor)
    }

    @Test func tracksKeepIdsThroughCrossingsAndShortDropouts() {
        var tracker = Tracker()
        var idA: Int?, idB: Int?
        for i in 0..<30 {
            let t = Double(i) / 10
            // Two people walking towards each other, one frame missing every 7.
            let a = Box(centerX: Float(100 + 12 * i), centerY: 300, width: 60, height: 160)
            let b = Box(centerX: Float(460 - 12 * i), centerY: 310, width: 60, height: 160)
            let dets = i % 7 == 3 ? [] : [Scene.det(.person, 0.9, a), Scene.det(.person, 0.9, b)]
            tracker.update(dets, at: t)
            let ta = tracker.tracks.min { abs($0.box.centerX - a.centerX) < abs($1.box.centerX - a.centerX) }
            let tb = tracker.tracks.min { abs($0.box.centerX - b.centerX) < abs($1.box.centerX - b.centerX) }
            if i == 0 { idA = ta?.id; idB = tb?.id }
            if i < 12 || i > 18 {  // away from the moment they overlap
                #expect(ta?.id == idA && tb?.id == idB, "frame \(i)")
            }
        }
        #expect(tracker.tracks.count == 2)
        #expect(tracker.tracks.allSatisfy { $0.hits >= 20 })
    }

    @Test func tracksAreForgottenAfterTheMissMemory() {
        var tracker = Tracker()
        let box = Box(x1: 100, y1: 100, x2: 150, y2: 200)
        tracker.update([Scene.det(.pole, 0.9, box)], at: 0)
        tracker.update([], at: 0.5)
        #expect(tracker.tracks.count == 1)
        tracker.update([], at: 0.7)
        #expect(tracker.tracks.isEmpty)
        tracker.update([Scene.det(.pole, 0.9, box)], at: 0.8)
        #expect(tracker.tracks.first?.id == 2)
    }

    @Test func pedestrianHeadKeepsItsTrackWhenItChangesColour() {
        var tracker = Tracker()
        let box = Scene.headBox(bearing: 0, size: 30)
        tracker.update([Scene.det(.pedRed, 0.9, box)], at: 0)
        tracker.update([Scene.det(.pedGreen, 0.9, box)], at: 0.1)
        tracker.update([Scene.det(.vehicleGreen, 0.9, box)], at: 0.2)
        let peds = tracker.tracks.filter { $0.group == .pedestrianSignal }
        #expect(peds.count == 1 && peds[0].hits == 2)
        #expect(peds[0].maxScore(of: .pedRed, since: 0) == 0.9)
        #expect(tracker.tracks.count == 2)  // the vehicle light is a track of its own
    }
}
