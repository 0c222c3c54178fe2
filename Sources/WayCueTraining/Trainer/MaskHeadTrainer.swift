import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN

/// Settings of a mask-head training run (`waycue train-mask`).
public struct MaskTrainConfig: Sendable, Codable, Hashable {
    /// Passes over the cached feature views.
    public var epochs = 24
    /// Views per batch.
    public var batch = 32
    /// Peak learning rate (cosine decay to 5% after a one-epoch warm-up).
    public var learningRate: Float = 3e-3
    /// AdamW weight decay.
    public var weightDecay: Float = 1e-4
    /// Channels inside the head.
    public var hidden = 64
    /// Views per training image: the image, its mirror image, then seeded random crops
    /// (zoomed 1.1x to 1.8x, mirrored at random).
    public var views = 2
    /// Seed of the head's initial weights, the crops and the batch order.
    public var seed: UInt64 = 19
    /// Threads for feature extraction and training.
    public var threads = 2
    /// Weight of the soft Dice term beside the per-cell binary cross-entropy.
    public var diceWeight: Float = 1
    /// Train on at most this many images (nil: all).
    public var maxImages: Int?
    /// Channels of the head's own low-level branch on the detector's stride-4 stem output
    /// (nil or 0: the head reads the neck features only, as heads trained before it existed).
    public var lowChannels: Int? = 32
    /// Whether every view but the first gets a seeded colour jitter (hue rotated up to 40
    /// degrees, saturation 0.4-1.4, brightness 0.75-1.25, contrast 0.8-1.2), so the head learns
    /// paving by its relief and layout more than by the few tile colours rendered (nil: off).
    public var colourJitter: Bool? = true
    /// Largest hue rotation of the colour jitter, degrees (nil: 40; 180 turns hues anywhere).
    public var hueJitterDegrees: Float?
    /// Fraction of jittered views turned grey (nil: none), so colour alone never separates
    /// paving from its surround.
    public var greyscaleFraction: Float?

    /// Creates the default settings.
    public init() {}

    /// Checks ranges.
    public func validate() throws {
        guard epochs > 0, batch > 0, learningRate > 0, hidden > 0, views >= 1, threads > 0, diceWeight >= 0,
              (lowChannels ?? 0) >= 0 else {
            throw TrainingError.invalidConfig("mask training needs positive epochs, batch, learning rate, hidden channels, views and threads")
        }
        guard (0...180).contains(hueJitterDegrees ?? 40), (0...1).contains(greyscaleFraction ?? 0) else {
            throw TrainingError.invalidConfig("hue jitter must be within 0...180 degrees and the greyscale fraction within 0...1")
        }
    }
}

/// One epoch's figures of a mask-head run.
public struct MaskEpochMetrics: Sendable, Codable, Hashable {
    /// 1-based epoch.
    public var epoch: Int
    /// Mean training loss (cross-entropy + Dice).
    public var trainLoss: Double
    /// Mean validation loss.
    public var validLoss: Double?
    /// Cell-level IoU per class on the validation views (cells covered at least half).
    public var validCellIoU: [String: Double]
    /// Seconds the epoch took.
    public var seconds: Double
}

/// Feature maps of a frozen detector with their per-cell mask targets.
public struct MaskFeatureCache: Sendable {
    /// Channels, rows and columns of one feature map.
    public let channels: Int, gridHeight: Int, gridWidth: Int
    /// Classes of the targets.
    public let classCount: Int
    /// Channels, rows and columns of one stride-4 stem map (0 when the head has no low-level branch).
    public internal(set) var lowChannels = 0, lowHeight = 0, lowWidth = 0
    /// Feature maps, one after another.
    public internal(set) var features: [Float] = []
    /// Stem maps, one after another (empty without a low-level branch).
    public internal(set) var lowFeatures: [Float] = []
    /// Per class, the fraction of each cell covered (`0...1`), one view after another.
    public internal(set) var targets: [Float] = []
    /// Per cell, 0 where ignored pixels dominate, else 1.
    public internal(set) var weights: [Float] = []
    /// Views held.
    public internal(set) var count = 0
    /// Images that could not be read, with the reason.
    public internal(set) var skipped: [String] = []

