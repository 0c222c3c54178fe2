import Foundation
import WayCueCapture

/// The firmware's `/stream.wav` player task, from the protocol spec: the exact GET, the
/// header limits (3 s in all, 1 s a line), `RIFF....WAVE` within 1 s, the RIFF chunk walk
/// (PCM, mono, 16 bits, 8/12/16 kHz), then 20 ms blocks with a 1.5 s timeout; on any failure it
/// closes and reconnects after 200 ms (300 + 200 ms after a header failure, 500 ms after a
/// connect failure). It records what a test needs: GET times, clean ends, timeouts and the PCM.
public final class StreamWAVReader: @unchecked Sendable {
    /// Where the server is.
    public let host: String
    /// Its port.
    public let port: Int
    private let lock = NSLock()
    private var running = false
    private var thread: Thread?
    private var socket: FirmwareSocket?
    private var _gets: [Date] = []
    private var _cleanEnds = 0
    private var _timeouts = 0
    private var _failures: [String] = []
    private var _samples: [Float] = []
    private var _sampleRate = 0
    private var _firstSampleAt: Date?
    private var _gapMax = 0.0
    private var _arrivals: [Double] = []  // MonotonicClock time of each block, by block index
    private var _blockSamples = 0

    /// Whether the loop reconnects after a failure or a clean end (the firmware: always).
    public var reconnects = true

    /// The local address the requests come from (`nil`: any).
    public let localAddress: String?

    /// Creates a reader (not started).
    public init(host: String, port: Int, localAddress: String? = nil) {
        self.host = host
        self.port = port
        self.localAddress = localAddress
    }

    /// Stops the loop, leaving the connection half-open (a power cycle); returns its descriptor.
    public func abandon() -> [Int32] {
        lock.lock()
        running = false
        let s = socket
        socket = nil
        lock.unlock()
        return s.map { [$0.abandon()] } ?? []
    }

    /// The exact request of the firmware.
    public func request() -> [UInt8] {
        Array("GET /stream.wav HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: keep-alive\r\n\r\n".utf8)
    }

    /// Starts the player loop on a thread of its own.
    public func start() {
        lock.lock()
        if running { lock.unlock(); return }  // one player task per flag, as startStreamWav()
        running = true
        lock.unlock()
        let t = Thread { [self] in loop() }
        t.name = "emulator.stream.wav"
        thread = t
        t.start()
    }

    /// Stops the loop (the shared `running` flag) and closes the connection.
    public func stop() {
        lock.lock()
        running = false
        let s = socket
        lock.unlock()
        s?.close()
    }

    private var isRunning: Bool { lock.withLock { running } }

    /// GET times, in order.
    public var gets: [Date] { lock.withLock { _gets } }
    /// Responses that ended with the terminal chunk.
    public var cleanEnds: Int { lock.withLock { _cleanEnds } }
    /// 1.5 s read timeouts.
    public var timeouts: Int { lock.withLock { _timeouts } }
    /// Every failure's reason.
    public var failures: [String] { lock.withLock { _failures } }
    /// Every sample received, in `[-1, 1]`.
    public var samples: [Float] { lock.withLock { _samples } }
    /// The stream's sample rate (0 before the first header).
    public var sampleRate: Int { lock.withLock { _sampleRate } }
    /// The longest wait for a 20 ms block, seconds.
    public var longestGap: Double { lock.withLock { _gapMax } }
    /// The samples of the blocks that arrived between two ``MonotonicClock`` times.
    public func samples(arrivedFrom from: Double, to: Double) -> [Float] {
        lock.withLock {
            var out: [Float] = []
            for (i, t) in _arrivals.enumerated() where t >= from && t <= to {
                let a = i * _blockSamples, b = min(_samples.count, a + _blockSamples)
                if a < b { out += _samples[a..<b] }
            }
            return out
        }
    }

    /// Resets the longest gap.
    public func resetGap() { lock.withLock { _gapMax = 0 } }

    private func fail(_ reason: String) {
        lock.withLock { _failures.append(reason) }
    }

    private func loop() {
        while isRunning {
            let s: FirmwareSocket
            do { s = try FirmwareSocket(host: host, port: port, timeout: 2, localAddress: localAddress) } catch {
                fail("connect: \(error)")
                Thread.sleep(forTimeInterval: 0.5)
                continue
            }
            lock.withLock { socket = s }
            var headerFailure = false
            do {
                try play(s, headerFailure: &headerFailure)
            } catch {
                fail("\(error)")
            }
            s.close()
            if !reconnects { lock.withLock { running = false } }
            guard isRunning else { break }
            Thread.sleep(forTimeInterval: headerFailure ? 0.5 : 0.2)
        }
    }

