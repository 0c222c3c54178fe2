import Foundation
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCuePipeline
import WayCueSynth

/// A cue with the frame the pipeline had just processed when it was emitted.
public struct CueMoment: Sendable {
    /// The cue.
    public var cue: Cue
    /// The frame (with its detections) current at the cue.
    public var frame: ProcessedFrame?
}

/// Collects cue moments from a pipeline's events (thread-safe); keeps images only for cues.
public final class CueMomentCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: ProcessedFrame?
    private var collected: [CueMoment] = []
    private let onCue: (@Sendable (CueMoment) -> Void)?

    /// Creates a collector; `onCue` is called for each cue as it happens (on the engine's thread).
    public init(onCue: (@Sendable (CueMoment) -> Void)? = nil) { self.onCue = onCue }

    /// The pipeline observer to pass to ``Pipeline/init(source:detector:sinks:options:recorder:observer:)``.
    public var observer: @Sendable (PipelineEvent) -> Void {
        { [self] event in handle(event) }
    }

    func handle(_ event: PipelineEvent) {
        var new: [CueMoment] = []
        lock.lock()
        switch event {
        case let .frame(frame, cues):
            latest = frame
            new = cues.map { CueMoment(cue: $0, frame: frame) }
        case let .tick(_, cues):
            new = cues.map { CueMoment(cue: $0, frame: latest) }
        }
        collected.append(contentsOf: new)
        lock.unlock()
        for moment in new { onCue?(moment) }
    }

    /// Every cue so far, in order.
    public var moments: [CueMoment] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}

/// Settings of ``WalkRun``.
public struct WalkRunOptions: Sendable {
    /// Frame width.
    public var width = 320
    /// Frame height.
    public var height = 240
    /// Frames per second.
    public var fps = 10.0
    /// Cue language.
    public var language = "en"
    /// Noise added to the ground truth.
    public var noise = GroundTruthNoise.none
    /// Whether the ground-truth detector also gives the renderer's exact paving and crosswalk
    /// masks (at the mask head's 1/8 resolution), so the cue layer follows paving as it does
    /// with a mask-head model; without it only boxes.
    public var truthMasks = false
    /// Scheduling: every frame on the walk's clock (deterministic, default) or live.
    public var mode = PipelineMode.everyFrame
    /// The detector's input size (frames are letterboxed to it).
    public var inputSize = 320
    /// Speak cues in the WAV with espeak-ng when it is installed (earcons otherwise).
    public var speech = true
    /// Half-width of the cone in which the cue engine looks for the pedestrian signal, degrees.
    /// The engine's default is 20 (see ``CueEngineConfiguration/signalConeDegrees`` for why
    /// it is not 25); the shipped walks place the head at the far kerb 2.8 m right of the
    /// crossing's centre, 18 to 21 degrees off the walking direction while the walker waits
    /// at the kerb (body shake included), and have no side-street heads, so walks use 25.
    public var signalConeDegrees = 25.0

    /// Defaults: 320x240 at 10 fps, English, exact ground truth, every frame.
    public init() {}
}

/// Files a ``WalkRun`` wrote.
public struct WalkRunFiles: Sendable {
    /// `cues.jsonl`.
    public var cuesJSONL: URL
    /// `cues.wav`.
    public var cuesWAV: URL
    /// `contact-sheet.png`.
    public var contactSheet: URL
    /// `summary.json`: detector, checks, statistics.
    public var summary: URL
}

/// The result of a ``WalkRun``.
public struct WalkRunResult: Sendable {
    /// Every cue with its frame.
    public var moments: [CueMoment]
    /// The walk's ground-truth events.
    public var events: [WalkEvent]
    /// The pipeline's report.
    public var report: PipelineReport
    /// The checks of the cues against the walk's events.
    public var checks: [WalkCueCheck.Result]
    /// The model identifier of the detector used.
    public var detector: String
    /// Files written, when an output folder was given.
    public var files: WalkRunFiles?

    /// The cues alone.
    public var cues: [Cue] { moments.map(\.cue) }
}

