/// A problem with a dataset input file: which file, where in it, and why.
///
/// Every reader in WayCueTraining reports malformed input with this one type, so a caller can
/// print `file:line: field: reason` and a test can check the location.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The broad kind of problem.
    public enum Kind: String, Sendable, Codable {
        /// The file could not be read.
        case io
        /// The text is not valid in its format (YAML, XML, JSON, YOLO txt).
        case syntax
        /// A required field is absent.
        case missingField
        /// A field is present but its value is wrong (type, range, count).
        case invalidValue
        /// A class name or id that neither the dataset nor the mapping knows.
        case unknownClass
        /// The folder layout is not one WayCue recognises.
        case layout
    }

    /// The kind of problem.
    public var kind: Kind
    /// The file (or folder) at fault, as given or resolved.
    public var file: String
    /// The 1-based line in `file`, when known.
    public var line: Int?
    /// The field (YAML key, XML element, JSON path), when known.
    public var field: String?
    /// A human explanation.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, file: String, line: Int? = nil, field: String? = nil, reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `file:line: field: reason`, leaving out what is unknown.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let field { s += "\(field): " }
        return s + reason
    }
}
