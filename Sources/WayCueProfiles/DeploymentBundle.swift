import Foundation

/// The files a maker copies to a board to make WayCue start at boot: the pipeline
/// configuration, a systemd unit, a udev rule for the camera, an ALSA configuration, an
/// `install.sh` that puts them in place, and the profile itself. For a `wifi-glasses` profile:
/// the access point (hostapd, a static address, DHCP), the `waycue glasses` unit, `install.sh`
/// and the profile.
///
/// `waycue profile bundle NAME OUTDIR` writes them; see `firmware-profiles/README.md`.
public struct DeploymentBundle: Sendable {
    /// One generated file.
    public struct File: Sendable, Hashable {
        /// The file name inside the bundle folder.
        public var name: String
        /// The text.
        public var contents: String
        /// Whether the file is a program (mode 0755 instead of 0644).
        public var executable: Bool
    }

    /// Where the generated files point to on the board.
    public struct Options: Sendable, Hashable {
        /// Where `install.sh` puts the `waycue` executable, and what `ExecStart=` runs.
        public var binaryPath: String
        /// The libcamera V4L2 compatibility wrapper, used for `csi-libcamera` cameras.
        public var libcamerifyPath: String
        /// The systemd watchdog interval; `nil` for a service without a watchdog
        /// (`Type=simple`), for a `waycue run` that does not send `WATCHDOG=1`.
        public var watchdogSeconds: Int?

        /// Creates options; the defaults are the standard places on Debian.
        public init(binaryPath: String = "/usr/local/bin/waycue",
                    libcamerifyPath: String = "/usr/bin/libcamerify",
                    watchdogSeconds: Int? = 10) {
            self.binaryPath = binaryPath
            self.libcamerifyPath = libcamerifyPath
            self.watchdogSeconds = watchdogSeconds
        }
    }

    /// The symlink the udev rule makes for a USB camera.
    public static let cameraLink = "/dev/waycue-camera"
    /// The service's unit name.
    public static let unitName = "waycue.service"
    /// The udev rule's file name.
    public static let udevRuleName = "70-waycue-camera.rules"
    /// Where `install.sh` puts the pipeline configuration.
    public static let configPath = "/etc/waycue/waycue.yaml"

    /// The profile the bundle is for.
    public var profile: FirmwareProfile
    /// The YAML text of the profile, copied into the bundle as `profile.yaml`.
    public var profileText: String
    /// Paths on the board.
    public var options: Options

    /// Creates a bundle for `profile`.
    public init(profile: FirmwareProfile, profileText: String, options: Options = Options()) {
        self.profile = profile
        self.profileText = profileText
        self.options = options
    }

    /// Every file of the bundle.
    public var files: [File] {
        if profile.isGlasses {
            return [
                File(name: Self.glassesUnitName, contents: glassesUnit, executable: false),
                File(name: "hostapd.conf", contents: hostapdConfig, executable: false),
                File(name: Self.accessPointNetworkName, contents: accessPointNetwork, executable: false),
                File(name: "dnsmasq.conf", contents: dnsmasqConfig, executable: false),
                File(name: "install.sh", contents: installScript, executable: true),
                File(name: "profile.yaml", contents: profileText, executable: false),
            ]
        }
        return [
            File(name: "waycue.yaml", contents: PipelineConfig(profile: profile).yaml(), executable: false),
            File(name: Self.unitName, contents: systemdUnit, executable: false),
            File(name: Self.udevRuleName, contents: udevRule, executable: false),
            File(name: "asound.conf", contents: alsaConfig, executable: false),
            File(name: "install.sh", contents: installScript, executable: true),
            File(name: "profile.yaml", contents: profileText, executable: false),
        ]
    }

    /// Writes the files into `folder`, creating it when needed.
    ///
    /// - Throws: ``ProfileError/writeFailed(path:reason:)``.
    public func write(to folder: URL) throws(ProfileError) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(path: folder.path, reason: (error as NSError).localizedDescription)
        }
        for file in files {
            let url = folder.appendingPathComponent(file.name)
            do {
                try Data(file.contents.utf8).write(to: url, options: .atomic)
                try manager.setAttributes([.posixPermissions: file.executable ? 0o755 : 0o644],
                                          ofItemAtPath: url.path)
            } catch {
                throw .writeFailed(path: url.path, reason: (error as NSError).localizedDescription)
            }
        }
    }

    /// Whether the service waits for the udev camera link (USB cameras) rather than running
    /// under libcamerify (CSI cameras, whose nodes exist from boot).
    var usesCameraDeviceUnit: Bool { profile.camera.interface == "usb-uvc" }

    /// The systemd device unit name of the camera node, e.g. `dev-waycue\x2dcamera.device`.
    public var cameraDeviceUnit: String {
        Self.systemdEscapePath(profile.camera.device) + ".device"
    }

    /// `systemd-escape --path`: strips slashes at both ends, turns `/` into `-` and writes
    /// other bytes outside `[A-Za-z0-9:_.]` (and a leading `.`) as `\xNN`.
    public static func systemdEscapePath(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return "-" }
        var result = ""
        for (index, byte) in trimmed.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "/"): result += "-"
            case UInt8(ascii: "."):
                result += index == 0 ? "\\x2e" : "."
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "_"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += String(format: "\\x%02x", byte)
            }
        }
        return result
    }

    /// The command line `ExecStart=` runs.
    public var execStart: String {
        var command = "\(options.binaryPath) run --camera \(profile.camera.device) --profile \(profile.name)"
            + " --config \(Self.configPath)"
        if !usesCameraDeviceUnit { command = "\(options.libcamerifyPath) \(command)" }
        return command
    }

    /// Supplementary groups of the service user.
    var serviceGroups: [String] {
        if profile.isGlasses { return [] }  // sockets only: no camera, sound card or GPIO
        return profile.gpio == nil ? ["video", "audio"] : ["video", "audio", "gpio"]
    }
}
