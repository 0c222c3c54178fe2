import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// Waiting at the kerb versus crossing: "on the crosswalk" needs the walker to have moved onto
/// it, and losing sight of the signal mid-crossing must not tell a walker in the road to wait.
struct CrossingTests {
    static let fps = 10.0
    func t(_ i: Int) -> Double { Double(i) / Self.fps }
    static let head = Scene.headBox(bearing: 6, size: 30)

    /// A walk to a crosswalk 6 m ahead: arrives at the kerb (0.35 m before it) at about 4.7 s,
    /// waits, and walks on from `walkAt` (never when `nil`). The signal is red until `greenAt`
    /// and its head is in view while `headVisible(kerbDistance, time)` holds. The far edge
    /// jitters by up to `jitter` pixels (body sway).
    struct Walk {
        var greenAt = 8.0
        var walkAt: Double? = 9.0
        var end = 14.0
        var jitter: Float = 3
        var seed: UInt64 = 1
        var headVisible: (Double, Double) -> Bool = { kerb, _ in kerb > -2.5 }
        /// The green turns red from this time on (never when infinite).
        var redAt = Double.infinity
        /// The green flashes (on 0.5 s, off 0.5 s) from this time on (never when infinite).
        var flashAt = Double.infinity

        func kerb(at time: Double) -> Double {
            let arrive = 0.35
            let approach = max(arrive, 6 - 1.2 * time)
            guard let w = walkAt, time > w else { return approach }
            return arrive - 1.2 * (time - w)
        }

        /// Plays the walk; returns the cues with the kerb distance and whether the engine
        /// believed the walker was on the crosswalk at each frame.
        func play(_ engine: CueEngine) throws -> (cues: [Cue], onWhileWaiting: Bool, lastGreenFrame: Double) {
            var g = SeededGenerator(seed: seed)
            var cues: [Cue] = []
            var onWhileWaiting = false
            var lastGreen = -Double.infinity
            var i = 0
            while Double(i) / CrossingTests.fps <= end {
                let time = Double(i) / CrossingTests.fps
                let k = kerb(at: time)
                var dets: [Detection] = []
                if k + 8 > 1.6 {  // until the walker has crossed it
                    var box = Scene.crosswalkBox(kerb: k)
                    box.y1 += Float(g.uniform(Double(-jitter), Double(jitter) + 1e-9))
                    dets.append(Scene.det(.crosswalk, 0.9, box))
                }
                if headVisible(k, time) {
                    let green = time >= greenAt && time < redAt
                    if green && time >= flashAt {
                        if Int(time * 2) % 2 == 0 {
                            dets.append(Scene.det(.pedGreen, 0.9, CrossingTests.head))
                            lastGreen = time
                        }
                    } else {
                        dets.append(Scene.det(green ? .pedGreen : .pedRed, 0.9, CrossingTests.head))
                        if green { lastGreen = time }
                    }
                }
                cues += try engine.feed(dets, at: time)
                if k > 0, engine.isOnCrosswalk { onWhileWaiting = true }
                i += 1
            }
            return (cues, onWhileWaiting, lastGreen)
        }
    }

    @Test func waitingAtTheKerbIsNotOnTheCrosswalk() throws {
        // The crosswalk covers the bottom of the image from 3.8 s on, while the walker only
        // waits; seeded far-edge jitter stands for body sway.
        for seed in UInt64(1)...20 {
            let engine = Scene.engine()
            let run = try Walk(walkAt: nil, seed: seed).play(engine)
            #expect(!run.onWhileWaiting, "seed \(seed)")
            #expect(!run.cues.contains { $0.kind == .crosswalk && $0.message.key != "crosswalk.ahead" }, "seed \(seed)")
            #expect(run.cues.contains { $0.message.key == "crosswalk.ahead" })
        }
    }

    @Test func signalLostAtTheKerbStillSaysWait() throws {
        // Green said while waiting, then the head is hidden (a bus): still at the kerb, so
        // "Signal lost, wait", on the first frame past the lost timeout.
        let engine = Scene.engine()
        let walk = Walk(walkAt: nil, headVisible: { _, time in time < 10 })
        let run = try walk.play(engine)
        let keys = run.cues.filter { $0.kind == .signal }.map(\.message.key)
        #expect(keys == ["signal.red", "signal.green", "signal.lost"])
        let lost = try #require(run.cues.first { $0.message.key == "signal.lost" })
        #expect(lost.timestamp - run.lastGreenFrame > engine.configuration.signalLostSeconds)
        #expect(lost.timestamp - run.lastGreenFrame <= engine.configuration.signalLostSeconds + 1 / Self.fps + 1e-9)
        #expect(lost.cancelsCrossing && lost.text == "Signal lost, wait")
    }

