import ArgumentParser
import Foundation
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCuePipeline
import WayCueProfiles
import WayCueSynth
import WayCueWalkDemo

/// Which detector `waycue run` uses.
enum RunDetectorKind: String, ExpressibleByArgument, CaseIterable {
    /// The trained model (`--model` or the default one).
    case model
    /// The rendered walk's exact labels (`.walk` inputs only).
    case truth
    /// A test double that finds nothing.
    case none
}

/// How `waycue run` paces recorded input.
enum RunPace: String, ExpressibleByArgument, CaseIterable {
    /// Like a camera: frames at their recorded times, live pipeline, stale frames dropped.
    case recorded
    /// Every frame, as fast as possible, timed by the footage's own clock.
    case fast
}

/// A failure of `waycue run` with its exit status.
struct RunFailure: Error, CustomStringConvertible {
    var description: String
    var code: Int32

    static let usage: Int32 = 64, dataError: Int32 = 65, noInput: Int32 = 66, unavailable: Int32 = 69
    static let cannotCreate: Int32 = 73, ioError: Int32 = 74
}

/// `waycue run`: the walking pipeline on a camera or recorded footage.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the walking pipeline: camera or footage -> detector -> cues.",
        discussion: """
            Settings come from, in increasing precedence: built-in defaults (640x480 at 30 fps, \
            320 detector input, English), a firmware profile (--profile NAME), a pipeline \
            configuration file (--config FILE, as written by `waycue profile bundle` from a profile; \
            it replaces the profile's values and must name the same profile), then flags. Without \
            --camera or --input the profile's or configuration's camera device is used.
            Inputs: --camera /dev/videoN (V4L2), or --input PATH: a folder of images, .mjpeg, .y4m, \
            any video ffmpeg reads, or a .walk script (rendered in process, 320x240 at 10 fps unless \
            --width/--height/--fps say otherwise). Recorded input plays at its recorded pace by \
            default (--pace fast processes every frame as fast as possible).
            Detectors: --detector model (default; --model FILE.wcm or the bundled model; none ships \
            yet), truth (the walk's exact labels, .walk inputs only) or none (finds nothing: a test \
            double for measuring capture, letterbox and the cue engine).
            Cues are printed as they happen; SIGINT or SIGTERM stops cleanly (sinks and recordings \
            are flushed). Under systemd (Type=notify) READY=1 is sent once frames flow and \
            WATCHDOG=1 while they keep flowing. Latencies per stage are printed on exit.
            Examples:
              waycue run --camera /dev/video0 --detector none --max-frames 300
              waycue run --input datasets/walks/demo.walk --detector truth --pace fast --jsonl cues.jsonl
              waycue run --profile pi4 --model model.wcm --speak --record /var/lib/waycue/rec
              waycue run --camera /dev/waycue-camera --profile pi4 --config /etc/waycue/waycue.yaml
            Exit status: 0 when the input ended, the frame limit was reached or a signal stopped \
            the run; 64 for invalid options; 65 for an invalid profile, configuration or walk file; \
            66 when the camera or input does not exist; 69 when no detector model, camera or audio \
            player is available; 73 when an output cannot be created; 74 when capture failed.
            """)

    @Option(name: .long, help: "V4L2 camera device, e.g. /dev/video0.")
    var camera: String?

    @Option(name: .long, help: "Recorded input: image folder, .mjpeg, .y4m, video file or .walk script.")
    var input: String?

    @Option(name: .long, help: "Firmware profile providing the defaults (see `waycue profile list`).")
    var profile: String?

    @OptionGroup var lookup: ProfileLookupOptions

    @Option(name: .long, help: "Pipeline configuration YAML (from `waycue profile bundle`), instead of --profile.")
    var config: String?

    @Option(name: .long, help: "Detector: model, truth (.walk input only) or none.")
    var detector: RunDetectorKind = .model

    @Option(name: .long, help: "Detector model file (.wcm) for --detector model.")
    var model: String?

    @Option(name: .long, help: "Frame width (camera request; walk render size).")
    var width: Int?

    @Option(name: .long, help: "Frame height (camera request; walk render size).")
    var height: Int?

    @Option(name: .long, help: "Frames per second (camera request; walk frame rate).")
    var fps: Double?

    @Option(name: .customLong("input-size"), help: "Detector input size (square letterbox), 0 for none.")
    var inputSize: Int?

    @Option(name: .customLong("detection-fps"), help: "At most this many detections per second (live mode).")
    var detectionFPS: Double?

    @Option(name: .long, help: "Detector threads.")
    var threads: Int?

    @Option(name: .long, help: "Cue language: en or zh.")
    var language: String?

    @Option(name: .long, help: "Pace of recorded input: recorded or fast.")
    var pace: RunPace = .recorded

    @Option(name: .long, help: "Record every captured frame to DIR/capture.mjpeg (+ .timestamps).")
    var record: String?

    @Flag(name: .long, help: "Speak cues through ALSA (aplay) with espeak-ng.")
    var speak = false

    @Option(name: .long, help: "Write cues as JSON lines to this file ('-' for standard output).")
    var jsonl: String?

    @Option(name: .long, help: "Write the cue track to this WAV file on exit.")
    var wav: String?

    @Option(name: .customLong("max-frames"), help: "Stop after this many processed frames.")
    var maxFrames: Int?

    @Option(name: .customLong("stats-every"), help: "Print live statistics every N seconds (standard error).")
    var statsEvery: Double?

    @Flag(name: .long, help: "Print the final statistics as JSON on standard output (cue text goes to standard error).")
    var json = false

    @Flag(name: .long, help: "Do not print cues as text.")
    var quiet = false

    func validate() throws {
        if camera != nil && input != nil { throw ValidationError("give one of --camera DEVICE or --input PATH, not both") }
        if camera == nil && input == nil && profile == nil && config == nil {
            throw ValidationError("give --camera DEVICE or --input PATH (or --profile/--config, whose camera is used)")
        }
        if let width, !(16...8192).contains(width) { throw ValidationError("--width must be 16...8192, got \(width)") }
        if let height, !(16...8192).contains(height) { throw ValidationError("--height must be 16...8192, got \(height)") }
        if let fps, !(fps >= 0.5 && fps <= 240) { throw ValidationError("--fps must be 0.5...240, got \(fps)") }
        if let inputSize, !(inputSize == 0 || (32...4096).contains(inputSize)) {
            throw ValidationError("--input-size must be 0 or 32...4096, got \(inputSize)")
        }
        if let detectionFPS, !(detectionFPS > 0 && detectionFPS <= 1000) {
            throw ValidationError("--detection-fps must be in (0, 1000], got \(detectionFPS)")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads)") }
        if let language, !Phrasebook.bundledLanguages.contains(language) {
            throw ValidationError("--language must be one of \(Phrasebook.bundledLanguages.joined(separator: ", ")), got '\(language)'")
        }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be at least 1, got \(maxFrames)") }
        if let statsEvery, !(statsEvery >= 0.1 && statsEvery <= 3600) {
            throw ValidationError("--stats-every must be 0.1...3600 seconds, got \(statsEvery)")
        }
        if detector == .truth && !(input?.hasSuffix(".walk") ?? false) {
            throw ValidationError("--detector truth needs a .walk input: ground truth exists only for rendered walks")
        }
        if model != nil && detector != .model { throw ValidationError("--model is used only with --detector model") }
        if camera != nil && pace == .fast { throw ValidationError("--pace applies to recorded input, not cameras") }
    }

    func run() throws {
        do {
            try execute()
        } catch let failure as RunFailure {
            FileHandle.standardError.write(Data("waycue run: \(failure.description)\n".utf8))
            throw ExitCode(failure.code)
        }
    }

    /// The settings after defaults, profile or configuration file, and flags.
    func settings() throws -> RunSettings {
        var s = RunSettings()
        var pipelineConfig: PipelineConfig?
        // The configuration file is derived from a profile (`waycue profile bundle`) and wins over
        // it; a board's service passes both (--profile NAME --config /etc/waycue/waycue.yaml).
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw RunFailure(description: "\(config): cannot read the configuration file", code: RunFailure.noInput)
            }
            do { pipelineConfig = try PipelineConfig.parse(text) } catch {
                throw RunFailure(description: "\(config): not a pipeline configuration: \(describe(error))", code: RunFailure.dataError)
            }
            if let profile, let c = pipelineConfig, c.profile != profile {
                throw RunFailure(description: "\(config) was generated from profile '\(c.profile)', not '\(profile)'",
                                 code: RunFailure.dataError)
            }
        } else if let profile {
            let loaded: FirmwareProfile
            do { loaded = try lookup.catalog.load(profile) } catch {
                throw RunFailure(description: "profile \(profile): \(error)", code: RunFailure.dataError)
            }
            guard !loaded.isGlasses else {
                throw RunFailure(description: "profile \(profile) is for the open guidance glasses: run `waycue glasses --profile \(profile)`",
                                 code: RunFailure.usage)
            }
            pipelineConfig = PipelineConfig(profile: loaded)
        }
        if let c = pipelineConfig { try s.apply(c, source: config ?? profile.map { "profile \($0)" } ?? "") }
        if let width { s.width = width }
        if let height { s.height = height }
        if let fps { s.fps = fps }
        if let inputSize { s.inputSize = inputSize }
        if let threads { s.threads = threads }
        if let detectionFPS { s.detectionFPS = detectionFPS }
        if let language { s.language = language }
        return s
    }

    func execute() throws {
        let s = try settings()
        let log: (String) -> Void = json
            ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            : { emit($0) }

        // Source.
        let source: any FrameSource
        var cues = CueEngineConfiguration(camera: s.geometry)
        var mode: PipelineMode = .live
        var walkTruth: WalkTruthBook?
        if let input, input.hasSuffix(".walk") {
            let script: WalkScript
            do { script = try WalkScript(contentsOfFile: input) } catch {
                let missing = !FileManager.default.fileExists(atPath: input)
                throw RunFailure(description: "\(error)", code: missing ? RunFailure.noInput : RunFailure.dataError)
            }
            let walk = WalkFrameSource(script: script, name: input, width: width ?? 320, height: height ?? 240,
                                       fps: fps ?? 10, speed: pace == .recorded ? .recorded : .asFastAsPossible)
            cues = CueEngineConfiguration(camera: walk.world.camera)
            cues.signalConeDegrees = WalkRunOptions().signalConeDegrees
            walkTruth = walk.truth
            source = walk
            mode = pace == .recorded ? .live : .everyFrame
        } else {
            do {
                if let camera = camera ?? (input == nil ? s.device : nil) {
                    var cam = V4L2CaptureConfiguration(width: s.width, height: s.height, framesPerSecond: s.fps)
                    if let f = s.format { cam.preferredFormats = [f] + cam.preferredFormats.filter { $0 != f } }
                    source = try FrameSources.open(camera, camera: cam)
                } else {
                    let footage = FootageOptions(speed: pace == .recorded ? .recorded : .asFastAsPossible)
                    source = try FrameSources.open(input!, footage: footage)
                    mode = pace == .recorded ? .live : .everyFrame
                }
            } catch let error as CaptureError {
                let code: Int32
                switch error {
                case .notFound: code = RunFailure.noInput
                case .invalidFootage, .decodeFailed: code = RunFailure.dataError
                default: code = RunFailure.unavailable
                }
                throw RunFailure(description: error.description, code: code)
            }
        }

        // Detector.
        let objectDetector: any ObjectDetecting
        switch detector {
        case .truth:
            objectDetector = GroundTruthDetector(book: walkTruth!)
            log("waycue run: \(WalkRun.groundTruthNotice)")
        case .none:
            objectDetector = NoDetectionsDetector()
            log("waycue run: --detector none: a test double that finds nothing (no objects, no guidance cues)")
        case .model:
            if let model, !FileManager.default.fileExists(atPath: model) {
                source.close()
                throw RunFailure(description: "\(model): no such model file", code: RunFailure.noInput)
            }
            do { objectDetector = try makeDetector(modelPath: model, threads: s.threads) } catch {
                source.close()
                throw RunFailure(description: "\(error)", code: RunFailure.unavailable)
            }
        }

        // Sinks.
        let phrasebook = try? Phrasebook.bundled(s.language)
        let voice = s.voice ?? phrasebook?.voice ?? s.language
        var sinks: [any CueSink] = []
        if !quiet {
            sinks.append(CallbackCueSink { cue in
                guard cue.kind != .tone else { return }
                log(String(format: "%8.2f s  %-9@ %@", cue.timestamp, cue.kind.rawValue as NSString, cue.text as NSString))
            })
        }
        if let jsonl {
            if jsonl == "-" {
                sinks.append(JSONLinesCueSink(handle: .standardOutput))
            } else {
                do { sinks.append(try JSONLinesCueSink(url: URL(fileURLWithPath: jsonl))) } catch {
                    source.close()
                    throw RunFailure(description: error.description, code: RunFailure.cannotCreate)
                }
            }
        }
        if let wav {
            guard FileManager.default.createFile(atPath: wav, contents: nil) else {
                source.close()
                throw RunFailure(description: "\(wav): cannot create the file", code: RunFailure.cannotCreate)
            }
            sinks.append(WAVTrackRenderer(speech: EspeakSpeechBackend.find(), voice: voice, url: URL(fileURLWithPath: wav)))
        }
        if speak {
            #if os(Linux) || os(macOS)
            guard let player = AplayCueSink(speech: EspeakSpeechBackend.find(), voice: voice, device: s.alsaPCM) else {
                source.close()
                throw RunFailure(description: "--speak needs ALSA's aplay (apt-get install alsa-utils)", code: RunFailure.unavailable)
            }
            sinks.append(player)
            #endif
        }

        // Recorder.
        var recorder: MJPEGRecorder?
        if let record {
            do {
                try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
                recorder = try MJPEGRecorder(path: (record as NSString).appendingPathComponent("capture.mjpeg"))
            } catch {
                source.close()
                throw RunFailure(description: "\(record): cannot record there: \(error)", code: RunFailure.cannotCreate)
            }
        }

        var options = PipelineOptions()
        options.mode = mode
        options.inputSize = s.inputSize
        options.language = s.language
        options.cues = cues
        options.maxFrames = maxFrames
        options.maxDetectionsPerSecond = s.detectionFPS
        options.systemd = SystemdNotifier()
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(source: source, detector: objectDetector, sinks: sinks, options: options, recorder: recorder)
        } catch {
            source.close()
            throw RunFailure(description: error.description, code: RunFailure.usage)
        }
        log("waycue run: \(source.name) -> \(pipeline.modelID), \(mode.rawValue), input \(s.inputSize), \(s.language)\(s.origin.isEmpty ? "" : " (\(s.origin))")")
        let signals = ShutdownSignals { _, count in
            if count == 1 { pipeline.stop() } else { Foundation.exit(130) }  // a second signal: do not wait
        }
        var statsTimer: DispatchSourceTimer?
        if let statsEvery {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + statsEvery, repeating: statsEvery)
            timer.setEventHandler { FileHandle.standardError.write(Data((pipeline.stats().summaryLine() + "\n").utf8)) }
            timer.resume()
            statsTimer = timer
        }
        let report = try pipeline.run()
        statsTimer?.cancel()
        signals.cancel()

        FileHandle.standardError.write(Data("\nwaycue run: \(report.endReason)\n\(report.stats.table())\n".utf8))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            if let data = try? encoder.encode(report.stats) { emit(String(decoding: data, as: UTF8.self)) }
        }
        for e in report.sinkErrors { FileHandle.standardError.write(Data("waycue run: \(e)\n".utf8)) }
        for e in report.recorderErrors { FileHandle.standardError.write(Data("waycue run: recording: \(e)\n".utf8)) }
        if case let .captureFailed(reason) = report.endReason {
            throw RunFailure(description: reason, code: RunFailure.ioError)
        }
        if !report.sinkErrors.isEmpty || !report.recorderErrors.isEmpty { throw ExitCode(RunFailure.cannotCreate) }
    }
}

