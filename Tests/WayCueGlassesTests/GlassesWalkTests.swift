import Foundation
import Testing
import WayCueCapture
import WayCueCues
import WayCueImage
import WayCuePipeline
import WayCueSynth
import WayCueWalkDemo
@testable import WayCueGlasses
@testable import WayCueGlassesTesting

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A rendered walk streamed by the emulated firmware (mirrored JPEGs at 10 frames/s over the
/// camera socket, microphone, speaker and IMU running) through a real server whose detector
/// is the walk's ground truth (the renderer's exact labels and paving masks, not a model):
/// the server's cue log passes every check against the walk's ground truth, and each cue is
/// heard on the speaker stream right after it was decided.
@Suite(.serialized) struct GlassesWalkTests {
    @Test func renderedWalkThroughTheEmulatedFirmwareGivesTheExpectedCues() async throws {
        let path = repositoryRoot.appendingPathComponent("datasets/walks/obstacle-approach.walk").path
        let script = try WalkScript(contentsOfFile: path)
        let book = WalkTruthBook(capacity: 4096)
        let source = WalkFrameSource(script: script, name: "obstacle-approach.walk", width: 320, height: 240, fps: 10, truth: book)
        source.keepMasks = true
        let frames = try await blocking { () throws -> [[UInt8]] in
            var jpegs: [[UInt8]] = []
            while let f = try source.next() { jpegs.append(try f.image.mirroredLeftRight().jpegData(quality: 80)) }
            return jpegs
        }
        let t = try await TestServer.start(speech: false, { config in
            config.pipeline.cues = CueEngineConfiguration(camera: source.world.camera)
            config.pipeline.cues.signalConeDegrees = WalkRunOptions().signalConeDegrees
            config.headTurnLimit = nil  // the emulated head turns; walk cues are checked unfiltered
        }, detector: { _ in GroundTruthDetector(book: book, masks: true) })
        let glasses = EmulatedGlasses(host: "127.0.0.1", port: t.port, imuPort: t.imuPort, fps: 10) { i in
            i < frames.count ? frames[i] : nil
        }
        glasses.start()
        let sent = await t.wait(Double(frames.count) / 10 + 10) { glasses.sent.frames >= frames.count }
        #expect(sent, "sent \(glasses.sent.frames) of \(frames.count); camera failures: \(glasses.cameraFailures.prefix(3))")
        try await Task.sleep(for: .milliseconds(1500))  // the last cue's sound
        let device = try #require(t.server.allDevices().first)
        let stats = try #require(device.pipelineStats())
        let origin = try #require(device.firstFrameEngineTime)
        let lastFrame = Double(frames.count - 1) / 10
        let records = device.cues().filter { $0.t - origin <= lastFrame + 0.5 }
        var cues = records.map(\.cue)
        for i in cues.indices { cues[i].timestamp -= origin }
        let checks = WalkCueCheck.check(cues: cues, events: source.world.events, paving: book.pavingSamples,
                                        bends: WalkCueCheck.sharpBends(script: script, events: source.world.events))
        for c in checks { #expect(c.passed, "\(c.name): \(c.detail)") }
        #expect(checks.contains { $0.name.contains("warned") })
        #expect(!cues.contains { $0.message.key == "system.camera.paused" })
        #expect(stats.framesProcessed >= frames.count - 5, "processed \(stats.framesProcessed) of \(frames.count)")
        // Every spoken cue is heard: sound on the stream within 1.5 s of its decision.
        for r in records where r.cue.kind != .tone {
            let heard = glasses.speaker.samples(arrivedFrom: r.decidedAt, to: r.decidedAt + 1.5)
            #expect(rms(heard[...]) > 0.005, "\(r.t) \(r.text): no sound after it")
        }
        #expect(glasses.speaker.gets.count == 1)
        #expect(glasses.connects.camera == 1)
        glasses.stop()
        await t.stop()
    }
}
