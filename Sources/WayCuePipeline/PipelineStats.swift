import Foundation

/// A snapshot of the pipeline's counters and latency histograms.
///
/// Take one at any time with ``Pipeline/stats()`` (live figures) or read the final one from
/// ``PipelineReport/stats``.
public struct PipelineStats: Sendable {
    /// Frames the source delivered.
    public var framesCaptured = 0
    /// Frames that went through the detector and the cue engine.
    public var framesProcessed = 0
    /// Frames replaced by a newer one before the detector was free (stale, never processed).
    public var framesDropped = 0
    /// Detector calls that threw (the frame was then skipped).
    public var detectorErrors = 0
    /// Frames on which the detector's high-resolution signal pass ran (0 without one).
    public var signalPasses = 0
    /// Frames the cue engine refused (timestamps not increasing).
    public var engineErrors = 0
    /// Cues emitted by the engine (from frames and from watchdog ticks).
    public var cuesEmitted = 0
    /// Watchdog ticks delivered to the cue engine.
    public var ticks = 0
    /// Seconds since the pipeline started running.
    public var elapsedSeconds = 0.0
    /// Seconds from the first to the latest processed frame (wall clock).
    public var processingSpanSeconds = 0.0
    /// Resident memory of the process now, bytes (Linux; `nil` elsewhere).
    public var residentBytes: Int?
    /// Peak resident memory of the process so far, bytes (Linux; `nil` elsewhere).
    public var peakResidentBytes: Int?
    /// Latency histograms by stage.
    public var histograms: [PipelineStage: LatencyHistogram] = [:]

    /// Creates empty statistics.
    public init() {}

    /// Processed frames per second between the first and the latest processed frame.
    public var processedFramesPerSecond: Double? {
        guard framesProcessed > 1, processingSpanSeconds > 0 else { return nil }
        return Double(framesProcessed - 1) / processingSpanSeconds
    }

    /// The histogram of `stage` (empty when never recorded).
    public subscript(stage: PipelineStage) -> LatencyHistogram { histograms[stage] ?? LatencyHistogram() }

    /// One stage summarised in milliseconds.
    public struct StageSummary: Sendable, Hashable, Codable {
        /// The stage.
        public var stage: PipelineStage
        /// Values recorded.
        public var count: Int
        /// Median, ms.
        public var medianMs: Double?
        /// 90th percentile, ms.
        public var p90Ms: Double?
        /// 99th percentile, ms.
        public var p99Ms: Double?
        /// Maximum, ms.
        public var maxMs: Double?
        /// Mean, ms.
        public var meanMs: Double?
    }

    /// Every stage summarised, in pipeline order.
    public func summaries() -> [StageSummary] {
        PipelineStage.allCases.map { stage in
            let h = self[stage]
            func ms(_ v: Double?) -> Double? { v.map { ($0 * 1e5).rounded() / 100 } }
            return StageSummary(stage: stage, count: h.count, medianMs: ms(h.median), p90Ms: ms(h.percentile(90)),
                                p99Ms: ms(h.percentile(99)), maxMs: ms(h.count > 0 ? h.maximum : nil), meanMs: ms(h.mean))
        }
    }

