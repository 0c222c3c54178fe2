import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN
import WayCueSynth

/// Progress of a training run, reported after every step.
public struct TrainProgress: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// Epochs in all.
    public var epochs: Int
    /// Steps done in this epoch.
    public var step: Int
    /// Steps per epoch.
    public var steps: Int
    /// Running mean of the loss terms this epoch.
    public var loss: LossTerms
    /// Images per second this epoch.
    public var imagesPerSecond: Double
    /// Estimated seconds left for the whole run (training steps only).
    public var etaSeconds: Double
    /// Current learning rate.
    public var learningRate: Float
}

/// Trains a ``DetectorModel`` from a recipe, writing a run folder (see ``RunFolder``).
public final class Trainer {
    /// Configuration.
    public private(set) var config: TrainConfig
    /// The run folder.
    public let runDirectory: String
    /// The model being trained (live weights).
    public let model: DetectorModel
    /// Loss.
    public let loss: DetectionLoss
    /// Taxonomy of the recipe.
    public let taxonomy: Taxonomy
    /// Training samples (boxes mapped to model classes).
    public let trainSamples: [LabeledSample]
    /// Validation samples.
    public let validationSamples: [LabeledSample]
    /// Recipe entries' credits, for the model card.
    public let recipe: Recipe
    let optimizer: AdamW
    let weights: [Double]
    let classIndex: [ObjectClass: Int]
    /// The recipe's `paste:` settings by dataset name.
    let pasteBySource: [String: Recipe.Paste]
    /// The recipe's per-dataset `scale:` ranges by dataset name.
    let scaleBySource: [String: [Float]]
    let pool: ThreadPool
    let priors: [Prior]
    /// Epochs completed.
    public private(set) var epoch = 0
    /// Metrics of completed epochs.
    public private(set) var history: [EpochMetrics] = []
    var bestMap50: Double?

    /// Prepares a new run (or resumes the one in `runDirectory` when `resume` is true).
    ///
    /// - Parameters:
    ///   - config: Settings (ignored when resuming, except `epochs` when `overrideEpochs`).
    ///   - runDirectory: Run folder (created).
    ///   - resume: Continue from `runDirectory/last.ckpt`.
    public init(config: TrainConfig, runDirectory: String, resume: Bool = false, overrideEpochs: Int? = nil) throws {
        var cfg = config
        var checkpoint: Checkpoint?
        let last = runDirectory + "/last.ckpt"
        if resume {
            let c = try Checkpoint.read(path: last)
            checkpoint = c
            cfg = c.header.train
            if let e = overrideEpochs { cfg.epochs = e }
        }
        self.config = cfg
        self.runDirectory = runDirectory
        let recipe = try Recipe.load(path: cfg.recipe)
        self.recipe = recipe
        taxonomy = try recipe.taxonomy()
        let dataset = try recipe.loadDataset()
        let train = dataset.samples(inSplit: "train")
        guard !train.isEmpty else { throw TrainingError.noData("recipe \(cfg.recipe) has no train images") }
        // Model classes: the taxonomy's classes that occur in the training split, in taxonomy order.
        // Pasted objects bring their classes too.
        var pasteBySource: [String: Recipe.Paste] = [:]
        for e in recipe.entries { if let p = e.paste { pasteBySource[e.name] = p } }
        self.pasteBySource = pasteBySource
        var scaleBySource: [String: [Float]] = [:]
        for e in recipe.entries { if let sc = e.scale { scaleBySource[e.name] = sc } }
        self.scaleBySource = scaleBySource
        let pastedClasses = Set(recipe.entries.compactMap(\.paste).flatMap(\.kinds).flatMap(\.labelClasses).map { ObjectClass($0.rawValue) })
        let present = Set(train.flatMap { $0.boxes.compactMap(\.objectClass) }).union(pastedClasses)
        let classes = taxonomy.classes.filter { present.contains($0) }
        guard !classes.isEmpty else { throw TrainingError.noData("no training box maps to a taxonomy class") }
        let modelConfig: ModelConfig
        if let checkpoint {
            modelConfig = checkpoint.header.model
        } else {
            var mc = ModelConfig(classNames: classes.map(\.rawValue), inputSize: cfg.size, width: cfg.width,
                                 neckChannels: cfg.neckChannels, headConvs: cfg.headConvs,
                                 strides: cfg.stride64 ? [8, 16, 32, 64] : [8, 16, 32])
            mc.inputSize = cfg.size
            modelConfig = mc
        }
        try modelConfig.validate()
        classIndex = Dictionary(uniqueKeysWithValues: modelConfig.classNames.enumerated().map { (ObjectClass($1), $0) })
        trainSamples = train
        weights = recipe.samplingWeights(for: dataset, split: "train")
        validationSamples = dataset.samples(inSplit: "val")
        model = DetectorModel(config: modelConfig, seed: cfg.seed)
        if checkpoint == nil, let start = cfg.initFrom {
            let graph: Graph
            do { graph = try ModelFile.load(path: start) } catch {
                throw TrainingError.invalidConfig("cannot read the starting model \(start): \(error)")
            }
            let fresh = try model.loadFoldedWeights(from: graph)
            if !fresh.isEmpty { print("starting from \(start); new classes start fresh: \(fresh.joined(separator: ", "))") }
        }
        model.freeze(cfg.freeze ?? .none)
        optimizer = AdamW(store: model.store)
        loss = DetectionLoss(decoder: modelConfig.decoder)
        pool = ThreadPool(threads: max(1, cfg.threads))
        setBLASThreads(1)
        priors = Prior.all(modelConfig.decoder, width: modelConfig.inputSize, height: modelConfig.inputSize)
        if let checkpoint {
            try checkpoint.restore(into: model, optimizer: optimizer, file: last)
            epoch = checkpoint.header.epoch
            history = checkpoint.header.history
            bestMap50 = checkpoint.header.bestMap50
        }
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
    }

