import Foundation
import Yams

/// Reads firmware profiles from YAML and checks them: first the schema (every field, its type
/// and range, no unknown fields), then the rules that tie fields together.
public enum ProfileLoader {
    /// Parses and validates profile text.
    ///
    /// - Parameters:
    ///   - text: the YAML document.
    ///   - file: the name used in error messages.
    ///   - expectedName: when set, the profile's `name` must equal it (the file name).
    /// - Throws: ``ProfileError/syntax(file:reason:)`` or ``ProfileError/invalid(file:issues:)``.
    public static func parse(_ text: String, file: String,
                             expectedName: String? = nil) throws(ProfileError) -> FirmwareProfile {
        let validator = SchemaValidator(schema: FirmwareProfile.schema)
        var issues = try validator.validate(yaml: text, file: file)
        guard issues.isEmpty else { throw .invalid(file: file, issues: issues) }
        let profile: FirmwareProfile
        do {
            profile = try YAMLDecoder().decode(FirmwareProfile.self, from: text)
        } catch {
            // The schema and the Swift types describe the same fields, so this is a mismatch
            // between them, reported rather than trapped.
            throw .invalid(file: file, issues: [ProfileIssue(path: "", message: "cannot decode: \(error)")])
        }
        issues = profile.ruleIssues()
        if let expectedName, profile.name != expectedName {
            issues.insert(ProfileIssue(
                path: "name",
                message: "must equal the file name '\(expectedName)' so that `waycue profile show \(expectedName)` finds it, got '\(profile.name)'"),
                at: 0)
        }
        guard issues.isEmpty else { throw .invalid(file: file, issues: issues) }
        return profile
    }

    /// Reads and validates the profile file at `url`; its `name` must equal the file name.
    public static func load(contentsOf url: URL) throws(ProfileError) -> FirmwareProfile {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        let name = url.deletingPathExtension().lastPathComponent
        return try parse(text, file: url.path, expectedName: name)
    }

    /// Validates the file at `url` and returns its issues (empty when valid), for
    /// `waycue profile validate`.
    public static func issues(contentsOf url: URL) -> [String] {
        do {
            _ = try load(contentsOf: url)
            return []
        } catch let .invalid(file, issues) {
            return issues.map { "\(file): \($0)" }
        } catch {
            return [error.description]
        }
    }
}
