import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// Synthetic detection timelines with exact expected cues and times.
struct ScenarioTests {
    let head = Scene.headBox(bearing: 2, size: 30)

    func t(_ i: Int) -> Double { Double(i) / 10 }

    @Test func redThenGreenThenRedAtExactTimes() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...45 {
            let cls: ObjectClass = i < 20 || i >= 40 ? .pedRed : .pedGreen
            cues += try engine.feed([Scene.det(cls, 0.9, head)], at: t(i))
        }
        let signal = cues.filter { $0.kind == .signal }.map { "\($0.timestamp) \($0.message.key)" }
        // Red after 0.5 s of red; green once a full 0.5 s window holds no red (last red at 1.9);
        // the change back to red on the very frame it appears.
        #expect(signal == ["0.5 signal.red", "2.5 signal.green", "4.0 signal.changed.red"])
        #expect(cues.first { $0.message.key == "signal.changed.red" }?.priority == .signalChange)
        #expect(cues.first { $0.message.key == "signal.green" }?.text == "Green, you may cross")
    }

    @Test func greenNeedsHalfASecondWhateverTheFrameRate() throws {
        for fps in [5.0, 10.0, 30.0] {
            let engine = Scene.engine()
            var greenAt: Double?
            var i = 0
            while greenAt == nil, i < 100 {
                let time = Double(i) / fps
                let cues = try engine.feed([Scene.det(.pedGreen, 0.9, head)], at: time)
                if cues.contains(where: { $0.message.key == "signal.green" }) { greenAt = time }
                i += 1
            }
            let g = try #require(greenAt)
            #expect(g >= 0.5 - 1e-9 && g <= 0.5 + 1 / fps + 1e-9, "fps \(fps): green at \(g)")
        }
    }

    @Test func sideHeadsAndVehicleLightsDoNotDecide() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        let side = Scene.headBox(bearing: 28, size: 40)
        let vehicle = Scene.headBox(bearing: 0, size: 40, top: 20)
        for i in 0...40 {
            cues += try engine.feed([Scene.det(.pedGreen, 0.95, side), Scene.det(.vehicleGreen, 0.95, vehicle)], at: t(i))
        }
        #expect(!cues.contains { $0.kind == .signal })
    }

    @Test func signalLostWhileGreenIsSaidOnTheFirstLateFrame() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...30 { cues += try engine.feed([Scene.det(.pedGreen, 0.9, head)], at: t(i)) }
        #expect(engine.signalPhase == .green)
        var lostAt: Double?
        for i in 31...40 {
            let c = try engine.feed([], at: t(i))
            if c.contains(where: { $0.message.key == "signal.lost" }) { lostAt = t(i) }
        }
        let expected = (31...40).map(t).first { $0 - 3.0 > 0.4 }
        #expect(lostAt == expected)
    }

    @Test func tickWithoutFramesSaysSignalLostThenCameraPausedThenBack() throws {
        let engine = Scene.engine()
        for i in 0...30 { try engine.feed([Scene.det(.pedGreen, 0.9, head)], at: t(i)) }
        var cues: [Cue] = []
        var now = 3.0
        while now < 6 { now += 0.05; cues += engine.tick(now: now) }
        let keys = cues.map(\.message.key)
        #expect(keys == ["signal.lost", "system.camera.paused"])
        let lost = try #require(cues.first)
        #expect(lost.timestamp > 3.4 && lost.timestamp <= 3.45 + 1e-9)
        #expect(engine.isCameraPaused)
        let back = try engine.feed([], at: 6.5)
        #expect(back.map(\.message.key) == ["system.camera.resumed"])
    }

    @Test func cameraPausedFiresFromTickAlone() throws {
        let engine = Scene.engine()
        for i in 0...10 { try engine.feed([], at: t(i)) }
        var pausedAt: Double?
        var now = 1.0
        while pausedAt == nil, now < 4 {
            now += 0.1
            if engine.tick(now: now).contains(where: { $0.message.key == "system.camera.paused" }) { pausedAt = now }
        }
        let p = try #require(pausedAt)
        #expect(p > 2.0 && p <= 2.1 + 1e-9)
    }

    @Test func visionLaggingAndRecovery() throws {
        let engine = Scene.engine()
        var keys: [(Double, String)] = []
        for i in 0...40 {
            let late = (10..<15).contains(i) ? 0.8 : 0.05
            for c in try engine.feed([], at: t(i), processedAt: t(i) + late) { keys.append((c.timestamp, c.message.key)) }
        }
        #expect(keys.map(\.1) == ["system.vision.lagging", "system.vision.recovered"])
        #expect(keys.first?.0 == 1.0)
        #expect(keys.last.map { $0.0 >= 2.4 && $0.0 <= 2.6 } == true)
    }

    @Test func obstacleThenImminentCollision() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        var trueCrossing: Double?
        for i in 0...40 {
            let y = 4.5 - 1.0 * t(i)  // walker approaches a pole at 1 m/s
            if trueCrossing == nil, y / 1.0 < 2.0 { trueCrossing = t(i) }
            let box = try #require(Scene.groundBox(x: 0.1, y: y, width: 0.2, height: 2.5))
            cues += try engine.feed([Scene.det(.pole, 0.8, box)], at: t(i))
            if cues.contains(where: { $0.kind == .collision }) { break }
        }
        let first = try #require(cues.first)
        #expect(first.message.key == "obstacle")
        #expect(first.text == "pole, 12 o'clock, 4 metres")
        #expect(first.timestamp == 0.2)  // the third frame confirms the track
        let hit = try #require(cues.first { $0.kind == .collision })
        let crossing = try #require(trueCrossing)
        #expect(abs(hit.timestamp - crossing) <= 0.1 + 1e-9, "collision at \(hit.timestamp), TTC < 2 s from \(crossing)")
        #expect(hit.priority == .imminent)
        #expect(hit.text.hasPrefix("Stop! pole ahead"))
    }

    /// A nearer obstacle whose warning was just said must not hide a farther one: the next one
    /// is said as soon as the channel is free, not after the nearer one's repeat window.
    @Test func aWarnedObstacleDoesNotHideTheNextOne() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        let bollard = try #require(Scene.groundBox(x: -0.9, y: 2.0, width: 0.2, height: 0.9))
        let pole = try #require(Scene.groundBox(x: 1.0, y: 4.0, width: 0.2, height: 2.5))
        for i in 0...60 {
            cues += try engine.feed([Scene.det(.bollard, 0.8, bollard), Scene.det(.pole, 0.8, pole)], at: t(i))
        }
        let obstacles = cues.filter { $0.kind == .obstacle }
        #expect(obstacles.first?.message.arguments["class"] == "bollard")
        let poleCue = try #require(obstacles.first { $0.message.arguments["class"] == "pole" })
        // The bollard's phrase lasts about 2.5 s; its repeat would come only after 5 s.
        #expect(poleCue.timestamp < engine.configuration.repeatSeconds, "pole said at \(poleCue.timestamp)")
    }

    /// "Red, wait" decided while a long collision warning plays is said when the channel frees,
    /// however long that takes: the engine's phase is already red, so dropping the waiting cue
    /// would leave the walker never told (the Mandarin demo lost it this way).
    @Test func redDecidedDuringALongWarningIsStillSaid() throws {
        var config = Scene.config()
        config.speechCharactersPerSecond = 2  // a collision warning now holds the channel ~13 s
        let engine = Scene.engine(config)
        var cues: [Cue] = []
        var collisionAt: Double?
        for i in 0...220 {
            var dets: [Detection] = []
            let y = 4.5 - 1.0 * t(i)
            if y > 0.3, let box = Scene.groundBox(x: 0.1, y: y, width: 0.2, height: 2.5) {
                dets.append(Scene.det(.pole, 0.8, box))
            }
            if let c = collisionAt, t(i) > c + 0.1 { dets.append(Scene.det(.pedRed, 0.9, head)) }
            let new = try engine.feed(dets, at: t(i))
            if collisionAt == nil, let c = new.first(where: { $0.kind == .collision }) { collisionAt = c.timestamp }
            cues += new
        }
        let collision = try #require(collisionAt)
        let red = try #require(cues.first { $0.message.key == "signal.red" }, "red was never said")
        #expect(red.timestamp > collision + 3, "the red waited behind the warning: \(red.timestamp)")
        #expect(!cues.contains { $0.message.key == "signal.green" })
    }

    @Test func obstacleClockPositionAndPanToTheRight() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        let box = try #require(Scene.groundBox(x: 1.2, y: 2.0, width: 0.2, height: 2.5))
        for i in 0...5 { cues += try engine.feed([Scene.det(.pole, 0.8, box)], at: t(i)) }
        let c = try #require(cues.first)
        #expect(c.text == "pole, 1 o'clock, 2 metres")
        #expect(c.pan > 0.5)
    }

    @Test func pavingAheadThenOffToTheRight() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...40 {
            let x = i < 15 ? 0.0 : 0.9  // the walker steps left: the paving is now to the right
            let box = try #require(Scene.groundBox(x: x, y: 1.9, width: 0.4, height: 0))
            let strip = Box(x1: box.x1, y1: 300, x2: box.x2, y2: Float(Scene.camera.imageHeight))
            cues += try engine.feed([Scene.det(.tactileGuide, 0.8, strip)], at: t(i))
        }
        let texts = cues.map(\.text)
        #expect(texts == ["Paving ahead", "You are off the paving, it is to your right"])
    }

    @Test func pavingDriftsLeftFromAMask() throws {
        let engine = Scene.engine()
        let w = 160, h = 120
        var values = [UInt8](repeating: 0, count: w * h)
        // A strip that starts under the walker and bends to the left going away.
        for row in 40..<h {
            let centre = 80 - (Double(h - row) * 0.9)
            for col in max(0, Int(centre) - 6)..<min(w, Int(centre) + 6) { values[row * w + col] = 1 }
        }
        let mask = CueMask(width: w, height: h, values: values)
        let m = try #require(engine.measurePaving(mask: mask))
        #expect(m.headingDegrees.map { $0 < -15 } == true)
        var cues: [Cue] = []
        let strip = Box(x1: 80, y1: 160, x2: 340, y2: 480)
        for i in 0...10 {
            cues += try engine.feed(CueFrame(timestamp: t(i), detections: [Scene.det(.tactileGuide, 0.8, strip)],
                                             masks: [.tactileGuide: mask]))
        }
        #expect(cues.map(\.text).contains("Paving drifts left"))
    }

    @Test func warningTilesAhead() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        let box = try #require(Scene.groundBox(x: 0, y: 2.5, width: 1.0, height: 0))
        let tiles = Box(x1: box.x1, y1: box.y2 - 30, x2: box.x2, y2: box.y2)
        for i in 0...10 { cues += try engine.feed([Scene.det(.tactileWarning, 0.8, tiles)], at: t(i)) }
        #expect(cues.map(\.text) == ["Warning tiles ahead"])
    }

    @Test func crosswalkAheadTurnSlightlyRightThenOnIt() throws {
        let engine = Scene.engine()
        var cues: [Cue] = []
        // An 8 m crosswalk 4 m ahead, about 15 degrees to the right.
        for i in 0...10 {
            cues += try engine.feed([Scene.det(.crosswalk, 0.9, Scene.flatBox(x: 1.2, near: 4, far: 12, width: 4))], at: t(i))
        }
        // Turned toward it, the walker walks onto it: its length was seen on the approach, so
        // its far edge tells how far the walker is past its near edge.
        for i in 11...40 {
            cues += try engine.feed([Scene.det(.crosswalk, 0.9, Scene.crosswalkBox(kerb: 1.5 - 1.2 * (t(i) - 1.1)))], at: t(i))
        }
        #expect(cues.map(\.text) == ["Crosswalk ahead, turn slightly right", "On the crosswalk, keep straight"])
    }

    @Test func mandarinSpeechIsPinyinWithoutBareDigits() throws {
        let engine = Scene.engine(language: "zh")
        var cues: [Cue] = []
        let box = try #require(Scene.groundBox(x: 1.2, y: 2.0, width: 0.2, height: 2.5))
        for i in 0...5 { cues += try engine.feed([Scene.det(.pole, 0.8, box)], at: t(i)) }
        let c = try #require(cues.first)
        #expect(c.text == "杆子，1点，2米")
        #expect(c.speech == "gan1 zi, yi1 dian3, liang3 mi3")
        #expect(c.speech.split(separator: " ").allSatisfy { !$0.allSatisfy(\.isNumber) })
    }

    @Test func quietVerbositySaysOnlySafety() throws {
        var config = Scene.config()
        config.verbosity = .quiet
        let engine = Scene.engine(config)
        var cues: [Cue] = []
        let box = try #require(Scene.groundBox(x: 1.2, y: 2.0, width: 0.2, height: 2.5))
        for i in 0...20 {
            cues += try engine.feed([Scene.det(.pole, 0.8, box), Scene.det(.pedRed, 0.9, head)], at: t(i))
        }
        #expect(cues.map(\.message.key) == ["signal.red"])
    }

    @Test func repeatsAreSuppressedThenRepeated() throws {
        var config = Scene.config()
        config.repeatSeconds = 3
        let engine = Scene.engine(config)
        var times: [Double] = []
        // A pole in the walking corridor keeps being said, once per repeat window...
        let box = try #require(Scene.groundBox(x: 0.3, y: 2.0, width: 0.2, height: 2.5))
        for i in 0...70 {
            for c in try engine.feed([Scene.det(.pole, 0.8, box)], at: t(i)) { times.append(c.timestamp) }
        }
        #expect(times == [0.2, 3.2, 6.2])
        // ...one beside the corridor is said once: the walker passes it.
        let side = Scene.engine(config)
        var sideTimes: [Double] = []
        let sideBox = try #require(Scene.groundBox(x: 1.2, y: 2.0, width: 0.2, height: 2.5))
        for i in 0...70 {
            for c in try side.feed([Scene.det(.pole, 0.8, sideBox)], at: t(i)) { sideTimes.append(c.timestamp) }
        }
        #expect(sideTimes == [0.2])
    }

    @Test func locatorToneOncePerSecondWhileRed() throws {
        let engine = Scene.engine(Scene.config(tones: true))
        var tones: [Double] = []
        for i in 0...60 {
            for c in try engine.feed([Scene.det(.pedRed, 0.9, head)], at: t(i)) where c.kind == .tone {
                #expect(c.earcon == .locator)
                tones.append(c.timestamp)
            }
        }
        #expect(tones == [1.5, 2.5, 3.5, 4.5, 5.5])
    }

    @Test func rejectsTimestampsThatGoBack() throws {
        let engine = Scene.engine()
        try engine.feed([], at: 1)
        #expect(throws: CueEngineError.timestampNotIncreasing(previous: 1, got: 1)) { try engine.feed([], at: 1) }
        #expect(throws: CueEngineError.invalidTimestamp(.infinity)) { try engine.feed([], at: .infinity) }
    }
}
