import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pair of glasses running the stock firmware, emulated from the protocol spec: the camera
/// socket (reconnect after 1 s), the microphone socket (reconnect after 2 s; 50 ms after
/// connecting it sends `START` and starts the `/stream.wav` player), 20 ms microphone frames on
/// a monotonic schedule, and IMU datagrams every 20 ms from an ephemeral UDP port.
///
/// All of its connections come from one local address, which is how the server tells
/// devices apart; give each emulated device its own loopback address (`127.0.0.2`,
/// `127.0.0.3`, ...) to emulate several.
public final class EmulatedGlasses: @unchecked Sendable {
    /// Server address.
    public let host: String
    /// TCP port.
    public let port: Int
    /// UDP IMU port.
    public let imuPort: Int
    /// The local address the device's sockets bind to (`nil`: any).
    public let localAddress: String?
    /// Camera frames per second (the firmware's `SET:FPS`; 0: as fast as possible).
    public var fps: Double
    /// The JPEG of frame `i`; `nil` ends the camera stream.
    public var frame: @Sendable (Int) -> [UInt8]?
    /// The speaker.
    public private(set) var speaker: StreamWAVReader
    private let lock = NSLock()
    private var running = false
    private var threads: [Thread] = []
    private var _cameraConnects = 0
    private var _micConnects = 0
    private var _framesSent = 0
    private var _micFramesSent = 0
    private var _serverTexts: [String] = []
    private var _cameraFailures: [String] = []
    private var _sendTimes: [Int: Double] = [:]
    private var camera: FirmwareWebSocket?
    private var microphone: FirmwareWebSocket?

    /// Creates a device (not started).
    public init(host: String, port: Int, imuPort: Int, localAddress: String? = nil, fps: Double = 15,
                frame: @escaping @Sendable (Int) -> [UInt8]?) {
        self.host = host
        self.port = port
        self.imuPort = imuPort
        self.localAddress = localAddress
        self.fps = fps
        self.frame = frame
        speaker = StreamWAVReader(host: host, port: port, localAddress: localAddress)
    }

    /// Camera and microphone connections so far.
    public var connects: (camera: Int, microphone: Int) { lock.withLock { (_cameraConnects, _micConnects) } }
    /// Camera frames and microphone frames sent.
    public var sent: (frames: Int, micFrames: Int) { lock.withLock { (_framesSent, _micFramesSent) } }
    /// Texts the server sent (both sockets).
    public var serverTexts: [String] { lock.withLock { _serverTexts } }
    /// Why camera connections failed.
    public var cameraFailures: [String] { lock.withLock { _cameraFailures } }
    /// When frame `i` was sent (monotonic seconds, `ProcessInfo.systemUptime`).
    public func sendTime(_ i: Int) -> Double? { lock.withLock { _sendTimes[i] } }

    private var epoch = 0  // one per boot: tasks of an earlier boot end even if the device runs again

    private var isRunning: Bool { lock.withLock { running } }
    private func alive(_ e: Int) -> Bool { lock.withLock { running && epoch == e } }

    /// Boots: starts the camera, microphone and IMU tasks.
    public func start(camera: Bool = true, microphone: Bool = true, imu: Bool = true) {
        let e = lock.withLock { running = true; epoch += 1; return epoch }
        var list: [Thread] = []
        if camera { list.append(Thread { [self] in cameraLoop(e) }) }
        if microphone { list.append(Thread { [self] in microphoneLoop(e) }) }
        if imu { list.append(Thread { [self] in imuLoop(e) }) }
        threads = list
        for t in list { t.start() }
    }

    /// Powers off cleanly: every socket closed.
    public func stop() {
        lock.withLock { running = false }
        speaker.stop()
        lock.withLock {
            camera?.close()
            microphone?.close()
        }
    }

    /// Reboots the way a power cycle does: the old sockets are left half-open (never closed,
    /// no FIN), the tasks start over with new sockets and a new speaker task.
    public func reboot() -> [Int32] {
        lock.withLock { running = false }
        var abandoned: [Int32] = []
        lock.withLock {
            if let c = camera { abandoned.append(c.socket.abandon()) }
            if let m = microphone { abandoned.append(m.socket.abandon()) }
            camera = nil
            microphone = nil
        }
        abandoned += speaker.abandon()
        Thread.sleep(forTimeInterval: 0.1)
        speaker = StreamWAVReader(host: host, port: port, localAddress: localAddress)
        start()
        return abandoned
    }

