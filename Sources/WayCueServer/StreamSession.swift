import Foundation
import WayCueCues
import WayCueDetector
import WayCueImage

/// What a stream subscriber (SSE or WebSocket) receives.
public enum StreamEvent: Sendable {
    /// A cue the stream's engine emitted.
    case cue(Cue)
    /// The fate of one frame.
    case frame(FrameReport)
    /// The stream ended (`expired`, `deleted` or `shutdown`).
    case closed(String)
    /// Nothing happened for a while (SSE writes a comment line so that proxies keep the
    /// connection open; WebSocket relies on its own pings).
    case heartbeat
}

/// The fate of one stream frame, as reported to the client that sent it and to subscribers.
public struct FrameReport: Sendable, Codable, Equatable {
    /// The frame's number in its stream (1 for the first accepted frame).
    public var frame: Int
    /// `processed` or `dropped`.
    public var status: String
    /// Why it was dropped: `superseded` (a newer frame arrived while it waited: latest frame
    /// wins), `queue_full`, `timeout`, `invalid_image` or `shutting_down`.
    public var reason: String?
    /// Detections found (processed frames).
    public var detections: [Detection]?
    /// Cues emitted when the frame was fed to the engine.
    public var cues: [Cue]?
    /// Seconds since the stream was created, used as the frame's timestamp.
    public var t: Double
}

/// Counters of one stream.
public struct StreamStats: Sendable, Codable, Equatable {
    /// The stream id.
    public var id: String
    /// Frames accepted into the stream.
    public var accepted: Int
    /// Frames run through the detector and the cue engine.
    public var processed: Int
    /// Frames accepted but not processed (see ``FrameReport/reason``): always
    /// `accepted - processed - inFlight`.
    public var dropped: Int
    /// Drops by reason.
    public var droppedByReason: [String: Int]
    /// Frames accepted and not yet processed or dropped.
    public var inFlight: Int
    /// Cues emitted.
    public var cues: Int
    /// Connected SSE and WebSocket subscribers.
    public var subscribers: Int
    /// The stream's language.
    public var language: String
    /// The stream's verbosity.
    public var verbosity: String
    /// The profile whose camera geometry the cue engine uses, if one was named.
    public var profile: String?

    enum CodingKeys: String, CodingKey {
        case id, accepted, processed, dropped, droppedByReason = "dropped_by_reason",
            inFlight = "in_flight", cues, subscribers, language, verbosity, profile
    }
}

/// One walker's stream: a cue engine (tracker and cue state) fed by frames in arrival order.
///
/// Latest frame wins: while a frame is being processed, at most one more waits; a newer frame
/// replaces the waiting one, which is reported as dropped (`superseded`). Every accepted frame
/// ends processed or dropped, and the counters say so.
public final class StreamSession: @unchecked Sendable {
    /// The stream id.
    public let id: String
    let language: String
    let verbosity: CueVerbosity
    let profile: String?
    private let engine: CueEngine
    private let lock = NSLock()
    private let clock = ContinuousClock()
    private let created: ContinuousClock.Instant
    private(set) var lastActivity: ContinuousClock.Instant

    private var accepted = 0
    private var processed = 0
    private var dropped: [String: Int] = [:]
    private var cueCount = 0
    private var processing = false
    private var waiting: (frame: Int, continuation: CheckedContinuation<Bool, Never>)?
    private var subscribers: [UUID: AsyncStream<StreamEvent>.Continuation] = [:]
    private var closed = false

    init(id: String, engine: CueEngine, language: String, verbosity: CueVerbosity, profile: String?) {
        self.id = id
        self.engine = engine
        self.language = language
        self.verbosity = verbosity
        self.profile = profile
        created = clock.now
        lastActivity = created
    }

    /// Seconds since creation.
    var now: Double { (clock.now - created).seconds }

    /// Seconds since the last frame or subscriber change.
    func idleSeconds() -> Double {
        lock.lock(); defer { lock.unlock() }
        return (clock.now - lastActivity).seconds
    }

    /// Whether any subscriber is connected.
    var hasSubscribers: Bool {
        lock.lock(); defer { lock.unlock() }
        return !subscribers.isEmpty
    }

    /// The counters.
    public func stats() -> StreamStats {
        lock.lock(); defer { lock.unlock() }
        let d = dropped.values.reduce(0, +)
        return StreamStats(id: id, accepted: accepted, processed: processed, dropped: d,
                           droppedByReason: dropped, inFlight: accepted - processed - d,
                           cues: cueCount, subscribers: subscribers.count,
                           language: language, verbosity: verbosity.rawValue, profile: profile)
    }

    /// Registers a subscriber; events are buffered up to 256 (the oldest are discarded beyond).
    func subscribe() -> (UUID, AsyncStream<StreamEvent>) {
        let (stream, continuation) = AsyncStream<StreamEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let key = UUID()
        lock.lock()
        if closed {
            lock.unlock()
            continuation.yield(.closed("expired"))
            continuation.finish()
            return (key, stream)
        }
        subscribers[key] = continuation
        lastActivity = clock.now
        lock.unlock()
        return (key, stream)
    }

    /// Removes a subscriber; with `reason`, it first receives `.closed(reason)`.
    func unsubscribe(_ key: UUID, reason: String? = nil) {
        lock.lock()
        let c = subscribers.removeValue(forKey: key)
        lastActivity = clock.now
        lock.unlock()
        if let reason { c?.yield(.closed(reason)) }
        c?.finish()
    }

