import ArgumentParser
import Foundation
import WayCueNN
import WayCueONNX

/// `waycue import`: ONNX model -> `.wcm`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX model (opsets 11-21) into a WayCueNN .wcm model.",
        discussion: """
            Shape arithmetic is folded, batch norm and activations are fused into convolutions.
            When the output looks like a NanoDet-Plus or YOLOv8 head, a decoder description is
            written next to the model as <out without .wcm>.decoder.json.
            Exit codes: 0 ok, 1 unsupported or invalid model.

            Examples:
              waycue import nanodet-plus-m_320.onnx --out nanodet.wcm
              waycue import model.onnx --out model.wcm --input-shape 1x3x320x320 --json
            """)

    @Argument(help: "The .onnx file.")
    var model: String
    @Option(help: "Output .wcm path.")
    var out: String
    @Option(help: "Input shape NxCxHxW when the model's is symbolic.")
    var inputShape: String?
    @Flag(help: "Do not fuse batch norm / activations into convolutions.")
    var noFuse = false
    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        var shape: TensorShape?
        if let s = inputShape {
            let d = s.split(separator: "x").compactMap { Int($0) }
            guard d.count == 4, d.allSatisfy({ $0 > 0 }) else { throw ValidationError("--input-shape must be NxCxHxW") }
            shape = TensorShape(n: d[0], c: d[1], h: d[2], w: d[3])
        }
        let graph: Graph
        do {
            graph = try ONNXImporter.importModel(path: model, options: .init(inputShape: shape, fuse: !noFuse))
            try ModelFile.save(graph, to: out)
        } catch {
            if json { print("{\"ok\":false,\"error\":\(jsonString("\(error)"))}") } else { print("error: \(error)") }
            throw ExitCode(1)
        }
        var decoderPath = ""
        if let d = DetectionHeadDescription.infer(from: graph) {
            decoderPath = (out.hasSuffix(".wcm") ? String(out.dropLast(4)) : out) + ".decoder.json"
            try d.jsonData().write(to: URL(fileURLWithPath: decoderPath))
        }
        let convs = graph.nodes.filter { if case .conv = $0.op { true } else { false } }.count
        if json {
            print("{\"ok\":true,\"out\":\(jsonString(out)),\"nodes\":\(graph.nodes.count),\"convolutions\":\(convs),"
                + "\"outputs\":[\(graph.outputs.map { jsonString(graph.values[$0].name) }.joined(separator: ","))],"
                + "\"decoder\":\(jsonString(decoderPath))}")
        } else {
            print("imported \(model): \(graph.nodes.count) nodes (\(convs) convolutions) -> \(out)")
            if !decoderPath.isEmpty { print("decoder description: \(decoderPath)") }
        }
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    var o = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        default: if ch.value < 0x20 { o += String(format: "\\u%04x", ch.value) } else { o.unicodeScalars.append(ch) }
        }
    }
    return o + "\""
}