    private func cameraLoop(_ e: Int) {
        var i = 0
        while alive(e) {
            let ws: FirmwareWebSocket
            do { ws = try FirmwareWebSocket(host: host, port: port, path: "/ws/camera", localAddress: localAddress) } catch {
                lock.withLock { _cameraFailures.append("\(error)") }
                Thread.sleep(forTimeInterval: 1.0)
                continue
            }
            lock.withLock { camera = ws; _cameraConnects += 1 }
            let start = ProcessInfo.processInfo.systemUptime
            var n = 0
            sending: while alive(e) {
                do {
                    for m in try ws.poll() {
                        switch m {
                        case .text(let t):
                            lock.withLock { _serverTexts.append(t) }
                            if t.hasPrefix("SET:FPS=") { let v = Int(t.dropFirst(8)) ?? 0; fps = v <= 0 ? 0 : Double(min(60, max(5, v))) }
                        case .closed: break sending
                        case .binary: break
                        }
                    }
                    guard let jpeg = frame(i) else {
                        // End of the footage: keep the socket open and idle like a covered lens.
                        Thread.sleep(forTimeInterval: 0.05)
                        continue
                    }
                    if fps > 0 {
                        let due = start + Double(n) / fps
                        let wait = due - ProcessInfo.processInfo.systemUptime
                        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    }
                    guard alive(e) else { break }
                    let t = ProcessInfo.processInfo.systemUptime
                    try ws.sendBinary(jpeg)
                    lock.withLock { _framesSent += 1; _sendTimes[i] = t }
                    i += 1
                    n += 1
                } catch {
                    break
                }
            }
            lock.withLock { if camera === ws { camera = nil } }
            if alive(e) { ws.close(); Thread.sleep(forTimeInterval: 1.0) }
        }
    }

    private func microphoneLoop(_ e: Int) {
        var phase = 0.0
        let speaker = self.speaker  // this boot's player task
        while alive(e) {
            let ws: FirmwareWebSocket
            do { ws = try FirmwareWebSocket(host: host, port: port, path: "/ws_audio", localAddress: localAddress) } catch {
                Thread.sleep(forTimeInterval: 2.0)
                continue
            }
            lock.withLock { microphone = ws; _micConnects += 1 }
            Thread.sleep(forTimeInterval: 0.05)
            do { try ws.sendText("START") } catch { continue }
            speaker.start()
            let start = ProcessInfo.processInfo.systemUptime
            var n = 0
            streaming: while alive(e) {
                do {
                    for m in try ws.poll() {
                        if case .text(let t) = m {
                            lock.withLock { _serverTexts.append(t) }
                            if t == "RESTART" { Thread.sleep(forTimeInterval: 0.05); try ws.sendText("START") }
                        }
                        if case .closed = m { break streaming }
                    }
                    // 320 samples of a quiet 440 Hz tone with noise, 20 ms.
                    var pcm = [UInt8](repeating: 0, count: 640)
                    for k in 0..<320 {
                        let v = Int16(800 * sin(phase) + Double.random(in: -100...100))
                        phase += 2 * .pi * 440 / 16000
                        pcm[2 * k] = UInt8(UInt16(bitPattern: v) & 0xFF)
                        pcm[2 * k + 1] = UInt8(UInt16(bitPattern: v) >> 8)
                    }
                    let due = start + Double(n) * 0.02
                    let wait = due - ProcessInfo.processInfo.systemUptime
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    try ws.sendBinary(pcm)
                    lock.withLock { _micFramesSent += 1 }
                    n += 1
                } catch {
                    break
                }
            }
            speaker.stop()  // stopStreamWav(): clears the shared flag only
            lock.withLock { if microphone === ws { microphone = nil } }
            if alive(e) { ws.close(); Thread.sleep(forTimeInterval: 2.0) }
        }
    }

    private func imuLoop(_ e: Int) {
        guard let udp = try? UDPSender(host: host, port: imuPort, localAddress: localAddress) else { return }
        var ax = 0.0, ay = 9.807, az = 0.0
        let boot = ProcessInfo.processInfo.systemUptime
        var n = 0
        while alive(e) {
            let t = ProcessInfo.processInfo.systemUptime - boot
            // A head turning back and forth (yaw about +y) at up to 60 deg/s, EMA on accel.
            ax = 0.8 * ax + 0.2 * 0.05
            ay = 0.8 * ay + 0.2 * 9.80
            az = 0.8 * az + 0.2 * -0.03
            let gy = 60 * sin(2 * .pi * 0.25 * t)
            let text = String(format: "{\"ts\":%lu,\"temp_c\":%.2f,\"accel\":{\"x\":%.3f,\"y\":%.3f,\"z\":%.3f},\"gyro\":{\"x\":%.3f,\"y\":%.3f,\"z\":%.3f}}",
                              UInt(t * 1000), 31.5, ax, ay, az, 0.27, gy, 0.1)
            udp.send(Array(text.utf8))
            n += 1
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// Sends UDP datagrams from an ephemeral port (the firmware's `udp.begin(0)`).
public final class UDPSender: @unchecked Sendable {
    private let fd: Int32
    private var addr = sockaddr_in()

    /// Opens a socket towards `host:port`, bound to `localAddress` if given.
    public init(host: String, port: Int, localAddress: String? = nil) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw FirmwareFailure("udp socket failed") }
        if let localAddress { try bindLocal(fd, localAddress) }
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
    }

    /// Sends one datagram.
    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { b in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    deinit { _ = Glibc_close(fd) }
}

/// Binds a socket to a local IPv4 address (port 0).
func bindLocal(_ fd: Int32, _ address: String) throws {
    var local = sockaddr_in()
    local.sin_family = sa_family_t(AF_INET)
    inet_pton(AF_INET, address, &local.sin_addr)
    let rc = withUnsafePointer(to: &local) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw FirmwareFailure("bind \(address): \(String(cString: strerror(errno)))") }
}
