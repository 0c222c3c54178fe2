import WayCueNN

/// Errors of ONNX import and export; each names the file, node or field at fault.
public enum ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read or written.
    case io(file: String, reason: String)
    /// The bytes are not a valid ONNX protobuf (truncated, wrong wire types...).
    case malformed(file: String, reason: String)
    /// The model's operator set is outside the supported range.
    case unsupportedOpset(domain: String, version: Int64)
    /// A node uses an operator, attribute or input form the importer does not handle.
    case unsupported(node: String, opType: String, reason: String)
    /// The model is inconsistent: missing tensor, cycle, bad shape, bad data...
    case invalidModel(String)
    /// The engine rejected the graph the importer built.
    case engine(node: String, NNError)

    public var description: String {
        switch self {
        case .io(let f, let r): "\(f): \(r)"
        case .malformed(let f, let r): "\(f): not a valid ONNX model: \(r)"
        case .unsupportedOpset(let d, let v): "unsupported opset \(v) for domain '\(d.isEmpty ? "ai.onnx" : d)' (supported: ai.onnx 11...21)"
        case .unsupported(let n, let op, let r): "node '\(n)' (\(op)): unsupported: \(r)"
        case .invalidModel(let r): "invalid ONNX model: \(r)"
        case .engine(let n, let e): "node '\(n)': \(e)"
        }
    }
}
