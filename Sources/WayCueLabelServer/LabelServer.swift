import Foundation
import Hummingbird
import Logging
import NIOCore
import WayCueLabeling
import WayCueTraining

/// The labelling page (`waycue label`) as a Hummingbird application: the page's own files and
/// a small JSON API over a ``LabelStore``. Everything is served locally; the page needs no
/// network and no build step.
///
/// API (all JSON; frames are named by their index in the folder):
/// - `GET /api/summary`: folders, classes, progress, queue sizes, write problems, prelabel
///   run, and the state of `waycue dataset check` on the folder (it runs in the background
///   after start and after each export);
/// - `GET /api/queue/{name}`: the frame indices of a queue (``ReviewQueue``);
/// - `GET /api/frames/{i}`: a frame's record (labels, scores, proposals, revision);
/// - `GET /api/frames/{i}/image`: the frame's image file;
/// - `PUT /api/frames/{i}`: `{"base_revision", "boxes", "reviewed"}` saves atomically;
///   409 with the current record when another tab saved first;
/// - `POST /api/export/{yolo|coco|voc}`: writes `<labels>/export/<format>`;
/// - `POST /api/check`: runs the dataset check again.
public struct LabelServer: Sendable {
    /// The folder under review.
    public let store: LabelStore
    /// Address to listen on.
    public var host: String
    /// Port (0 picks a free one).
    public var port: Int
    /// The logger.
    public var logger: Logger
    /// Largest request body accepted (a frame's boxes).
    public var maxBodyBytes = 1 << 20
    /// Dataset check of the folder.
    public let checks: CheckRunner

    /// Creates the server (it listens once the application runs).
    public init(store: LabelStore, host: String = "127.0.0.1", port: Int = 8090, logger: Logger) {
        self.store = store
        self.host = host
        self.port = port
        self.logger = logger
        checks = CheckRunner(store: store)
    }

