import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import WayCueCapture
import WayCueCues
import WayCuePipeline

/// The request context: Hummingbird's WebSocket context plus the peer's address, which
/// identifies the device.
public struct GlassesRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The peer's IP address (`"unknown"` when the channel has none).
    public let remoteIP: String
    /// The connection's channel (socket options of `/stream.wav`).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }
}

/// The local backend of the open ESP32 guidance glasses (AI-FanGe/OpenAIglasses_for_Navigation)
/// running their **stock firmware**, in one process:
///
/// - `/ws/camera` (WebSocket): one JPEG per binary message, mirrored left-right by the firmware
///   (un-mirrored here first). Newest frame wins (older unprocessed frames are dropped and
///   counted); newest connection wins (a rebooted device's new socket closes its old one).
/// - `/ws_audio` (WebSocket): `START` is answered `OK:STARTED`; 640-byte 16 kHz PCM frames are
///   counted and, with a record directory, written to `mic.wav`. No speech recognition.
/// - `GET /stream.wav`: the speaker. Chunked 16-bit mono PCM: the 44-byte WAV header, then one
///   20 ms chunk per 20 ms of a monotonic clock (each chunk one write), silence while idle so
///   the device's 1.5 s read timeout never fires. One consumer per device: the newest request
///   wins and older ones end cleanly (terminal chunk). Cues are earcons plus `espeak-ng`
///   speech (a subprocess), with the cue engine's priorities; an interrupting cue cuts the one
///   playing on the open stream.
/// - UDP (``GlassesConfiguration/imuPort``): the IMU's JSON datagrams, parsed and counted; the
///   head's turn rate holds obstacle cues (clock positions) back while the head turns fast.
/// - `GET /` (status page), `GET /status.json`, `GET /frame.jpg?device=IP`, `GET /api/health`.
///
/// Every pair of glasses (identified by its IP address, see ``GlassesDevice``) gets its own
/// pipeline: detector, tracker, cue engine and speech queue.
///
/// ```swift
/// var config = GlassesConfiguration { _ in try Detector.default(threads: 1) }
/// let server = try GlassesServer(configuration: config, logger: Logger(label: "glasses"))
/// try await server.run()
/// ```
public final class GlassesServer: @unchecked Sendable {
    /// The settings.
    public let configuration: GlassesConfiguration
    /// The logger.
    public let logger: Logger
    /// Speech for every device.
    public let speech: SpeechRenderer
    private let voice: String
    private let lock = NSLock()
    private var devices: [String: GlassesDevice] = [:]
    private var imu: IMUReceiver?
    private var imuGood = 0
    private var imuBad = 0
    private var lastActive: String?
    private let started = MonotonicClock.now()

    /// Creates the service and binds the UDP IMU port (the TCP port is bound by ``run()``).
    ///
    /// - Throws: ``GlassesError`` for invalid settings or when the UDP port cannot be bound.
    public init(configuration: GlassesConfiguration, logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        let backend = configuration.makeSpeech()
        speech = SpeechRenderer(backend: backend)
        if backend == nil {
            logger.warning("espeak-ng not found on PATH: cues play as earcons only (install espeak-ng for speech)")
        }
        voice = (try? Phrasebook.bundled(configuration.pipeline.language).voice) ?? "en"
        imu = try IMUReceiver(host: configuration.host, port: configuration.imuPort) { [weak self] bytes, ip in
            self?.imuDatagram(bytes, from: ip)
        }
    }

    /// The UDP port the IMU receiver is bound to.
    public var imuPort: Int { imu?.port ?? 0 }

    /// The device with address `id`, created on first contact.
    public func device(_ id: String) -> GlassesDevice {
        lock.lock()
        defer { lock.unlock() }
        if let d = devices[id] { return d }
        let d = GlassesDevice(id: id, configuration: configuration, speech: speech, voice: voice, logger: logger)
        devices[id] = d
        logger.info("new device \(id)")
        return d
    }

    /// Every device seen, by address.
    public func allDevices() -> [GlassesDevice] {
        lock.lock()
        defer { lock.unlock() }
        return devices.values.sorted { $0.id < $1.id }
    }

    /// Good and bad IMU datagrams (all devices).
    public func imuCounts() -> (good: Int, bad: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (imuGood, imuBad)
    }

    private func imuDatagram(_ bytes: [UInt8], from ip: String) {
        let sample = IMUSample.parse(bytes)
        lock.lock()
        if sample != nil { imuGood += 1 } else { imuBad += 1 }
        let bad = imuBad
        let known = devices[ip]
        lock.unlock()
        if sample == nil && (bad <= 5 || bad % 1000 == 0) {
            logger.notice("bad IMU datagram from \(ip) (\(bytes.count) bytes); \(bad) so far")
        }
        // Good datagrams come from boot on, before any socket: they make the device known.
        // Garbage from an unknown address is only counted.
        guard let d = known ?? (sample != nil ? device(ip) : nil) else { return }
        d.imu(sample, raw: bytes, at: MonotonicClock.now())
    }

