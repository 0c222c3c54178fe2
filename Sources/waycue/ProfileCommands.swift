import ArgumentParser
import Foundation
import WayCueProfiles

/// `waycue profile`: firmware profiles for boards, and the deployment bundle for one.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Firmware profiles: list, show, validate, and bundle one for a board.",
        discussion: """
            A profile (firmware-profiles/NAME.yaml) says how WayCue runs on one board: CPU, \
            camera, model size and threads, audio, GPIO, camera mounting, thermal limit, the \
            expected detector latency and the parts to buy.

            Profiles are looked up by name in: $WAYCUE_PROFILES, firmware-profiles/ in the \
            current folder or any parent, firmware-profiles/ beside the executable or above it, \
            ../share/waycue/firmware-profiles from the executable, \
            /usr/local/share/waycue/firmware-profiles and /etc/waycue/profiles. \
            --profiles-dir puts a folder first.

            Examples:
              waycue profile list
              waycue profile show pi4
              waycue profile show pi5 --json
              waycue profile validate firmware-profiles/*.yaml
              waycue profile bundle pi4 out/pi4-bundle --binary .build/release/waycue
              waycue profile schema > firmware-profiles/schema.json
            """,
        subcommands: [
            ProfileListCommand.self, ProfileShowCommand.self, ProfileValidateCommand.self,
            ProfileBundleCommand.self, ProfileSchemaCommand.self,
        ]
    )
}

/// Where to look for profiles.
struct ProfileLookupOptions: ParsableArguments {
    @Option(name: .customLong("profiles-dir"), help: "A folder searched before the default places (repeatable).")
    var profilesDirectories: [String] = []

    var catalog: ProfileCatalog {
        let manager = FileManager.default
        let cwd = URL(fileURLWithPath: manager.currentDirectoryPath, isDirectory: true)
        let executable = Bundle.main.executableURL
            ?? URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: cwd)
        let custom = profilesDirectories.map { URL(fileURLWithPath: $0, isDirectory: true) }
        return ProfileCatalog(directories: custom + ProfileCatalog.defaultDirectories(
            environment: ProcessInfo.processInfo.environment, currentDirectory: cwd, executable: executable))
    }
}

/// A failure reported to the user with exit code 1.
struct ProfileCommandError: Error, CustomStringConvertible {
    var description: String
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func prettyJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// `waycue profile list`.
struct ProfileListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the firmware profiles found, with their expected speed.",
        discussion: """
            Examples:
              waycue profile list
              waycue profile list --json
            """)

    @OptionGroup var lookup: ProfileLookupOptions
    @Flag(help: "Print JSON: [{name, file, valid, title, arch, camera, inputSize, precision, threads, detectionFPS, estimatedMilliseconds, approxPriceUSD, issues}].")
    var json = false

    struct Row: Codable {
        var name: String
        var file: String
        var valid: Bool
        var title: String?
        var arch: String?
        var camera: String?
        var inputSize: Int?
        var precision: String?
        var threads: Int?
        var detectionFPS: Int?
        var estimatedMilliseconds: Double?
        var approxPriceUSD: Double?
        var issues: [String]
    }

    func run() async throws {
        let catalog = lookup.catalog
        let files = catalog.profileFiles()
        guard !files.isEmpty else {
            throw ProfileCommandError(description: "no profiles found in \(catalog.directories.map(\.path).joined(separator: ", "))")
        }
        var rows: [Row] = []
        for (name, url) in files {
            do {
                let p = try ProfileLoader.load(contentsOf: url)
                rows.append(Row(name: name, file: url.path, valid: true, title: p.title, arch: p.board.arch,
                                camera: "\(p.camera.interface) \(p.camera.width)x\(p.camera.height)@\(p.camera.fps)",
                                inputSize: p.model.inputSize, precision: p.model.precision, threads: p.model.threads,
                                detectionFPS: p.model.detectionFPS,
                                estimatedMilliseconds: p.latency.expectedMilliseconds.value,
                                approxPriceUSD: p.approxTotalPriceUSD, issues: []))
            } catch {
                rows.append(Row(name: name, file: url.path, valid: false, issues: error.description
                    .components(separatedBy: "\n")))
            }
        }
        if json {
            print(try prettyJSON(rows))
            return
        }
        print("NAME        ARCH     CAMERA                      MODEL          EST.MS  DET.FPS  PARTS~USD  TITLE")
        for row in rows {
            guard row.valid else {
                print("\(row.name.padding(toLength: 11, withPad: " ", startingAt: 0)) INVALID: \(row.issues.first ?? "")")
                continue
            }
            let model = "\(row.inputSize ?? 0) \(row.precision ?? "") x\(row.threads ?? 0)"
            print([
                row.name.padding(toLength: 11, withPad: " ", startingAt: 0),
                (row.arch ?? "").padding(toLength: 8, withPad: " ", startingAt: 0),
                (row.camera ?? "").padding(toLength: 27, withPad: " ", startingAt: 0),
                model.padding(toLength: 14, withPad: " ", startingAt: 0),
                String(format: "%6.1f", row.estimatedMilliseconds ?? 0),
                String(format: "%8d", row.detectionFPS ?? 0),
                String(format: "%10.0f", row.approxPriceUSD ?? 0),
                " " + (row.title ?? ""),
            ].joined(separator: " "))
        }
        print("EST.MS: estimated detector latency per frame (see each profile's latency section); PARTS~USD: estimated.")
    }
}

