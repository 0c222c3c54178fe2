import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN
import WayCueTraining

/// `waycue train`: trains the detector from a recipe into a run folder.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the WayCue detector from a recipe (CPU, resumable).",
        discussion: """
            Reads every dataset of the recipe (YOLO/data.yaml, VOC, COCO) through its class \
            mapping, samples them by their weights, augments (scale/crop/letterbox jitter, mosaic, \
            colour jitter, blur, noise, horizontal flip only where every class allows it) and \
            trains with AdamW, warm-up + cosine schedule, EMA weights and gradient clipping. \
            Seeded and reproducible for a given thread count.

            The run folder (--out) gets config.json, metrics.jsonl (one JSON object per epoch), \
            loss.png, map.png, samples.png, last.ckpt (every epoch, written atomically), \
            best.ckpt and MODEL_CARD.md. After a kill, --resume RUN continues from the last \
            completed epoch with the same result as an uninterrupted run.

            Progress (epoch, loss terms, images/s, ETA) goes to stderr: a bar on a terminal, \
            a line every 10 steps otherwise.

            Exit status: 0 when done, 2 on bad input (recipe, checkpoint, options).

            Examples:
              waycue train --recipe datasets/recipes/default-model.yaml --out runs/default
              waycue train --recipe datasets/recipes/default.yaml --epochs 3 --images-per-epoch 256 --out runs/smoke
              waycue train --resume runs/default

            Fine-tuning: --init-from M.wcm starts from a WayCue detector (fp32 or int8, the             bundled model included) of the same width instead of fresh weights; class rows are             matched by name and classes it lacks start fresh. Batch norm then runs on the             model's folded statistics. --freeze backbone+neck trains the heads only, which             keeps the features a paving mask head reads exactly as they were, so the old mask             head can be put back on the result (`waycue train-mask --head-from`).
              waycue train --recipe datasets/recipes/default-model.yaml --init-from default.wcm \
                --freeze backbone+neck --epochs 10 --lr 0.001 --out runs/street-ft
            """
    )

    @Option(name: .long, help: "Recipe file (datasets/recipes/*.yaml).")
    var recipe: String?

    @Option(name: .long, help: "Resume the run in this folder from its last.ckpt.")
    var resume: String?

    @Option(name: .long, help: "Epochs (when resuming: a new total).")
    var epochs: Int?

    @Option(name: .long, help: "Square input size (256-416 recommended).")
    var size: Int?

    @Option(name: .long, help: "Images per step.")
    var batch: Int?

    @Option(name: .long, help: "Backbone width: 0.5 or 1.0 (ShuffleNetV2).")
    var width: Double?

    @Option(name: .long, help: "Training images per epoch (default: the train split's size).")
    var imagesPerEpoch: Int?

    @Option(name: .long, help: "Validation images evaluated after each epoch (0: all).")
    var evalImages: Int?

    @Option(name: .long, help: "Peak learning rate.")
    var lr: Float?

    @Option(name: .long, help: "Linear warm-up steps.")
    var warmup: Int?

    @Option(name: .long, help: "Seed.")
    var seed: UInt64?

    @Option(name: .long, help: "Threads.")
    var threads: Int?

    @Option(name: .long, help: "Run folder (default runs/<recipe name>).")
    var out: String?

    @Option(name: .long, help: "Start from this WayCue detector's weights (.wcm, fp32 or int8) instead of fresh ones.")
    var initFrom: String?

    @Option(name: .long, help: "Keep part of the model fixed: none, backbone or backbone+neck (with --init-from).")
    var freeze: String?

    func validate() throws {
        guard (recipe == nil) != (resume == nil) else { throw ValidationError("give exactly one of --recipe and --resume") }
        if let size, !(64...1024).contains(size) || size % 32 != 0 { throw ValidationError("--size must be a multiple of 32 in 64...1024") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let freeze {
            guard let part = FrozenPart(rawValue: freeze) else {
                throw ValidationError("--freeze must be one of \(FrozenPart.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if part != .none && initFrom == nil { throw ValidationError("--freeze needs --init-from (frozen fresh weights learn nothing)") }
        }
        if (initFrom != nil || freeze != nil) && resume != nil {
            throw ValidationError("--init-from and --freeze start a run; a resumed run keeps its own")
        }
    }

    func run() async throws {
        let trainer: Trainer
        do {
            if let resume {
                trainer = try Trainer(config: TrainConfig(recipe: ""), runDirectory: resume, resume: true, overrideEpochs: epochs)
            } else {
                let path = URL(fileURLWithPath: recipe!).standardizedFileURL.path
                var c = TrainConfig(recipe: path)
                if let epochs { c.epochs = epochs }
                if let size { c.size = size }
                if let batch { c.batch = batch }
                if let width { c.width = width }
                if let imagesPerEpoch { c.imagesPerEpoch = imagesPerEpoch }
                if let evalImages { c.evalImages = evalImages == 0 ? nil : evalImages }
                if let lr { c.learningRate = lr }
                if let seed { c.seed = seed }
                if let warmup { c.warmupSteps = warmup }
                if let threads { c.threads = threads }
                if let initFrom {
                    c.initFrom = URL(fileURLWithPath: initFrom).standardizedFileURL.path
                    c.frozenBatchNorm = true
                }
                if let freeze { c.freeze = FrozenPart(rawValue: freeze) }
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                trainer = try Trainer(config: c, runDirectory: out ?? "runs/\(name)")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let m = trainer.model
        let graph = try m.exportGraph()
        let c = trainer.config
        FileHandle.standardError.write(Data("""
            model: \(m.config.classNames.count) classes \(m.config.classNames), input \(m.config.inputSize), \
            \(m.store.parameterCount) parameters, \(String(format: "%.3f", graph.flops / 1e9)) GFLOPs (2 x MACs)
            data: \(trainer.trainSamples.count) train images, \(trainer.validationSamples.count) val images; \
            \(trainer.stepsPerEpoch) steps of \(c.batch) per epoch, epochs \(trainer.epoch + 1)...\(c.epochs), run folder \(trainer.runDirectory)

            """.utf8))
        let tty = isatty(STDERR_FILENO) != 0
        do {
            try trainer.run { p in
                let line = String(format: "epoch %d/%d step %d/%d loss %.4f (qfl %.4f dfl %.4f giou %.4f) lr %.2e %.1f img/s ETA %@",
                                  p.epoch, p.epochs, p.step, p.steps, p.loss.total, p.loss.qfl, p.loss.dfl, p.loss.giou,
                                  p.learningRate, p.imagesPerSecond, ProgressBar.clock(p.etaSeconds))
                if tty {
                    FileHandle.standardError.write(Data(("\r" + line + "   " + (p.step == p.steps ? "\n" : "")).utf8))
                } else if p.step % 10 == 0 || p.step == p.steps {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
        } catch let e as TrainingError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(2)
        }
        if let last = trainer.history.last {
            print(String(format: "done: epoch %d, mAP50 %@, mAP50-95 %@, %.1f img/s; run folder %@", last.epoch,
                         last.map50.map { String(format: "%.3f", $0) } ?? "n/a", last.map50_95.map { String(format: "%.3f", $0) } ?? "n/a",
                         last.imagesPerSecond, trainer.runDirectory))
        }
    }
}

/// `waycue quantize`: int8 post-training quantization of a `.wcm` model.
struct QuantizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Int8 post-training quantization of a .wcm detector, calibrated on images.",
        discussion: """
            Runs the fp32 model on calibration images (a folder, searched recursively, or the \
            train split of a recipe), records each convolution's input range and quantizes the \
            dense convolutions (per-channel weights, per-tensor activations). The first and last \
            convolutions and depthwise ones stay fp32 (WayCueNN's int8 path). The range is the \
            largest |x| seen (--calibration max) or a percentile of |x| (--calibration percentile \
            --percentile 99.99), which clips rare outliers to give common values finer steps, or \
            the range whose 128-level quantization keeps the histogram of |x| closest in \
            Kullback-Leibler divergence (--calibration entropy, as TensorRT and ncnn do). It then reports how far the int8 head \
            output is from fp32 on up to 20 of the calibration images (max |difference| over max \
            |fp32 output|); `waycue eval` on both models gives the accuracy drop.

            Examples:
              waycue quantize --model default.wcm --recipe datasets/recipes/default.yaml --out default-int8.wcm
              waycue quantize --model m.wcm --calib frames/ --images 200 --out m-int8.wcm
              waycue quantize --model m.wcm --calib frames/ --calibration percentile --percentile 99.99 --out m-int8.wcm
              waycue quantize --model m.wcm --calib frames/ --calibration entropy --out m-int8.wcm
            """
    )

    @Option(name: .long, help: "fp32 .wcm model.")
    var model: String

    @Option(name: .long, help: "Folder of calibration images.")
    var calib: String?

    @Option(name: .long, help: "Recipe whose train split calibrates.")
    var recipe: String?

    @Option(name: .long, help: "Calibration images to use.")
    var images: Int = 200

    @Option(name: .long, help: "Output .wcm file.")
    var out: String

    @Option(name: .long, help: "Activation range: max, percentile or entropy.")
    var calibration: String = "max"

    @Option(name: .long, help: "With --calibration percentile: the percentile of |x| kept unclipped.")
    var percentile: Double = 99.99

    func run() async throws {
        guard (calib == nil) != (recipe == nil) else { throw ValidationError("give exactly one of --calib and --recipe") }
        let method: CalibrationMethod
        switch calibration {
        case "max": method = .max
        case "percentile":
            guard percentile > 0 && percentile <= 100 else { throw ValidationError("--percentile must be in (0, 100], got \(percentile)") }
            method = .percentile(percentile)
        case "entropy": method = .entropy
        default: throw ValidationError("--calibration must be max, percentile or entropy, got '\(calibration)'")
        }
        do {
            let graph = try ModelFile.load(path: model)
            let detector = try Detector(model: graph)
            var paths: [String]
            if let calib {
                let exts: Set<String> = ["jpg", "jpeg", "png"]
                let e = FileManager.default.enumerator(atPath: calib)
                paths = []
                while let f = e?.nextObject() as? String {
                    if exts.contains((f as NSString).pathExtension.lowercased()) { paths.append(calib + "/" + f) }
                }
                paths.sort()
            } else {
                paths = try Recipe.load(path: recipe!).loadDataset().samples(inSplit: "train").map(\.imagePath)
            }
            guard !paths.isEmpty else { throw TrainingError.noData("no calibration images") }
            let picked = (0..<min(images, paths.count)).map { paths[$0 * paths.count / min(images, paths.count)] }
            var samples: [Tensor] = []
            let shape = graph.values[graph.inputs[0]].shape
            for p in picked {
                guard let img = try? Image(contentsOfFile: p, as: .rgb8) else { continue }
                let boxed = img.letterboxed(toWidth: detector.inputWidth, height: detector.inputHeight).image
                let t = Tensor(shape: shape)
                let plane = shape.h * shape.w
                for y in 0..<shape.h {
                    for x in 0..<shape.w {
                        let o = y * boxed.stride + x * 3
                        for ch in 0..<3 { t.data[ch * plane + y * shape.w + x] = Float(boxed.pixels[o + ch]) }
                    }
                }
                samples.append(t)
            }
            let runner = try GraphRunner(graph: graph, threads: 2)
            let n = try runner.calibrateInt8(samples: samples, method: method)
            // How far int8 moved the head output from fp32, on a few calibration images.
            let fp = try GraphRunner(graph: graph, threads: 2, precision: .fp32)
            let q = try GraphRunner(graph: graph, threads: 2, precision: .int8)
            var errors: [Double] = []
            for sample in samples.prefix(20) {
                try fp.run(sample)
                try q.run(sample)
                let count = fp.outputs[0].shape.count
                var maxRef: Float = 0, maxDiff: Float = 0
                for k in 0..<count {
                    maxRef = max(maxRef, abs(fp.outputs[0].data[k]))
                    maxDiff = max(maxDiff, abs(fp.outputs[0].data[k] - q.outputs[0].data[k]))
                }
                if maxRef > 0 { errors.append(Double(maxDiff / maxRef)) }
            }
            try ModelFile.save(graph, to: out)
            let methodText = switch method {
            case .max: "max"
            case .percentile(let p): "percentile \(p)"
            case .entropy: "entropy"
            }
            print("wrote \(out): \(n) convolutions int8, calibrated (\(methodText)) on \(samples.count) images")
            if !errors.isEmpty {
                print(String(format: "int8 vs fp32 head output on %d images: median relative error %.4f, worst %.4f",
                             errors.count, errors.sorted().sortedMedian, errors.max() ?? 0))
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
