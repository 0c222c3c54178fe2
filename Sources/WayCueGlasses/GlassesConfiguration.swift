import Foundation
import WayCueCues
import WayCueDetector
import WayCueImage
import WayCuePipeline

/// The settings of a ``GlassesServer``.
public struct GlassesConfiguration: Sendable {
    /// Address to bind (TCP and UDP); `0.0.0.0` on the glasses' access point.
    public var host = "0.0.0.0"
    /// TCP port of `/ws/camera`, `/ws_audio`, `/stream.wav` and the status page (the firmware's
    /// `SERVER_PORT`, 8081); 0 picks a free one.
    public var port = 8081
    /// UDP port of the IMU datagrams (the firmware's `UDP_PORT`, 12345); 0 picks a free one.
    public var imuPort = 12345
    /// The walking pipeline of each device (language, cue-engine settings with the camera's
    /// geometry, detector input size). `mode` is always live.
    public var pipeline = PipelineOptions()
    /// Sample rate of `/stream.wav`: 8000, 12000 or 16000 (what the firmware accepts).
    public var streamSampleRate = 16_000
    /// Where `--record` writes each device's camera (`camera.mjpeg`, as sent: mirrored),
    /// microphone (`mic.wav`), IMU (`imu.jsonl`) and cues (`cues.jsonl`); `nil`: nothing.
    public var recordDirectory: URL?
    /// Whether camera frames arrive mirrored left-right (the stock firmware: yes).
    public var mirrored = true
    /// `SET:FPS=<n>` sent to each camera on connect (the firmware clamps to 5...60); `nil`: none.
    public var cameraFPS: Int?
    /// `SET:QUALITY=<n>` sent to each camera on connect (clamped to 5...40); `nil`: none.
    public var cameraQuality: Int?
    /// While the head turns faster than this (°/s, from the IMU), obstacle cues (which name a
    /// clock position relative to the head) are held back: the position would be wrong by the
    /// time it is heard. Safety cues (collision, signal, system) are never held back. `nil`: off.
    public var headTurnLimit: Double? = 120
    /// Seconds of silence on a camera or microphone socket after which it is closed (a
    /// half-open socket of a rebooted device). A newer connection from the device closes the
    /// old one at once anyway.
    public var inactivitySeconds = 20.0
    /// Seconds a `/stream.wav` chunk may wait to be written (the reader stopped reading and
    /// the socket's buffers are full) before the response is ended and its connection closed,
    /// so a reader that never reads holds no task or socket for ever. A reader that reads gets
    /// each 20 ms chunk at once.
    public var streamStallSeconds = 5.0
    /// Rewrites the WebSocket upgrade response's `Connection: upgrade` (swift-nio) to the
    /// `Connection: Upgrade` the firmware's client requires (``FirmwareUpgradeResponseFixer``).
    /// Off only to show what the firmware would reject.
    public var firmwareHandshakeFix = true
    /// Makes the detector of a device (called once per device, off the request path).
    public var makeDetector: @Sendable (_ device: String) throws -> any ObjectDetecting
    /// Makes the speech backend (`nil`: earcons only). Called once.
    public var makeSpeech: @Sendable () -> (any SpeechBackend)? = { Self.findEspeak() }

    /// Creates settings with the detector factory.
    public init(makeDetector: @escaping @Sendable (_ device: String) throws -> any ObjectDetecting) {
        self.makeDetector = makeDetector
        pipeline.cues = CueEngineConfiguration(camera: Self.glassesCamera)
    }

    /// The glasses' camera: the OV2640/OV3660 at VGA with its stock lens (about 66 degrees
    /// wide), on the head at eye height (about 1.6 m), looking slightly down.
    public static let glassesCamera = CameraModel(
        imageWidth: 640, imageHeight: 480, horizontalFOVDegrees: 66, height: 1.6, pitchDegrees: 10)

    /// `espeak-ng` from `PATH`, or `nil`.
    public static func findEspeak() -> (any SpeechBackend)? {
        #if os(Linux) || os(macOS)
        return EspeakSpeechBackend.find()
        #else
        return nil
        #endif
    }

    /// Checks the settings.
    public func validate() throws(GlassesError) {
        guard [8000, 12000, 16000].contains(streamSampleRate) else {
            throw .invalid("stream sample rate \(streamSampleRate): the firmware accepts 8000, 12000 or 16000")
        }
        guard (0...65535).contains(port), (0...65535).contains(imuPort) else { throw .invalid("ports must be 0...65535") }
        guard inactivitySeconds > 0, streamStallSeconds > 0 else { throw .invalid("time-outs must be positive") }
        if let f = cameraFPS, !(0...60).contains(f) { throw .invalid("camera FPS \(f): expected 0...60") }
        if let q = cameraQuality, !(5...40).contains(q) { throw .invalid("camera quality \(q): expected 5...40") }
        do { try pipeline.validate() } catch { throw .invalid("\(error)") }
    }
}
