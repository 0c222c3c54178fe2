import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WayCueImage
import WayCueSynth

/// `waycue bench synth`: frames per second of the synthetic renderer on one thread.
struct SynthBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Frames per second of the synthetic renderer at 320x240 on one thread.",
        discussion: """
            Renders walk frames (ground painted once, then frames along the walk) and, \
            separately, whole random training images (scene painting plus frame), and prints \
            the median over repeated runs. Build in release mode for meaningful figures.

            Examples:
              swift build -c release --product waycue
              .build/release/waycue bench synth
              .build/release/waycue bench synth --walk datasets/walks/demo.walk --json
            """
    )

    @Option(help: "A .walk file to render (default: a built-in walk like the demo).") var walk: String?
    @Option(help: "Frame size WxH.") var size: String = "320x240"
    @Option(help: "Frames per run.") var frames: Int = 200
    @Option(help: "Runs (the median is reported).") var runs: Int = 5
    @Option(help: "Random images per run for the training-image figure.") var images: Int = 20
    @Flag(help: "Print JSON.") var json = false

    static let builtInWalk = """
        name bench
        seed 42
        paving straight 8m
        paving bend left 20deg over 4m
        paving straight 6m
        obstacle cone at x=0.6 y=14
        obstacle bollard at x=-1.5 y=6
        obstacle pole at x=1.4 y=10
        paving straight 4m
        crossing road 8m width 4m
        light ped red for 24s then green for 12s then flashing 4s countdown
        light vehicle green for 20s then yellow for 3s then red for 17s
        paving straight 6m
        noise 2
        """

    /// CPU time of the calling thread, immune to other processes sharing the machine.
    static func threadCPUSeconds() -> Double { threadCPUMicroseconds() / 1e6 }

    func run() async throws {
        let (w, h) = try parseSynthSize(size)
        let script: WalkScript
        do {
            script = try walk.map { try WalkScript(contentsOfFile: $0) } ?? WalkScript(parsing: Self.builtInWalk, source: "built-in")
        } catch { throw SynthCommandError.io("\(error)") }
        let world = WalkWorld(script: script, imageWidth: w, imageHeight: h)
        let fps = Double(frames) / max(1, world.duration)
        var walkRates: [Double] = [], walkCPURates: [Double] = []
        var checksum = 0
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpu0 = Self.threadCPUSeconds()
            for i in 0..<max(1, frames) {
                let (frame, _) = world.frame(index: i, fps: fps)
                checksum &+= Int(frame.image.pixels[i % frame.image.pixels.count])
            }
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            walkRates.append(Double(frames) / secs)
            walkCPURates.append(Double(frames) / max(1e-9, Self.threadCPUSeconds() - cpu0))
        }
        var camera = CameraModel.chestDefault
        camera.imageWidth = w; camera.imageHeight = h
        var imageRates: [Double] = [], imageCPURates: [Double] = []
        for r in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpu0 = Self.threadCPUSeconds()
            for i in 0..<max(1, images) {
                let (frame, _) = SynthSceneGenerator.render(seed: UInt64(r * 1000 + i), camera: camera)
                checksum &+= frame.labels.count
            }
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            imageRates.append(Double(images) / secs)
            imageCPURates.append(Double(images) / max(1e-9, Self.threadCPUSeconds() - cpu0))
        }
        func median(_ v: [Double]) -> Double { v.sorted().sortedMedian }
        if json {
            let obj: [String: Any] = ["size": size, "walk_frames_per_second": median(walkRates),
                                      "walk_frames_per_cpu_second": median(walkCPURates),
                                      "random_images_per_second": median(imageRates),
                                      "random_images_per_cpu_second": median(imageCPURates), "runs": runs, "frames": frames,
                                      "images": images, "threads": 1, "checksum": checksum]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "walk frames  %@: median %.1f frames/s wall, %.1f frames per CPU-second, over %d runs of %d frames (1 thread)",
                         size, median(walkRates), median(walkCPURates), runs, frames))
            print(String(format: "random images %@: median %.1f images/s wall, %.1f per CPU-second, over %d runs of %d (scene painting + frame)",
                         size, median(imageRates), median(imageCPURates), runs, images))
        }
    }
}