/// `waycue run`'s resolved settings.
struct RunSettings {
    var width = 640
    var height = 480
    var fps = 30.0
    var format: SourcePixelFormat?
    var inputSize = 320
    var threads = 1
    /// At most this many detections per second (`nil`: no cap).
    var detectionFPS: Double?
    var language = "en"
    var voice: String?
    var alsaPCM: String?
    var geometry = CameraModel.chestDefault
    /// The camera device of the profile or configuration (used when no --camera/--input is given).
    var device: String?
    /// Where the defaults came from (for the start line).
    var origin = ""

    /// Takes the camera, detector and audio settings of a profile's pipeline configuration.
    mutating func apply(_ c: PipelineConfig, source: String) throws {
        width = c.camera.width
        height = c.camera.height
        fps = Double(c.camera.fps)
        switch c.camera.format.lowercased() {
        case "mjpeg", "mjpg": format = .mjpeg
        case "yuyv": format = .yuyv
        case "nv12": format = .nv12
        default:
            throw RunFailure(description: "\(source): camera format '\(c.camera.format)' is not one WayCue captures (mjpeg, yuyv, nv12)",
                             code: RunFailure.dataError)
        }
        device = c.camera.device
        inputSize = c.detector.inputSize
        threads = c.detector.threads
        detectionFPS = c.detector.detectionFPS > 0 ? Double(c.detector.detectionFPS) : nil
        voice = c.audio.voice
        alsaPCM = c.audio.alsaPCM
        geometry = c.geometry
        origin = "defaults from \(source)"
        guard (32...4096).contains(inputSize), (1...256).contains(threads), width > 0, height > 0, fps > 0 else {
            throw RunFailure(description: "\(source): out-of-range camera or detector settings", code: RunFailure.dataError)
        }
    }
}

/// A decoding error as a short sentence naming the field.
func describe(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case let .keyNotFound(key, context):
        let at = path(context.codingPath + [key])
        return "missing field '\(at)'"
    case let .typeMismatch(type, context):
        return "field '\(path(context.codingPath))' should be \(type)"
    case let .valueNotFound(type, context):
        return "field '\(path(context.codingPath))' needs a \(type) value"
    case let .dataCorrupted(context):
        return context.codingPath.isEmpty ? context.debugDescription
            : "field '\(path(context.codingPath))': \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
