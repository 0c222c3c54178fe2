import Foundation
import Testing
@testable import WayCueProfiles

/// Runs a program and returns its exit status and combined output.
@discardableResult
func runProgram(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The first executable named `name` on PATH (or in the sbin folders), if any.
func findProgram(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// A fresh temporary folder.
func temporaryFolder(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("waycue-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes an executable shell script that does nothing.
func writeFakeProgram(_ url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("#!/bin/sh\nexit 0\n".utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
}

func bundle(_ name: String, options: DeploymentBundle.Options = .init()) throws -> DeploymentBundle {
    let profile = try ProfileCatalog(directories: [profilesFolder]).load(name)
    return DeploymentBundle(profile: profile, profileText: try profileText(name), options: options)
}

let allProfiles = CommittedProfileTests.expected

@Suite struct BundleContentTests {
    @Test(arguments: allProfiles)
    func bundleHasEveryFile(name: String) throws {
        let folder = try temporaryFolder("bundle")
        defer { try? FileManager.default.removeItem(at: folder) }
        let b = try bundle(name)
        try b.write(to: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        if b.profile.isGlasses {
            #expect(names == ["10-waycue-ap.network", "dnsmasq.conf", "hostapd.conf", "install.sh", "profile.yaml", "waycue-glasses.service"])
        } else {
            #expect(names == ["70-waycue-camera.rules", "asound.conf", "install.sh", "profile.yaml", "waycue.service", "waycue.yaml"])
        }
        let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("install.sh").path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        // The copied profile is the committed file, and it still validates under its name.
        let copied = try String(contentsOf: folder.appendingPathComponent("profile.yaml"), encoding: .utf8)
        #expect(copied == (try profileText(name)))
        _ = try ProfileLoader.parse(copied, file: "profile.yaml", expectedName: name)
    }

    @Test(arguments: allProfiles)
    func configCarriesTheProfileSettings(name: String) throws {
        let b = try bundle(name)
        let config = try PipelineConfig.parse(PipelineConfig(profile: b.profile).yaml())
        #expect(config == PipelineConfig(profile: b.profile))
        #expect(config.geometry == b.profile.cameraModel)
        #expect(config.detector.threads == b.profile.model.threads)
        #expect(config.detector.detectionFPS == b.profile.model.detectionFPS)
        #expect(config.camera.device == b.profile.camera.device)
        #expect(config.thermal.throttledInputSize == b.profile.thermal.throttled.inputSize)
    }

    @Test func usbUnitWaitsForTheCameraAndRestarts() throws {
        let unit = try bundle("pi4").systemdUnit
        for line in ["BindsTo=dev-waycue\\x2dcamera.device", "After=dev-waycue\\x2dcamera.device sound.target",
                     "Restart=on-failure", "Type=notify", "WatchdogSec=10", "User=waycue",
                     "ExecStart=/usr/local/bin/waycue run --camera /dev/waycue-camera --profile pi4 --config /etc/waycue/waycue.yaml",
                     "WantedBy=multi-user.target"] {
            #expect(unit.components(separatedBy: "\n").contains(line), "missing \(line)")
        }
        let rule = try bundle("pi4").udevRule
        #expect(rule.contains("SUBSYSTEM==\"video4linux\""))
        #expect(rule.contains("SYMLINK+=\"waycue-camera\""))
        #expect(rule.contains("ENV{SYSTEMD_WANTS}+=\"waycue.service\""))
        #expect(rule.contains("TAG+=\"systemd\""))
    }

    @Test func csiUnitRunsUnderLibcamerify() throws {
        let unit = try bundle("pi5").systemdUnit
        #expect(unit.contains("ExecStart=/usr/bin/libcamerify /usr/local/bin/waycue run --camera /dev/video0 --profile pi5"))
        #expect(!unit.contains("BindsTo="))
        #expect(try bundle("pi5").installScript.contains("libcamera-v4l2:/usr/bin/libcamerify"))
    }

    @Test func noWatchdogMeansSimpleService() throws {
        let unit = try bundle("pi4", options: .init(watchdogSeconds: nil)).systemdUnit
        #expect(unit.contains("Type=simple"))
        #expect(!unit.contains("WatchdogSec"))
    }

    @Test func alsaConfigSelectsTheCardWithSoftvol() throws {
        let conf = try bundle("pi4").alsaConfig
        #expect(conf.contains("card \"Headphones\""))
        #expect(conf.contains("type softvol"))
        #expect(conf.contains("pcm.!default"))
        #expect(try bundle("pi5").alsaConfig.contains("card \"Device\""))
    }

    @Test func gpioRulesOnlyWithGPIOParts() throws {
        #expect(try bundle("pi4").udevRule.contains("KERNEL==\"gpiochip0\""))
        #expect(try !bundle("rk3566").udevRule.contains("gpiochip"))
        #expect(try bundle("pi4").systemdUnit.contains("SupplementaryGroups=video audio gpio"))
        #expect(try bundle("rk3566").systemdUnit.contains("SupplementaryGroups=video audio\n"))
    }

    @Test func systemdEscapeMatchesSystemd() throws {
        let paths = ["/dev/waycue-camera", "/dev/video0", "/dev/v4l/by-id/usb-Cam_1.0-video-index0", "/dev/.hidden"]
        #expect(DeploymentBundle.systemdEscapePath("/dev/waycue-camera") == "dev-waycue\\x2dcamera")
        guard let tool = findProgram("systemd-escape") else { return }
        for path in paths {
            let result = try runProgram([tool, "--path", path])
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == DeploymentBundle.systemdEscapePath(path))
        }
    }
}

@Suite struct SystemdVerifyTests {
    static let tool = findProgram("systemd-analyze")

    @Test(.enabled(if: tool != nil, "systemd-analyze not installed (Debian package systemd); unit files not verified"),
          arguments: allProfiles)
    func unitPassesSystemdAnalyzeVerify(name: String) throws {
        let folder = try temporaryFolder("verify")
        defer { try? FileManager.default.removeItem(at: folder) }
        // verify checks that ExecStart's program exists: point it at fake executables.
        let waycue = folder.appendingPathComponent("bin/waycue")
        let libcamerify = folder.appendingPathComponent("bin/libcamerify")
        try writeFakeProgram(waycue)
        try writeFakeProgram(libcamerify)
        for watchdog in [10, nil] as [Int?] {
            let b = try bundle(name, options: .init(binaryPath: waycue.path, libcamerifyPath: libcamerify.path,
                                                    watchdogSeconds: watchdog))
            let out = folder.appendingPathComponent("bundle")
            try b.write(to: out)
            let result = try runProgram([try #require(Self.tool), "verify", out.appendingPathComponent(b.serviceUnitName).path])
            #expect(result.status == 0, "\(result.output)")
            #expect(!result.output.contains(b.serviceUnitName), "\(result.output)")
        }
    }

    @Test(.enabled(if: tool != nil, "systemd-analyze not installed (Debian package systemd)"))
    func verifyCatchesAMissingBinary() throws {
        // The check above can fail: a unit whose program does not exist is rejected.
        let folder = try temporaryFolder("verify-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let b = try bundle("pi4", options: .init(binaryPath: folder.appendingPathComponent("missing/waycue").path))
        try b.write(to: folder)
        let result = try runProgram([try #require(Self.tool), "verify", folder.appendingPathComponent("waycue.service").path])
        #expect(result.status != 0)
    }
}

/// The glasses' profile (`wifi-glasses`): the bundle is the access point and `waycue glasses`.
@Suite struct GlassesBundleTests {
    @Test func serviceRunsWaycueGlassesWithTheProfilesPorts() throws {
        let b = try bundle("pi4-glasses")
        #expect(b.serviceUnitName == "waycue-glasses.service")
        #expect(b.glassesExecStart == "/usr/local/bin/waycue glasses --host 0.0.0.0 --port 8081 --imu-port 12345 --profile pi4-glasses --language en")
        #expect(b.glassesUnit.contains("ExecStart=\(b.glassesExecStart)\n"))
        #expect(b.glassesUnit.contains("After=network-online.target hostapd.service"))
        #expect(b.serviceGroups.isEmpty)
        #expect(b.runtimePackages.map(\.package) == ["espeak-ng", "hostapd", "dnsmasq"])
    }

    @Test func accessPointFilesComeFromTheProfile() throws {
        var b = try bundle("pi4-glasses")
        b.profile.accessPoint?.ssid = "walk-ap"
        b.profile.accessPoint?.passphrase = "s3cret-pass"
        b.profile.accessPoint?.address = "10.7.3.1"
        b.profile.accessPoint?.channel = 11
        b.profile.accessPoint?.countryCode = "DE"
        b.profile.camera.device = "ws://10.7.3.1:8081/ws/camera"
        #expect(b.profile.ruleIssues().isEmpty, "\(b.profile.ruleIssues())")
        #expect(b.hostapdConfig.contains("\nssid=walk-ap\n") && b.hostapdConfig.contains("\nwpa_passphrase=s3cret-pass\n"))
        #expect(b.hostapdConfig.contains("\nchannel=11\n") && b.hostapdConfig.contains("\ncountry_code=DE\n"))
        #expect(b.accessPointNetwork.contains("\nAddress=10.7.3.1/24\n"))
        #expect(b.dnsmasqConfig.contains("\ndhcp-range=10.7.3.10,10.7.3.50,255.255.255.0,12h\n"))
        let settings = Dictionary(uniqueKeysWithValues: b.firmwareSettings.map { ($0.name, $0.value) })
        b.profile.audio.voice = "cmn"
        #expect(b.glassesExecStart.hasSuffix("--profile pi4-glasses --language zh"))
        #expect(settings == ["WIFI_SSID": "\"walk-ap\"", "WIFI_PASS": "\"s3cret-pass\"", "SERVER_HOST": "\"10.7.3.1\"",
                             "SERVER_PORT": "8081", "UDP_HOST": "\"10.7.3.1\"", "UDP_PORT": "12345"])
    }

    @Test func rulesKeepTheGlassesProfileConsistent() throws {
        let good = try ProfileCatalog(directories: [profilesFolder]).load("pi4-glasses")
        #expect(good.ruleIssues().isEmpty)
        func paths(_ change: (inout FirmwareProfile) -> Void) -> [String] {
            var p = good
            change(&p)
            return p.ruleIssues().map(\.path)
        }
        #expect(paths { $0.accessPoint = nil } == ["accessPoint"])
        #expect(paths { $0.camera.device = "ws://192.168.4.2:8081/ws/camera" } == ["camera.device"])
        #expect(paths { $0.camera.device = "/dev/video0" } == ["camera.device"])
        #expect(paths { $0.camera.format = "mjpeg" } == ["camera.format"])
        #expect(paths { $0.audio.output = "bone-conduction-wired" } == ["audio.output"])
        #expect(paths { $0.mounting.position = "chest" } == ["mounting.position"])
        #expect(paths { $0.camera.width = 1280; $0.camera.height = 720 } == ["camera.width"])
        #expect(paths { $0.accessPoint?.imuPort = 8081 } == ["accessPoint.imuPort"])
        #expect(paths { $0.accessPoint?.address = "192.168.4.20"; $0.camera.device = "ws://192.168.4.20:8081/ws/camera" }
                == ["accessPoint.address"])
        // A camera on the board takes none of it.
        var usb = try ProfileCatalog(directories: [profilesFolder]).load("pi4")
        usb.accessPoint = good.accessPoint
        usb.audio.output = "glasses-speaker"
        #expect(Set(usb.ruleIssues().map(\.path)) == ["accessPoint", "audio.output"])
    }

    /// `firmware-profiles/glasses-ap/` is what `waycue profile bundle pi4-glasses` writes.
    @Test func committedAccessPointFolderIsTheGeneratedBundle() throws {
        let folder = profilesFolder.appendingPathComponent("glasses-ap")
        let b = try bundle("pi4-glasses")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == b.files.map(\.name).sorted())
        for file in b.files {
            let committed = try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
            #expect(committed == file.contents,
                    "firmware-profiles/glasses-ap/\(file.name) is stale: run `waycue profile bundle pi4-glasses firmware-profiles/glasses-ap`")
        }
    }
}
