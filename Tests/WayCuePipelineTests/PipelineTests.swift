import Foundation
import Testing
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCueProfiles
@testable import WayCuePipeline

@Suite struct HistogramTests {
    @Test func percentilesAreWithinTheBucketPrecision() {
        var h = LatencyHistogram()
        var values: [Double] = []
        var x: UInt64 = 12345
        for _ in 0..<5_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let v = 0.0005 + Double(x >> 11) / Double(1 << 53) * 0.2  // 0.5 ms ... 200 ms
            values.append(v)
            h.record(v)
        }
        values.sort()
        for p in [1.0, 50, 90, 99, 100] {
            let exact = values[max(0, Int((p / 100 * Double(values.count)).rounded(.up)) - 1)]
            let got = try! #require(h.percentile(p))
            #expect(abs(got - exact) / exact < 0.02, "p\(p): \(got) vs \(exact)")
        }
        #expect(h.count == 5_000)
        #expect(h.minimum == values.first && h.maximum == values.last)
    }

    @Test func emptyAndInvalidValues() {
        var h = LatencyHistogram()
        #expect(h.median == nil && h.mean == nil)
        h.record(-1)
        h.record(.nan)
        h.record(.infinity)
        #expect(h.count == 0)
        h.record(0)
        h.record(5_000)  // beyond the range: counted in the last bucket, max exact
        #expect(h.count == 2 && h.maximum == 5_000 && h.percentile(100) == 5_000 && h.percentile(1) == 0)
        var other = LatencyHistogram()
        other.record(0.01)
        h.merge(other)
        #expect(h.count == 3)
    }
}

@Suite struct PipelineBehaviourTests {
    @Test func liveModeDropsStaleFramesAndNeverOverlapsInference() throws {
        let source = GeneratedSource(count: 200, interval: 0.002)
        let detector = SlowDetector(delay: 0.02)
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 64
        let pipeline = try Pipeline(source: source, detector: detector, options: options, observer: log.observer)
        let report = try pipeline.run()
        let s = report.stats
        #expect(report.endReason == .sourceEnded)
        #expect(s.framesCaptured == 200)
        #expect(s.framesDropped > 0)
        #expect(s.framesProcessed + s.framesDropped == s.framesCaptured)
        #expect(detector.overlaps == 0)
        #expect(detector.sizes == [[64, 64]])
        // Frames are processed in order, newest first after a drop: sequences strictly increase.
        let seqs = log.processed.map(\.sequence)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(seqs.last == 199)  // the last frame is never dropped
        #expect(s[.inference].count == s.framesProcessed)
        #expect(s[.frameToCue].count == s.framesProcessed)
        #expect((s[.inference].median ?? 0) >= 0.02)
        #expect(s.table().contains("frame_to_cue"))
    }

    @Test func detectionRateCapDropsFramesInBetween() throws {
        // Frames every 5 ms for about 1 s; detection capped at 20 per second.
        let source = GeneratedSource(count: 200, interval: 0.005)
        var options = PipelineOptions()
        options.inputSize = 0
        options.maxDetectionsPerSecond = 20
        let report = try Pipeline(source: source, detector: SlowDetector(delay: 0), options: options).run()
        let s = report.stats
        #expect(s.framesCaptured == 200)
        let fps = try #require(s.processedFramesPerSecond)
        #expect(fps <= 21, "processed \(fps) frames/s with a cap of 20")
        #expect(s.framesProcessed < 60 && s.framesDropped > 100)
    }

    @Test func boxesAreMappedBackToFramePixels() throws {
        // 64x48 letterboxed to 128: scale 2, vertical padding 16 px.
        let source = GeneratedSource(count: 3)
        let detector = SlowDetector(delay: 0, box: Box(x1: 10, y1: 36, x2: 30, y2: 56))
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 128
        options.mode = .everyFrame
        _ = try Pipeline(source: source, detector: detector, options: options, observer: log.observer).run()
        let d = try #require(log.processed.first?.detections.first)
        #expect(d.box == Box(x1: 5, y1: 10, x2: 15, y2: 20))
        #expect(log.processed.first?.image.width == 64)
    }

