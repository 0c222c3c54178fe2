import Foundation
import Testing
import WayCueDetector
import WayCueImage
import WayCueNN
@testable import WayCueTraining

/// The dense mask head: its description in graph output names, attaching it to a detector
/// graph, its loss and gradient, cell targets, mask files, checkpoints and a small training run.
@Suite struct MaskHeadTests {
    /// A small random-weight detector graph of the WayCue layout (64x64 input).
    static func tinyDetector() throws -> Graph {
        let m = DetectorModel(config: ModelConfig(classNames: ["tactile_guide", "crosswalk"], inputSize: 64, width: 0.5,
                                                  neckChannels: 16), seed: 3)
        return try m.exportGraph()
    }

    @Test func specRoundTripsAndRejectsMalformedNames() {
        let s = MaskHeadSpec(stride: 8, classNames: ["tactile_guide", "tactile_warning"])
        #expect(MaskHeadSpec(valueName: s.valueName) == s)
        for bad in ["waycue_mask", "waycue_mask stride=8", "waycue_mask classes=a", "waycue_mask stride=0 classes=a",
                    "waycue_mask stride=8 classes=a,a", "waycue_mask stride=8 classes=a,,b", "waycue_maskx stride=8 classes=a",
                    "waycue_head stride=8 classes=a", "waycue_mask stride=x classes=a", "waycue_mask stride"] {
            #expect(MaskHeadSpec(valueName: bad) == nil, "accepted \(bad)")
        }
    }

    @Test func featureValueIsTheStride8NeckOutput() throws {
        let g = try Self.tinyDetector()
        let name = try #require(MaskHead.featureValue(in: g))
        let v = try #require(g.value(named: name))
        #expect(v.shape.w == 8 && v.shape.h == 8 && v.shape.c == 16)
        // A graph without the export's naming is refused.
        let b = GraphBuilder()
        let x = b.input("image", TensorShape(n: 1, c: 3, h: 16, w: 16))
        let y = try b.conv(x, out: 4, kernel: 1, seed: 1)
        #expect(MaskHead.featureValue(in: try b.build(outputs: [y])) == nil)
    }

    @Test func attachedHeadLeavesTheBoxesUnchangedAndGivesAMask() throws {
        let g = try Self.tinyDetector()
        let head = MaskHead(inChannels: 16, hidden: 8, classNames: ["tactile_guide", "tactile_warning"], seed: 5)
        let attached = try head.attach(to: g, featureValue: MaskHead.featureValue(in: g)!)
        #expect(attached.outputs.count == 2)
        #expect(attached.nodes.count == g.nodes.count + 5)
        // It survives the file format.
        let reloaded = try ModelFile.decode(ModelFile.encode(attached))
        let plain = try Detector(model: g), masked = try Detector(model: reloaded)
        #expect(plain.maskHead == nil)
        #expect(masked.maskHead == MaskHeadSpec(stride: 8, classNames: ["tactile_guide", "tactile_warning"]))
        var img = Image(width: 80, height: 60, format: .rgb8, fill: 90)
        for y in 30..<60 { for x in 30..<50 { img.setPixel(x: x, y: y, color: PixelColor(red: 230, green: 200, blue: 20)) } }
        plain.scoreThreshold = 0.01; masked.scoreThreshold = 0.01
        let a = try plain.detect(img), (b, mask) = try masked.analyze(img)
        #expect(a == b)
        let m = try #require(mask)
        #expect(m.gridWidth == 8 && m.gridHeight == 8 && m.imageWidth == 80 && m.imageHeight == 60)
        #expect(m.probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
        let labels = m.labelMap(width: 80, height: 60, threshold: 0)
        #expect(labels.count == 4800 && labels.allSatisfy { $0 >= 1 && $0 <= 2 })
        #expect(m.labelMap(width: 80, height: 60, threshold: 1.01).allSatisfy { $0 == 0 })
        // A second head, or a head on the wrong value, is refused.
        #expect(throws: TrainingError.self) { try head.attach(to: attached, featureValue: MaskHead.featureValue(in: g)!) }
        #expect(throws: TrainingError.self) { try head.attach(to: g, featureValue: "image") }
        #expect(throws: TrainingError.self) { try head.attach(to: g, featureValue: "no such value") }
    }

