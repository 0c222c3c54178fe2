import ArgumentParser
import Foundation
import Logging
import WayCueDetector
import WayCueImage
import WayCueProfiles
import WayCueServer

/// `waycue serve`: the detector and the cue engine as an HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve detections and stream cues over HTTP (REST, server-sent events, WebSocket).",
        discussion: """
            Endpoints: POST /v1/detect, POST /v1/streams, POST /v1/streams/{id}/frames, \
            GET /v1/streams/{id}/events (SSE), GET /v1/streams/{id}/ws (WebSocket), \
            GET /v1/models, GET /healthz, GET /metrics (Prometheus), GET /openapi.json.

            Authentication: when --token-file or $WAYCUE_TOKENS (comma-separated) gives tokens, \
            every path but /healthz and /openapi.json needs 'Authorization: Bearer TOKEN'. \
            Tokens are never logged.

            SIGINT or SIGTERM stops accepting connections and finishes the requests in flight.

            Exit status: 0 after a clean shutdown, 64 for bad options, 66 when the model or the \
            token file cannot be read, 1 when the server fails.

            Examples:
              waycue serve                      # the bundled default model
              waycue serve --model models/waycue-n.wcm
              waycue serve --model m.wcm --host 0.0.0.0 --port 8080 --threads 2 --token-file /etc/waycue/tokens
              curl -s --data-binary @frame.jpg -H 'Content-Type: image/jpeg' \\
                'http://127.0.0.1:8080/v1/detect?score=0.4&classes=ped_red,ped_green'
            """
    )

    @Option(help: "Address to bind (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one).")
    var port = 8080

    @Option(help: "Model file (.wcm); default: the bundled default model.")
    var model: String?

    @Option(help: "Inference worker threads (one detector each).")
    var threads = 1

    @Option(name: .customLong("token-file"), help: "File with accepted bearer tokens, one per line.")
    var tokenFile: String?

    @Option(help: "Images that may wait for a worker; more are answered 503 with Retry-After.")
    var queue = 8

    @Option(name: .customLong("max-body-mb"), help: "Largest request body in MiB (413 beyond).")
    var maxBodyMB = 8.0

    @Option(name: .customLong("max-pixels"), help: "Largest image in pixels (413 beyond).")
    var maxPixels = 4096 * 3072

    @Option(help: "Seconds a detection or frame request may take (504 beyond).")
    var timeout = 10.0

    @Option(name: .customLong("stream-idle"), help: "Seconds before an idle stream without subscribers expires.")
    var streamIdle = 120.0

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "waycue.server")
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.threads = threads
        configuration.queueCapacity = queue
        configuration.maxBodyBytes = Int(maxBodyMB * 1024 * 1024)
        configuration.maxPixels = maxPixels
        configuration.requestTimeoutSeconds = timeout
        configuration.streamIdleSeconds = streamIdle
        configuration.cameraForProfile = { name in
            let catalog = ProfileCatalog(directories: ProfileCatalog.defaultDirectories(
                environment: ProcessInfo.processInfo.environment,
                currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                executable: Bundle.main.executableURL))
            return try catalog.load(name).cameraModel
        }
        do throws(ServerSetupError) {
            try configuration.validate()
            var tokens: [String] = []
            if let tokenFile { tokens += try AccessTokens.strings(contentsOfFile: tokenFile) }
            if let env = ProcessInfo.processInfo.environment["WAYCUE_TOKENS"] {
                tokens += AccessTokens.strings(parsing: env)
            }
            configuration.tokens = AccessTokens(tokens: tokens)
        } catch let e {
            FileHandle.standardError.write(Data("waycue serve: \(e)\n".utf8))
            if case .tokenFile = e { throw ExitCode(66) }
            throw ExitCode(64)
        }
        let pool: InferencePool
        do {
            let factory = try Self.detectorFactory(modelPath: model)
            pool = try InferencePool(workers: threads, capacity: queue, makeDetector: factory)
        } catch {
            FileHandle.standardError.write(Data("waycue serve: \(error)\n".utf8))
            throw ExitCode(66)
        }
        let server = WayCueServer(configuration: configuration, pool: pool, logger: logger)
        do { try await server.run() } catch {
            logger.error("server failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Makes detectors for `modelPath` (the bundled default model when `nil`): one `Detector`
    /// per inference worker, each with its own buffers. The model is loaded once here so that a
    /// bad file fails at start-up, not on the first request.
    static func detectorFactory(modelPath: String?) throws -> () throws -> any ObjectDetecting {
        if let modelPath, !FileManager.default.isReadableFile(atPath: modelPath) {
            throw ServerSetupError.model("cannot read the model file \(modelPath)")
        }
        let load: () throws -> Detector = modelPath.map { path in { try Detector(modelPath: path, threads: 1) } }
            ?? { try Detector.default(threads: 1) }
        do { _ = try load() } catch {
            throw ServerSetupError.model("\(modelPath ?? "the bundled default model"): \(error)")
        }
        return { try load() }
    }
}