    var featureSize: Int { channels * gridHeight * gridWidth }
    var lowSize: Int { lowChannels * lowHeight * lowWidth }
    var targetSize: Int { classCount * gridHeight * gridWidth }
    var cells: Int { gridHeight * gridWidth }
}

/// Trains a ``MaskHead`` on a frozen, trained detector: the detector's graph (fp32 or int8,
/// exactly what ships) computes the stride-8 neck features of every training view once, and
/// the head alone is optimised on them; the detector's boxes are therefore unchanged by it.
///
/// Targets are the fraction of each cell covered by each class in the mask files (see
/// ``MaskLabels``); the loss is binary cross-entropy per cell and class plus a soft Dice term
/// per image and class (paving covers a few percent of a frame).
public final class MaskHeadTrainer {
    /// The detector graph the head reads.
    public let detector: Graph
    /// The value the head reads.
    public let featureValue: String
    /// The stem output the head's low-level branch reads (nil: no branch).
    public let lowValue: String?
    /// Settings.
    public let config: MaskTrainConfig
    /// The head being trained.
    public let head: MaskHead
    let optimizer: AdamW
    let pool: ThreadPool
    /// Epochs finished (restored on resume).
    public private(set) var history: [MaskEpochMetrics] = []

    /// Prepares a run on `detector` (a graph written by `waycue export` or `waycue quantize`).
    public init(detector: Graph, config: MaskTrainConfig, classNames: [String] = MaskLabels.classNames) throws {
        try config.validate()
        guard let fv = MaskHead.featureValue(in: detector) else {
            throw TrainingError.invalidConfig("not a WayCue detector graph (no level0.chw head output to find the stride-8 features from)")
        }
        guard let f = detector.value(named: fv) else { throw TrainingError.invalidConfig("value \(fv) missing") }
        guard classNames.allSatisfy(MaskLabels.classNames.contains) else {
            throw TrainingError.invalidConfig("mask classes must be among \(MaskLabels.classNames)")
        }
        var lowIn = 0
        if (config.lowChannels ?? 0) > 0 {
            guard let lv = MaskHead.lowFeatureValue(in: detector), let l = detector.value(named: lv),
                  l.shape.w == 2 * f.shape.w, l.shape.h == 2 * f.shape.h else {
                throw TrainingError.invalidConfig("the detector graph has no stride-4 stem output at twice the size of \(fv) for the low-level branch")
            }
            lowValue = lv
            lowIn = l.shape.c
        } else {
            lowValue = nil
        }
        self.detector = detector
        featureValue = fv
        self.config = config
        let input = detector.values[detector.inputs[0]].shape
        head = MaskHead(inChannels: f.shape.c, hidden: config.hidden, classNames: classNames,
                        stride: input.w / f.shape.w, lowInChannels: lowIn, lowChannels: config.lowChannels ?? 0,
                        seed: config.seed)
        optimizer = AdamW(store: head.store)
        pool = ThreadPool(threads: config.threads)
    }

    /// Starts the head from the mask head attached to `graph` (see
    /// ``MaskHead/loadFoldedWeights(from:)``) with fresh optimiser state; its batch norm then
    /// keeps the folded statistics it was given unless training updates them.
    public func startHead(from graph: Graph) throws {
        try head.loadFoldedWeights(from: graph)
        optimizer.reset()
        frozenBatchNorm = true
    }

    /// Batch norm on running statistics while training (set when the head starts from a model).
    public private(set) var frozenBatchNorm = false

    // MARK: Features

