import Foundation
import Logging
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCuePipeline

/// One connection slot where the newest connection wins: attaching a connection signals the
/// one it replaces, whose handler then ends (closing its socket).
final class ConnectionSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    private var signal: ReplacementSignal?
    private(set) var connections = 0
    private(set) var replaced = 0

    /// Attaches a new connection; returns its generation and the signal fired when it is replaced.
    func attach() -> (generation: Int, signal: ReplacementSignal) {
        let s = ReplacementSignal()
        lock.lock()
        generation += 1
        connections += 1
        let old = signal
        if old != nil { replaced += 1 }
        signal = s
        let g = generation
        lock.unlock()
        old?.fire()
        return (g, s)
    }

    /// Whether `generation` is still the newest.
    func isCurrent(_ g: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return g == generation && signal != nil
    }

    /// Detaches `g` if it is still the newest.
    func detach(_ g: Int) {
        lock.lock()
        if g == generation { signal = nil }
        lock.unlock()
    }

    var isConnected: Bool {
        lock.lock()
        defer { lock.unlock() }
        return signal != nil
    }
}

/// Fired once when a connection is replaced by a newer one (or its handler ends).
final class ReplacementSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        lock.lock()
        fired = true
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume() }
    }

    var isFired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fired
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if fired {
                lock.unlock()
                c.resume()
            } else {
                waiters.append(c)
                lock.unlock()
            }
        }
    }
}

/// One line of a device's cue log.
public struct GlassesCueRecord: Sendable, Hashable, Codable {
    /// Seconds on the device's cue-engine clock (since its pipeline started).
    public var t: Double
    /// What the cue is about.
    public var kind: String
    /// Phrasebook key.
    public var key: String
    /// Display text.
    public var text: String
    /// Priority.
    public var priority: Int
    /// Whether it cut off the cue before it.
    public var interrupts: Bool
    /// Held back because the head was turning fast (not played).
    public var heldBack: Bool
    /// When it was decided (``MonotonicClock/now()``, seconds).
    public var decidedAt: Double
    /// The cue itself.
    public var cue: Cue
}

/// One walker: the camera, microphone and speaker connections of one pair of glasses, their
/// pipeline (tracker, cue engine), its speech queue and counters.
///
/// A device is identified by the remote IPv4 address of its connections: the firmware opens
/// its camera and microphone WebSockets, its `/stream.wav` requests and its IMU datagrams from
/// one address (its DHCP lease on the board's access point). Glasses behind one NAT address
/// would be merged; on the access point each gets its own address.
public final class GlassesDevice: @unchecked Sendable {
    /// The device's address.
    public let id: String
    /// The camera frames.
    public let source: GlassesFrameSource
    /// The speaker's cue queue.
    public let audio: CueAudioPlayer
    let camera = ConnectionSlot()
    let microphone = ConnectionSlot()
    let stream = ConnectionSlot()
    private let configuration: GlassesConfiguration
    private let speech: SpeechRenderer
    private let voice: String
    private let logger: Logger
    private let lock = NSLock()
    private var pipeline: Pipeline?
    private var pipelineThread: Thread?
    private var pipelineError: String?
    private var cueLog: [GlassesCueRecord] = []
    private var latest: ProcessedFrame?
    private var latestJPEG: (sequence: UInt64, bytes: [UInt8])?
    private var processedTimes: [Double] = []
    private var firstFrameTime: Double?
    private(set) var head = HeadState()
    private var counters = DeviceCounters()
    private var recorder: DeviceRecorder?
    let created = MonotonicClock.now()

    /// Counters of one device (also in `/status.json`).
    public struct DeviceCounters: Sendable, Hashable, Codable {
        /// Binary messages (JPEG frames, good or not) on the camera socket.
        public var cameraFrames = 0
        /// Text messages on the camera socket (`SNAP:BEGIN`/`SNAP:END` included).
        public var cameraTexts = 0
        /// Camera sockets that ended with an error (protocol errors, over-size frames).
        public var cameraErrors = 0
        /// `START` messages on the microphone socket.
        public var micStarts = 0
        /// 640-byte microphone frames.
        public var micFrames = 0
        /// Microphone binary messages of another size, and unexpected text.
        public var micBad = 0
        /// `/stream.wav` requests.
        public var streamRequests = 0
        /// 20 ms chunks written.
        public var streamChunks = 0
        /// Chunks written more than 100 ms late (the writer fell behind its clock).
        public var streamLateChunks = 0
        /// `/stream.wav` responses ended because the reader stopped reading: no chunk could be
        /// written for ``GlassesConfiguration/streamStallSeconds`` (the connection is closed).
        public var streamStalls = 0
        /// Camera sockets closed after ``GlassesConfiguration/inactivitySeconds`` without a whole
        /// message (a half-open socket, or one that stalled mid-frame).
        public var cameraTimeouts = 0
        /// Microphone sockets closed the same way.
        public var micTimeouts = 0
        /// Cues held back while the head turned fast.
        public var cuesHeldBack = 0
        /// IMU datagrams that did not parse.
        public var imuBad = 0
    }

