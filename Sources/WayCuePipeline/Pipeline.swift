import Foundation
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCueProfiles

/// A frame after detection, as the cue engine saw it.
public struct ProcessedFrame: Sendable {
    /// The frame's number in its source.
    public var sequence: UInt64
    /// The frame's time on the cue engine's clock, seconds: the frame's own timestamp in
    /// ``PipelineMode/everyFrame`` mode; seconds since the run started in ``PipelineMode/live``
    /// mode (cameras: the driver's capture time; other sources: arrival).
    public var time: Double
    /// The picture (frame pixels, not letterboxed).
    public var image: Image
    /// Detections in the picture's pixels.
    public var detections: [Detection]
    /// Whether the detector's signal pass ran on this frame (`.complete`; also for detectors
    /// without one) or was skipped (`.partial`): the cue layer counts only complete frames as
    /// evidence about signals.
    public var signalCoverage: CueFrame.SignalCoverage = .complete
    /// Per-class masks covering the picture (from a detector with a mask head, see
    /// ``MaskDetecting``; empty otherwise), at 1/8 of the picture's size.
    public var masks: [ObjectClass: CueMask] = [:]
}

/// What a ``Pipeline`` reports to its observer, on the thread that owns the cue engine.
public enum PipelineEvent: Sendable {
    /// A frame went through the cue engine, which emitted `cues` (often none).
    case frame(ProcessedFrame, cues: [Cue])
    /// The watchdog ticked the engine at `time` and it emitted `cues` (never empty).
    case tick(time: Double, cues: [Cue])
}

/// How a run ended, with its final statistics.
public struct PipelineReport: Sendable {
    /// Why the pipeline stopped.
    public enum EndReason: Sendable, Equatable, CustomStringConvertible {
        /// The source delivered its last frame.
        case sourceEnded
        /// ``PipelineOptions/maxFrames`` frames were processed.
        case maxFrames
        /// ``Pipeline/stop()`` was called (for example on SIGINT or SIGTERM).
        case stopped
        /// The source failed and could not recover.
        case captureFailed(String)

        public var description: String {
            switch self {
            case .sourceEnded: "the source ended"
            case .maxFrames: "the frame limit was reached"
            case .stopped: "stopped"
            case let .captureFailed(reason): "capture failed: \(reason)"
            }
        }
    }

    /// Why it stopped.
    public var endReason: EndReason
    /// Final counters and histograms.
    public var stats: PipelineStats
    /// Sinks that failed to finish (file not written), with the reason.
    public var sinkErrors: [String]
    /// Recorder failures (recording incomplete), with the reason.
    public var recorderErrors: [String]
}

/// The walking pipeline: frame source -> letterbox -> detector -> cue engine -> sinks.
///
/// In ``PipelineMode/live`` mode three owners run concurrently: a capture thread pulls frames
/// and leaves only the newest in a one-frame mailbox (a frame replaced before the detector
/// took it is dropped and counted), a detection thread letterboxes and detects one frame at a
/// time (so inference never queues behind itself), and a serial queue owns the ``CueEngine``,
/// feeding it each result and ticking it every ``PipelineOptions/tickInterval`` seconds, so
/// "camera paused" fires when frames stop and "vision lagging" when a frame's detection
/// finished more than the engine's `lagSeconds` after capture.
///
/// ```swift
/// let source = try FrameSources.open("/dev/video0")
/// let pipeline = try Pipeline(source: source, detector: detector,
///                             sinks: [JSONLinesCueSink(handle: .standardOutput)])
/// let signals = ShutdownSignals { _, _ in pipeline.stop() }
/// let report = pipeline.run()   // blocks until the source ends or stop()
/// print(report.stats.table())
/// ```
///
/// A pipeline runs once. ``stop()`` and ``stats()`` may be called from any thread.
public final class Pipeline: @unchecked Sendable {
    /// Where frames come from.
    public let source: any FrameSource
    /// Settings.
    public let options: PipelineOptions
    /// The detector's model identifier.
    public let modelID: String

    // Used only by the detection thread (live) or the calling thread (every frame).
    private let detector: any ObjectDetecting
    // Frames offered to a signal-pass detector (detection thread only).
    private var signalFrameCounter: UInt64 = 0
    private let recorder: MJPEGRecorder?
    private let observer: (@Sendable (PipelineEvent) -> Void)?

