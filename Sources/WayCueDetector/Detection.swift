import WayCueImage

/// A class in WayCue's canonical taxonomy (`datasets/taxonomy.yaml`), named by its string.
///
/// Known classes are static members; a retrained model may add names of its own, which the
/// cue layer treats as generic obstacles.
public struct ObjectClass: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Tactile guidance paving (bars): "go this way".
    public static let tactileGuide: ObjectClass = "tactile_guide"
    /// Tactile warning paving (dots): crossing, steps or a turn ahead.
    public static let tactileWarning: ObjectClass = "tactile_warning"
    /// A zebra crossing.
    public static let crosswalk: ObjectClass = "crosswalk"
    /// Pedestrian signal showing red (standing figure).
    public static let pedRed: ObjectClass = "ped_red"
    /// Pedestrian signal showing green (walking figure).
    public static let pedGreen: ObjectClass = "ped_green"
    /// Vehicle signal, red.
    public static let vehicleRed: ObjectClass = "vehicle_red"
    /// Vehicle signal, yellow.
    public static let vehicleYellow: ObjectClass = "vehicle_yellow"
    /// Vehicle signal, green.
    public static let vehicleGreen: ObjectClass = "vehicle_green"
    public static let person: ObjectClass = "person"
    public static let bicycle: ObjectClass = "bicycle"
    public static let car: ObjectClass = "car"
    public static let pole: ObjectClass = "pole"
    public static let bollard: ObjectClass = "bollard"
    public static let cone: ObjectClass = "cone"
    public static let stairs: ObjectClass = "stairs"

    /// The canonical taxonomy in its fixed order (the order of `datasets/taxonomy.yaml`).
    public static let canonical: [ObjectClass] = [
        .tactileGuide, .tactileWarning, .crosswalk, .pedRed, .pedGreen, .vehicleRed,
        .vehicleYellow, .vehicleGreen, .person, .bicycle, .car, .pole, .bollard, .cone, .stairs,
    ]

    /// Pedestrian signal states: the only classes that may decide a crossing.
    public var isPedestrianSignal: Bool { self == .pedRed || self == .pedGreen }
    /// Vehicle signal states: never used to decide a pedestrian crossing.
    public var isVehicleSignal: Bool {
        self == .vehicleRed || self == .vehicleYellow || self == .vehicleGreen
    }
    /// Tactile paving of either kind.
    public var isTactilePaving: Bool { self == .tactileGuide || self == .tactileWarning }
}

/// One object found in one image: its class, confidence and box in the image's own pixels.
public struct Detection: Sendable, Hashable, Codable {
    /// What the object is.
    public var objectClass: ObjectClass
    /// Confidence in `[0, 1]`.
    public var score: Float
    /// Bounding box in the pixel coordinates of the image given to the detector.
    public var box: Box

    /// Creates a detection.
    public init(objectClass: ObjectClass, score: Float, box: Box) {
        self.objectClass = objectClass
        self.score = score
        self.box = box
    }

    enum CodingKeys: String, CodingKey {
        case objectClass = "class"
        case score
        case box
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        objectClass = ObjectClass(try c.decode(String.self, forKey: .objectClass))
        score = try c.decode(Float.self, forKey: .score)
        let b = try c.decode([Float].self, forKey: .box)
        guard b.count == 4 else {
            throw DecodingError.dataCorruptedError(
                forKey: .box, in: c, debugDescription: "box needs 4 numbers [x1, y1, x2, y2]")
        }
        box = Box(x1: b[0], y1: b[1], x2: b[2], y2: b[3])
    }

    /// Encodes as `{"class": "ped_green", "score": 0.93, "box": [x1, y1, x2, y2]}`, the
    /// command-line contract of `waycue detect --json`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(objectClass.rawValue, forKey: .objectClass)
        try c.encode(score, forKey: .score)
        try c.encode([box.x1, box.y1, box.x2, box.y2], forKey: .box)
    }
}
