import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends service notifications to systemd (`sd_notify`) without linking libsystemd: one
/// datagram per message on the Unix socket named by `$NOTIFY_SOCKET`.
///
/// A bundle's `waycue.service` is `Type=notify` with a watchdog, so `waycue run` should call
/// ``ready()`` once frames flow and ``watchdog()`` at least every ``watchdogInterval(environment:)``
/// while they keep flowing. Outside systemd (no `$NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// Why a notification could not be sent.
    public enum NotifyError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The socket path does not fit a Unix socket address.
        case pathTooLong(String)
        /// `socket()` failed with this errno.
        case socketFailed(Int32)
        /// `sendto()` failed with this errno.
        case sendFailed(Int32)
        /// Notifications need Linux.
        case unsupportedPlatform

        /// A message for logs.
        public var description: String {
            switch self {
            case let .pathTooLong(path): return "NOTIFY_SOCKET path too long: \(path)"
            case let .socketFailed(code): return "cannot open a notify socket: errno \(code)"
            case let .sendFailed(code): return "cannot send to NOTIFY_SOCKET: errno \(code)"
            case .unsupportedPlatform: return "systemd notifications need Linux"
            }
        }
    }

    /// The socket path (`@` starts an abstract name), or `nil` when not run by systemd.
    public let socketPath: String?

    /// Creates a notifier for the socket in `environment["NOTIFY_SOCKET"]`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"]
        socketPath = (path?.isEmpty ?? true) ? nil : path
    }

    /// Creates a notifier for an explicit socket path.
    public init(socketPath: String?) {
        self.socketPath = socketPath
    }

    /// Half the watchdog period systemd asked for (`WATCHDOG_USEC`), or `nil` when no watchdog
    /// is set or it is meant for another process (`WATCHDOG_PID`).
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(Int64(usec / 2))
    }

    /// Tells systemd the service is up (`READY=1`).
    @discardableResult
    public func ready(status: String? = nil) throws(NotifyError) -> Bool {
        try notify(status.map { "READY=1\nSTATUS=\($0)" } ?? "READY=1")
    }

    /// Pings the watchdog (`WATCHDOG=1`).
    @discardableResult
    public func watchdog() throws(NotifyError) -> Bool {
        try notify("WATCHDOG=1")
    }

    /// Tells systemd the service is stopping (`STOPPING=1`).
    @discardableResult
    public func stopping() throws(NotifyError) -> Bool {
        try notify("STOPPING=1")
    }

    /// Sends `state` (newline-separated `KEY=VALUE` lines).
    ///
    /// - Returns: `false` when there is no socket (not run by systemd), `true` when sent.
    @discardableResult
    public func notify(_ state: String) throws(NotifyError) -> Bool {
        guard let socketPath else { return false }
        #if canImport(Glibc) || canImport(Musl)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .pathTooLong(socketPath) }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count)
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)
        #endif
        guard fd >= 0 else { throw .socketFailed(errno) }
        defer { close(fd) }
        let message = Array(state.utf8)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent == message.count else { throw .sendFailed(errno) }
        return true
        #else
        throw .unsupportedPlatform
        #endif
    }
}