/// `waycue profile show NAME`.
struct ProfileShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one profile, its latency estimate and its camera geometry.",
        discussion: """
            Examples:
              waycue profile show pi4
              waycue profile show rk3588 --json
            """)

    @OptionGroup var lookup: ProfileLookupOptions
    @Argument(help: "The profile name (file name without .yaml).") var name: String
    @Flag(help: "Print JSON: {\"file\", \"profile\": the profile's fields, \"derived\": {cameraModel, formulaMilliseconds, budgetFPS, approxTotalPriceUSD, pipelineConfig}}.")
    var json = false

    struct Derived: Codable {
        var cameraModel: CameraModelJSON
        var formulaMilliseconds: Double
        var latencyFormula: String
        var budgetFPS: Int
        var approxTotalPriceUSD: Double
        var pipelineConfig: PipelineConfig
    }

    struct CameraModelJSON: Codable {
        var imageWidth: Int
        var imageHeight: Int
        var horizontalFOVDegrees: Double
        var height: Double
        var pitchDegrees: Double
        var focalLengthPixels: Double
    }

    struct Output: Codable {
        var file: String
        var profile: FirmwareProfile
        var derived: Derived
    }

    func run() async throws {
        let catalog = lookup.catalog
        let url: URL
        let p: FirmwareProfile
        do {
            url = try catalog.url(of: name)
            p = try ProfileLoader.load(contentsOf: url)
        } catch {
            throw ProfileCommandError(description: error.description)
        }
        let cam = p.cameraModel
        if json {
            let derived = Derived(
                cameraModel: CameraModelJSON(imageWidth: cam.imageWidth, imageHeight: cam.imageHeight,
                                             horizontalFOVDegrees: cam.horizontalFOVDegrees, height: cam.height,
                                             pitchDegrees: cam.pitchDegrees, focalLengthPixels: cam.focalLength),
                formulaMilliseconds: (p.formulaMilliseconds * 10).rounded() / 10,
                latencyFormula: p.latencyFormulaText, budgetFPS: p.budgetFPS,
                approxTotalPriceUSD: p.approxTotalPriceUSD, pipelineConfig: PipelineConfig(profile: p))
            print(try prettyJSON(Output(file: url.path, profile: p, derived: derived)))
            return
        }
        let l = p.latency
        var lines = [
            "\(p.name): \(p.title)",
            "  file:       \(url.path)",
            "  board:      \(p.board.model) (\(p.board.soc), \(p.board.arch)), \(p.board.os)",
            "  cpu:        \(p.cpu.cores) cores, \(p.cpu.coreType) at \(p.cpu.clockGHz) GHz, \(p.cpu.isa), features \(p.cpu.features.joined(separator: " "))"
                + (p.cpu.affinity.map { ", detector pinned to CPUs \($0)" } ?? ""),
            "  ram:        \(p.ramMB) MB",
            "  camera:     \(p.camera.interface) \(p.camera.device) \(p.camera.format) \(p.camera.width)x\(p.camera.height) at \(p.camera.fps) fps",
            "  mounting:   \(p.mounting.position), \(p.mounting.heightMeters) m up, \(p.mounting.pitchDegrees)° down, \(p.mounting.horizontalFOVDegrees)° wide (focal length \(String(format: "%.1f", cam.focalLength)) px)",
            "  model:      input \(p.model.inputSize), \(p.model.precision), \(p.model.threads) threads, \(p.model.detectionFPS) detections/s",
            "  latency:    \(String(format: "%.1f", l.expectedMilliseconds.value)) ms per frame (\(l.expectedMilliseconds.kind)) = \(p.latencyFormulaText)",
            "    reference \(l.referenceModel) \(l.referenceInputSize)x\(l.referenceInputSize), \(l.referenceThreads) threads: \(l.referenceMilliseconds.value) ms (\(l.referenceMilliseconds.kind): \(l.referenceMilliseconds.basis))",
            "    board x\(l.boardFactor.value) (\(l.boardFactor.kind): \(l.boardFactor.basis))",
            "    precision x\(l.precisionFactor.value) (\(l.precisionFactor.kind): \(l.precisionFactor.basis))",
            "    engine x\(l.engineFactor.value) (\(l.engineFactor.kind): \(l.engineFactor.basis))",
            "    model \(l.modelGFLOPs.value) GFLOPs (\(l.modelGFLOPs.kind): \(l.modelGFLOPs.basis)) vs reference \(l.referenceGFLOPs.value) (\(l.referenceGFLOPs.kind))",
            "    budget: \(Int(l.budgetUtilization * 100))% of each second -> at most \(p.budgetFPS) detections/s; the profile sets \(p.model.detectionFPS)",
            "  audio:      ALSA \(p.alsaHardwareDevice), \(p.audio.output), \(p.audio.speechEngine) voice \(p.audio.voice) at \(p.audio.wordsPerMinute) wpm, volume \(p.audio.volumePercent)%",
        ]
        if let gpio = p.gpio {
            let button = gpio.button.map { "button \($0.chip) line \($0.line)\($0.activeLow ? " (active low)" : "")" }
            let motor = gpio.vibrationMotor.map { "vibration motor \($0.chip) line \($0.line)" }
            lines.append("  gpio:       " + [button, motor].compactMap { $0 }.joined(separator: ", "))
        } else {
            lines.append("  gpio:       none")
        }
        lines.append("  thermal:    above \(p.thermal.limitCelsius) °C (\(p.thermal.sensor)): \(p.thermal.throttled.detectionFPS) detections/s at input \(p.thermal.throttled.inputSize)")
        lines.append("  parts (prices \(p.hardware.pricesBasis)):")
        for item in p.hardware.items {
            lines.append("    \(item.part.padding(toLength: 8, withPad: " ", startingAt: 0)) ~$\(String(format: "%.0f", item.approxPriceUSD))  \(item.name)")
        }
        lines.append("    total    ~$\(String(format: "%.0f", p.approxTotalPriceUSD))")
        lines.append("  notes:")
        for (title, text) in [("camera", p.camera.notes), ("audio", p.audio.notes), ("thermal", p.thermal.notes),
                              ("hardware", p.hardware.notes)] {
            lines.append("    \(title): \(text)")
        }
        print(lines.joined(separator: "\n"))
    }
}

