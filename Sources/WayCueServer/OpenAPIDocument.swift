import Foundation
import Yams

/// The service's OpenAPI 3.1 document, `openapi.yaml` in this module's resources.
public enum OpenAPIDocument {
    /// The YAML text as committed.
    public static func yaml() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ServerSetupError.invalidSetting("openapi", "openapi.yaml is missing from the bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The document converted to JSON (served at `/openapi.json`).
    public static func json() throws -> Data {
        let object = try Yams.load(yaml: try yaml()) ?? [:]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
