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
    //
    // Frames whose ``CueFrame/signalCoverage`` is ``CueFrame/SignalCoverage/partial`` (the
    // detector's signal pass skipped or dropped) are no full look at the signal: they neither
    // give green evidence nor count as frames of the decision window, and they do not keep a
    // green already said fresh. A red on any frame still forbids or cancels green. So green
    // needs a signal pass often enough; see ``minimumSignalPassRate``.

    /// Seconds of evidence needed before "green, you may cross" (time-based, not frames).
    ///
    /// The window is made of complete frames only (``CueFrame/SignalCoverage/complete``): one
    /// at or before its start, at least ``minWindowFrames`` in all, and no gap between two of
    /// them over ``maxFrameGapSeconds``; green and "red, wait" are decided only on a complete
    /// frame.
    public var signalWindowSeconds: Double = 0.5
    /// Score a `ped_green` detection needs to count as green evidence.
    public var greenMinScore: Float = 0.6
    /// Fraction of the window's complete frames that must show green on the facing head.
    public var greenMinFraction: Double = 0.7
    /// Any `ped_red` in the facing cone at or above this score in the window forbids green
    /// (on any frame of the window, partial ones included).
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
    /// Seconds without green on the facing head in a complete frame (after green was said)
    /// before "signal lost": also what a stalled signal pass gets before the walker is told.
    public var signalLostSeconds: Double = 0.4
    /// Seconds a signal head is seen without a decision before "signal unclear".
    public var signalUnclearSeconds: Double = 1.5
    /// Largest gap between complete frames inside a decision window; a bigger gap restarts
    /// the window.
    public var maxFrameGapSeconds: Double = 0.25
    /// Fewest complete frames in a decision window.
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
    /// Distance (metres) under which a bend or junction of the paving (seen in a mask) is announced.
    public var pavingJunctionMetres: Double = 4
    /// Least length (metres) of a strip seen in a mask that is not the one just followed, for
    /// it to count as paving (shorter ones are stray blobs of the mask).
    public var pavingMinNewStripMetres: Double = 1.2
    /// Widest strip (metres) a mask may show to count as guidance paving (three tiles).
    public var pavingMaxWidthMetres: Double = 1.0
    /// Seconds without the followed paving before "paving lost".
    public var pavingLostSeconds: Double = 1.5
    /// Frames the paving must have been followed for its loss to be announced.
    public var pavingLostMinFrames: Int = 5

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

// MARK: - Signal-pass rate

extension CueEngineConfiguration {
    /// The lowest rate, in hertz, of complete frames (frames on which the detector's signal
    /// pass ran) at which the pedestrian-signal rules can say "green, you may cross" and hold
    /// it; below it the engine never says green.
    ///
    /// With a window of `W` = ``signalWindowSeconds``, at least `N` = ``minWindowFrames``
    /// complete frames, a largest gap of `G` = ``maxFrameGapSeconds`` and a lost timeout of
    /// `L` = ``signalLostSeconds``, a signal pass every `P` seconds needs:
    /// - `P <= G`, or every window restarts at each gap;
    /// - `ceil(W / P) + 1 >= N` complete frames in a window (the newest at the decision and
    ///   the oldest at or before its start), that is `P < W / (N - 2)` when `N > 2`;
    /// - `P <= L`, or every green said is followed by "signal lost" before the next complete
    ///   frame.
    ///
    /// The rate is the inverse of the tightest of these: for the defaults (`W` 0.5 s, `N` 3,
    /// `G` 0.25 s, `L` 0.4 s) the gap binds, so **4 Hz**, a signal pass at least every 0.25 s:
    /// every frame at 5 fps, every 2nd frame at 8 or 10 fps, every 3rd at 15 fps, every 7th
    /// at 30 fps. The limit has no margin: a pass scheduled exactly at it breaks the window
    /// on any late frame, so schedule it faster (for example 5 Hz or more), and expect no
    /// green at all while it is dropped. When the `W / (N - 2)` bound is the tightest the
    /// rate itself is not enough: the pass must run strictly faster (see
    /// ``signalPassPeriodAllowsGreen(_:)`` for an exact answer).
    public var minimumSignalPassRate: Double {
        var longest = signalLostSeconds
        // The gap only matters when a window needs two frames or more.
        if signalWindowSeconds > 0 || minWindowFrames >= 2 { longest = min(longest, maxFrameGapSeconds) }
        if minWindowFrames > 2 { longest = min(longest, signalWindowSeconds / Double(minWindowFrames - 2)) }
        return longest > 0 ? 1 / longest : .infinity
    }

    /// Whether a signal pass whose complete frames are never more than `period` seconds apart
    /// lets the pedestrian-signal rules say green and hold it (see ``minimumSignalPassRate``).
    ///
    /// For a periodic pass this is exact: `false` means green can never be said (or is always
    /// lost again before the next complete frame). `true` means only that the rate suffices:
    /// the evidence (green fraction, no red, one facing head) must still hold.
    /// - Parameter period: the longest interval, in seconds, between two complete frames,
    ///   for example the camera's frame interval times N for a pass on every N-th frame.
    public func signalPassPeriodAllowsGreen(_ period: Double) -> Bool {
        guard period.isFinite, period > 0, period <= signalLostSeconds else { return false }
        // Complete frames at the decision time, one period back, ... down to the first at or
        // before the window's start; the small tolerance keeps W / P = 2 from rounding to 3.
        let periods = min(1e9, max(0, (signalWindowSeconds / period - 1e-9).rounded(.up)))
        let frames = Int(periods) + 1
        if frames >= 2, period > maxFrameGapSeconds { return false }
        return frames >= minWindowFrames
    }
}
