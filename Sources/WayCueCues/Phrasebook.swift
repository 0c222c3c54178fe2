import Foundation

/// A problem with a phrasebook file, naming the file and the reason.
public enum PhrasebookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(source: String, reason: String)
    /// The file is not valid phrasebook JSON.
    case invalidJSON(source: String, reason: String)
    /// A phrase every language must have is missing.
    case missingPhrase(source: String, key: String)
    /// No bundled phrasebook for this language.
    case unknownLanguage(String)

    public var description: String {
        switch self {
        case .unreadable(let s, let r): "phrasebook \(s): cannot read: \(r)"
        case .invalidJSON(let s, let r): "phrasebook \(s): invalid JSON: \(r)"
        case .missingPhrase(let s, let k): "phrasebook \(s): missing phrase \"\(k)\""
        case .unknownLanguage(let l): "no phrasebook for language \"\(l)\" (bundled: en, zh)"
        }
    }
}

/// The words of one language: a template per message key, plus words for arguments.
///
/// A phrasebook is a JSON file `phrasebook-LANG.json` with `language`, `voice` (the
/// `espeak-ng` voice), `phrases` (key to display template with `{name}` placeholders),
/// optional `speech` (key to the template the speech engine reads, for example pinyin with
/// tone numbers), `words` (argument values such as `left` or `class.pole` to display words)
/// and optional `speechWords`. Add a language by adding a file with every key of
/// ``requiredKeys``.
public struct Phrasebook: Sendable, Hashable {
    /// Language code, for example `en` or `zh`.
    public var language: String
    /// The `espeak-ng` voice, for example `en` or `cmn-latn-pinyin`.
    public var voice: String
    /// Display templates by key.
    public var phrases: [String: String]
    /// Speech templates by key (falls back to ``phrases``).
    public var speechPhrases: [String: String]
    /// Display words for argument values.
    public var words: [String: String]
    /// Spoken words for argument values (falls back to ``words``).
    public var speechWords: [String: String]

    /// Every message key the cue engine can emit.
    public static let requiredKeys: [String] = [
        "collision", "signal.green", "signal.red", "signal.changed.red", "signal.red.crossing",
        "signal.flashing", "signal.flashing.crossing", "signal.lost", "signal.lost.crossing", "signal.unclear", "system.camera.paused",
        "system.camera.resumed", "system.vision.lagging", "system.vision.recovered", "obstacle", "obstacle.near",
        "crosswalk.ahead", "crosswalk.ahead.turn", "crosswalk.on", "crosswalk.veer",
        "crosswalk.end", "paving.ahead", "paving.drifts", "paving.off", "paving.warning",
        "paving.ends", "paving.bends", "paving.junction", "paving.junction.both", "paving.lost",
    ]

    /// The languages bundled with the module.
    public static let bundledLanguages = ["en", "zh"]

    private struct File: Decodable {
        var language: String
        var voice: String
        var phrases: [String: String]
        var speech: [String: String]?
        var words: [String: String]?
        var speechWords: [String: String]?
    }

    /// Parses a phrasebook from JSON; `source` names it in errors.
    public init(json data: Data, source: String) throws(PhrasebookError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw .invalidJSON(source: source, reason: Self.describe(error))
        }
        for key in Self.requiredKeys where file.phrases[key] == nil {
            throw .missingPhrase(source: source, key: key)
        }
        language = file.language
        voice = file.voice
        phrases = file.phrases
        speechPhrases = file.speech ?? [:]
        words = file.words ?? [:]
        speechWords = file.speechWords ?? [:]
    }

    /// Loads a phrasebook file.
    public init(contentsOf url: URL) throws(PhrasebookError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(source: url.path, reason: error.localizedDescription)
        }
        try self.init(json: data, source: url.path)
    }

    /// The location of the bundled phrasebook file for `language`, if any.
    public static func bundledURL(_ language: String) -> URL? {
        guard bundledLanguages.contains(language) else { return nil }
        return Bundle.module.url(forResource: "phrasebook-\(language)", withExtension: "json")
    }

    /// The phrasebook bundled for `language` (`en` or `zh`).
    public static func bundled(_ language: String) throws(PhrasebookError) -> Phrasebook {
        guard let url = bundledURL(language) else { throw .unknownLanguage(language) }
        return try Phrasebook(contentsOf: url)
    }

    /// The display text of a message.
    public func text(_ message: CueMessage) -> String {
        render(phrases[message.key] ?? message.key, message.arguments, words: words)
    }

    /// What the speech backend should read for a message.
    public func speech(_ message: CueMessage) -> String {
        let template = speechPhrases[message.key] ?? phrases[message.key] ?? message.key
        return render(template, message.arguments, words: speechWords.isEmpty ? words : speechWords)
    }

    private func render(_ template: String, _ args: [String: String], words: [String: String]) -> String {
        var out = template
        for (name, value) in args {
            let word: String
            if name == "class" {
                word = words["class." + value] ?? value.replacingOccurrences(of: "_", with: " ")
            } else {
                word = words[value] ?? value
            }
            out = out.replacingOccurrences(of: "{" + name + "}", with: word)
        }
        // Collapse the double spaces an empty word (for example "sharply") leaves behind.
        while out.contains("  ") { out = out.replacingOccurrences(of: "  ", with: " ") }
        return out.trimmingCharacters(in: .whitespaces)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx): ctx.debugDescription
        default: String(describing: error)
        }
    }
}
