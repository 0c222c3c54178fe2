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

struct DetectAnswer: Decodable, Sendable {
    struct Size: Decodable, Sendable { var width: Int; var height: Int }
    var model: String
    var image: Size
    var detections: [Detection]
    var timings_ms: [String: Double]
}

/// `POST /v1/detect` over real HTTP on loopback, with the colour-blob test double.
@Suite("Detect endpoint")
struct DetectTests {
    /// Posts each photo as a raw JPEG to `/v1/detect` on `server` over live HTTP and checks what
    /// every answer must hold: 200, the model id, the photo's own size, and the same detections
    /// as `reference` run on the decoded photo. Returns each answer with its decoded photo.
    func detectEach(_ paths: [String], on server: WayCueServer, model: String,
                    reference: @escaping @Sendable (Image) throws -> [Detection]) async throws -> [(answer: DetectAnswer, photo: Image)] {
        try await server.makeApplication().test(.live) { client in
            var results: [(answer: DetectAnswer, photo: Image)] = []
            for path in paths {
                let bytes = try SharedImages.bytes(path)
                let decoded = try Image.decode(bytes, as: .rgb8)
                let expected = try reference(decoded)
                let response = try await client.execute(
                    uri: "/v1/detect", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: bytes))
                #expect(response.status == .ok, "\(path): \(response.text)")
                let answer = try response.decode(DetectAnswer.self)
                #expect(answer.model == model)
                #expect(answer.image.width == decoded.width && answer.image.height == decoded.height)
                #expect(answer.detections == expected, "\(path)")
                #expect(answer.timings_ms["total"] != nil && answer.timings_ms["inference"] != nil)
                results.append((answer, decoded))
            }
            return results
        }
    }

    @Test("real dataset JPEGs: the answer equals the test double run on the decoded image",
          .enabled(if: SharedImages.available, "needs ../shared/datasets (read in place)"))
    func realImages() async throws {
        let paths = SharedImages.jpegs(4)
        try #require(paths.count == 4)
        let results = try await detectEach(paths, on: try makeServer(), model: "test-double/color-blob-v1") {
            try ColorBlobDetector().detect($0)
        }
        for (answer, photo) in results {
            for d in answer.detections {
                #expect(d.box.x1 >= 0 && d.box.y1 >= 0)
                #expect(d.box.x2 <= Float(photo.width) && d.box.y2 <= Float(photo.height))
            }
        }
        // The traffic-light photos do contain saturated lights: the double must find some.
        #expect(results.map(\.answer.detections.count).reduce(0, +) > 0)
    }

    @Test("the bundled default model over HTTP: real photos, boxes in the photo's pixels, the same answer as the library",
          .enabled(if: SharedImages.available, "needs ../shared/datasets (read in place)"))
    func defaultModel() async throws {
        let library = try Detector.default(threads: 1)
        #expect(library.modelID.hasSuffix("int8"))
        let server = try makeServer(detector: { try! Detector.default(threads: 1) })
        let paths = SharedImages.jpegs(6)
        try #require(paths.count == 6)
        let results = try await detectEach(paths, on: server, model: library.modelID) { try library.detect($0) }
        var found = 0
        for (answer, photo) in results {
            for d in answer.detections {
                #expect(d.box.x1 >= -1 && d.box.y1 >= -1)
                #expect(d.box.x2 <= Float(photo.width) + 1 && d.box.y2 <= Float(photo.height) + 1)
            }
            if answer.detections.contains(where: { $0.objectClass.rawValue.hasPrefix("vehicle_") }) { found += 1 }
        }
        // Every photo of this split shows a vehicle traffic light: most must have one found.
        #expect(found >= paths.count / 2, "a vehicle light found in \(found) of \(paths.count) photos")
    }

    @Test("multipart/form-data and PNG bodies give the same detections as the raw JPEG body",
          .enabled(if: SharedImages.available, "needs ../shared/datasets (read in place)"))
    func multipartAndPNG() async throws {
        let server = try makeServer()
        let path = SharedImages.jpegs(1)[0]
        let bytes = try SharedImages.bytes(path)
        let decoded = try Image.decode(bytes, as: .rgb8)
        let png = try decoded.pngData()
        try await server.makeApplication().test(.live) { client in
            let raw = try await client.execute(uri: "/v1/detect", method: .post,
                                               body: ByteBuffer(bytes: bytes)).decode(DetectAnswer.self)
            let (form, type) = Fixtures.multipart(bytes)
            let multi = try await client.execute(uri: "/v1/detect", method: .post,
                                                 headers: [.contentType: type], body: form)
            #expect(multi.status == .ok, "\(multi.text)")
            #expect(try multi.decode(DetectAnswer.self).detections == raw.detections)
            let pngAnswer = try await client.execute(uri: "/v1/detect", method: .post,
                                                     headers: [.contentType: "image/png"],
                                                     body: ByteBuffer(bytes: png))
            #expect(pngAnswer.status == .ok)
            // PNG is lossless: the same pixels as the decoded JPEG, so the same detections.
            #expect(try pngAnswer.decode(DetectAnswer.self).detections == raw.detections)
        }
    }

    @Test("score, iou and classes filter the detections; bad values answer 400")
    func options() async throws {
        let fixed = FixedDetectionsDetector(relative: [
            Detection(objectClass: .pedRed, score: 0.9, box: Box(x1: 0.1, y1: 0.1, x2: 0.3, y2: 0.3)),
            Detection(objectClass: .pedRed, score: 0.5, box: Box(x1: 0.11, y1: 0.1, x2: 0.31, y2: 0.3)),
            Detection(objectClass: .pedGreen, score: 0.7, box: Box(x1: 0.6, y1: 0.1, x2: 0.8, y2: 0.3)),
        ])
        let server = try makeServer(detector: { fixed })
        let body = ByteBuffer(bytes: try Fixtures.png(Fixtures.greenSquare()))
        try await server.makeApplication().test(.live) { client in
            func detect(_ query: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/detect" + query, method: .post, body: body)
            }
            #expect(try await detect("").decode(DetectAnswer.self).detections.count == 3)
            let red = try await detect("?classes=ped_red").decode(DetectAnswer.self).detections
            #expect(red.map(\.objectClass) == [.pedRed, .pedRed])
            // Boxes come back in the image's own pixels (64x48).
            let b = red[0].box
            #expect(abs(b.x1 - 6.4) < 1e-3 && abs(b.y1 - 4.8) < 1e-3 && abs(b.x2 - 19.2) < 1e-3
                && abs(b.y2 - 14.4) < 1e-3)
            #expect(try await detect("?score=0.6").decode(DetectAnswer.self).detections.count == 2)
            #expect(try await detect("?iou=0.5").decode(DetectAnswer.self).detections.count == 2)
            #expect(try await detect("?classes=ped_red,ped_green&score=0.8").decode(DetectAnswer.self)
                .detections.count == 1)
            for bad in ["?score=2", "?score=abc", "?iou=-1", "?classes=unicorn", "?classes="] {
                let r = try await detect(bad)
                #expect(r.status == .badRequest, "\(bad)")
                #expect(r.errorCode == "invalid_parameter", "\(bad)")
            }
        }
    }

    @Test("models, health and metrics")
    func infoEndpoints() async throws {
        let server = try makeServer(threads: 2)
        try await server.makeApplication().test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.text.contains("test-double/color-blob-v1"))
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.text.contains("\"classes\":[\"ped_red\",\"ped_green\"]"))
            #expect(models.text.contains("\"workers\":2"))
            _ = try await client.execute(uri: "/v1/detect", method: .post,
                                         body: ByteBuffer(bytes: try Fixtures.png(Fixtures.greenSquare())))
            _ = try await client.execute(uri: "/v1/detect", method: .post, body: ByteBuffer(string: "nope"))
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("waycue_http_requests_total{route=\"/v1/detect\",method=\"POST\",status=\"200\"} 1"))
            #expect(metrics.contains("waycue_http_requests_total{route=\"/v1/detect\",method=\"POST\",status=\"415\"} 1"))
            #expect(metrics.contains("waycue_http_request_duration_seconds_count{route=\"/v1/detect\"} 2"))
            #expect(metrics.contains("waycue_inference_duration_seconds_count 1"))
            #expect(metrics.contains("waycue_queue_depth 0"))
            #expect(metrics.contains("waycue_workers 2"))
        }
    }
}
