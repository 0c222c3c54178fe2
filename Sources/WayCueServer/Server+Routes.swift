import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import WayCueCues
import WayCueDetector
import WayCueImage

/// `POST /v1/detect` answer.
struct DetectResponse: Encodable {
    struct Size: Encodable { var width: Int; var height: Int }
    struct Timings: Encodable { var queue: Double; var inference: Double; var total: Double }
    var model: String
    var image: Size
    var detections: [Detection]
    var timingsMS: Timings
    enum CodingKeys: String, CodingKey { case model, image, detections, timingsMS = "timings_ms" }
}

/// `POST /v1/streams` body.
struct CreateStreamRequest: Decodable {
    var profile: String?
    var language: String?
    var verbosity: String?
}

/// `POST /v1/streams` answer.
struct CreateStreamResponse: Encodable {
    var id: String
    var language: String
    var verbosity: String
    var profile: String?
    var idleTimeoutSeconds: Double
    var frames: String
    var events: String
    var ws: String
    enum CodingKeys: String, CodingKey {
        case id, language, verbosity, profile, idleTimeoutSeconds = "idle_timeout_s", frames, events, ws
    }
}

/// A message on the events (SSE) and WebSocket channels.
struct EventMessage: Encodable {
    var type: String
    var cue: Cue?
    var frame: FrameReport?
    var reason: String?
    var error: ErrorBody?
    struct ErrorBody: Encodable { var code: String; var message: String }

