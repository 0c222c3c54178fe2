import Foundation

extension SchemaType {
    /// This schema as a JSON Schema (draft 2020-12) object, for editors and other tools.
    ///
    /// Unknown keys are forbidden (`additionalProperties: false`) and string patterns are
    /// anchored, so the document accepts the same files as ``SchemaValidator``; the cross-field
    /// rules of ``FirmwareProfile/ruleIssues()`` cannot be expressed there and are only listed in
    /// the description.
    public func jsonSchemaObject() -> [String: Any] {
        switch self {
        case let .object(object):
            var properties: [String: Any] = [:]
            for field in object.fields {
                var child = field.type.jsonSchemaObject()
                child["description"] = field.doc
                properties[field.name] = child
            }
            return [
                "type": "object",
                "description": object.doc,
                "properties": properties,
                "required": object.fields.filter(\.required).map(\.name),
                "additionalProperties": false,
            ]
        case let .array(item, minItems, maxItems):
            var result: [String: Any] = ["type": "array", "items": item.jsonSchemaObject(), "minItems": minItems]
            if let maxItems { result["maxItems"] = maxItems }
            return result
        case let .string(rule):
            if !rule.allowed.isEmpty { return ["type": "string", "enum": rule.allowed] }
            var result: [String: Any] = ["type": "string", "minLength": rule.minLength, "maxLength": rule.maxLength]
            if let pattern = rule.pattern { result["pattern"] = "^(?:\(pattern))$" }
            return result
        case let .integer(min, max, multipleOf):
            var result: [String: Any] = ["type": "integer", "minimum": min, "maximum": max]
            if let multipleOf { result["multipleOf"] = multipleOf }
            return result
        case let .number(min, max):
            return ["type": "number", "minimum": Self.jsonNumber(min), "maximum": Self.jsonNumber(max)]
        case .boolean:
            return ["type": "boolean"]
        }
    }

    /// Whole numbers print without a fraction, so the text is the same on every platform.
    private static func jsonNumber(_ value: Double) -> Any {
        if value == value.rounded(), abs(value) < 1e15 { return Int(value) }
        return Decimal(string: String(value)) ?? value
    }

    /// The JSON Schema document text, keys sorted, ending with a newline.
    public func jsonSchema(title: String, id: String, rules: [String]) -> String {
        var root = jsonSchemaObject()
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = id
        root["title"] = title
        if !rules.isEmpty {
            let doc = (root["description"] as? String) ?? ""
            root["description"] = doc + " Rules checked by `waycue profile validate` beyond this schema: "
                + rules.joined(separator: "; ") + "."
        }
        guard let data = try? JSONSerialization.data(
            withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else { return "{}\n" }
        return text + "\n"
    }
}

extension FirmwareProfile {
    /// The cross-field rules, in words, for the JSON Schema description.
    public static let ruleSummary = [
        "name equals the file name",
        "model.threads <= cpu.cores and == latency.referenceThreads",
        "cpu.features match board.arch",
        "model.detectionFPS <= camera.fps",
        "latency.expectedMilliseconds.value follows the formula referenceMilliseconds x boardFactor x precisionFactor x engineFactor x (modelGFLOPs / referenceGFLOPs) x (model.inputSize / referenceInputSize)^2 within 2%",
        "model.detectionFPS x expectedMilliseconds <= budgetUtilization x 1000",
        "thermal.throttled lowers detectionFPS or inputSize and also fits the budget",
        "the bottom image row sees the ground",
        "hardware.items lists a board and a camera",
    ]

    /// The text of `firmware-profiles/schema.json`.
    public static var jsonSchemaText: String {
        schema.jsonSchema(title: "WayCue firmware profile",
                          id: "urn:waycue:firmware-profile:1",
                          rules: ruleSummary)
    }
}
