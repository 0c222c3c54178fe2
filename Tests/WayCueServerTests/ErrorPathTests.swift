import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WayCueDetector
import WayCueImage
import WayCueServer
import WayCueServerTesting

/// Every error answer, over real HTTP on loopback.
@Suite("Error paths")
struct ErrorPathTests {
    @Test("bad images: not an image 415, damaged 422, empty 400, multipart without image 400")
    func badImages() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.live) { client in
            let notImage = try await client.execute(uri: "/v1/detect", method: .post,
                                                    body: ByteBuffer(string: "GIF89a...."))
            #expect(notImage.status == .unsupportedMediaType)
            #expect(notImage.errorCode == "unsupported_media_type")
            var damaged = try Fixtures.jpeg(Fixtures.greenSquare())
            damaged = Array(damaged.prefix(40))  // header cut short
            let r422 = try await client.execute(uri: "/v1/detect", method: .post, body: ByteBuffer(bytes: damaged))
            #expect(r422.status == .unprocessableContent, "\(r422.text)")
            #expect(r422.errorCode == "invalid_image")
            let pngTruncated = Array(try Fixtures.png(Fixtures.greenSquare()).prefix(60))
            let r422b = try await client.execute(uri: "/v1/detect", method: .post, body: ByteBuffer(bytes: pngTruncated))
            #expect(r422b.status == .unprocessableContent, "\(r422b.text)")
            let empty = try await client.execute(uri: "/v1/detect", method: .post)
            #expect(empty.status == .badRequest)
            #expect(empty.errorCode == "empty_body")
            let (form, type) = Fixtures.multipart(try Fixtures.jpeg(Fixtures.greenSquare()), name: "photo")
            let noPart = try await client.execute(uri: "/v1/detect", method: .post,
                                                  headers: [.contentType: type], body: form)
            #expect(noPart.status == .badRequest)
            #expect(noPart.errorCode == "missing_image_part")
            let noBoundary = try await client.execute(uri: "/v1/detect", method: .post,
                                                      headers: [.contentType: "multipart/form-data"], body: form)
            #expect(noBoundary.errorCode == "invalid_multipart")
            #expect(noBoundary.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("body over the size limit and image over the pixel limit answer 413 with JSON")
    func tooBig() async throws {
        let server = try makeServer { c in
            c.maxBodyBytes = 4096
            c.maxPixels = 1000
        }
        try await server.makeApplication().test(.live) { client in
            let big = [UInt8](repeating: 0xAB, count: 20_000)
            let r = try await client.execute(uri: "/v1/detect", method: .post, body: ByteBuffer(bytes: big))
            #expect(r.status == .contentTooLarge)
            #expect(r.errorCode == "body_too_large")
            let png = try Fixtures.png(Fixtures.greenSquare())  // 64x48 = 3072 pixels, small file
            #expect(png.count < 4096)
            let p = try await client.execute(uri: "/v1/detect", method: .post, body: ByteBuffer(bytes: png))
            #expect(p.status == .contentTooLarge)
            #expect(p.errorCode == "too_many_pixels")
            #expect(try p.decode(ErrorBody.self).error.message.contains("64x48"))
        }
    }

    @Test("no token and wrong token answer 401; the right one passes; /healthz is public")
    func authentication() async throws {
        let server = try makeServer { c in c.tokens = AccessTokens(tokens: ["s3cret-token", "other"]) }
        let png = ByteBuffer(bytes: try Fixtures.png(Fixtures.greenSquare()))
        try await server.makeApplication().test(.live) { client in
            let none = try await client.execute(uri: "/v1/detect", method: .post, body: png)
            #expect(none.status == .unauthorized)
            #expect(none.errorCode == "missing_token")
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let wrong = try await client.execute(uri: "/v1/detect", method: .post,
                                                 headers: [.authorization: "Bearer s3cret-tokeN"], body: png)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "invalid_token")
            #expect(!wrong.text.contains("s3cret"))
            let basic = try await client.execute(uri: "/v1/models", method: .get,
                                                 headers: [.authorization: "Basic czNjcmV0"])
            #expect(basic.status == .unauthorized)
            let right = try await client.execute(uri: "/v1/detect", method: .post,
                                                 headers: [.authorization: "Bearer s3cret-token"], body: png)
            #expect(right.status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .unauthorized)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let streams = try await client.execute(uri: "/v1/streams", method: .post)
            #expect(streams.status == .unauthorized)
        }
    }

    @Test("a full queue answers 503 with Retry-After and never grows")
    func queueFull() async throws {
        let gate = Gate()
        let server = try makeServer(threads: 1, queue: 1, detector: { GateDetector(gate: gate) })
        let png = try Fixtures.png(Fixtures.greenSquare())
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            async let first = post(port: port, "/v1/detect", body: png, contentType: "image/png")
            #expect(await eventually { server.pool.busyWorkers == 1 })
            async let second = post(port: port, "/v1/detect", body: png, contentType: "image/png")
            #expect(await eventually { server.pool.queueDepth == 1 })
            for _ in 0..<3 {
                let third = try await post(port: port, "/v1/detect", body: png, contentType: "image/png")
                #expect(third.status == 503)
                #expect(third.headers["retry-after"] == "1")
                #expect(third.body.contains("queue_full"))
                #expect(server.pool.queueDepth == 1)
            }
            gate.release()
            #expect(try await first.status == 200)
            #expect(try await second.status == 200)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("waycue_queue_rejected_total 3"))
        }
    }

    @Test("a request that takes longer than the timeout answers 504")
    func timeout() async throws {
        let gate = Gate()
        let server = try makeServer({ c in c.requestTimeoutSeconds = 0.3 }, detector: { GateDetector(gate: gate) })
        try await server.makeApplication().test(.live) { client in
            let r = try await client.execute(uri: "/v1/detect", method: .post,
                                             body: ByteBuffer(bytes: try Fixtures.png(Fixtures.greenSquare())))
            #expect(r.status == .gatewayTimeout)
            #expect(r.errorCode == "timeout")
            gate.release()
        }
    }

    @Test("unknown routes and streams answer 404")
    func notFound() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.live) { client in
            #expect(try await client.execute(uri: "/v2/nothing", method: .get).status == .notFound)
            let s = try await client.execute(uri: "/v1/streams/s_missing", method: .get)
            #expect(s.status == .notFound)
            #expect(s.errorCode == "stream_not_found")
        }
    }
}