    @Test func signalOutOfViewWhileCrossingOnGreenSaysKeepCrossing() throws {
        for seed in UInt64(1)...10 {
            let engine = Scene.engine()
            let run = try Walk(seed: seed).play(engine)
            let signal = run.cues.filter { $0.kind == .signal }
            #expect(signal.map(\.message.key) == ["signal.red", "signal.green", "signal.lost.crossing"], "seed \(seed)")
            #expect(!run.onWhileWaiting, "seed \(seed)")
            let on = try #require(run.cues.first { $0.message.key == "crosswalk.on" })
            #expect(on.timestamp > 9.0, "'on the crosswalk' before the walker left the kerb: \(on.timestamp)")
            let lost = try #require(signal.last)
            // Said as promptly as "signal lost" would be, and it does not cancel the crossing.
            #expect(lost.timestamp - run.lastGreenFrame <= engine.configuration.signalLostSeconds + 1 / Self.fps + 1e-9)
            #expect(!lost.cancelsCrossing)
            #expect(lost.text == "Signal out of view, keep crossing")
        }
    }

    @Test func crossingWithoutAGreenGetsNoKeepCrossing() throws {
        // Walking onto the crosswalk during red: "keep crossing" would be a green by another
        // name. The head leaves the view and nothing about crossing on is said.
        let engine = Scene.engine()
        let run = try Walk(greenAt: 100, walkAt: 6).play(engine)
        #expect(!run.cues.contains { $0.message.key == "signal.lost.crossing" || $0.message.key == "signal.green" })
        #expect(!engine.isCrossingOnGreen)
    }

    @Test func firstSeenFromTheKerbNeedsARealAdvance() throws {
        // The engine starts at the kerb (the crosswalk's length was never seen): standing
        // still is not crossing; walking 1.5 m onto it is.
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...40 {
            cues += try engine.feed([Scene.det(.crosswalk, 0.9, Scene.crosswalkBox(kerb: 0.3))], at: t(i))
            #expect(!engine.isOnCrosswalk)
        }
        var onAt: Double?
        for i in 41...80 {
            let kerb = 0.3 - 1.2 * (t(i) - 4.0)
            try engine.feed([Scene.det(.crosswalk, 0.9, Scene.crosswalkBox(kerb: kerb))], at: t(i))
            if onAt == nil, engine.isOnCrosswalk { onAt = t(i) }
        }
        let at = try #require(onAt)
        // 1.5 m at 1.2 m/s, plus the median filter's few frames.
        #expect(at >= 4.0 + 1.5 / 1.2 && at <= 4.0 + 1.5 / 1.2 + 0.5, "on at \(at)")
    }

    @Test func redAtTheKerbStillSaysStop() throws {
        // Green said while waiting at the kerb, then red: unchanged "Signal turned red, stop",
        // on the very frame the red shows.
        let engine = Scene.engine()
        let run = try Walk(walkAt: nil, redAt: 11).play(engine)
        let keys = run.cues.filter { $0.kind == .signal }.map(\.message.key)
        #expect(keys == ["signal.red", "signal.green", "signal.changed.red"])
        let red = try #require(run.cues.first { $0.message.key == "signal.changed.red" })
        #expect(abs(red.timestamp - 11) < 1e-9)
        #expect(red.text == "Signal turned red, stop")
        #expect(red.cancelsCrossing)
    }

