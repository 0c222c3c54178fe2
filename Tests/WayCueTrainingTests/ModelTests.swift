import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueTraining

@Suite struct DetectionLossTests {
    @Test func giouGradientMatchesFiniteDifferences() {
        let g = Box(x1: 10, y1: 12, x2: 40, y2: 30)
        for d in [[5, 6, 9, 4], [20, 3, 2, 30], [1, 1, 1, 1], [12.5, 14, 25, 8.3]] as [[Float]] {
            let (_, grad) = giouLoss(cx: 22, cy: 20, d: d, g: g)
            for k in 0..<4 {
                var p = d, m = d
                p[k] += 1e-2; m[k] -= 1e-2
                let num = (giouLoss(cx: 22, cy: 20, d: p, g: g).0 - giouLoss(cx: 22, cy: 20, d: m, g: g).0) / 2e-2
                #expect(abs(num - grad[k]) < 2e-3 + 2e-2 * abs(num), "d=\(d) side \(k): numeric \(num) analytic \(grad[k])")
            }
        }
    }

    @Test func lossGradientMatchesFiniteDifferences() {
        let dec = DistributionBoxDecoder(classCount: 2, regMax: 4, strides: [8, 16, 32])
        let priors = Prior.all(dec, width: 64, height: 64)
        let V = dec.valuesPerCell
        var rng = SplitMix64(seed: 3)
        var pred = (0..<(priors.count * V)).map { _ in rng.nextFloat(in: -2...2) }
        let targets = [TargetBox(box: Box(x1: 4, y1: 6, x2: 30, y2: 28), classIndex: 1),
                       TargetBox(box: Box(x1: 30, y1: 20, x2: 62, y2: 60), classIndex: 0)]
        let loss = DetectionLoss(decoder: dec)
        let a = pred.withUnsafeBufferPointer { loss.assign($0.baseAddress!, priors: priors, targets: targets) }
        #expect(a.positives >= 2)
        let np = Double(a.positives), ws = a.weightSum
        func value() -> Double {
            pred.withUnsafeBufferPointer { loss.loss($0.baseAddress!, grad: nil, priors: priors, targets: targets, assignment: a, positives: np, weightSum: ws).total }
        }
        var grad = [Float](repeating: 0, count: pred.count)
        _ = pred.withUnsafeBufferPointer { p in
            grad.withUnsafeMutableBufferPointer { loss.loss(p.baseAddress!, grad: $0.baseAddress!, priors: priors, targets: targets, assignment: a, positives: np, weightSum: ws) }
        }
        // Every value of the positive cells, and a sample of the others.
        var indices: [Int] = []
        for i in 0..<priors.count where a.gtIndex[i] >= 0 { indices += (i * V)..<((i + 1) * V) }
        indices += stride(from: 0, to: pred.count, by: 37)
        var worst = 0.0
        for i in indices {
            let old = pred[i]
            pred[i] = old + 1e-2; let lp = value()
            pred[i] = old - 1e-2; let lm = value()
            pred[i] = old
            let num = (lp - lm) / 2e-2
            worst = max(worst, abs(num - Double(grad[i])) / max(0.05, abs(num)))
        }
        #expect(worst < 3e-2, "worst relative error \(worst)")
    }

    @Test func assignerChoosesPriorsNearTheObject() {
        let dec = DistributionBoxDecoder(classCount: 3, regMax: 7, strides: [8, 16, 32])
        let priors = Prior.all(dec, width: 128, height: 128)
        let pred = [Float](repeating: 0, count: priors.count * dec.valuesPerCell)
        let t = TargetBox(box: Box(x1: 40, y1: 40, x2: 90, y2: 80), classIndex: 2)
        let tiny = TargetBox(box: Box(x1: 2, y1: 2, x2: 5, y2: 5), classIndex: 0) // no prior centre inside
        let a = pred.withUnsafeBufferPointer { DetectionLoss(decoder: dec).assign($0.baseAddress!, priors: priors, targets: [t, tiny]) }
        let mine = (0..<priors.count).filter { a.gtIndex[$0] == 0 }
        #expect(!mine.isEmpty)
        for i in mine { #expect(priors[i].cx > 40 && priors[i].cx < 90 && priors[i].cy > 40 && priors[i].cy < 80) }
        #expect((0..<priors.count).contains { a.gtIndex[$0] == 1 }, "a box with no prior inside still gets one")
    }
}

@Suite struct DetectorModelTests {
    static func tinyConfig() -> ModelConfig {
        var c = ModelConfig(classNames: ["crosswalk", "ped_red"], inputSize: 64, width: 0.5, neckChannels: 16)
        c.stageChannels = [16, 32, 48]
        c.stageRepeats = [1, 2, 1]
        c.stemChannels = 8
        return c
    }

    @Test func trainingStepGradientsReachEveryParameter() throws {
        let model = DetectorModel(config: Self.tinyConfig(), seed: 1)
        let tape = Tape(training: true, pool: ThreadPool(threads: 2))
        let x = randomVar(2, 3, 64, 64, seed: 2)
        x.requiresGrad = false
        let outs = try model.forward(TapeBackend(tape: tape), x)
        #expect(outs.map(\.h) == [8, 4, 2])
        for o in outs { for i in 0..<o.count { o.grad[i] = 1 } }
        tape.backward()
        let missing = model.store.parameters.filter { !$0.value.hasGrad }.map(\.name)
        #expect(missing.isEmpty, "no gradient: \(missing)")
    }