    /// Images per epoch.
    public var imagesPerEpoch: Int { config.imagesPerEpoch ?? trainSamples.count }
    /// Steps per epoch.
    public var stepsPerEpoch: Int { max(1, imagesPerEpoch / config.batch) }

    /// Learning rate at a global step: linear warm-up, then cosine decay.
    public func learningRate(step: Int) -> Float {
        let total = max(1, config.epochs * stepsPerEpoch)
        let peak = config.learningRate
        if step < config.warmupSteps {
            return peak * (0.1 + 0.9 * Float(step) / Float(max(config.warmupSteps, 1)))
        }
        let t = Float(step - config.warmupSteps) / Float(max(total - config.warmupSteps, 1))
        let floor = peak * config.finalLearningRateRatio
        return floor + (peak - floor) * 0.5 * (1 + cosf(Float.pi * min(t, 1)))
    }

    // MARK: Data

    func sourceImage(_ s: LabeledSample, rng: inout SplitMix64) -> SourceImage {
        guard let img = try? Image(contentsOfFile: s.imagePath, as: .rgb8) else {
            return SourceImage(image: Image(width: 64, height: 64, format: .rgb8, fill: 114), boxes: [], flipOK: true)
        }
        var boxes: [TargetBox] = [], ignores: [TargetBox] = []
        var flip = true
        for (b, isIgnore) in s.boxes.map({ ($0, false) }) + s.ignoreBoxes.map({ ($0, true) }) {
            guard let c = b.objectClass, let k = classIndex[c] else { continue }
            let pb = b.pixelBox(width: img.width, height: img.height)
            let cb = Box(x1: max(0, pb.x1), y1: max(0, pb.y1), x2: min(Float(img.width), pb.x2), y2: min(Float(img.height), pb.y2))
            guard cb.x2 - cb.x1 >= 1, cb.y2 - cb.y1 >= 1 else { continue }
            if isIgnore { ignores.append(TargetBox(box: cb, classIndex: k)); continue }
            boxes.append(TargetBox(box: cb, classIndex: k))
            if !taxonomy.flipOK(c) { flip = false }
        }
        let annotated = s.annotatedClasses.map { a in model.config.classNames.map { a.contains(ObjectClass($0)) } }
        var source = SourceImage(image: img, boxes: boxes, flipOK: flip, annotated: annotated, ignores: ignores,
                                 scale: scaleBySource[s.source])
        // Datasets without `paste:` draw nothing here, so their sequences stay as they were.
        if let paste = pasteBySource[s.source], rng.nextFloat(in: 0...1) < Float(paste.probability) {
            let seed = rng.next()
            if let pasted = Self.paste(paste.kinds, into: source, seed: seed, classIndex: classIndex, taxonomy: taxonomy) {
                source = pasted
            }
        }
        return source
    }

