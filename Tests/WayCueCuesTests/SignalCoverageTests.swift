import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueCues

/// A generated timeline of a two-pass detector: the signal pass runs on every N-th frame, is
/// sometimes dropped and sometimes stalls; other frames are partial.
struct CoverageTimeline {
    enum Light { case red, green, dark }
    var timeline: GeneratedTimeline
    /// The true light of the facing head, by segment end time.
    var schedule: [(end: Double, light: Light)]
    /// Partial frames show a confident green whatever the light (the adversarial case).
    var adversarialPartial: Bool
    var stalls: Int

    func light(at t: Double) -> Light { schedule.first { t < $0.end }?.light ?? .dark }

    /// The same inputs with every frame complete: explicitly, or through the default initialiser.
    func allComplete(explicit: Bool) -> GeneratedTimeline {
        var copy = timeline
        copy.events = timeline.events.map {
            guard case .frame(let f) = $0 else { return $0 }
            return .frame(explicit
                ? CueFrame(timestamp: f.timestamp, detections: f.detections, signalCoverage: .complete)
                : CueFrame(timestamp: f.timestamp, detections: f.detections))
        }
        return copy
    }
}

enum CoverageTimelineGenerator {
    static func generate(seed: UInt64) -> CoverageTimeline {
        var g = SeededGenerator(seed: seed)
        let fps = g.uniform(5, 30)
        let passEvery = Int.random(in: 1...4, using: &g)
        let passPhase = Int.random(in: 0..<passEvery, using: &g)
        let dropRate = g.chance(0.4) ? 0 : g.uniform(0, 0.3)
        let duration = g.uniform(2.5, 5)
        let stalls: [(start: Double, end: Double)] = (0..<Int.random(in: 0...2, using: &g)).map { _ in
            let s = g.uniform(0.5, duration)
            return (s, s + g.uniform(0.2, 2.0))
        }
        var schedule: [(end: Double, light: CoverageTimeline.Light)] = []
        var t0 = 0.0
        while t0 < duration + 1 {
            let r = g.uniform(0, 1)
            t0 += g.uniform(0.3, 3)
            schedule.append((t0, r < 0.4 ? .red : r < 0.9 ? .green : .dark))
        }
        // A distant head: the signal pass sees it well, the low-resolution pass mostly not.
        let bearing = g.uniform(-12, 12)
        let size = g.uniform(10, 22)
        let baseScore = g.uniform(0.5, 0.95)
        let noise = g.uniform(0, 0.15)
        let completeMiss = g.uniform(0, 0.2)
        let flicker = g.uniform(0, 0.1)
        let partialSeen = g.uniform(0, 0.4)
        let adversarial = g.chance(0.15)
        let schedule0 = schedule
        func light(_ t: Double) -> CoverageTimeline.Light { schedule0.first { t < $0.end }?.light ?? .dark }
        func opposite(_ c: ObjectClass) -> ObjectClass { c == .pedRed ? .pedGreen : .pedRed }

        var events: [GeneratedTimeline.Event] = []
        var t = 0.0
        var k = 0
        while t < duration {
            let stalled = stalls.contains { t >= $0.start && t < $0.end }
            let complete = k % passEvery == passPhase && !stalled && !g.chance(dropRate)
            var box = Scene.headBox(bearing: bearing, size: size)
            let jitter = Float(g.uniform(-1.5, 1.5))
            box.x1 += jitter; box.x2 += jitter
            let truth: ObjectClass? = switch light(t) {
            case .red: .pedRed
            case .green: .pedGreen
            case .dark: nil
            }
            var dets: [Detection] = []
            if complete {
                if var c = truth, !g.chance(completeMiss) {
                    var s = Float(min(1, max(0.3, baseScore + g.uniform(-noise, noise))))
                    // A misclassification is a weak detection (below the green score).
                    if g.chance(flicker) { c = opposite(c); s = Float(g.uniform(0.2, 0.55)) }
                    dets.append(Scene.det(c, s, box))
                }
            } else if adversarial {
                dets.append(Scene.det(.pedGreen, 0.9, box))
            } else if var c = truth, g.chance(partialSeen) {
                var s = Float(min(1, max(0.05, baseScore - 0.2 + g.uniform(-noise, noise))))
                if g.chance(flicker) { c = opposite(c); s = Float(g.uniform(0.2, 0.55)) }
                dets.append(Scene.det(c, s, box))
            }
            events.append(.frame(CueFrame(timestamp: t, detections: dets,
                                          signalCoverage: complete ? .complete : .partial)))
            if g.chance(0.3) { events.append(.tick(t + 0.5 / fps)) }
            t += (1 / fps) * g.uniform(0.9, 1.1)
            k += 1
        }
        // Ticks after the last frame, so a stall at the end still reaches the lost timeout.
        for i in 1...10 { events.append(.tick(t + Double(i) * 0.1)) }
        let hasPed = events.contains {
            if case .frame(let f) = $0 { return !f.detections.isEmpty }
            return false
        }
        return CoverageTimeline(timeline: GeneratedTimeline(events: events, chaotic: false, hasPedestrianHeads: hasPed),
                                schedule: schedule, adversarialPartial: adversarial, stalls: stalls.count)
    }
}

