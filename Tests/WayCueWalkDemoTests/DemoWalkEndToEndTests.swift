import Foundation
import Testing
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCuePipeline
@testable import WayCueSynth
@testable import WayCueWalkDemo

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite struct DemoWalkEndToEndTests {
    @Test func embeddedDemoWalkIsTheShippedFile() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent("datasets/walks/demo.walk"), encoding: .utf8)
        #expect(DemoWalk.text + "\n" == file)
        #expect(try DemoWalk.script().name == "demo")
    }

    /// The whole pipeline on the demo walk with exact ground truth: the outputs show the walk's
    /// events in order, checked against the walk's ground-truth events.
    @Test func demoWalkCuesFollowTheWalksGroundTruth() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = WalkRunOptions()
        options.speech = false  // earcons only: fast and independent of espeak-ng
        let result = try WalkRun.run(script: try DemoWalk.script(), name: "demo.walk", options: options, outputDirectory: dir)

        // Every check holds, and the three the issue names are among them.
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        let names = result.checks.map(\.name)
        #expect(names.contains("paving followed"))
        #expect(names.contains { $0.hasPrefix("red then green at the crossing") })
        #expect(names.contains("cone1 warned before contact"))

        // Timing against the ground truth: green within 2 s after the light turned green at 24 s,
        // red before it; the cone warned at least 1 s before it was within 3 m (9.23 s).
        let cues = result.cues
        let green = try #require(cues.first { $0.message.key == "signal.green" })
        #expect(green.timestamp >= 24 && green.timestamp <= 26)
        let red = try #require(cues.first { $0.message.key == "signal.red" })
        #expect(red.timestamp < green.timestamp)
        #expect(!cues.contains { $0.message.key == "signal.green" && $0.timestamp < 24 })
        let cone = try #require(cues.first { $0.message.arguments["class"] == "cone" })
        #expect(cone.timestamp <= 9.23 - 1)
        #expect(!cues.contains { $0.message.key == "system.camera.paused" || $0.message.key == "system.vision.lagging" })

        // The pipeline processed every frame of the walk.
        #expect(result.report.endReason == .sourceEnded)
        #expect(result.report.stats.framesProcessed == 360 && result.report.stats.framesDropped == 0)

        // The files: JSON lines (one per cue), a WAV at least as long as the walk, a PNG sheet,
        // and a summary naming the ground-truth detector.
        let files = try #require(result.files)
        let lines = try String(contentsOf: files.cuesJSONL, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == cues.count)
        let decoded = try lines.map { try JSONDecoder().decode(Cue.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.message.key) == cues.map(\.message.key))
        let track = try StereoTrack(wav: try Data(contentsOf: files.cuesWAV), source: files.cuesWAV.path)
        #expect(track.duration >= 35.9)
        #expect(track.rms(channel: 0, from: green.timestamp, to: green.timestamp + 0.3) > 0.001)
        let sheet = try Image(contentsOfFile: files.contactSheet.path)
        #expect(sheet.width > 320 && sheet.height > 240)
        let summary = try String(contentsOf: files.summary, encoding: .utf8)
        #expect(summary.contains("ground-truth") && summary.contains("not from a model"))
    }

    /// What `waycue demo` runs: the bundled int8 default model, not the walk's labels. Every
    /// check against the walk's ground truth holds (paving followed, red then green at the
    /// crossing, each obstacle warned before it is within 3 m), and green is never said while
    /// the light is red.
    @Test func demoWalkWithTheBundledModelPassesEveryCheck() throws {
        var options = WalkRunOptions()
        options.speech = false
        let detector = try Detector.default(threads: 2)
        let result = try WalkRun.run(script: try DemoWalk.script(), name: "demo.walk", options: options,
                                     detector: detector)
        #expect(result.detector == detector.modelID)
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        #expect(result.checks.count == 8)
        #expect(result.checks.contains { $0.name == "no warning tiles announced where there are none" })
        #expect(!result.cues.contains { $0.message.key == "signal.green" && $0.timestamp < 24 })
        let green = try #require(result.cues.first { $0.message.key == "signal.green" })
        #expect(green.timestamp <= 24 + WalkCueCheck.greenDelayLimit)
        #expect(result.report.stats.framesProcessed == 360)
    }

    /// Mandarin phrases are longer, so the channel is busy longer: every check must still hold
    /// (red said before the green, each obstacle warned before it is within 3 m).
    @Test func mandarinDemoWalkPassesEveryCheck() throws {
        var options = WalkRunOptions()
        options.language = "zh"
        options.speech = false
        let result = try WalkRun.run(script: try DemoWalk.script(), name: "demo.walk", options: options, outputDirectory: nil)
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        #expect(result.checks.count >= 7)
    }

    /// With seeded detection noise (10 % of labels missed, scores down to 0.75, boxes moved by
    /// up to 2 px) the cue layer still never says green while the light is red, still warns of the
    /// cone before it is near, and still says red then green.
    @Test func noisyGroundTruthKeepsTheSafetyOrder() throws {
        var options = WalkRunOptions()
        options.speech = false
        options.noise = GroundTruthNoise(seed: 7, dropout: 0.1, baseScore: 0.95, scoreJitter: 0.2, boxJitter: 2)
        let result = try WalkRun.run(script: try DemoWalk.script(), name: "demo.walk", options: options)
        let cues = result.cues
        #expect(!cues.contains { $0.message.key == "signal.green" && $0.timestamp < 24 })
        let crossing = try #require(result.checks.first { $0.name.hasPrefix("red then green") })
        #expect(crossing.passed, "\(crossing.detail)")
        let cone = try #require(result.checks.first { $0.name == "cone1 warned before contact" })
        #expect(cone.passed, "\(cone.detail)")
    }
}

