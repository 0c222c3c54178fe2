import ArgumentParser
import Foundation
import WayCueDetector
import WayCueNN
import WayCueONNX
import WayCueTraining

/// `waycue export`: a trained run, a `.wcm` model or a peer graph, written as a `.wcm` model or
/// (with `--onnx`) as ONNX.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run to a .wcm model, or any WayCueNN model to ONNX.",
        discussion: """
            Sources (one of): --run RUN (a `waycue train` run folder: EMA weights, batch norm \
            folded), --model M.wcm, or --graph NAME (a peer ncnn graph such as nanodet-m with \
            seeded random weights, the one `waycue bench engine` times, with --onnx only). \
            With --onnx and no source, the bundled default model is exported.

            A .wcm model takes raw RGB 0-255 letterboxed to its input size (pad 114) and has one \
            output in the DistributionBoxDecoder layout; its name records reg_max, strides and the \
            cell-centre offset, and the file carries the class names.

            With --onnx the graph is written as ONNX (opset 17) for ONNX Runtime and Netron. int8 \
            models get dequantized fp32 weights, or QuantizeLinear/DequantizeLinear with --qdq.

            Examples:
              waycue export --run runs/default --out default.wcm
              waycue export --run runs/default --checkpoint last --out last.wcm
              waycue export --onnx --out default.onnx          # the bundled model
              waycue export --onnx --model nanodet.wcm --out nanodet.onnx
              waycue export --onnx --graph nanodet-m --out nanodet-m.onnx --wcm nanodet-m.wcm
              waycue export --onnx --qdq --model nanodet-int8.wcm --out nanodet-int8.onnx
            """)

    @Option(name: .customLong("run"), help: "A `waycue train` run folder to export.")
    var runFolder: String?
    @Option(name: .long, help: "With --run: best or last checkpoint.")
    var checkpoint: String = "best"
    @Option(help: "A .wcm model to export.")
    var model: String?
    @Option(help: "Peer ncnn graph name (nanodet-m, ...) to export instead of a model (with --onnx).")
    var graph: String?
    @Option(help: "Path of an ncnn .param file for --graph.")
    var param: String?
    @Flag(help: "Write ONNX instead of .wcm.")
    var onnx = false
    @Flag(help: "With --onnx: write int8 convolutions as QuantizeLinear/DequantizeLinear (QDQ).")
    var qdq = false
    @Option(name: .customLong("input"), help: "With --run: the exported input WIDTHxHEIGHT (default: the training size; 320x256 suits 4:3 cameras without a square letterbox).")
    var inputSize: String?

    @Option(help: "Output path (.wcm, or .onnx with --onnx).")
    var out: String
    @Option(help: "With --onnx: also write the graph as .wcm here.")
    var wcm: String?

    func validate() throws {
        if [runFolder != nil, model != nil, graph != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --run, --model and --graph")
        }
        if graph != nil && !onnx { throw ValidationError("--graph applies to --onnx only") }
        if !["best", "last"].contains(checkpoint) { throw ValidationError("--checkpoint must be best or last") }
        if qdq && !onnx { throw ValidationError("--qdq applies to --onnx only") }
        if wcm != nil && !onnx { throw ValidationError("--wcm applies to --onnx only (without it, --out is the .wcm)") }
        if runFolder == nil && model == nil && !onnx {
            throw ValidationError("give --run RUN (or --model M.wcm with --onnx)")
        }
    }

    func run() throws {
        do {
            let g: Graph
            var summary = ""
            if let runFolder {
                let trained = try Checkpoint.loadModel(path: "\(runFolder)/\(checkpoint).ckpt")
                var w: Int?, h: Int?
                if let inputSize {
                    let p = inputSize.lowercased().split(separator: "x")
                    guard p.count == 2, let pw = Int(p[0]), let ph = Int(p[1]) else {
                        throw ValidationError("--input must be WIDTHxHEIGHT, got \(inputSize)")
                    }
                    (w, h) = (pw, ph)
                }
                g = try trained.exportGraph(inputWidth: w, inputHeight: h)
                summary = "\(trained.config.classNames.count) classes, input \(trained.config.inputSize), "
                    + "\(trained.store.parameterCount) parameters, "
            } else if let model {
                g = try ModelFile.load(path: model)
            } else if let graph {
                let path = try BenchEngineCommand.resolve(graph: graph, param: param)
                g = try NCNNParamImporter.importGraph(path: path, seed: 42)
                summary = "peer graph \(graph) with seeded random weights, "
            } else {
                // Without a source, the bundled default model (never a random-weight graph).
                g = try Detector.default().graph
                summary = "the bundled default model, "
            }
            if onnx {
                if let wcm { try ModelFile.save(g, to: wcm) }
                try ONNXExporter.export(g, to: out, qdq: qdq)
                print("wrote \(out): ONNX, \(summary)\(g.nodes.count) nodes")
            } else {
                try ModelFile.save(g, to: out)
                print("wrote \(out): \(summary)\(String(format: "%.3f", g.flops / 1e9)) GFLOPs")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("waycue export: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
