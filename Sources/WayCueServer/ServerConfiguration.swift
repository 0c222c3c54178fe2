import Foundation
import WayCueImage

/// Settings of the HTTP service; the defaults suit one small box on a local network.
public struct ServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1` keeps the service local).
    public var host = "127.0.0.1"
    /// TCP port (0 picks a free one).
    public var port = 8080
    /// Inference worker threads, each with its own detector.
    public var threads = 1
    /// Images that may wait for a worker beyond those idle workers take at once; more get 503.
    public var queueCapacity = 8
    /// Largest request body in bytes (413 beyond).
    public var maxBodyBytes = 8 * 1024 * 1024
    /// Largest image in pixels, width times height (413 beyond).
    public var maxPixels = 4096 * 3072
    /// Seconds a detection or frame request may take in all (504 beyond).
    public var requestTimeoutSeconds = 10.0
    /// Seconds after which a stream without frames and without subscribers is removed.
    public var streamIdleSeconds = 120.0
    /// Most live streams.
    public var maxStreams = 64
    /// Seconds between cue-engine ticks of every stream ("camera paused" and other timeouts).
    public var tickSeconds = 0.1
    /// The `Retry-After` seconds of a 503 `queue_full` answer.
    public var retryAfterSeconds = 1
    /// Accepted bearer tokens; empty turns authentication off.
    public var tokens = AccessTokens.none
    /// The camera geometry of a named profile (`POST /v1/streams` `profile`); throws with a
    /// message when the profile is unknown. The default knows no profile.
    public var cameraForProfile: @Sendable (String) throws -> CameraModel = { name in
        throw ServerSetupError.invalidSetting("profile", "no profile catalog configured (asked for '\(name)')")
    }

    /// The defaults.
    public init() {}

    /// Checks the ranges.
    public func validate() throws(ServerSetupError) {
        if !(0...65535).contains(port) { throw .invalidSetting("port", "\(port) is not 0...65535") }
        if threads < 1 || threads > 256 { throw .invalidSetting("threads", "\(threads) is not 1...256") }
        if queueCapacity < 0 { throw .invalidSetting("queue", "must be 0 or more") }
        if maxBodyBytes < 1024 { throw .invalidSetting("max-body", "must be at least 1024 bytes") }
        if maxPixels < 1 { throw .invalidSetting("max-pixels", "must be at least 1") }
        if !(requestTimeoutSeconds > 0) { throw .invalidSetting("timeout", "must be positive") }
        if !(streamIdleSeconds > 0) { throw .invalidSetting("stream-idle", "must be positive") }
        if !(tickSeconds > 0) { throw .invalidSetting("tick", "must be positive") }
    }
}
