import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import WayCueLabelServer
@testable import WayCueLabeling

@Suite("Label page API")
struct LabelServerTests {
    func makeServer(_ f: FrameFolder) throws -> LabelServer {
        LabelServer(store: try LabelStore(frames: f.frames), port: 0, logger: Logger(label: "test"))
    }

    func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
    }

    @Test("the page's own files are served, with no reference to anything outside the server")
    func pageFiles() async throws {
        let f = try FrameFolder(count: 2)
        try await makeServer(f).makeApplication().test(.router) { client in
            for (path, type) in [("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css")] {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType]?.hasPrefix(type) == true)
                    let text = String(buffer: r.body)
                    #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"), "\(path)")
                }
            }
        }
    }

    @Test("summary, queue, frame and image; save; a stale revision answers 409 with the current labels")
    func api() async throws {
        let f = try FrameFolder(count: 3)
        let server = try makeServer(f)
        try await server.makeApplication().test(.router) { client in
            let summary = try json(try await client.execute(uri: "/api/summary", method: .get))
            #expect((summary["classes"] as? [String])?.count == 15)
            #expect((summary["queues"] as? [String: Int])?["unreviewed"] == 3)
            let queue = try json(try await client.execute(uri: "/api/queue/unreviewed", method: .get))
            #expect(queue["frames"] as? [Int] == [0, 1, 2])
            let frame = try json(try await client.execute(uri: "/api/frames/1", method: .get))
            let rev = try #require(frame["revision"] as? String)
            try await client.execute(uri: "/api/frames/1/image", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "image/png")
                #expect(Array(r.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            }
            let body = #"{"base_revision":"\#(rev)","reviewed":true,"boxes":[{"class":3,"cx":0.5,"cy":0.5,"w":0.2,"h":0.2,"score":null}]}"#
            let saved = try await client.execute(uri: "/api/frames/1", method: .put, body: ByteBuffer(string: body))
            #expect(saved.status == .ok)
            #expect(try String(contentsOfFile: server.store.labelsFolder + "/f0001.txt", encoding: .utf8) == "3 0.500000 0.500000 0.200000 0.200000\n")
            let stale = try await client.execute(uri: "/api/frames/1", method: .put, body: ByteBuffer(string: body))
            #expect(stale.status == .conflict)
            let conflict = try json(stale)
            #expect(((conflict["error"] as? [String: Any])?["code"] as? String) == "conflict")
            #expect(((conflict["current"] as? [String: Any])?["boxes"] as? [Any])?.count == 1)
            let after = try json(try await client.execute(uri: "/api/summary", method: .get))
            #expect((after["progress"] as? [String: Any])?["reviewed"] as? Int == 1)
        }
    }

    @Test("bad requests: unknown frame 404, bad JSON 400, invalid box 400 naming the box, unknown queue 400, oversized 413")
    func badRequests() async throws {
        let f = try FrameFolder(count: 1)
        var configured = try makeServer(f)
        configured.maxBodyBytes = 4096
        let server = configured
        try await server.makeApplication().test(.router) { client in
            #expect(try await client.execute(uri: "/api/frames/7", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/frames/x/image", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/queue/everything", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/api/frames/0", method: .put, body: ByteBuffer(string: "{nope")).status == .badRequest)
            let invalid = try await client.execute(uri: "/api/frames/0", method: .put,
                body: ByteBuffer(string: #"{"reviewed":true,"boxes":[{"class":1,"cx":0.5,"cy":0.5,"w":0.1,"h":0.1},{"class":1,"cx":0.9,"cy":0.5,"w":0.5,"h":0.1}]}"#))
            #expect(invalid.status == .badRequest)
            #expect(String(buffer: invalid.body).contains("box 2"))
            let big = String(repeating: " ", count: 5000) + "{}"
            #expect(try await client.execute(uri: "/api/frames/0", method: .put, body: ByteBuffer(string: big)).status == .contentTooLarge)
            #expect(!FileManager.default.fileExists(atPath: server.store.labelsFolder + "/f0000.txt"))
        }
    }

    @Test("export and the dataset check through the API")
    func exportAndCheck() async throws {
        let f = try FrameFolder(count: 3)
        let server = try makeServer(f)
        try server.store.save(0, boxes: [box(1, 0.5, 0.5, 0.2, 0.2)], reviewed: true, baseRevision: nil)
        try await server.makeApplication().test(.router) { client in
            let r = try json(try await client.execute(uri: "/api/export/coco", method: .post))
            #expect(r["frames"] as? Int == 3 && r["boxes"] as? Int == 1)
            #expect(FileManager.default.fileExists(atPath: server.store.labelsFolder + "/export/coco/train/_annotations.coco.json"))
            #expect(try await client.execute(uri: "/api/export/pdf", method: .post).status == .badRequest)
            _ = try await client.execute(uri: "/api/check", method: .post)
            var status = ""
            for _ in 0..<300 {
                let s = try json(try await client.execute(uri: "/api/summary", method: .get))
                status = ((s["check"] as? [String: Any])?["status"] as? String) ?? ""
                if status != "running" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "done")
            #expect(server.checks.state.report?.boxes == 1)
        }
    }
}