    /// The device `id`, or the one whose camera connected last; `nil` if unknown.
    func knownDevice(_ id: String?) -> GlassesDevice? {
        lock.withLock { (id ?? lastActive).flatMap { devices[$0] } }
    }

    private func touch(_ id: String) {
        lock.lock()
        lastActive = id
        lock.unlock()
    }

    // MARK: Application

    /// Builds the Hummingbird application (the IMU receiver starts with it).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: GlassesRequestContext.self)
        let wsRouter = Router(context: GlassesRequestContext.self)
        addHTTPRoutes(router)
        addWebSocketRoutes(wsRouter)
        let wsResponder = wsRouter.buildResponder()
        let ws = WebSocketServerConfiguration(maxFrameSize: 1 << 20, autoPing: .disabled, closeTimeout: .seconds(2))
        let fix = configuration.firmwareHandshakeFix
        let server = HTTPServerBuilder { responder in
            FirmwareCompatibleChannel(fix: fix, inner: HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: wsResponder,
                configuration: .init(http1: .init(), ws: ws)))
        }
        imu?.start()
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "waycue"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM.
    public func run() async throws {
        let app = makeApplication()
        logger.info("waycue glasses listening", metadata: [
            "host": "\(configuration.host)", "port": "\(configuration.port)", "imu_port": "\(imuPort)",
            "speech": "\(speech.isAvailable ? "espeak-ng" : "earcons only")",
        ])
        try await app.runService()
        shutdown()
    }

    /// Stops every device's pipeline and the IMU receiver.
    public func shutdown() {
        imu?.stop()
        for d in allDevices() { d.shutdown() }
    }

    private func addHTTPRoutes(_ router: Router<GlassesRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
        }
        router.get("/api/health") { _, _ in "OK" }
        router.get("/status.json") { [self] _, _ in
            let data = (try? JSONEncoder.glassesSorted.encode(status())) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/frame.jpg") { [self] request, _ in
            let wanted = request.uri.queryParameters["device"].map(String.init)
            guard let d = knownDevice(wanted), let jpeg = d.annotatedJPEG() else {
                return Response(status: .notFound, headers: [.contentType: "text/plain"],
                                body: .init(byteBuffer: ByteBuffer(string: "no frame yet\n")))
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
        }
        router.get("/stream.wav") { [self] _, context in
            let d = device(context.remoteIP)
            d.count(\.streamRequests)
            let (generation, replaced) = d.stream.attach()
            let rate = configuration.streamSampleRate
            let stallSeconds = configuration.streamStallSeconds
            let log = logger
            // A small kernel send buffer (one second of 16 kHz audio; Linux doubles it): a reader
            // that reads takes each chunk at once anyway, and one that stops reading is found in
            // seconds rather than after megabytes of autotuned buffer.
            _ = context.channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: 32_768)
            return Response(status: .ok, headers: [.contentType: "audio/wav"], body: .init { writer in
                defer { d.stream.detach(generation) }
                // The writing loop runs as a child task beside a stall watch: when the reader
                // stops reading, a write waits for ever once the socket's buffers are full; the
                // watch then cancels it (NIO's writer throws on cancellation) and the response
                // ends with an error, which closes the connection.
                let box = BodyWriterBox(writer)
                let progress = InactivityWatchdog(seconds: stallSeconds)
                do {
                    try await withThrowingTaskGroup(of: Bool.self) { group in
                        group.addTask {
                            try await Self.writeStream(to: box, device: d, sampleRate: rate, replaced: replaced, progress: progress)
                            return true
                        }
                        group.addTask {
                            await progress.run()
                            return false
                        }
                        let finished = try await group.next() ?? true
                        group.cancelAll()
                        if !finished { throw StreamStall() }
                    }
                } catch is StreamStall {
                    d.count(\.streamStalls)
                    log.warning("device \(d.id): /stream.wav reader stopped reading (no chunk written for \(stallSeconds) s); closing that connection")
                    throw StreamStall()
                }
                writer = box.writer
                log.info("device \(d.id): /stream.wav replaced by a newer request; ending the older one")
                try await writer.finish(nil)
            })
        }
    }

    /// Writes the WAV header, then one chunk per 20 ms of the clock until `replaced` fires,
    /// poking `progress` after each completed write.
    private static func writeStream(to box: BodyWriterBox, device d: GlassesDevice, sampleRate rate: Int,
                                    replaced: ReplacementSignal, progress: InactivityWatchdog) async throws {
        try await box.writer.write(ByteBuffer(bytes: WAVStream.header(sampleRate: rate)))
        progress.poke()
        // One chunk per 20 ms of the clock, starting 60 ms ahead (the device buffers about
        // 180 ms): never a burst, never a gap.
        let clock = ContinuousClock()
        let period = Duration.milliseconds(20)
        var due = clock.now - .milliseconds(60)
        while !replaced.isFired && !Task.isCancelled {
            let samples = d.audio.nextChunk()
            try await box.writer.write(ByteBuffer(bytes: WAVStream.pcm16(samples[...])))
            progress.poke()
            let now = clock.now
            let late = now - due > .milliseconds(100)
            d.streamChunkWritten(late: late)
            due += period
            if now - due > .milliseconds(200) { due = now }  // fell far behind: resync, no burst
            try? await Task.sleep(until: due, tolerance: .milliseconds(2), clock: clock)
        }
    }

    private func addWebSocketRoutes(_ router: Router<GlassesRequestContext>) {
        let inactivity = configuration.inactivitySeconds
        router.ws("/ws/camera", shouldUpgrade: { _, _ in .upgrade([:]) }, onUpgrade: { [self] inbound, outbound, context in
            let d = device(context.requestContext.remoteIP)
            touch(d.id)
            let (generation, replaced) = d.camera.attach()
            if d.camera.connections > 1 { logger.info("device \(d.id): camera reconnected (#\(d.camera.connections))") }
            defer { d.camera.detach(generation) }
            d.startPipelineIfNeeded()
            if let q = configuration.cameraQuality { try? await outbound.write(.text("SET:QUALITY=\(q)")) }
            if let f = configuration.cameraFPS { try? await outbound.write(.text("SET:FPS=\(f)")) }
            let watchdog = InactivityWatchdog(seconds: inactivity)
            let end = await Self.untilReplaced(replaced, watchdog: watchdog) {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        watchdog.poke()
                        switch message {
                        case .binary(let buffer):
                            d.cameraBinary(Array(buffer.readableBytesView), receivedAt: MonotonicClock.now())
                        case .text(let text):
                            d.cameraText(text)
                        }
                    }
                } catch where !Task.isCancelled {
                    d.count(\.cameraErrors)
                    self.logger.notice("device \(d.id): camera socket error: \(error)")
                } catch {
                    // Cancelled: replaced by a newer connection, or closed for inactivity.
                }
            }
            if end == .inactive {
                d.count(\.cameraTimeouts)
                logger.notice("device \(d.id): camera socket silent for \(inactivity) s (half-open, or stalled mid-frame); closed")
            }
        })
        router.ws("/ws_audio", shouldUpgrade: { _, _ in .upgrade([:]) }, onUpgrade: { [self] inbound, outbound, context in
            let d = device(context.requestContext.remoteIP)
            let (generation, replaced) = d.microphone.attach()
            defer { d.microphone.detach(generation) }
            let watchdog = InactivityWatchdog(seconds: inactivity)
            let end = await Self.untilReplaced(replaced, watchdog: watchdog) {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        watchdog.poke()
                        switch message {
                        case .binary(let buffer):
                            d.microphoneBinary(Array(buffer.readableBytesView))
                        case .text(let text):
                            if let reply = d.microphoneText(text) { try await outbound.write(.text(reply)) }
                        }
                    }
                } catch where !Task.isCancelled {
                    self.logger.notice("device \(d.id): microphone socket error: \(error)")
                } catch {
                    // Cancelled: replaced by a newer connection, or closed for inactivity.
                }
            }
            if end == .inactive {
                d.count(\.micTimeouts)
                logger.notice("device \(d.id): microphone socket silent for \(inactivity) s; closed")
            }
        })
    }

    /// Why a socket's read loop ended.
    enum SocketEnd: Sendable { case closed, replaced, inactive }

    /// Runs `body` (the socket's read loop) until it ends, the connection is replaced by a
    /// newer one from the same device, or nothing arrives for the watchdog's seconds; returns
    /// which came first.
    @discardableResult
    static func untilReplaced(_ replaced: ReplacementSignal, watchdog: InactivityWatchdog,
                              _ body: @escaping @Sendable () async -> Void) async -> SocketEnd {
        await withTaskGroup(of: SocketEnd.self) { group in
            group.addTask { await body(); return .closed }
            group.addTask { await replaced.wait(); return .replaced }
            group.addTask { await watchdog.run(); return .inactive }
            let end = await group.next() ?? .closed
            group.cancelAll()
            replaced.fire()  // wakes the waiter if the read loop ended first
            return end
        }
    }

    // MARK: Status

    /// The status of the service and every device (also `GET /status.json`).
    public func status() -> GlassesStatus {
        let now = MonotonicClock.now()
        let (good, bad) = imuCounts()
        return GlassesStatus(
            uptimeSeconds: now - started, speech: speech.isAvailable ? "espeak-ng" : "earcons only",
            streamSampleRate: configuration.streamSampleRate, imuGood: good, imuBad: bad,
            devices: allDevices().map { GlassesStatus.Device($0, now: now) })
    }
}

