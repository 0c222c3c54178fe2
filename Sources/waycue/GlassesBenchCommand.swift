import ArgumentParser
import Foundation
import Logging
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueGlasses
import WayCueGlassesTesting
import WayCueImage
import WayCueWalkDemo

/// `waycue bench glasses`: several emulated glasses streaming a rendered walk into one
/// in-process `waycue glasses` server over loopback; frame-to-cue latency, drops and the
/// audio timing (cue decided to its samples written on `/stream.wav`).
struct GlassesBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glasses",
        abstract: "Emulated glasses (stock-firmware protocol) against `waycue glasses`: latency, drops, audio timing.",
        discussion: """
            Each emulated device has its own loopback address (127.0.0.2, 127.0.0.3, ...: Linux \
            routes all of 127/8 to loopback), sends the demo walk rendered at --frame-size as \
            mirrored JPEGs at --fps over /ws/camera, 20 ms microphone frames over /ws_audio, reads \
            /stream.wav with the firmware's timeouts and sends IMU datagrams at 50 Hz.
            Frame-to-cue: from the JPEG's arrival on the server to the cue engine's decision \
            (pipeline stage frame_to_cue). Drops: frames replaced by a newer one before detection. \
            Audio: from a cue's decision to its first sample (earcon) and its first speech sample \
            being written to the stream.
            """
    )

    @Option(help: "Emulated glasses.")
    var devices = 4
    @Option(help: "Camera frames per second of each device.")
    var fps = 15.0
    @Option(help: "Seconds to stream.")
    var seconds = 20.0
    @Option(name: .customLong("frame-size"), help: "Frame size WIDTHxHEIGHT (the firmware sends VGA, 640x480).")
    var frameSize = "640x480"
    @Option(help: "Detector: model (the bundled default or --model) or truth (the walk's labels, not a model).")
    var detector = "model"
    @Option(help: "Model file for --detector model.")
    var model: String?
    @Option(name: .customLong("input-size"), help: "Detector input size.")
    var inputSize = 320
    @Flag(help: "Earcons only (no espeak-ng).")
    var noSpeech = false
    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let parts = frameSize.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 64, parts[1] >= 48 else { throw ValidationError("--frame-size WIDTHxHEIGHT") }
        guard devices >= 1 && devices <= 32 else { throw ValidationError("--devices 1...32") }
        guard ["model", "truth"].contains(detector) else { throw ValidationError("--detector model or truth") }
        let walkFPS = 10.0
        let count = min(360, max(10, Int(seconds * walkFPS)))
        FileHandle.standardError.write(Data("rendering \(count) frames of the demo walk at \(frameSize)...\n".utf8))
        let book = WalkTruthBook(capacity: 4096)
        let source = WalkFrameSource(script: try DemoWalk.script(), name: "demo.walk", width: parts[0], height: parts[1],
                                     fps: walkFPS, truth: book)
        var jpegs: [[UInt8]] = []
        while jpegs.count < count, let f = try source.next() {
            jpegs.append(try f.image.mirroredLeftRight().jpegData(quality: 60))
        }
        let frames = jpegs
        let meanKB = Double(frames.reduce(0) { $0 + $1.count }) / Double(frames.count) / 1024
        let modelPath = model
        let truth = detector == "truth"
        var config = GlassesConfiguration { _ in
            truth ? GroundTruthDetector(book: book) : try makeDetector(modelPath: modelPath, threads: 1)
        }
        config.host = "0.0.0.0"
        config.port = 0
        config.imuPort = 0
        config.pipeline.inputSize = inputSize
        config.pipeline.cues = CueEngineConfiguration(camera: source.world.camera)
        if noSpeech { config.makeSpeech = { nil } }
        var logger = Logger(label: "waycue.bench.glasses")
        logger.logLevel = .warning
        let server = try GlassesServer(configuration: config, logger: logger)
        let portBox = BenchPort()
        let app = server.makeApplication { portBox.set($0) }
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        while portBox.get() == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let port = portBox.get()
        let rate = fps
        var emulated: [EmulatedGlasses] = []
        for k in 0..<devices {
            let g = EmulatedGlasses(host: "127.0.0.1", port: port, imuPort: server.imuPort, localAddress: "127.0.0.\(k + 2)",
                                    fps: rate) { i in truth && i >= frames.count ? nil : frames[i % frames.count] }
            emulated.append(g)
            g.start()
        }
        let started = MonotonicClock.now()
        try await Task.sleep(for: .seconds(seconds))
        let elapsed = MonotonicClock.now() - started
        for g in emulated { g.stop() }
        try await Task.sleep(for: .milliseconds(300))

        var rows: [Row] = []
        var allF2C: [Double] = [], firstSample: [Double] = [], speech: [Double] = []
        for d in server.allDevices() {
            let stats = d.pipelineStats()
            let src = d.source.counters()
            let f2c = stats?.histograms[.frameToCue]
            let timing = d.audio.timing()
            firstSample += timing.firstSample
            speech += timing.speech
            if let h = f2c, let m = h.percentile(50), let p = h.percentile(95) { allF2C += [m, p] }
            let c = d.deviceCounters()
            rows.append(Row(
                device: d.id, framesSent: emulated.first { $0.localAddress == d.id }?.sent.frames ?? 0,
                framesReceived: src.accepted, framesProcessed: stats?.framesProcessed ?? 0,
                framesDropped: src.droppedBeforeDecode + (stats?.framesDropped ?? 0),
                processedFPS: Double(stats?.framesProcessed ?? 0) / elapsed,
                frameToCueMedianMS: (f2c?.percentile(50) ?? .nan) * 1000, frameToCueP95MS: (f2c?.percentile(95) ?? .nan) * 1000,
                inferenceMedianMS: (stats?.histograms[.inference]?.percentile(50) ?? .nan) * 1000,
                cues: d.cues().count, streamRequests: c.streamRequests, lateChunks: c.streamLateChunks, chunks: c.streamChunks))
        }
        firstSample.sort(); speech.sort()
        let summary = Summary(
            devices: devices, fps: fps, seconds: elapsed, frameSize: frameSize, meanJPEGKB: meanKB,
            detector: truth ? "ground truth (not a model)" : (model ?? "bundled default model"), speech: server.speech.isAvailable,
            rows: rows,
            cueToFirstSampleMedianMS: firstSample.sortedMedian * 1000, cueToFirstSampleP95MS: firstSample.sortedQuantile(0.95) * 1000,
            cueToSpeechMedianMS: speech.sortedMedian * 1000, cueToSpeechP95MS: speech.sortedQuantile(0.95) * 1000,
            cuesTimed: firstSample.count, speechTimed: speech.count)
        task.cancel()
        _ = await task.result
        server.shutdown()
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try e.encode(summary), as: UTF8.self))
        } else {
            print(summary.table())
        }
    }

    struct Row: Encodable {
        var device: String
        var framesSent, framesReceived, framesProcessed, framesDropped: Int
        var processedFPS, frameToCueMedianMS, frameToCueP95MS, inferenceMedianMS: Double
        var cues, streamRequests, lateChunks, chunks: Int
    }

    struct Summary: Encodable {
        var devices: Int
        var fps, seconds: Double
        var frameSize: String
        var meanJPEGKB: Double
        var detector: String
        var speech: Bool
        var rows: [Row]
        var cueToFirstSampleMedianMS, cueToFirstSampleP95MS, cueToSpeechMedianMS, cueToSpeechP95MS: Double
        var cuesTimed, speechTimed: Int

        func table() -> String {
            var s = "waycue bench glasses: \(devices) emulated glasses x \(fps) frames/s, \(String(format: "%.1f", seconds)) s, "
                + "\(frameSize) JPEG \(String(format: "%.1f", meanJPEGKB)) KB, detector: \(detector), speech: \(speech ? "espeak-ng" : "earcons only")\n"
            s += "device        sent  recv  proc  drop  proc/s  f2c med  f2c p95  infer med  cues  GETs  late/chunks\n"
            for r in rows {
                s += r.device.padding(toLength: 12, withPad: " ", startingAt: 0)
                s += String(format: " %5d %5d %5d %5d %7.1f %6.0f ms %6.0f ms %7.0f ms %5d %5d  %d/%d\n", r.framesSent, r.framesReceived,
                            r.framesProcessed, r.framesDropped, r.processedFPS, r.frameToCueMedianMS, r.frameToCueP95MS,
                            r.inferenceMedianMS, r.cues, r.streamRequests, r.lateChunks, r.chunks)
            }
            s += String(format: "cue decided -> first sample written: median %.0f ms, p95 %.0f ms (%d cues)\n",
                        cueToFirstSampleMedianMS, cueToFirstSampleP95MS, cuesTimed)
            s += String(format: "cue decided -> first speech sample written: median %.0f ms, p95 %.0f ms (%d cues)",
                        cueToSpeechMedianMS, cueToSpeechP95MS, speechTimed)
            return s
        }
    }
}

final class BenchPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.withLock { port = p } }
    func get() -> Int { lock.withLock { port } }
}
