import ArgumentParser
import Foundation
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCuePipeline
import WayCueWalkDemo

/// `waycue bench pipeline`: frame-to-cue latency, sustained frame rate and peak memory of the
/// whole pipeline on the demo walk.
struct PipelineBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Frame-to-cue latency, sustained frames per second and peak memory on the demo walk.",
        discussion: """
            Renders the demo walk once into memory (rendering is not measured), then:
              throughput: every frame through letterbox, detector and cue engine as fast as possible \
            (every-frame mode), --runs times; frames per second is frames / wall time (median of runs);
              latency: the live pipeline fed like a camera at --pace-fps; frame-to-cue latency is from \
            the frame leaving the source to the cue engine having decided on it (median and p99), with \
            the per-stage table.
            Peak memory is the process's VmHWM at the end. The detector is selectable: truth (the \
            walk's exact labels), none (finds nothing) or model (the bundled default model, or --model).
            Examples:
              waycue bench pipeline
              waycue bench pipeline --detector none --runs 5 --json
              waycue bench pipeline --detector model --model model.wcm --threads 2
              waycue bench pipeline --detector model --threads 1 --frame-size 640x480   # with the signal pass
              waycue bench pipeline --detector model --threads 1 --frame-size 640x480 --no-signal-pass
            """)

    @Option(name: .long, help: "Detector: truth, none or model.")
    var detector: RunDetectorKind = .truth

    @Option(name: .long, help: "Model file for --detector model.")
    var model: String?

    @Option(name: .long, help: "Detector threads (model only).")
    var threads = 1

    @Option(name: .customLong("input-size"), help: "Detector input size.")
    var inputSize = 320

    @Option(name: .customLong("frame-size"), help: "Camera frame size WIDTHxHEIGHT the walk is rendered at (320x240, 640x480, ...).")
    var frameSize: String = "320x240"

    @Flag(name: .long, inversion: .prefixedNo, help: "With --detector model: the detector's high-resolution signal pass (on by default; the frame then goes to the detector whole).")
    var signalPass = true

    @Option(name: .customLong("signal-every"), help: "Run the signal pass on every N-th frame (the cue layer counts the others as partial signal evidence).")
    var signalEvery: Int = 1

    @Option(name: .long, help: "Throughput runs.")
    var runs = 3

    @Option(name: .customLong("pace-fps"), help: "Camera-like frame rate of the latency run.")
    var paceFPS = 30.0

    @Option(name: .long, help: "Frames of the walk to use (at most 360).")
    var frames = 360

    @Flag(name: .long, help: "Print the figures as JSON.")
    var json = false

    func validate() throws {
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be 1...50") }
        guard paceFPS >= 1 && paceFPS <= 1000 else { throw ValidationError("--pace-fps must be 1...1000") }
        guard (10...10_000).contains(frames) else { throw ValidationError("--frames must be 10...10000") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        guard inputSize == 0 || (32...4096).contains(inputSize) else { throw ValidationError("--input-size must be 0 or 32...4096") }
        guard parsedFrameSize != nil else { throw ValidationError("--frame-size must be WIDTHxHEIGHT, each 64...4096, got \(frameSize)") }
        guard (1...100).contains(signalEvery) else { throw ValidationError("--signal-every must be 1...100") }
    }

    var parsedFrameSize: (width: Int, height: Int)? {
        let p = frameSize.lowercased().split(separator: "x")
        guard p.count == 2, let w = Int(p[0]), let h = Int(p[1]), (64...4096).contains(w), (64...4096).contains(h) else { return nil }
        return (w, h)
    }

    func makeObjectDetector(_ walk: RenderedWalk) throws -> any ObjectDetecting {
        switch detector {
        case .truth: return GroundTruthDetector(book: walk.truth)
        case .none: return NoDetectionsDetector()
        case .model:
            do {
                let d = try makeDetector(modelPath: model, threads: threads)
                if let m = d as? Detector {
                    m.signalPass = signalPass ? SignalPassOptions(every: signalEvery) : nil
                }
                return d
            } catch {
                FileHandle.standardError.write(Data("waycue bench pipeline: \(error)\n".utf8))
                throw ExitCode(69)
            }
        }
    }

    func run() throws {
        let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        log("rendering the demo walk into memory (not measured)...")
        let size = parsedFrameSize!
        let walk = RenderedWalk(script: try DemoWalk.script(), width: size.width, height: size.height, maxFrames: frames)
        var base = PipelineOptions()
        base.inputSize = inputSize
        base.cues = CueEngineConfiguration(camera: walk.camera)
        base.cues.signalConeDegrees = WalkRunOptions().signalConeDegrees
        base.tailSeconds = 0

        var fpsRuns: [Double] = []
        var modelID = ""
        for r in 0..<runs {
            var options = base
            options.mode = .everyFrame
            let det = try makeObjectDetector(walk)
            modelID = det.modelID
            let start = MonotonicClock.now()
            let report = try Pipeline(source: walk.source(), detector: det, options: options).run()
            let wall = MonotonicClock.now() - start
            fpsRuns.append(Double(report.stats.framesProcessed) / wall)
            log(String(format: "throughput run %d: %d frames in %.2f s = %.1f frames/s", r + 1, report.stats.framesProcessed, wall, fpsRuns.last!))
        }
        var options = base
        options.mode = .live
        let live = try Pipeline(source: walk.source(paceFPS: paceFPS), detector: try makeObjectDetector(walk), options: options).run()
        let s = live.stats
        let f2c = s[.frameToCue]
        let sortedFPS = fpsRuns.sorted()
        let medianFPS = sortedFPS[sortedFPS.count / 2]
        let peak = ProcessMemory.peakResidentBytes()
        if json {
            struct Out: Encodable {
                var detector: String, inputSize: Int, frameSize: String, signalPassEvery: Int?, frames: Int, runs: Int
                var throughputFPSMedian: Double, throughputFPSRuns: [Double]
                var paceFPS: Double, frameToCueMedianMs: Double?, frameToCueP99Ms: Double?
                var liveProcessedFPS: Double?, liveDropped: Int, peakRSSBytes: Int?
                var stages: [PipelineStats.StageSummary]
            }
            let out = Out(detector: modelID, inputSize: inputSize, frameSize: frameSize,
                          signalPassEvery: detector == .model && signalPass ? signalEvery : nil, frames: walk.images.count, runs: runs,
                          throughputFPSMedian: medianFPS, throughputFPSRuns: fpsRuns, paceFPS: paceFPS,
                          frameToCueMedianMs: f2c.median.map { $0 * 1000 }, frameToCueP99Ms: f2c.percentile(99).map { $0 * 1000 },
                          liveProcessedFPS: s.processedFramesPerSecond, liveDropped: s.framesDropped,
                          peakRSSBytes: peak, stages: s.summaries())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            emit(String(decoding: try encoder.encode(out), as: UTF8.self))
            return
        }
        let signalText = detector == .model ? (signalPass ? ", signal pass every \(signalEvery) frame(s)" : ", no signal pass") : ""
        emit("waycue bench pipeline: demo walk, \(walk.images.count) frames \(size.width)x\(size.height), input \(inputSize)\(signalText), detector: \(modelID)")
        emit(String(format: "sustained throughput (every frame, as fast as possible): median %.1f frames/s over %d runs (%@)",
                    medianFPS, runs, fpsRuns.map { String(format: "%.1f", $0) }.joined(separator: ", ") as NSString))
        emit(String(format: "live at %.0f fps: frame-to-cue median %.2f ms, p99 %.2f ms; %d processed, %d dropped stale",
                    paceFPS, (f2c.median ?? 0) * 1000, (f2c.percentile(99) ?? 0) * 1000, s.framesProcessed, s.framesDropped))
        emit(String(format: "peak RSS %.1f MiB", Double(peak ?? 0) / 1_048_576))
        emit(s.table())
    }
}
