import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import WayCueServer

/// Graceful shutdown finishes the requests in flight.
@Suite("Shutdown")
struct ShutdownTests {
    @Test("a request in flight when shutdown starts still gets its answer")
    func inFlightFinishes() async throws {
        let gate = Gate()
        let server = try makeServer(detector: { GateDetector(gate: gate) })
        let ports = AsyncStream<Int>.makeStream()
        let app = server.makeApplication { port in ports.continuation.yield(port) }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: server.logger)
        let running = Task { try await group.run() }
        var iterator = ports.stream.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let png = try Fixtures.png(Fixtures.greenSquare())
        async let answer = post(port: port, "/v1/detect", body: png, contentType: "image/png")
        #expect(await eventually { server.pool.busyWorkers == 1 })
        await group.triggerGracefulShutdown()
        try await Task.sleep(for: .milliseconds(200))
        gate.release()
        let r = try await answer
        #expect(r.status == 200)
        #expect(r.body.contains("\"model\":\"test-double/gate\""))
        try await running.value
        server.pool.shutdown()
    }
}
