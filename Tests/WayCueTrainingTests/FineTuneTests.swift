import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueTraining

/// Fine-tuning from a shipped model: folded weights loaded back into trainable layers,
/// frozen batch norm, frozen parts, and a mask head carried from one model to another.
@Suite struct FineTuneTests {
    /// A tiny detector whose batch-norm statistics have moved away from (0, 1).
    static func trainedTiny(classes: [String], seed: UInt64) throws -> DetectorModel {
        var c = DetectorModelTests.tinyConfig()
        c.classNames = classes
        let model = DetectorModel(config: c, seed: seed)
        let pool = ThreadPool(threads: 2)
        for s in 0..<3 {
            let x = randomVar(2, 3, 64, 64, seed: seed * 10 + UInt64(s))
            for i in 0..<x.count { x.data[i] = abs(x.data[i]) }
            let t = Tape(training: true, pool: pool)
            t.recording = false
            _ = try model.forward(TapeBackend(tape: t), x)
        }
        return model
    }

    static func image(seed: UInt64) -> Var {
        var rng = SplitMix64(seed: seed)
        let img = Var(n: 1, c: 3, h: 64, w: 64)
        for i in 0..<img.count { img.data[i] = Float(Int(rng.next() % 256)) / 255 }
        return img
    }

    /// Raw graph output (cell-major, values per cell) for an image in 0...1.
    static func run(_ graph: Graph, _ img: Var) throws -> [Float] {
        let runner = try GraphRunner(graph: graph, threads: 1)
        for i in 0..<img.count { runner.input.data[i] = img.data[i] * 255 }
        runner.run()
        let o = runner.outputs[0]
        return Array(UnsafeBufferPointer(start: o.data, count: o.shape.count))
    }

    @Test func foldedWeightsReproduceTheGraphWithClassRowsMatchedByName() throws {
        let source = try Self.trainedTiny(classes: ["crosswalk", "ped_red"], seed: 4)
        let g = try source.exportGraph()
        // Another order, one class the graph lacks, other fresh weights.
        var c = DetectorModelTests.tinyConfig()
        c.classNames = ["ped_red", "car", "crosswalk"]
        let model = DetectorModel(config: c, seed: 9)
        let fresh = try model.loadFoldedWeights(from: g)
        #expect(fresh == ["car"])
        let img = Self.image(seed: 5)
        let want = try Self.run(g, img)
        let Vs = source.config.decoder.valuesPerCell, Vm = c.decoder.valuesPerCell
        let cells = want.count / Vs
        // Training-mode forward with batch norm frozen gives the graph's values.
        let tape = Tape(training: true, pool: ThreadPool(threads: 1))
        let outs = try model.forward(TapeBackend(tape: tape, frozenBatchNorm: true), img)
        var got = [Float](repeating: 0, count: cells * Vm)
        got.withUnsafeMutableBufferPointer { Trainer.gather(outs, into: $0.baseAddress!, cells: cells) }
        // So does the model exported again.
        let again = try Self.run(model.exportGraph(), img)
        var worst: Float = 0
        for cell in 0..<cells {
            for (mi, si) in [(0, 1), (2, 0)] + (0..<(Vs - 2)).map({ (3 + $0, 2 + $0) }) {
                worst = max(worst, abs(got[cell * Vm + mi] - want[cell * Vs + si]))
                worst = max(worst, abs(again[cell * Vm + mi] - want[cell * Vs + si]))
            }
        }
        #expect(worst < 1e-3, "largest difference from the source graph: \(worst)")
        // Without frozen batch norm the same weights compute something else (the test can fail).
        let t2 = Tape(training: true, pool: ThreadPool(threads: 1))
        let outs2 = try model.forward(TapeBackend(tape: t2), img)
        var batchStats = [Float](repeating: 0, count: cells * Vm)
        batchStats.withUnsafeMutableBufferPointer { Trainer.gather(outs2, into: $0.baseAddress!, cells: cells) }
        #expect(zip(batchStats, got).contains { abs($0 - $1) > 1e-2 })
    }

    @Test func anotherArchitectureIsRefused() throws {
        let g = try Self.trainedTiny(classes: ["crosswalk"], seed: 2).exportGraph()
        var c = DetectorModelTests.tinyConfig()
        c.classNames = ["crosswalk"]
        c.neckChannels = 24
        #expect(throws: TrainingError.self) { try DetectorModel(config: c, seed: 1).loadFoldedWeights(from: g) }
        var d = DetectorModelTests.tinyConfig()
        d.classNames = ["crosswalk"]
        d.regMax = 5
        #expect(throws: TrainingError.self) { try DetectorModel(config: d, seed: 1).loadFoldedWeights(from: g) }
        // A graph that is not a detector.
        let b = GraphBuilder()
        let x = b.input("image", TensorShape(n: 1, c: 3, h: 64, w: 64))
        let plain = try b.build(outputs: [try b.conv(x, out: 8, kernel: 3, stride: 2, padding: 1, seed: 1)], classNames: ["crosswalk"])
        #expect(throws: TrainingError.self) { try DetectorModel(config: DetectorModelTests.tinyConfig(), seed: 1).loadFoldedWeights(from: plain) }
    }