/// `waycue profile validate FILE...`.
struct ProfileValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check profile files against the schema and its rules; exit 0 only when all are valid.",
        discussion: """
            Prints 'FILE: ok' for each valid file and one line per problem ('FILE: field.path: \
            reason') for the others, and exits with 1 when any file is invalid.

            Examples:
              waycue profile validate firmware-profiles/*.yaml
              waycue profile validate my-board.yaml --json
            """)

    @Argument(help: "Profile files (YAML).") var files: [String]
    @Flag(help: "Print JSON: [{\"file\", \"valid\", \"issues\": [\"...\"]}].") var json = false

    struct Result: Codable {
        var file: String
        var valid: Bool
        var issues: [String]
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one profile file") }
    }

    func run() async throws {
        var results: [Result] = []
        for file in files {
            let issues = ProfileLoader.issues(contentsOf: URL(fileURLWithPath: file))
            results.append(Result(file: file, valid: issues.isEmpty, issues: issues))
        }
        if json {
            print(try prettyJSON(results))
        } else {
            for result in results {
                if result.valid {
                    print("\(result.file): ok")
                } else {
                    result.issues.forEach(writeError)
                }
            }
        }
        let invalid = results.filter { !$0.valid }.count
        if invalid > 0 {
            if !json { writeError("\(invalid) of \(results.count) profile file\(results.count == 1 ? "" : "s") invalid") }
            throw ExitCode(1)
        }
    }
}

