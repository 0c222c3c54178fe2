import Foundation

/// A fresh temporary folder for one test.
func makeTempDir(_ tag: String = "wct") -> String {
    let p = NSTemporaryDirectory() + "\(tag)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

/// Writes text to a path, creating folders.
func write(_ text: String, to path: String) {
    let dir = (path as NSString).deletingLastPathComponent
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// The package root (two levels above this file's folder).
let packageRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}()

/// The shared datasets folder, nil when absent (tests that need it are skipped then).
let sharedDatasets: String? = {
    let p = packageRoot + "/../shared/datasets"
    return FileManager.default.fileExists(atPath: p + "/README.md") ? p : nil
}()

/// A small deterministic PRNG for fuzzing.
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Mutates bytes: flips, inserts, deletes, duplicates slices and splices in tokens.
func mutate(_ input: [UInt8], rng: inout TestRNG, tokens: [String]) -> [UInt8] {
    var b = input
    for _ in 0..<(1 + rng.int(4)) {
        switch rng.int(6) {
        case 0 where !b.isEmpty: b[rng.int(b.count)] ^= UInt8(1 << rng.int(8))
        case 1 where !b.isEmpty: b.remove(at: rng.int(b.count))
        case 2: b.insert(UInt8(rng.int(256)), at: rng.int(b.count + 1))
        case 3 where b.count > 2:
            let i = rng.int(b.count), j = min(b.count, i + rng.int(16))
            b.insert(contentsOf: b[i..<j], at: rng.int(b.count + 1))
        case 4:
            let t = Array(tokens[rng.int(tokens.count)].utf8)
            b.insert(contentsOf: t, at: rng.int(b.count + 1))
        default:
            if b.count > 1 { b.removeSubrange(rng.int(b.count)..<b.count) }
        }
    }
    return b
}
