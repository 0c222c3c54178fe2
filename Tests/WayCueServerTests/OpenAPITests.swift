import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WayCueServer
import Yams

/// The committed OpenAPI document and the server's routes stay in sync.
@Suite("OpenAPI document")
struct OpenAPITests {
    static func documentedOperations() throws -> Set<String> {
        let root = try #require(try Yams.load(yaml: try OpenAPIDocument.yaml()) as? [String: Any])
        #expect(root["openapi"] as? String == "3.1.0")
        let paths = try #require(root["paths"] as? [String: Any])
        var ops: Set<String> = []
        for (path, value) in paths {
            let item = try #require(value as? [String: Any])
            for method in ["get", "post", "put", "delete", "patch"] where item[method] != nil {
                ops.insert(method.uppercased() + " " + path)
            }
        }
        return ops
    }

    @Test("every route is documented and every documented operation is a route")
    func routesMatch() throws {
        let routes = Set(WayCueServer.routes.map { $0.method + " " + $0.path })
        #expect(try Self.documentedOperations() == routes)
    }

    @Test("every documented route is registered on the live server (none answers as unmatched)")
    func routesRegistered() async throws {
        let server = try makeServer()
        try await server.makeApplication().test(.live) { client in
            let stream = try await client.execute(uri: "/v1/streams", method: .post).decode(StreamCreated.self)
            for route in WayCueServer.routes where !route.path.hasSuffix("/ws") && route.method != "DELETE" {
                let uri = route.path.replacingOccurrences(of: "{id}", with: stream.id)
                if uri.hasSuffix("/events") { continue }  // an endless response: covered by the SSE test
                _ = try await client.execute(uri: uri, method: HTTPRequest.Method(route.method)!)
            }
            _ = try await client.execute(uri: "/v1/streams/\(stream.id)", method: .delete)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            for route in WayCueServer.routes where !route.path.hasSuffix("/ws") && !route.path.hasSuffix("/events") {
                #expect(metrics.contains("route=\"\(route.path)\",method=\"\(route.method)\""), "\(route)")
            }
            #expect(!metrics.contains("route=\"unmatched\""))
        }
    }

    @Test("/openapi.json serves the committed document as JSON, without a token")
    func served() async throws {
        let server = try makeServer { c in c.tokens = AccessTokens(tokens: ["t"]) }
        try await server.makeApplication().test(.live) { client in
            let r = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(r.status == .ok)
            let object = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
            let paths = try #require(object?["paths"] as? [String: Any])
            #expect(Set(paths.keys) == Set(WayCueServer.routes.map(\.path)))
            #expect(try Data(r.body.readableBytesView) == OpenAPIDocument.json())
        }
    }
}