/// The signal rules with partial frames, checked on one played timeline.
enum CoverageInvariants {
    static let config = SafetyInvariants.config

    struct Tally {
        var greens = 0
        /// Greens after which complete frames stopped for longer than the lost timeout.
        var stalledAfterGreen = 0
        /// Greens whose window held red truth on some complete frame.
        var redTruthNearby = 0
        /// Partial frames showing a confident green in the cone while the light was red
        /// (property (b) exercised: they must never make a green).
        var partialGreensOnRed = 0
    }

    static func check(_ c: CoverageTimeline, _ cues: [Cue], tally: inout Tally) -> [String] {
        var problems: [String] = []
        let frames = c.timeline.frames
        let complete = frames.filter { $0.signalCoverage == .complete }
        let eventTimes = c.timeline.events.map { e -> Double in
            switch e { case .frame(let f): f.timestamp; case .tick(let t): t }
        }
        let w = config.signalWindowSeconds, gap = config.maxFrameGapSeconds
        tally.partialGreensOnRed += frames.filter {
            $0.signalCoverage == .partial && c.light(at: $0.timestamp) == .red && SafetyInvariants.green($0, config.greenMinScore)
        }.count
        for (index, cue) in cues.enumerated() where cue.message.key == "signal.green" {
            let tg = cue.timestamp
            tally.greens += 1
            // (a) A window of complete frames: covered, gap-free, enough, mostly green; no red
            //     on any frame, partial ones included.
            guard let newest = complete.lastIndex(where: { $0.timestamp <= tg }) else {
                problems.append("green at \(tg) before any complete frame"); continue
            }
            if tg - complete[newest].timestamp > gap {
                problems.append("green at \(tg) with no complete frame since \(complete[newest].timestamp)")
            }
            var start = newest
            var covered = false
            var j = newest
            while j >= 0 {
                if j < newest, complete[j + 1].timestamp - complete[j].timestamp > gap { break }
                start = j
                if complete[j].timestamp <= tg - w { covered = true; break }
                j -= 1
            }
            if !covered { problems.append("green at \(tg) without a covered window of complete frames") }
            let window = complete[start...newest]
            if window.count < config.minWindowFrames {
                problems.append("green at \(tg) from \(window.count) complete frames")
            }
            let greens = window.filter { SafetyInvariants.green($0, config.greenMinScore) }.count
            if Double(greens) < config.greenMinFraction * Double(window.count) {
                problems.append("green at \(tg) with \(greens)/\(window.count) green complete frames")
            }
            let from = complete[start].timestamp
            if let r = frames.first(where: { $0.timestamp >= from && $0.timestamp <= tg && SafetyInvariants.red($0, config.redVetoScore) }) {
                problems.append("green at \(tg) with red in the cone at \(r.timestamp) (\(r.signalCoverage))")
            }
            // (b) Never green when the truth is red on every complete frame of the window.
            let truths = complete.filter { $0.timestamp >= tg - w && $0.timestamp <= tg }.map { c.light(at: $0.timestamp) }
            if !truths.isEmpty, truths.allSatisfy({ $0 == .red }) {
                problems.append("green at \(tg) while the light was red on every complete frame of the window")
            }
            if truths.contains(.red) { tally.redTruthNearby += 1 }
            // (c) Complete frames stopping for longer than the lost timeout after the green
            //     must be said (any later word about the signal: lost, unclear, red, flashing).
            let next = cues[(index + 1)...].first { $0.kind == .signal }
            let said = next?.timestamp ?? .infinity
            var lastComplete = complete[newest].timestamp
            var ci = newest + 1
            for tau in eventTimes where tau > tg {
                while ci < complete.count, complete[ci].timestamp <= tau {
                    lastComplete = complete[ci].timestamp
                    ci += 1
                }
                if tau - lastComplete > config.signalLostSeconds + 1e-9 {
                    tally.stalledAfterGreen += 1
                    if said > tau + 1e-9 {
                        problems.append("complete frames stopped at \(lastComplete) after green at \(tg); nothing said by \(tau) (next signal cue at \(said))")
                    }
                    break
                }
                if tau >= said { break }
            }
        }
        return problems
    }
}