@Suite struct WalkCueCheckTests {
    func cue(_ t: Double, _ key: String, kind: CueKind, args: [String: String] = [:]) -> Cue {
        Cue(timestamp: t, kind: kind, priority: .signalState, message: CueMessage(key, args), text: key, speech: key,
            pan: 0, urgency: 0, earcon: .status, interrupts: false, trackID: nil)
    }

    let events = [
        WalkEvent(t: 5, type: "obstacle_near", name: "cone1", detail: nil, s: 6),
        WalkEvent(t: 10, type: "kerb_arrival", name: nil, detail: nil, s: 12),
        WalkEvent(t: 14, type: "light_change", name: "ped1", detail: "green", s: 12),
    ]
    let paving = (0..<100).map { WalkCueCheck.PavingSample(t: Double($0) * 0.1, offset: 0.05) }

    @Test func aCorrectTimelinePasses() {
        let cues = [
            cue(3, "obstacle", kind: .obstacle, args: ["class": "cone"]), cue(8, "paving.ends", kind: .paving),
            cue(9, "signal.red", kind: .signal), cue(14.5, "signal.green", kind: .signal),
        ]
        let results = WalkCueCheck.check(cues: cues, events: events, paving: paving)
        #expect(results.count == 4 && results.allSatisfy(\.passed))
    }

    @Test func greenWhileRedLateGreenLateWarningAndFalseOffPavingFail() {
        let cues = [
            cue(2, "paving.off", kind: .paving), cue(5.5, "obstacle", kind: .obstacle, args: ["class": "cone"]),
            cue(9, "signal.red", kind: .signal), cue(12, "signal.green", kind: .signal), cue(17, "signal.green", kind: .signal),
        ]
        let results = WalkCueCheck.check(cues: cues, events: events, paving: paving)
        let failed = Set(results.filter { !$0.passed }.map(\.name))
        #expect(failed.contains("paving followed"))
        #expect(failed.contains("paving end announced before the kerb"))
        #expect(failed.contains { $0.hasPrefix("red then green") })
        #expect(failed.contains("cone1 warned before contact"))
        let crossing = results.first { $0.name.hasPrefix("red then green") }!
        #expect(crossing.detail.contains("while the light was red") && crossing.detail.contains("after the light turned green"))
    }
}

