import Foundation
import SwiftProtobuf
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueONNX

/// A built graph exercising every engine op the exporter writes.
func builtGraph() throws -> Graph {
    let b = GraphBuilder()
    let x = b.input("image", TensorShape(c: 3, h: 16, w: 16))
    let c1 = try b.conv(x, out: 8, kernel: 3, stride: 2, activation: .leakyReLU(0.1), seed: 1, name: "stem")
    let p = try b.pool(c1, PoolConfig(kind: .max, kernel: 3, stride: 2, padding: 1), name: "pool")
    let (l, r) = try b.split(p, name: "split")
    let r1 = try b.conv(r, out: 4, kernel: 1, activation: .relu, seed: 2, name: "pw")
    let r2 = try b.conv(r1, out: 4, kernel: 3, groups: 4, activation: .relu6, seed: 3, name: "dw")
    let r3 = try b.conv(r2, out: 4, kernel: 1, activation: .silu, seed: 4, name: "pw2")
    let cat = try b.concat([l, r3], name: "cat")
    let sh = try b.shuffle(cat, groups: 2, name: "shuffle")
    let hs = try b.conv(sh, out: 8, kernel: 3, activation: .hardSwish, seed: 5, name: "hs")
    let up = try b.resize(hs, height: 8, width: 8, mode: .nearest, name: "up")
    let upl = try b.resize(hs, height: 8, width: 8, mode: .bilinear, name: "upl")
    let down = try b.conv(c1, out: 8, kernel: 1, seed: 6, name: "down")
    let sum = try b.add(try b.binary(up, upl, .max, name: "mx"), down, name: "sum")
    let prod = try b.binary(sum, down, .mul, name: "prod")
    let diff = try b.binary(prod, up, .sub, name: "diff")
    let act = b.activation(diff, .sigmoid, name: "sig")
    let gap = try b.pool(act, PoolConfig(kind: .average, kernel: 1, stride: 1, global: true), name: "gap")
    let avg = try b.pool(act, PoolConfig(kind: .average, kernel: 2, stride: 2), name: "avg")
    let rs = try b.reshape(avg, TensorShape(c: 1, h: 8, w: 16), name: "rs")
    let t = b.transpose(rs, name: "t")
    let sm = b.softmax(t, name: "sm")
    return try b.build(outputs: [sm, gap, b.identity(act, name: "act")])
}

@Suite struct ONNXExportTests {
    @Test func exportThenImportRunsTheSame() throws {
        let g = try builtGraph()
        let data = try ONNXExporter.export(g)
        let back = try ONNXImporter.importModel(bytes: [UInt8](data))
        let input = (0..<(3 * 16 * 16)).map { Float(sin(Double($0) * 0.37)) }
        let a = try runGraph(g, input: input), b = try runGraph(back, input: input)
        #expect(a.count == 3)
        for (k, v) in a {
            let w = try #require(b[k], "output \(k) lost in the round trip")
            #expect(relativeError(w, v) < 1e-5, "output \(k)")
        }
    }

    @Test func exportedModelIsWellFormed() throws {
        let m = ONNXExporter.model(try builtGraph())
        #expect(m.opsetImport.first?.version == 17)
        #expect(m.graph.input.map(\.name) == ["image"])
        #expect(Set(m.graph.output.map(\.name)) == ["sm", "gap", "act"])
        // Every node input is the graph input, an initializer, or an earlier node's output.
        var known = Set(m.graph.initializer.map(\.name) + ["image", ""])
        for n in m.graph.node {
            for i in n.input { #expect(known.contains(i), "\(n.name) reads unknown \(i)") }
            known.formUnion(n.output)
        }
    }

    static let python: String? = {
        for p in ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"] where FileManager.default.isExecutableFile(atPath: p) {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: p)
            proc.arguments = ["-c", "import onnxruntime"]
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            guard (try? proc.run()) != nil else { continue }
            proc.waitUntilExit()
            if proc.terminationStatus == 0 { return p }
        }
        return nil
    }()

