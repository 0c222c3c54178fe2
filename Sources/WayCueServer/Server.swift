import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import WayCueCues
import WayCueDetector
import WayCueImage

/// The detector and the cue engine as an HTTP service (Hummingbird 2).
///
/// Endpoints (documented in `openapi.yaml`, served at `/openapi.json`):
/// `POST /v1/detect`, `POST /v1/streams`, `GET|DELETE /v1/streams/{id}`,
/// `POST /v1/streams/{id}/frames`, `GET /v1/streams/{id}/events` (server-sent events),
/// `GET /v1/streams/{id}/ws` (WebSocket), `GET /v1/models`, `GET /healthz`, `GET /metrics`.
///
/// ```swift
/// let pool = try InferencePool(workers: 2, capacity: 8) { try Detector(contentsOf: url) }
/// let server = WayCueServer(configuration: config, pool: pool, logger: logger)
/// try await server.run()   // until SIGINT or SIGTERM, then finishes requests in flight
/// ```
public struct WayCueServer: Sendable {
    /// The settings.
    public let configuration: ServerConfiguration
    /// The detectors.
    public let pool: InferencePool
    /// The service's metrics.
    public let metrics = ServerMetrics()
    /// Live streams.
    let registry: StreamRegistry
    /// The logger (tokens are never logged).
    public let logger: Logger

    /// Every route the service answers, as `(method, path template)`; `openapi.yaml`
    /// documents exactly these (checked by a test).
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/openapi.json"), ("GET", "/v1/models"),
        ("POST", "/v1/detect"), ("POST", "/v1/streams"), ("GET", "/v1/streams/{id}"),
        ("DELETE", "/v1/streams/{id}"), ("POST", "/v1/streams/{id}/frames"),
        ("GET", "/v1/streams/{id}/events"), ("GET", "/v1/streams/{id}/ws"),
    ]

    /// Paths answered without a token even when authentication is on.
    public static let publicPaths: Set<String> = ["/healthz", "/openapi.json"]

    /// Creates the service (it listens only once ``run()`` or the application runs).
    public init(configuration: ServerConfiguration, pool: InferencePool, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.logger = logger
        registry = StreamRegistry(maxStreams: configuration.maxStreams,
                                  idleSeconds: configuration.streamIdleSeconds, metrics: metrics)
    }

    /// The request context of both routers.
    public typealias Context = BasicWebSocketRequestContext

    /// Builds the Hummingbird application.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        let wsRouter = Router(context: Context.self)
        for r in [router, wsRouter] {
            r.add(middleware: ObservingMiddleware(metrics: metrics, logger: logger))
            r.add(middleware: BearerAuthMiddleware(tokens: configuration.tokens))
        }
        addRoutes(router)
        addWebSocketRoute(wsRouter)
        var app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: wsRouter,
                configuration: .init(ws: .init(maxFrameSize: configuration.maxBodyBytes))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "waycue"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        app.addServices(StreamMaintenance(registry: registry, interval: configuration.tickSeconds))
        return app
    }

    /// Runs until SIGINT or SIGTERM, finishes the requests in flight, then stops the workers.
    public func run() async throws {
        let app = makeApplication()
        logger.info("waycue server starting", metadata: [
            "host": "\(configuration.host)", "port": "\(configuration.port)",
            "model": "\(pool.modelID)", "threads": "\(pool.workers)",
            "queue": "\(configuration.queueCapacity)",
            "auth": "\(configuration.tokens.isEmpty ? "off" : configuration.tokens.description)",
        ])
        try await app.runService()
        registry.shutdown()
        pool.shutdown()
        logger.info("waycue server stopped")
    }

    /// The counters of a live stream.
    ///
    /// - Throws: ``APIError`` `stream_not_found`.
    public func streamStats(_ id: String) throws -> StreamStats {
        try registry.get(id).stats()
    }

    var deadline: ContinuousClock.Instant {
        ContinuousClock().now.advanced(by: .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000)))
    }

    /// Reads the body up to the size limit and finds the image in it.
    func readUpload(_ request: Request) async throws -> ImageUpload {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        let body = request.body
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch let e as HTTPError where e.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
        let upload = try ImageUpload.extract(body: Array(buffer.readableBytesView),
                                             contentType: request.headers[.contentType])
        _ = try upload.checkSize(maxPixels: configuration.maxPixels)
        return upload
    }

    /// Runs `operation`, answering 504 `timeout` as soon as it takes longer than the request
    /// timeout. The operation is then cancelled and left to end on its own (a detector run
    /// cannot be interrupted; a stream frame still ends processed or dropped and is counted).
    func withRequestTimeout<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let nanoseconds = Int64(configuration.requestTimeoutSeconds * 1e9)
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation, work: Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                }, timer: Task {
                    try? await Task.sleep(for: .nanoseconds(nanoseconds))
                    race.finish(.failure(APIError.timedOut))
                })
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.sorted.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func query(_ request: Request) -> [String: String] {
        var q: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { q[String(k)] = String(v) }
        return q
    }
}

/// The first of an operation and its timer to finish resumes the caller; the other is cancelled.
final class Race<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var tasks: [Task<Void, Never>] = []

    func start(_ c: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
        lock.lock()
        if let pending {
            lock.unlock()
            work.cancel()
            timer.cancel()
            c.resume(with: pending)
            return
        }
        continuation = c
        tasks = [work, timer]
        lock.unlock()
    }

    func finish(_ result: Result<T, any Error>) {
        lock.lock()
        guard let c = continuation else {
            if pending == nil && tasks.isEmpty { pending = result }
            lock.unlock()
            return
        }
        continuation = nil
        let all = tasks
        tasks = []
        lock.unlock()
        for t in all { t.cancel() }
        c.resume(with: result)
    }
}

/// Ticks every stream's cue engine and expires idle streams until graceful shutdown.
struct StreamMaintenance: Service {
    let registry: StreamRegistry
    let interval: Double

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                registry.maintain()
            }
        }
        registry.shutdown()
    }
}
