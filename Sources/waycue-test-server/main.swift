// waycue-test-server: the WayCue HTTP service with a TEST DOUBLE of the detector
// (ColorBlobDetector: saturated red/green blobs reported as ped_red/ped_green). It is not a
// model; it exists so that scripts/load-test and manual API checks can run before a trained
// model ships. It binds to 127.0.0.1 only and prints "listening on PORT" once ready.
import ArgumentParser
import Foundation
import Logging
import WayCueServer
import WayCueServerTesting

@main
struct TestServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waycue-test-server",
        abstract: "Serve the WayCue API on 127.0.0.1 with the colour-blob TEST DOUBLE (not a model).")

    @Option(help: "TCP port (0 picks a free one).")
    var port = 0
    @Option(help: "Worker threads.")
    var threads = 1
    @Option(help: "Queue capacity.")
    var queue = 8
    @Option(name: .customLong("extra-us"), help: "Extra busy time per image in microseconds (imitates a slower model).")
    var extraMicroseconds = 0
    @Option(name: .customLong("log-level"))
    var logLevel = "warning"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.threads = threads
        configuration.queueCapacity = queue
        if let env = ProcessInfo.processInfo.environment["WAYCUE_TOKENS"] {
            configuration.tokens = AccessTokens(parsing: env)
        }
        let extra = extraMicroseconds
        let pool = try InferencePool(workers: threads, capacity: queue) {
            ColorBlobDetector(extraMicroseconds: extra)
        }
        let server = WayCueServer(configuration: configuration, pool: pool,
                                  logger: Logger(label: "waycue.test-server"))
        let app = server.makeApplication { port in
            FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
        }
        try await app.runService()
        pool.shutdown()
    }
}