    // Owned by `cueQueue`.
    private let cueQueue = DispatchQueue(label: "waycue.pipeline.cues")
    private let phrasebook: Phrasebook
    private let sinks: [any CueSink]
    private var engine: CueEngine?
    private var lastFedTime = -Double.infinity
    private var lastWatchdogPing = -Double.infinity
    private var sentReady = false
    private var systemdWatchdogInterval: Double?

    // Mailbox between capture and detection, guarded by `state`.
    private let state = NSCondition()
    private var slot: PendingFrame?
    private var captureFinished = false
    private var stopRequested = false
    private var endReason: PipelineReport.EndReason?
    private var hasRun = false
    private var recorderErrors: [String] = []

    // Statistics, guarded by `statsLock`.
    private let statsLock = NSLock()
    private var counters = PipelineStats()
    private var startTime = 0.0
    /// Live mode: the engine's clock is the monotonic clock minus this (the start of the run),
    /// so cue times read as seconds since the start.
    private var clockOrigin = 0.0
    private var firstProcessed: Double?
    private var lastProcessed: Double?

    struct PendingFrame {
        var frame: Frame
        /// When the frame was handed to the mailbox (monotonic clock).
        var ready: Double
        /// Where frame-to-cue latency starts: leaving the driver (cameras) or the source.
        var origin: Double
        /// The frame's time on the engine's clock.
        var time: Double
    }