/// `waycue profile bundle NAME OUTDIR`.
struct ProfileBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write the files that make a board run WayCue at boot.",
        discussion: """
            OUTDIR receives: waycue.yaml (pipeline settings), waycue.service (systemd unit), \
            70-waycue-camera.rules (udev), asound.conf (ALSA), install.sh and profile.yaml. Copy \
            the folder to the board with the waycue binary and run 'sudo ./install.sh'. For a \
            profile whose camera is wifi-glasses (the open guidance glasses), OUTDIR receives the \
            board's access point instead: waycue-glasses.service (waycue glasses), hostapd.conf, \
            10-waycue-ap.network (static address), dnsmasq.conf (DHCP), install.sh and \
            profile.yaml, and the firmware settings to compile into the glasses are printed.

            Examples:
              waycue profile bundle pi4 out/pi4
              waycue profile bundle pi5 out/pi5 --binary .build/aarch64-swift-linux-musl/release/waycue
              waycue profile bundle rk3588 out/rk3588 --no-watchdog
              waycue profile bundle pi4-glasses out/glasses --binary .build/aarch64-swift-linux-musl/release/waycue
            """)

    @OptionGroup var lookup: ProfileLookupOptions
    @Argument(help: "The profile name.") var name: String
    @Argument(help: "The folder to write (created when missing).") var outdir: String
    @Option(help: "A waycue executable to copy into the bundle as ./waycue (built for the board).")
    var binary: String?
    @Option(help: "Where install.sh puts the binary and what ExecStart runs.")
    var execPath = "/usr/local/bin/waycue"
    @Option(help: "The libcamera V4L2 wrapper for CSI cameras.")
    var libcamerify = "/usr/bin/libcamerify"
    @Option(help: "systemd watchdog interval in seconds (Type=notify).")
    var watchdogSeconds = 10
    @Flag(help: "No watchdog: Type=simple, for a waycue run that does not notify systemd.")
    var noWatchdog = false

    func validate() throws {
        guard (1...600).contains(watchdogSeconds) else {
            throw ValidationError("--watchdog-seconds must be between 1 and 600, got \(watchdogSeconds)")
        }
    }

    func run() async throws {
        let catalog = lookup.catalog
        let folder = URL(fileURLWithPath: outdir, isDirectory: true)
        do {
            let url = try catalog.url(of: name)
            let profile = try ProfileLoader.load(contentsOf: url)
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let options = DeploymentBundle.Options(binaryPath: execPath, libcamerifyPath: libcamerify,
                                                   watchdogSeconds: noWatchdog ? nil : watchdogSeconds)
            let bundle = DeploymentBundle(profile: profile, profileText: text, options: options)
            try bundle.write(to: folder)
            var written = bundle.files.map(\.name)
            if let binary {
                let destination = folder.appendingPathComponent("waycue")
                do {
                    if FileManager.default.fileExists(atPath: destination.path) {
                        try FileManager.default.removeItem(at: destination)
                    }
                    try FileManager.default.copyItem(at: URL(fileURLWithPath: binary), to: destination)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: destination.path)
                } catch {
                    throw ProfileError.writeFailed(path: destination.path, reason: (error as NSError).localizedDescription)
                }
                written.append("waycue")
            }
            print("wrote \(folder.path): \(written.joined(separator: ", "))")
            if profile.isGlasses {
                print("in the glasses' firmware (compile.ino), before flashing:")
                for setting in bundle.firmwareSettings { print("  \(setting.name) = \(setting.value)") }
            }
            if binary == nil {
                print("next: put a waycue binary built for \(profile.board.arch) in \(folder.path)/waycue (or pass --binary), copy the folder to the board, run 'sudo ./install.sh'")
            } else {
                print("next: copy \(folder.path) to the board and run 'sudo ./install.sh'")
            }
        } catch let error as ProfileError {
            throw ProfileCommandError(description: error.description)
        }
    }
}

/// `waycue profile schema`.
struct ProfileSchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the profile schema as JSON Schema (the text of firmware-profiles/schema.json).",
        discussion: """
            Examples:
              waycue profile schema > firmware-profiles/schema.json
            """)

    func run() async throws {
        print(FirmwareProfile.jsonSchemaText, terminator: "")
    }
}
