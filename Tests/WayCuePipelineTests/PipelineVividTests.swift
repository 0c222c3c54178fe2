#if os(Linux)
import Foundation
import Testing
import WayCueCapture
import WayCueDetector
@testable import WayCuePipeline

/// The device `scripts/vivid-vm` sets (vivid's /dev/video0 inside the QEMU guest).
let vividDevice = ProcessInfo.processInfo.environment["WAYCUE_V4L2_DEVICE"]

/// Records the process's RSS when the pipeline has processed given frame counts.
final class RSSProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var processed = 0
    private(set) var samples: [Int: Int] = [:]
    let at: Set<Int>
    init(at: Set<Int>) { self.at = at }
    var observer: @Sendable (PipelineEvent) -> Void {
        { [self] event in
            guard case .frame = event else { return }
            lock.lock()
            processed += 1
            if at.contains(processed) { samples[processed] = ProcessMemory.residentBytes() }
            lock.unlock()
        }
    }
    func sample(_ n: Int) -> Int? { lock.lock(); defer { lock.unlock() }; return samples[n] }
}

/// The walking pipeline on a real V4L2 driver (vivid in the CI guest). Runs only when
/// WAYCUE_V4L2_DEVICE names a device; the name matches scripts/vivid-vm's `VividTests` filter.
@Suite(
    "PipelineVividTests: the live pipeline on a real V4L2 camera", .serialized,
    .enabled(if: vividDevice != nil, "WAYCUE_V4L2_DEVICE is unset; scripts/vivid-vm runs this against vivid"))
struct PipelineVividTests {
    /// 300 frames through capture, letterbox, a detector double that finds nothing
    /// (`NoDetectionsDetector`: vivid's test pattern has no ground truth) and the cue engine:
    /// RSS at frame 300 is within 8 MiB of frame 100, and the latencies are printed.
    @Test func threeHundredFramesWithoutMemoryGrowth() throws {
        var config = V4L2CaptureConfiguration(width: 320, height: 240, framesPerSecond: 30, preferredFormats: [.yuyv, .mjpeg, .nv12])
        config.frameTimeout = 10
        let camera = try V4L2Camera(path: vividDevice ?? "/dev/video0", configuration: config)
        var options = PipelineOptions()
        options.maxFrames = 300
        options.inputSize = 320
        let probe = RSSProbe(at: [100, 300])
        let pipeline = try Pipeline(source: camera, detector: NoDetectionsDetector(), options: options,
                                    observer: probe.observer)
        // Bounded: the guest is slow (TCG), but 300 frames must not take more than 4 minutes.
        DispatchQueue.global().asyncAfter(deadline: .now() + 240) { pipeline.stop() }
        let report = try pipeline.run()
        print("PipelineVividTests: \(report.endReason)\n\(report.stats.table())")
        #expect(report.endReason == .maxFrames)
        #expect(report.stats.framesProcessed == 300)
        #expect(report.stats.detectorErrors == 0 && report.stats.engineErrors == 0)
        let at100 = try #require(probe.sample(100)), at300 = try #require(probe.sample(300))
        print(String(format: "PipelineVividTests: RSS %.1f MiB at frame 100, %.1f MiB at frame 300",
                     Double(at100) / 1_048_576, Double(at300) / 1_048_576))
        #expect(at300 - at100 < 8 << 20, "RSS grew from \(at100) to \(at300) bytes between frames 100 and 300")
        #expect(report.stats[.frameToCue].count == 300 && report.stats[.decode].count >= 300)
    }
}
#endif
