/// The classes WayCueSynth labels, spelled and ordered exactly as WayCue's canonical taxonomy
/// (`ObjectClass.canonical` in WayCueDetector, `datasets/taxonomy.yaml`).
///
/// The raw value is the canonical name; ``index`` is the YOLO class id.
public enum SynthClass: String, Sendable, Hashable, Codable, CaseIterable {
    case tactileGuide = "tactile_guide"
    case tactileWarning = "tactile_warning"
    case crosswalk = "crosswalk"
    case pedRed = "ped_red"
    case pedGreen = "ped_green"
    case vehicleRed = "vehicle_red"
    case vehicleYellow = "vehicle_yellow"
    case vehicleGreen = "vehicle_green"
    case person = "person"
    case bicycle = "bicycle"
    case car = "car"
    case pole = "pole"
    case bollard = "bollard"
    case cone = "cone"
    case stairs = "stairs"

    /// The YOLO class id: the position in the canonical taxonomy.
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// The canonical names in YOLO id order.
    public static var canonicalNames: [String] { allCases.map(\.rawValue) }

    /// Whether the class is a signal state (labelled only when the lamps face the camera).
    public var isSignal: Bool {
        switch self {
        case .pedRed, .pedGreen, .vehicleRed, .vehicleYellow, .vehicleGreen: return true
        default: return false
        }
    }

    /// Whether the class is drawn on the ground (and so has a per-pixel mask).
    public var isGroundMarking: Bool {
        self == .tactileGuide || self == .tactileWarning || self == .crosswalk
    }
}
