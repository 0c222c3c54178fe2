/// Ground truth of one frame of a walk: what the cue layer should conclude.
///
/// Angles are degrees, positive to the walker's right; distances are horizontal metres from
/// the walker (the camera's foot point) to an object's centre.
public struct WalkTruthFrame: Sendable, Hashable, Codable {
    /// Frame number from 0.
    public var frame: Int
    /// Time in seconds.
    public var t: Double
    public var walker: WalkerTruth
    /// The nearest guidance paving, `nil` when none is within 2 m or the walker is on the road.
    public var paving: PavingTruth?
    /// Distance along the route to the next kerb ahead, `nil` when none is within 30 m.
    public var kerbAhead: Double?
    public var obstacles: [ObstacleTruth]
    public var lights: [LightTruth]
    /// Every label drawn in the frame.
    public var labels: [LabelTruth]
    /// Events that happened since the previous frame (in the interval `(previous t, t]`).
    public var events: [WalkEvent]
}

/// The walker's pose and activity.
public struct WalkerTruth: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var heading: Double
    /// Distance walked along the route, metres.
    public var s: Double
    /// `walking`, `waiting` (at a kerb for the green), `paused` or `finished`.
    public var state: String
}

/// Where the guidance paving is relative to the walker.
public struct PavingTruth: Sendable, Hashable, Codable {
    /// Metres from the walker to the paving centre line, positive when the paving lies to the
    /// walker's right.
    public var offset: Double
    /// Direction of the paving relative to the walker's heading, positive when it leads right.
    public var heading: Double
    /// Whether the walker stands on warning tiles.
    public var onWarning: Bool
}

/// An obstacle's position relative to the walker.
public struct ObstacleTruth: Sendable, Hashable, Codable {
    public var name: String
    public var objectClass: String
    public var distance: Double
    public var bearing: Double
    /// Whether it is labelled in this frame.
    public var visible: Bool
    /// Its box, `[x1, y1, x2, y2]`, when visible.
    public var box: [Float]?

    enum CodingKeys: String, CodingKey { case name, objectClass = "class", distance, bearing, visible, box }
}

/// A signal head's state and position relative to the walker.
public struct LightTruth: Sendable, Hashable, Codable {
    public var name: String
    /// `pedestrian` or `vehicle`.
    public var kind: String
    /// Programme phase: `red`, `green`, `flashing`, `yellow` or `dark`.
    public var phase: String
    /// What is lit right now: `red`, `green`, `yellow` or `dark`.
    public var lit: String
    /// Countdown digits shown, if any.
    public var countdown: Int?
    /// The label class while lit (`ped_red`...), `nil` while dark.
    public var objectClass: String?
    public var distance: Double
    public var bearing: Double
    public var visible: Bool
    public var box: [Float]?

    enum CodingKeys: String, CodingKey {
        case name, kind, phase, lit, countdown, objectClass = "class", distance, bearing, visible, box
    }
}

/// A label of the frame.
public struct LabelTruth: Sendable, Hashable, Codable {
    public var objectClass: String
    public var box: [Float]
    enum CodingKeys: String, CodingKey { case objectClass = "class", box }
}

/// Something that happens during a walk.
public struct WalkEvent: Sendable, Hashable, Codable {
    /// Time, seconds.
    public var t: Double
    /// `start`, `piece` (the walker enters a route piece: `detail` straight, bend, warning,
    /// crossing or plain), `kerb_arrival`, `crossing_start`, `crossing_end`, `light_change`
    /// (`name`, `detail` = new phase), `obstacle_near` (within 3 m), `obstacle_contact`
    /// (within 0.5 m), `obstacle_passed`, `junction` (the walker passes where a paving branch
    /// leaves the route: `detail` left or right), `pause_start`, `pause_end`, `end`.
    public var type: String
    /// The object or light concerned.
    public var name: String?
    /// Extra information (piece kind, light phase).
    public var detail: String?
    /// Walker distance along the route.
    public var s: Double
}
