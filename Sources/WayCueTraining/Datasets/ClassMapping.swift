import Foundation
import WayCueDetector
import Yams

/// A dataset's own class names mapped to canonical classes (`datasets/mappings/*.yaml`).
///
/// File format:
/// ```yaml
/// dataset: pedestrian-lights-crosswalks
/// map:
///   crosswalk: crosswalk
///   greenlight: ped_green
///   redlight: ped_red
///   other: ~        # null drops the class's boxes
/// ```
public struct ClassMapping: Sendable, Equatable {
    /// The dataset this mapping was written for (informational).
    public var dataset: String?
    /// Source name to canonical class; a nil value drops that class.
    public var map: [String: ObjectClass?]

    /// Creates a mapping.
    public init(dataset: String? = nil, map: [String: ObjectClass?]) {
        self.dataset = dataset
        self.map = map
    }

    /// The identity mapping: every name maps to the class of the same name.
    public static let identity = ClassMapping(map: [:])

    /// Whether this mapping passes names through unchanged.
    public var isIdentity: Bool { map.isEmpty }

    /// The result of mapping one source name.
    public enum Result: Sendable, Equatable {
        /// Mapped to a canonical class.
        case mapped(ObjectClass)
        /// Explicitly dropped by the mapping.
        case dropped
        /// Not named by the mapping.
        case unknown
    }

    /// Maps one source class name.
    public func resolve(_ name: String) -> Result {
        if isIdentity { return .mapped(ObjectClass(name)) }
        guard let v = map[name] else { return .unknown }
        if let c = v { return .mapped(c) }
        return .dropped
    }

    /// Loads and validates a mapping file; when `taxonomy` is given every target must be in it.
    public static func load(path: String, taxonomy: Taxonomy? = nil) throws -> ClassMapping {
        try parse(yaml: YAMLSupport.readText(path: path), file: path, taxonomy: taxonomy)
    }

    /// Parses mapping YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String = "<mapping>", taxonomy: Taxonomy? = nil) throws -> ClassMapping {
        let root = try YAMLSupport.mapping(YAMLSupport.composeNode(text: yaml, file: file), file: file, field: "(root)")
        let dataset = try YAMLSupport.value(root, "dataset").map { try YAMLSupport.string($0, file: file, field: "dataset") }
        let m = try YAMLSupport.mapping(YAMLSupport.required(root, "map", file: file), file: file, field: "map")
        var map: [String: ObjectClass?] = [:]
        for (k, v) in m {
            let key = try YAMLSupport.string(k, file: file, field: "map")
            let field = "map.\(key)"
            if v.scalar != nil, v.tag.description.hasSuffix("null") || ["~", "null", ""].contains(v.scalar!.string) {
                map[key] = .some(nil)
                continue
            }
            let target = try YAMLSupport.string(v, file: file, field: field)
            guard Taxonomy.isValidName(target) else {
                throw DatasetError(.invalidValue, file: file, line: v.mark?.line, field: field,
                                   reason: "target '\(target)' is not a valid class name")
            }
            if let taxonomy, !taxonomy.contains(ObjectClass(target)) {
                throw DatasetError(.unknownClass, file: file, line: v.mark?.line, field: field,
                                   reason: "target '\(target)' is not in the taxonomy")
            }
            map[key] = .some(ObjectClass(target))
        }
        guard !map.isEmpty else {
            throw DatasetError(.invalidValue, file: file, field: "map", reason: "mapping is empty")
        }
        return ClassMapping(dataset: dataset, map: map)
    }
}
