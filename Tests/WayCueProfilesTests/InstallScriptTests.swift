import Foundation
import Testing
@testable import WayCueProfiles

/// Runs a bundle's install.sh against a folder standing in for a Debian root. The full test on a
/// real Debian root made with debootstrap is scripts/test-install-chroot (it needs root, the
/// network and a few minutes).
@Suite struct InstallScriptTests {
    static let isRoot = getuid() == 0
    static let hasUseradd = findProgram("useradd") != nil

    /// A bundle for `name` in a new folder with a fake waycue beside install.sh.
    func preparedBundle(_ name: String) throws -> (folder: URL, root: URL) {
        let folder = try temporaryFolder("install")
        let bundleFolder = folder.appendingPathComponent("bundle")
        try bundle(name).write(to: bundleFolder)
        try writeFakeProgram(bundleFolder.appendingPathComponent("waycue"))
        let root = folder.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return (folder, root)
    }

    func install(_ folder: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(["sh", folder.appendingPathComponent("bundle/install.sh").path] + arguments)
    }

    func exists(_ root: URL, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.path + path)
    }

    @Test func scriptIsPOSIXShell() throws {
        for shell in ["sh", "dash", "bash"] where findProgram(shell) != nil {
            let folder = try temporaryFolder("syntax")
            defer { try? FileManager.default.removeItem(at: folder) }
            try bundle("pi5").write(to: folder)
            let result = try runProgram([shell, "-n", folder.appendingPathComponent("install.sh").path])
            #expect(result.status == 0, "\(shell): \(result.output)")
        }
    }

    @Test func installsFilesWhereSystemdAndUdevLook() throws {
        let (folder, root) = try preparedBundle("pi4")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A previous ALSA configuration is kept.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try Data("pcm.!default { type hw card 0 }\n".utf8).write(to: root.appendingPathComponent("etc/asound.conf"))

        let result = try install(folder, ["--root", root.path, "--skip-user"])
        #expect(result.status == 0, "\(result.output)")
        for path in ["/usr/local/bin/waycue", "/etc/waycue/waycue.yaml", "/etc/systemd/system/waycue.service",
                     "/etc/udev/rules.d/70-waycue-camera.rules", "/etc/asound.conf", "/etc/asound.conf.before-waycue",
                     "/usr/local/share/waycue/firmware-profiles/pi4.yaml"] {
            #expect(exists(root, path), "\(path) not installed")
        }
        let unit = try String(contentsOf: root.appendingPathComponent("etc/systemd/system/waycue.service"), encoding: .utf8)
        #expect(unit == (try bundle("pi4").systemdUnit))
        let mode = try FileManager.default.attributesOfItem(atPath: root.path + "/usr/local/bin/waycue")[.posixPermissions] as? Int
        #expect(mode == 0o755)
        // Enabled: the multi-user.target.wants link points at the unit.
        let link = root.path + "/etc/systemd/system/multi-user.target.wants/waycue.service"
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "/etc/systemd/system/waycue.service")
        if let systemctl = findProgram("systemctl") {
            let enabled = try runProgram([systemctl, "--root=\(root.path)", "is-enabled", "waycue.service"])
            #expect(enabled.output.trimmingCharacters(in: .whitespacesAndNewlines) == "enabled", "\(enabled.output)")
        }
        // A second run changes nothing and keeps the first backup.
        let again = try install(folder, ["--root", root.path, "--skip-user"])
        #expect(again.status == 0, "\(again.output)")
        let backup = try String(contentsOf: root.appendingPathComponent("etc/asound.conf.before-waycue"), encoding: .utf8)
        #expect(backup.contains("type hw card 0"))
    }

    @Test func glassesBundleInstallsTheAccessPointAndTheService() throws {
        let (folder, root) = try preparedBundle("pi4-glasses")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try install(folder, ["--root", root.path, "--skip-user"])
        #expect(result.status == 0, "\(result.output)")
        for path in ["/usr/local/bin/waycue", "/etc/systemd/system/waycue-glasses.service", "/etc/hostapd/hostapd.conf",
                     "/etc/systemd/network/10-waycue-ap.network", "/etc/dnsmasq.d/waycue-glasses.conf",
                     "/usr/local/share/waycue/firmware-profiles/pi4-glasses.yaml"] {
            #expect(exists(root, path), "\(path) not installed")
        }
        for path in ["/etc/asound.conf", "/etc/udev/rules.d/70-waycue-camera.rules", "/etc/waycue/waycue.yaml"] {
            #expect(!exists(root, path), "\(path) installed for the glasses")
        }
        // The passphrase is readable by root only.
        let mode = try FileManager.default.attributesOfItem(atPath: root.path + "/etc/hostapd/hostapd.conf")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let installed = try String(contentsOf: root.appendingPathComponent("etc/hostapd/hostapd.conf"), encoding: .utf8)
        #expect(installed == (try bundle("pi4-glasses").hostapdConfig))
        if let systemctl = findProgram("systemctl") {
            let enabled = try runProgram([systemctl, "--root=\(root.path)", "is-enabled", "waycue-glasses.service"])
            #expect(enabled.output.trimmingCharacters(in: .whitespacesAndNewlines) == "enabled", "\(enabled.output)")
            // hostapd and dnsmasq are not in this bare root: named, not fatal.
            #expect(result.output.contains("could not enable hostapd.service"), "\(result.output)")
        }
        #expect(result.output.contains("the service also needs:"), "\(result.output)")
        let again = try install(folder, ["--root", root.path, "--skip-user"])
        #expect(again.status == 0, "\(again.output)")
    }

    @Test func destdirWorksLikeRoot() throws {
        let (folder, root) = try preparedBundle("rk3566")
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = root.path
        let result = try runProgram(["sh", folder.appendingPathComponent("bundle/install.sh").path, "--skip-user", "--no-enable"],
                                    environment: environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(exists(root, "/etc/systemd/system/waycue.service"))
        #expect(!exists(root, "/etc/systemd/system/multi-user.target.wants/waycue.service"))
    }

    @Test func badInvocationsFailWithAReason() throws {
        let (folder, root) = try preparedBundle("pi4")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try install(folder, ["--root", root.path, "--skip-user", "--binary", "/nonexistent/waycue"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("no waycue executable at '/nonexistent/waycue'"))
        let unknown = try install(folder, ["--frobnicate"])
        #expect(unknown.status != 0)
        #expect(unknown.output.contains("unknown option '--frobnicate'"))
        let notFolder = try install(folder, ["--root", root.path + "/nope", "--skip-user"])
        #expect(notFolder.status != 0)
        #expect(notFolder.output.contains("is not a folder"))
        let help = try install(folder, ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("Usage: sudo ./install.sh"))
        #expect(!exists(root, "/etc/waycue/waycue.yaml"))
    }

    @Test(.enabled(if: isRoot && hasUseradd, "needs root and useradd (passwd package) to create the waycue user"))
    func createsTheServiceUserInTheRoot() throws {
        let (folder, root) = try preparedBundle("pi4")
        defer { try? FileManager.default.removeItem(at: folder) }
        let etc = root.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        try Data("root:x:0:0:root:/root:/bin/sh\n".utf8).write(to: etc.appendingPathComponent("passwd"))
        try Data("root:x:0:\naudio:x:29:\nvideo:x:44:\n".utf8).write(to: etc.appendingPathComponent("group"))
        try Data("root:*:19000:0:99999:7:::\n".utf8).write(to: etc.appendingPathComponent("shadow"))
        try Data("root:*::\naudio:*::\nvideo:*::\n".utf8).write(to: etc.appendingPathComponent("gshadow"))
        let result = try install(folder, ["--root", root.path])
        #expect(result.status == 0, "\(result.output)")
        let passwd = try String(contentsOf: etc.appendingPathComponent("passwd"), encoding: .utf8)
        #expect(passwd.contains("\nwaycue:x:"))
        let group = try String(contentsOf: etc.appendingPathComponent("group"), encoding: .utf8)
        for name in ["audio", "video", "gpio"] {
            #expect(group.components(separatedBy: "\n").contains { $0.hasPrefix("\(name):") && $0.hasSuffix(":waycue") },
                    "waycue not in \(name)")
        }
        let again = try install(folder, ["--root", root.path])
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("user waycue exists"))
    }

    @Test(.enabled(if: isRoot, "as a normal user the script stops earlier, asking for root"))
    func refusesARootWithoutPasswd() throws {
        let (folder, root) = try preparedBundle("pi4")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try install(folder, ["--root", root.path])
        #expect(result.status != 0)
        #expect(result.output.contains("has no /etc/passwd"))
    }
}