    /// Pastes rendered objects of `kinds` into a source image (``SynthCompositor``, the chest
    /// camera at the image's own size), keeping its boxes and adding the pasted objects' labels.
    /// Tries three placements; returns nil when each would cover part of a labelled box (the
    /// label would then be wrong) or pasted nothing visible.
    static func paste(_ kinds: [SynthCompositor.Kind], into source: SourceImage, seed: UInt64,
                      classIndex: [ObjectClass: Int], taxonomy: Taxonomy) -> SourceImage? {
        var camera = CameraModel.chestDefault
        camera.imageWidth = source.image.width
        camera.imageHeight = source.image.height
        for attempt in 0..<3 {
            let frame = SynthCompositor.composite(photo: source.image, seed: seed &+ UInt64(attempt) &* 0x9E37_79B9, camera: camera, kinds: kinds)
            var added: [TargetBox] = []
            var flip = source.flipOK
            var covers = false
            for label in frame.labels where label.objectIndex != nil {
                if source.boxes.contains(where: { $0.box.iou(label.box) > 0 }) { covers = true; break }
                let c = ObjectClass(label.objectClass.rawValue)
                guard let k = classIndex[c] else { continue }
                added.append(TargetBox(box: label.box, classIndex: k))
                if !taxonomy.flipOK(c) { flip = false }
            }
            if covers || added.isEmpty { continue }
            var out = source
            out.image = frame.image
            out.boxes = source.boxes + added
            out.flipOK = flip
            // Pasted objects are labelled wherever they land.
            if var a = out.annotated {
                for t in added { a[t.classIndex] = true }
                out.annotated = a
            }
            return out
        }
        return nil
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var r = SplitMix64(seed: a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xBF58_476D_1CE4_E5B9 ^ c &* 0x94D0_49BB_1331_11EB)
        return r.next()
    }

    /// The augmented batch for a step (reproducible: depends only on seed, epoch and step).
    func batch(epoch: Int, step: Int, indices: [Int]) -> [AugmentedSample] {
        let aug = Augmenter(config: config.augmentation, size: model.config.inputSize)
        var out = [AugmentedSample?](repeating: nil, count: indices.count)
        let n = trainSamples.count
        out.withUnsafeMutableBufferPointer { o in
            let op = o.baseAddress!
            pool.parallelFor(indices.count) { i in
                var rng = SplitMix64(seed: Trainer.mix(config.seed, UInt64(epoch), UInt64(step * 4096 + i)))
                var srcs = [sourceImage(trainSamples[indices[i]], rng: &rng)]
                if config.augmentation.mosaic > 0 && rng.nextFloat(in: 0...1) < config.augmentation.mosaic {
                    for _ in 0..<3 { srcs.append(sourceImage(trainSamples[Int(rng.next() % UInt64(n))], rng: &rng)) }
                }
                op[i] = aug.make(srcs, rng: &rng)
            }
        }
        return out.map { $0! }
    }

    /// Fills an input tensor (RGB / 255) from images at the input size.
    static func inputTensor(_ images: [Image], size S: Int) -> Var {
        let x = Var(n: images.count, c: 3, h: S, w: S)
        for (k, img) in images.enumerated() {
            let base = x.data + k * 3 * S * S
            img.pixels.withUnsafeBufferPointer { p in
                for y in 0..<S {
                    for xx in 0..<S {
                        let o = y * img.stride + xx * 3, i = y * S + xx
                        base[i] = Float(p[o]) / 255
                        base[S * S + i] = Float(p[o + 1]) / 255
                        base[2 * S * S + i] = Float(p[o + 2]) / 255
                    }
                }
            }
        }
        return x
    }

    /// Gathers per-level head outputs into the decoder's cell-major layout, `[n][cells * V]`.
    static func gather(_ outs: [Var], into p: UnsafeMutablePointer<Float>, cells: Int) {
        let V = outs[0].c
        for img in 0..<outs[0].n {
            var cell = 0
            for o in outs {
                let P = o.plane
                for v in 0..<V {
                    let src = o.data + (img * V + v) * P
                    let dst = p + (img * cells + cell) * V + v
                    for j in 0..<P { dst[j * V] = src[j] }
                }
                cell += P
            }
        }
    }

    /// Adds cell-major gradients back into the per-level outputs' gradients.
    static func scatter(_ g: UnsafePointer<Float>, into outs: [Var], cells: Int) {
        let V = outs[0].c
        for img in 0..<outs[0].n {
            var cell = 0
            for o in outs {
                let P = o.plane
                let dst0 = o.grad
                for v in 0..<V {
                    let dst = dst0 + (img * V + v) * P
                    let src = g + (img * cells + cell) * V + v
                    for j in 0..<P { dst[j] += src[j * V] }
                }
                cell += P
            }
        }
    }

