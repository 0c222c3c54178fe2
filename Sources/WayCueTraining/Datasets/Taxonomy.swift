import Foundation
import WayCueDetector
import Yams

/// The canonical class list (`datasets/taxonomy.yaml`): names, descriptions and whether a
/// horizontal flip keeps an example valid.
///
/// File format:
/// ```yaml
/// classes:
///   - name: tactile_guide
///     description: Tactile guidance paving (raised bars).
///     flip_ok: true
/// ```
public struct Taxonomy: Sendable, Equatable {
    /// One canonical class.
    public struct Entry: Sendable, Equatable {
        /// The class.
        public var objectClass: ObjectClass
        /// One-line description.
        public var description: String
        /// Whether augmentation may flip an image holding this class left-to-right.
        public var flipOK: Bool

        /// Creates an entry.
        public init(objectClass: ObjectClass, description: String, flipOK: Bool) {
            self.objectClass = objectClass
            self.description = description
            self.flipOK = flipOK
        }
    }

    /// The classes in taxonomy order (a model's class index is a position here).
    public var entries: [Entry]

    /// Creates a taxonomy from entries.
    public init(entries: [Entry]) { self.entries = entries }

    /// The classes in order.
    public var classes: [ObjectClass] { entries.map(\.objectClass) }

    /// The index of a class, nil when it is not in the taxonomy.
    public func index(of c: ObjectClass) -> Int? { entries.firstIndex { $0.objectClass == c } }

    /// Whether the taxonomy holds a class.
    public func contains(_ c: ObjectClass) -> Bool { index(of: c) != nil }

    /// Whether a horizontal flip is allowed for a class (false for unknown classes).
    public func flipOK(_ c: ObjectClass) -> Bool { entries.first { $0.objectClass == c }?.flipOK ?? false }

    /// Loads and validates a taxonomy file.
    ///
    /// - Throws: ``DatasetError`` naming the file, line and field for unreadable files, bad
    ///   YAML, missing fields, bad class names and duplicates.
    public static func load(path: String) throws -> Taxonomy {
        try parse(yaml: YAMLSupport.readText(path: path), file: path)
    }

    /// Parses taxonomy YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String = "<taxonomy>") throws -> Taxonomy {
        let root = try YAMLSupport.mapping(YAMLSupport.composeNode(text: yaml, file: file), file: file, field: "(root)")
        let list = try YAMLSupport.sequence(YAMLSupport.required(root, "classes", file: file), file: file, field: "classes")
        var entries: [Entry] = []
        var seen: Set<String> = []
        for (i, node) in list.enumerated() {
            let field = "classes[\(i)]"
            let m = try YAMLSupport.mapping(node, file: file, field: field)
            let nameNode = try YAMLSupport.required(m, "name", file: file, parent: field)
            let name = try YAMLSupport.string(nameNode, file: file, field: "\(field).name")
            guard Taxonomy.isValidName(name) else {
                throw DatasetError(.invalidValue, file: file, line: nameNode.mark?.line, field: "\(field).name",
                                   reason: "class name '\(name)' must be lower_snake_case letters, digits and _")
            }
            guard seen.insert(name).inserted else {
                throw DatasetError(.invalidValue, file: file, line: nameNode.mark?.line, field: "\(field).name",
                                   reason: "duplicate class name '\(name)'")
            }
            let desc = try YAMLSupport.string(YAMLSupport.required(m, "description", file: file, parent: field),
                                              file: file, field: "\(field).description")
            let flip = try YAMLSupport.bool(YAMLSupport.required(m, "flip_ok", file: file, parent: field),
                                            file: file, field: "\(field).flip_ok")
            entries.append(Entry(objectClass: ObjectClass(name), description: desc, flipOK: flip))
        }
        guard !entries.isEmpty else {
            throw DatasetError(.invalidValue, file: file, field: "classes", reason: "no classes listed")
        }
        return Taxonomy(entries: entries)
    }

    /// Whether a string is an acceptable class name: `[a-z][a-z0-9_]*`.
    public static func isValidName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, ("a"..."z").contains(f) else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The built-in canonical taxonomy (same order as `ObjectClass.canonical`), used when no
    /// taxonomy file is given. Flip flags follow `datasets/taxonomy.yaml`.
    public static let canonical: Taxonomy = Taxonomy(entries: ObjectClass.canonical.map {
        Entry(objectClass: $0, description: $0.rawValue, flipOK: !$0.isPedestrianSignal)
    })
}
