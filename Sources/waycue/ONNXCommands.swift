import ArgumentParser
import Foundation
import WayCueNN
import WayCueDetector
import WayCueONNX

/// `waycue import`: ONNX model -> `.wcm`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX model (opsets 11-21) into a WayCueNN .wcm model.",
        discussion: """
            Shape arithmetic is folded, batch norm and activations are fused into convolutions.

            Detection models become detectors that `waycue detect`, `eval`, `serve` and \
            `dataset prelabel` run: when the output is a WayCue, NanoDet-Plus \
            ([1, N, classes + 4 x (reg_max + 1)]), Ultralytics YOLOv8/YOLO11 ([1, 4 + classes, N]) \
            or YOLOv5 ([1, 3N, 5 + classes]) head, the head's layout and the input preparation \
            are stored in the .wcm itself (a model is one file). The input preparation defaults \
            to the exporter's (Ultralytics: RGB/255, letterbox, pad 114; NanoDet-Plus: BGR, \
            mean 103.53,116.28,123.675, std 57.375,57.12,58.395, stretched); --mean, --std, \
            --bgr, --resize and --pad override it. Class names come from the ONNX metadata \
            (WayCue's class_names, Ultralytics' names) or --names FILE (one per line).

            Exit codes: 0 ok, 1 unsupported or invalid model, 2 bad options.

            Examples:
              waycue import nanodet-plus-m_320.onnx --out nanodet.wcm --names coco.txt
              waycue import yolov8n.onnx --out yolov8n.wcm
              waycue import model.onnx --out model.wcm --input-shape 1x3x320x320 --layout yolov8 --std 255,255,255 --json
            """)

    @Argument(help: "The .onnx file.")
    var model: String
    @Option(help: "Output .wcm path.")
    var out: String
    @Option(help: "Input shape NxCxHxW when the model's is symbolic.")
    var inputShape: String?
    @Flag(help: "Do not fuse batch norm / activations into convolutions.")
    var noFuse = false
    @Option(help: "Class names, one per line (default: from the ONNX metadata).")
    var names: String?
    @Option(help: "Head layout: auto, none, yolov8, yolov5 or nanodet-plus.")
    var layout = "auto"
    @Option(help: "Input mean per channel in 0-255 units, in the model's channel order (a,b,c).")
    var mean: String?
    @Option(help: "Input standard deviation per channel in 0-255 units (a,b,c).")
    var std: String?
    @Flag(help: "The model takes BGR (default: the exporter's, else RGB).")
    var bgr = false
    @Option(help: "letterbox or stretch (default: the exporter's).")
    var resize: String?
    @Option(help: "Letterbox pad value 0-255 (default: the exporter's).")
    var pad: Int?
    @Flag(help: "Print one JSON object.")
    var json = false

    func triple(_ s: String, _ flag: String) throws -> [Float] {
        let v = s.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 3, v.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw ValidationError("\(flag) needs three numbers a,b,c") }
        return v.map { $0! }
    }

    func run() throws {
        var shape: TensorShape?
        if let s = inputShape {
            let d = s.split(separator: "x").compactMap { Int($0) }
            guard d.count == 4, d.allSatisfy({ $0 > 0 }) else { throw ValidationError("--input-shape must be NxCxHxW") }
            shape = TensorShape(n: d[0], c: d[1], h: d[2], w: d[3])
        }
        guard ["auto", "none", "yolov8", "yolov5", "nanodet-plus"].contains(layout) else {
            throw ValidationError("--layout must be auto, none, yolov8, yolov5 or nanodet-plus")
        }
        if let resize, InputNormalization.Resize(rawValue: resize) == nil { throw ValidationError("--resize must be letterbox or stretch") }
        if let pad, !(0...255).contains(pad) { throw ValidationError("--pad must be 0-255") }
        var graph: Graph
        do {
            graph = try ONNXImporter.importModel(path: model, options: .init(inputShape: shape, fuse: !noFuse))
            if let names {
                let text = try String(contentsOfFile: names, encoding: .utf8)
                graph.classNames = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        } catch {
            if json { print("{\"ok\":false,\"error\":\(jsonString("\(error)"))}") } else { print("error: \(error)") }
            throw ExitCode(1)
        }
        // The detection head: WayCue's own is kept as it is; others are recognised from their shape.
        var head: ModelHead? = graph.outputs.count == 1 ? ModelHead(valueName: graph.values[graph.outputs[0]].name) : nil
        let forcedLayout = DetectionHeadDescription.Layout(rawValue: layout)
        let described = forcedLayout.map { DetectionHeadDescription.forced($0, graph: graph) } ?? DetectionHeadDescription.infer(from: graph)
        if let forcedLayout, described == nil {
            print("error: the output's size does not fit a \(forcedLayout.rawValue) head at this input size")
            throw ExitCode(2)
        }
        if head == nil, layout != "none", let d = described {
            var input: InputNormalization?
            if mean != nil || std != nil || bgr || resize != nil || pad != nil {
                var n = d.modelHead().input
                if let mean { n.mean = try triple(mean, "--mean") }
                if let std { n.std = try triple(std, "--std") }
                if bgr { n.channelOrder = .bgr }
                if let resize { n.resize = InputNormalization.Resize(rawValue: resize)! }
                if let pad { n.padValue = UInt8(pad) }
                if let p = n.problem { throw ValidationError(p) }
                input = n
            }
            let h = d.modelHead(input: input)
            DetectionHeadDescription.store(h, output: d.output, in: &graph)
            head = h
        }
        do { try ModelFile.save(graph, to: out) } catch {
            if json { print("{\"ok\":false,\"error\":\(jsonString("\(error)"))}") } else { print("error: \(error)") }
            throw ExitCode(1)
        }
        let convs = graph.nodes.filter { if case .conv = $0.op { true } else { false } }.count
        let runnable = head != nil && !graph.classNames.isEmpty
        if json {
            print("{\"ok\":true,\"out\":\(jsonString(out)),\"nodes\":\(graph.nodes.count),\"convolutions\":\(convs),"
                + "\"outputs\":[\(graph.outputs.map { jsonString(graph.values[$0].name) }.joined(separator: ","))],"
                + "\"decoder\":\(jsonString(head?.layout.rawValue ?? "")),\"classes\":\(graph.classNames.count),"
                + "\"detector\":\(runnable)}")
        } else {
            print("imported \(model): \(graph.nodes.count) nodes (\(convs) convolutions) -> \(out)")
            if let head {
                print("detection head: \(head.layout.rawValue), \(graph.classNames.count) classes, input \(head.input.channelOrder.rawValue) (x - \(head.input.mean)) / \(head.input.std), \(head.input.resize.rawValue)")
                if graph.classNames.isEmpty { print("warning: no class names in the model's metadata; give --names FILE to run it as a detector") }
            }
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
