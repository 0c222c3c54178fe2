import Foundation
import Logging
import WayCueDetector
import WayCueImage
@testable import WayCueGlasses
import WayCueGlassesTesting

/// A `GlassesServer` on ephemeral ports (TCP and UDP) on loopback, running until ``stop()``.
final class TestServer: @unchecked Sendable {
    let server: GlassesServer
    private(set) var port = 0
    private var task: Task<Void, any Error>?

    static func start(speech: Bool = true, _ configure: (inout GlassesConfiguration) -> Void = { _ in },
                      detector: @escaping @Sendable (String) throws -> any ObjectDetecting) async throws -> TestServer {
        var config = GlassesConfiguration(makeDetector: detector)
        config.host = "127.0.0.1"
        config.port = 0
        config.imuPort = 0
        if !speech { config.makeSpeech = { nil } }
        configure(&config)
        var logger = Logger(label: "glasses-test")
        logger.logLevel = .warning
        let t = TestServer(server: try GlassesServer(configuration: config, logger: logger))
        let portBox = PortBox()
        let app = t.server.makeApplication { port in portBox.set(port) }
        t.task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let deadline = Date().addingTimeInterval(10)
        while portBox.get() == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        t.port = portBox.get()
        guard t.port > 0 else { throw FirmwareFailure("server did not start") }
        return t
    }

    private init(server: GlassesServer) { self.server = server }

    var imuPort: Int { server.imuPort }

    func stop() async {
        task?.cancel()
        _ = await task?.result
        server.shutdown()
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    func wait(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// A plain HTTP GET (Connection: close); returns the status line and body.
    func get(_ path: String) throws -> (status: String, body: [UInt8]) {
        let s = try FirmwareSocket(host: "127.0.0.1", port: port)
        try s.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let status = try s.readLine(timeout: 2)
        var length = 0
        while true {
            let line = try s.readLine(timeout: 2)
            if line == "\r\n" { break }
            if line.lowercased().hasPrefix("content-length:") {
                length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        let body = length > 0 ? try s.read(exactly: length, timeout: 2) : []
        s.close()
        return (status.trimmingCharacters(in: .newlines), body)
    }
}

final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.withLock { port = p } }
    func get() -> Int { lock.withLock { port } }
}

/// Finds a saturated red marker and reports it as a pole; records where it saw it (the
/// detector's input is what the pipeline got, after un-mirroring and letterboxing).
final class MarkerDetector: ObjectDetecting, @unchecked Sendable {
    let modelID = "test: red-marker finder (not a model)"
    let classes: [ObjectClass] = ["pole"]
    private let lock = NSLock()
    private var seen: [(centerX: Float, width: Int)] = []

    func detect(_ image: Image) throws -> [Detection] {
        var minX = Int.max, maxX = -1, minY = Int.max, maxY = -1
        for y in Swift.stride(from: 0, to: image.height, by: 2) {
            for x in Swift.stride(from: 0, to: image.width, by: 2) {
                let o = image.offset(x: x, y: y)
                let r = image.pixels[o], g = image.pixels[o + 1], b = image.pixels[o + 2]
                if r > 180 && g < 80 && b < 80 {
                    minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                }
            }
        }
        guard maxX >= 0 else { return [] }
        lock.withLock { seen.append((Float(minX + maxX) / 2, image.width)) }
        return [Detection(objectClass: "pole", score: 0.9,
                          box: Box(x1: Float(minX), y1: Float(minY), x2: Float(maxX + 1), y2: Float(maxY + 1)))]
    }

    var sightings: [(centerX: Float, width: Int)] { lock.withLock { seen } }
}

/// A grey VGA picture with a red marker in the left quarter (as the world is), as JPEG,
/// mirrored as the firmware sends it when `mirrored`.
func markerJPEG(mirrored: Bool, width: Int = 640, height: Int = 480) throws -> [UInt8] {
    var image = Image(width: width, height: height, format: .rgb8, fill: 90)
    image.fillRectangle(x: width / 8, y: height / 3, width: width / 10, height: height / 2, color: .red)
    if mirrored { image = image.mirroredLeftRight() }
    return try image.jpegData(quality: 60)
}

/// Root-mean-square of samples.
func rms(_ s: ArraySlice<Float>) -> Double {
    guard !s.isEmpty else { return 0 }
    return (s.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(s.count)).squareRoot()
}

/// Blocks the calling thread (the emulator is thread-based, like the firmware's tasks).
func pause(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

/// Runs blocking socket work on a thread of its own, never on Swift's cooperative pool (which
/// the server under test needs: a blocked pool would stall its handshakes and its stream clock).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        let t = Thread { c.resume(with: Result { try body() }) }
        t.start()
    }
}

/// Sleeps without holding a pool thread.
func sleep(seconds: Double) async { try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
