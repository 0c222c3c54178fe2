import ArgumentParser
import Foundation
import WayCueImage
import WayCueNN
import WayCueTraining
#if canImport(Glibc)
import Glibc
#endif

/// `waycue bench train`: training throughput (images/s) of the detector on synthetic batches.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput of the detector (images/s; forward + backward + AdamW/EMA).",
        discussion: """
            Times full optimisation steps on seeded synthetic images with random boxes (no \
            decoding or augmentation, which `waycue train` reports separately as part of its \
            images/s). Prints the median over the timed steps after one warm-up step, with the \
            parameter count and GFLOPs (2 x MACs, inference) of the configuration.

            Examples:
              waycue bench train --size 320 --width 1.0 --batch 16 --threads 2
              waycue bench train --width 0.5 --steps 5 --json
            """)

    @Option(help: "Input size.") var size = 320
    @Option(help: "Backbone width (0.5 or 1.0).") var width = 1.0
    @Option(help: "Neck/head channels (default by width).") var neck: Int?
    @Option(help: "Images per step.") var batch = 16
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Timed steps.") var steps = 5
    @Option(help: "Classes.") var classes = 7
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let mc = ModelConfig(classNames: (0..<classes).map { "c\($0)" }, inputSize: size, width: width, neckChannels: neck)
        let model = DetectorModel(config: mc, seed: 1)
        let optimizer = AdamW(store: model.store)
        let loss = DetectionLoss(decoder: mc.decoder)
        let pool = ThreadPool(threads: threads)
        setBLASThreads(1)
        let priors = Prior.all(mc.decoder, width: size, height: size)
        var cfg = TrainConfig(recipe: "")
        cfg.threads = threads
        var rng = SplitMix64(seed: 3)
        let samples = (0..<batch).map { _ -> AugmentedSample in
            var img = Image(width: size, height: size, format: .rgb8)
            for i in 0..<img.pixels.count { img.pixels[i] = UInt8(truncatingIfNeeded: rng.next()) }
            let targets = (0..<3).map { _ -> TargetBox in
                let w = rng.nextFloat(in: 10...Float(size / 2)), h = rng.nextFloat(in: 10...Float(size / 2))
                let x = rng.nextFloat(in: 0...(Float(size) - w)), y = rng.nextFloat(in: 0...(Float(size) - h))
                return TargetBox(box: Box(x1: x, y1: y, x2: x + w, y2: y + h), classIndex: Int(rng.next() % UInt64(classes)))
            }
            return AugmentedSample(image: img, targets: targets)
        }
        var times: [Double] = []
        for k in 0...steps {
            let t0 = monotonicSeconds()
            _ = try TrainingStep.run(model: model, optimizer: optimizer, loss: loss, priors: priors, pool: pool,
                                     samples: samples, learningRate: 1e-4, config: cfg)
            if k > 0 { times.append(monotonicSeconds() - t0) }
        }
        times.sort()
        let median = times[times.count / 2]
        let gflops = try model.exportGraph().flops / 1e9
        let ips = Double(batch) / median
        if json {
            print(#"{"size": \#(size), "width": \#(width), "neck": \#(mc.neckChannels), "batch": \#(batch), "threads": \#(threads), "parameters": \#(model.store.parameterCount), "gflops": \#(String(format: "%.4f", gflops)), "median_step_s": \#(String(format: "%.4f", median)), "images_per_second": \#(String(format: "%.2f", ips)), "blas_core": "\#(BLASInfo.coreName)"}"#)
        } else {
            print(String(format: "size %d width %.2f neck %d batch %d threads %d: %d parameters, %.3f GFLOPs; median step %.3f s = %.2f images/s (BLAS %@)",
                         size, width, mc.neckChannels, batch, threads, model.store.parameterCount, gflops, median, ips, BLASInfo.coreName))
        }
    }
}