    /// Runs the frozen detector on every image (and its views) and keeps the features and targets.
    ///
    /// - Parameters:
    ///   - views: Views per image (1 for validation: the image as it is).
    ///   - progress: Called after each image with (done, total).
    public func extractFeatures(pairs: [(image: String, mask: String)], views: Int,
                                progress: ((Int, Int) -> Void)? = nil) throws -> MaskFeatureCache {
        let b = GraphBuilder(extending: detector)
        guard let fv = b.existing(named: featureValue) else { throw TrainingError.invalidConfig("value \(featureValue) missing") }
        var outs = [fv]
        if let lowValue {
            guard let lv = b.existing(named: lowValue) else { throw TrainingError.invalidConfig("value \(lowValue) missing") }
            outs.append(lv)
        }
        let graph = try b.build(outputs: outs, classNames: detector.classNames)
        let quantized = graph.nodes.contains { if case .conv(let c) = $0.op { return c.int8 != nil }; return false }
        let runner = try GraphRunner(graph: graph, threads: config.threads, precision: quantized ? .int8 : .fp32)
        let input = graph.values[graph.inputs[0]].shape
        let fs = fv.shape
        var cache = MaskFeatureCache(channels: fs.c, gridHeight: fs.h, gridWidth: fs.w, classCount: head.classNames.count)
        if outs.count > 1 {
            let ls = outs[1].shape
            (cache.lowChannels, cache.lowHeight, cache.lowWidth) = (ls.c, ls.h, ls.w)
            cache.lowFeatures.reserveCapacity(pairs.count * views * cache.lowSize)
        }
        let truthValue = head.classNames.map { UInt8(MaskLabels.classNames.firstIndex(of: $0)! + 1) }
        var rng = SplitMix64(seed: config.seed &+ 1)
        cache.features.reserveCapacity(pairs.count * views * cache.featureSize)
        for (i, p) in pairs.enumerated() {
            defer { progress?(i + 1, pairs.count) }
            let image: Image, mask: [UInt8]
            do {
                image = try Image.load(path: p.image, as: .rgb8)
                mask = try MaskLabels.load(path: p.mask, width: image.width, height: image.height)
            } catch {
                cache.skipped.append("\(p.image): \(error)")
                continue
            }
            for v in 0..<views {
                var img = image, m = mask, mw = image.width, mh = image.height
                var flip = v == 1
                if v >= 2 {
                    let zoom = Double(rng.nextFloat(in: 1.1...1.8))
                    let cw = max(16, Int(Double(image.width) / zoom)), ch = max(16, Int(Double(image.height) / zoom))
                    let x0 = Int(rng.nextFloat(in: 0...1) * Float(image.width - cw))
                    let y0 = Int(rng.nextFloat(in: 0...1) * Float(image.height - ch))
                    img = try image.cropped(x: x0, y: y0, width: cw, height: ch)
                    var cm = [UInt8](repeating: 0, count: cw * ch)
                    for y in 0..<ch { for x in 0..<cw { cm[y * cw + x] = mask[(y0 + y) * image.width + x0 + x] } }
                    m = cm; mw = cw; mh = ch
                    flip = rng.nextFloat(in: 0...1) < 0.5
                }
                if flip { (img, m) = (MaskHeadTrainer.mirrored(img), MaskHeadTrainer.mirrored(m, width: mw, height: mh)) }
                if v >= 1, config.colourJitter == true {
                    let range = config.hueJitterDegrees ?? 40
                    let hue = rng.nextFloat(in: -range...range)
                    var saturation = rng.nextFloat(in: 0.4...1.4)
                    let brightness = rng.nextFloat(in: 0.75...1.25), contrast = rng.nextFloat(in: 0.8...1.2)
                    if let g = config.greyscaleFraction, g > 0, rng.nextFloat(in: 0...1) < g { saturation = 0 }
                    Augmenter.jitterColours(&img, hueDegrees: hue, saturation: saturation, brightness: brightness,
                                            contrast: contrast)
                }
                let (boxed, t) = img.letterboxed(toWidth: input.w, height: input.h)
                MaskHeadTrainer.fillPlanar(boxed, into: runner.input.data)
                runner.run()
                let out = runner.outputs[0]
                cache.features.append(contentsOf: UnsafeBufferPointer(start: out.data, count: cache.featureSize))
                if cache.lowSize > 0 {
                    cache.lowFeatures.append(contentsOf: UnsafeBufferPointer(start: runner.outputs[1].data, count: cache.lowSize))
                }
                let (tg, wt) = MaskHeadTrainer.cellTargets(mask: m, width: mw, height: mh, transform: t, stride: head.stride,
                                                           gridWidth: fs.w, gridHeight: fs.h, truthValues: truthValue)
                cache.targets.append(contentsOf: tg)
                cache.weights.append(contentsOf: wt)
                cache.count += 1
            }
        }
        return cache
    }

