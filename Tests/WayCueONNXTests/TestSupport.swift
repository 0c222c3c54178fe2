import Foundation
import WayCueNN

/// The committed fixtures folder (read from the source tree).
let fixturesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// One parity case of `Fixtures/manifest.json` (written by scripts/make-onnx-fixtures.py).
struct FixtureCase: Decodable {
    struct Tensor: Decodable { var name: String; var dims: [Int] }
    var name: String
    var input: Tensor
    var outputs: [Tensor]
    /// An ONNX Runtime int8 (QDQ) model: compared in int8 with a looser bound.
    var int8: Bool?
}


func loadManifest() throws -> [FixtureCase] {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDir + "/manifest.json"))
    return try JSONDecoder().decode([FixtureCase].self, from: data)
}

/// Little-endian float32 file.
func readFloats(_ path: String) throws -> [Float] {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    return d.withUnsafeBytes { p in (0..<d.count / 4).map { Float(bitPattern: p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) } }
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

/// Largest |a - b| / (1 + |b|).
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i]) / (1 + abs(b[i]))) }
    return m
}

/// Runs `graph` on `input` and returns each output's values by name.
func runGraph(_ graph: Graph, input: [Float], threads: Int = 1, precision: Precision = .fp32) throws -> [String: [Float]] {
    let runner = try GraphRunner(graph: graph, threads: threads, precision: precision)
    let shape = graph.values[graph.inputs[0]].shape
    try runner.run(Tensor(shape: shape, values: input))
    var out: [String: [Float]] = [:]
    for (id, v) in zip(runner.graph.outputs, runner.outputs) {
        out[runner.graph.values[id].name] = Array(UnsafeBufferPointer(start: v.data, count: v.shape.count))
    }
    return out
}
