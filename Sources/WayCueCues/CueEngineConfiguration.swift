import WayCueImage

/// How much the engine says.
public enum CueVerbosity: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only safety: collisions, the pedestrian signal and system status.
    case quiet
    /// Safety plus obstacles, crossings and paving (the default).
    case normal
    /// Everything, with shorter repeat suppression.
    case detailed
}

/// Every threshold of the ``CueEngine``; the defaults follow the project's cue design notes.
public struct CueEngineConfiguration: Sendable, Hashable, Codable {
    /// The camera that produced the detections' pixel coordinates.
    public var camera: CameraModel = .chestDefault
    /// How much to say.
    public var verbosity: CueVerbosity = .normal
    /// Whether to play accessible-pedestrian-signal tones (locator while red, walk ticks
    /// while green) between spoken cues.
    public var apsTones: Bool = true
    /// Tracker settings.
    public var tracker = TrackerConfiguration()

    // MARK: Pedestrian signal
    /// Seconds of evidence needed before "green, you may cross" (time-based, not frames).
    public var signalWindowSeconds: Double = 0.5
    /// Score a `ped_green` detection needs to count as green evidence.
    public var greenMinScore: Float = 0.6
    /// Fraction of frames in the window that must show green on the facing head.
    public var greenMinFraction: Double = 0.7
    /// Any `ped_red` in the facing cone at or above this score in the window forbids green.
    public var redVetoScore: Float = 0.3
    /// A `ped_red` at or above this score in the cone while green was said cancels at once.
    public var redChangeScore: Float = 0.5
    /// Fraction of frames that must show red on the facing head for "red, wait".
    public var redMinFraction: Double = 0.6
    /// Half-angle in degrees of the cone where a signal head may face the walker; heads
    /// outside (side streets) are ignored.
    ///
    /// Why 20 and not 25: a crossing's own head stands on the far kerb beside the crosswalk,
    /// 2 to 3 m off the walker's line, so from the near kerb it is about atan(3 / 8) = 21
    /// degrees off-axis across an 8 m road (the demo walk's: 18 to 21 degrees, so walks use
    /// 25). But a side street's head can sit just as far off: the bundled crossing example
    /// has one 24 degrees off that shows the opposite colour, and with 25 degrees it enters
    /// the cone, the heads disagree, and the engine says "signal unclear" four times and
    /// gives the green 1.9 s late (safe, but noisy). Widen it per site or camera, not by
    /// default, until the facing head is chosen by more than its bearing.
    public var signalConeDegrees: Double = 20
    /// Seconds without green on the facing head (after green was said) before "signal lost".
    public var signalLostSeconds: Double = 0.4
    /// Seconds a signal head is seen without a decision before "signal unclear".
    public var signalUnclearSeconds: Double = 1.5
    /// Largest gap between frames inside a decision window; a bigger gap restarts the window.
    public var maxFrameGapSeconds: Double = 0.25
    /// Fewest frames in a decision window.
    public var minWindowFrames: Int = 3
    /// Shortest dark period of a green light that counts as flashing.
    public var flashOffSeconds: Double = 0.25
    /// Seconds of history searched for flashing.
    public var flashWindowSeconds: Double = 2.0

    // MARK: Crossing
    /// Metres the walker must be past the crosswalk's near edge (its far-edge distance minus
    /// its length, measured on the approach) to be on the crosswalk; the box covering the
    /// bottom of the image alone also happens while waiting at the kerb. Leaving needs the
    /// walker this far back before the near edge (hysteresis).
    public var crosswalkEntryMetres: Double = 0.5
    /// When the crosswalk's length was never measured (first seen from the kerb), metres its
    /// far edge must approach while its box covers the bottom of the image before the walker
    /// counts as on it.
    public var crosswalkAdvanceMetres: Double = 1.5

    // MARK: Obstacles
    /// Width of the walking corridor in metres.
    public var corridorWidth: Double = 1.2
    /// Obstacles farther than this (metres) are not announced.
    public var obstacleRange: Double = 5
    /// Time to contact (seconds) under which an approaching obstacle in the corridor is imminent.
    public var imminentTTCSeconds: Double = 2.0
    /// Distance (metres) under which an approaching obstacle in the corridor is imminent.
    public var imminentDistance: Double = 1.0
    /// Frames a track needs before it is announced (hysteresis against flicker).
    public var minHits: Int = 3

    // MARK: Rate limits and hysteresis
    /// Seconds during which the same message is not repeated.
    public var repeatSeconds: Double = 5
    /// Least seconds between two different messages on one topic (one obstacle, the paving...).
    public var topicGapSeconds: Double = 1.5
    /// Seconds a guidance condition must hold before it is said.
    public var stableSeconds: Double = 0.3
    /// Speech rate used to estimate how long a cue occupies the audio channel.
    public var speechCharactersPerSecond: Double = 14

    // MARK: Paving
    /// Lateral offset (metres) beyond which the walker is off the paving.
    public var pavingOffMetres: Double = 0.45
    /// Lateral offset (metres) under which the walker is back on the paving.
    public var pavingOnMetres: Double = 0.3
    /// Heading (degrees) beyond which the paving drifts.
    public var pavingDriftDegrees: Double = 15
    /// Assumed walking speed (m/s) that turns the lateral drift rate into a heading when no
    /// mask is available.
    public var walkingSpeed: Double = 1.0
    /// Distance (metres) under which the far end of the paving means "paving ends".
    public var pavingEndMetres: Double = 2.5
    /// Largest gap (metres) between the far end of guide paving and warning tiles for the
    /// paving to count as running into them (then it does not "end").
    public var pavingWarningGapMetres: Double = 1.0
    /// Distance (metres) under which warning tiles are announced.
    public var warningTilesRange: Double = 4

    // MARK: Fail loud
    /// Seconds without a frame before "camera paused".
    public var cameraPauseSeconds: Double = 1.0
    /// Latency or frame interval (seconds) beyond which the vision is lagging.
    public var lagSeconds: Double = 0.5
    /// Seconds of normal timing before "vision back to normal".
    public var lagRecoverySeconds: Double = 1.0

    /// The defaults.
    public init() {}

    /// The defaults for a camera.
    public init(camera: CameraModel) { self.camera = camera }
}
