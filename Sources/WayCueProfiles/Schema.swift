/// The shape a YAML document must have, written as Swift values.
///
/// One description serves two readers: ``SchemaValidator`` walks a parsed YAML tree with it and
/// reports every mismatch with the field path, and ``SchemaType/jsonSchema(title:)`` prints the
/// same rules as a JSON Schema document for editors (`firmware-profiles/schema.json`).
public indirect enum SchemaType: Sendable {
    /// A mapping with known keys; any other key is an error.
    case object(ObjectSchema)
    /// A sequence whose items all have one type.
    case array(of: SchemaType, minItems: Int = 0, maxItems: Int? = nil)
    /// A text scalar.
    case string(StringRule = StringRule())
    /// A whole number in `min...max`, optionally a multiple of `multipleOf`.
    case integer(min: Int, max: Int, multipleOf: Int? = nil)
    /// A number in `min...max`.
    case number(min: Double, max: Double)
    /// `true` or `false`.
    case boolean
}

/// Rules for a text scalar.
public struct StringRule: Sendable {
    /// When not empty, the value must be one of these.
    public var allowed: [String]
    /// When set, the whole value must match this regular expression (a subset that means the
    /// same in Swift and in ECMAScript: character classes, anchors implied).
    public var pattern: String?
    /// Minimum length in characters.
    public var minLength: Int
    /// Maximum length in characters.
    public var maxLength: Int

    /// Creates a rule.
    public init(allowed: [String] = [], pattern: String? = nil, minLength: Int = 1,
                maxLength: Int = 4000) {
        self.allowed = allowed
        self.pattern = pattern
        self.minLength = minLength
        self.maxLength = maxLength
    }
}

/// One key of an ``ObjectSchema``.
public struct SchemaField: Sendable {
    /// The key.
    public var name: String
    /// The value's type.
    public var type: SchemaType
    /// Whether the key must be present.
    public var required: Bool
    /// What the field means (shown in the JSON Schema and in docs).
    public var doc: String

    /// Creates a field.
    public init(_ name: String, _ type: SchemaType, required: Bool = true, doc: String) {
        self.name = name
        self.type = type
        self.required = required
        self.doc = doc
    }
}

/// A mapping with a closed set of keys.
public struct ObjectSchema: Sendable {
    /// The keys, in the order documents should list them.
    public var fields: [SchemaField]
    /// What the object means.
    public var doc: String

    /// Creates an object schema.
    public init(doc: String, _ fields: [SchemaField]) {
        self.doc = doc
        self.fields = fields
    }

    /// The field named `name`, if any.
    public func field(_ name: String) -> SchemaField? {
        fields.first { $0.name == name }
    }
}