/// Partial frames (signal pass skipped, dropped or stalled) never make a green.
struct SignalCoveragePropertyTests {
    /// Chunks run in parallel (about 4 ms of one core per timeline in a debug build).
    static let chunks = 8
    /// 10,000 timelines by default; `WAYCUE_COVERAGE_CASES` asks for more (or fewer).
    static let perChunk = max(1, (Int(ProcessInfo.processInfo.environment["WAYCUE_COVERAGE_CASES"] ?? "") ?? 10_000) / chunks)

    /// One phrasebook for every engine (loading it is a good part of a short run's cost).
    static let phrasebook = try! Phrasebook.bundled("en")
    static func engine() -> CueEngine { CueEngine(configuration: Scene.config(tones: true), phrasebook: phrasebook) }

    @Test(arguments: 0..<chunks)
    func partialFramesHoldTheSignalRules(chunk: Int) throws {
        let started = Date()
        var failures: [String] = []
        var tally = CoverageInvariants.Tally()
        var adversarialGreens = 0, timelines = 0, allCompleteGreens = 0, equivalenceRuns = 0
        for i in 0..<Self.perChunk {
            let seed = UInt64(i * Self.chunks + chunk) &* 0x9E37_79B9 &+ 101
            let c = CoverageTimelineGenerator.generate(seed: seed)
            let cues = try c.timeline.play(Self.engine())
            for p in CoverageInvariants.check(c, cues, tally: &tally) { failures.append("seed \(seed): \(p)") }
            if c.adversarialPartial { adversarialGreens += cues.filter { $0.message.key == "signal.green" }.count }
            // (d) Every frame complete, said explicitly, behaves as frames made the old way
            //     (every 4th timeline, to bound the time).
            if i % 4 == 0 {
                let explicit = try c.allComplete(explicit: true).play(Self.engine())
                let plain = try c.allComplete(explicit: false).play(Self.engine())
                if explicit.map(JSONLinesCueSink.line(for:)) != plain.map(JSONLinesCueSink.line(for:)) {
                    failures.append("seed \(seed): explicit .complete frames changed the cues")
                }
                allCompleteGreens += plain.filter { $0.message.key == "signal.green" }.count
                equivalenceRuns += 1
            }
            timelines += 1
        }
        print("signal coverage chunk \(chunk): \(timelines) timelines, \(tally.greens) greens said "
              + "(\(adversarialGreens) with green-flooded partial frames), \(tally.stalledAfterGreen) greens followed by "
              + "a signal-pass stall, \(tally.redTruthNearby) with red truth in the window, \(tally.partialGreensOnRed) partial "
              + "frames green on a red light; \(allCompleteGreens) greens "
              + "in \(equivalenceRuns) all-complete runs; \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(failures.isEmpty, "\(failures.count) violations, first: \(failures.prefix(5))")
        // The generator must exercise the rules, or the test proves nothing.
        let n = Self.perChunk
        #expect(tally.greens > n / 10 && tally.stalledAfterGreen > n / 50 && tally.partialGreensOnRed > n,
                "greens \(tally.greens), stalls after green \(tally.stalledAfterGreen), partial greens on red \(tally.partialGreensOnRed)")
    }

