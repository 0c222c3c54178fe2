import Foundation

/// A problem producing speech.
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The speech program could not be started or failed.
    case failed(program: String, reason: String)

    public var description: String {
        switch self {
        case .failed(let p, let r): "speech program \(p) failed: \(r)"
        }
    }
}

/// Turns a cue's speech text into audio. Plug in another engine by conforming to this.
public protocol SpeechBackend: AnyObject {
    /// Mono audio of `text` spoken with `voice` (a phrasebook's voice name).
    func synthesize(_ text: String, voice: String) throws(SpeechError) -> MonoAudio
}

#if os(Linux) || os(macOS)
/// Speech through the `espeak-ng` program, run as a subprocess (it is GPL, so it is never
/// linked). Results are cached per text and voice.
public final class EspeakSpeechBackend: SpeechBackend {
    /// Path of the `espeak-ng` executable.
    public let executable: URL
    /// Speaking rate in words per minute.
    public var wordsPerMinute: Int
    private var cache: [String: MonoAudio] = [:]

    /// Uses the executable at `executable`.
    public init(executable: URL, wordsPerMinute: Int = 175) {
        self.executable = executable
        self.wordsPerMinute = wordsPerMinute
    }

    /// Finds `espeak-ng` on `PATH`, or returns `nil` when it is not installed.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> EspeakSpeechBackend? {
        guard let url = findExecutable("espeak-ng", environment: environment) else { return nil }
        return EspeakSpeechBackend(executable: url)
    }

    public func synthesize(_ text: String, voice: String) throws(SpeechError) -> MonoAudio {
        let key = voice + "\u{1}" + text
        if let hit = cache[key] { return hit }
        let data = try runProcess(executable, ["-v", voice, "-s", String(wordsPerMinute), "--stdout", text])
        let audio: MonoAudio
        do { audio = try MonoAudio(wav: data, source: "espeak-ng output") } catch {
            throw .failed(program: executable.path, reason: error.description)
        }
        cache[key] = audio
        return audio
    }
}

/// Locates an executable on `PATH`.
func findExecutable(_ name: String, environment: [String: String]) -> URL? {
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}

/// Runs a program to completion and returns its standard output.
func runProcess(_ executable: URL, _ arguments: [String]) throws(SpeechError) -> Data {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch {
        throw .failed(program: executable.path, reason: error.localizedDescription)
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw .failed(program: executable.path, reason: "exit status \(process.terminationStatus)")
    }
    return data
}
#endif