    @Test func exportedGraphMatchesTapeForward() throws {
        let model = DetectorModel(config: Self.tinyConfig(), seed: 4)
        let pool = ThreadPool(threads: 2)
        // Move batch-norm statistics away from (0, 1) so folding is exercised.
        for s in 0..<3 {
            let x = randomVar(2, 3, 64, 64, seed: 10 + UInt64(s))
            for i in 0..<x.count { x.data[i] = abs(x.data[i]) }
            let t = Tape(training: true, pool: pool)
            t.recording = false
            _ = try model.forward(TapeBackend(tape: t), x)
        }
        var rng = SplitMix64(seed: 5)
        let img = Var(n: 1, c: 3, h: 64, w: 64)
        for i in 0..<img.count { img.data[i] = Float(Int(rng.next() % 256)) / 255 }
        let t = Tape(training: false, pool: pool)
        let outs = try model.forward(TapeBackend(tape: t), img)
        var flat = [Float](repeating: 0, count: outs.reduce(0) { $0 + $1.count })
        flat.withUnsafeMutableBufferPointer { Trainer.gather(outs, into: $0.baseAddress!, cells: outs.reduce(0) { $0 + $1.plane }) }
        let graph = try model.exportGraph()
        let runner = try GraphRunner(graph: graph, threads: 1)
        for i in 0..<img.count { runner.input.data[i] = (img.data[i] * 255).rounded() }
        runner.run()
        let out = runner.outputs[0]
        #expect(out.shape.count == flat.count)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<flat.count { worst = max(worst, abs(out.data[i] - flat[i])); scale = max(scale, abs(flat[i])) }
        #expect(worst <= 1e-3 * max(scale, 1), "max |graph - tape| = \(worst), scale \(scale)")
        // The saved file carries the decoder description and loads into a Detector.
        let dir = makeTempDir()
        try ModelFile.save(graph, to: dir + "/m.wcm")
        let det = try Detector(modelPath: dir + "/m.wcm")
        #expect(det.decoder == model.config.decoder)
        #expect(det.classNames == ["crosswalk", "ped_red"])
        let raw = try det.rawOutput(letterboxed: Image(width: 64, height: 64, format: .rgb8, fill: 114))
        #expect(raw.count == flat.count)
    }

    @Test func fullSizeExportSavesAndLoads() throws {
        var c = Self.tinyConfig()
        c.inputSize = 416
        let graph = try DetectorModel(config: c, seed: 1).exportGraph()
        let dir = makeTempDir()
        try ModelFile.save(graph, to: dir + "/big.wcm")
        let det = try Detector(modelPath: dir + "/big.wcm")
        #expect(det.inputWidth == 416)
    }

    @Test func theMissingDefaultModelErrorNamesTheFix() {
        // `Detector.default` loads the bundled model (DefaultModelFloorTests); when a build lacks
        // it, the error says where the resource belongs and what to pass instead.
        let text = DetectorError.noDefaultModel.description
        #expect(text.contains("WayCue_WayCueDetector.resources") && text.contains("--model"))
    }
}

/// A tiny YOLO dataset of coloured rectangles (class 0 red, class 1 blue) in a recipe.
func makeTinyRecipe() -> String {
    let dir = makeTempDir("wct-train")
    write("names: [crosswalk, ped_red]\ntrain: train/images\nval: valid/images\n", to: dir + "/data/data.yaml")
    var rng = TestRNG(9)
    for (split, n) in [("train", 8), ("valid", 3)] {
        try! FileManager.default.createDirectory(atPath: "\(dir)/data/\(split)/images", withIntermediateDirectories: true)
        for k in 0..<n {
            var img = Image(width: 96, height: 80, format: .rgb8, fill: 90)
            var lines: [String] = []
            for _ in 0..<2 {
                let c = rng.int(2)
                let w = 12 + rng.int(30), h = 12 + rng.int(30), x = rng.int(96 - w), y = rng.int(80 - h)
                img.fillRectangle(x: x, y: y, width: w, height: h, color: c == 0 ? .red : .blue)
                lines.append("\(c) \(Double(x + w / 2) / 96) \(Double(y + h / 2) / 80) \(Double(w) / 96) \(Double(h) / 80)")
            }
            try! img.write(to: "\(dir)/data/\(split)/images/im\(k).png")
            write(lines.joined(separator: "\n"), to: "\(dir)/data/\(split)/labels/im\(k).txt")
        }
    }
    write("name: tiny\nroot: .\ndatasets:\n  - name: tiny\n    path: data\n    format: yolo\n", to: dir + "/recipe.yaml")
    return dir + "/recipe.yaml"
}

@Suite(.serialized) struct TrainerTests {
    static func tinyTrainConfig(_ recipe: String) -> TrainConfig {
        var c = TrainConfig(recipe: recipe)
        c.epochs = 2; c.batch = 2; c.size = 64; c.width = 0.5; c.neckChannels = 16; c.imagesPerEpoch = 4
        c.evalImages = 2; c.warmupSteps = 1; c.threads = 2
        return c
    }

