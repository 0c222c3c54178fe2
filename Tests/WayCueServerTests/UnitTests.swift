import Foundation
import Testing
import WayCueDetector
import WayCueImage
@testable import WayCueServer
import WayCueServerTesting

@Suite("Server parts")
struct UnitTests {
    @Test("tokens: exact match only, any of several, parsing skips comments and blanks")
    func tokens() {
        let t = AccessTokens(parsing: "# keys\nalpha-1\n\n  beta-2 \n")
        #expect(t.count == 2)
        #expect(t.accepts("alpha-1") && t.accepts("beta-2"))
        for bad in ["", "alpha", "alpha-1 ", "alpha-12", "ALPHA-1", "beta-"] { #expect(!t.accepts(bad), "\(bad)") }
        #expect(!t.description.contains("alpha"))
        #expect(AccessTokens(parsing: "a,b").count == 2)
        #expect(AccessTokens.none.isEmpty)
        #expect(throws: ServerSetupError.self) { _ = try AccessTokens.strings(contentsOfFile: "/nonexistent/tokens") }
    }

    @Test("multipart: parts, names, quoted boundary")
    func multipart() throws {
        let (body, type) = Fixtures.multipart([1, 2, 3, 13, 10, 45, 45, 4])
        let boundary = try #require(MultipartForm.boundary(fromContentType: type))
        let parts = try MultipartForm.parse(Array(body.readableBytesView), boundary: boundary)
        #expect(parts.map(\.name) == ["note", "image"])
        #expect(parts[1].body == [1, 2, 3, 13, 10, 45, 45, 4])
        #expect(parts[1].contentType == "image/jpeg")
        #expect(MultipartForm.boundary(fromContentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary(fromContentType: "multipart/form-data") == nil)
    }

    @Test("multipart parser fuzz: random and mutated bodies never crash (bounded)")
    func multipartFuzz() {
        var rng = SystemRandomNumberGenerator()
        let (valid, _) = Fixtures.multipart(Array(repeating: 7, count: 50))
        let base = Array(valid.readableBytesView)
        var parsed = 0
        for i in 0..<3000 {
            var b: [UInt8]
            if i % 3 == 0 {
                b = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                b = base
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let p = Int.random(in: 0..<b.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: b[p] = UInt8.random(in: 0...255, using: &rng)
                    case 1: b.remove(at: p)
                    default: b = Array(b.prefix(p))
                    }
                    if b.isEmpty { break }
                }
            }
            if (try? MultipartForm.parse(b, boundary: "XyZzy42")) != nil { parsed += 1 }
            _ = try? ImageUpload.extract(body: b, contentType: "multipart/form-data; boundary=XyZzy42")
        }
        #expect(parsed > 0)
    }

    @Test("detect options parse and filter")
    func detectOptions() throws {
        let o = try DetectOptions(query: ["score": "0.5", "classes": "ped_red"], known: [.pedRed, .pedGreen])
        let ds = [
            Detection(objectClass: .pedRed, score: 0.4, box: Box(x1: 0, y1: 0, x2: 1, y2: 1)),
            Detection(objectClass: .pedRed, score: 0.6, box: Box(x1: 0, y1: 0, x2: 1, y2: 1)),
            Detection(objectClass: .pedGreen, score: 0.9, box: Box(x1: 0, y1: 0, x2: 1, y2: 1)),
        ]
        #expect(o.apply(ds) == [ds[1]])
        #expect(throws: APIError.self) { try DetectOptions(query: ["iou": "1.5"], known: []) }
    }

    @Test("inference pool: bounded queue, every job answered, shutdown drains")
    func pool() async throws {
        let gate = Gate()
        let pool = try InferencePool(workers: 2, capacity: 2) { GateDetector(gate: gate) }
        let image = Image(width: 8, height: 8, format: .rgb8)
        let rejected = Messages()
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await pool.run { try $0.detect(image) }
                        return "ok"
                    } catch InferencePoolError.queueFull {
                        rejected.append("full")
                        return "full"
                    }
                }
            }
            // Generous: on a loaded 2-core CI machine the worker threads can wait seconds to run,
            // and the submitting tasks share the 2-thread cooperative pool with long synchronous
            // tests (model import, training), which hold it for minutes at a time.
            #expect(await eventually(600) {
                pool.busyWorkers == 2 && pool.queueDepth == 2 && rejected.all.count == 4
            })
            #expect(pool.queueDepth <= 2)
            gate.release()
            var out: [String] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.filter { $0 == "ok" }.count == 4)
        #expect(results.filter { $0 == "full" }.count == 4)
        pool.shutdown()
        await #expect(throws: InferencePoolError.shuttingDown) { _ = try await pool.run { _ in 1 } }
        #expect(throws: ServerSetupError.self) { _ = try InferencePool(workers: 0, capacity: 1) { ColorBlobDetector() } }
    }

    @Test("the colour-blob test double finds a green square where it is")
    func colourBlob() throws {
        let d = try ColorBlobDetector().detect(Fixtures.greenSquare())
        #expect(d.count == 1)
        #expect(d[0].objectClass == .pedGreen)
        #expect(d[0].box.iou(Box(x1: 20, y1: 10, x2: 40, y2: 30)) > 0.7)
    }
}

@Suite struct SignalPassQueryTests {
    @Test func signalPassQueryParsesAndRejectsGarbage() throws {
        let known: [ObjectClass] = [.pedRed, .pedGreen]
        #expect(try DetectOptions(query: ["signal_pass": "1"], known: known).signalPass == true)
        #expect(try DetectOptions(query: ["signal_pass": "off"], known: known).signalPass == false)
        #expect(try DetectOptions(query: [:], known: known).signalPass == nil)
        #expect(throws: APIError.self) { try DetectOptions(query: ["signal_pass": "maybe"], known: known) }
    }
}
