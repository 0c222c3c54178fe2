import Foundation
import WayCueDetector
import WayCueImage

/// Turns detections over time into short, prioritised, rate-limited audio cues.
///
/// Drive it with ``feed(_:)`` for every processed frame and ``tick(now:)`` regularly (for
/// example every 100 ms) so that timeouts such as "camera paused" or "signal lost" fire even
/// when no frame arrives. Both return the cues emitted and deliver them to the sinks. The
/// engine is driven only by the timestamps it is given, so it runs identically live and on
/// recorded timelines. One engine serves one camera and is not thread-safe.
///
/// ```swift
/// let engine = try CueEngine(configuration: .init(camera: .chestDefault), language: "en")
/// engine.addSink(JSONLinesCueSink(handle: .standardOutput))
/// try engine.feed(CueFrame(timestamp: 0.0, detections: detections))
/// engine.tick(now: 0.1)
/// ```
public final class CueEngine {
    /// Settings.
    public let configuration: CueEngineConfiguration
    /// The language of texts and speech.
    public let phrasebook: Phrasebook
    /// The object tracker (read-only view for diagnostics).
    public private(set) var tracker: Tracker
    /// Every sink receives each emitted cue in order.
    public private(set) var sinks: [any CueSink] = []

    // Time
    var lastFrameTime: Double?
    var lastTime: Double = -.infinity
    var frameLog: [FrameRecord] = []

    // Channel: one cue at a time.
    var busyUntil: Double = -.infinity
    var busyPriority = CuePriority(rawValue: Int.min)
    var busyKind: CueKind?
    var busyTopic: String?
    var pending: [Candidate] = []
    var lastByMessage: [CueMessage: Double] = [:]
    var lastByTopic: [String: (message: CueMessage, time: Double)] = [:]
    var debounce: [String: (message: CueMessage, since: Double)] = [:]

    // Sub-states
    var signal = SignalState()
    var system = SystemState()
    var paving = PavingState()
    var crosswalk = CrosswalkState()
    /// The distance last spoken for each obstacle track (only tracks still announced).
    var announcedDistance: [Int: Double] = [:]

    /// Creates an engine speaking with `phrasebook`.
    public init(configuration: CueEngineConfiguration = CueEngineConfiguration(),
                phrasebook: Phrasebook, sinks: [any CueSink] = []) {
        self.configuration = configuration
        self.phrasebook = phrasebook
        self.tracker = Tracker(configuration: configuration.tracker)
        self.sinks = sinks
    }

    /// Creates an engine with a bundled phrasebook (`en` or `zh`).
    public convenience init(configuration: CueEngineConfiguration = CueEngineConfiguration(),
                            language: String, sinks: [any CueSink] = []) throws(PhrasebookError) {
        self.init(configuration: configuration, phrasebook: try .bundled(language), sinks: sinks)
    }

    /// Adds a sink.
    public func addSink(_ sink: any CueSink) { sinks.append(sink) }

    /// Processes one frame and returns the cues emitted at its timestamp.
    ///
    /// - Throws: ``CueEngineError`` when the timestamp is not finite or not later than the
    ///   previous frame's; the engine's state is then unchanged.
    @discardableResult
    public func feed(_ frame: CueFrame) throws(CueEngineError) -> [Cue] {
        let t = frame.timestamp
        guard t.isFinite else { throw .invalidTimestamp(t) }
        if let last = lastFrameTime, t <= last { throw .timestampNotIncreasing(previous: last, got: t) }
        var candidates: [Candidate] = []
        systemOnFrame(frame, candidates: &candidates)
        lastFrameTime = t
        lastTime = max(lastTime, t)
        tracker.update(frame.detections, at: t)
        signalOnFrame(frame, candidates: &candidates)
        timeouts(now: t, candidates: &candidates)
        obstacles(now: t, candidates: &candidates)
        crosswalkGuidance(now: t, candidates: &candidates)
        pavingGuidance(frame, candidates: &candidates)
        tones(now: t, candidates: &candidates)
        return arbitrate(now: t, candidates)
    }

    /// Convenience for ``feed(_:)`` with detections and a timestamp.
    @discardableResult
    public func feed(_ detections: [Detection], at timestamp: Double,
                     processedAt: Double? = nil) throws(CueEngineError) -> [Cue] {
        try feed(CueFrame(timestamp: timestamp, detections: detections, processedAt: processedAt))
    }

    /// Advances the clock without a frame: fires timeouts ("camera paused", "signal lost")
    /// and plays cues that waited for the channel. Times earlier than the last seen are ignored.
    @discardableResult
    public func tick(now: Double) -> [Cue] {
        guard now.isFinite, now >= lastTime else { return [] }
        lastTime = now
        tracker.expire(at: now)
        var candidates: [Candidate] = []
        timeouts(now: now, candidates: &candidates)
        tones(now: now, candidates: &candidates)
        return arbitrate(now: now, candidates)
    }

    /// Tells every sink that the timeline is over (the WAV renderer writes its file).
    public func finish() throws {
        for sink in sinks { try sink.finish() }
    }

    // MARK: Candidates and arbitration