/// Ends a connection's wait when nothing arrived for a while (half-open sockets).
/// Thrown to end a `/stream.wav` response whose reader stopped reading.
struct StreamStall: Error {}

/// Hands the response body writer to the child task that writes the stream. Only one task
/// uses it at a time: the writing task while it runs, the response closure after the task
/// group has ended.
final class BodyWriterBox: @unchecked Sendable {
    var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }
}

final class InactivityWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var last = MonotonicClock.now()
    let seconds: Double
    init(seconds: Double) { self.seconds = seconds }
    func poke() { lock.lock(); last = MonotonicClock.now(); lock.unlock() }
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let idle = lock.withLock { MonotonicClock.now() - last }
            if idle > seconds { return }
        }
    }
}

/// What `GET /status.json` returns.
public struct GlassesStatus: Sendable, Codable {
    /// Seconds since the service started.
    public var uptimeSeconds: Double
    /// `espeak-ng` or `earcons only`.
    public var speech: String
    /// Sample rate of `/stream.wav`.
    public var streamSampleRate: Int
    /// IMU datagrams parsed and refused (all devices).
    public var imuGood, imuBad: Int
    /// Every device.
    public var devices: [Device]

    /// One device.
    public struct Device: Sendable, Codable {
        /// Its address.
        public var id: String
        /// Whether each socket is connected now.
        public var cameraConnected, microphoneConnected, streamConnected: Bool
        /// Connections so far, and how many replaced an older one (reconnects).
        public var cameraConnections, cameraReplaced, microphoneConnections, streamConnections, streamReplaced: Int
        /// Processed frames per second.
        public var fps: Double
        /// Camera frames: accepted, dropped (newest wins, in the source and the pipeline), processed.
        public var framesAccepted, framesDropped, framesProcessed: Int
        /// Refused camera messages by reason (`not_jpeg`, `truncated`, `too_large`, `text`).
        public var framesRefused: [String: Int]
        /// Frame-to-cue latency, milliseconds (median and 95th percentile).
        public var frameToCueMedianMS, frameToCueP95MS: Double?
        /// Cue audio: decided to first sample written, and to first speech sample (median, ms).
        public var cueToSoundMedianMS, cueToSpeechMedianMS: Double?
        /// Other counters.
        public var counters: GlassesDevice.DeviceCounters
        /// The head: yaw rate (°/s), roll and pitch (degrees), IMU rate (Hz), samples.
        public var headYawRate, headRoll, headPitch, imuRateHz: Double
        /// IMU samples.
        public var imuSamples: Int
        /// Why the pipeline is not running, if it is not.
        public var pipelineProblem: String?
        /// The last 30 cues, newest last.
        public var cues: [GlassesCueRecord]