    /// Runs `graph` exported to ONNX in ONNX Runtime (through python3) on `input`.
    func onnxRuntimeOutputs(_ graph: Graph, input: [Float], qdq: Bool = false) throws -> [String: [Float]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-onnx-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExporter.export(graph, to: dir + "/m.onnx", qdq: qdq)
        try input.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: dir + "/in.f32")) }
        let script = """
            import numpy as np, onnxruntime as ort, sys
            d = sys.argv[1]
            s = ort.InferenceSession(d + '/m.onnx', providers=['CPUExecutionProvider'])
            i = s.get_inputs()[0]
            x = np.fromfile(d + '/in.f32', dtype='<f4').reshape(i.shape)
            for o, y in zip(s.get_outputs(), s.run(None, {i.name: x})):
                y.astype('<f4').tofile(d + '/' + o.name + '.f32')
            """
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Self.python!)
        proc.arguments = ["-c", script, dir]
        try proc.run()
        proc.waitUntilExit()
        #expect(proc.terminationStatus == 0)
        var out: [String: [Float]] = [:]
        for v in graph.outputs.map({ graph.values[$0].name }) { out[v] = try readFloats(dir + "/\(v).f32") }
        return out
    }

    @Test(.enabled(if: python != nil, "skipped: no python3 with onnxruntime (pip install onnxruntime) on this machine"))
    func onnxRuntimeRunsTheExportAndAgrees() throws {
        let g = try builtGraph()
        let input = (0..<(3 * 16 * 16)).map { Float(cos(Double($0) * 0.11)) }
        let ref = try onnxRuntimeOutputs(g, input: input)
        for (k, v) in try runGraph(g, input: input) {
            #expect(relativeError(v, try #require(ref[k])) < 1e-4, "output \(k) differs from ONNX Runtime")
        }
    }

    @Test(.enabled(if: python != nil, "skipped: no python3 with onnxruntime (pip install onnxruntime) on this machine"))
    func qdqExportRunsInONNXRuntimeCloseToOurInt8() throws {
        let g = try builtGraph()
        let samples = (0..<4).map { i -> Tensor in
            let t = Tensor(shape: g.values[g.inputs[0]].shape)
            t.fillRandom(in: -1...1, seed: 50 + UInt64(i))
            return t
        }
        let quantized = try GraphRunner(graph: g, threads: 1).calibrateInt8(samples: samples, keepFirstAndLastFP32: false)
        #expect(quantized > 0)
        let model = ONNXExporter.model(g, qdq: true)
        #expect(model.graph.node.contains { $0.opType == "QuantizeLinear" })
        let input = samples[0].values
        let runner = try GraphRunner(graph: g, threads: 1, precision: .int8)
        try runner.run(samples[0])
        let ref = try onnxRuntimeOutputs(g, input: input, qdq: true)
        let fp32 = try onnxRuntimeOutputs(g, input: input)
        // The QDQ model really computes in int8: it is not bit-identical to the fp32 export.
        #expect(ref.contains { k, v in v != fp32[k] })
        for (id, v) in zip(runner.graph.outputs, runner.outputs) {
            let name = runner.graph.values[id].name
            let ours = Array(UnsafeBufferPointer(start: v.data, count: v.shape.count)), theirs = try #require(ref[name])
            let scale = max(theirs.map(abs).max() ?? 0, 1e-6)
            let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
            #expect(worst / scale < 0.05, "int8 output \(name): max diff \(worst) vs range \(scale)")
        }
    }

    @Test func qdqExportImportsBackAsInt8() throws {
        let g = try builtGraph()
        let samples = (0..<3).map { i -> Tensor in
            let t = Tensor(shape: g.values[g.inputs[0]].shape)
            t.fillRandom(in: -1...1, seed: 80 + UInt64(i))
            return t
        }
        let quantized = try GraphRunner(graph: g, threads: 1).calibrateInt8(samples: samples, keepFirstAndLastFP32: false)
        let back = try ONNXImporter.importModel(bytes: [UInt8](try ONNXExporter.export(g, qdq: true)))
        let convs = back.nodes.compactMap { n -> Conv2D? in if case .conv(let c) = n.op { c } else { nil } }
        #expect(convs.filter { $0.int8 != nil }.count == quantized)
        let a = try GraphRunner(graph: g, threads: 1, precision: .int8), b = try GraphRunner(graph: back, threads: 1, precision: .int8)
        try a.run(samples[1]); try b.run(samples[1])
        for (x, y) in zip(a.outputs, b.outputs) {
            let u = Array(UnsafeBufferPointer(start: x.data, count: x.shape.count)), v = Array(UnsafeBufferPointer(start: y.data, count: y.shape.count))
            #expect(relativeError(v, u) < 1e-4)
        }
    }

    static let peerNanodet = ["/work/shared/peers/ncnn/nanodet_m.param", "../shared/peers/ncnn/nanodet_m.param"]
        .first { FileManager.default.fileExists(atPath: $0) }

    @Test(.enabled(if: python != nil && peerNanodet != nil,
                   "skipped: needs python3 with onnxruntime and the peer nanodet_m.param (WAYCUE_PEERS)"))
    func defaultModelAgreesWithONNXRuntimeAfterImport() throws {
        let g = try NCNNParamImporter.importGraph(path: Self.peerNanodet!, seed: 42)
        let imported = try ONNXImporter.importModel(bytes: [UInt8](try ONNXExporter.export(g)))
        let shape = g.values[g.inputs[0]].shape
        let input = (0..<shape.count).map { Float(sin(Double($0) * 0.013)) }
        let ref = try onnxRuntimeOutputs(g, input: input)
        let ours = try runGraph(imported, input: input)
        // ShuffleNet's Concat -> Reshape -> Transpose -> Reshape still fuses into one copy.
        let optimized = try GraphRunner(graph: imported).graph
        #expect(optimized.nodes.contains { if case .concatShuffle = $0.op { true } else { false } })
        for (k, v) in ref {
            #expect(relativeError(try #require(ours[k]), v) < 1e-3, "nanodet-m output \(k)")
        }
    }
}