extension WalkCueCheckTests {
    @Test func onTheCrosswalkWhileWaitingAndWaitMidCrossingFail() {
        let crossing = events + [
            WalkEvent(t: 16, type: "crossing_start", name: nil, detail: nil, s: 12),
            WalkEvent(t: 22, type: "crossing_end", name: nil, detail: nil, s: 20),
        ]
        let good = [
            cue(9, "signal.red", kind: .signal), cue(14.5, "signal.green", kind: .signal),
            cue(17, "crosswalk.on", kind: .crosswalk), cue(18, "signal.lost.crossing", kind: .signal),
        ]
        let ok = WalkCueCheck.check(cues: good, events: crossing, paving: [])
        #expect(ok.contains { $0.name.hasPrefix("crossing cues match") && $0.passed })
        let bad = [
            cue(9, "signal.red", kind: .signal), cue(11, "crosswalk.on", kind: .crosswalk),
            cue(14.5, "signal.green", kind: .signal), cue(18, "signal.lost", kind: .signal),
        ]
        let results = WalkCueCheck.check(cues: bad, events: crossing, paving: [])
        let check = results.first { $0.name.hasPrefix("crossing cues match") }!
        #expect(!check.passed)
        #expect(check.detail.contains("while waiting at the kerb") && check.detail.contains("in the middle of the crossing"))
    }
}

@Suite struct GroundTruthDetectorTests {
    @Test func labelsAreMappedIntoTheLetterboxAndNoiseIsSeededPerFrame() throws {
        let book = WalkTruthBook(capacity: 4)
        var truth = WalkTruthFrame(frame: 3, t: 0.3, walker: WalkerTruth(x: 0, y: 0, heading: 0, s: 0, state: "walking"),
                                   paving: nil, kerbAhead: nil, obstacles: [], lights: [],
                                   labels: [], events: [])
        truth.labels = (0..<50).map { i in
            LabelTruth(objectClass: "cone", box: [Float(i), 10, Float(i) + 20, 30])
        }
        book.store(truth, sequence: 3)
        let frame = Frame(image: Image(width: 64, height: 48), timestamp: 0.3, sequence: 3, sourceFormat: .rgb24)
        let transform = LetterboxTransform(sourceWidth: 64, sourceHeight: 48, targetWidth: 128, targetHeight: 128)

        let exact = GroundTruthDetector(book: book)
        exact.prepare(for: frame, transform: transform)
        let found = try exact.detect(Image(width: 128, height: 128))
        #expect(found.count == 50)
        #expect(found[0].box == Box(x1: 0, y1: 36, x2: 40, y2: 76) && found[0].score == 1)
        #expect(try exact.detect(Image(width: 128, height: 128)).isEmpty)  // one answer per prepare

        let noise = GroundTruthNoise(seed: 3, dropout: 0.3, baseScore: 0.9, scoreJitter: 0.1)
        let a = GroundTruthDetector(book: book, noise: noise), b = GroundTruthDetector(book: book, noise: noise)
        a.prepare(for: frame, transform: transform)
        b.prepare(for: frame, transform: transform)
        let na = try a.detect(Image(width: 128, height: 128)), nb = try b.detect(Image(width: 128, height: 128))
        #expect(na == nb)
        #expect(na.count > 20 && na.count < 50)
        #expect(na.allSatisfy { $0.score <= 0.9 && $0.score >= 0.8 })

        // Truth no longer kept: nothing, counted.
        let gone = Frame(image: Image(width: 64, height: 48), timestamp: 9, sequence: 99, sourceFormat: .rgb24)
        exact.prepare(for: gone, transform: nil)
        #expect(try exact.detect(Image(width: 64, height: 48)).isEmpty && exact.missingTruth == 1)
    }
}

/// The paving walks through the cue layer's mask following, with the renderer's exact masks
/// (`waycue demo --walk FILE --detector truth --truth-masks`): the cue layer alone, apart from
/// what a model misses.
@Suite struct PavingWalkTests {
    static func walk(_ name: String) throws -> WalkScript {
        try WalkScript(contentsOfFile: repositoryRoot.appendingPathComponent("datasets/walks/\(name)").path)
    }

    static func runWithTruthMasks(_ name: String) throws -> WalkRunResult {
        var options = WalkRunOptions()
        options.speech = false
        options.truthMasks = true
        return try WalkRun.run(script: try walk(name), name: name, options: options)
    }