    /// Builds the application; `onServerRunning` receives the bound port.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        addRoutes(router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "waycue-label"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    func addRoutes(_ router: Router<BasicRequestContext>) {
        let store = self.store, checks = self.checks, maxBody = maxBodyBytes
        for (path, file, type) in [("/", "index.html", "text/html; charset=utf-8"),
                                   ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                                   ("/app.css", "app.css", "text/css; charset=utf-8")] {
            router.get(RouterPath(path)) { _, _ in
                guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Page"),
                      let data = try? Data(contentsOf: url) else {
                    return Self.error(.internalServerError, "page_missing", "\(file) is missing from this build")
                }
                return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("/api/summary") { _, _ in
            let p = store.progress()
            var queues: [String: Int] = [:]
            for q in [ReviewQueue.unreviewed, .uncertain, .disagree, .problems, .all] { queues[q.description] = store.queue(q).count }
            let summary = Summary(
                framesFolder: store.framesFolder, labelsFolder: store.labelsFolder, classes: store.classNames,
                progress: p, queues: queues, writeProblem: store.writeProblem, prelabel: store.prelabel,
                skippedDuplicateStems: store.skippedDuplicateStems, check: checks.state)
            return try Self.json(summary)
        }
        router.get("/api/queue/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let q = ReviewQueue(name) else {
                return Self.error(.badRequest, "unknown_queue", "unknown queue '\(name.prefix(40))' (unreviewed, uncertain, disagree, problems, all, class:N)")
            }
            return try Self.json(QueueBody(name: q.description, frames: store.queue(q)))
        }
        router.get("/api/frames/:index") { _, context in
            guard let i = context.parameters.get("index", as: Int.self), let r = try? store.record(i) else {
                return Self.error(.notFound, "unknown_frame", "no frame '\(context.parameters.get("index")?.prefix(20) ?? "")'")
            }
            return try Self.json(r)
        }
        router.get("/api/frames/:index/image") { _, context in
            guard let i = context.parameters.get("index", as: Int.self), let f = try? store.frame(i) else {
                return Self.error(.notFound, "unknown_frame", "no frame '\(context.parameters.get("index")?.prefix(20) ?? "")'")
            }
            guard let data = FileManager.default.contents(atPath: store.imagePath(f)) else {
                return Self.error(.notFound, "image_unreadable", "\(f.file) cannot be read")
            }
            let type = (f.file as NSString).pathExtension.lowercased() == "png" ? "image/png" : "image/jpeg"
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.put("/api/frames/:index") { request, context in
            guard let i = context.parameters.get("index", as: Int.self), (try? store.frame(i)) != nil else {
                return Self.error(.notFound, "unknown_frame", "no frame '\(context.parameters.get("index")?.prefix(20) ?? "")'")
            }
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: maxBody) } catch {
                return Self.error(.contentTooLarge, "body_too_large", "the request body is over \(maxBody) bytes")
            }
            let body: SaveBody
            do { body = try JSONDecoder().decode(SaveBody.self, from: Data(buffer.readableBytesView)) } catch {
                return Self.error(.badRequest, "bad_json", "expected {\"base_revision\", \"boxes\": [{\"class\", \"cx\", \"cy\", \"w\", \"h\"}], \"reviewed\"}: \(error)")
            }
            do {
                return try Self.json(try store.save(i, boxes: body.boxes, reviewed: body.reviewed, baseRevision: body.baseRevision))
            } catch let e as LabelStoreError {
                switch e {
                case .invalidBox: return Self.error(.badRequest, "invalid_box", e.description)
                case .conflict:
                    let current = try? store.record(i)
                    return try Self.json(ConflictBody(error: .init(code: "conflict", message: e.description), current: current),
                                         status: .conflict)
                case .notWritable: return Self.error(.internalServerError, "not_writable", e.description)
                default: return Self.error(.internalServerError, "save_failed", e.description)
                }
            }
        }
        router.post("/api/export/:format") { _, context in
            guard let f = LabelExportFormat(rawValue: context.parameters.get("format") ?? "") else {
                return Self.error(.badRequest, "unknown_format", "export formats: yolo, coco, voc")
            }
            let out = (store.labelsFolder as NSString).appendingPathComponent("export/\(f.rawValue)")
            do {
                let r = try await Self.offload { try store.export(f, to: out) }
                return try Self.json(r)
            } catch {
                return Self.error(.internalServerError, "export_failed", "\(error)")
            }
        }
        router.post("/api/check") { _, _ in
            checks.start()
            return try Self.json(checks.state)
        }
    }

    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async { c.resume(with: Result { try body() }) }
        }
    }

    static func json<T: Encodable>(_ v: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try enc.encode(v))))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        let body = (try? JSONEncoder().encode(ErrorBody(error: .init(code: code, message: message)))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    struct ErrorInfo: Codable { var code: String; var message: String }
    struct ErrorBody: Codable { var error: ErrorInfo }
    struct ConflictBody: Encodable { var error: ErrorInfo; var current: LabelStore.Record? }
    struct QueueBody: Codable { var name: String; var frames: [Int] }
    struct SaveBody: Codable {
        var baseRevision: String?
        var boxes: [ReviewBox]
        var reviewed: Bool
        enum CodingKeys: String, CodingKey { case boxes, reviewed, baseRevision = "base_revision" }
    }
    struct Summary: Encodable {
        var framesFolder: String
        var labelsFolder: String
        var classes: [String]
        var progress: ReviewProgress
        var queues: [String: Int]
        var writeProblem: String?
        var prelabel: LabelStore.PrelabelInfo?
        var skippedDuplicateStems: [String]
        var check: CheckRunner.State
        enum CodingKeys: String, CodingKey {
            case classes, progress, queues, prelabel, check
            case framesFolder = "frames_folder", labelsFolder = "labels_folder", writeProblem = "write_problem"
            case skippedDuplicateStems = "skipped_duplicate_stems"
        }
    }
}

/// Runs `waycue dataset check` on the folder in the background and keeps the findings.
public final class CheckRunner: @unchecked Sendable {
    /// The check's progress and findings, as the page shows them.
    public struct State: Sendable, Encodable {
        /// `idle`, `running`, `done` or `failed`.
        public var status: String
        /// Images read so far.
        public var done: Int
        /// Images to read.
        public var total: Int
        /// The findings when done.
        public var report: DatasetCheckReport?
        /// Why it failed.
        public var error: String?
    }

    private let store: LabelStore
    private let lock = NSLock()
    private var current = State(status: "idle", done: 0, total: 0, report: nil, error: nil)
    private var generation = 0

    init(store: LabelStore) { self.store = store }

    /// The current state.
    public var state: State { lock.lock(); defer { lock.unlock() }; return current }

    /// Starts a check (a running one is superseded: its result is discarded).
    public func start(jobs: Int = 1) {
        lock.lock()
        generation += 1
        let gen = generation
        current = State(status: "running", done: 0, total: store.frames.count, report: nil, error: nil)
        lock.unlock()
        let store = self.store
        DispatchQueue.global(qos: .utility).async { [self] in
            let result: Result<DatasetCheckReport, Error> = Result {
                try store.check(jobs: jobs) { d, t in
                    self.lock.lock()
                    if self.generation == gen { self.current.done = d; self.current.total = t }
                    self.lock.unlock()
                }
            }
            lock.lock()
            if generation == gen {
                switch result {
                case .success(let r): current.status = "done"; current.report = r
                case .failure(let e): current.status = "failed"; current.error = "\(e)"
                }
            }
            lock.unlock()
        }
    }
}