    init(id: String, configuration: GlassesConfiguration, speech: SpeechRenderer, voice: String, logger: Logger) {
        self.id = id
        self.configuration = configuration
        self.speech = speech
        self.voice = voice
        self.logger = logger
        source = GlassesFrameSource(device: id, mirrored: configuration.mirrored)
        audio = CueAudioPlayer(sampleRate: configuration.streamSampleRate)
        if let dir = configuration.recordDirectory {
            do { recorder = try DeviceRecorder(directory: dir, device: id) } catch {
                logger.error("cannot record device \(id): \(error)")
            }
        }
    }

    /// Starts the device's pipeline if it is not running (on the first camera connection).
    func startPipelineIfNeeded() {
        lock.lock()
        if pipeline != nil || pipelineError != nil { lock.unlock(); return }
        lock.unlock()
        let detector: any ObjectDetecting
        do { detector = try configuration.makeDetector(id) } catch {
            lock.lock()
            pipelineError = "\(error)"
            lock.unlock()
            logger.error("device \(id): cannot make the detector: \(error)")
            return
        }
        var options = configuration.pipeline
        options.mode = .live
        let p: Pipeline
        do {
            p = try Pipeline(source: source, detector: detector, options: options) { [weak self] event in
                self?.handle(event)
            }
        } catch {
            lock.lock()
            pipelineError = "\(error)"
            lock.unlock()
            logger.error("device \(id): cannot start the pipeline: \(error)")
            return
        }
        lock.lock()
        guard pipeline == nil else { lock.unlock(); return }
        pipeline = p
        let t = Thread { _ = try? p.run() }
        t.name = "waycue.glasses.pipeline"
        pipelineThread = t
        lock.unlock()
        t.start()
    }

    private func handle(_ event: PipelineEvent) {
        let now = MonotonicClock.now()
        switch event {
        case .frame(let frame, let cues):
            lock.lock()
            latest = frame
            if firstFrameTime == nil { firstFrameTime = frame.time }
            processedTimes.append(now)
            if processedTimes.count > 64 { processedTimes.removeFirst(processedTimes.count - 64) }
            lock.unlock()
            deliver(cues, at: now)
        case .tick(_, let cues):
            deliver(cues, at: now)
        }
    }

    /// Routes the engine's cues to the speaker and the log, holding obstacle cues back while
    /// the head turns fast.
    func deliver(_ cues: [Cue], at now: Double) {
        guard !cues.isEmpty else { return }
        lock.lock()
        let turning = configuration.headTurnLimit.map { limit in
            abs(head.yawRate) > limit && now - head.receivedAt < 0.3
        } ?? false
        var toPlay: [Cue] = []
        for cue in cues {
            let hold = turning && cue.kind == .obstacle
            if hold { counters.cuesHeldBack += 1 } else { toPlay.append(cue) }
            cueLog.append(GlassesCueRecord(t: cue.timestamp, kind: cue.kind.rawValue, key: cue.message.key, text: cue.text,
                                           priority: cue.priority.rawValue, interrupts: cue.interrupts, heldBack: hold, decidedAt: now, cue: cue))
        }
        if cueLog.count > 2000 { cueLog.removeFirst(cueLog.count - 2000) }
        let rec = recorder
        lock.unlock()
        for cue in toPlay { audio.enqueue(cue, decidedAt: now, speech: speech, voice: voice) }
        for cue in cues { rec?.cue(cue) }
    }

    // MARK: Camera, microphone, IMU input

    func cameraBinary(_ bytes: [UInt8], receivedAt: Double) {
        count(\.cameraFrames)
        recorder?.camera(bytes)
        if let problem = source.offer(bytes, receivedAt: receivedAt) {
            logger.notice("device \(id): camera frame refused (\(problem.rawValue), \(bytes.count) bytes)")
        }
    }

    func cameraText(_ text: String) {
        count(\.cameraTexts)
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t != "SNAP:BEGIN" && t != "SNAP:END" {
            source.refuse(.text)
            logger.notice("device \(id): text on the camera socket (\(t.prefix(40)))")
        }
    }

    /// Adds one to a counter (socket errors, timeouts, stalls: events the server sees).
    func count(_ counter: WritableKeyPath<DeviceCounters, Int>) {
        lock.lock()
        counters[keyPath: counter] += 1
        lock.unlock()
    }

    /// Handles a microphone text message; returns the reply to send, if any.
    func microphoneText(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        lock.lock()
        defer { lock.unlock() }
        if t.uppercased() == "START" {
            counters.micStarts += 1
            return "OK:STARTED"
        }
        if t.uppercased() == "STOP" { return "OK:STOPPED" }
        counters.micBad += 1
        return nil
    }