    /// The image mirrored left-right.
    static func mirrored(_ image: Image) -> Image {
        var out = image
        let bpp = image.format.bytesPerPixel
        for y in 0..<image.height {
            let row = y * image.stride
            for x in 0..<image.width {
                for c in 0..<bpp { out.pixels[row + x * bpp + c] = image.pixels[row + (image.width - 1 - x) * bpp + c] }
            }
        }
        return out
    }

    static func mirrored(_ m: [UInt8], width: Int, height: Int) -> [UInt8] {
        var out = m
        for y in 0..<height { for x in 0..<width { out[y * width + x] = m[y * width + width - 1 - x] } }
        return out
    }

    /// Raw RGB 0...255 into the planar input of a WayCue graph.
    static func fillPlanar(_ rgb: Image, into data: UnsafeMutablePointer<Float>) {
        let plane = rgb.width * rgb.height
        for y in 0..<rgb.height {
            let row = y * rgb.stride
            for x in 0..<rgb.width {
                let o = row + x * 3, i = y * rgb.width + x
                data[i] = Float(rgb.pixels[o])
                data[plane + i] = Float(rgb.pixels[o + 1])
                data[2 * plane + i] = Float(rgb.pixels[o + 2])
            }
        }
    }

    /// Per class the covered fraction of each cell (4x4 samples a cell, mapped through the
    /// letterbox; padding is background), and per cell a weight of 0 where ignored pixels are
    /// the majority.
    static func cellTargets(mask: [UInt8], width: Int, height: Int, transform t: LetterboxTransform, stride: Int,
                            gridWidth: Int, gridHeight: Int, truthValues: [UInt8]) -> (targets: [Float], weights: [Float]) {
        let K = truthValues.count, cells = gridWidth * gridHeight
        var targets = [Float](repeating: 0, count: K * cells), weights = [Float](repeating: 1, count: cells)
        let n = 4
        for gy in 0..<gridHeight {
            for gx in 0..<gridWidth {
                var counts = [Int](repeating: 0, count: K), ignored = 0
                for sy in 0..<n {
                    let iy = Double(gy * stride) + (Double(sy) + 0.5) * Double(stride) / Double(n)
                    let y = Int(((iy - Double(t.offsetY)) / Double(t.scaleY)).rounded(.down))
                    for sx in 0..<n {
                        let ix = Double(gx * stride) + (Double(sx) + 0.5) * Double(stride) / Double(n)
                        let x = Int(((ix - Double(t.offsetX)) / Double(t.scaleX)).rounded(.down))
                        guard x >= 0, y >= 0, x < width, y < height else { continue }
                        let v = mask[y * width + x]
                        if v == MaskLabels.ignoreValue { ignored += 1; continue }
                        if let k = truthValues.firstIndex(of: v) { counts[k] += 1 }
                    }
                }
                let c = gy * gridWidth + gx
                for k in 0..<K { targets[k * cells + c] = Float(counts[k]) / Float(n * n) }
                if ignored * 2 > n * n { weights[c] = 0 }
            }
        }
        return (targets, weights)
    }

    // MARK: Training

