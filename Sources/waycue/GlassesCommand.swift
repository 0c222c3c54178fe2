import ArgumentParser
import Foundation
import Logging
import WayCueCues
import WayCueDetector
import WayCueGlasses
import WayCueProfiles

/// `waycue glasses`: the local backend of the open ESP32 guidance glasses' stock firmware.
struct GlassesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glasses",
        abstract: "Serve the stock firmware of the open ESP32 guidance glasses (camera, microphone, speaker, IMU).",
        discussion: """
            One process on the board the glasses connect to (usually its Wi-Fi access point):
            /ws/camera (mirrored JPEGs, un-mirrored here), /ws_audio (START -> OK:STARTED, 16 kHz \
            PCM, recorded with --record), GET /stream.wav (the speaker: paced 20 ms chunks, silence \
            while idle, espeak-ng speech and earcons), UDP IMU JSON on --imu-port, and a status page \
            at / (with /status.json and /frame.jpg). Each pair of glasses (by IP address) gets its \
            own detector, tracker and cue engine.
            Flash the firmware with SERVER_HOST and UDP_HOST set to this board's address (see \
            README, "Guidance glasses").
            Exit status: 0 after SIGINT/SIGTERM, 64 for bad options, 65 for an invalid profile, \
            66 for an unreadable model, 1 when the server fails.
            Examples:
              waycue glasses
              waycue glasses --profile pi4-glasses --language zh --record /var/lib/waycue/glasses
            """
    )

    @Option(help: "TCP port of the sockets, /stream.wav and the status page (the firmware's SERVER_PORT).")
    var port = 8081
    @Option(name: .customLong("imu-port"), help: "UDP port of the IMU datagrams (the firmware's UDP_PORT).")
    var imuPort = 12345
    @Option(help: "Address to bind (0.0.0.0: every interface).")
    var host = "0.0.0.0"
    @Option(help: "Firmware profile: detector input size, threads and detections/s. A glasses profile (camera wifi-glasses, e.g. pi4-glasses) also gives the camera's geometry and the SET:FPS sent to the glasses; any other board profile keeps the glasses' geometry and asks for its detection rate. See `waycue profile list`.")
    var profile: String?
    @Option(help: "Language of the cues: en or zh.")
    var language = "en"
    @Option(help: "Model file (.wcm); default: the bundled default model.")
    var model: String?
    @Option(help: "Folder for recordings: per device camera.mjpeg (as sent, mirrored), mic.wav, imu.jsonl, cues.jsonl.")
    var record: String?
    @OptionGroup var lookup: ProfileLookupOptions

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "waycue.glasses")
        guard language == "en" || language == "zh" else {
            FileHandle.standardError.write(Data("waycue glasses: --language \(language): expected en or zh\n".utf8))
            throw ExitCode(64)
        }
        var threads = 1
        var inputSize = 320
        var detectionFPS: Double?
        var cameraFPS: Int?
        var geometry = GlassesConfiguration.glassesCamera
        if let profile {
            do {
                let loaded = try lookup.catalog.load(profile)
                let config = PipelineConfig(profile: loaded)
                threads = max(1, config.detector.threads)
                inputSize = config.detector.inputSize
                if config.detector.detectionFPS > 0 { detectionFPS = Double(config.detector.detectionFPS) }
                if loaded.isGlasses {
                    // A glasses profile (camera wifi-glasses): its mounting is the glasses' camera
                    // and its camera.fps what the firmware is asked for (`SET:FPS`).
                    geometry = loaded.cameraModel
                    cameraFPS = loaded.camera.fps
                } else {
                    // A board profile: the glasses' camera is on the head whatever the board, so
                    // keep its geometry, and ask the firmware for no more frames than the board
                    // detects (`SET:FPS`).
                    if config.detector.detectionFPS > 0 { cameraFPS = min(60, max(5, config.detector.detectionFPS)) }
                }
            } catch {
                FileHandle.standardError.write(Data("waycue glasses: profile \(profile): \(error)\n".utf8))
                throw ExitCode(65)
            }
        }
        if let model, !FileManager.default.isReadableFile(atPath: model) {
            FileHandle.standardError.write(Data("waycue glasses: cannot read the model file \(model)\n".utf8))
            throw ExitCode(66)
        }
        // Load once now so that a bad model fails at start-up, not on the first camera.
        do { _ = try makeDetector(modelPath: model, threads: threads) } catch {
            FileHandle.standardError.write(Data("waycue glasses: \(error)\n".utf8))
            throw ExitCode(66)
        }
        let modelPath = model
        let detectorThreads = threads
        var configuration = GlassesConfiguration { _ in try makeDetector(modelPath: modelPath, threads: detectorThreads) }
        configuration.host = host
        configuration.port = port
        configuration.imuPort = imuPort
        configuration.pipeline.language = language
        configuration.pipeline.inputSize = inputSize
        configuration.pipeline.maxDetectionsPerSecond = detectionFPS
        configuration.pipeline.cues = CueEngineConfiguration(camera: geometry)
        configuration.cameraFPS = cameraFPS
        if let record {
            let url = URL(fileURLWithPath: record, isDirectory: true)
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                FileHandle.standardError.write(Data("waycue glasses: cannot create \(record): \(error)\n".utf8))
                throw ExitCode(73)
            }
            configuration.recordDirectory = url
        }
        let server: GlassesServer
        do { server = try GlassesServer(configuration: configuration, logger: logger) } catch {
            FileHandle.standardError.write(Data("waycue glasses: \(error)\n".utf8))
            throw ExitCode(64)
        }
        do { try await server.run() } catch {
            logger.error("server failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