    /// A cue the engine would like to say now.
    struct Candidate {
        var kind: CueKind
        var priority: CuePriority
        var message: CueMessage
        var topic: String
        var pan: Float = 0
        var urgency: Float = 0
        var earcon: EarconKind
        var trackID: Int? = nil
        /// One-shot events wait for the channel; persistent conditions are re-offered each frame.
        var isEvent: Bool = false
        /// Seconds during which the same message is suppressed (nil: the configured default).
        var repeatSeconds: Double? = nil
        var created: Double = 0
    }

    func makeCue(_ c: Candidate, at now: Double, interrupts: Bool) -> Cue {
        let isTone = c.kind == .tone
        return Cue(timestamp: now, kind: c.kind, priority: c.priority, message: c.message,
                   text: isTone ? "" : phrasebook.text(c.message),
                   speech: isTone ? "" : phrasebook.speech(c.message),
                   pan: c.pan, urgency: c.urgency, earcon: c.earcon, interrupts: interrupts,
                   trackID: c.trackID)
    }

    func allowedByVerbosity(_ c: Candidate) -> Bool {
        switch configuration.verbosity {
        case .quiet: c.kind == .collision || c.kind == .signal || c.kind == .system
        case .normal, .detailed: c.kind != .tone || configuration.apsTones
        }
    }

    func suppressed(_ c: Candidate, now: Double) -> Bool {
        let factor = configuration.verbosity == .detailed ? 0.6 : 1.0
        let repeatWindow = (c.repeatSeconds ?? configuration.repeatSeconds) * factor
        if let last = lastByMessage[c.message], now - last < repeatWindow { return true }
        if !c.isEvent, let last = lastByTopic[c.topic], last.message != c.message,
            now - last.time < configuration.topicGapSeconds * factor
        {
            return true
        }
        return false
    }

    /// Estimated seconds a cue occupies the channel.
    func duration(of cue: Cue) -> Double {
        Earcon.duration(cue.earcon, urgency: cue.urgency)
            + Double(cue.speech.count) / configuration.speechCharactersPerSecond
    }

    func arbitrate(now: Double, _ fresh: [Candidate]) -> [Cue] {
        var pool = pending
        for var c in fresh where allowedByVerbosity(c) && !suppressed(c, now: now) {
            c.created = now
            // A new word about the signal replaces any older one still waiting.
            if c.kind == .signal { pool.removeAll { $0.kind == .signal } }
            if c.isEvent, let i = pool.firstIndex(where: { $0.topic == c.topic }) {
                pool[i] = c  // a newer event on the same topic replaces the waiting one
            } else {
                pool.append(c)
            }
        }
        // Waiting events go stale after a few seconds (their situation is re-evaluated anyway),
        // except words about the signal and the system: the engine's phase already moved on
        // when they were made, so dropping one would leave the walker never told (a long
        // Mandarin collision warning once swallowed "red, wait" this way). A newer word on the
        // same topic replaces them instead (above).
        pool.removeAll { now - $0.created > 3 && $0.kind != .signal && $0.kind != .system }
        var emitted: [Cue] = []
        while let best = pool.indices.max(by: { a, b in
            pool[a].priority != pool[b].priority ? pool[a].priority < pool[b].priority
                : pool[a].created > pool[b].created
        }) {
            let c = pool[best]
            let busy = now < busyUntil
            // A higher priority interrupts; so does a newer word on the same topic (the signal,
            // the camera), which makes the one playing stale.
            let newerWord = (c.isEvent || c.kind == .signal) && c.topic == busyTopic
                && busyKind != .collision
            if busy && c.priority <= busyPriority && !newerWord { break }
            pool.remove(at: best)
            if suppressed(c, now: now) { continue }
            let cue = makeCue(c, at: now, interrupts: busy)
            busyUntil = now + duration(of: cue)
            busyPriority = c.priority
            busyKind = c.kind
            busyTopic = c.topic
            lastByMessage[c.message] = now
            lastByTopic[c.topic] = (c.message, now)
            // The distance said last for an obstacle (the hysteresis and the say-once rule
            // for objects beside the path work on what was spoken, not on what was offered).
            if c.kind == .obstacle || c.kind == .collision, let id = c.trackID {
                announcedDistance[id] = Double(c.message.arguments["distance"] ?? "") ?? announcedDistance[id] ?? 0
            }
            if c.message.key == "signal.green" {
                setPhase(.green, now: now)
                signal.lastGreen = now
            }
            emitted.append(cue)
            for sink in sinks { sink.receive(cue) }
        }
        pending = pool.filter(\.isEvent)
        return emitted
    }

    /// Whether `message` has held on `topic` for the configured stable time (hysteresis).
    func isStable(_ topic: String, _ message: CueMessage, now: Double) -> Bool {
        if let d = debounce[topic], d.message == message {
            return now - d.since >= configuration.stableSeconds
        }
        debounce[topic] = (message, now)
        return configuration.stableSeconds <= 0
    }

    /// Stereo pan for a bearing in degrees.
    static func pan(bearing: Double) -> Float {
        Float(min(1, max(-1, bearing / 45)))
    }
}