    @Test func checkerCatchesGreenFromPartialFrames() {
        // A checker that can never fail proves nothing: a green cue over partial green frames.
        let head = Scene.headBox(bearing: 0, size: 14)
        let frames = (0..<10).map { i in
            CueFrame(timestamp: Double(i) / 10, detections: [Scene.det(.pedGreen, 0.9, head)],
                     signalCoverage: i % 3 == 0 ? .complete : .partial)
        }
        let ticks: [GeneratedTimeline.Event] = (10...15).map { .tick(Double($0) / 10) }
        let c = CoverageTimeline(timeline: GeneratedTimeline(events: frames.map { .frame($0) } + ticks, chaotic: false, hasPedestrianHeads: true),
                                 schedule: [(10, .red)], adversarialPartial: true, stalls: 0)
        let fake = Cue(timestamp: 0.8, kind: .signal, priority: .signalState, message: CueMessage("signal.green"),
                       text: "", speech: "", pan: 0, urgency: 0, earcon: .walk)
        var tally = CoverageInvariants.Tally()
        let problems = CoverageInvariants.check(c, [fake], tally: &tally)
        #expect(problems.contains { $0.contains("covered window") })
        #expect(problems.contains { $0.contains("red on every complete frame") })
        #expect(problems.contains { $0.contains("nothing said") })
    }
}

/// Hand-written scenarios of a signal pass at a lower rate than the full frame.
struct SignalCoverageScenarioTests {
    /// A distant head: only the signal pass sees it.
    let head = Scene.headBox(bearing: 1, size: 14)

    /// Feeds `count` frames at `fps` with the signal pass on every `every`-th frame.
    func run(_ engine: CueEngine, from first: Int = 0, count: Int, fps: Double, every: Int,
             partialDetections: (Int) -> [Detection] = { _ in [] },
             completeDetections: (Int) -> [Detection]) throws -> [Cue] {
        var cues: [Cue] = []
        for i in first..<(first + count) {
            let complete = i % every == 0
            cues += try engine.feed(CueFrame(timestamp: Double(i) / fps,
                                             detections: complete ? completeDetections(i) : partialDetections(i),
                                             signalCoverage: complete ? .complete : .partial))
        }
        return cues
    }

    func keys(_ cues: [Cue]) -> [String] {
        cues.filter { $0.kind == .signal }.map { String(format: "%.3f %@", $0.timestamp, $0.message.key) }
    }

    @Test func everyThirdFrameAt15FPSStillGivesGreen() throws {
        let engine = Scene.engine()
        // Red for 2 s, then green: the signal pass sees it, the full-frame pass does not.
        let cues = try run(engine, count: 60, fps: 15, every: 3) { i in
            [Scene.det(Double(i) / 15 < 2 ? .pedRed : .pedGreen, 0.85, head)]
        }
        let green = try #require(cues.first { $0.message.key == "signal.green" }, "\(keys(cues))")
        // The window needs complete frames at 2.0 s and at or before green - 0.5 s: 2.6 s.
        #expect(green.timestamp >= 2.5 && green.timestamp <= 2.6 + 1e-9, "\(keys(cues))")
        #expect(keys(cues).first?.hasSuffix("signal.red") == true, "\(keys(cues))")
        #expect(engine.signalPhase == .green)
    }

    @Test func signalPassTooSlowNeverGivesGreen() throws {
        // Every 3rd frame at 10 fps is a complete frame every 0.3 s, over the 0.25 s gap.
        #expect(!Scene.config().signalPassPeriodAllowsGreen(0.3))
        let engine = Scene.engine()
        let cues = try run(engine, count: 60, fps: 10, every: 3) { _ in [Scene.det(.pedGreen, 0.95, head)] }
        #expect(!cues.contains { $0.message.key == "signal.green" }, "\(keys(cues))")
    }

    @Test func stalledSignalPassAfterGreenSaysLost() throws {
        let engine = Scene.engine()
        let green = [Scene.det(.pedGreen, 0.9, head)]
        var cues = try run(engine, count: 30, fps: 15, every: 3) { _ in green }
        #expect(engine.signalPhase == .green, "\(keys(cues))")
        // The signal pass stalls from frame 30 on (last complete frame 27, at 1.8 s); the
        // full-frame pass even keeps seeing the green, which must not keep it alive.
        var lostAt: Double?
        for i in 30..<45 {
            let out = try engine.feed(CueFrame(timestamp: Double(i) / 15, detections: green, signalCoverage: .partial))
            if lostAt == nil, out.contains(where: { $0.message.key == "signal.lost" }) { lostAt = Double(i) / 15 }
            cues += out
        }
        let lost = try #require(lostAt, "\(keys(cues))")
        // Said on the first frame more than 0.4 s after the last complete one (27 / 15 s).
        let expected = (30..<45).map { Double($0) / 15 }.first { $0 - 27.0 / 15 > Scene.config().signalLostSeconds }
        #expect(lost == expected, "\(keys(cues))")
        #expect(engine.signalPhase == .lost)
        #expect(!cues.filter { $0.timestamp > 1.8 }.contains { $0.message.key == "signal.green" })
    }

