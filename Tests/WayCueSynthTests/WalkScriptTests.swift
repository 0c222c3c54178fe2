import Foundation
import WayCueImage
import Testing
@testable import WayCueSynth

/// The shipped walks, found from this file's location.
private func walkFile(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/walks/\(name)").path
}

@Suite struct WalkScriptTests {
    @Test func parsesEveryKeyword() throws {
        let s = try WalkScript(parsing: """
            # a comment
            name test walk
            seed 9
            camera height 1.1 pitch 20deg hfov 80
            ground tiles
            paving style grey width 0.6 wear 0.5
            walker speed 1.4
            walker offset -0.2m
            paving straight 5m
            paving bend right 30deg over 3m   # trailing comment
            paving warning 0.6m
            paving plain 2
            crossing road 9m width 3m wear 0.1
            light ped red for 8s then green for 10s then flashing 3s countdown
            light vehicle green 5s then yellow 2s then red 6s
            obstacle cone at x=0.3 y=10 speed 1.2
            obstacle pole at x=-1 y=4 height 3
            pause 2s at 3m
            duration 30s
            sun azimuth 100 elevation 30 strength 0.5
            exposure 1.1
            noise 2
            blur 3
            jpeg 75
            shake 0.5
            """, source: "t.walk")
        #expect(s.name == "test walk")
        #expect(s.seed == 9)
        #expect(s.cameraHeight == 1.1 && s.cameraPitch == 20 && s.cameraHFOV == 80)
        #expect(s.ground == .tiles && s.pavingColor == .grey && s.pavingWidth == 0.6)
        #expect(s.walkerSpeed == 1.4 && s.walkerOffset == -0.2)
        #expect(s.route == [.straight(length: 5), .bend(degrees: 30, length: 3), .warning(length: 0.6), .plain(length: 2),
                            .crossing(road: 9, width: 3, wear: 0.1)])
        #expect(s.lights.count == 2)
        #expect(s.lights[0].phases.map(\.state) == ["red", "green", "flashing"] && s.lights[0].countdown)
        #expect(s.lights[1].phases.map(\.seconds) == [5, 2, 6])
        #expect(s.obstacles.count == 2 && s.obstacles[0].speed == 1.2 && s.obstacles[1].height == 3)
        #expect(s.pauses == [WalkScript.Pause(at: 3, seconds: 2)])
        #expect(s.duration == 30 && s.effects.jpegQuality == 75 && s.effects.horizontalBlur == 3 && s.shake == 0.5)
    }

    @Test(arguments: [
        ("paving straight 5m\nbogus 3", 2, "unknown keyword 'bogus'"),
        ("paving straight five", 1, "expected a length like 5m, got 'five'"),
        ("paving straight 5m\nlight ped red for 3s", 2, "must follow the 'crossing'"),
        ("paving bend left 20deg 4m", 1, "expected 'over'"),
        ("paving straight 5m\ncrossing road 8m\nlight ped purple for 3s", 3, "unknown pedestrian light state 'purple'"),
        ("paving straight 5m\nobstacle cone y=3", 2, "needs a position"),
        ("paving straight 5m extra", 1, "unexpected 'extra'"),
        ("walker speed 99", 1, "out of range"),
        ("# only a comment", 0, "no route"),
        ("paving straight 5m\npause 2s 3m", 2, "expected 'at'"),
        ("paving straight nanm", 1, "expected a length"),
        (String(repeating: "paving straight 900m\n", count: 6), 6, "longer than"),
    ])
    func errorsNameTheLineAndReason(text: String, line: Int, fragment: String) {
        do {
            _ = try WalkScript(parsing: text, source: "bad.walk")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.source == "bad.walk")
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.description.hasPrefix(line > 0 ? "bad.walk:\(line): " : "bad.walk: "))
        }
    }

    @Test func missingFileIsATypedError() {
        #expect(throws: WalkScriptError.self) { try WalkScript(contentsOfFile: "/nonexistent/x.walk") }
    }

    /// Bounded fuzzing: random edits of a valid script either parse or throw a typed error
    /// pointing at a line of the script; nothing crashes or hangs.
    @Test func fuzzedScriptsParseOrFailCleanly() throws {
        let base = try String(contentsOfFile: walkFile("demo.walk"), encoding: .utf8)
        var rng = SynthRandom(seed: 2024)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 .=-#\n\tmsdegxy")
        let words = ["paving", "crossing", "light", "obstacle", "then", "for", "at", "x=", "y=", "1e308", "-0", "nan",
                     "inf", "bend", "over", "1e-9", "99999", "countdown", "\u{0}", "é", "straight"]
        var parsed = 0, failed = 0
        for _ in 0..<400 {
            var chars = Array(base)
            for _ in 0..<rng.int(1...6) {
                let pos = rng.int(0...max(0, chars.count - 1))
                switch rng.int(0...3) {
                case 0: if !chars.isEmpty { chars.remove(at: pos) }
                case 1: chars.insert(rng.pick(alphabet), at: pos)
                case 2: chars.insert(contentsOf: Array(" " + rng.pick(words) + " "), at: pos)
                default:
                    let end = min(chars.count, pos + rng.int(1...40))
                    if pos < end { chars.removeSubrange(pos..<end) }
                }
            }
            let text = String(chars)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                let s = try WalkScript(parsing: text, source: "fuzz")
                #expect(!s.route.isEmpty)
                parsed += 1
                if parsed % 15 == 1 {
                    // Whatever parses also simulates and renders (tiny frames, coarse ground).
                    let world = WalkWorld(script: s, imageWidth: 32, imageHeight: 24, minimumTexel: 0.25)
                    let n = world.frameCount(fps: 1)
                    #expect(n >= 1)
                    let (frame, truth) = world.frame(index: n - 1, fps: 1)
                    #expect(frame.image.width == 32)
                    #expect(truth.events.last?.type == "end")
                }
            } catch {
                #expect(error.line >= 0 && error.line <= lines)
                #expect(!error.message.isEmpty)
                failed += 1
            }
        }
        #expect(parsed > 0 && failed > 0)
    }

    @Test func shippedWalksParse() throws {
        let dir = URL(fileURLWithPath: walkFile(""))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".walk") }
        #expect(files.count >= 5)
        for f in files { _ = try WalkScript(contentsOfFile: dir.appendingPathComponent(f).path) }
    }
}

