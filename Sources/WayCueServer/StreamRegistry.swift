import Foundation
import WayCueCues
import WayCueImage

/// The live streams, their creation and idle expiry.
public final class StreamRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var streams: [String: StreamSession] = [:]
    private var shut = false
    private var lastHeartbeat = ContinuousClock.now
    let maxStreams: Int
    let idleSeconds: Double
    let metrics: ServerMetrics

    init(maxStreams: Int, idleSeconds: Double, metrics: ServerMetrics) {
        self.maxStreams = maxStreams
        self.idleSeconds = idleSeconds
        self.metrics = metrics
    }

    /// Creates a stream.
    ///
    /// - Throws: ``APIError`` 503 `too_many_streams` or `shutting_down`.
    func create(configuration: CueEngineConfiguration, phrasebook: Phrasebook, language: String,
                profile: String?) throws(APIError) -> StreamSession {
        let id = Self.newID()
        let session = StreamSession(
            id: id, engine: CueEngine(configuration: configuration, phrasebook: phrasebook),
            language: language, verbosity: configuration.verbosity, profile: profile)
        lock.lock()
        defer { lock.unlock() }
        if shut { throw .shuttingDown }
        guard streams.count < maxStreams else {
            throw APIError(.serviceUnavailable, "too_many_streams",
                           "the server already holds \(maxStreams) streams", retryAfterSeconds: 10)
        }
        streams[id] = session
        metrics.recordStream(created: true)
        return session
    }

    /// The stream with `id`.
    func get(_ id: String) throws(APIError) -> StreamSession {
        lock.lock(); defer { lock.unlock() }
        guard let s = streams[id] else { throw .streamNotFound(id) }
        return s
    }

    /// Removes a stream and closes its subscriptions.
    func remove(_ id: String, reason: String) throws(APIError) {
        lock.lock()
        guard let s = streams.removeValue(forKey: id) else {
            lock.unlock()
            throw .streamNotFound(id)
        }
        lock.unlock()
        metrics.recordStream(created: false)
        s.close(reason: reason)
    }

    /// Counters of every live stream.
    func allStats() -> [StreamStats] {
        lock.lock()
        let all = Array(streams.values)
        lock.unlock()
        return all.map { $0.stats() }
    }

    /// Ticks every engine and removes streams idle longer than the limit (and without
    /// subscribers).
    func maintain() {
        lock.lock()
        let all = Array(streams.values)
        let now = ContinuousClock.now
        let beat = now - lastHeartbeat > .seconds(15)
        if beat { lastHeartbeat = now }
        lock.unlock()
        if beat { for s in all { s.heartbeat() } }
        for s in all {
            if s.idleSeconds() > idleSeconds && !s.hasSubscribers {
                try? remove(s.id, reason: "expired")
            } else {
                s.tick()
            }
        }
    }

    /// Refuses new streams and closes every subscription (server shutdown).
    func shutdown() {
        lock.lock()
        shut = true
        let all = Array(streams.values)
        lock.unlock()
        for s in all { s.close(reason: "shutdown") }
    }

    static func newID() -> String {
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        return "s_" + String((0..<16).map { _ in alphabet[Int(g.next(upperBound: UInt(alphabet.count)))] })
    }
}
