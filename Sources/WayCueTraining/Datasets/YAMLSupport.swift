import Foundation
import Yams

/// Small helpers to read YAML with line numbers for error messages.
enum YAMLSupport {
    /// Reads and composes a YAML file into a node tree, mapping Yams errors to ``DatasetError``.
    static func loadNode(path: String) throws -> Node {
        let text = try readText(path: path)
        return try composeNode(text: text, file: path)
    }

    /// Reads a UTF-8 text file.
    static func readText(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.io, file: path, reason: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError(.syntax, file: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// Composes YAML text, mapping Yams errors to ``DatasetError``.
    static func composeNode(text: String, file: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw DatasetError(.syntax, file: file, reason: "empty YAML document")
            }
            return node
        } catch let e as DatasetError {
            throw e
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                throw DatasetError(.syntax, file: file, line: mark.line, reason: "invalid YAML: \(problem)")
            default:
                throw DatasetError(.syntax, file: file, reason: "invalid YAML: \(e)")
            }
        } catch {
            throw DatasetError(.syntax, file: file, reason: "invalid YAML: \(error)")
        }
    }

    /// The mapping in `node`, or an error naming `field`.
    static func mapping(_ node: Node, file: String, field: String) throws -> Node.Mapping {
        guard let m = node.mapping else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "expected a mapping (key: value)")
        }
        return m
    }

    /// The sequence in `node`, or an error naming `field`.
    static func sequence(_ node: Node, file: String, field: String) throws -> Node.Sequence {
        guard let s = node.sequence else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "expected a list")
        }
        return s
    }

    /// The scalar string in `node`, or an error naming `field`.
    static func string(_ node: Node, file: String, field: String) throws -> String {
        guard let s = node.scalar?.string else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "expected a text value")
        }
        return s
    }

    /// A boolean scalar (`true`/`false`, `yes`/`no`), or an error naming `field`.
    static func bool(_ node: Node, file: String, field: String) throws -> Bool {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "expected true or false")
        }
    }

    /// A finite number, or an error naming `field`.
    static func double(_ node: Node, file: String, field: String) throws -> Double {
        guard let s = node.scalar?.string, let v = Double(s), v.isFinite else {
            throw DatasetError(.invalidValue, file: file, line: node.mark?.line, field: field,
                               reason: "expected a number")
        }
        return v
    }

    /// Looks up a key in a mapping.
    static func value(_ m: Node.Mapping, _ key: String) -> Node? {
        for (k, v) in m where k.scalar?.string == key { return v }
        return nil
    }

    /// Looks up a required key.
    static func required(_ m: Node.Mapping, _ key: String, file: String, parent: String? = nil) throws -> Node {
        guard let v = value(m, key) else {
            throw DatasetError(.missingField, file: file, line: m.mark?.line,
                               field: parent.map { "\($0).\(key)" } ?? key,
                               reason: "required field is missing")
        }
        return v
    }
}