    @Test func frozenPartsAndStatisticsStayExactlyAsLoaded() throws {
        let source = try Self.trainedTiny(classes: ["crosswalk", "ped_red"], seed: 6)
        let model = DetectorModel(config: source.config, seed: 7)
        try model.loadFoldedWeights(from: source.exportGraph())
        model.freeze(.backboneAndNeck)
        let opt = AdamW(store: model.store)
        let before = model.store.parameters.map { ($0.name, $0.value.values) }
        let statsBefore = model.store.statistics.map { $0.value.mean + $0.value.variance }
        for step in 0..<2 {
            let tape = Tape(training: true, pool: ThreadPool(threads: 2))
            let x = randomVar(2, 3, 64, 64, seed: 30 + UInt64(step))
            x.requiresGrad = false
            let outs = try model.forward(TapeBackend(tape: tape, frozenBatchNorm: true), x)
            for o in outs { for i in 0..<o.count { o.grad[i] = o.data[i] } }
            tape.backward()
            opt.update(learningRate: 1e-2, weightDecay: 0.05, clip: 35, emaDecay: 0.99)
        }
        var changedHead = 0
        for (k, (name, v)) in model.store.parameters.enumerated() {
            let frozen = name.hasPrefix("stem.") || name.hasPrefix("stage") || name.hasPrefix("neck.")
            if frozen {
                #expect(v.values == before[k].1, "\(name) moved")
                #expect(!v.hasGrad, "\(name) got a gradient")
            } else if v.values != before[k].1 {
                changedHead += 1
            }
        }
        #expect(changedHead > 0)
        #expect(model.store.statistics.map { $0.value.mean + $0.value.variance } == statsBefore)
        // The EMA copy of a frozen part is the loaded weights too.
        opt.swapEMA()
        for (k, (name, v)) in model.store.parameters.enumerated() where name.hasPrefix("stem.") { #expect(v.values == before[k].1) }
        opt.swapEMA()
    }

    @Test func maskHeadCarriesOverToADetectorWithTheSameFeatures() throws {
        let source = try Self.trainedTiny(classes: ["tactile_guide", "crosswalk"], seed: 8)
        let g = try source.exportGraph()
        let fv = try #require(MaskHead.featureValue(in: g)), lv = try #require(MaskHead.lowFeatureValue(in: g))
        let head = MaskHead(inChannels: 16, hidden: 8, classNames: ["tactile_guide", "tactile_warning"],
                            lowInChannels: 8, lowChannels: 6, seed: 5)
        // Move the head's statistics so folding matters.
        let pool = ThreadPool(threads: 1)
        let t = Tape(training: true, pool: pool)
        t.recording = false
        let f = randomVar(2, 16, 8, 8, seed: 3), l = randomVar(2, 8, 16, 16, seed: 4)
        _ = try head.forward(TapeBackend(tape: t), f, low: l)
        let withHead = try head.attach(to: g, featureValue: fv, lowValue: lv)

        // The same detector fine-tuned in its heads only: same features, other boxes.
        let tuned = DetectorModel(config: source.config, seed: 11)
        try tuned.loadFoldedWeights(from: g)
        for (name, v) in tuned.store.parameters where name.hasPrefix("head") {
            v.setValues(v.values.map { $0 * 0.5 + 0.01 })
        }
        let tunedGraph = try tuned.exportGraph()
        #expect(MaskHead.featureDifference(withHead, tunedGraph, values: [fv, lv]).map { $0.weights < 1e-5 && $0.inputScales == 0 } == true)
        let copy = MaskHead(inChannels: 16, hidden: 8, classNames: ["tactile_guide", "tactile_warning"],
                            lowInChannels: 8, lowChannels: 6, seed: 99)
        try copy.loadFoldedWeights(from: withHead)
        let moved = try copy.attach(to: tunedGraph, featureValue: fv, lowValue: lv)
        let img = Image(width: 64, height: 64, format: .rgb8, fill: 100)
        let (_, m1) = try Detector(model: withHead).analyze(img)
        let (_, m2) = try Detector(model: moved).analyze(img)
        let a = try #require(m1).probabilities, b = try #require(m2).probabilities
        #expect(a.count == b.count)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 })

        // A detector whose backbone moved gives a head other features; another layout none.
        let other = try Self.trainedTiny(classes: ["tactile_guide", "crosswalk"], seed: 12).exportGraph()
        #expect((MaskHead.featureDifference(withHead, other, values: [fv, lv])?.weights ?? 0) > 1e-3)
        var wide = DetectorModelTests.tinyConfig()
        wide.neckChannels = 24
        let otherLayout = try DetectorModel(config: wide, seed: 1).exportGraph()
        #expect(MaskHead.featureDifference(withHead, otherLayout, values: [fv, lv]) == nil)
        // A head of other classes, or a model without a head, cannot start it.
        let oneClass = MaskHead(inChannels: 16, hidden: 8, classNames: ["tactile_guide"], lowInChannels: 8, lowChannels: 6)
        #expect(throws: TrainingError.self) { try oneClass.loadFoldedWeights(from: withHead) }
        #expect(throws: TrainingError.self) { try copy.loadFoldedWeights(from: g) }
    }
}