/// The bundled model's ONNX round trip, and class names from ONNX metadata.
@Suite("Detector round trip")
struct DetectorRoundTripTests {
    static let photos: [String] = {
        let dir = ["/work/shared/datasets/pedestrian-lights-crosswalks/valid/images", "../shared/datasets/pedestrian-lights-crosswalks/valid/images"]
            .first { FileManager.default.fileExists(atPath: $0) }
        guard let dir, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.sorted().prefix(6).map { dir + "/" + $0 }
    }()

    @Test(.enabled(if: !photos.isEmpty, "skipped: the shared photographs (../shared/datasets) are not beside this checkout"),
          arguments: [false, true])
    func bundledModelSurvivesExportAndImport(qdq: Bool) throws {
        let original = try Detector.default()
        let back = try ONNXImporter.importModel(bytes: [UInt8](try ONNXExporter.export(original.graph, qdq: qdq)))
        #expect(back.classNames == original.classNames)
        let imported = try Detector(model: back)
        #expect(imported.isQuantized == qdq)
        var compared = 0
        for path in Self.photos {
            let image = try Image(contentsOfFile: path, as: .rgb8)
            let a = try original.detect(image), b = try imported.detect(image)
            if qdq, a != b { print("round trip qdq \(path):\n  original \(a)\n  imported \(b)") }
            // QDQ keeps the int8 arithmetic: the same detections (box within 1 px, score within
            // 0.02). A plain fp32 export keeps the int8 weights but drops the activations'
            // quantization, so it is a slightly different model: matched boxes overlap at IoU
            // 0.6 and scores move by up to 0.1 (measured on these photos: scores up to 0.058 and
            // IoU down to 0.80 with the 2026-12-02 model; IoU down to 0.633 with the 2026-12-08
            // model, whose int8 heads were calibrated on their own; both have the same mAP50 as
            // their fp32 graphs on the pedestrian validation photos).
            if qdq { #expect(a.count == b.count, "\(path)") }
            for d in a {
                let same = b.filter { $0.objectClass == d.objectClass }
                guard let m = same.max(by: { $0.box.iou(d.box) < $1.box.iou(d.box) }), m.box.iou(d.box) > 0.5 else {
                    #expect(!qdq && d.score < original.scoreThreshold + 0.1, "\(path): \(d) lost")
                    continue
                }
                compared += 1
                if qdq {
                    #expect(abs(m.score - d.score) <= 0.02, "\(path): score \(d.score) vs \(m.score)")
                    #expect(abs(m.box.x1 - d.box.x1) <= 1 && abs(m.box.y1 - d.box.y1) <= 1 && abs(m.box.x2 - d.box.x2) <= 1 && abs(m.box.y2 - d.box.y2) <= 1,
                            "\(path): box \(d.box) vs \(m.box)")
                } else {
                    #expect(abs(m.score - d.score) <= 0.1, "\(path): score \(d.score) vs \(m.score)")
                    #expect(m.box.iou(d.box) >= 0.6, "\(path): box \(d.box) vs \(m.box)")
                }
            }
        }
        #expect(compared > 0)
    }

    @Test("class names: WayCue's class_names, Ultralytics' names dict, a list; malformed ones are ignored")
    func metadataNames() {
        #expect(ONNXImporter.classNames(metadata: [("class_names", "a\nb c\nd")]) == ["a", "b c", "d"])
        #expect(ONNXImporter.classNames(metadata: [("names", "{0: 'person', 1: \"bicycle\", 2: 'traffic light'}")]) == ["person", "bicycle", "traffic light"])
        #expect(ONNXImporter.classNames(metadata: [("names", "['x', 'y']")]) == ["x", "y"])
        #expect(ONNXImporter.classNames(metadata: [("names", "{0: 'a', 2: 'c'}")]).isEmpty)
        #expect(ONNXImporter.classNames(metadata: [("names", "{0: 'a'")]).isEmpty)
        #expect(ONNXImporter.classNames(metadata: [("stride", "32")]).isEmpty)
        var rng = SystemRandomNumberGenerator()
        let seed = Array("{0: 'person', 1: 'bicycle', 2: 'car'}".utf8)
        for _ in 0..<2000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = Array("{}[]:'\", 0123abc\\".utf8).randomElement(using: &rng)!
            }
            _ = ONNXImporter.classNames(metadata: [("names", String(decoding: b, as: UTF8.self))])
        }
    }
}
