import Foundation

/// Why the label store refused a request; every case names what it is about.
public enum LabelStoreError: Error, Equatable, CustomStringConvertible {
    /// The frames folder is missing or holds no images.
    case noFrames(String)
    /// No frame with this name (stem) in the folder.
    case unknownFrame(String)
    /// A box that cannot be saved.
    case invalidBox(index: Int, reason: String)
    /// The labels changed since the caller read them (another tab or tool saved first).
    case conflict(stem: String, current: String)
    /// A file or folder cannot be written (permissions, full disk, read-only mount).
    case notWritable(String, String)
    /// The labels folder uses other class names than the canonical taxonomy.
    case classListMismatch(file: String, expected: [String], found: [String])

    public var description: String {
        switch self {
        case .noFrames(let d): return "no frames: \(d) holds no JPEG or PNG images (or is not a folder)"
        case .unknownFrame(let s): return "no frame named '\(s)' in this folder"
        case .invalidBox(let i, let r): return "box \(i + 1): \(r)"
        case .conflict(let s, let c):
            return "the labels of '\(s)' were changed elsewhere since they were read (now at revision \(c)); reload them first"
        case .notWritable(let p, let r): return "cannot write \(p): \(r)"
        case .classListMismatch(let f, let e, let found):
            return "\(f) lists the classes \(found.joined(separator: ", ")), not WayCue's canonical \(e.joined(separator: ", ")); map the labels to the canonical taxonomy first (a recipe mapping)"
        }
    }
}
