import Foundation

/// The process's resident memory, read from `/proc/self/status` on Linux.
public enum ProcessMemory {
    /// Current resident set size in bytes (`VmRSS`); `nil` where unavailable.
    public static func residentBytes() -> Int? { statusValue("VmRSS:") }

    /// Peak resident set size in bytes (`VmHWM`); `nil` where unavailable.
    public static func peakResidentBytes() -> Int? { statusValue("VmHWM:") }

    static func statusValue(_ key: String) -> Int? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let kb = fields.first.flatMap({ Int($0) }) else { return nil }
            return kb * 1024
        }
        return nil
        #else
        return nil
        #endif
    }
}