    /// Loss and its gradient for a batch of logits `[B, K, cells]` (written into `grad`).
    static func loss(logits: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>, targets: UnsafePointer<Float>,
                     weights: UnsafePointer<Float>, batch: Int, classes K: Int, cells: Int, diceWeight: Float) -> Double {
        let total = Float(batch * K * cells)
        var bce = 0.0, dice = 0.0
        var pairs = 0
        var p = [Float](repeating: 0, count: cells)
        for b in 0..<batch {
            for k in 0..<K {
                let off = (b * K + k) * cells
                var sp: Float = 0, st: Float = 0, spt: Float = 0
                for c in 0..<cells {
                    let z = logits[off + c], t = targets[off + c], w = weights[b * cells + c]
                    let s = 1 / (1 + expf(-z))
                    p[c] = s
                    // Numerically stable BCE with logits.
                    bce += Double(w * (max(z, 0) - z * t + logf(1 + expf(-abs(z)))))
                    grad[off + c] = w * (s - t) / total
                    sp += w * s; st += w * t; spt += w * s * t
                }
                guard diceWeight > 0, st > 0 else { continue }
                pairs += 1
                let eps: Float = 1, den = sp + st + eps, num = 2 * spt + eps
                dice += Double(1 - num / den)
                for c in 0..<cells {
                    let w = weights[b * cells + c], t = targets[off + c]
                    let dDice = (2 * t * den - num) / (den * den)
                    grad[off + c] -= diceWeight * w * dDice * p[c] * (1 - p[c]) / Float(batch * K)
                }
            }
        }
        return bce / Double(total) + Double(diceWeight) * dice / Double(max(1, batch * K))
    }

    /// Trains the head on cached features, evaluating on `valid` after each epoch.
    ///
    /// - Parameters:
    ///   - startEpoch: Epochs already done (after a resume).
    ///   - onEpoch: Called after each epoch (to checkpoint, log and plot).
    ///   - progress: Called after each step with (epoch, step, steps, loss).
    public func train(_ data: MaskFeatureCache, valid: MaskFeatureCache?, startEpoch: Int = 0,
                      onEpoch: (MaskEpochMetrics) throws -> Void,
                      progress: ((Int, Int, Int, Double) -> Void)? = nil) throws {
        guard data.count > 0 else { throw TrainingError.noData("no training views with masks") }
        let B = min(config.batch, data.count)
        let steps = data.count / B
        var rng = SplitMix64(seed: config.seed &+ 2)
        for _ in 0..<startEpoch { _ = rng.next() }
        for epoch in startEpoch..<max(startEpoch, config.epochs) {
            let start = monotonicSeconds()
            var order = Array(0..<data.count)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var sum = 0.0
            for s in 0..<steps {
                let lr = learningRate(epoch: epoch, step: s, steps: steps)
                let idx = Array(order[s * B..<(s + 1) * B])
                let l = try step(data, indices: idx, learningRate: lr)
                sum += l
                progress?(epoch + 1, s + 1, steps, l)
            }
            let (vl, iou) = valid.map { evaluate($0) } ?? (nil, [:])
            let m = MaskEpochMetrics(epoch: epoch + 1, trainLoss: sum / Double(max(steps, 1)), validLoss: vl,
                                     validCellIoU: iou, seconds: monotonicSeconds() - start)
            history.append(m)
            try onEpoch(m)
        }
    }

    func learningRate(epoch: Int, step: Int, steps: Int) -> Float {
        let t = Double(epoch * steps + step), warm = Double(steps), total = Double(config.epochs * steps)
        if t < warm { return config.learningRate * Float((t + 1) / warm) }
        let c = 0.5 * (1 + cos(Double.pi * (t - warm) / max(1, total - warm)))
        return config.learningRate * Float(0.05 + 0.95 * c)
    }

    func batchInput(_ data: MaskFeatureCache, _ indices: [Int]) -> (Var, Var?, [Float], [Float]) {
        let B = indices.count
        let x = Var(n: B, c: data.channels, h: data.gridHeight, w: data.gridWidth, zeroed: false)
        var t = [Float](repeating: 0, count: B * data.targetSize), w = [Float](repeating: 0, count: B * data.cells)
        data.features.withUnsafeBufferPointer { f in
            for (j, i) in indices.enumerated() {
                (x.data + j * data.featureSize).update(from: f.baseAddress! + i * data.featureSize, count: data.featureSize)
            }
        }
        var low: Var?
        if data.lowSize > 0 {
            let l = Var(n: B, c: data.lowChannels, h: data.lowHeight, w: data.lowWidth, zeroed: false)
            data.lowFeatures.withUnsafeBufferPointer { f in
                for (j, i) in indices.enumerated() {
                    (l.data + j * data.lowSize).update(from: f.baseAddress! + i * data.lowSize, count: data.lowSize)
                }
            }
            low = l
        }
        for (j, i) in indices.enumerated() {
            for q in 0..<data.targetSize { t[j * data.targetSize + q] = data.targets[i * data.targetSize + q] }
            for q in 0..<data.cells { w[j * data.cells + q] = data.weights[i * data.cells + q] }
        }
        return (x, low, t, w)
    }