    /// Creates a pipeline.
    ///
    /// - Parameters:
    ///   - source: The frames. The pipeline closes it when it stops.
    ///   - detector: Any detector; it is used from one thread only.
    ///   - sinks: Cue sinks, in order; each is finished (files written) when the run ends.
    ///   - options: Settings (validated here).
    ///   - recorder: Records every captured frame (before any is dropped); finished at the end.
    ///   - observer: Called for every processed frame and every tick that emitted cues, on the
    ///     thread that owns the cue engine; keep it short.
    /// - Throws: ``PipelineError`` for an invalid option or a missing phrasebook.
    public init(source: any FrameSource, detector: any ObjectDetecting, sinks: [any CueSink] = [],
                options: PipelineOptions = PipelineOptions(), recorder: MJPEGRecorder? = nil,
                observer: (@Sendable (PipelineEvent) -> Void)? = nil) throws(PipelineError) {
        try options.validate()
        do { phrasebook = try Phrasebook.bundled(options.language) } catch {
            throw .phrasebook(error.description)
        }
        self.source = source
        self.detector = detector
        self.modelID = detector.modelID
        self.sinks = sinks
        self.options = options
        self.recorder = recorder
        self.observer = observer
        if let interval = options.systemdWatchdogInterval {
            systemdWatchdogInterval = interval
        } else if let d = SystemdNotifier.watchdogInterval() {
            systemdWatchdogInterval = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
    }

    /// Asks the pipeline to stop: no new frame is taken, the frame being detected finishes, the
    /// sinks and the recorder are flushed, then ``run()`` returns. Safe from any thread and from
    /// a signal handler's dispatch source.
    public func stop() { requestStop(.stopped) }

    private func requestStop(_ reason: PipelineReport.EndReason) {
        state.lock()
        stopRequested = true
        if endReason == nil { endReason = reason }
        state.broadcast()
        state.unlock()
    }

    private var isStopRequested: Bool {
        state.lock()
        defer { state.unlock() }
        return stopRequested
    }

    /// The counters and histograms so far (live), with the process's memory now.
    public func stats() -> PipelineStats {
        statsLock.lock()
        var s = counters
        s.elapsedSeconds = startTime > 0 ? MonotonicClock.now() - startTime : 0
        if let a = firstProcessed, let b = lastProcessed { s.processingSpanSeconds = b - a }
        statsLock.unlock()
        s.residentBytes = ProcessMemory.residentBytes()
        s.peakResidentBytes = ProcessMemory.peakResidentBytes()
        return s
    }

    private func withStats(_ body: (inout PipelineStats) -> Void) {
        statsLock.lock()
        body(&counters)
        statsLock.unlock()
    }

    private func record(_ stage: PipelineStage, _ seconds: Double) {
        withStats { $0.histograms[stage, default: LatencyHistogram()].record(seconds) }
    }

    /// Runs until the source ends, ``PipelineOptions/maxFrames`` frames are processed or
    /// ``stop()`` is called, then finishes every sink and the recorder and closes the source.
    ///
    /// - Throws: ``PipelineError/alreadyRun`` on a second call. Capture and sink failures do
    ///   not throw: they are in the report.
    public func run() throws(PipelineError) -> PipelineReport {
        state.lock()
        let again = hasRun
        hasRun = true
        state.unlock()
        if again { throw .alreadyRun }
        statsLock.lock()
        startTime = MonotonicClock.now()
        clockOrigin = startTime
        statsLock.unlock()
        switch options.mode {
        case .live: runLive()
        case .everyFrame: runEveryFrame()
        }
        // Flush: every sink, then the recorder.
        var sinkErrors: [String] = []
        cueQueue.sync {
            let engine = self.engine ?? CueEngine(configuration: options.cues, phrasebook: phrasebook, sinks: sinks)
            for sink in engine.sinks {
                do { try sink.finish() } catch { sinkErrors.append("\(error)") }
            }
            _ = try? options.systemd?.stopping()
        }
        if let recorder {
            do { try recorder.finish() } catch { recorderErrors.append("\(error)") }
        }
        state.lock()
        let reason = endReason ?? .sourceEnded
        let recErrors = recorderErrors
        state.unlock()
        return PipelineReport(endReason: reason, stats: stats(), sinkErrors: sinkErrors, recorderErrors: recErrors)
    }

    // MARK: Stages

    /// Pulls one frame, recording capture and decode times; `nil` at the end (reason set).
    private func captureOne() -> PendingFrame? {
        let t0 = MonotonicClock.now()
        let frame: Frame?
        do { frame = try source.next() } catch {
            state.lock()
            if endReason == nil { endReason = .captureFailed("\(source.name): \(error)") }
            state.unlock()
            return nil
        }
        guard let frame else { return nil }
        let t1 = MonotonicClock.now()
        if let received = frame.receivedAt {
            // The camera layer may have held the frame before this call: that wait is in
            // frame-to-cue, not in decode.
            record(.capture, max(0, received - t0))
            record(.decode, max(0, t1 - max(t0, received)))
        } else {
            record(.capture, t1 - t0)
        }
        withStats { $0.framesCaptured += 1 }
        if let recorder {
            do { try recorder.write(frame) } catch {
                state.lock()
                if recorderErrors.count < 5 { recorderErrors.append("\(error)") }
                state.unlock()
            }
        }
        // Cameras stamp frames with CLOCK_MONOTONIC; other sources are timed by arrival in live mode.
        let time: Double
        switch options.mode {
        case .live: time = (frame.receivedAt != nil ? frame.timestamp : t1) - clockOrigin
        case .everyFrame: time = frame.timestamp
        }
        return PendingFrame(frame: frame, ready: t1, origin: frame.receivedAt ?? t1, time: time)
    }

    /// Letterbox and detect; `nil` when the detector threw (counted).
    private func detect(_ p: PendingFrame) -> ProcessedFrame? {
        let tq = MonotonicClock.now()
        record(.queue, max(0, tq - p.ready))
        var input = p.frame.image
        var transform: LetterboxTransform?
        // A detector with a signal pass takes the whole frame (it letterboxes its full-frame
        // pass itself and tiles the signal band at native resolution).
        let signal = (detector as? any SignalPassDetecting).flatMap { d in d.signalPassOptions.map { (d, $0) } }
        if signal == nil, options.inputSize > 0 {
            let boxed = input.letterboxed(to: options.inputSize)
            input = boxed.image
            transform = boxed.transform
        }
        let tp = MonotonicClock.now()
        record(.preprocess, tp - tq)
        (detector as? any FrameContextDetecting)?.prepare(for: p.frame, transform: transform)
        var found: [Detection]
        var mask: SegmentationMask?
        var coverage = CueFrame.SignalCoverage.complete
        let masking = (detector as? any MaskDetecting).flatMap { $0.producesMasks ? $0 : nil }
        do {
            if let (d, o) = signal {
                let run = signalFrameCounter % UInt64(max(1, o.every)) == 0
                signalFrameCounter &+= 1
                coverage = run ? .complete : .partial
                if let masking {
                    (found, mask) = try masking.detectWithMask(input, includeSignalPass: run)
                } else {
                    found = try d.detect(input, includeSignalPass: run)
                }
                withStats { if run { $0.signalPasses += 1 } }
            } else if let masking {
                (found, mask) = try masking.detectWithMask(input, includeSignalPass: true)
            } else {
                found = try detector.detect(input)
            }
        } catch {
            withStats { $0.detectorErrors += 1 }
            return nil
        }
        record(.inference, MonotonicClock.now() - tp)
        let mapped = transform.map { t in found.map { d in
            Detection(objectClass: d.objectClass, score: d.score, box: t.toSource(d.box))
        } } ?? found
        var cueMasks: [ObjectClass: CueMask] = [:]
        if let mask {
            cueMasks = Self.cueMasks(mask, frameWidth: p.frame.image.width, frameHeight: p.frame.image.height, letterbox: transform)
        }
        return ProcessedFrame(sequence: p.frame.sequence, time: p.time, image: p.frame.image, detections: mapped,
                              signalCoverage: coverage, masks: cueMasks)
    }

    /// Feeds the engine (on `cueQueue`).
    private func feed(_ frame: ProcessedFrame, processedAt: Double?, origin: Double) {
        let engine = self.engine ?? makeEngine(width: frame.image.width, height: frame.image.height)
        let tc = MonotonicClock.now()
        var cues: [Cue] = []
        var time = frame.time
        if time <= lastFedTime, options.mode == .live { time = lastFedTime + 1e-6 }
        do {
            cues = try engine.feed(CueFrame(timestamp: time, detections: frame.detections, processedAt: processedAt,
                                            masks: frame.masks, signalCoverage: frame.signalCoverage))
            lastFedTime = time
        } catch {
            withStats { $0.engineErrors += 1 }
        }
        let te = MonotonicClock.now()
        statsLock.lock()
        counters.histograms[.cues, default: LatencyHistogram()].record(te - tc)
        counters.histograms[.frameToCue, default: LatencyHistogram()].record(max(0, te - origin))
        counters.framesProcessed += 1
        counters.cuesEmitted += cues.count
        if firstProcessed == nil { firstProcessed = te }
        lastProcessed = te
        statsLock.unlock()
        if !sentReady {
            sentReady = true
            _ = try? options.systemd?.ready(status: "processing frames from \(source.name)")
        }
        var shown = frame
        shown.time = time
        observer?(.frame(shown, cues: cues))
    }

    private func makeEngine(width: Int, height: Int) -> CueEngine {
        var configuration = options.cues
        configuration.camera.imageWidth = width
        configuration.camera.imageHeight = height
        let engine = CueEngine(configuration: configuration, phrasebook: phrasebook, sinks: sinks)
        self.engine = engine
        return engine
    }

    /// Ticks the engine (on `cueQueue`).
    private func tick(at time: Double) {
        guard let engine else { return }
        let cues = engine.tick(now: time)
        withStats {
            $0.ticks += 1
            $0.cuesEmitted += cues.count
        }
        if !cues.isEmpty { observer?(.tick(time: time, cues: cues)) }
    }

    /// Pings systemd's watchdog while frames keep being processed (on `cueQueue`).
    private func pingSystemd(now: Double) {
        guard let systemd = options.systemd, let interval = systemdWatchdogInterval,
              now - lastWatchdogPing >= interval else { return }
        statsLock.lock()
        let last = lastProcessed
        statsLock.unlock()
        guard let last, now - last <= options.watchdogStallSeconds else { return }
        lastWatchdogPing = now
        _ = try? systemd.watchdog()
    }

    // MARK: Every frame

    private func runEveryFrame() {
        var lastTime: Double?
        var processed = 0
        while !isStopRequested {
            guard let pending = captureOne() else { break }
            if let last = lastTime {
                var t = last + options.tickInterval
                while t < pending.time - 1e-9 {
                    let at = t
                    cueQueue.sync { tick(at: at) }
                    t += options.tickInterval
                }
            }
            if let frame = detect(pending) {
                cueQueue.sync { feed(frame, processedAt: nil, origin: pending.origin) }
                processed += 1
            }
            lastTime = max(lastTime ?? pending.time, pending.time)
            if let max = options.maxFrames, processed >= max {
                requestStop(.maxFrames)
                break
            }
        }
        if let last = lastTime, options.tailSeconds > 0 {
            var t = last + options.tickInterval
            while t <= last + options.tailSeconds + 1e-9 {
                let at = t
                cueQueue.sync { tick(at: at) }
                t += options.tickInterval
            }
        }
        source.close()
    }

    // MARK: Live

    private func runLive() {
        let timer = DispatchSource.makeTimerSource(queue: cueQueue)
        timer.schedule(deadline: .now() + options.tickInterval, repeating: options.tickInterval,
                       leeway: .milliseconds(5))
        timer.setEventHandler { [self] in
            let now = MonotonicClock.now()
            tick(at: now - clockOrigin)
            pingSystemd(now: now)
        }
        timer.resume()

        let captureDone = DispatchSemaphore(value: 0)
        let detectionDone = DispatchSemaphore(value: 0)
        let captureThread = Thread { [self] in
            captureLoop()
            captureDone.signal()
        }
        captureThread.name = "waycue.pipeline.capture"
        let detectionThread = Thread { [self] in
            detectionLoop()
            detectionDone.signal()
        }
        detectionThread.name = "waycue.pipeline.detect"
        captureThread.start()
        detectionThread.start()

        detectionDone.wait()
        // The capture thread may be blocked inside the source: give it a moment, then close the
        // source under it (cameras and files wake up and return nil).
        if captureDone.wait(timeout: .now() + options.shutdownGraceSeconds) == .timedOut {
            source.close()
            _ = captureDone.wait(timeout: .now() + options.shutdownGraceSeconds)
        }
        source.close()
        state.lock()
        if slot != nil {  // captured after the detector stopped
            slot = nil
            withStats { $0.framesDropped += 1 }
        }
        state.unlock()
        timer.cancel()
        cueQueue.sync {}  // every queued frame has been fed
    }

    private func captureLoop() {
        while !isStopRequested {
            guard let pending = captureOne() else { break }
            state.lock()
            if slot != nil { withStats { $0.framesDropped += 1 } }
            slot = pending
            state.signal()
            state.unlock()
        }
        state.lock()
        captureFinished = true
        if endReason == nil { endReason = stopRequested ? .stopped : .sourceEnded }
        state.broadcast()
        state.unlock()
    }

    private func detectionLoop() {
        var processed = 0
        var lastStart = -Double.infinity
        let minInterval = options.maxDetectionsPerSecond.map { 1 / $0 } ?? 0
        while true {
            if minInterval > 0 {
                // Rate cap: wait (newer frames keep replacing the waiting one), unless stopping.
                let due = lastStart + minInterval
                state.lock()
                while !stopRequested, MonotonicClock.now() < due {
                    _ = state.wait(until: Date(timeIntervalSinceNow: max(0.001, due - MonotonicClock.now())))
                }
                state.unlock()
            }
            state.lock()
            while slot == nil && !captureFinished && !stopRequested { state.wait() }
            if stopRequested || slot == nil {
                if slot != nil {  // stopping: the waiting frame is never processed
                    slot = nil
                    withStats { $0.framesDropped += 1 }
                }
                state.unlock()
                return
            }
            let pending = slot!
            slot = nil
            state.unlock()
            lastStart = MonotonicClock.now()

            guard let frame = detect(pending) else { continue }
            let processedAt = MonotonicClock.now() - clockOrigin
            // Engine clock: cameras stamp with CLOCK_MONOTONIC, others are timed by arrival,
            // so processing time is comparable with the frame time in both cases.
            cueQueue.async { [self] in feed(frame, processedAt: processedAt, origin: pending.origin) }
            processed += 1
            if let max = options.maxFrames, processed >= max {
                requestStop(.maxFrames)
                return
            }
        }
    }
}

extension Pipeline {
    /// The detector's mask as one binary ``CueMask`` per class covering the whole frame, at 1/8
    /// of the frame's size. `letterbox` is the transform from the frame to the image the
    /// detector saw, when the pipeline letterboxed it first (nil: the detector saw the frame).
    static func cueMasks(_ mask: SegmentationMask, frameWidth: Int, frameHeight: Int,
                         letterbox: LetterboxTransform?) -> [ObjectClass: CueMask] {
        let w = max(1, frameWidth / 8), h = max(1, frameHeight / 8)
        let sx = Double(frameWidth) / Double(w), sy = Double(frameHeight) / Double(h)
        var planes = [[UInt8]](repeating: [UInt8](repeating: 0, count: w * h), count: mask.classNames.count)
        for row in 0..<h {
            for col in 0..<w {
                var x = (Double(col) + 0.5) * sx, y = (Double(row) + 0.5) * sy
                if let t = letterbox {
                    x = Double(t.offsetX) + x * Double(t.scaleX)
                    y = Double(t.offsetY) + y * Double(t.scaleY)
                }
                var best: Float = 0.5, label = -1
                for k in 0..<mask.classNames.count {
                    let p = mask.probability(classIndex: k, x: x, y: y)
                    if p >= best { best = p; label = k }
                }
                if label >= 0 { planes[label][row * w + col] = 1 }
            }
        }
        var out: [ObjectClass: CueMask] = [:]
        for (k, name) in mask.classNames.enumerated() { out[ObjectClass(name)] = CueMask(width: w, height: h, values: planes[k]) }
        return out
    }
}