    func microphoneBinary(_ bytes: [UInt8]) {
        count(bytes.count == 640 ? \.micFrames : \.micBad)
        recorder?.microphone(bytes)
    }

    func imu(_ sample: IMUSample?, raw bytes: [UInt8], at now: Double) {
        guard let sample else {
            count(\.imuBad)
            return
        }
        lock.lock()
        head.update(sample, at: now)
        lock.unlock()
        recorder?.imu(bytes)
    }


    func streamChunkWritten(late: Bool) {
        lock.lock()
        counters.streamChunks += 1
        if late { counters.streamLateChunks += 1 }
        lock.unlock()
    }

    // MARK: Reading

    /// The cue log (oldest first, at most 2000).
    public func cues() -> [GlassesCueRecord] {
        lock.lock()
        defer { lock.unlock() }
        return cueLog
    }

    /// The engine time of the first processed frame (to line cues up with a recorded walk).
    public var firstFrameEngineTime: Double? {
        lock.lock()
        defer { lock.unlock() }
        return firstFrameTime
    }

    /// The pipeline's statistics (`nil` before the first camera connection).
    public func pipelineStats() -> PipelineStats? {
        lock.lock()
        let p = pipeline
        lock.unlock()
        return p?.stats()
    }

    /// The device's counters.
    public func deviceCounters() -> DeviceCounters {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    /// The head's state from the IMU.
    public func headState() -> HeadState {
        lock.lock()
        defer { lock.unlock() }
        return head
    }

    /// Processed frames per second over the last frames.
    public func framesPerSecond(now: Double = MonotonicClock.now()) -> Double {
        lock.lock()
        defer { lock.unlock() }
        let recent = processedTimes.filter { now - $0 < 3 }
        guard recent.count >= 2, let a = recent.first, let b = recent.last, b > a else { return 0 }
        return Double(recent.count - 1) / (b - a)
    }

    /// The newest processed frame with its detections drawn, as JPEG (`nil` before the first).
    public func annotatedJPEG() -> [UInt8]? {
        lock.lock()
        guard let frame = latest else { lock.unlock(); return nil }
        if let cached = latestJPEG, cached.sequence == frame.sequence { lock.unlock(); return cached.bytes }
        lock.unlock()
        var image = frame.image
        for d in frame.detections {
            image.drawLabeledBox(d.box, label: "\(d.objectClass.rawValue) \(Int(d.score * 100))", color: .yellow)
        }
        guard let bytes = try? image.jpegData(quality: 75) else { return nil }
        lock.lock()
        latestJPEG = (frame.sequence, bytes)
        lock.unlock()
        return bytes
    }

    /// Why the pipeline could not start, if it could not.
    public var pipelineProblem: String? {
        lock.lock()
        defer { lock.unlock() }
        return pipelineError
    }

    /// Stops the pipeline and closes the recordings.
    func shutdown() {
        source.close()
        lock.lock()
        let p = pipeline
        let rec = recorder
        lock.unlock()
        p?.stop()
        rec?.close()
    }
}

/// `--record`: one folder per device and server start.
final class DeviceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let mjpeg: FileHandle
    private let imuFile: FileHandle
    private let cueFile: FileHandle
    private let mic: WAVFileWriter

    init(directory: URL, device: String) throws {
        let stamp = Int(Date().timeIntervalSince1970)
        let dir = directory.appendingPathComponent("\(device.replacingOccurrences(of: ":", with: "_"))-\(stamp)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func open(_ name: String) throws -> FileHandle {
            let url = dir.appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
            }
            return try FileHandle(forWritingTo: url)
        }
        mjpeg = try open("camera.mjpeg")
        imuFile = try open("imu.jsonl")
        cueFile = try open("cues.jsonl")
        mic = try WAVFileWriter(url: dir.appendingPathComponent("mic.wav"), sampleRate: 16_000)
    }

    func camera(_ bytes: [UInt8]) { lock.lock(); try? mjpeg.write(contentsOf: Data(bytes)); lock.unlock() }
    func microphone(_ bytes: [UInt8]) { mic.append(pcm16: bytes) }
    func imu(_ bytes: [UInt8]) { lock.lock(); try? imuFile.write(contentsOf: Data(bytes + [0x0A])); lock.unlock() }
    func cue(_ cue: Cue) {
        lock.lock()
        try? cueFile.write(contentsOf: Data((JSONLinesCueSink.line(for: cue) + "\n").utf8))
        lock.unlock()
    }
    func close() {
        lock.lock()
        try? mjpeg.close(); try? imuFile.close(); try? cueFile.close()
        lock.unlock()
        mic.close()
    }
}