        init(_ d: GlassesDevice, now: Double) {
            id = d.id
            cameraConnected = d.camera.isConnected
            microphoneConnected = d.microphone.isConnected
            streamConnected = d.stream.isConnected
            cameraConnections = d.camera.connections
            cameraReplaced = d.camera.replaced
            microphoneConnections = d.microphone.connections
            streamConnections = d.stream.connections
            streamReplaced = d.stream.replaced
            fps = d.framesPerSecond(now: now)
            let src = d.source.counters()
            let stats = d.pipelineStats()
            framesAccepted = src.accepted
            framesDropped = src.droppedBeforeDecode + (stats?.framesDropped ?? 0)
            framesProcessed = stats?.framesProcessed ?? 0
            framesRefused = src.refused
            if let h = stats?.histograms[.frameToCue] {
                frameToCueMedianMS = h.percentile(50).map { $0 * 1000 }
                frameToCueP95MS = h.percentile(95).map { $0 * 1000 }
            }
            let timing = d.audio.timing()
            cueToSoundMedianMS = Self.median(timing.firstSample).map { $0 * 1000 }
            cueToSpeechMedianMS = Self.median(timing.speech).map { $0 * 1000 }
            counters = d.deviceCounters()
            let head = d.headState()
            headYawRate = head.yawRate
            headRoll = head.roll
            headPitch = head.pitch
            imuRateHz = head.rateHz
            imuSamples = head.samples
            pipelineProblem = d.pipelineProblem
            cues = Array(d.cues().suffix(30))
        }

        static func median(_ v: [Double]) -> Double? {
            guard !v.isEmpty else { return nil }
            let s = v.sorted()
            return s[s.count / 2]
        }
    }
}

extension JSONEncoder {
    static var glassesSorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}
