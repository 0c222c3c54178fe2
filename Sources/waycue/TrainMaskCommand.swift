import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN
import WayCueTraining

/// `waycue train-mask`: trains a dense paving/crossing mask head on a frozen detector and writes
/// the detector with the head attached.
struct TrainMaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-mask",
        abstract: "Train a tactile-paving / crosswalk mask head on a frozen detector.",
        discussion: """
            The detector (--model, default: the bundled model) is frozen: it computes the stride-8 \
            neck features (and the stride-4 stem output, which the head's own low-level branch \
            reads) of every training view once, and only the small mask head is trained on them, \
            so the detector's boxes are unchanged. The result, RUN/model.wcm, is the same \
            detector with one more output, `waycue_mask stride=8 classes=...`: one forward pass \
            gives boxes and masks (`waycue detect --mask-out`, `Detector.analyze`).

            Data: folders holding `images/` with `masks/` beside them (grey PNGs at the image's \
            size: 0 background, 1 tactile_guide, 2 tactile_warning, 3 crosswalk, 255 ignored), \
            the layout `waycue synth images` writes. Each --data DIR uses DIR/train (or DIR itself); \
            validation uses every --valid DIR, or else each DIR/valid.

            RUN holds mask.ckpt (every epoch, atomic; --resume continues from it), metrics.jsonl, \
            loss.png, model.wcm and mask-iou.json (pixel IoU per class on each validation folder).

            Example:
              waycue synth images --count 3000 --out datasets/generated/paving
              waycue train-mask --data datasets/generated/paving --out runs/mask
              waycue eval --data datasets/generated/paving/valid --model runs/mask/model.wcm
            """)

    @Option(help: "Detector to train the head for (.wcm; default: the bundled model).")
    var model: String?
    @Option(help: "Training data folder (see above; repeatable).")
    var data: [String]
    @Option(help: "Validation folder (repeatable; default DATA/valid).")
    var valid: [String] = []
    @Option(help: "Run folder.")
    var out: String
    @Option(help: "Epochs over the cached views.") var epochs = 24
    @Option(help: "Views per batch.") var batch = 32
    @Option(help: "Views per training image (image, mirror, then random crops).") var views = 2
    @Option(help: "Channels inside the head.") var hidden = 64
    @Option(help: "Channels of the head's own branch on the detector's stride-4 stem output (0: read the neck only).")
    var lowChannels = 32
    @Option(help: "Colour jitter on every view but the first (on|off): hue, saturation, brightness, contrast.")
    var colourJitter: Switch = .on
    @Option(help: "Largest hue rotation of the colour jitter, degrees (180: any hue).") var hueJitter: Float = 40
    @Option(help: "Fraction of jittered views turned grey.") var greyscale: Float = 0
    @Option(help: "Peak learning rate.") var lr: Float = 3e-3
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Train on at most this many images.") var maxImages: Int?
    @Option(help: "Classes of the head (comma-separated, from tactile_guide,tactile_warning,crosswalk).")
    var classes = MaskLabels.classNames.joined(separator: ",")
    @Flag(help: "Continue the run in --out from its mask.ckpt.") var resume = false
    @Option(help: ArgumentHelp("Start from the mask head attached to this model (.wcm) instead of a fresh head.",
                               discussion: "With --epochs 0 the head is put on --model unchanged: for a detector fine-tuned with `waycue train --freeze backbone+neck`, whose mask features are computed with the weights of the model the head came from (checked: other weights are an error; int8 input scales from another calibration are reported). The mask IoU on the --valid folders then shows whether the head still fits."))
    var headFrom: String?

    func validate() throws {
        guard epochs >= 0 else { throw ValidationError("--epochs must not be negative") }
        if epochs == 0 && headFrom == nil && !resume {
            throw ValidationError("--epochs 0 trains nothing: it only makes sense with --head-from or --resume")
        }
    }

    func run() async throws {
        var cfg = MaskTrainConfig()
        cfg.epochs = max(epochs, 1); cfg.batch = batch; cfg.views = views; cfg.hidden = hidden
        cfg.learningRate = lr; cfg.threads = threads; cfg.maxImages = maxImages
        cfg.lowChannels = lowChannels
        cfg.colourJitter = colourJitter == .on
        cfg.hueJitterDegrees = hueJitter
        cfg.greyscaleFraction = greyscale
        let graph: Graph
        if let model { graph = try ModelFile.load(path: model) } else { graph = try Detector.default().graph }
        let trainer = try MaskHeadTrainer(detector: graph, config: cfg,
                                          classNames: classes.split(separator: ",").map(String.init))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let ckpt = out + "/mask.ckpt"
        var start = 0
        if let headFrom {
            guard !resume else { throw ValidationError("--head-from starts a run; --resume continues one") }
            let source = try ModelFile.load(path: headFrom)
            try trainer.startHead(from: source)
            var values = [trainer.featureValue]
            if let low = trainer.lowValue { values.append(low) }
            guard let diff = MaskHead.featureDifference(source, graph, values: values) else {
                throw ValidationError("\(headFrom) and the detector compute the mask head's features with different layers")
            }
            print(String(format: "mask head from %@; in the layers it reads, largest weight difference %.3g, int8 input scales up to %.1f%% apart (calibration; quantisation noise only)",
                         headFrom, diff.weights, 100 * diff.inputScales))
            if epochs == 0 && diff.weights > 1e-4 {
                throw ValidationError("the detector computes the mask head's features with other weights than \(headFrom) (largest difference \(diff.weights)); train the head (--epochs N) instead of reusing it")
            }
        }
        if resume {
            try trainer.restore(from: ckpt)
            start = trainer.history.count
            print("resuming after epoch \(start) of \(epochs)")
        } else {
            try? FileManager.default.removeItem(atPath: out + "/metrics.jsonl")
        }

        let fm = FileManager.default
        var pairs: [(image: String, mask: String)] = []
        for d in data {
            var isDir: ObjCBool = false
            let root = fm.fileExists(atPath: d + "/train", isDirectory: &isDir) && isDir.boolValue ? d + "/train" : d
            let found = MaskLabels.pairs(under: root)
            guard !found.isEmpty else {
                throw ValidationError("no images with masks under \(root) (expected images/NAME.jpg with masks/NAME.png beside)")
            }
            pairs += found
        }
        if let m = maxImages, pairs.count > m { pairs = Array(pairs.prefix(m)) }
        let validRoots = valid.isEmpty ? data.map { $0 + "/valid" }.filter { fm.fileExists(atPath: $0) } : valid
        let validPairs = validRoots.flatMap { MaskLabels.pairs(under: $0) }

        if start >= epochs {
            // Nothing to train: write the checkpoint's (EMA) head without extracting features.
            print("no epochs left (\(start) done, --epochs \(epochs)): writing the model from the checkpoint")
        } else {
            try trainEpochs(trainer, pairs: pairs, validPairs: validPairs, start: start, ckpt: ckpt)
        }

        let attached = try trainer.attachedGraph()
        try ModelFile.save(attached, to: out + "/model.wcm")
        print("wrote \(out)/model.wcm")
        var reports: [String: MaskIoUReport] = [:]
        let detector = try Detector(model: attached, threads: threads)
        for root in validRoots {
            let r = try MaskEvaluation.evaluate(detector: detector, pairs: MaskLabels.pairs(under: root))
            reports[root] = r
            print("pixel IoU on \(root) (\(r.images) images): " + r.perClass.map {
                "\($0.name) " + ($0.iou.map { String(format: "%.3f", $0) } ?? "-")
            }.joined(separator: ", "))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(reports).write(to: URL(fileURLWithPath: out + "/mask-iou.json"))
    }

    /// Extracts the training and validation features, then trains epochs `start + 1...epochs`,
    /// writing the checkpoint, metrics and loss plot after each.
    private func trainEpochs(_ trainer: MaskHeadTrainer, pairs: [(image: String, mask: String)],
                             validPairs: [(image: String, mask: String)], start: Int, ckpt: String) throws {
        let fm = FileManager.default
        print("extracting features: \(pairs.count) training images x \(views) views, \(validPairs.count) validation images")
        let bar = ProgressBar(total: pairs.count, label: "features")
        let t0 = monotonicSeconds()
        let trainCache = try trainer.extractFeatures(pairs: pairs, views: views) { done, total in
            bar.update(done)
            if isatty(STDERR_FILENO) == 0, done % 250 == 0 || done == total {
                print(String(format: "  features %d/%d (%.0f s)", done, total, monotonicSeconds() - t0))
                fflush(nil)  // progress reaches a log file as it happens
            }
        }
        bar.finish()
        let validCache = validPairs.isEmpty ? nil : try trainer.extractFeatures(pairs: validPairs, views: 1)
        for s in trainCache.skipped + (validCache?.skipped ?? []) { print("skipped \(s)") }
        print(String(format: "features ready in %.0f s: %d training views, %d validation views", monotonicSeconds() - t0,
                     trainCache.count, validCache?.count ?? 0))

        let steps = max(1, trainCache.count / min(batch, max(trainCache.count, 1)))
        let stepBar = ProgressBar(total: (epochs - start) * steps, label: "train-mask")
        let startEpoch = start
        try trainer.train(trainCache, valid: validCache, startEpoch: start, onEpoch: { m in
            try trainer.writeCheckpoint(to: ckpt)
            let line = try JSONEncoder().encode(m)
            if let h = FileHandle(forWritingAtPath: out + "/metrics.jsonl") ?? {
                _ = fm.createFile(atPath: out + "/metrics.jsonl", contents: nil); return FileHandle(forWritingAtPath: out + "/metrics.jsonl")
            }() {
                h.seekToEndOfFile(); h.write(line); h.write(Data("\n".utf8)); try? h.close()
            }
            try TrainMaskCommand.plot(trainer.history, to: out + "/loss.png")
            let ious = m.validCellIoU.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ")
            print(String(format: "epoch %d/%d  loss %.4f  valid %@  cell IoU: %@  (%.0f s)", m.epoch, epochs, m.trainLoss,
                         m.validLoss.map { String(format: "%.4f", $0) } ?? "-", ious, m.seconds))
            fflush(nil)
        }, progress: { e, s, n, _ in stepBar.update((e - 1 - startEpoch) * n + s) })
        stepBar.finish()

    }

    /// An on/off option value.
    enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }

    static func plot(_ h: [MaskEpochMetrics], to path: String) throws {
        var series: [(name: String, color: PixelColor, values: [Double])] = [("train loss", .blue, h.map(\.trainLoss))]
        if h.contains(where: { $0.validLoss != nil }) {
            series.append(("valid loss", .red, h.map { $0.validLoss ?? .nan }))
        }
        try TrainingCharts.lineChart(title: "mask head loss", series: series).write(to: path)
    }
}
