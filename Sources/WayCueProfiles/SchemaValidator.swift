import Foundation
import Yams

/// Checks a parsed YAML tree against a ``SchemaType`` and lists every mismatch by field path.
///
/// The validator never stops at the first problem: a maker fixing a profile sees all of them.
public struct SchemaValidator: Sendable {
    /// The schema to check against.
    public var schema: SchemaType

    /// Creates a validator.
    public init(schema: SchemaType) {
        self.schema = schema
    }

    /// Parses `text` as YAML and validates it.
    ///
    /// - Throws: ``ProfileError/syntax(file:reason:)`` when the text is not one YAML document.
    /// - Returns: the issues found; empty when the document is valid.
    public func validate(yaml text: String, file: String) throws(ProfileError) -> [ProfileIssue] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .syntax(file: file, reason: Self.describe(error))
        }
        guard let node else { throw .syntax(file: file, reason: "the document is empty") }
        return validate(node)
    }

    /// Validates an already parsed YAML node.
    public func validate(_ node: Node) -> [ProfileIssue] {
        var issues: [ProfileIssue] = []
        check(node, against: schema, path: "", issues: &issues)
        return issues
    }

    private static func describe(_ error: any Error) -> String {
        if let yaml = error as? YamlError { return "\(yaml)".replacingOccurrences(of: "\n", with: " ") }
        return "\(error)"
    }

    private func check(_ node: Node, against type: SchemaType, path: String,
                       issues: inout [ProfileIssue]) {
        let line = node.mark?.line
        func fail(_ message: String) {
            issues.append(ProfileIssue(path: path, message: message, line: line))
        }
        if case .alias = node {
            fail("YAML aliases are not supported in profiles")
            return
        }
        switch type {
        case let .object(object):
            guard case let .mapping(mapping) = node else {
                fail("must be a mapping of \(object.fields.map(\.name).joined(separator: ", ")), got \(Self.kind(node))")
                return
            }
            var seen = Set<String>()
            for (keyNode, value) in mapping {
                guard let key = keyNode.scalar?.string else {
                    issues.append(ProfileIssue(path: path, message: "keys must be plain text",
                                               line: keyNode.mark?.line))
                    continue
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if !seen.insert(key).inserted {
                    issues.append(ProfileIssue(path: childPath, message: "appears twice",
                                               line: keyNode.mark?.line))
                    continue
                }
                guard let field = object.field(key) else {
                    let allowed = object.fields.map(\.name).joined(separator: ", ")
                    issues.append(ProfileIssue(path: childPath,
                                               message: "unknown field (allowed: \(allowed))",
                                               line: keyNode.mark?.line))
                    continue
                }
                if !field.required, Self.isNull(value) { continue }
                check(value, against: field.type, path: childPath, issues: &issues)
            }
            for field in object.fields where field.required && !seen.contains(field.name) {
                let childPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                issues.append(ProfileIssue(path: childPath, message: "required field is missing",
                                           line: line))
            }
        case let .array(itemType, minItems, maxItems):
            guard case let .sequence(sequence) = node else {
                fail("must be a list, got \(Self.kind(node))")
                return
            }
            if sequence.count < minItems {
                fail("must have at least \(minItems) item\(minItems == 1 ? "" : "s"), got \(sequence.count)")
            }
            if let maxItems, sequence.count > maxItems {
                fail("must have at most \(maxItems) items, got \(sequence.count)")
            }
            for (index, item) in sequence.enumerated() {
                check(item, against: itemType, path: "\(path)[\(index)]", issues: &issues)
            }
        case let .string(rule):
            guard case let .scalar(scalar) = node, !Self.isNull(node) else {
                fail("must be text, got \(Self.kind(node))")
                return
            }
            let value = scalar.string
            if !rule.allowed.isEmpty {
                if !rule.allowed.contains(value) {
                    fail("must be one of \(rule.allowed.joined(separator: ", ")), got '\(value)'")
                }
                return
            }
            if value.count < rule.minLength {
                fail(rule.minLength == 1 ? "must not be empty"
                     : "must be at least \(rule.minLength) characters, got \(value.count)")
            } else if value.count > rule.maxLength {
                fail("must be at most \(rule.maxLength) characters, got \(value.count)")
            }
            if let pattern = rule.pattern, !Self.matches(value, pattern: pattern) {
                fail("must match \(pattern), got '\(value)'")
            }
        case let .integer(min, max, multipleOf):
            guard let value = Self.integer(node) else {
                fail("must be a whole number, got \(Self.kind(node))")
                return
            }
            if value < min || value > max {
                fail("must be between \(min) and \(max), got \(value)")
            } else if let multipleOf, value % multipleOf != 0 {
                fail("must be a multiple of \(multipleOf), got \(value)")
            }
        case let .number(min, max):
            guard let value = Self.number(node) else {
                fail("must be a number, got \(Self.kind(node))")
                return
            }
            if !(value >= min && value <= max) {
                fail("must be between \(Self.format(min)) and \(Self.format(max)), got \(Self.format(value))")
            }
        case .boolean:
            guard case .scalar = node, Self.tagName(node) == .bool, node.bool != nil else {
                fail("must be true or false, got \(Self.kind(node))")
                return
            }
        }
    }

    static func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node else { return false }
        return Self.tagName(node) == .null && scalar.style == .plain
    }

    static func integer(_ node: Node) -> Int? {
        guard case .scalar = node, Self.tagName(node) == .int else { return nil }
        return node.int
    }

    static func number(_ node: Node) -> Double? {
        guard case .scalar = node else { return nil }
        switch Self.tagName(node) {
        case .int: return node.int.map(Double.init)
        case .float:
            guard let value = node.float, value.isFinite else { return nil }
            return value
        default: return nil
        }
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "..." : scalar.string
            switch Self.tagName(node) {
            case .null: return "nothing"
            case .int, .float, .bool: return text
            default: return "'\(text)'"
            }
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(value)
    }

    static func matches(_ value: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: value)) != nil
    }
}
