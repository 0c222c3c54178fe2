import Foundation
import Testing

/// The access-point bundle (`firmware-profiles/glasses-ap/`) agrees with itself, with the
/// firmware's settings and with `waycue glasses`' flags.
@Suite struct AccessPointBundleTests {
    static let folder = repositoryRoot.appendingPathComponent("firmware-profiles/glasses-ap")

    func text(_ name: String) throws -> String {
        try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
    }

    func settings(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    @Test func accessPointAddressAndRadioFitTheFirmware() throws {
        let hostapd = settings(try text("hostapd.conf"))
        #expect(hostapd["interface"] == "wlan0")
        #expect(hostapd["hw_mode"] == "g", "the ESP32-S3 radio is 2.4 GHz only")
        #expect((hostapd["wpa_passphrase"]?.count ?? 0) >= 8, "WPA2 needs 8 to 63 characters")
        #expect(hostapd["ssid"].map { !$0.isEmpty && $0.utf8.count <= 32 } == true)
        let network = try text("10-waycue-ap.network")
        #expect(network.contains("Name=wlan0") && network.contains("Address=192.168.4.1/24"))
        let dnsmasq = settings(try text("dnsmasq.conf"))
        #expect(dnsmasq["interface"] == "wlan0")
        let range = try #require(dnsmasq["dhcp-range"]).split(separator: ",")
        #expect(range.count >= 3 && range[0].hasPrefix("192.168.4.") && range[1].hasPrefix("192.168.4."))
        #expect(!range[0].hasSuffix(".1") && !range[1].hasSuffix(".1"), "the pool must not contain the board's address")
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("SERVER_HOST = \"192.168.4.1\""))
        #expect(readme.contains("WIFI_SSID = \"\(hostapd["ssid"] ?? "")\""))
        #expect(readme.contains("WIFI_PASS = \"\(hostapd["wpa_passphrase"] ?? "")\""))
    }

    @Test func serviceRunsWaycueGlassesWithItsFlags() throws {
        let unit = try text("waycue-glasses.service")
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let words = exec.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(words.prefix(2) == ["/usr/local/bin/waycue", "glasses"])
        let known: Set<String> = ["--port", "--imu-port", "--host", "--profile", "--language", "--model", "--record"]
        for word in words where word.hasPrefix("--") { #expect(known.contains(word), "\(word) is not a flag of waycue glasses") }
        #expect(words.contains("8081") && words.contains("12345"))
        #expect(unit.contains("After=") && unit.contains("hostapd.service"))
        let install = try text("install.sh")
        for file in ["hostapd.conf", "10-waycue-ap.network", "dnsmasq.conf", "waycue-glasses.service"] {
            #expect(install.contains(file), "install.sh does not install \(file)")
        }
    }
}