    // MARK: Steps

    /// One optimisation step on a batch; returns its loss terms.
    public func trainStep(_ samples: [AugmentedSample], learningRate: Float) throws -> LossTerms {
        try TrainingStep.run(model: model, optimizer: optimizer, loss: loss, priors: priors, pool: pool, samples: samples,
                             learningRate: learningRate, config: config)
    }

    /// Raw head outputs (cell-major) of letterboxed images, evaluation mode.
    public func predictRaw(_ images: [Image]) throws -> [[Float]] {
        let S = model.config.inputSize, V = model.config.decoder.valuesPerCell, cells = priors.count
        let tape = Tape(training: false, pool: pool)
        let outs = try model.forward(TapeBackend(tape: tape), Trainer.inputTensor(images, size: S))
        var flat = [Float](repeating: 0, count: images.count * cells * V)
        flat.withUnsafeMutableBufferPointer { Trainer.gather(outs, into: $0.baseAddress!, cells: cells) }
        return (0..<images.count).map { Array(flat[($0 * cells * V)..<(($0 + 1) * cells * V)]) }
    }

    /// Detections of the current weights on image files (letterboxed, decoded, NMS, mapped back).
    public func detect(paths: [String], scoreThreshold: Float = 0.05) throws -> [(image: Image?, detections: [Detection])] {
        let S = model.config.inputSize
        let dec = model.config.decoder
        var result: [(Image?, [Detection])] = []
        for chunk in stride(from: 0, to: paths.count, by: 16) {
            let part = Array(paths[chunk..<min(chunk + 16, paths.count)])
            let imgs = part.map { try? Image(contentsOfFile: $0, as: .rgb8) }
            let boxed = imgs.map { $0?.letterboxed(to: S) }
            let ok = boxed.compactMap { $0?.image }
            let raws = ok.isEmpty ? [] : try predictRaw(ok)
            var r = 0
            for (k, b) in boxed.enumerated() {
                guard let b else { result.append((nil, [])); continue }
                let cands = raws[r].withUnsafeBufferPointer { dec.decode($0, inputWidth: S, inputHeight: S, scoreThreshold: scoreThreshold) }
                r += 1
                let dets = cands.map { Detection(objectClass: ObjectClass(model.config.classNames[$0.classIndex]), score: $0.score,
                                                 box: b.transform.toSource($0.box)) }
                result.append((imgs[k], nonMaxSuppression(dets, options: NMSOptions(iouThreshold: 0.6, maxDetections: 100))))
            }
        }
        return result
    }

    /// Validation samples used for per-epoch evaluation (evenly spaced when capped).
    public var evaluationSamples: [LabeledSample] {
        let v = validationSamples
        guard let cap = config.evalImages, cap < v.count, cap > 0 else { return v }
        return (0..<cap).map { v[$0 * v.count / cap] }
    }

    /// COCO-style evaluation of the current weights on samples.
    public func evaluate(_ samples: [LabeledSample]) throws -> EvaluationResult {
        let preds = try detect(paths: samples.map(\.imagePath))
        var images: [EvaluationImage] = []
        for (s, p) in zip(samples, preds) {
            guard let img = p.image else { continue }
            let gt = s.boxes.compactMap { b -> (objectClass: ObjectClass, box: Box)? in
                guard let c = b.objectClass, classIndex[c] != nil else { return nil }
                return (c, b.pixelBox(width: img.width, height: img.height))
            }
            images.append(EvaluationImage(id: s.imagePath, groundTruth: gt, detections: p.detections))
        }
        return DetectionEvaluator().evaluate(images)
    }

    /// Median fp32 latency (ms) of the exported graph at batch 1 on this trainer's thread count
    /// (weights do not change it, so it is measured once per run).
    public func inferenceLatencyMilliseconds(runs: Int = 15) throws -> Double {
        let runner = try GraphRunner(graph: try model.exportGraph(), threads: config.threads)
        for i in 0..<runner.input.shape.count { runner.input.data[i] = 114 }
        runner.run()
        var t: [Double] = []
        for _ in 0..<runs {
            let t0 = monotonicSeconds()
            runner.run()
            t.append(monotonicSeconds() - t0)
        }
        setBLASThreads(1)
        return t.sorted()[t.count / 2] * 1000
    }

    // MARK: The loop

