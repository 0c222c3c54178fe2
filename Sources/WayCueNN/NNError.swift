/// Errors of the inference engine; each names the op, tensor, file or field at fault.
public enum NNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An op parameter is out of range.
    case invalidParameter(op: String, reason: String)
    /// Tensor shapes do not fit together.
    case shapeMismatch(op: String, reason: String)
    /// The graph is malformed (unknown tensor, cycle, duplicate name...).
    case invalidGraph(String)
    /// A model or graph description file could not be parsed.
    case parse(file: String, line: Int, reason: String)
    /// A `.wcm` model file is malformed.
    case model(file: String, field: String, reason: String)
    /// An I/O failure reading or writing a file.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameter(let op, let r): "\(op): invalid parameter: \(r)"
        case .shapeMismatch(let op, let r): "\(op): shape mismatch: \(r)"
        case .invalidGraph(let r): "invalid graph: \(r)"
        case .parse(let f, let l, let r): "\(f):\(l): \(r)"
        case .model(let f, let field, let r): "\(f): \(field): \(r)"
        case .io(let f, let r): "\(f): \(r)"
        }
    }
}