    /// Ends every subscription with `.closed(reason)`; later frames are refused.
    func close(reason: String) {
        lock.lock()
        closed = true
        let subs = subscribers
        subscribers = [:]
        let w = waiting
        waiting = nil
        lock.unlock()
        w?.continuation.resume(returning: false)
        for c in subs.values {
            c.yield(.closed(reason))
            c.finish()
        }
    }

    private func broadcast(_ events: [StreamEvent]) {
        lock.lock()
        let subs = Array(subscribers.values)
        lock.unlock()
        for c in subs { for e in events { c.yield(e) } }
    }

    private func drop(_ frame: Int, _ reason: String, t: Double, metrics: ServerMetrics) -> FrameReport {
        lock.lock()
        dropped[reason, default: 0] += 1
        lock.unlock()
        metrics.recordFrame(outcome: "dropped", reason: reason)
        let report = FrameReport(frame: frame, status: "dropped", reason: reason, t: t)
        broadcast([.frame(report)])
        return report
    }

    /// Accepts one frame and waits until it is processed or dropped.
    ///
    /// - Returns: The report, plus the error to answer for drops other than `superseded`.
    func submit(_ upload: ImageUpload, pool: InferencePool, maxPixels: Int,
                deadline: ContinuousClock.Instant?, metrics: ServerMetrics)
        async -> (FrameReport, APIError?)
    {
        guard let number = accept() else {
            return (FrameReport(frame: 0, status: "dropped", reason: "closed", t: now), .streamNotFound(id))
        }
        let t = now
        // Wait for our turn: run now, or wait in the single slot until superseded.
        let mayRun: Bool = await withCheckedContinuation { continuation in
            enterSlot(number, continuation)
        }
        if !mayRun {
            return (drop(number, isClosed ? "shutting_down" : "superseded", t: t, metrics: metrics), nil)
        }
        defer { leaveSlot() }
        let start = clock.now
        let result: (value: Result<[Detection], APIError>, queueSeconds: Double)
        do {
            result = try await pool.run(deadline: deadline) { detector -> Result<[Detection], APIError> in
                do {
                    let image = try upload.decode(maxPixels: maxPixels)
                    return .success(try detector.detect(image))
                } catch let e as APIError {
                    return .failure(e)
                } catch {
                    return .failure(APIError(.internalServerError, "detector_error", "the detector failed: \(error)"))
                }
            }
        } catch InferencePoolError.queueFull {
            metrics.recordQueueRejected()
            return (drop(number, "queue_full", t: t, metrics: metrics), .queueFull(retryAfter: 1))
        } catch InferencePoolError.timedOut {
            return (drop(number, "timeout", t: t, metrics: metrics), .timedOut)
        } catch is CancellationError {
            return (drop(number, "timeout", t: t, metrics: metrics), .timedOut)
        } catch {
            return (drop(number, "shutting_down", t: t, metrics: metrics), .shuttingDown)
        }
        metrics.recordInference(seconds: (clock.now - start).seconds - result.queueSeconds,
                                queueSeconds: result.queueSeconds)
        let detections: [Detection]
        switch result.value {
        case .failure(let e): return (drop(number, "invalid_image", t: t, metrics: metrics), e)
        case .success(let d): detections = d
        }
        guard let cues = feedEngine(detections, at: t) else {
            return (drop(number, "invalid_timestamp", t: t, metrics: metrics), nil)
        }
        metrics.recordFrame(outcome: "processed")
        let report = FrameReport(frame: number, status: "processed", reason: nil,
                                 detections: detections, cues: cues, t: t)
        var summary = report
        summary.cues = nil
        broadcast(cues.map { StreamEvent.cue($0) } + [.frame(summary)])
        return (report, nil)
    }

    private func accept() -> Int? {
        lock.lock(); defer { lock.unlock() }
        if closed { return nil }
        accepted += 1
        lastActivity = clock.now
        return accepted
    }

    private func enterSlot(_ number: Int, _ continuation: CheckedContinuation<Bool, Never>) {
        lock.lock()
        if !processing {
            processing = true
            lock.unlock()
            continuation.resume(returning: true)
        } else {
            let previous = waiting
            waiting = (number, continuation)
            lock.unlock()
            previous?.continuation.resume(returning: false)
        }
    }

    private func leaveSlot() {
        lock.lock()
        if let next = waiting {
            waiting = nil
            lock.unlock()
            next.continuation.resume(returning: true)
        } else {
            processing = false
            lock.unlock()
        }
    }

    private func feedEngine(_ detections: [Detection], at t: Double) -> [Cue]? {
        lock.lock(); defer { lock.unlock() }
        guard let cues = try? engine.feed(detections, at: t, processedAt: now) else { return nil }
        processed += 1
        cueCount += cues.count
        return cues
    }

    private var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    /// Sends a heartbeat to every subscriber.
    func heartbeat() { broadcast([.heartbeat]) }

    /// Advances the engine's clock (timeouts such as "camera paused") and broadcasts the cues.
    func tick() {
        lock.lock()
        guard !closed else { lock.unlock(); return }
        let cues = engine.tick(now: now)
        cueCount += cues.count
        lock.unlock()
        if !cues.isEmpty { broadcast(cues.map { .cue($0) }) }
    }
}