    /// A fixed-width table of every stage (count, median, p90, p99, max in milliseconds) and the
    /// counters, for printing on exit.
    public func table() -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var lines = ["stage           count   median ms    p90 ms    p99 ms    max ms"]
        for s in summaries() {
            lines.append(s.stage.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                + pad(String(s.count), 7) + pad(f(s.medianMs), 12) + pad(f(s.p90Ms), 10)
                + pad(f(s.p99Ms), 10) + pad(f(s.maxMs), 10))
        }
        lines.append(counters())
        return lines.joined(separator: "\n")
    }

    /// The counters on one line: frames, drops, cues, rate and memory.
    public func counters() -> String {
        var parts = ["frames \(framesCaptured) captured, \(framesProcessed) processed, \(framesDropped) dropped stale"]
        if detectorErrors > 0 { parts.append("\(detectorErrors) detector errors") }
        if signalPasses > 0 { parts.append("\(signalPasses) with the signal pass") }
        if engineErrors > 0 { parts.append("\(engineErrors) refused by the cue engine") }
        parts.append("\(cuesEmitted) cues")
        if let fps = processedFramesPerSecond { parts.append(String(format: "%.1f frames/s processed", fps)) }
        if let rss = residentBytes { parts.append(String(format: "RSS %.1f MiB", Double(rss) / 1_048_576)) }
        if let peak = peakResidentBytes { parts.append(String(format: "peak %.1f MiB", Double(peak) / 1_048_576)) }
        return parts.joined(separator: ", ")
    }

    /// A one-line live summary (for `--stats-every`).
    public func summaryLine() -> String {
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f", $0 * 1000) } ?? "-" }
        let f2c = self[.frameToCue], inf = self[.inference]
        return String(format: "[%.1f s] ", elapsedSeconds) + counters()
            + "; inference median \(ms(inf.median)) ms, frame-to-cue median \(ms(f2c.median)) ms p99 \(ms(f2c.percentile(99))) ms"
    }
}

extension PipelineStats: Codable {
    enum CodingKeys: String, CodingKey {
        case framesCaptured = "frames_captured", framesProcessed = "frames_processed"
        case framesDropped = "frames_dropped", detectorErrors = "detector_errors", signalPasses = "signal_passes"
        case engineErrors = "engine_errors", cuesEmitted = "cues_emitted", ticks
        case elapsedSeconds = "elapsed_s", processingSpanSeconds = "processing_span_s"
        case processedFramesPerSecond = "processed_fps"
        case residentBytes = "rss_bytes", peakResidentBytes = "peak_rss_bytes", stages
    }

    /// Encodes the counters and the stage summaries (not the raw buckets).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(framesCaptured, forKey: .framesCaptured)
        try c.encode(framesProcessed, forKey: .framesProcessed)
        try c.encode(framesDropped, forKey: .framesDropped)
        try c.encode(detectorErrors, forKey: .detectorErrors)
        try c.encode(signalPasses, forKey: .signalPasses)
        try c.encode(engineErrors, forKey: .engineErrors)
        try c.encode(cuesEmitted, forKey: .cuesEmitted)
        try c.encode(ticks, forKey: .ticks)
        try c.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try c.encode(processingSpanSeconds, forKey: .processingSpanSeconds)
        try c.encodeIfPresent(processedFramesPerSecond, forKey: .processedFramesPerSecond)
        try c.encodeIfPresent(residentBytes, forKey: .residentBytes)
        try c.encodeIfPresent(peakResidentBytes, forKey: .peakResidentBytes)
        try c.encode(summaries(), forKey: .stages)
    }

    /// Decodes the counters; histograms are not part of the JSON form and come back empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        framesCaptured = try c.decode(Int.self, forKey: .framesCaptured)
        framesProcessed = try c.decode(Int.self, forKey: .framesProcessed)
        framesDropped = try c.decode(Int.self, forKey: .framesDropped)
        detectorErrors = try c.decode(Int.self, forKey: .detectorErrors)
        signalPasses = try c.decodeIfPresent(Int.self, forKey: .signalPasses) ?? 0
        engineErrors = try c.decode(Int.self, forKey: .engineErrors)
        cuesEmitted = try c.decode(Int.self, forKey: .cuesEmitted)
        ticks = try c.decode(Int.self, forKey: .ticks)
        elapsedSeconds = try c.decode(Double.self, forKey: .elapsedSeconds)
        processingSpanSeconds = try c.decode(Double.self, forKey: .processingSpanSeconds)
        residentBytes = try c.decodeIfPresent(Int.self, forKey: .residentBytes)
        peakResidentBytes = try c.decodeIfPresent(Int.self, forKey: .peakResidentBytes)
    }
}
