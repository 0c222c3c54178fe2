import Foundation

/// The bearer tokens a server accepts. Empty means authentication is off.
///
/// Tokens are compared in constant time (for a given candidate length) and are never logged
/// or included in errors; ``description`` shows only how many there are.
public struct AccessTokens: Sendable, CustomStringConvertible {
    private let tokens: [[UInt8]]

    /// No tokens: every request is allowed.
    public static let none = AccessTokens(tokens: [])

    /// Creates a token set; empty strings and surrounding whitespace are dropped.
    public init(tokens: [String]) {
        self.tokens = tokens.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// Parses a token list: one per line or separated by commas; `#` starts a comment line.
    public init(parsing text: String) {
        self.init(tokens: Self.strings(parsing: text))
    }

    /// The tokens of a list: one per line or separated by commas; `#` starts a comment line.
    public static func strings(parsing text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Reads the tokens of a file (see ``strings(parsing:)``).
    ///
    /// - Throws: ``ServerSetupError/tokenFile(_:_:)`` when the file cannot be read or holds no token.
    public static func strings(contentsOfFile path: String) throws(ServerSetupError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .tokenFile(path, "cannot read the file")
        }
        let list = strings(parsing: String(decoding: data, as: UTF8.self))
        if list.isEmpty { throw .tokenFile(path, "the file holds no token") }
        return list
    }

    /// Whether authentication is off.
    public var isEmpty: Bool { tokens.isEmpty }
    /// How many tokens are accepted.
    public var count: Int { tokens.count }

    /// Whether `candidate` equals one of the tokens. Every token is compared, each byte by
    /// byte without early exit, so the time does not reveal where a guess went wrong.
    public func accepts(_ candidate: String) -> Bool {
        let c = Array(candidate.utf8)
        var match: UInt8 = 0
        for token in tokens {
            match |= Self.constantTimeEqual(token, c) ? 1 : 0
        }
        return match == 1
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt(bitPattern: a.count ^ b.count)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= UInt(x ^ y)
        }
        return diff == 0
    }

    public var description: String { "\(tokens.count) token(s)" }
}

/// A problem found while setting up the server (before it listens).
public enum ServerSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token file is unreadable or empty.
    case tokenFile(String, String)
    /// A setting is out of range.
    case invalidSetting(String, String)
    /// No model was given or it could not be loaded.
    case model(String)

    public var description: String {
        switch self {
        case .tokenFile(let path, let why): "token file \(path): \(why)"
        case .invalidSetting(let name, let why): "setting \(name): \(why)"
        case .model(let why): why
        }
    }
}