    func step(_ data: MaskFeatureCache, indices: [Int], learningRate: Float) throws -> Double {
        let tape = Tape(training: true, pool: pool)
        let (x, low, t, w) = batchInput(data, indices)
        let y = try head.forward(TapeBackend(tape: tape, frozenBatchNorm: frozenBatchNorm), x, low: low)
        let l = t.withUnsafeBufferPointer { tp in
            w.withUnsafeBufferPointer { wp in
                MaskHeadTrainer.loss(logits: y.data, grad: y.grad, targets: tp.baseAddress!, weights: wp.baseAddress!,
                                     batch: indices.count, classes: head.classNames.count, cells: data.cells,
                                     diceWeight: config.diceWeight)
            }
        }
        tape.backward()
        optimizer.update(learningRate: learningRate, weightDecay: config.weightDecay, clip: 10, emaDecay: 0.999)
        return l
    }

    /// Validation loss and cell-level IoU per class (EMA weights, running statistics).
    public func evaluate(_ data: MaskFeatureCache) -> (Double, [String: Double]) {
        optimizer.swapEMA()
        defer { optimizer.swapEMA() }
        let K = head.classNames.count
        var inter = [Int](repeating: 0, count: K), uni = [Int](repeating: 0, count: K)
        var lossSum = 0.0, batches = 0
        let B = max(1, min(config.batch, data.count))
        var grad = [Float](repeating: 0, count: B * data.targetSize)
        for start in stride(from: 0, to: data.count, by: B) {
            let idx = Array(start..<min(start + B, data.count))
            let tape = Tape(training: false, pool: pool)
            let (x, low, t, w) = batchInput(data, idx)
            guard let y = try? head.forward(TapeBackend(tape: tape), x, low: low) else { continue }
            lossSum += t.withUnsafeBufferPointer { tp in
                w.withUnsafeBufferPointer { wp in
                    grad.withUnsafeMutableBufferPointer { gp in
                        MaskHeadTrainer.loss(logits: y.data, grad: gp.baseAddress!, targets: tp.baseAddress!, weights: wp.baseAddress!,
                                             batch: idx.count, classes: K, cells: data.cells, diceWeight: config.diceWeight)
                    }
                }
            }
            batches += 1
            for j in 0..<idx.count {
                for k in 0..<K {
                    for c in 0..<data.cells where w[j * data.cells + c] > 0 {
                        let o = (j * K + k) * data.cells + c
                        let isT = t[o] >= 0.5, isP = y.data[o] > 0
                        if isT && isP { inter[k] += 1 }
                        if isT || isP { uni[k] += 1 }
                    }
                }
            }
        }
        var iou: [String: Double] = [:]
        for k in 0..<K where uni[k] > 0 { iou[head.classNames[k]] = Double(inter[k]) / Double(uni[k]) }
        return (lossSum / Double(max(batches, 1)), iou)
    }

    /// The detector graph with the trained head (EMA weights) attached as a second output.
    public func attachedGraph() throws -> Graph {
        optimizer.swapEMA()
        defer { optimizer.swapEMA() }
        return try head.attach(to: detector, featureValue: featureValue, lowValue: lowValue)
    }

    // MARK: Checkpoints

