import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// Masks drawn from shapes on the ground: each mask cell is covered when the ground point
/// under its centre lies in the shape, as a mask head's 1/8-resolution output would be.
enum GroundMask {
    /// A piece of strip: the segment from `a` to `b` (metres, x right, y ahead), `width` wide.
    struct Segment { var a: (x: Double, y: Double); var b: (x: Double, y: Double); var width: Double = 0.3 }

    static func contains(_ s: Segment, _ p: (x: Double, y: Double)) -> Bool {
        let dx = s.b.x - s.a.x, dy = s.b.y - s.a.y
        let len2 = dx * dx + dy * dy
        let t = max(0, min(1, ((p.x - s.a.x) * dx + (p.y - s.a.y) * dy) / len2))
        let cx = s.a.x + t * dx - p.x, cy = s.a.y + t * dy - p.y
        // Square ends: only points beside the segment, not around its end points.
        let along = ((p.x - s.a.x) * dx + (p.y - s.a.y) * dy) / len2
        return along >= 0 && along <= 1 && (cx * cx + cy * cy).squareRoot() <= s.width / 2
    }

    /// An arc of strip turning `degrees` (positive right) over `length` metres from `start`
    /// heading straight ahead, as short segments.
    static func arc(from start: (x: Double, y: Double), heading: Double = 0, degrees: Double, length: Double,
                    width: Double = 0.3) -> [Segment] {
        var out: [Segment] = []
        var p = start, h = heading * .pi / 180
        let n = 20
        for _ in 0..<n {
            h += degrees * .pi / 180 / Double(n)
            let q = (x: p.x + sin(h) * length / Double(n), y: p.y + cos(h) * length / Double(n))
            out.append(Segment(a: p, b: q, width: width))
            p = q
        }
        return out
    }

    static func mask(_ segments: [Segment], camera: CameraModel = Scene.camera, stride: Int = 8) -> CueMask {
        let w = camera.imageWidth / stride, h = camera.imageHeight / stride
        var values = [UInt8](repeating: 0, count: w * h)
        for row in 0..<h {
            for col in 0..<w {
                guard let g = camera.groundPoint(u: (Double(col) + 0.5) * Double(stride), v: (Double(row) + 0.5) * Double(stride))
                else { continue }
                if segments.contains(where: { contains($0, g) }) { values[row * w + col] = 1 }
            }
        }
        return CueMask(width: w, height: h, values: values)
    }

    static func straight(x: Double, from: Double = 0, to: Double, width: Double = 0.3) -> Segment {
        Segment(a: (x, from), b: (x, to), width: width)
    }
}

@Suite struct PavingTraceTests {
    let tracer = PavingTracer(camera: Scene.camera)

