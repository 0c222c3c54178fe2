import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import WayCueDetector
import WayCueImage
import WayCueServer
import WayCueServerTesting

/// Real images read in place from the shared datasets (never copied into the repository).
enum SharedImages {
    /// `../shared/datasets` beside the checkout (where CI puts it), found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/datasets").path
    static let lights = root + "/vehicle-traffic-lights/test/images"

    /// The first `n` JPEG files of the vehicle-traffic-lights test split, sorted by name.
    static func jpegs(_ n: Int) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lights)) ?? []
        return names.filter { $0.hasSuffix(".jpg") }.sorted().prefix(n).map { lights + "/" + $0 }
    }

    static var available: Bool { !jpegs(1).isEmpty }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A **test double** whose `detect` blocks until the test opens the gate, so that tests can
/// hold workers busy and fill the queue deterministically. Not a model.
final class GateDetector: ObjectDetecting, @unchecked Sendable {
    let modelID = "test-double/gate"
    let classes: [ObjectClass] = [.pedGreen]
    let gate: Gate
    init(gate: Gate) { self.gate = gate }
    func detect(_ image: Image) throws -> [Detection] {
        gate.wait()
        return [Detection(objectClass: .pedGreen, score: 0.9,
                          box: Box(x1: 0, y1: 0, x2: Float(image.width) / 2, y2: Float(image.height) / 2))]
    }
}

/// A gate that blocks worker threads until opened.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var open = false
    func wait() {
        condition.lock()
        while !open { condition.wait() }
        condition.unlock()
    }
    func release() {
        condition.lock()
        open = true
        condition.broadcast()
        condition.unlock()
    }
}

enum Fixtures {
    /// A 64x48 image with a saturated green square, as PNG or JPEG.
    static func greenSquare() -> Image {
        var img = Image(width: 64, height: 48, format: .rgb8, fill: 30)
        for y in 10..<30 {
            for x in 20..<40 {
                let o = img.offset(x: x, y: y)
                img.pixels[o] = 10; img.pixels[o + 1] = 220; img.pixels[o + 2] = 40
            }
        }
        return img
    }

    static func png(_ image: Image) throws -> [UInt8] { try image.pngData() }
    static func jpeg(_ image: Image) throws -> [UInt8] { try image.jpegData(quality: 92) }

    static func multipart(_ bytes: [UInt8], name: String = "image", boundary: String = "XyZzy42") -> (ByteBuffer, String) {
        var b = ByteBuffer()
        b.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
        b.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"f.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
        b.writeBytes(bytes)
        b.writeString("\r\n--\(boundary)--\r\n")
        return (b, "multipart/form-data; boundary=\(boundary)")
    }
}

func makeServer(
    threads: Int = 1, queue: Int = 4,
    _ tweak: (inout ServerConfiguration) -> Void = { _ in },
    detector: @escaping () -> any ObjectDetecting = { ColorBlobDetector() }
) throws -> WayCueServer {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.threads = threads
    configuration.queueCapacity = queue
    tweak(&configuration)
    let pool = try InferencePool(workers: threads, capacity: queue, makeDetector: detector)
    var logger = Logger(label: "waycue.test")
    logger.logLevel = .warning
    return WayCueServer(configuration: configuration, pool: pool, logger: logger)
}

struct ErrorBody: Decodable {
    struct Inner: Decodable { var code: String; var message: String }
    var error: Inner
}

extension TestResponse {
    var bytes: [UInt8] { Array(body.readableBytesView) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }
    var errorCode: String? { (try? decode(ErrorBody.self))?.error.code }
    var text: String { String(buffer: body) }
}

/// `POST` over a fresh connection (AsyncHTTPClient), for requests that must run concurrently:
/// the `.live` test client uses one connection, on which HTTP/1.1 requests are answered in order.
func post(port: Int, _ path: String, body: [UInt8], contentType: String = "image/jpeg",
          headers: [(String, String)] = []) async throws -> (status: Int, headers: [String: String], body: String) {
    var request = HTTPClientRequest(url: "http://localhost:\(port)\(path)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: contentType)
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    request.body = .bytes(ByteBuffer(bytes: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let buffer = try await response.body.collect(upTo: 1 << 22)
    var h: [String: String] = [:]
    for (k, v) in response.headers { h[k.lowercased()] = v }
    return (Int(response.status.code), h, String(buffer: buffer))
}

/// Polls `condition` every 10 ms for up to `seconds`.
func eventually(_ seconds: Double = 30, _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    while ContinuousClock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