    @Test func redWhileCrossingOnGreenSaysKeepCrossingAtOnce() throws {
        // The walker stepped onto the crosswalk on the green (at about 10 s); the signal turns
        // red at 11.2 s while they are in the road (the head is still in view until 11.37 s). "Stop" would strand them: they hear
        // "keep crossing to the kerb", on the same frame and as urgently as "stop" would be.
        for seed in UInt64(1)...10 {
            let engine = Scene.engine()
            let run = try Walk(seed: seed, redAt: 11.2).play(engine)
            let on = try #require(run.cues.first { $0.message.key == "crosswalk.on" }, "seed \(seed)")
            #expect(on.timestamp < 11.2, "seed \(seed): on the crosswalk only at \(on.timestamp)")
            let keys = run.cues.filter { $0.kind == .signal }.map(\.message.key)
            #expect(keys == ["signal.red", "signal.green", "signal.red.crossing"], "seed \(seed)")
            let red = try #require(run.cues.first { $0.message.key == "signal.red.crossing" })
            #expect(abs(red.timestamp - 11.2) < 1e-9, "seed \(seed): said at \(red.timestamp)")
            #expect(red.text == "Signal turned red, keep crossing to the kerb")
            // Same urgency, earcon and priority as the kerb's "Signal turned red, stop" (whether it
            // interrupts depends on what was playing, so that is not compared).
            let kerbRun = try Walk(walkAt: nil, redAt: 11).play(Scene.engine())
            let kerb = try #require(kerbRun.cues
                .first { $0.message.key == "signal.changed.red" })
            #expect(red.urgency == kerb.urgency && red.earcon == kerb.earcon && red.priority == kerb.priority)
            #expect(red.cancelsCrossing)
        }
    }

    @Test func flashingWhileCrossingOnGreenSaysKeepCrossing() throws {
        // The green starts flashing after the walker stepped onto the crosswalk: never "do not
        // start crossing" nor "stop" to a walker in the road.
        for seed in UInt64(1)...10 {
            let engine = Scene.engine()
            let run = try Walk(seed: seed, flashAt: 10.2).play(engine)
            let keys = run.cues.filter { $0.kind == .signal }.map(\.message.key)
            #expect(keys.contains("signal.flashing.crossing"), "seed \(seed): \(keys)")
            #expect(!keys.contains { ["signal.flashing", "signal.changed.red", "signal.lost"].contains($0) },
                    "seed \(seed): \(keys)")
            let flash = try #require(run.cues.first { $0.message.key == "signal.flashing.crossing" })
            #expect(flash.text == "Signal flashing, keep crossing")
        }
    }

    @Test func flashingAtTheKerbStillSaysDoNotStart() throws {
        let engine = Scene.engine()
        let run = try Walk(walkAt: nil, flashAt: 10.2).play(engine)
        let keys = run.cues.filter { $0.kind == .signal }.map(\.message.key)
        #expect(keys.contains("signal.flashing"), "\(keys)")
        #expect(!keys.contains("signal.flashing.crossing"), "\(keys)")
    }

    @Test func keepCrossingChangesAreInBothPhrasebooks() throws {
        let zh = try Phrasebook.bundled("zh")
        let en = try Phrasebook.bundled("en")
        #expect(en.text(CueMessage("signal.red.crossing")) == "Signal turned red, keep crossing to the kerb")
        #expect(en.text(CueMessage("signal.flashing.crossing")) == "Signal flashing, keep crossing")
        #expect(zh.text(CueMessage("signal.red.crossing")) == "信号变红，继续走到路边")
        #expect(zh.speech(CueMessage("signal.red.crossing")) == "xin4 hao4 bian4 hong2, ji4 xu4 zou3 dao4 lu4 bian1")
        #expect(zh.text(CueMessage("signal.flashing.crossing")) == "信号闪烁，继续过马路")
        #expect(zh.speech(CueMessage("signal.flashing.crossing")) == "xin4 hao4 shan3 shuo4, ji4 xu4 guo4 ma3 lu4")
        #expect(Phrasebook.requiredKeys.contains("signal.red.crossing"))
        #expect(Phrasebook.requiredKeys.contains("signal.flashing.crossing"))
    }

    @Test func keepCrossingIsInBothPhrasebooks() throws {
        let zh = try Phrasebook.bundled("zh")
        #expect(zh.text(CueMessage("signal.lost.crossing")) == "看不到信号，继续过马路")
        #expect(zh.speech(CueMessage("signal.lost.crossing")) == "kan4 bu2 dao4 xin4 hao4, ji4 xu4 guo4 ma3 lu4")
        #expect(try Phrasebook.bundled("en").text(CueMessage("signal.lost.crossing")) == "Signal out of view, keep crossing")
    }

    // MARK: Paving that continues

    static let strip = 0.3

    @Test func pavingSeenAsTwoBoxesDoesNotEnd() throws {
        // A strip drawn as two boxes (a joint at 2 m): the near box ends, the paving does not.
        let near = Scene.flatBox(near: 0, far: 2, width: Self.strip)
        let next = Scene.flatBox(near: 2, far: 7, width: Self.strip)
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...30 { cues += try engine.feed([Scene.det(.tactileGuide, 0.9, near), Scene.det(.tactileGuide, 0.9, next)], at: t(i)) }
        #expect(!cues.contains { $0.message.key == "paving.ends" })
        // The same near box alone does end (the check above can fail).
        let alone = Scene.engine()
        var control: [Cue] = []
        for i in 0...30 { control += try alone.feed([Scene.det(.tactileGuide, 0.9, near)], at: t(i)) }
        #expect(control.contains { $0.message.key == "paving.ends" })
    }

    @Test func pavingRunningIntoWarningTilesDoesNotEnd() throws {
        // Guide paving up to 2 m ahead, then a 0.6 m band of warning tiles at the kerb.
        let guide = Scene.flatBox(near: 0, far: 2.0, width: Self.strip)
        let tiles = Scene.flatBox(near: 2.0, far: 2.6, width: 1.2)
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0...30 { cues += try engine.feed([Scene.det(.tactileGuide, 0.9, guide), Scene.det(.tactileWarning, 0.9, tiles)], at: t(i)) }
        #expect(!cues.contains { $0.message.key == "paving.ends" })
        #expect(cues.contains { $0.message.key == "paving.warning" })
        // Tiles 2 m past the paving's end (plain pavement between) do not stop "paving ends".
        let aside = Scene.flatBox(near: 4.0, far: 4.6, width: 1.2)
        let other = Scene.engine()
        var control: [Cue] = []
        for i in 0...30 { control += try other.feed([Scene.det(.tactileGuide, 0.9, guide), Scene.det(.tactileWarning, 0.9, aside)], at: t(i)) }
        #expect(control.contains { $0.message.key == "paving.ends" })
    }
}
