import Foundation

/// Receives each cue as the engine emits it.
public protocol CueSink: AnyObject {
    /// Called once per emitted cue, in order.
    func receive(_ cue: Cue)
    /// Called when the timeline ends (files are written here).
    func finish() throws
}

extension CueSink {
    /// Does nothing by default.
    public func finish() throws {}
}

/// A problem writing a sink's output, naming the path.
public enum CueSinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be created or written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unwritable(let p, let r): "cannot write \(p): \(r)"
        }
    }
}

/// Calls a closure for every cue: the hook for app code.
public final class CallbackCueSink: CueSink {
    private let handler: (Cue) -> Void
    /// Creates a sink calling `handler`.
    public init(_ handler: @escaping (Cue) -> Void) { self.handler = handler }
    public func receive(_ cue: Cue) { handler(cue) }
}

/// Writes one JSON object per cue per line (`{"t", "kind", "priority", "key", "text", "pan", ...}`),
/// and keeps the lines in memory.
public final class JSONLinesCueSink: CueSink {
    /// Every line written so far (without newlines).
    public private(set) var lines: [String] = []
    private let handle: FileHandle?
    private let path: String?

    /// Keeps the lines in memory only.
    public init() { handle = nil; path = nil }

    /// Writes to an open file handle (for example standard output) as cues arrive.
    public init(handle: FileHandle) { self.handle = handle; path = nil }

    /// Creates (or truncates) the file at `url` and writes to it as cues arrive.
    public init(url: URL) throws(CueSinkError) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
            let h = try? FileHandle(forWritingTo: url)
        else { throw .unwritable(path: url.path, reason: "cannot create the file") }
        handle = h
        path = url.path
    }

    /// The JSON line of one cue (keys sorted, stable for tests and diffs).
    public static func line(for cue: Cue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(cue) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public func receive(_ cue: Cue) {
        let line = Self.line(for: cue)
        lines.append(line)
        try? handle?.write(contentsOf: Data((line + "\n").utf8))
    }

    public func finish() throws {
        if path != nil { try? handle?.close() }
    }
}

/// Collects the cues and renders them into one stereo cue track: each cue's earcon panned
/// toward its bearing, then its speech (when a speech backend is available), placed at the
/// cue's timestamp. A cue that interrupts cuts the one before it; otherwise a cue waits for
/// the previous one to end.
public final class WAVTrackRenderer: CueSink {
    /// Every cue received.
    public private(set) var cues: [Cue] = []
    /// Output sample rate.
    public let sampleRate: Int
    /// Speech engine, or `nil` for earcons only.
    public let speech: (any SpeechBackend)?
    /// Voice passed to the speech engine.
    public let voice: String
    /// Where ``finish()`` writes the WAV, if anywhere.
    public let url: URL?
    /// Minimum duration of the rendered track in seconds.
    public var minimumDuration: Double = 0
    /// Speech failures met while rendering (the cue then plays its earcon alone).
    public private(set) var speechErrors: [SpeechError] = []

    /// Creates a renderer.
    public init(sampleRate: Int = 22_050, speech: (any SpeechBackend)?, voice: String, url: URL? = nil) {
        self.sampleRate = sampleRate
        self.speech = speech
        self.voice = voice
        self.url = url
    }

    public func receive(_ cue: Cue) { cues.append(cue) }

    /// The mono audio of one cue: earcon, a short pause, then speech.
    public func audio(for cue: Cue) -> [Float] {
        var mono = Earcon.samples(cue.earcon, urgency: cue.urgency, sampleRate: sampleRate)
        if let backend = speech, !cue.speech.isEmpty {
            do {
                let spoken = try backend.synthesize(cue.speech, voice: voice).resampled(to: sampleRate)
                mono.append(contentsOf: repeatElement(0, count: sampleRate / 20))
                mono.append(contentsOf: spoken.samples.map { $0 * 0.9 })
            } catch {
                speechErrors.append(error)
            }
        }
        return mono
    }

    /// Renders the whole track: until 0.3 s after the last cue's audio, and at least
    /// ``minimumDuration`` seconds.
    public func render() -> StereoTrack {
        var track = StereoTrack(sampleRate: sampleRate, seconds: minimumDuration)
        let audios = cues.map { audio(for: $0) }
        var cursor = -Double.infinity  // end of the previous cue's audio
        var starts: [Double] = []
        for (i, cue) in cues.enumerated() {
            let start = cue.interrupts ? cue.timestamp : max(cue.timestamp, cursor)
            starts.append(start)
            cursor = start + Double(audios[i].count) / Double(sampleRate)
        }
        for (i, cue) in cues.enumerated() {
            var limit = audios[i].count
            if i + 1 < cues.count, cues[i + 1].interrupts {
                limit = min(limit, max(0, Int((starts[i + 1] - starts[i]) * Double(sampleRate))))
            }
            track.mix(audios[i], at: max(0, starts[i]), pan: cue.pan, limit: limit)
        }
        // The track lasts until 0.3 s after the last cue's audio, or the minimum duration.
        let end = Int(((cursor.isFinite ? cursor + 0.3 : 0) * Double(sampleRate)).rounded())
        if end > track.left.count {
            track.left.append(contentsOf: repeatElement(0, count: end - track.left.count))
            track.right.append(contentsOf: repeatElement(0, count: end - track.right.count))
        }
        return track
    }

    /// Writes the WAV file when a URL was given.
    public func finish() throws {
        guard let url else { return }
        do { try render().wavData().write(to: url) } catch {
            throw CueSinkError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }
}

#if os(Linux) || os(macOS)
/// Plays each cue through ALSA's `aplay` program (boards and Linux desktops). A new cue
/// stops the one still playing; the engine has already ranked them. Each cue's audio goes
/// through a temporary WAV file (no pipe, so a stopped player cannot raise SIGPIPE here).
public final class AplayCueSink: CueSink {
    private let renderer: WAVTrackRenderer
    private let executable: URL
    private let arguments: [String]
    private var current: Process?
    /// Errors met starting `aplay` (playback never throws into the engine).
    public private(set) var errors: [String] = []

    /// Creates a sink using `aplay` from `PATH` (or `executable`), with `device` (`-D`) if given;
    /// `nil` when no player is found.
    public init?(speech: (any SpeechBackend)?, voice: String, device: String? = nil, executable: URL? = nil) {
        guard let exe = executable ?? findExecutable("aplay", environment: ProcessInfo.processInfo.environment)
        else { return nil }
        self.executable = exe
        renderer = WAVTrackRenderer(speech: speech, voice: voice)
        arguments = ["-q"] + (device.map { ["-D", $0] } ?? [])
    }

    public func receive(_ cue: Cue) {
        if let p = current, p.isRunning { p.terminate() }
        var track = StereoTrack(sampleRate: renderer.sampleRate, seconds: 0)
        track.mix(renderer.audio(for: cue), at: 0, pan: cue.pan)
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("waycue-cue-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).wav")
        do { try track.wavData().write(to: file) } catch {
            errors.append("cannot write \(file.path): \(error.localizedDescription)")
            return
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments + [file.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = { _ in try? FileManager.default.removeItem(at: file) }
        do { try process.run() } catch {
            errors.append("cannot start \(executable.path): \(error.localizedDescription)")
            try? FileManager.default.removeItem(at: file)
            return
        }
        current = process
    }

    /// Waits for the cue still playing.
    public func finish() throws {
        current?.waitUntilExit()
    }
}
#endif
