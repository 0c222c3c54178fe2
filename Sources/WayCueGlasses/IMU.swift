import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One IMU datagram of the firmware:
/// `{"ts":N,"temp_c":F,"accel":{"x":F,"y":F,"z":F},"gyro":{"x":F,"y":F,"z":F}}`
/// (accelerations in m/s², EMA-smoothed on the device; rotation rates in degrees per second).
public struct IMUSample: Sendable, Hashable, Codable {
    /// The device's `millis()` (wraps after about 49.7 days); `timestamp_ms` is accepted too.
    public var ts: UInt64
    /// Sensor temperature, °C.
    public var tempC: Double?
    /// Acceleration, m/s² (gravity along +y when the head is level).
    public var accel: Vector
    /// Rotation rate, °/s.
    public var gyro: Vector

    /// Three axes.
    public struct Vector: Sendable, Hashable, Codable {
        /// Axes.
        public var x, y, z: Double
        /// Creates a vector.
        public init(x: Double, y: Double, z: Double) { self.x = x; self.y = y; self.z = z }
    }

    /// Creates a sample.
    public init(ts: UInt64, tempC: Double?, accel: Vector, gyro: Vector) {
        self.ts = ts
        self.tempC = tempC
        self.accel = accel
        self.gyro = gyro
    }

    enum CodingKeys: String, CodingKey { case ts, timestampMS = "timestamp_ms", tempC = "temp_c", accel, gyro }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let t = try c.decodeIfPresent(UInt64.self, forKey: .ts) { ts = t } else {
            ts = try c.decode(UInt64.self, forKey: .timestampMS)
        }
        tempC = try c.decodeIfPresent(Double.self, forKey: .tempC)
        accel = try c.decode(Vector.self, forKey: .accel)
        gyro = try c.decode(Vector.self, forKey: .gyro)
        for v in [accel.x, accel.y, accel.z, gyro.x, gyro.y, gyro.z] where !v.isFinite {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "non-finite value"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ts, forKey: .ts)
        try c.encodeIfPresent(tempC, forKey: .tempC)
        try c.encode(accel, forKey: .accel)
        try c.encode(gyro, forKey: .gyro)
    }

    /// Parses one datagram; `nil` for anything that is not such a JSON object.
    public static func parse(_ bytes: [UInt8]) -> IMUSample? {
        guard bytes.count >= 2, bytes.count <= 1024, bytes.first == UInt8(ascii: "{") else { return nil }
        return try? JSONDecoder().decode(IMUSample.self, from: Data(bytes))
    }

    /// The head's turn (yaw) rate in °/s: the rotation rate about the gravity direction
    /// (positive counter-clockwise seen from above, in the sensor's axes), so it stays right
    /// when the head is pitched.
    public var yawRate: Double {
        let g = (accel.x * accel.x + accel.y * accel.y + accel.z * accel.z).squareRoot()
        guard g > 1 else { return gyro.y }
        return (gyro.x * accel.x + gyro.y * accel.y + gyro.z * accel.z) / g
    }

    /// Roll and pitch in degrees from gravity (the original server's convention, +y up).
    public var rollPitch: (roll: Double, pitch: Double) {
        (atan2(accel.z, accel.y) * 180 / .pi, atan2(-accel.x, accel.y) * 180 / .pi)
    }
}

/// The head pose and turn rate of one pair of glasses, from its IMU datagrams.
public struct HeadState: Sendable, Hashable, Codable {
    /// Good datagrams.
    public var samples = 0
    /// The last sample.
    public var last: IMUSample?
    /// The yaw rate smoothed over about 100 ms, °/s.
    public var yawRate = 0.0
    /// Roll and pitch, degrees.
    public var roll = 0.0, pitch = 0.0
    /// When the last sample arrived (``MonotonicClock``), seconds.
    public var receivedAt = -Double.infinity
    /// Datagrams per second over the last few seconds.
    public var rateHz = 0.0

    mutating func update(_ s: IMUSample, at now: Double) {
        samples += 1
        let dt = now - receivedAt
        if dt > 0 && dt < 1 { rateHz = 0.9 * rateHz + 0.1 / dt }
        // ~100 ms time constant at 50 Hz.
        yawRate = dt > 0.5 ? s.yawRate : 0.8 * yawRate + 0.2 * s.yawRate
        (roll, pitch) = s.rollPitch
        last = s
        receivedAt = now
    }
}

/// Receives the firmware's UDP IMU datagrams on a plain POSIX socket and a thread of its own.
final class IMUReceiver: @unchecked Sendable {
    private let fd: Int32
    /// The bound port.
    let port: Int
    private let handler: @Sendable (_ bytes: [UInt8], _ fromIP: String) -> Void
    private var thread: Thread?
    private let lock = NSLock()
    private var stopped = false

    /// Binds `host:port` (port 0 picks one).
    init(host: String, port: Int, handler: @escaping @Sendable ([UInt8], String) -> Void) throws {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard s >= 0 else { throw GlassesError.udp("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let bindHost = host == "0.0.0.0" || host.isEmpty ? "0.0.0.0" : (host == "localhost" ? "127.0.0.1" : host)
        guard inet_pton(AF_INET, bindHost, &addr.sin_addr) == 1 else {
            close(s)
            throw GlassesError.udp("--host \(host) is not an IPv4 address")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            close(s)
            throw GlassesError.udp("bind UDP \(bindHost):\(port): \(e)")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        self.port = Int(UInt16(bigEndian: bound.sin_port))
        self.handler = handler
    }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "waycue.glasses.imu"
        thread = t
        t.start()
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { break }
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) }
                }
            }
            guard n >= 0 else { continue }  // timeout or interruption: check `stopped`
            var ip = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var a = from.sin_addr
            inet_ntop(AF_INET, &a, &ip, socklen_t(INET_ADDRSTRLEN))
            let ipString = String(decoding: ip.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            handler(Array(buffer[0..<n]), ipString)
        }
        close(fd)
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}

/// A problem starting the glasses service.
public enum GlassesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The UDP IMU socket could not be opened.
    case udp(String)
    /// A setting is invalid.
    case invalid(String)

    public var description: String {
        switch self {
        case .udp(let m): "UDP IMU: \(m)"
        case .invalid(let m): m
        }
    }
}