    /// Trains the remaining epochs, writing checkpoints and artifacts after each.
    /// - Parameter maxEpochs: Stop once this many epochs are complete (nil: `config.epochs`);
    ///   the schedule still spans `config.epochs`, so a later resume continues it exactly.
    public func run(maxEpochs: Int? = nil, progress: (TrainProgress) -> Void) throws {
        let run = RunFolder(path: runDirectory)
        try run.writeConfig(config, model: model.config, parameters: model.store.parameterCount)
        let latency = try? inferenceLatencyMilliseconds()
        var sampler = WeightedSampler(weights: weights, seed: config.seed)
        // Advance the sampler past completed epochs (it is consumed in a fixed order).
        let perEpoch = stepsPerEpoch * config.batch
        for _ in 0..<(epoch * perEpoch) { _ = sampler.next() }
        let totalSteps = config.epochs * stepsPerEpoch
        var sessionImages = 0
        let sessionStart = Date()
        while epoch < min(config.epochs, maxEpochs ?? Int.max) {
            let e = epoch
            var sum = LossTerms()
            let start = Date()
            var lr: Float = 0
            for step in 0..<stepsPerEpoch {
                let idx = (0..<config.batch).map { _ in sampler.next() }
                let samples = batch(epoch: e, step: step, indices: idx)
                lr = learningRate(step: e * stepsPerEpoch + step)
                let t = try trainStep(samples, learningRate: lr)
                sum = sum + t
                sessionImages += config.batch
                let elapsed = Date().timeIntervalSince(start)
                let ips = Double((step + 1) * config.batch) / max(elapsed, 1e-9)
                let sessionIPS = Double(sessionImages) / max(Date().timeIntervalSince(sessionStart), 1e-9)
                let left = Double(totalSteps - (e * stepsPerEpoch + step + 1)) * Double(config.batch) / max(sessionIPS, 1e-9)
                let k = Double(step + 1)
                progress(TrainProgress(epoch: e + 1, epochs: config.epochs, step: step + 1, steps: stepsPerEpoch,
                                       loss: LossTerms(qfl: sum.qfl / k, dfl: sum.dfl / k, giou: sum.giou / k),
                                       imagesPerSecond: ips, etaSeconds: left, learningRate: lr))
            }
            let seconds = Date().timeIntervalSince(start)
            let k = Double(stepsPerEpoch)
            var metrics = EpochMetrics(epoch: e + 1, loss: LossTerms(qfl: sum.qfl / k, dfl: sum.dfl / k, giou: sum.giou / k),
                                       learningRate: lr, map50: nil, map50_95: nil, perClassAP50: [:], perClassCount: [:],
                                       imagesPerSecond: Double(stepsPerEpoch * config.batch) / max(seconds, 1e-9),
                                       seconds: seconds, evalImages: 0)
            optimizer.swapEMA() // evaluate the EMA weights
            let evalSet = evaluationSamples
            if !evalSet.isEmpty {
                let r = try evaluate(evalSet)
                metrics.map50 = r.map50
                metrics.map50_95 = r.map50_95
                metrics.evalImages = r.images
                for (c, v) in r.perClass { metrics.perClassAP50[c.rawValue] = v.ap50; metrics.perClassCount[c.rawValue] = v.count }
            }
            let sheetSamples = Array(evalSet.prefix(8))
            let sheet = try? detect(paths: sheetSamples.map(\.imagePath), scoreThreshold: 0.35)
            optimizer.swapEMA()
            epoch += 1
            history.append(metrics)
            let improved = bestMap50 == nil || (metrics.map50 ?? -1) >= (bestMap50 ?? -1)
            if improved { bestMap50 = metrics.map50 ?? bestMap50 }
            let header = Checkpoint.Header(train: config, model: model.config, epoch: epoch, step: optimizer.step,
                                           bestMap50: bestMap50, history: history, arrays: [])
            let ckpt = Checkpoint.capture(model: model, optimizer: optimizer, header: header)
            try ckpt.write(to: run.lastCheckpoint)
            if improved { try ckpt.write(to: run.bestCheckpoint) }
            try run.appendMetrics(metrics)
            try run.writeCurves(history)
            if let sheet { try run.writeSampleSheet(sheet.map { ($0.image, $0.detections) }, names: sheetSamples.map(\.imagePath)) }
            try run.writeModelCard(recipe: recipe, model: model.config, parameters: model.store.parameterCount,
                                   history: history, trainImages: trainSamples.count, latencyMs: latency)
        }
    }
}