    @Test func stalledPipelineAfterGreenSaysLostOnTicks() throws {
        // No frame at all after the green: the clock's ticks alone must say it.
        let engine = Scene.engine()
        _ = try run(engine, count: 30, fps: 15, every: 3) { _ in [Scene.det(.pedGreen, 0.9, head)] }
        #expect(engine.signalPhase == .green)
        var lostAt: Double?
        var tick = 29.0 / 15
        while lostAt == nil, tick < 3 {
            tick += 0.05
            if engine.tick(now: tick).contains(where: { $0.message.key == "signal.lost" }) { lostAt = tick }
        }
        let lost = try #require(lostAt)
        #expect(lost > 1.8 + 0.4 && lost <= 1.8 + 0.4 + 0.05 + 1e-9)
    }

    @Test func partialFramesFullOfGreenNeverGiveGreen() throws {
        // Only partial frames, every one a confident green: no green, and the walker is told
        // the signal is unclear rather than left in silence.
        let engine = Scene.engine()
        var cues: [Cue] = []
        for i in 0..<75 {
            cues += try engine.feed(CueFrame(timestamp: Double(i) / 15, detections: [Scene.det(.pedGreen, 0.97, head)],
                                             signalCoverage: .partial))
        }
        #expect(!cues.contains { $0.message.key == "signal.green" }, "\(keys(cues))")
        #expect(cues.contains { $0.message.key == "signal.unclear" }, "\(keys(cues))")

        // Complete frames that see nothing, partial frames full of green: still no green.
        let engine2 = Scene.engine()
        let cues2 = try run(engine2, count: 75, fps: 15, every: 3,
                            partialDetections: { _ in [Scene.det(.pedGreen, 0.97, head)] }) { _ in [] }
        #expect(!cues2.contains { $0.message.key == "signal.green" }, "\(keys(cues2))")

        // Complete frames red, partial frames green: "red, wait", never green.
        let engine3 = Scene.engine()
        let cues3 = try run(engine3, count: 75, fps: 15, every: 3,
                            partialDetections: { _ in [Scene.det(.pedGreen, 0.97, head)] }) { _ in
            [Scene.det(.pedRed, 0.9, head)]
        }
        #expect(!cues3.contains { $0.message.key == "signal.green" }, "\(keys(cues3))")
        #expect(cues3.contains { $0.message.key == "signal.red" }, "\(keys(cues3))")
    }

    @Test func redOnAPartialFrameCancelsGreen() throws {
        let engine = Scene.engine()
        _ = try run(engine, count: 30, fps: 15, every: 3) { _ in [Scene.det(.pedGreen, 0.9, head)] }
        #expect(engine.signalPhase == .green)
        let out = try engine.feed(CueFrame(timestamp: 31.0 / 15, detections: [Scene.det(.pedRed, 0.8, head)],
                                           signalCoverage: .partial))
        #expect(out.contains { $0.message.key == "signal.changed.red" })
        #expect(engine.signalPhase == .red)
    }

    @Test func redOnAPartialFrameForbidsGreen() throws {
        // Green on every complete frame, one weak red on a partial frame: no green for a window.
        let engine = Scene.engine()
        var greenAt: Double?
        for i in 0..<45 {
            let complete = i % 3 == 0
            let dets = complete ? [Scene.det(.pedGreen, 0.9, head)] : i == 4 ? [Scene.det(.pedRed, 0.35, head)] : []
            let out = try engine.feed(CueFrame(timestamp: Double(i) / 15, detections: dets,
                                               signalCoverage: complete ? .complete : .partial))
            if greenAt == nil, out.contains(where: { $0.message.key == "signal.green" }) { greenAt = Double(i) / 15 }
        }
        // Without the red, green comes at 9/15 s. The red at 4/15 s is in every window up to
        // the first whose oldest complete frame follows it: green at 15/15 s (window from 6/15 s).
        let g = try #require(greenAt)
        #expect(abs(g - 15.0 / 15) < 1e-9, "green at \(g)")
    }
}