    @Test func killAndResumeMatchesAnUninterruptedRun() throws {
        let recipe = makeTinyRecipe()
        let base = (recipe as NSString).deletingLastPathComponent
        let straight = try Trainer(config: Self.tinyTrainConfig(recipe), runDirectory: base + "/a")
        try straight.run(maxEpochs: nil) { _ in }
        let first = try Trainer(config: Self.tinyTrainConfig(recipe), runDirectory: base + "/b")
        try first.run(maxEpochs: 1) { _ in } // "killed" after one epoch
        let resumed = try Trainer(config: Self.tinyTrainConfig(recipe), runDirectory: base + "/b", resume: true)
        #expect(resumed.epoch == 1)
        try resumed.run(maxEpochs: nil) { _ in }
        let a = try Checkpoint.read(path: base + "/a/last.ckpt"), b = try Checkpoint.read(path: base + "/b/last.ckpt")
        #expect(a.header.epoch == 2 && b.header.epoch == 2)
        #expect(a.arrays == b.arrays, "resumed weights differ from the uninterrupted run")
        for f in ["config.json", "metrics.jsonl", "loss.png", "map.png", "best.ckpt", "MODEL_CARD.md"] {
            #expect(FileManager.default.fileExists(atPath: base + "/b/" + f), "missing \(f)")
        }
        let lines = try String(contentsOfFile: base + "/b/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }

    @Test func lossFallsOnATinySet() throws {
        let recipe = makeTinyRecipe()
        var c = Self.tinyTrainConfig(recipe)
        c.augmentation = .none
        c.learningRate = 0.01
        let t = try Trainer(config: c, runDirectory: (recipe as NSString).deletingLastPathComponent + "/run")
        let samples = t.batch(epoch: 0, step: 0, indices: [0, 1])
        let firstLoss = try t.trainStep(samples, learningRate: 0.01).total
        var last = firstLoss
        for _ in 0..<25 { last = try t.trainStep(samples, learningRate: 0.01).total }
        #expect(last < firstLoss * 0.7, "loss \(firstLoss) -> \(last)")
    }

    @Test func badCheckpointIsATypedError() throws {
        let dir = makeTempDir()
        write("not a checkpoint", to: dir + "/last.ckpt")
        #expect(throws: TrainingError.self) { _ = try Checkpoint.read(path: dir + "/last.ckpt") }
        var rng = TestRNG(1)
        let good = Checkpoint(header: .init(train: TrainConfig(recipe: "r"), model: DetectorModelTests.tinyConfig(), epoch: 1, step: 2,
                                            bestMap50: nil, history: [], arrays: [.init(name: "x", count: 3)]), arrays: ["x": [1, 2, 3]])
        try good.write(to: dir + "/good.ckpt")
        let bytes = [UInt8](FileManager.default.contents(atPath: dir + "/good.ckpt")!)
        #expect(try Checkpoint.read(path: dir + "/good.ckpt").arrays["x"] == [1, 2, 3])
        for _ in 0..<200 {
            let m = mutate(bytes, rng: &rng, tokens: ["{", "}", "\"arrays\"", "9999999"])
            try Data(m).write(to: URL(fileURLWithPath: dir + "/fuzz.ckpt"))
            _ = try? Checkpoint.read(path: dir + "/fuzz.ckpt") // must not crash
        }
    }
}

@Suite struct HeadSpecTests {
    @Test func roundTripAndFuzz() {
        let d = DistributionBoxDecoder(classCount: 3, regMax: 7, strides: [8, 16, 32])
        let spec = DetectorHeadSpec(decoder: d)
        #expect(DetectorHeadSpec(valueName: spec.valueName)?.decoder(classCount: 3) == d)
        #expect(DetectorHeadSpec(valueName: "head") == nil)
        #expect(DetectorHeadSpec(valueName: "dfl_head regmax=0 strides=8 offset=0.5") == nil)
        var rng = TestRNG(5)
        let bytes = Array(spec.valueName.utf8)
        for _ in 0..<2000 {
            let m = mutate(bytes, rng: &rng, tokens: ["=", ",", " ", "regmax", "strides", "-1", "99999999999999999999"])
            _ = DetectorHeadSpec(valueName: String(decoding: m, as: UTF8.self)) // must not crash
        }
    }

    @Test func hostileCheckpointConfigIsRejected() throws {
        var mc = DetectorModelTests.tinyConfig()
        mc.stageChannels = [1 << 20, 2, 2]
        let dir = makeTempDir()
        let c = Checkpoint(header: .init(train: TrainConfig(recipe: "r"), model: mc, epoch: 1, step: 1, bestMap50: nil,
                                         history: [], arrays: []), arrays: [:])
        try c.write(to: dir + "/x.ckpt")
        #expect(throws: TrainingError.self) { _ = try Checkpoint.loadModel(path: dir + "/x.ckpt") }
    }
}