    /// Writes the head's weights, statistics, optimiser state and history (atomic rename).
    public func writeCheckpoint(to path: String) throws {
        struct Header: Codable { var config: MaskTrainConfig; var classNames: [String]; var step: Int; var history: [MaskEpochMetrics] }
        let header = try JSONEncoder().encode(Header(config: config, classNames: head.classNames, step: optimizer.step, history: history))
        var arrays: [[Float]] = head.store.parameters.map { $0.value.values }
        arrays += head.store.statistics.flatMap { [$0.value.mean, $0.value.variance] }
        arrays += optimizer.m + optimizer.v + optimizer.ema + optimizer.emaMean + optimizer.emaVar
        var data = Data("WCMH".utf8)
        func u32(_ v: Int) { var x = UInt32(v).littleEndian; data.append(Data(bytes: &x, count: 4)) }
        u32(header.count); data.append(header)
        u32(arrays.count)
        for a in arrays { u32(a.count); a.withUnsafeBytes { data.append(contentsOf: $0) } }
        let tmp = path + ".tmp"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: tmp, toPath: path)
        } catch {
            throw TrainingError.writeFailed(file: path, reason: "\(error)")
        }
    }

    /// Restores a checkpoint written by ``writeCheckpoint(to:)`` for the same settings.
    public func restore(from path: String) throws {
        struct Header: Codable { var config: MaskTrainConfig; var classNames: [String]; var step: Int; var history: [MaskEpochMetrics] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.badCheckpoint(file: path, reason: "cannot read it")
        }
        var pos = 0
        func bad(_ r: String) -> TrainingError { .badCheckpoint(file: path, reason: r) }
        func u32() throws -> Int {
            guard pos + 4 <= data.count else { throw bad("truncated") }
            let v = data[data.startIndex + pos..<data.startIndex + pos + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            pos += 4
            return Int(UInt32(littleEndian: v))
        }
        guard data.count >= 4, data.prefix(4) == Data("WCMH".utf8) else { throw bad("not a mask-head checkpoint") }
        pos = 4
        let hl = try u32()
        guard hl <= data.count - pos else { throw bad("truncated header") }
        let h = try JSONDecoder().decode(Header.self, from: data.subdata(in: data.startIndex + pos..<data.startIndex + pos + hl))
        pos += hl
        guard h.classNames == head.classNames, h.config.hidden == config.hidden,
              (h.config.lowChannels ?? 0) == (config.lowChannels ?? 0) else {
            throw bad("made for classes \(h.classNames), \(h.config.hidden) hidden and \(h.config.lowChannels ?? 0) low-level channels, this run has \(head.classNames), \(config.hidden) and \(config.lowChannels ?? 0)")
        }
        let count = try u32()
        var arrays: [[Float]] = []
        for _ in 0..<count {
            let n = try u32()
            guard n <= (data.count - pos) / 4 else { throw bad("truncated array") }
            var a = [Float](repeating: 0, count: n)
            a.withUnsafeMutableBytes { dst in
                data.subdata(in: data.startIndex + pos..<data.startIndex + pos + n * 4).copyBytes(to: dst)
            }
            pos += n * 4
            arrays.append(a)
        }
        let P = head.store.parameters.count, S = head.store.statistics.count
        guard arrays.count == P + 2 * S + 3 * P + 2 * S else { throw bad("holds \(arrays.count) arrays, expected \(5 * P + 4 * S)") }
        var i = 0
        func next(_ n: Int) throws -> [Float] {
            defer { i += 1 }
            guard arrays[i].count == n else { throw bad("array \(i) has \(arrays[i].count) values, expected \(n)") }
            return arrays[i]
        }
        for (_, p) in head.store.parameters { p.setValues(try next(p.count)) }
        for (_, s) in head.store.statistics { s.mean = try next(s.mean.count); s.variance = try next(s.variance.count) }
        for k in 0..<P { optimizer.m[k] = try next(head.store.parameters[k].value.count) }
        for k in 0..<P { optimizer.v[k] = try next(head.store.parameters[k].value.count) }
        for k in 0..<P { optimizer.ema[k] = try next(head.store.parameters[k].value.count) }
        for k in 0..<S { optimizer.emaMean[k] = try next(head.store.statistics[k].value.mean.count) }
        for k in 0..<S { optimizer.emaVar[k] = try next(head.store.statistics[k].value.mean.count) }
        optimizer.step = h.step
        history = h.history
    }
}
