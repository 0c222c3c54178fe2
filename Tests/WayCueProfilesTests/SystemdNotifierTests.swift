import Foundation
import Testing
@testable import WayCueProfiles
#if canImport(Glibc)
import Glibc

@Suite struct SystemdNotifierTests {
    /// Binds a datagram socket at `path` and returns its descriptor.
    func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0)
        return fd
    }

    func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test func sendsReadyAndWatchdogDatagrams() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wc-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock").path
        let fd = try listen(at: path)
        defer {
            close(fd)
            unlink(path)
        }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(try notifier.ready(status: "camera ok"))
        #expect(receive(fd) == "READY=1\nSTATUS=camera ok")
        #expect(try notifier.watchdog())
        #expect(receive(fd) == "WATCHDOG=1")
    }

    @Test func withoutSocketNothingIsSent() throws {
        #expect(try SystemdNotifier(environment: [:]).ready() == false)
        #expect(try SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).watchdog() == false)
    }

    @Test func missingSocketIsATypedError() {
        let notifier = SystemdNotifier(socketPath: "/nonexistent/waycue-notify.sock")
        #expect(throws: SystemdNotifier.NotifyError.self) { try notifier.watchdog() }
        let long = SystemdNotifier(socketPath: "/" + String(repeating: "x", count: 200))
        #expect(throws: SystemdNotifier.NotifyError.pathTooLong("/" + String(repeating: "x", count: 200))) {
            try long.watchdog()
        }
    }

    @Test func watchdogIntervalIsHalfThePeriod() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000"], pid: 42) == .seconds(5))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "41"], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "42"], pid: 42) == .seconds(5))
        #expect(SystemdNotifier.watchdogInterval(environment: [:], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"], pid: 42) == nil)
    }
}
#endif