    @Test func everyFrameModeIsDeterministicAndTicksOnTheFootageClock() throws {
        func once() throws -> ([Double], PipelineStats) {
            let log = EventLog()
            var options = PipelineOptions()
            options.mode = .everyFrame
            options.tailSeconds = 2
            // 10 frames at 0.1 s, then nothing: the tail ticks must say "camera paused".
            let report = try Pipeline(source: GeneratedSource(count: 10), detector: SlowDetector(delay: 0),
                                      options: options, observer: log.observer).run()
            return (log.cues.filter { $0.message.key == "system.camera.paused" }.map(\.timestamp), report.stats)
        }
        let (a, s) = try once()
        let (b, _) = try once()
        #expect(a == b && a.count == 1)
        #expect(a.first.map { $0 > 1.9 && $0 < 2.1 + 1e-9 } == true)  // last frame 0.9 s + 1 s pause
        #expect(s.framesDropped == 0 && s.framesProcessed == 10 && s.ticks == 20)
    }

    @Test func watchdogSaysCameraPausedWhenFramesStop() throws {
        // 5 frames, then the source blocks for 1.6 s: the watchdog's ticks fire "camera paused"
        // (engine: 1 s without frames), then frames resume ("camera back").
        let source = GeneratedSource(count: 10, interval: 0.05, stallAfter: 5, stallSeconds: 1.6)
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 0
        let report = try Pipeline(source: source, detector: SlowDetector(delay: 0), options: options,
                                  observer: log.observer).run()
        let keys = log.cues.map(\.message.key)
        #expect(keys.contains("system.camera.paused"))
        #expect(keys.firstIndex(of: "system.camera.paused")! < (keys.firstIndex(of: "system.camera.resumed") ?? .max))
        #expect(report.stats.ticks > 10)
    }

    @Test func slowInferenceSaysVisionLagging() throws {
        // Detection takes 0.6 s, longer than the engine's 0.5 s lag limit.
        let source = GeneratedSource(count: 4, interval: 0.05)
        let log = EventLog()
        var options = PipelineOptions()
        options.inputSize = 0
        _ = try Pipeline(source: source, detector: SlowDetector(delay: 0.6), options: options,
                         observer: log.observer).run()
        #expect(log.cues.map(\.message.key).contains("system.vision.lagging"))
    }

    @Test func stopFlushesSinksAndReportsStopped() throws {
        let source = GeneratedSource(count: 1_000_000, interval: 0.005)
        let sink = FinishRecordingSink()
        let pipeline = try Pipeline(source: source, detector: SlowDetector(delay: 0.001), sinks: [sink])
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { pipeline.stop() }
        let report = try pipeline.run()
        #expect(report.endReason == .stopped)
        #expect(sink.finished == 1)
        #expect(source.isClosed)
        #expect(report.stats.framesProcessed > 0)
        #expect(throws: PipelineError.alreadyRun) { try pipeline.run() }
    }

    @Test func maxFramesStopsTheRun() throws {
        var options = PipelineOptions()
        options.maxFrames = 7
        let report = try Pipeline(source: GeneratedSource(count: 1000, interval: 0.001),
                                  detector: SlowDetector(delay: 0.002), options: options).run()
        #expect(report.endReason == .maxFrames)
        #expect(report.stats.framesProcessed == 7)
    }