    private func play(_ s: FirmwareSocket, headerFailure: inout Bool) throws {
        try s.send(request())
        lock.withLock { _gets.append(Date()) }
        headerFailure = true
        // Headers: 1 s a line, 3 s in all; the status is not checked.
        let start = Date()
        var chunked = false
        while true {
            let line = try s.readLine(timeout: 1.0)
            if Date().timeIntervalSince(start) > 3 { throw FirmwareFailure("headers took more than 3 s") }
            if line == "\r\n" { break }
            let lower = line.lowercased()
            if lower.hasPrefix("transfer-encoding:") && lower.contains("chunked") { chunked = true }
        }
        let body = ChunkedBody(socket: s, chunked: chunked)
        let riff = try body.read(12, timeout: 1.0)
        guard riff[0..<4].elementsEqual("RIFF".utf8), riff[8..<12].elementsEqual("WAVE".utf8) else {
            throw FirmwareFailure("no RIFF/WAVE at the start of the body")
        }
        var rate = 0
        while true {
            let h = try body.read(8, timeout: 1.0)
            let id = String(decoding: h[0..<4], as: UTF8.self)
            let size = Int(h[4]) | Int(h[5]) << 8 | Int(h[6]) << 16 | Int(h[7]) << 24
            if id == "fmt " {
                guard size >= 16 else { throw FirmwareFailure("fmt chunk shorter than 16") }
                let f = try body.read(size, timeout: 1.0)
                let format = Int(f[0]) | Int(f[1]) << 8, channels = Int(f[2]) | Int(f[3]) << 8
                rate = Int(f[4]) | Int(f[5]) << 8 | Int(f[6]) << 16 | Int(f[7]) << 24
                let bits = Int(f[14]) | Int(f[15]) << 8
                guard format == 1, channels == 1, bits == 16, [8000, 12000, 16000].contains(rate) else {
                    throw FirmwareFailure("unsupported fmt: format \(format), \(channels) ch, \(bits) bits, \(rate) Hz")
                }
            } else if id == "data" {
                guard rate > 0 else { throw FirmwareFailure("data before fmt") }
                break
            } else {
                _ = try body.read(size, timeout: 1.0)
            }
        }
        headerFailure = false
        lock.withLock { _sampleRate = rate }
        let block = rate / 50 * 2
        var last = Date()
        while isRunning {
            let bytes: [UInt8]
            do { bytes = try body.read(block, timeout: 1.5) } catch let e as ChunkedBody.End {
                _ = e
                lock.withLock { _cleanEnds += 1 }
                return
            } catch {
                lock.withLock { _timeouts += 1 }
                throw FirmwareFailure("no 20 ms block within 1.5 s")
            }
            let now = Date()
            var samples = [Float](repeating: 0, count: bytes.count / 2)
            for i in samples.indices {
                samples[i] = Float(Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)) / 32768
            }
            lock.withLock {
                _gapMax = max(_gapMax, now.timeIntervalSince(last))
                _samples += samples
                _arrivals.append(MonotonicClock.now())
                _blockSamples = samples.count
                if _firstSampleAt == nil { _firstSampleAt = now }
            }
            last = now
        }
    }
}

/// The body of a response, chunked or not, read with timeouts.
final class ChunkedBody {
    struct End: Error {}
    let socket: FirmwareSocket
    let chunked: Bool
    private var left = 0  // bytes left in the current chunk
    private var ended = false

    init(socket: FirmwareSocket, chunked: Bool) {
        self.socket = socket
        self.chunked = chunked
    }

    func read(_ count: Int, timeout: Double) throws -> [UInt8] {
        guard chunked else { return try socket.read(exactly: count, timeout: timeout) }
        let deadline = Date().addingTimeInterval(timeout)
        var out: [UInt8] = []
        while out.count < count {
            if ended { throw End() }
            if left == 0 {
                let line = try socket.readLine(timeout: max(0.001, deadline.timeIntervalSinceNow))
                let hex = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                guard let size = Int(hex, radix: 16) else { throw FirmwareFailure("bad chunk size line \(line.debugDescription)") }
                if size == 0 {
                    _ = try? socket.readLine(timeout: 0.2)
                    ended = true
                    throw End()
                }
                left = size
            }
            let take = min(left, count - out.count)
            out += try socket.read(exactly: take, timeout: max(0.001, deadline.timeIntervalSinceNow))
            left -= take
            if left == 0 {
                let crlf = try socket.read(exactly: 2, timeout: 0.2)
                guard crlf == [13, 10] else { throw FirmwareFailure("chunk not followed by CRLF") }
            }
        }
        return out
    }
}
