import Foundation
import WayCueCapture
import WayCueCues

/// Turns cue speech into audio off the stream's clock: one serial queue runs the speech
/// program (`espeak-ng`, a subprocess, never linked) for every device, so a slow synthesis never
/// delays a 20 ms chunk.
public final class SpeechRenderer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "waycue.glasses.speech")
    private final class Box: @unchecked Sendable {  // used on `queue` only
        let backend: any SpeechBackend
        init(_ b: any SpeechBackend) { backend = b }
    }
    private let box: Box?
    /// Whether speech is available (otherwise cues play their earcons alone).
    public var isAvailable: Bool { box != nil }
    /// Speech failures so far (the cue then plays its earcon alone).
    public private(set) var failures = 0

    /// Uses `backend` (`nil`: earcons only).
    public init(backend: (any SpeechBackend)?) { box = backend.map(Box.init) }

    /// Renders `text` with `voice` at `sampleRate` and calls `done` on the speech queue with the
    /// samples (`nil` on failure or without a backend).
    func render(_ text: String, voice: String, sampleRate: Int, done: @escaping @Sendable ([Float]?) -> Void) {
        guard let box, !text.isEmpty else { done(nil); return }
        queue.async { [self] in
            do {
                let audio = try box.backend.synthesize(text, voice: voice).resampled(to: sampleRate)
                done(audio.samples.map { $0 * 0.9 })
            } catch {
                failures += 1
                done(nil)
            }
        }
    }
}

/// One walker's speaker: a queue of cues turned into mono samples and pulled 20 ms at a time
/// by the `/stream.wav` writer. It follows the cue engine's arbitration: a cue that
/// ``Cue/interrupts`` (or outranks the cue playing) cuts the one playing at once, on the open
/// stream; a cue that cancels crossing also drops a queued "green"; other cues wait their turn
/// in priority order. Each cue plays its earcon at once and its speech as soon as the speech
/// program has produced it.
public final class CueAudioPlayer: @unchecked Sendable {
    /// Samples per second of the stream.
    public let sampleRate: Int
    /// Samples per 20 ms chunk.
    public var chunkSamples: Int { sampleRate / 50 }
    /// Queued safety cues (collision, signal, system) older than this when their turn comes
    /// are dropped (seconds).
    public var staleSeconds = 4.0
    /// Queued guidance cues (obstacles, paving, crosswalk) older than this when their turn
    /// comes are dropped: a clock position or distance heard seconds late misleads.
    public var staleGuidanceSeconds = 1.5
    private let lock = NSLock()
    private var queue: [Item] = []
    private var current: Item?
    private var nextID = 0
    // Timing: from the cue being decided to its first sample and first speech sample leaving.
    private var firstSampleDelays: [Double] = []
    private var speechDelays: [Double] = []
    private(set) var interrupted = 0
    private(set) var dropped = 0
    private(set) var played = 0

    final class Item: @unchecked Sendable {  // mutated under the player's lock only
        let id: Int
        let cue: Cue
        let decidedAt: Double
        var samples: [Float]
        var position = 0
        var speechPending: Bool
        var speechStart: Int?
        var speechGiveUp: Double
        var started = false
        init(id: Int, cue: Cue, decidedAt: Double, samples: [Float], speechPending: Bool) {
            self.id = id
            self.cue = cue
            self.decidedAt = decidedAt
            self.samples = samples
            self.speechPending = speechPending
            speechGiveUp = decidedAt + 2.5
        }
    }

    /// Creates a player at `sampleRate` (8000, 12000 or 16000 for the firmware).
    public init(sampleRate: Int = 16_000) { self.sampleRate = sampleRate }

