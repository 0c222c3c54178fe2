import Foundation

/// Path helpers shared by the readers (plain strings, `/`-separated).
enum PathSupport {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "webp"]

    static func join(_ a: String, _ b: String) -> String {
        if b.hasPrefix("/") { return b }
        if a.isEmpty || a == "." { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// Removes `.` and resolves `..` lexically.
    static func normalize(_ p: String) -> String {
        let abs = p.hasPrefix("/")
        var parts: [Substring] = []
        for c in p.split(separator: "/") {
            if c == "." { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if c == "..", abs { continue }
            parts.append(c)
        }
        let s = parts.joined(separator: "/")
        return abs ? "/" + s : (s.isEmpty ? "." : s)
    }

    static func dirname(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return "." }
        return i == p.startIndex ? "/" : String(p[..<i])
    }

    static func basename(_ p: String) -> String {
        guard let i = p.lastIndex(of: "/") else { return p }
        return String(p[p.index(after: i)...])
    }

    static func stem(_ p: String) -> String {
        let b = basename(p)
        guard let i = b.lastIndex(of: "."), i != b.startIndex else { return b }
        return String(b[..<i])
    }

    static func ext(_ p: String) -> String {
        let b = basename(p)
        guard let i = b.lastIndex(of: "."), i != b.startIndex else { return "" }
        return String(b[b.index(after: i)...]).lowercased()
    }

    static func isDirectory(_ p: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
    }

    static func isFile(_ p: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &d) && !d.boolValue
    }

    /// Sorted file names in a directory (not recursive), or nil when unreadable.
    static func list(_ dir: String) -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted()
    }
}
