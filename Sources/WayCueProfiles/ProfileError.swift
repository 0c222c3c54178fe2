/// One problem found in a profile, tied to the field where it is.
public struct ProfileIssue: Sendable, Hashable, CustomStringConvertible {
    /// The dotted path of the field, e.g. `camera.fps` or `cpu.features[2]`; empty for the root.
    public var path: String
    /// What is wrong, e.g. `must be between 1 and 240, got 0`.
    public var message: String
    /// The 1-based line in the YAML text, when known.
    public var line: Int?

    /// Creates an issue.
    public init(path: String, message: String, line: Int? = nil) {
        self.path = path
        self.message = message
        self.line = line
    }

    /// `path: message`, with the line when known.
    public var description: String {
        let location = path.isEmpty ? "(document)" : path
        if let line { return "\(location): \(message) (line \(line))" }
        return "\(location): \(message)"
    }
}

/// Why a firmware profile could not be read, validated, found or bundled.
public enum ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The text is not YAML, or is empty.
    case syntax(file: String, reason: String)
    /// The YAML does not satisfy the profile schema or its rules.
    case invalid(file: String, issues: [ProfileIssue])
    /// No profile of that name exists in the searched folders.
    case notFound(name: String, searched: [String])
    /// A bundle file could not be written.
    case writeFailed(path: String, reason: String)

    /// A message for people, naming the file and every field at fault.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .syntax(file, reason):
            return "\(file): not a YAML profile: \(reason)"
        case let .invalid(file, issues):
            return issues.map { "\(file): \($0)" }.joined(separator: "\n")
        case let .notFound(name, searched):
            let places = searched.isEmpty ? "(no folders)" : searched.joined(separator: ", ")
            return "no firmware profile named '\(name)' in \(places)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