    @Test func invalidOptionsAreTypedErrors() {
        var options = PipelineOptions()
        options.inputSize = 5
        #expect(throws: PipelineError.self) { try Pipeline(source: GeneratedSource(count: 1), detector: NoDetectionsDetector(), options: options) }
        options = PipelineOptions()
        options.language = "xx"
        #expect(throws: PipelineError.self) { try Pipeline(source: GeneratedSource(count: 1), detector: NoDetectionsDetector(), options: options) }
        options = PipelineOptions()
        options.maxFrames = 0
        #expect(throws: PipelineError.invalidOption(name: "maxFrames", reason: "must be at least 1, got 0")) {
            try options.validate()
        }
    }

    @Test func captureFailureEndsTheRunWithItsReason() throws {
        final class Failing: FrameSource, @unchecked Sendable {
            let name = "failing"
            func next() throws -> Frame? { throw CaptureError.io(path: "/dev/video9", reason: "unplugged") }
            func close() {}
        }
        let report = try Pipeline(source: Failing(), detector: NoDetectionsDetector()).run()
        guard case let .captureFailed(reason) = report.endReason else {
            Issue.record("expected a capture failure, got \(report.endReason)")
            return
        }
        #expect(reason.contains("unplugged"))
    }

    #if canImport(Glibc)
    @Test func shutdownSignalsCallTheHandler() async throws {
        let received = EventCounter()
        let signals = ShutdownSignals(signals: [SIGUSR2]) { number, count in received.add(number, count) }
        kill(getpid(), SIGUSR2)
        for _ in 0..<100 where received.value.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        signals.cancel()
        #expect(received.value.first?.0 == SIGUSR2 && received.value.first?.1 == 1)
    }

    @Test func systemdGetsReadyAndWatchdogWhileFramesFlow() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wcp-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0)
        var options = PipelineOptions()
        options.systemd = SystemdNotifier(socketPath: path)
        options.systemdWatchdogInterval = 0.1
        _ = try Pipeline(source: GeneratedSource(count: 40, interval: 0.01), detector: SlowDetector(delay: 0),
                         options: options).run()
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard n > 0 else { break }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        #expect(messages.first?.hasPrefix("READY=1") == true)
        #expect(messages.contains("WATCHDOG=1"))
        #expect(messages.last == "STOPPING=1")
    }
    #endif
}

final class EventCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int32, Int)] = []
    func add(_ s: Int32, _ c: Int) { lock.lock(); items.append((s, c)); lock.unlock() }
    var value: [(Int32, Int)] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite struct ProcessMemoryTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/status"), "needs Linux /proc"))
    func residentMemoryIsReadAndGrowsWithAllocation() throws {
        let before = try #require(ProcessMemory.residentBytes())
        let peak = try #require(ProcessMemory.peakResidentBytes())
        #expect(before > 1_000_000 && peak >= before)
        var block = [UInt8](repeating: 1, count: 64 << 20)
        block[12345] = 2
        let after = try #require(ProcessMemory.residentBytes())
        #expect(after - before > 32 << 20, "RSS \(before) -> \(after) after touching 64 MiB")
        #expect(block[12345] == 2)
    }
}

@Suite struct StatsFormattingTests {
    @Test func jsonAndTableCarryEveryStage() throws {
        var stats = PipelineStats()
        stats.framesCaptured = 10
        stats.framesProcessed = 8
        stats.framesDropped = 2
        stats.processingSpanSeconds = 0.7
        for v in [0.010, 0.012, 0.011, 0.050] { stats.histograms[.frameToCue, default: LatencyHistogram()].record(v) }
        let data = try JSONEncoder().encode(stats)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["frames_dropped"] as? Int == 2)
        #expect(abs((object["processed_fps"] as? Double ?? 0) - 10) < 1e-9)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == PipelineStage.allCases.map(\.rawValue))
        let f2c = try #require(stages.first { $0["stage"] as? String == "frame_to_cue" })
        #expect(f2c["count"] as? Int == 4)
        #expect(abs((f2c["maxMs"] as? Double ?? 0) - 50) < 0.01)
        let back = try JSONDecoder().decode(PipelineStats.self, from: data)
        #expect(back.framesProcessed == 8 && back.framesDropped == 2)
        let table = stats.table()
        #expect(table.split(separator: "\n").count == PipelineStage.allCases.count + 2)
        #expect(table.contains("8 processed, 2 dropped stale"))
    }
}
