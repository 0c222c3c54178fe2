import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the emulated firmware, with the reason the real firmware would give up.
public struct FirmwareFailure: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String
    /// Creates a failure.
    public init(_ description: String) { self.description = description }
}

/// A blocking IPv4 TCP socket like the ESP32's `WiFiClient`: `setNoDelay(true)`, each
/// ``send(_:)`` one write call, reads with per-call timeouts.
public final class FirmwareSocket: @unchecked Sendable {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let lock = NSLock()

    /// Connects to `host:port` within `timeout` seconds. `receiveBuffer` sets `SO_RCVBUF`
    /// before connecting (a small one makes a reader that stops reading fill up quickly).
    public init(host: String, port: Int, timeout: Double = 3, localAddress: String? = nil, receiveBuffer: Int? = nil) throws {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw FirmwareFailure("socket failed") }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let localAddress {
            do { try bindLocal(s, localAddress) } catch { _ = Glibc_close(s); throw error }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        Self.setTimeout(s, SO_SNDTIMEO, timeout)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            _ = Glibc_close(s)
            throw FirmwareFailure("connect \(host):\(port): \(e)")
        }
        fd = s
    }

    static func setTimeout(_ fd: Int32, _ option: Int32, _ seconds: Double) {
        let s = max(0.001, seconds)
        var tv = timeval(tv_sec: Int(s), tv_usec: .init((s - Double(Int(s))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes` with one `send` call (as the firmware builds each frame in one buffer).
    public func send(_ bytes: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { throw FirmwareFailure("socket closed") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { b in
                #if canImport(Glibc)
                Glibc.send(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, b.baseAddress, b.count, 0)
                #endif
            }
            guard n > 0 else { throw FirmwareFailure("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads what arrives within `timeout` seconds into the buffer; false on timeout, throws on
    /// end of stream or error.
    private func fill(timeout: Double) throws -> Bool {
        guard fd >= 0 else { throw FirmwareFailure("socket closed") }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(max(0, timeout * 1000)))
        if r == 0 { return false }
        guard r > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { throw FirmwareFailure("connection closed by the server") }
        guard n > 0 else { throw FirmwareFailure("recv: \(String(cString: strerror(errno)))") }
        buffer += chunk[0..<n]
        return true
    }

    /// Reads one line ending in CRLF (included) within `timeout` seconds from the call.
    public func readLine(timeout: Double, maxLength: Int = 1024) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let i = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[0...i])
                buffer.removeFirst(i + 1)
                return String(decoding: line, as: UTF8.self)
            }
            if buffer.count > maxLength { throw FirmwareFailure("header line longer than \(maxLength)") }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, try fill(timeout: left) else {
                throw FirmwareFailure("line not complete within \(Int(timeout * 1000)) ms")
            }
        }
    }

    /// Reads exactly `count` bytes within `timeout` seconds.
    public func read(exactly count: Int, timeout: Double) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, try fill(timeout: left) else {
                throw FirmwareFailure("\(count) bytes not received within \(Int(timeout * 1000)) ms")
            }
        }
        let out = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return out
    }

    /// Reads and discards everything until the server closes the connection; returns the
    /// bytes discarded, or `nil` when it is still open after `timeout` seconds.
    public func drainUntilClosed(timeout: Double) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        var total = buffer.count
        buffer.removeAll()
        while deadline.timeIntervalSinceNow > 0 {
            do {
                if try fill(timeout: min(0.2, max(0.001, deadline.timeIntervalSinceNow))) {
                    total += buffer.count
                    buffer.removeAll()
                }
            } catch {
                return total  // end of stream (or reset): closed
            }
        }
        return nil
    }

    /// Whether bytes are waiting (buffered or on the socket), without blocking.
    public func hasData() throws -> Bool {
        if !buffer.isEmpty { return true }
        return try fill(timeout: 0)
    }

    /// Closes the socket (a clean FIN).
    public func close() {
        lock.lock()
        if fd >= 0 { _ = Glibc_close(fd); fd = -1 }
        lock.unlock()
    }

    /// Forgets the socket without closing it: a rebooted device's half-open connection (the
    /// server sees nothing until it writes and gets no answer). The descriptor leaks on purpose
    /// until ``close()``.
    public func abandon() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        let f = fd
        fd = -1
        return f
    }

    deinit { close() }
}

@inline(__always) func Glibc_close(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

/// SHA-1 (for the `Sec-WebSocket-Accept` check only).
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8(bitLength >> (UInt64(i) * 8) & 0xFF)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for i in 0..<16 {
                w[i] = UInt32(m[chunk + 4 * i]) << 24 | UInt32(m[chunk + 4 * i + 1]) << 16
                    | UInt32(m[chunk + 4 * i + 2]) << 8 | UInt32(m[chunk + 4 * i + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = t
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.flatMap { v in (0..<4).map { UInt8(v >> (24 - 8 * UInt32($0)) & 0xFF) } }
    }
}