    @Test func bendingBranchingGreyStripIsFollowed() throws {
        let result = try Self.runWithTruthMasks("paving-branch-grey.walk")
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        let names = result.checks.map(\.name)
        #expect(names.contains("paving followed"))
        #expect(names.contains { $0.hasPrefix("bend left announced") })
        #expect(names.contains { $0.hasPrefix("junction announced") })
        // The strip goes on past the junction's warning square: it never "ends" or is "lost" there.
        #expect(!result.cues.contains { $0.message.key == "paving.lost" })
        #expect(!result.cues.contains { $0.message.key == "paving.ends" })
    }

    @Test func ninetyDegreeBendIntoWarningTiles() throws {
        let result = try Self.runWithTruthMasks("bend-right-worn.walk")
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        #expect(result.checks.contains { $0.name.hasPrefix("bend right announced") })
        #expect(result.checks.contains { $0.name.hasPrefix("warning tiles announced") })
    }

    /// What `waycue demo --walk datasets/walks/paving-branch-grey.walk` runs: the bundled model
    /// and its mask head, no ground truth. Every paving check holds: the strip followed without
    /// a false "off the paving" or "paving lost", the 60-degree bend and the junction announced,
    /// no junction and no warning tiles announced where there are none.
    @Test func bendingBranchingGreyStripWithTheBundledModel() throws {
        var options = WalkRunOptions()
        options.speech = false
        let detector = try Detector.default(threads: 2)
        #expect(detector.producesMasks)
        let result = try WalkRun.run(script: try Self.walk("paving-branch-grey.walk"), name: "paving-branch-grey.walk",
                                     options: options, detector: detector)
        let paving = result.checks.filter {
            $0.name.hasPrefix("paving") || $0.name.hasPrefix("bend") || $0.name.hasPrefix("junction")
                || $0.name.hasPrefix("no junction") || $0.name.hasPrefix("no warning tiles")
        }
        #expect(paving.count == 5)
        for c in paving { #expect(c.passed, "\(c.name): \(c.detail)") }
    }

    @Test func demoWalkWithTruthMasksStillPassesEveryCheck() throws {
        var options = WalkRunOptions()
        options.speech = false
        options.truthMasks = true
        let result = try WalkRun.run(script: try DemoWalk.script(), name: "demo.walk", options: options)
        for c in result.checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        #expect(result.checks.count == 8)
    }
}

extension WalkCueCheckTests {
    @Test func bendsJunctionsWarningTilesAndLostPavingAreChecked() {
        let evs = [
            WalkEvent(t: 0, type: "start", name: nil, detail: nil, s: 0),
            WalkEvent(t: 6, type: "junction", name: nil, detail: "left", s: 7),
            WalkEvent(t: 12, type: "piece", name: nil, detail: "warning", s: 14),
        ]
        let bends = [(t: 4.0, degrees: -60.0)]
        let good = [
            cue(2, "paving.bends", kind: .paving, args: ["side": "left"]), cue(4.5, "paving.junction", kind: .paving, args: ["side": "left"]),
            cue(9, "paving.warning", kind: .paving),
        ]
        let ok = WalkCueCheck.check(cues: good, events: evs, paving: paving, bends: bends)
        #expect(ok.count == 5 && ok.allSatisfy(\.passed), "\(ok)")
        // Wrong side, too late, missing, and "paving lost" while on the paving.
        let bad = [
            cue(2, "paving.bends", kind: .paving, args: ["side": "right"]), cue(7, "paving.junction", kind: .paving, args: ["side": "left"]),
            cue(5, "paving.lost", kind: .paving),
        ]
        let failed = Set(WalkCueCheck.check(cues: bad, events: evs, paving: paving, bends: bends).filter { !$0.passed }.map(\.name))
        #expect(failed == ["paving followed", "bend left announced (entered at 4.0 s)", "junction announced (reached at 6.0 s)",
                           "warning tiles announced (reached at 12.0 s)"])
    }

    /// A junction cue with no junction of the route behind it (the wrong side, long after the
    /// junction, or on a walk without junctions) fails; the right one passes.
    @Test func junctionsThatAreNotThereAreCaught() {
        let evs = [
            WalkEvent(t: 0, type: "start", name: nil, detail: nil, s: 0),
            WalkEvent(t: 15.5, type: "junction", name: nil, detail: "left", s: 17),
        ]
        let name = "no junction announced where there is none"
        func check(_ cues: [Cue], _ events: [WalkEvent]) -> WalkCueCheck.Result? {
            WalkCueCheck.check(cues: cues, events: events, paving: paving).first { $0.name == name }
        }
        let right = cue(14.9, "paving.junction", kind: .paving, args: ["side": "left"])
        #expect(check([right], evs)?.passed == true)
        // The cue heard from a head on paving-branch-grey.walk: at the kerb, to the right.
        let late = cue(22.9, "paving.junction", kind: .paving, args: ["side": "right"])
        let r = check([right, late], evs)
        #expect(r?.passed == false && (r?.detail.contains("22.9") ?? false), "\(String(describing: r))")
        #expect(check([cue(14.9, "paving.junction", kind: .paving, args: ["side": "right"])], evs)?.passed == false)
        #expect(check([cue(14.9, "paving.junction.both", kind: .paving)], evs)?.passed == true)
        // A walk without junctions: no check unless a junction is announced, then it fails.
        let plain = [WalkEvent(t: 0, type: "start", name: nil, detail: nil, s: 0)]
        #expect(check([], plain) == nil)
        #expect(check([late], plain)?.passed == false)
    }
}