    @Test func straightStripRunningOutOfView() throws {
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0.2, to: 30)])))
        #expect(abs(t.offset - 0.2) < 0.08)
        #expect(abs(try #require(t.headingDegrees)) < 5)
        #expect(t.farEnd == nil)
        #expect(t.bendDistance == nil)
        #expect(t.junctionDistance == nil)
        #expect(abs(t.width - 0.3) < 0.15)
    }

    @Test func angledStripGivesItsHeading() throws {
        let a = 20.0 * .pi / 180
        let strip = GroundMask.Segment(a: (-0.1, 0), b: (-0.1 + sin(a) * 12, cos(a) * 12))
        let t = try #require(tracer.trace(guide: GroundMask.mask([strip])))
        #expect(abs(try #require(t.headingDegrees) - 20) < 6)
        let left = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.Segment(a: (0.1, 0), b: (0.1 - sin(a) * 12, cos(a) * 12))])))
        #expect(abs(try #require(left.headingDegrees) + 20) < 6)
    }

    @Test func stripEndingAheadHasAFarEnd() throws {
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 3.0)])))
        let far = try #require(t.farEnd)
        #expect(abs(far - 3.0) < 0.5)
        #expect(t.warningDistance == nil)
    }

    @Test func warningTilesOnTheLineAhead() throws {
        let guide = GroundMask.mask([GroundMask.straight(x: 0, to: 3.0)])
        let pad = GroundMask.mask([GroundMask.Segment(a: (-0.3, 3.0), b: (-0.3, 3.6), width: 0.6), GroundMask.Segment(a: (0.3, 3.0), b: (0.3, 3.6), width: 0.6)])
        let t = try #require(tracer.trace(guide: guide, warning: pad))
        #expect(abs(try #require(t.warningDistance) - 3.0) < 0.5)
        // Warning tiles 2 m to the side are not on the strip's line.
        let aside = GroundMask.mask([GroundMask.Segment(a: (2.2, 3.0), b: (2.2, 3.6), width: 0.6)])
        #expect(try #require(tracer.trace(guide: guide, warning: aside)).warningDistance == nil)
    }

    @Test func tJunctionIsAJunctionNotAnEnd() throws {
        let cross = GroundMask.Segment(a: (-3, 3.5), b: (3, 3.5))
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 20), cross])))
        #expect(abs(try #require(t.junctionDistance) - 3.5) < 0.6)
        #expect(t.junctionSide == "both")
        #expect(t.farEnd == nil)
        #expect(abs(t.offset) < 0.1)
    }

    @Test func branchToOneSide() throws {
        let branch = GroundMask.Segment(a: (0, 3.0), b: (3, 3.0))
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 20), branch])))
        #expect(abs(try #require(t.junctionDistance) - 3.0) < 0.6)
        #expect(t.junctionSide == "right")
        #expect(t.farEnd == nil)
        let left = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 20),
                                                                         GroundMask.Segment(a: (-3, 3.0), b: (0, 3.0))])))
        #expect(left.junctionSide == "left")
    }

    @Test func branchAcrossAWarningSquare() throws {
        // As the walk renderer draws a branch: the strip stops at a 0.6 m warning square and
        // goes on after it; the branch leaves from beside the square.
        let guide = GroundMask.mask([GroundMask.straight(x: 0, to: 3.2), GroundMask.straight(x: 0, from: 3.8, to: 20),
                                     GroundMask.Segment(a: (-0.3, 3.5), b: (-4, 3.5))])
        let square = GroundMask.mask([GroundMask.Segment(a: (0, 3.2), b: (0, 3.8), width: 0.6)])
        let t = try #require(tracer.trace(guide: guide, warning: square))
        #expect(t.junctionSide == "left")
        #expect(abs(try #require(t.junctionDistance) - 3.5) < 0.7)
        #expect(t.farEnd == nil)
        #expect(abs(try #require(t.warningDistance) - 3.2) < 0.5)
        // Without the warning square's mask the 0.6 m gap ends the strip where it stops.
        let bare = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 3.2),
                                                                         GroundMask.straight(x: 0, from: 4.2, to: 20)])))
        #expect(abs(try #require(bare.farEnd) - 3.2) < 0.5)
    }

    @Test func rightAngleTurnIsABendNotAnEnd() throws {
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, to: 3.15),
                                                                      GroundMask.Segment(a: (-0.15, 3.0), b: (4, 3.0))])))
        #expect(abs(try #require(t.bendDistance) - 3.0) < 0.6)
        #expect(try #require(t.bendDegrees) > 60)
        #expect(t.farEnd == nil)
        #expect(t.junctionDistance == nil)
    }

    @Test func gradualBendLeft() throws {
        let segments = [GroundMask.straight(x: 0, to: 2.5)] + GroundMask.arc(from: (0, 2.5), degrees: -60, length: 4)
        let t = try #require(tracer.trace(guide: GroundMask.mask(segments)))
        #expect(try #require(t.bendDegrees) < -PavingTracer.bendThresholdDegrees)
        let d = try #require(t.bendDistance)
        #expect(d > 2 && d < 5.5)
        #expect(abs(try #require(t.headingDegrees)) < 10)
    }

    @Test func anotherStripAndStrayCellsDoNotPullTheTrace() throws {
        let other = GroundMask.straight(x: -1.6, to: 20)
        let blob = GroundMask.Segment(a: (2.5, 5), b: (2.5, 6), width: 0.8)
        let t = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0.2, to: 20), other, blob])))
        #expect(abs(t.offset - 0.2) < 0.08)
        #expect(abs(try #require(t.headingDegrees)) < 5)
        // Preferring the other strip (the walker was following it) follows that one.
        // (It enters the picture 2 m ahead, cut by the picture's edge, so its offset is rougher.)
        let o = try #require(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0.2, to: 20), other]), preferredOffset: -1.5))
        #expect(abs(o.offset + 1.6) < 0.2)
    }

    @Test func emptyOrInvalidMasksGiveNothing() {
        let w = Scene.camera.imageWidth / 8, h = Scene.camera.imageHeight / 8
        #expect(tracer.trace(guide: CueMask(width: w, height: h, values: [UInt8](repeating: 0, count: w * h))) == nil)
        #expect(tracer.trace(guide: CueMask(width: w, height: h, values: [1, 2, 3])) == nil)
        // Paving only far away (none within 3 m of the nearest visible ground) is not a strip to follow.
        #expect(tracer.trace(guide: GroundMask.mask([GroundMask.straight(x: 0, from: 7, to: 9)])) == nil)
    }

    @Test func randomMasksNeverCrashAndStayFinite() {
        var rng = SeededGenerator(seed: 19)
        let w = Scene.camera.imageWidth / 8, h = Scene.camera.imageHeight / 8
        for _ in 0..<300 {
            let density = rng.uniform(0, 0.6)
            let values = (0..<(w * h)).map { _ in rng.chance(density) ? UInt8(1) : 0 }
            if let t = tracer.trace(guide: CueMask(width: w, height: h, values: values),
                                    warning: CueMask(width: w, height: h, values: values.reversed())) {
                #expect(t.offset.isFinite)
                #expect(t.headingDegrees.map(\.isFinite) ?? true)
                #expect(!t.centreLine.isEmpty)
            }
        }
    }
}