    init(_ event: StreamEvent) {
        switch event {
        case .cue(let c): type = "cue"; cue = c
        case .frame(let f): type = "frame"; frame = f
        case .closed(let r): type = "closed"; reason = r
        case .heartbeat: type = "heartbeat"
        }
    }
    init(error: APIError, frame: FrameReport?) {
        type = "error"
        self.frame = frame
        self.error = ErrorBody(code: error.code, message: error.message)
    }
    var json: String {
        String(decoding: (try? JSONEncoder.sorted.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension WayCueServer {
    func addRoutes(_ router: Router<Context>) {
        let pool = self.pool, metrics = self.metrics, registry = self.registry
        let configuration = self.configuration

        router.get("/healthz") { _, _ in
            try Self.json(["status": "ok", "model": pool.modelID])
        }
        router.get("/metrics") { _, _ in
            let text = metrics.render(.init(
                queueDepth: pool.queueDepth, queueCapacity: pool.capacity,
                busyWorkers: pool.busyWorkers, workers: pool.workers, streams: registry.allStats()))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/openapi.json") { _, _ in
            let data = try OpenAPIDocument.json()
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/v1/models") { _, _ in
            struct Model: Encodable { var id: String; var classes: [String]; var workers: Int; var queue_capacity: Int }
            struct Models: Encodable { var models: [Model] }
            return try Self.json(Models(models: [Model(
                id: pool.modelID, classes: pool.classes.map(\.rawValue), workers: pool.workers,
                queue_capacity: pool.capacity)]))
        }
        router.post("/v1/detect") { request, _ in
            let start = ContinuousClock.now
            let options = try DetectOptions(query: Self.query(request), known: pool.classes)
            let deadline = self.deadline
            return try await self.withRequestTimeout {
                let upload = try await self.readUpload(request)
                let maxPixels = configuration.maxPixels
                let result: (value: Result<(Image.Size, [Detection]), APIError>, queueSeconds: Double)
                let runStart = ContinuousClock.now
                do {
                    result = try await pool.run(deadline: deadline) { detector in
                        do {
                            let image = try upload.decode(maxPixels: maxPixels)
                            return .success((Image.Size(width: image.width, height: image.height),
                                             try options.detect(with: detector, image: image)))
                        } catch let e as APIError {
                            return .failure(e)
                        } catch {
                            return .failure(APIError(.internalServerError, "detector_error", "the detector failed: \(error)"))
                        }
                    }
                } catch InferencePoolError.queueFull {
                    metrics.recordQueueRejected()
                    throw APIError.queueFull(retryAfter: configuration.retryAfterSeconds)
                } catch InferencePoolError.timedOut {
                    throw APIError.timedOut
                } catch InferencePoolError.shuttingDown {
                    throw APIError.shuttingDown
                }
                let inference = (ContinuousClock.now - runStart).seconds - result.queueSeconds
                metrics.recordInference(seconds: inference, queueSeconds: result.queueSeconds)
                let (size, detections) = try result.value.get()
                let ms = { (s: Double) in (s * 10000).rounded() / 10 }
                return try Self.json(DetectResponse(
                    model: pool.modelID, image: .init(width: size.width, height: size.height),
                    detections: options.apply(detections),
                    timingsMS: .init(queue: ms(result.queueSeconds), inference: ms(inference),
                                     total: ms((ContinuousClock.now - start).seconds))))
            }
        }
        router.post("/v1/streams") { request, context in
            let body = request.body
            let buffer: ByteBuffer
            do { buffer = try await body.collect(upTo: 64 * 1024) } catch {
                throw APIError.bodyTooLarge(limit: 64 * 1024)
            }
            let settings: CreateStreamRequest
            if buffer.readableBytes == 0 {
                settings = CreateStreamRequest()
            } else {
                do { settings = try JSONDecoder().decode(CreateStreamRequest.self, from: Data(buffer.readableBytesView)) } catch {
                    throw APIError.badRequest("invalid_json", "stream settings: \(error)")
                }
            }
            let language = settings.language ?? "en"
            let phrasebook: Phrasebook
            do { phrasebook = try Phrasebook.bundled(language) } catch {
                throw APIError.badRequest("invalid_parameter", "language '\(language)': \(error)")
            }
            var engineConfiguration = CueEngineConfiguration()
            if let v = settings.verbosity {
                guard let verbosity = CueVerbosity(rawValue: v) else {
                    throw APIError.badRequest(
                        "invalid_parameter",
                        "verbosity '\(v)': expected one of \(CueVerbosity.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                engineConfiguration.verbosity = verbosity
            }
            if let profile = settings.profile {
                do { engineConfiguration.camera = try configuration.cameraForProfile(profile) } catch {
                    throw APIError.badRequest("invalid_parameter", "profile '\(profile)': \(error)")
                }
            }
            let session = try registry.create(configuration: engineConfiguration, phrasebook: phrasebook,
                                              language: language, profile: settings.profile)
            let base = "/v1/streams/\(session.id)"
            return try Self.json(CreateStreamResponse(
                id: session.id, language: language, verbosity: engineConfiguration.verbosity.rawValue,
                profile: settings.profile, idleTimeoutSeconds: configuration.streamIdleSeconds,
                frames: base + "/frames", events: base + "/events", ws: base + "/ws"), status: .created)
        }
        router.get("/v1/streams/{id}") { _, context in
            let id = try context.parameters.require("id")
            return try Self.json(try registry.get(id).stats())
        }
        router.delete("/v1/streams/{id}") { _, context in
            let id = try context.parameters.require("id")
            let stats = try registry.get(id).stats()
            try registry.remove(id, reason: "deleted")
            return try Self.json(stats)
        }
        router.post("/v1/streams/{id}/frames") { request, context in
            let id = try context.parameters.require("id")
            let session = try registry.get(id)
            let deadline = self.deadline
            return try await self.withRequestTimeout {
                let upload = try await self.readUpload(request)
                let (report, error) = await session.submit(
                    upload, pool: pool, maxPixels: configuration.maxPixels, deadline: deadline,
                    metrics: metrics)
                if let error { throw error }
                return try Self.json(report)
            }
        }
        router.get("/v1/streams/{id}/events") { _, context in
            let id = try context.parameters.require("id")
            let session = try registry.get(id)
            let (key, events) = session.subscribe()
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    do {
                        try await writer.write(ByteBuffer(string: ": stream \(id)\n\n"))
                        try await withGracefulShutdownHandler {
                            for await event in events {
                                if case .heartbeat = event {
                                    try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                                    continue
                                }
                                let message = EventMessage(event)
                                try await writer.write(ByteBuffer(string: "event: \(message.type)\ndata: \(message.json)\n\n"))
                                if case .closed = event { break }
                            }
                        } onGracefulShutdown: {
                            session.unsubscribe(key, reason: "shutdown")
                        }
                        session.unsubscribe(key)
                        try await writer.finish(nil)
                    } catch {
                        session.unsubscribe(key)
                        throw error
                    }
                })
        }
    }

    func addWebSocketRoute(_ router: Router<Context>) {
        let pool = self.pool, metrics = self.metrics, registry = self.registry
        let configuration = self.configuration
        router.ws("/v1/streams/{id}/ws", shouldUpgrade: { _, context in
            let id = try context.parameters.require("id")
            _ = try registry.get(id)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            let id = context.requestContext.parameters.get("id") ?? ""
            guard let session = try? registry.get(id) else {
                try await outbound.close(.unexpectedServerError, reason: "no stream \(id)")
                return
            }
            let (key, events) = session.subscribe()
            let writer = Task {
                for await event in events {
                    if case .heartbeat = event { continue }
                    try await outbound.write(.text(EventMessage(event).json))
                    if case .closed(let reason) = event {
                        try await outbound.close(.normalClosure, reason: reason)
                        break
                    }
                }
            }
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    do {
                        for try await message in inbound.messages(maxSize: configuration.maxBodyBytes) {
                            guard case .binary(let buffer) = message else {
                                try await outbound.write(.text(EventMessage(
                                    error: .badRequest("expected_binary", "send frames as binary messages (JPEG or PNG)"),
                                    frame: nil).json))
                                continue
                            }
                            let bytes = Array(buffer.readableBytesView)
                            group.addTask {
                                do {
                                    let upload = try ImageUpload.extract(body: bytes, contentType: nil)
                                    _ = try upload.checkSize(maxPixels: configuration.maxPixels)
                                    let (report, error) = await session.submit(
                                        upload, pool: pool, maxPixels: configuration.maxPixels,
                                        deadline: self.deadline, metrics: metrics)
                                    if let error {
                                        try await outbound.write(.text(EventMessage(error: error, frame: report).json))
                                    }
                                } catch let e as APIError {
                                    try? await outbound.write(.text(EventMessage(error: e, frame: nil).json))
                                } catch {}
                            }
                        }
                    } catch {}
                }
            } onGracefulShutdown: {
                session.unsubscribe(key, reason: "shutdown")
            }
            session.unsubscribe(key)
            _ = await writer.result
        })
    }
}

extension Image {
    /// A width and height.
    struct Size: Sendable { var width: Int; var height: Int }
}
