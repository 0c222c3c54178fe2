import WayCueCues
import WayCueProfiles

/// How the pipeline schedules frames.
public enum PipelineMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Real time: capture, detection and cues run concurrently; the detector always takes the
    /// newest frame, older ones are dropped and counted; a watchdog ticks the cue engine on the
    /// wall clock. Cameras and footage played at its recorded pace.
    case live
    /// Every frame, in order, on the calling thread, timed by the frames' own timestamps (ticks
    /// every ``PipelineOptions/tickInterval`` seconds of footage time between frames).
    /// Deterministic: for rendered walks, tests and evaluation.
    case everyFrame = "every-frame"
}

/// Settings of a ``Pipeline``.
public struct PipelineOptions: Sendable {
    /// Scheduling.
    public var mode: PipelineMode = .live
    /// The detector's square input size: frames are letterboxed to it before detection and
    /// boxes are mapped back to frame pixels. 0 passes frames unscaled.
    public var inputSize = 320
    /// Phrasebook language of the cues (`en`, `zh`).
    public var language = "en"
    /// Cue engine settings; the camera model's image size is replaced by the first frame's.
    public var cues = CueEngineConfiguration()
    /// Seconds between watchdog ticks of the cue engine.
    public var tickInterval = 0.1
    /// Live mode: at most this many detections per second (a profile's `detectionFPS`, to save
    /// power and heat); frames arriving in between are dropped as stale. `nil`: as fast as the
    /// detector goes.
    public var maxDetectionsPerSecond: Double?
    /// Stop after this many processed frames (`nil`: run until the source ends or ``Pipeline/stop()``).
    public var maxFrames: Int?
    /// ``PipelineMode/everyFrame`` only: keep ticking this long after the last frame, so cues that
    /// wait for the channel are still delivered.
    public var tailSeconds = 0.0
    /// Sends `READY=1` once the first frame is processed and `WATCHDOG=1` while frames keep being
    /// processed (at most ``watchdogStallSeconds`` old). `nil` or no `$NOTIFY_SOCKET`: nothing sent.
    public var systemd: SystemdNotifier?
    /// How often to ping systemd's watchdog; `nil` takes half of `$WATCHDOG_USEC` (or never).
    public var systemdWatchdogInterval: Double?
    /// Systemd's watchdog is not pinged when the newest processed frame is older than this.
    public var watchdogStallSeconds = 3.0
    /// How long ``Pipeline/stop()`` waits for a blocked source before closing it.
    public var shutdownGraceSeconds = 3.0

    /// Default settings (live, 320 input, English).
    public init() {}

    /// Checks every value, naming the field.
    public func validate() throws(PipelineError) {
        guard inputSize == 0 || (32...4096).contains(inputSize) else {
            throw .invalidOption(name: "inputSize", reason: "must be 0 (no letterbox) or 32...4096, got \(inputSize)")
        }
        guard tickInterval.isFinite, tickInterval >= 0.01, tickInterval <= 5 else {
            throw .invalidOption(name: "tickInterval", reason: "must be 0.01...5 seconds, got \(tickInterval)")
        }
        if let rate = maxDetectionsPerSecond, !(rate.isFinite && rate > 0 && rate <= 1000) {
            throw .invalidOption(name: "maxDetectionsPerSecond", reason: "must be in (0, 1000], got \(rate)")
        }
        if let maxFrames, maxFrames < 1 {
            throw .invalidOption(name: "maxFrames", reason: "must be at least 1, got \(maxFrames)")
        }
        guard tailSeconds.isFinite, tailSeconds >= 0, tailSeconds <= 600 else {
            throw .invalidOption(name: "tailSeconds", reason: "must be 0...600 seconds, got \(tailSeconds)")
        }
        guard watchdogStallSeconds.isFinite, watchdogStallSeconds > 0 else {
            throw .invalidOption(name: "watchdogStallSeconds", reason: "must be positive, got \(watchdogStallSeconds)")
        }
        if let i = systemdWatchdogInterval, !(i.isFinite && i > 0) {
            throw .invalidOption(name: "systemdWatchdogInterval", reason: "must be positive, got \(i)")
        }
    }
}

/// Why a pipeline could not start.
public enum PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting is out of range.
    case invalidOption(name: String, reason: String)
    /// The cue phrasebook could not be loaded.
    case phrasebook(String)
    /// ``Pipeline/run()`` was called twice.
    case alreadyRun

    public var description: String {
        switch self {
        case let .invalidOption(name, reason): "pipeline option \(name): \(reason)"
        case let .phrasebook(reason): "cannot load the cue phrasebook: \(reason)"
        case .alreadyRun: "a pipeline runs once; create a new one"
        }
    }
}
