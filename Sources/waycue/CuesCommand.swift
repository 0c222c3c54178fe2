import ArgumentParser
import Foundation
import WayCueCues
import WayCueImage

/// `waycue cues`: the cue layer on recorded or synthetic detection timelines.
struct CuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cues",
        abstract: "Turn detection timelines into the cues a walker hears.",
        subcommands: [CuesRenderCommand.self]
    )
}

/// `waycue cues render TIMELINE.jsonl --out DIR [--language en|zh]`.
struct CuesRenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a detection timeline to DIR/cues.jsonl and DIR/cues.wav.",
        discussion: """
            TIMELINE is JSON lines, one frame per line:
              {"t": 0.0, "detections": [{"class": "ped_green", "score": 0.9, "box": [300, 60, 312, 90]}]}
            with an optional "processed_at" (seconds, same clock) for latency and an optional \
            "signal_coverage": "partial" on frames where the detector's signal pass did not run \
            (they give no green evidence). Between frames the \
            engine's clock ticks every --tick seconds, so gaps in the timeline become "camera paused".
            cues.jsonl holds one cue per line (t, kind, priority, key, text, pan, ...); cues.wav is the \
            whole cue track, 16-bit stereo, with espeak-ng speech when installed (earcons otherwise).

            Exit status: 0 on success, 65 when the timeline or camera file is invalid, 73 when the \
            output cannot be written.

            Examples:
              waycue cues render datasets/examples/cues/crossing.jsonl --out /tmp/crossing
              waycue cues render walk.jsonl --out out --language zh --verbosity quiet
            """
    )

    @Argument(help: "Detection timeline (JSON lines).")
    var timeline: String

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    @Option(name: .long, help: "Language of texts and speech: en or zh.")
    var language: String = "en"

    @Option(name: .long, help: "quiet, normal or detailed.")
    var verbosity: String = "normal"

    @Option(name: .long, help: "Camera model JSON (CameraModel fields); default: 640x480, 70 degrees, 1.3 m, 15 degrees down.")
    var camera: String?

    @Option(name: .long, help: "Seconds between clock ticks when no frame arrives.")
    var tick: Double = 0.1

    @Option(name: .long, help: "Seconds to keep the clock running after the last frame.")
    var tail: Double = 0.5

    @Flag(name: .long, help: "Earcons only, no speech in the WAV.")
    var noSpeech = false

    @Flag(name: .long, help: "Leave out the accessible-pedestrian-signal tones.")
    var noTones = false

    @Flag(name: .long, help: "Print a JSON summary instead of the cue texts.")
    var json = false

    func validate() throws {
        guard Phrasebook.bundledLanguages.contains(language) else {
            throw ValidationError("--language must be one of \(Phrasebook.bundledLanguages.joined(separator: ", "))")
        }
        guard CueVerbosity(rawValue: verbosity) != nil else {
            throw ValidationError("--verbosity must be quiet, normal or detailed")
        }
        guard tick > 0, tick.isFinite, tail >= 0, tail.isFinite else {
            throw ValidationError("--tick must be positive and --tail not negative")
        }
    }

    func run() async throws {
        var config = CueEngineConfiguration()
        config.verbosity = CueVerbosity(rawValue: verbosity) ?? .normal
        config.apsTones = !noTones
        if let camera {
            do {
                config.camera = try JSONDecoder().decode(CameraModel.self, from: Data(contentsOf: URL(fileURLWithPath: camera)))
            } catch {
                FileHandle.standardError.write(Data("waycue: camera file \(camera): \(error)\n".utf8))
                throw ExitCode(65)
            }
        }
        let frames: CueTimeline
        do { frames = try CueTimeline(contentsOf: URL(fileURLWithPath: timeline)) } catch {
            FileHandle.standardError.write(Data("waycue: \(error.description)\n".utf8))
            throw ExitCode(65)
        }
        let dir = URL(fileURLWithPath: out)
        let jsonURL = dir.appendingPathComponent("cues.jsonl")
        let wavURL = dir.appendingPathComponent("cues.wav")
        let engine: CueEngine
        let speech = noSpeech ? nil : EspeakSpeechBackend.find()
        let renderer: WAVTrackRenderer
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            FileHandle.standardError.write(Data("waycue: cannot create output directory \(dir.path): \(error.localizedDescription)\n".utf8))
            throw ExitCode(73)
        }
        do {
            let book = try Phrasebook.bundled(language)
            renderer = WAVTrackRenderer(speech: speech, voice: book.voice, url: wavURL)
            engine = CueEngine(configuration: config, phrasebook: book,
                               sinks: [try JSONLinesCueSink(url: jsonURL), renderer])
        } catch {
            FileHandle.standardError.write(Data("waycue: \(error)\n".utf8))
            throw ExitCode(73)
        }
        let cues: [Cue]
        do { cues = try frames.play(through: engine, tickInterval: tick, tail: tail) } catch {
            FileHandle.standardError.write(Data("waycue: \(timeline): \(error.description)\n".utf8))
            throw ExitCode(65)
        }
        renderer.minimumDuration = (frames.frames.last?.timestamp ?? 0) + tail
        do { try engine.finish() } catch {
            FileHandle.standardError.write(Data("waycue: \(error)\n".utf8))
            throw ExitCode(73)
        }
        if json {
            let summary: [String: Any] = [
                "frames": frames.frames.count, "cues": cues.count, "jsonl": jsonURL.path, "wav": wavURL.path,
                "speech": speech != nil, "speech_errors": renderer.speechErrors.count,
            ]
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for c in cues {
                print(String(format: "%7.2f  %-9@ %3d  %@", c.timestamp, c.kind.rawValue, c.priority.rawValue,
                             c.text.isEmpty ? "(\(c.earcon.rawValue) tone)" : c.text))
            }
            print("wrote \(jsonURL.path) and \(wavURL.path)\(speech == nil ? " (earcons only: espeak-ng not found or --no-speech)" : "")")
        }
    }
}
