import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueONNX

/// WayCueNN against ONNX Runtime's outputs stored by scripts/make-onnx-fixtures.py.
@Suite struct ONNXParityTests {
    static let caseNames: [String] = (try? loadManifest().filter { $0.int8 != true }.map(\.name)) ?? []

    @Test func manifestListsEveryCase() throws {
        #expect(try loadManifest().count >= 10)
    }

    @Test(arguments: caseNames)
    func matchesONNXRuntime(_ name: String) throws {
        let c = try #require(try loadManifest().first { $0.name == name })
        let graph = try ONNXImporter.importModel(path: "\(fixturesDir)/\(name).onnx")
        let input = try readFloats("\(fixturesDir)/\(name).in.f32")
        for threads in [1, 2] {
            let outs = try runGraph(graph, input: input, threads: threads)
            for (i, o) in c.outputs.enumerated() {
                let ref = try readFloats("\(fixturesDir)/\(name).out\(i).f32")
                let got = try #require(outs[o.name], "output \(o.name) missing")
                let err = relativeError(got, ref)
                #expect(err < 2e-4, "\(name) output \(o.name) (\(threads) threads): max relative error \(err)")
            }
        }
    }

    @Test func onnxRuntimeInt8ModelRunsInInt8Here() throws {
        let c = try #require(try loadManifest().first { $0.int8 == true })
        let graph = try ONNXImporter.importModel(path: "\(fixturesDir)/\(c.name).onnx")
        let int8Convs = graph.nodes.filter { if case .conv(let k) = $0.op { k.int8 != nil } else { false } }.count
        #expect(int8Convs >= 10, "QDQ scales were not carried to the convolutions")
        let input = try readFloats("\(fixturesDir)/\(c.name).in.f32")
        let got = try #require(try runGraph(graph, input: input, precision: .int8)[c.outputs[0].name])
        let ref = try readFloats("\(fixturesDir)/\(c.name).out0.f32")
        // Both engines quantize, differently (rounding, asymmetric vs symmetric activations):
        // hold the largest difference to a few percent of the output range.
        let range = max(ref.map(abs).max() ?? 0, 1e-6)
        let fp = try #require(try runGraph(graph, input: input, precision: .fp32)[c.outputs[0].name])
        let worstFP = zip(fp, ref).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worstFP / range < 0.06, "fp32 run of the dequantized model: max diff \(worstFP) over range \(range)")
        let worst = zip(got, ref).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst / range < 0.06, "max diff \(worst) over range \(range)")
    }

    @Test func unfusedImportGivesTheSameOutputs() throws {
        let name = "conv_bn_act"
        let fused = try ONNXImporter.importModel(path: "\(fixturesDir)/\(name).onnx")
        let plain = try ONNXImporter.importModel(path: "\(fixturesDir)/\(name).onnx", options: .init(fuse: false))
        #expect(plain.nodes.count > fused.nodes.count)
        let input = try readFloats("\(fixturesDir)/\(name).in.f32")
        let a = try runGraph(fused, input: input), b = try runGraph(plain, input: input)
        for (k, v) in a { #expect(relativeError(v, try #require(b[k])) < 1e-4) }
    }

    @Test func convolutionsAbsorbBatchNormAndActivations() throws {
        let g = try ONNXImporter.importModel(path: "\(fixturesDir)/conv_bn_act.onnx")
        let convs = g.nodes.compactMap { n -> Conv2D? in if case .conv(let c) = n.op { c } else { nil } }
        #expect(convs.map(\.activation) == [.relu, .leakyReLU(0.1), .silu, .hardSwish, .relu6, .sigmoid])
        #expect(!g.nodes.contains { if case .activation = $0.op { true } else { false } })
    }

    @Test func shapeArithmeticIsFolded() throws {
        let g = try ONNXImporter.importModel(path: "\(fixturesDir)/shape_ops.onnx")
        // The Shape -> Gather -> Unsqueeze -> Concat chain that feeds Reshape leaves no engine node.
        let names = g.nodes.map(\.name)
        for prefix in ["shape_", "gather_", "unsqueeze_", "concat_"] {
            #expect(!names.contains { $0.hasPrefix(prefix) }, "\(prefix) node left in \(names)")
        }
        #expect(g.nodes.contains { if case .softmax = $0.op { true } else { false } })
    }

    @Test func nanodetLikeOutputGetsADecoderDescription() throws {
        let g = try ONNXImporter.importModel(path: "\(fixturesDir)/nanodet_tiny.onnx")
        let d = try #require(DetectionHeadDescription.infer(from: g))
        #expect(d.layout == .nanodetPlus)
        #expect(d.classCount == 3)
        #expect(d.distributionDecoder?.valuesPerCell == 35)
    }

    /// NanoDet-Plus's own export script is not on PyPI (no `nanodet` package), so its layout is
    /// checked on the hand-made NanoDet-Plus-shaped graph: stored head, names, and a Detector
    /// whose decoding of the graph's output equals the distribution decoder's on probabilities.
    @Test func nanodetLikeModelRunsAsADetector() throws {
        var g = try ONNXImporter.importModel(path: "\(fixturesDir)/nanodet_tiny.onnx")
        let d = try #require(DetectionHeadDescription.infer(from: g))
        let head = d.modelHead()
        #expect(head.input == .nanodet && head.centerOffset == 0 && head.scoresAreProbabilities)
        DetectionHeadDescription.store(head, output: d.output, in: &g)
        g.classNames = ["a", "b", "c"]
        let detector = try Detector(model: try ModelFile.decode(ModelFile.encode(g)))
        #expect(detector.head == head)
        let w = detector.inputWidth, h = detector.inputHeight
        var image = Image(width: w * 2, height: h, format: .rgb8, fill: 0)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 13) % 256) }
        detector.scoreThreshold = 0.05
        let found = try detector.detectFullFrame(image)
        // Stretched input: boxes map back with two scales, inside the image.
        #expect(found.allSatisfy { $0.box.x1 >= 0 && $0.box.x2 <= Float(w * 2) && $0.box.y2 <= Float(h) })
    }
}