/// The cue engine following paving through masks.
@Suite struct MaskPavingCueTests {
    func t(_ i: Int) -> Double { Double(i) * 0.1 }

    func feed(_ engine: CueEngine, _ frames: [CueMask?], from start: Int = 0, warning: CueMask? = nil) throws -> [Cue] {
        var cues: [Cue] = []
        for (k, m) in frames.enumerated() {
            var masks: [ObjectClass: CueMask] = [:]
            if let m { masks[.tactileGuide] = m }
            if let warning { masks[.tactileWarning] = warning }
            cues += try engine.feed(CueFrame(timestamp: t(start + k), detections: [], masks: masks))
        }
        return cues
    }

    @Test func followingAStraightStripThenLosingIt() throws {
        let engine = Scene.engine()
        let strip = GroundMask.mask([GroundMask.straight(x: 0.1, to: 30)])
        var cues = try feed(engine, Array(repeating: strip, count: 30))
        #expect(cues.map(\.message.key) == ["paving.ahead"])
        // The strip vanishes without an end in view: "paving lost", once.
        cues = try feed(engine, Array(repeating: nil, count: 40), from: 30)
        #expect(cues.map(\.message.key) == ["paving.lost"])
        #expect(cues.first.map { $0.timestamp >= 3.0 + 1.5 } == true)
    }

    @Test func aStripThatEndsIsNotLost() throws {
        let engine = Scene.engine()
        var frames: [CueMask?] = Array(repeating: GroundMask.mask([GroundMask.straight(x: 0, to: 30)]), count: 20)
        // Walking towards the end: the far end comes nearer each frame, then nothing is left.
        for k in 0..<20 { frames.append(GroundMask.mask([GroundMask.straight(x: 0, to: 4.0 - Double(k) * 0.15)])) }
        frames += Array(repeating: nil, count: 30)
        let keys = try feed(engine, frames).map(\.message.key)
        #expect(keys.contains("paving.ends"))
        #expect(!keys.contains("paving.lost"))
        #expect(!keys.contains("paving.off"))
    }

    @Test func junctionAndTurnAreSaidOnce() throws {
        let engine = Scene.engine()
        var frames: [CueMask?] = Array(repeating: GroundMask.mask([GroundMask.straight(x: 0, to: 30)]), count: 10)
        for k in 0..<25 {
            let y = 6.0 - Double(k) * 0.12
            frames.append(GroundMask.mask([GroundMask.straight(x: 0, to: 30), GroundMask.Segment(a: (-3, y), b: (3, y))]))
        }
        let keys = try feed(engine, frames).map(\.message.key)
        #expect(keys.filter { $0.hasPrefix("paving.junction") } == ["paving.junction.both"])
        #expect(!keys.contains("paving.ends"))

        let turning = Scene.engine()
        var turn: [CueMask?] = Array(repeating: GroundMask.mask([GroundMask.straight(x: 0, to: 30)]), count: 10)
        for k in 0..<20 {
            let y = 5.5 - Double(k) * 0.12
            turn.append(GroundMask.mask([GroundMask.straight(x: 0, to: y + 0.15), GroundMask.Segment(a: (-0.15, y), b: (5, y))]))
        }
        let texts = try feed(turning, turn).map(\.text)
        #expect(texts.filter { $0.hasPrefix("Paving bends") } == ["Paving bends right ahead"])
        #expect(!texts.contains("Paving ends"))
    }

    @Test func oneOddFrameDoesNotSayOff() throws {
        let engine = Scene.engine()
        let on = GroundMask.mask([GroundMask.straight(x: 0.05, to: 30)])
        let odd = GroundMask.mask([GroundMask.straight(x: 0.9, to: 30)])
        var frames: [CueMask?] = []
        for k in 0..<60 { frames.append(k % 10 == 5 ? odd : on) }
        let keys = try feed(engine, frames).map(\.message.key)
        #expect(!keys.contains("paving.off"))
        // Really off (a second of frames): said.
        let off = try feed(engine, Array(repeating: odd, count: 15), from: 60).map(\.text)
        #expect(off.contains("You are off the paving, it is to your right"))
    }

    @Test func warningTilesFromTheMask() throws {
        let engine = Scene.engine()
        let guide = GroundMask.mask([GroundMask.straight(x: 0, to: 3.0)])
        let pad = GroundMask.mask([GroundMask.Segment(a: (0, 3.0), b: (0, 3.6), width: 1.2)])
        let keys = try feed(engine, Array(repeating: guide, count: 15), warning: pad).map(\.message.key)
        #expect(keys.contains("paving.warning"))
        #expect(!keys.contains("paving.ends"))
    }
}