/// Why a walk run could not happen.
public enum WalkRunError: Error, Sendable, CustomStringConvertible {
    /// The output folder or a file in it could not be written.
    case unwritable(path: String, reason: String)
    /// The pipeline refused its settings.
    case pipeline(PipelineError)

    public var description: String {
        switch self {
        case let .unwritable(path, reason): "cannot write \(path): \(reason)"
        case let .pipeline(error): error.description
        }
    }
}

/// Runs the walking pipeline on a rendered walk with the ground-truth detector, and writes the
/// demo's outputs: `cues.jsonl`, `cues.wav`, an annotated `contact-sheet.png` and `summary.json`.
public enum WalkRun {
    /// Says where the detections come from; printed by the demo and written in its outputs.
    public static let groundTruthNotice =
        "Detections come from the walk's ground truth (the renderer's exact labels), not from a model: this tests the cue layer alone."

    /// Runs `script`.
    ///
    /// - Parameters:
    ///   - script: The walk.
    ///   - name: For messages.
    ///   - options: Settings.
    ///   - outputDirectory: Where to write the files (created); `nil` writes nothing.
    ///   - detector: The detector; `nil` uses the walk's ground truth (``GroundTruthDetector``
    ///     with ``WalkRunOptions/noise``), what `--detector truth` uses.
    ///   - onCue: Called for each cue as it happens.
    public static func run(script: WalkScript, name: String, options: WalkRunOptions = WalkRunOptions(),
                           outputDirectory: URL? = nil, detector custom: (any ObjectDetecting)? = nil,
                           onCue: (@Sendable (CueMoment) -> Void)? = nil) throws(WalkRunError) -> WalkRunResult {
        let source = WalkFrameSource(script: script, name: name, width: options.width, height: options.height,
                                     fps: options.fps, speed: options.mode == .live ? .recorded : .asFastAsPossible)
        source.keepMasks = custom == nil && options.truthMasks
        let detector: any ObjectDetecting = custom ?? GroundTruthDetector(book: source.truth, noise: options.noise, masks: options.truthMasks)
        let isTruth = detector is GroundTruthDetector
        var pipelineOptions = PipelineOptions()
        pipelineOptions.mode = options.mode
        pipelineOptions.inputSize = options.inputSize
        pipelineOptions.language = options.language
        pipelineOptions.cues = CueEngineConfiguration(camera: source.world.camera)
        pipelineOptions.cues.signalConeDegrees = options.signalConeDegrees
        // Keep ticking after the last frame for cues waiting for the channel, but stop short of
        // the engine's "camera paused" timeout: the walk ended, the camera did not stall.
        pipelineOptions.tailSeconds = max(0, pipelineOptions.cues.cameraPauseSeconds - pipelineOptions.tickInterval)

        var sinks: [any CueSink] = []
        var files: WalkRunFiles?
        var wav: WAVTrackRenderer?
        if let dir = outputDirectory {
            do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw .unwritable(path: dir.path, reason: error.localizedDescription)
            }
            let f = WalkRunFiles(cuesJSONL: dir.appendingPathComponent("cues.jsonl"),
                                 cuesWAV: dir.appendingPathComponent("cues.wav"),
                                 contactSheet: dir.appendingPathComponent("contact-sheet.png"),
                                 summary: dir.appendingPathComponent("summary.json"))
            do { sinks.append(try JSONLinesCueSink(url: f.cuesJSONL)) } catch {
                throw .unwritable(path: f.cuesJSONL.path, reason: error.description)
            }
            let phrasebook = try? Phrasebook.bundled(options.language)
            let renderer = WAVTrackRenderer(speech: options.speech ? EspeakSpeechBackend.find() : nil,
                                            voice: phrasebook?.voice ?? options.language, url: f.cuesWAV)
            renderer.minimumDuration = source.world.duration
            sinks.append(renderer)
            wav = renderer
            files = f
        }
        let collector = CueMomentCollector(onCue: onCue)
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(source: source, detector: detector, sinks: sinks, options: pipelineOptions,
                                    observer: collector.observer)
        } catch { throw .pipeline(error) }
        let report: PipelineReport
        do { report = try pipeline.run() } catch { throw .pipeline(error) }
        let moments = collector.moments
        let world = source.world
        let events = world.events
        let checks = WalkCueCheck.check(cues: moments.map(\.cue), events: events, paving: source.truth.pavingSamples,
                                        bends: WalkCueCheck.sharpBends(script: world.script, events: events),
                                        warningTiles: { world.warningTilesDistance(at: $0) })
        let result = WalkRunResult(moments: moments, events: events, report: report, checks: checks,
                                   detector: detector.modelID, files: files)
        if let files {
            if let error = report.sinkErrors.first { throw .unwritable(path: files.cuesWAV.path, reason: error) }
            let sheet = contactSheet(moments: moments,
                                     title: "\(name): " + (isTruth ? groundTruthNotice : "detector \(detector.modelID)"))
            do { try sheet.write(to: files.contactSheet.path) } catch {
                throw .unwritable(path: files.contactSheet.path, reason: error.description)
            }
            do { try summaryJSON(result, name: name, speech: wav?.speech != nil, truth: isTruth).write(to: files.summary) } catch {
                throw .unwritable(path: files.summary.path, reason: error.localizedDescription)
            }
        }
        return result
    }

    /// The colour boxes of `objectClass` are drawn in.
    static func color(of objectClass: ObjectClass) -> PixelColor {
        if let i = ObjectClass.canonical.firstIndex(of: objectClass) { return PixelColor.palette(i) }
        return .white
    }

    /// The frames at cue moments with their detections drawn and the cue as caption, under a
    /// title line.
    public static func contactSheet(moments: [CueMoment], title: String, columns: Int = 4,
                                    maxTiles: Int = 48) -> Image {
        let shown = moments.filter { $0.cue.kind != .tone }.prefix(maxTiles)
        var tiles: [(image: Image, caption: String)] = []
        var cellWidth = 320, cellHeight = 240
        for moment in shown {
            var image: Image
            if let frame = moment.frame {
                image = frame.image.converted(to: .rgb8)
                for d in frame.detections {
                    image.drawLabeledBox(d.box, label: d.objectClass.rawValue, color: color(of: d.objectClass), thickness: 1)
                }
                cellWidth = image.width
                cellHeight = image.height
            } else {
                image = Image(width: cellWidth, height: cellHeight, format: .rgb8)
            }
            tiles.append((image, String(format: "%.1fs ", moment.cue.timestamp) + moment.cue.text))
        }
        let layout = ContactSheet(columns: columns, cellWidth: cellWidth, cellHeight: cellHeight)
        let sheet = layout.render(tiles)
        // A title strip above the sheet.
        let strip = BitmapFont.lineHeight + 8
        var out = Image(width: sheet.width, height: sheet.height + strip, format: .rgb8, fill: 20)
        for y in 0..<sheet.height {
            let from = y * sheet.stride, to = (y + strip) * out.stride
            out.pixels.replaceSubrange(to..<(to + sheet.width * 3), with: sheet.pixels[from..<(from + sheet.width * 3)])
        }
        let maxCharacters = max(4, sheet.width / BitmapFont.advance - 2)
        let line = title.count > maxCharacters ? String(title.prefix(maxCharacters - 3)) + "..." : title
        out.drawText(line, x: 4, y: 4, color: .yellow)
        return out
    }

    static func summaryJSON(_ result: WalkRunResult, name: String, speech: Bool, truth: Bool) throws -> Data {
        struct Check: Encodable { var name: String; var passed: Bool; var detail: String }
        struct Summary: Encodable {
            var walk: String
            var detector: String
            var notice: String
            var speech: String
            var cues: Int
            var checks: [Check]
            var endReason: String
            var stats: PipelineStats
            enum CodingKeys: String, CodingKey {
                case walk, detector, notice, speech, cues, checks, endReason = "end_reason", stats
            }
        }
        let s = Summary(walk: name, detector: result.detector, notice: truth ? groundTruthNotice : "detections from the model \(result.detector)",
                        speech: speech ? "espeak-ng" : "earcons only (espeak-ng not found)",
                        cues: result.moments.count,
                        checks: result.checks.map { Check(name: $0.name, passed: $0.passed, detail: $0.detail) },
                        endReason: result.report.endReason.description, stats: result.report.stats)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(s)
    }
}
