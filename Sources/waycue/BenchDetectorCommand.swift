import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage
import WayCueNN

/// `waycue bench detector`: end-to-end latency of `Detector.analyze` (detections, and the mask
/// when the model has a mask head) on one image.
struct BenchDetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Latency of Detector.analyze (letterbox + graph + decode + NMS + mask), median/p90 ms.",
        discussion: """
            Runs a .wcm detector (fp32, or int8 when the file holds int8 weights) on one image \
            repeatedly and prints the median and 90th percentile of the whole call: detections, \
            plus the mask for a model with a mask head (the graph runs the head either way).

            Examples:
              waycue bench detector --model m.wcm --image photo.jpg --threads 1
              waycue bench detector --model m-int8.wcm --threads 2 --runs 100 --json
            """)

    @Option(help: ".wcm model.") var model: String
    @Option(help: "Image (default: a 640x480 grey frame).") var image: String?
    @Option(help: "Threads.") var threads = 1
    @Option(help: "Timed runs.") var runs = 50
    @Option(help: "Warm-up runs.") var warmup = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let detector = try Detector(modelPath: model, threads: threads)
        let img = try image.map { try Image(contentsOfFile: $0, as: .rgb8) } ?? Image(width: 640, height: 480, format: .rgb8, fill: 100)
        for _ in 0..<warmup { _ = try detector.analyze(img) }
        var t: [Double] = []
        for _ in 0..<max(1, runs) {
            let t0 = monotonicSeconds()
            _ = try detector.analyze(img)
            t.append((monotonicSeconds() - t0) * 1000)
        }
        t.sort()
        let med = t.sortedMedian, p90 = t.sortedQuantile(0.9)
        let int8 = detector.isQuantized
        if json {
            print(#"{"model": "\#(model)", "precision": "\#(int8 ? "int8" : "fp32")", "input": \#(detector.inputWidth), "threads": \#(threads), "median_ms": \#(String(format: "%.2f", med)), "p90_ms": \#(String(format: "%.2f", p90))}"#)
        } else {
            print(String(format: "%@ (%@, %dx%d, %d threads): median %.2f ms, p90 %.2f ms", model, int8 ? "int8" : "fp32",
                         detector.inputWidth, detector.inputHeight, threads, med, p90))
        }
    }
}