extension WalkCueCheckTests {
    /// "Warning tiles" with no warning tiles within 12 m ahead fails, with the distance in the
    /// detail; with tiles near it passes; without the distance function there is no check.
    @Test func warningTilesThatAreNotThereAreCaught() {
        let evs = [WalkEvent(t: 0, type: "start", name: nil, detail: nil, s: 0)]
        // Tiles 20 m from the start, the walker at 1 m/s, none after them.
        let distance: (Double) -> Double? = { t in t <= 21.5 ? max(0, 20 - t) : nil }
        let name = "no warning tiles announced where there are none"
        func check(_ cues: [Cue]) -> WalkCueCheck.Result? {
            WalkCueCheck.check(cues: cues, events: evs, paving: [], warningTiles: distance).first { $0.name == name }
        }
        #expect(check([]) == nil)
        #expect(check([cue(9, "paving.warning", kind: .paving), cue(20.5, "paving.warning", kind: .paving)])?.passed == true)
        let early = check([cue(3, "paving.warning", kind: .paving)])
        #expect(early?.passed == false && (early?.detail.contains("17.0 m ahead") ?? false), "\(String(describing: early))")
        let after = check([cue(25, "paving.warning", kind: .paving)])
        #expect(after?.passed == false && (after?.detail.contains("no warning tiles left") ?? false))
        #expect(WalkCueCheck.check(cues: [cue(3, "paving.warning", kind: .paving)], events: evs, paving: [])
            .allSatisfy { $0.name != name })
    }

    /// A walk that starts on the previous cycle's green (as `crossing-flashing.walk` does):
    /// "green" said then is right, not "green while red"; said during the red it is still wrong.
    @Test func greenOnThePreviousCycleIsNotEarly() {
        let evs = [
            WalkEvent(t: 5, type: "light_change", name: "ped1", detail: "flashing", s: 6),
            WalkEvent(t: 5.5, type: "kerb_arrival", name: nil, detail: nil, s: 7),
            WalkEvent(t: 9, type: "light_change", name: "ped1", detail: "red", s: 7),
            WalkEvent(t: 21, type: "light_change", name: "ped1", detail: "green", s: 7),
        ]
        let good = [cue(0.5, "signal.green", kind: .signal), cue(9.3, "signal.red", kind: .signal), cue(21.5, "signal.green", kind: .signal)]
        let r = WalkCueCheck.check(cues: good, events: evs, paving: [])
        #expect(r.count == 1 && r[0].passed, "\(r)")
        let bad = good + [cue(12, "signal.green", kind: .signal), cue(12.5, "signal.red", kind: .signal)]
        let b = WalkCueCheck.check(cues: bad.sorted { $0.timestamp < $1.timestamp }, events: evs, paving: [])
        #expect(b.count == 1 && !b[0].passed && b[0].detail.contains("12.0 s"))
    }
}