/// The signal-pass rate the rules need.
struct SignalPassRateTests {
    @Test func defaultsNeedFourHertz() {
        let c = CueEngineConfiguration()
        #expect(abs(c.minimumSignalPassRate - 4) < 1e-12)
        #expect(c.signalPassPeriodAllowsGreen(0.25))
        #expect(c.signalPassPeriodAllowsGreen(3.0 / 15))
        #expect(c.signalPassPeriodAllowsGreen(1.0 / 30))
        #expect(!c.signalPassPeriodAllowsGreen(0.26))
        #expect(!c.signalPassPeriodAllowsGreen(3.0 / 10))
        #expect(!c.signalPassPeriodAllowsGreen(0) && !c.signalPassPeriodAllowsGreen(.nan) && !c.signalPassPeriodAllowsGreen(-1))
    }

    @Test func frameCountBindsForALongWindowMinimum() {
        var c = CueEngineConfiguration()
        c.minWindowFrames = 6  // ceil(0.5 / P) + 1 >= 6 needs P < 0.125
        #expect(abs(c.minimumSignalPassRate - 8) < 1e-12)
        #expect(!c.signalPassPeriodAllowsGreen(0.125))
        #expect(c.signalPassPeriodAllowsGreen(0.12))
        c = CueEngineConfiguration()
        c.maxFrameGapSeconds = 1
        c.signalLostSeconds = 0.3
        #expect(abs(c.minimumSignalPassRate - 1 / 0.3) < 1e-9)
        #expect(!c.signalPassPeriodAllowsGreen(0.35))
    }

    @Test func helperAgreesWithTheEngine() throws {
        // A steady, perfect green with the signal pass on every k-th frame: green is said (and
        // held, with no "signal lost") exactly when the helper says the period allows it.
        let config = Scene.config()
        let head = Scene.headBox(bearing: 0, size: 14)
        var checked = 0
        for fps in [5.0, 8.0, 10.0, 12.0, 15.0, 20.0, 24.0, 30.0] {
            for every in 1...8 {
                let period = Double(every) / fps
                // Periods on a limit depend on rounding of the timestamps; skip them.
                if [config.maxFrameGapSeconds, config.signalLostSeconds, config.signalWindowSeconds].contains(where: { abs($0 - period) < 1e-6 }) { continue }
                let engine = Scene.engine(config)
                var cues: [Cue] = []
                for i in 0..<Int(3 * fps) {
                    let complete = i % every == 0
                    cues += try engine.feed(CueFrame(timestamp: Double(i) / fps,
                                                     detections: complete ? [Scene.det(.pedGreen, 0.9, head)] : [],
                                                     signalCoverage: complete ? .complete : .partial))
                }
                let green = cues.contains { $0.message.key == "signal.green" }
                let lost = cues.contains { $0.message.key == "signal.lost" }
                #expect((green && !lost) == config.signalPassPeriodAllowsGreen(period),
                        "fps \(fps) every \(every): green \(green) lost \(lost)")
                #expect(config.signalPassPeriodAllowsGreen(period) == (period <= 1 / config.minimumSignalPassRate),
                        "fps \(fps) every \(every)")
                checked += 1
            }
        }
        #expect(checked > 50)
    }
}

/// Recorded timelines keep the coverage of each frame.
struct SignalCoverageTimelineTests {
    @Test func timelineRoundTripsCoverage() throws {
        let head = Scene.headBox(bearing: 0, size: 14)
        let frames = [
            CueFrame(timestamp: 0, detections: [Scene.det(.pedGreen, 0.9, head)]),
            CueFrame(timestamp: 0.1, detections: [], signalCoverage: .partial),
        ]
        let text = CueTimeline(frames: frames).jsonLines()
        #expect(!text.split(separator: "\n")[0].contains("signal_coverage"))
        #expect(text.split(separator: "\n")[1].contains("\"signal_coverage\": \"partial\""))
        let back = try CueTimeline(jsonLines: Data(text.utf8), source: "test")
        #expect(back.frames.map(\.signalCoverage) == [.complete, .partial])
        let explicit = try CueTimeline(jsonLines: Data(#"{"t": 0, "detections": [], "signal_coverage": "complete"}"#.utf8), source: "x")
        #expect(explicit.frames.first?.signalCoverage == .complete)
        #expect(throws: CueTimelineError.self) {
            try CueTimeline(jsonLines: Data(#"{"t": 0, "detections": [], "signal_coverage": "half"}"#.utf8), source: "x")
        }
    }
}