    @Test func lowLevelBranchReadsTheStemOutputAndLeavesTheBoxesUnchanged() throws {
        let g = try Self.tinyDetector()
        let lowName = try #require(MaskHead.lowFeatureValue(in: g))
        let low = try #require(g.value(named: lowName))
        // 64x64 input: stem stride 2, pool stride 2 -> 16x16, twice the 8x8 neck map; 24 stem channels.
        #expect(low.shape.w == 16 && low.shape.h == 16 && low.shape.c == 24)
        let head = MaskHead(inChannels: 16, hidden: 8, classNames: ["tactile_guide"], lowInChannels: 24, lowChannels: 6, seed: 5)
        let attached = try head.attach(to: g, featureValue: MaskHead.featureValue(in: g)!, lowValue: lowName)
        // Four branch convolutions, the concat, two blocks and the output.
        #expect(attached.nodes.count == g.nodes.count + 10)
        let plain = try Detector(model: g), masked = try Detector(model: try ModelFile.decode(ModelFile.encode(attached)))
        plain.scoreThreshold = 0.01; masked.scoreThreshold = 0.01
        let img = Image(width: 70, height: 50, format: .rgb8, fill: 120)
        let (b, mask) = try masked.analyze(img)
        #expect(try plain.detect(img) == b)
        #expect(try #require(mask).gridWidth == 8)
        // Without the stem value, or with the wrong one, attaching is refused.
        #expect(throws: TrainingError.self) { try head.attach(to: g, featureValue: MaskHead.featureValue(in: g)!) }
        #expect(throws: TrainingError.self) {
            try head.attach(to: g, featureValue: MaskHead.featureValue(in: g)!, lowValue: MaskHead.featureValue(in: g)!)
        }
        // A graph without a stem pooling has no low-level value.
        let bld = GraphBuilder()
        let x = bld.input("image", TensorShape(n: 1, c: 3, h: 16, w: 16))
        #expect(MaskHead.lowFeatureValue(in: try bld.build(outputs: [try bld.conv(x, out: 4, kernel: 1, seed: 1)])) == nil)
    }

    @Test func colourJitterRotatesHuesAndKeepsGreys() {
        var img = Image(width: 3, height: 1, format: .rgb8, fill: 0)
        img.setPixel(x: 0, y: 0, color: PixelColor(red: 200, green: 30, blue: 30))
        img.setPixel(x: 1, y: 0, color: PixelColor(red: 100, green: 100, blue: 100))
        img.setPixel(x: 2, y: 0, color: PixelColor(red: 20, green: 180, blue: 40))
        var same = img
        Augmenter.jitterColours(&same, hueDegrees: 0, saturation: 1, brightness: 1, contrast: 1)
        for (a, b) in zip(same.pixels, img.pixels) { #expect(abs(Int(a) - Int(b)) <= 1) }
        var turned = img
        Augmenter.jitterColours(&turned, hueDegrees: 120, saturation: 1, brightness: 1, contrast: 1)
        // Red turns green, grey stays grey.
        #expect(turned.pixels[1] > turned.pixels[0] && turned.pixels[1] > turned.pixels[2])
        for ch in 3..<6 { #expect(abs(Int(turned.pixels[ch]) - 100) <= 1) }
        var grey = img
        Augmenter.jitterColours(&grey, hueDegrees: 0, saturation: 0, brightness: 1, contrast: 1)
        #expect(grey.pixels[0] == grey.pixels[1] && grey.pixels[1] == grey.pixels[2])
        // Brightness clamps, never wraps.
        var bright = img
        Augmenter.jitterColours(&bright, hueDegrees: 0, saturation: 1, brightness: 3, contrast: 1)
        #expect(bright.pixels[0] == 255 && bright.pixels[7] == 255)
    }

    /// The colour-jitter ranges are checked; the defaults keep the settings heads were trained
    /// with before the options existed (hue up to 40 degrees, no grey views).
    @Test func colourJitterRangesAreValidated() throws {
        var cfg = MaskTrainConfig()
        #expect(cfg.hueJitterDegrees == nil && cfg.greyscaleFraction == nil)
        try cfg.validate()
        cfg.hueJitterDegrees = 180; cfg.greyscaleFraction = 1
        try cfg.validate()
        cfg.hueJitterDegrees = 181
        #expect(throws: TrainingError.self) { try cfg.validate() }
        cfg.hueJitterDegrees = 40; cfg.greyscaleFraction = -0.1
        #expect(throws: TrainingError.self) { try cfg.validate() }
        // An old checkpoint header without the fields still decodes.
        let old = try JSONDecoder().decode(MaskTrainConfig.self, from: Data(#"{"epochs":3,"batch":4,"learningRate":0.001,"weightDecay":0,"hidden":8,"views":2,"seed":1,"threads":1,"diceWeight":1}"#.utf8))
        #expect(old.hueJitterDegrees == nil && old.epochs == 3)
    }

    @Test func detectorRefusesUnknownExtraOutputs() throws {
        let g = try Self.tinyDetector()
        let b = GraphBuilder(extending: g)
        let f = b.existing(named: MaskHead.featureValue(in: g)!)!
        let wrongName = try b.conv(f, out: 2, kernel: 1, seed: 1, name: "extra")
        #expect(throws: DetectorError.self) { try Detector(model: try b.build(outputs: b.existingOutputs + [wrongName], classNames: g.classNames)) }
        let b2 = GraphBuilder(extending: g)
        let f2 = b2.existing(named: MaskHead.featureValue(in: g)!)!
        // Three planes where the name says two.
        let wrongShape = try b2.conv(f2, out: 3, kernel: 1, seed: 1, name: "waycue_mask stride=8 classes=tactile_guide,crosswalk")
        #expect(throws: DetectorError.self) { try Detector(model: try b2.build(outputs: b2.existingOutputs + [wrongShape], classNames: g.classNames)) }
    }

    @Test func labelMapFollowsTheLetterbox() {
        // 4x2 grid over a 32x16 input holding a 64x16 image letterboxed to 32x16... use a
        // 32x32 input with a 64x32 image: resized 32x16 at offset y 8.
        let t = LetterboxTransform(sourceWidth: 64, sourceHeight: 32, targetWidth: 32, targetHeight: 32)
        #expect(t.offsetY == 8)
        // Class 0 on in the grid's right half only.
        var p = [Float](repeating: 0, count: 16)
        for gy in 0..<4 { for gx in 2..<4 { p[gy * 4 + gx] = 1 } }
        let m = SegmentationMask(classNames: ["tactile_guide"], gridWidth: 4, gridHeight: 4, stride: 8, probabilities: p, transform: t)
        let labels = m.labelMap(width: 64, height: 32)
        // Left quarter off, right quarter on, at every row.
        for y in 0..<32 {
            #expect(labels[y * 64 + 2] == 0)
            #expect(labels[y * 64 + 60] == 1)
        }
        #expect(abs(m.probability(classIndex: 0, x: 32, y: 16) - 0.5) < 1e-6)
    }

    @Test func lossGradientMatchesFiniteDifferences() {
        let B = 2, K = 2, cells = 6
        var rng = TestRNG(11)
        var z = (0..<(B * K * cells)).map { _ in Float(rng.double() * 4 - 2) }
        let t = (0..<(B * K * cells)).map { i in i % 5 == 0 ? Float(1) : (i % 7 == 0 ? Float(0.4) : 0) }
        var w = [Float](repeating: 1, count: B * cells)
        w[3] = 0
        func loss(_ zz: [Float]) -> (Double, [Float]) {
            var g = [Float](repeating: 0, count: zz.count)
            let l = zz.withUnsafeBufferPointer { zp in
                g.withUnsafeMutableBufferPointer { gp in
                    MaskHeadTrainer.loss(logits: zp.baseAddress!, grad: gp.baseAddress!, targets: t, weights: w,
                                         batch: B, classes: K, cells: cells, diceWeight: 1)
                }
            }
            return (l, g)
        }
        let (_, g) = loss(z)
        for i in [0, 3, 7, 13, 20] {
            let h: Float = 1e-2
            z[i] += h; let lp = loss(z).0
            z[i] -= 2 * h; let lm = loss(z).0
            z[i] += h
            let numeric = (lp - lm) / Double(2 * h)
            #expect(abs(numeric - Double(g[i])) < 2e-3, "logit \(i): numeric \(numeric), analytic \(g[i])")
        }
        // Ignored cells get no gradient.
        #expect(g[3] == 0 && g[cells + 3] == 0)
    }

    @Test func cellTargetsAreCoveredFractions() {
        // A 16x16 image, identity letterbox into 16x16, stride 8: 2x2 cells.
        let t = LetterboxTransform(sourceWidth: 16, sourceHeight: 16, targetWidth: 16, targetHeight: 16)
        var mask = [UInt8](repeating: 0, count: 256)
        for y in 0..<8 { for x in 0..<4 { mask[y * 16 + x] = 1 } }      // half of cell (0,0): guide
        for y in 8..<16 { for x in 8..<16 { mask[y * 16 + x] = 255 } }  // cell (1,1) ignored
        for y in 0..<8 { for x in 8..<16 { mask[y * 16 + x] = 2 } }     // cell (1,0): warning
        let (tg, wt) = MaskHeadTrainer.cellTargets(mask: mask, width: 16, height: 16, transform: t, stride: 8,
                                                   gridWidth: 2, gridHeight: 2, truthValues: [1, 2])
        #expect(tg[0] == 0.5 && tg[1] == 0 && tg[2] == 0 && tg[3] == 0)
        #expect(tg[4 + 1] == 1 && tg[4 + 0] == 0)
        #expect(wt == [1, 1, 1, 0])
    }

    @Test func maskFilesWithBadSizesOrValuesAreRefused() throws {
        let dir = makeTempDir("masks")
        var m = Image(width: 8, height: 4, format: .grey8)
        try m.write(to: dir + "/ok.png")
        #expect(try MaskLabels.load(path: dir + "/ok.png", width: 8, height: 4).count == 32)
        #expect(throws: DatasetError.self) { try MaskLabels.load(path: dir + "/ok.png", width: 4, height: 4) }
        m.pixels[5] = 7
        try m.write(to: dir + "/bad.png")
        #expect(throws: DatasetError.self) { try MaskLabels.load(path: dir + "/bad.png", width: 8, height: 4) }
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/trunc.png"))
        #expect(throws: DatasetError.self) { try MaskLabels.load(path: dir + "/trunc.png", width: 8, height: 4) }
        #expect(throws: DatasetError.self) { try MaskLabels.load(path: dir + "/missing.png", width: 8, height: 4) }
    }

    /// Renders a tiny dataset: a yellow bar (class 1) at a random column on grey, mask beside.
    static func writeBars(_ dir: String, count: Int, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/masks", withIntermediateDirectories: true)
        var rng = TestRNG(seed)
        for i in 0..<count {
            var img = Image(width: 64, height: 64, format: .rgb8, fill: 110)
            var m = Image(width: 64, height: 64, format: .grey8)
            let x0 = 4 + rng.int(40), w = 10 + rng.int(8)
            for y in 0..<64 { for x in x0..<min(64, x0 + w) {
                img.setPixel(x: x, y: y, color: PixelColor(red: 235, green: 195, blue: 30))
                m.pixels[y * 64 + x] = 1
            } }
            try img.write(to: dir + "/images/b\(i).png")
            try m.write(to: dir + "/masks/b\(i).png")
        }
    }

    /// Trained with the neck features alone (0) and with the head's low-level branch on the stem output.
    @Test(arguments: [0, 8])
    func trainingOnBarsLearnsThemAndCheckpointsResume(lowChannels: Int) throws {
        let dir = makeTempDir("bars")
        try Self.writeBars(dir + "/train", count: 24, seed: 1)
        try Self.writeBars(dir + "/valid", count: 8, seed: 2)
        // A trained detector is not needed: the frozen random features still locate a bright bar.
        let g = try Self.tinyDetector()
        var cfg = MaskTrainConfig()
        cfg.epochs = 30; cfg.batch = 8; cfg.hidden = 8; cfg.threads = 1; cfg.learningRate = 1e-2
        cfg.lowChannels = lowChannels
        let trainer = try MaskHeadTrainer(detector: g, config: cfg, classNames: ["tactile_guide"])
        let pairs = MaskLabels.pairs(under: dir + "/train"), validPairs = MaskLabels.pairs(under: dir + "/valid")
        #expect(pairs.count == 24 && validPairs.count == 8)
        let train = try trainer.extractFeatures(pairs: pairs, views: 2)
        let valid = try trainer.extractFeatures(pairs: validPairs, views: 1)
        #expect(train.count == 48 && valid.count == 8 && train.skipped.isEmpty)
        #expect(train.lowFeatures.count == (lowChannels > 0 ? 48 * 24 * 16 * 16 : 0))
        let before = trainer.evaluate(valid).0
        try trainer.train(train, valid: valid, onEpoch: { _ in })
        let after = trainer.evaluate(valid)
        #expect(after.0 < before * 0.7, "validation loss \(before) -> \(after.0)")
        let detector = try Detector(model: try trainer.attachedGraph())
        let report = try MaskEvaluation.evaluate(detector: detector, pairs: validPairs)
        let iou = try #require(report.perClass[0].iou)
        #expect(iou > 0.5, "pixel IoU on bars \(iou)")
        // The pixel confusion agrees with the IoU: diagonal = intersection, row + column - diagonal = union.
        #expect(report.confusionLabels == ["background", "tactile_guide"])
        let c = report.confusion
        #expect(c[1][1] == report.perClass[0].intersection)
        #expect(c[1][0] + c[1][1] + c[0][1] == report.perClass[0].union)
        #expect(c[0][0] > c[0][1] && c[1][1] > c[1][0])
        #expect(abs((report.confusionShare(truth: 1, predicted: 0) ?? -1) + (report.confusionShare(truth: 1, predicted: 1) ?? -1) - 1) < 1e-9)

        // Checkpoint round trip: a restored trainer gives the same attached graph.
        let ck = dir + "/mask.ckpt"
        try trainer.writeCheckpoint(to: ck)
        let again = try MaskHeadTrainer(detector: g, config: cfg, classNames: ["tactile_guide"])
        try again.restore(from: ck)
        #expect(again.history.count == 30)
        #expect(again.evaluate(valid).0 == after.0)
        // Resuming a finished run (or one asked for fewer epochs than it has) trains nothing.
        for start in [30, 31] {
            var epochsRun = 0
            try again.train(train, valid: valid, startEpoch: start, onEpoch: { _ in epochsRun += 1 })
            #expect(epochsRun == 0 && again.history.count == 30)
        }
        // Truncated and foreign checkpoints are refused with a clear error.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ck))
        for cut in [3, 10, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: ck + ".cut"))
            #expect(throws: TrainingError.self) { try again.restore(from: ck + ".cut") }
        }
        var other = cfg
        other.hidden = 4
        #expect(throws: TrainingError.self) {
            try MaskHeadTrainer(detector: g, config: other, classNames: ["tactile_guide"]).restore(from: ck)
        }
        var otherLow = cfg
        otherLow.lowChannels = lowChannels == 0 ? 8 : 0
        #expect(throws: TrainingError.self) {
            try MaskHeadTrainer(detector: g, config: otherLow, classNames: ["tactile_guide"]).restore(from: ck)
        }
    }
}