@Suite struct WalkTimelineTests {
    let world: WalkWorld

    init() throws {
        let script = try WalkScript(contentsOfFile: walkFile("demo.walk"))
        world = WalkWorld(script: script, imageWidth: 96, imageHeight: 72, minimumTexel: 0.05)
    }

    func firstTime(_ type: String, name: String? = nil, detail: String? = nil) -> Double? {
        world.events.first { $0.type == type && (name == nil || $0.name == name) && (detail == nil || $0.detail == detail) }?.t
    }

    @Test func demoLastsThirtyToFortyFiveSeconds() {
        #expect(world.duration >= 30 && world.duration <= 45)
    }

    @Test func eventsAreInTimeOrder() {
        let times = world.events.map(\.t)
        #expect(times == times.sorted())
        #expect(world.events.first?.type == "start" && world.events.last?.type == "end")
    }

    @Test func walkerWaitsAtTheKerbForTheGreen() throws {
        let arrival = try #require(firstTime("kerb_arrival"))
        let green = try #require(firstTime("light_change", name: "ped1", detail: "green"))
        let start = try #require(firstTime("crossing_start"))
        let end = try #require(firstTime("crossing_end"))
        #expect(arrival < green && green <= start && start < end)
        #expect(abs(green - 24) < 1e-9)
        // Waiting in between: the truth says so and the walker does not move.
        let fps = 5.0
        let (_, a) = world.frame(index: Int((arrival + 1) * fps), fps: fps)
        let (_, b) = world.frame(index: Int((green - 1) * fps), fps: fps)
        #expect(a.walker.state == "waiting" && b.walker.state == "waiting")
        #expect(a.walker.s == b.walker.s)
        #expect(a.lights.first { $0.name == "ped1" }?.lit == "red")
        let (_, c) = world.frame(index: Int((green + 2) * fps), fps: fps)
        #expect(c.lights.first { $0.name == "ped1" }?.lit == "green")
        #expect(c.lights.first { $0.name == "ped1" }?.countdown == 14)
        #expect(c.walker.state == "walking")
    }

    @Test func coneIsNearBeforeItIsPassedAndNeverTouched() throws {
        let near = try #require(firstTime("obstacle_near", name: "cone1"))
        let passed = try #require(firstTime("obstacle_passed", name: "cone1"))
        #expect(near < passed)
        #expect(firstTime("obstacle_contact") == nil)
        // At the warning the cone is ahead, within 3 m, slightly to the right.
        let (_, t) = world.frame(index: Int((near + 0.1) * 10), fps: 10)
        let cone = try #require(t.obstacles.first { $0.name == "cone1" })
        #expect(cone.distance < 3 && cone.distance > 2)
        #expect(cone.bearing > 0 && cone.bearing < 25)
    }

    @Test func pavingTruthFollowsTheBend() throws {
        // At the start the walker is on the paving, facing along it.
        let (_, t0) = world.frame(index: 0, fps: 10)
        let p0 = try #require(t0.paving)
        #expect(abs(p0.offset) < 1e-6 && abs(p0.heading) < 1e-6)
        // Walking the bend, the walker turns left with it.
        let (_, t1) = world.frame(index: 90, fps: 10)  // 9 s: 10.8 m, inside the bend (8...12 m)
        #expect(t1.walker.heading < -5 && t1.walker.heading > -20)
        // On the road there is no paving to follow.
        let start = try #require(firstTime("crossing_start"))
        let (_, t2) = world.frame(index: Int((start + 2) * 10), fps: 10)
        #expect(t2.paving == nil)
    }

    @Test func everyEventIsReportedInExactlyOneFrame() {
        let fps = 4.0
        let n = world.frameCount(fps: fps)
        var reported = 0
        for i in 0..<n {
            // Only the truth is needed here; frames are tiny.
            reported += world.frame(index: i, fps: fps).1.events.count
        }
        #expect(reported == world.events.count)
    }
}

@Suite struct Y4MTests {
    @Test func writesHeaderAndPlanes() throws {
        let path = NSTemporaryDirectory() + "waycue-synth-\(getpid()).y4m"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try Y4MWriter(path: path, width: 6, height: 4, fps: 10)
        var img = WayCueImage.Image(width: 6, height: 4, format: .rgb8, fill: 255)
        img.pixels[0] = 0
        try w.append(img)
        try w.append(img)
        w.close()
        let data = try #require(FileManager.default.contents(atPath: path))
        let header = "YUV4MPEG2 W6 H4 F10000:1000 Ip A1:1 C420jpeg\n"
        #expect(data.count == header.utf8.count + 2 * ("FRAME\n".utf8.count + 24 + 2 * 6))
        #expect(String(decoding: data.prefix(header.utf8.count), as: UTF8.self) == header)
        // White luma is 255.
        #expect(data[header.utf8.count + 6 + 1] == 255)
    }
}