    /// Queues a cue decided at `decidedAt` (``MonotonicClock/now()``); its speech is rendered by
    /// `speech` with `voice` when available.
    public func enqueue(_ cue: Cue, decidedAt: Double = MonotonicClock.now(), speech: SpeechRenderer?, voice: String) {
        var earcon = Earcon.samples(cue.earcon, urgency: cue.urgency, sampleRate: sampleRate)
        let wantsSpeech = !cue.speech.isEmpty && (speech?.isAvailable ?? false)
        if wantsSpeech { earcon += [Float](repeating: 0, count: sampleRate / 20) }
        lock.lock()
        let item = Item(id: nextID, cue: cue, decidedAt: decidedAt, samples: earcon, speechPending: wantsSpeech)
        nextID += 1
        if let playing = current, cue.interrupts || cue.priority > playing.cue.priority {
            current = nil
            interrupted += 1
        }
        if cue.cancelsCrossing {
            let before = queue.count
            queue.removeAll { $0.cue.message.key == "signal.green" }
            dropped += before - queue.count
        }
        // Highest priority first; equal priorities in order.
        let index = queue.firstIndex { $0.cue.priority < cue.priority } ?? queue.count
        queue.insert(item, at: index)
        if queue.count > 8 {
            queue.removeLast()
            dropped += 1
        }
        lock.unlock()
        if wantsSpeech, let speech {
            speech.render(cue.speech, voice: voice, sampleRate: sampleRate) { [weak self, item] samples in
                guard let self else { return }
                self.lock.lock()
                if let samples {
                    item.speechStart = item.samples.count
                    item.samples += samples
                }
                item.speechPending = false
                self.lock.unlock()
            }
        }
    }

    /// Cuts the cue playing and empties the queue (for example when the walker's camera goes).
    public func cancelAll() {
        lock.lock()
        if current != nil { interrupted += 1 }
        current = nil
        dropped += queue.count
        queue.removeAll()
        lock.unlock()
    }

    /// Whether nothing is playing or queued.
    public var isIdle: Bool {
        lock.lock()
        defer { lock.unlock() }
        return current == nil && queue.isEmpty
    }

    /// The next 20 ms of audio (silence when idle), as samples in `[-1, 1]`.
    public func nextChunk(now: Double = MonotonicClock.now()) -> [Float] {
        let n = chunkSamples
        var out = [Float](repeating: 0, count: n)
        var filled = 0
        lock.lock()
        defer { lock.unlock() }
        while filled < n {
            if current == nil {
                while let first = queue.first,
                      now - first.decidedAt > (first.cue.priority >= .system ? staleSeconds : staleGuidanceSeconds) {
                    queue.removeFirst()
                    dropped += 1
                }
                guard !queue.isEmpty else { break }
                current = queue.removeFirst()
            }
            let item = current!
            let available = item.samples.count - item.position
            if available <= 0 {
                if item.speechPending && now < item.speechGiveUp { break }  // silence until the speech is ready
                current = nil
                played += 1
                continue
            }
            if !item.started {
                item.started = true
                firstSampleDelays.append(now - item.decidedAt)
                if firstSampleDelays.count > 5000 { firstSampleDelays.removeFirst(1000) }
            }
            if let s = item.speechStart, item.position <= s, s < item.position + min(available, n - filled) {
                speechDelays.append(now + Double(s - item.position + filled) / Double(sampleRate) - item.decidedAt)
                if speechDelays.count > 5000 { speechDelays.removeFirst(1000) }
            }
            let take = min(available, n - filled)
            for k in 0..<take { out[filled + k] = item.samples[item.position + k] }
            item.position += take
            filled += take
        }
        return out
    }

    /// Timing so far: seconds from each cue being decided to its first sample being written
    /// (earcon), and to its first speech sample being written (or due, within its chunk).
    public func timing() -> (firstSample: [Double], speech: [Double]) {
        lock.lock()
        defer { lock.unlock() }
        return (firstSampleDelays, speechDelays)
    }

    /// Counters: cues played to the end, interrupted, and dropped (stale, cancelled or overflow).
    public func counters() -> (played: Int, interrupted: Int, dropped: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (played, interrupted, dropped)
    }
}
