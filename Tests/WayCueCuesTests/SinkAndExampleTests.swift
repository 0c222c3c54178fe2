import Foundation
import Testing
import WayCueDetector
@testable import WayCueCues

struct SinkAndExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/examples/cues").standardized

    /// Plays an example timeline the way `waycue cues render` does and returns (t, key) pairs.
    func play(_ name: String) throws -> [String] {
        let timeline = try CueTimeline(contentsOf: Self.examples.appendingPathComponent(name))
        let engine = try CueEngine(language: "en")
        return try timeline.play(through: engine, tickInterval: 0.1, tail: 0.5)
            .map { String(format: "%.1f %@", $0.timestamp, $0.message.key) }
    }

    @Test func crossingExample() throws {
        #expect(try play("crossing.jsonl") == [
            "0.5 signal.red", "1.3 crosswalk.ahead.turn", "4.5 tone.locator", "5.5 tone.locator",
            // The walker steps onto the crosswalk at 11.2 s, on the green: when the flashing
            // green goes dark they hear "keep crossing", not "wait" (no "on the crosswalk"
            // at 10.3 s any more, when they were still 1.1 m before it, so the walk ticks play).
            // The same "turn slightly right" is not repeated within 15 s on the approach.
            "6.4 signal.green", "8.4 crosswalk.ahead",
            "10.5 tone.walk", "11.5 tone.walk", "12.5 tone.walk",
            "12.8 signal.lost.crossing", "13.0 signal.flashing.crossing",
        ])
    }

    @Test func pavingWalkExample() throws {
        #expect(try play("paving-walk.jsonl") == [
            // The pole beside the path is said once (no distance update at 4.8 s any more),
            // so "off the paving" comes 0.4 s sooner.
            "0.5 paving.ahead", "2.1 obstacle", "2.3 collision", "6.6 paving.off",
            "7.9 paving.ahead", "8.4 paving.ends", "9.8 paving.warning",
        ])
    }

    @Test func cameraDropoutExample() throws {
        #expect(try play("camera-dropout.jsonl") == [
            "0.5 signal.green", "2.6 tone.walk", "3.3 signal.lost", "5.0 system.camera.paused",
            "5.5 system.camera.resumed", "6.0 signal.red", "7.0 tone.locator", "7.5 signal.green",
            "9.4 signal.lost",
        ])
    }

    @Test func jsonLineFormat() throws {
        let cue = Cue(timestamp: 1.23456, kind: .obstacle, priority: .obstacle,
                      message: CueMessage("obstacle", ["class": "pole", "clock": "1", "distance": "2"]),
                      text: "pole, 1 o'clock, 2 metres", speech: "pole, 1 o'clock, 2 metres", pan: 0.666,
                      urgency: 0.5, earcon: .beep, trackID: 7)
        #expect(JSONLinesCueSink.line(for: cue) == #"{"args":{"class":"pole","clock":"1","distance":"2"},"earcon":"beep","key":"obstacle","kind":"obstacle","pan":0.67,"priority":60,"t":1.235,"text":"pole, 1 o'clock, 2 metres","track":7,"urgency":0.5}"#)
        let back = try JSONDecoder().decode(Cue.self, from: Data(JSONLinesCueSink.line(for: cue).utf8))
        #expect(back.message == cue.message && back.trackID == 7 && back.speech == cue.text)
    }

    @Test func sinksReceiveTheCueDuringTheFeedThatCausedIt() throws {
        var received: [(Double, String)] = []
        let json = JSONLinesCueSink()
        let engine = try CueEngine(language: "en", sinks: [CallbackCueSink { received.append(($0.timestamp, $0.message.key)) }, json])
        let head = Scene.headBox(bearing: 0, size: 30)
        for i in 0...6 {
            try engine.feed([Scene.det(.pedGreen, 0.9, head)], at: Double(i) / 10)
            // Already delivered when feed returns, at the frame's own timestamp.
            if i == 5 { #expect(received.map(\.1) == ["signal.green"] && received[0].0 == 0.5) }
        }
        #expect(json.lines.count == received.count)
    }

    #if os(Linux) || os(macOS)
    @Test func aplaySinkPipesAWAVToThePlayer() throws {
        // A stand-in for aplay that stores what it is given.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-aplay-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("played.wav")
        let script = dir.appendingPathComponent("fake-aplay")
        try "#!/bin/sh\nfor a; do f=\"$a\"; done\ncp \"$f\" '\(out.path)'\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let sink = try #require(AplayCueSink(speech: nil, voice: "en", executable: script))
        sink.receive(Cue(timestamp: 0, kind: .signal, priority: .signalChange, message: CueMessage("signal.lost"),
                         text: "", speech: "", pan: -1, urgency: 1, earcon: .alert))
        try sink.finish()
        var track: StereoTrack?
        for _ in 0..<50 where track == nil {  // the copy may still be in progress
            if let data = try? Data(contentsOf: out), data.count > 44 { track = try? StereoTrack(wav: data, source: out.path) }
            if track == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let played = try #require(track)
        #expect(abs(played.duration - Earcon.duration(.alert, urgency: 1)) < 0.01)
        #expect(played.rms(channel: 0) > 0.05 && played.rms(channel: 1) < 1e-4)
        #expect(sink.errors.isEmpty)
    }
    #endif
}
