import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import NIOCore
import Testing
import WayCueDetector
import WayCueImage
import WayCueServer
import WayCueServerTesting

struct StreamCreated: Decodable {
    var id: String
    var language: String
    var verbosity: String
    var frames: String
    var events: String
    var ws: String
}

struct StreamCounters: Decodable {
    var accepted: Int
    var processed: Int
    var dropped: Int
    var dropped_by_reason: [String: Int]
    var in_flight: Int
    var cues: Int
}

struct FrameAnswer: Decodable {
    var frame: Int
    var status: String
    var reason: String?
    var detections: [Detection]?
}

enum StreamFixtures {
    /// A walker facing a green pedestrian signal straight ahead (test double output).
    static func greenAhead() -> FixedDetectionsDetector {
        FixedDetectionsDetector(relative: [
            Detection(objectClass: .pedGreen, score: 0.95, box: Box(x1: 0.48, y1: 0.2, x2: 0.52, y2: 0.3))
        ])
    }

    /// A 640x480 frame (the default chest camera's size), PNG.
    static func frame() throws -> [UInt8] {
        try Image(width: 640, height: 480, format: .rgb8, fill: 90).pngData()
    }
}

/// Streams over real HTTP on loopback: frames by POST and WebSocket, cues by WebSocket and SSE.
@Suite("Streams")
struct StreamTests {
    @Test("create, validate settings, post frames; counters add up")
    func createAndPost() async throws {
        let server = try makeServer(detector: { StreamFixtures.greenAhead() })
        let frame = ByteBuffer(bytes: try StreamFixtures.frame())
        try await server.makeApplication().test(.live) { client in
            let bad = try await client.execute(uri: "/v1/streams", method: .post,
                                               body: ByteBuffer(string: #"{"verbosity":"loud"}"#))
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "invalid_parameter")
            let badLang = try await client.execute(uri: "/v1/streams", method: .post,
                                                   body: ByteBuffer(string: #"{"language":"xx"}"#))
            #expect(badLang.status == .badRequest)
            let badProfile = try await client.execute(uri: "/v1/streams", method: .post,
                                                      body: ByteBuffer(string: #"{"profile":"nope"}"#))
            #expect(badProfile.status == .badRequest)
            let created = try await client.execute(uri: "/v1/streams", method: .post,
                                                   body: ByteBuffer(string: #"{"language":"en","verbosity":"detailed"}"#))
            #expect(created.status == .created)
            let stream = try created.decode(StreamCreated.self)
            #expect(stream.verbosity == "detailed")
            var sawGreen = false
            for _ in 0..<40 {
                let r = try await client.execute(uri: stream.frames, method: .post, body: frame)
                #expect(r.status == .ok)
                let answer = try r.decode(FrameAnswer.self)
                #expect(answer.status == "processed")
                #expect(answer.detections?.first?.objectClass == .pedGreen)
                if r.text.contains("signal.green") { sawGreen = true; break }
                try await Task.sleep(for: .milliseconds(60))
            }
            #expect(sawGreen, "a steady green signal ahead must give 'signal.green' within 40 frames")
            let badFrame = try await client.execute(uri: stream.frames, method: .post, body: ByteBuffer(string: "xx"))
            #expect(badFrame.status == .unsupportedMediaType)
            let stats = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .get)
                .decode(StreamCounters.self)
            #expect(stats.accepted == stats.processed + stats.dropped + stats.in_flight)
            #expect(stats.dropped == 0 && stats.in_flight == 0 && stats.cues >= 1)
            let deleted = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .delete)
            #expect(deleted.status == .ok)
            #expect(try await client.execute(uri: stream.frames, method: .post, body: frame).status == .notFound)
        }
    }

    @Test("latest frame wins: a waiting frame is superseded and counted as dropped")
    func latestFrameWins() async throws {
        let gate = Gate()
        let server = try makeServer(threads: 1, queue: 4, detector: { GateDetector(gate: gate) })
        let frame = try StreamFixtures.frame()
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            async let f1 = post(port: port, stream.frames, body: frame, contentType: "image/png")
            #expect(await eventually { server.pool.busyWorkers == 1 })
            async let f2 = post(port: port, stream.frames, body: frame, contentType: "image/png")
            #expect(await eventually {
                (try? server.streamStats(stream.id))?.accepted == 2
            })
            let f3 = Task { try await post(port: port, stream.frames, body: frame, contentType: "image/png") }
            let second = try await f2
            #expect(second.status == 200)
            #expect(second.body.contains("\"reason\":\"superseded\""))
            gate.release()
            #expect(try await f1.status == 200)
            let third = try await f3.value
            #expect(third.body.contains("\"status\":\"processed\""))
            let stats = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .get)
                .decode(StreamCounters.self)
            #expect(stats.accepted == 3 && stats.processed == 2 && stats.dropped == 1)
            #expect(stats.dropped_by_reason == ["superseded": 1])
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("waycue_stream_frames_total{outcome=\"dropped\",reason=\"superseded\"} 1"))
            #expect(metrics.contains("waycue_stream_frames{stream=\"\(stream.id)\",state=\"accepted\"} 3"))
        }
    }

    @Test("WebSocket: binary frames in, cue JSON text out")
    func webSocketCues() async throws {
        let server = try makeServer(detector: { StreamFixtures.greenAhead() })
        let frame = try StreamFixtures.frame()
        try await server.makeApplication().test(.live) { client in
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            let received = Messages()
            try await client.ws(stream.ws) { inbound, outbound, _ in
                let sender = Task {
                    for _ in 0..<50 {
                        try await outbound.write(.binary(ByteBuffer(bytes: frame)))
                        try await Task.sleep(for: .milliseconds(60))
                    }
                }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    received.append(text)
                    if text.contains("\"type\":\"cue\"") && text.contains("signal.green") { break }
                }
                sender.cancel()
                try await outbound.close(.normalClosure, reason: nil)
            }
            let all = received.all
            #expect(all.contains { $0.contains("\"type\":\"frame\"") && $0.contains("\"status\":\"processed\"") })
            let cue = try #require(all.first { $0.contains("\"type\":\"cue\"") && $0.contains("signal.green") })
            #expect(cue.contains("\"kind\":\"signal\""))
            let stats = try server.streamStats(stream.id)
            #expect(stats.accepted == stats.processed + stats.dropped + stats.inFlight)
        }
    }

    @Test("server-sent events carry the cues of frames posted by HTTP, and 'camera paused' from ticks")
    func serverSentEvents() async throws {
        let server = try makeServer(detector: { StreamFixtures.greenAhead() })
        let frame = try StreamFixtures.frame()
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            let request = HTTPClientRequest(url: "http://localhost:\(port)\(stream.events)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type") == "text/event-stream")
            let poster = Task {
                for _ in 0..<20 {
                    _ = try await post(port: port, stream.frames, body: frame, contentType: "image/png")
                    try await Task.sleep(for: .milliseconds(60))
                }
            }
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.contains("system.camera.paused") { break }
                if text.count > 1 << 20 { break }
            }
            poster.cancel()
            #expect(text.contains("event: cue\ndata: {"))
            #expect(text.contains("signal.green"))
            #expect(text.contains("event: frame\ndata: {"))
            // After the frames stop, the engine's ticks say the camera paused.
            #expect(text.contains("system.camera.paused"))
        }
    }

    @Test("a frame slower than the timeout answers 504 at once, and is still counted when it ends")
    func frameTimeout() async throws {
        let gate = Gate()
        let server = try makeServer({ c in c.requestTimeoutSeconds = 0.3 }, detector: { GateDetector(gate: gate) })
        let frame = ByteBuffer(bytes: try StreamFixtures.frame())
        try await server.makeApplication().test(.live) { client in
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            let start = ContinuousClock.now
            let r = try await client.execute(uri: stream.frames, method: .post, body: frame)
            #expect(r.status == .gatewayTimeout)
            #expect(ContinuousClock.now - start < .seconds(3))
            gate.release()
            #expect(await eventually {
                guard let s = try? server.streamStats(stream.id) else { return false }
                return s.accepted == 1 && s.processed + s.dropped == 1
            })
        }
    }

    @Test("idle streams expire")
    func expiry() async throws {
        // The idle limit is generous enough that the first GET is answered before it elapses
        // even on a loaded CI machine (a 0.3 s limit expired the stream before the GET there);
        // the expiry itself is awaited, not assumed after a fixed sleep.
        let server = try makeServer { c in
            c.streamIdleSeconds = 1.5
            c.tickSeconds = 0.05
        }
        try await server.makeApplication().test(.live) { client in
            let created = ContinuousClock.now
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            let first = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .get).status
            if ContinuousClock.now - created < .seconds(1.4) {
                #expect(first == .ok)
            }
            var goneStatus: HTTPResponse.Status = .ok
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                goneStatus = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .get).status
                if goneStatus == .notFound { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(goneStatus == .notFound)
            // Expiry comes from idleness, not from the first tick.
            #expect(ContinuousClock.now - created >= .seconds(1.5))
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("waycue_streams_expired_total 1"))
        }
    }
}

final class Messages: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
