import Foundation
import Testing
@testable import WayCueProfiles

/// The repository's `firmware-profiles/` folder, found from this file's path.
let profilesFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("firmware-profiles", isDirectory: true)

func profileText(_ name: String) throws -> String {
    try String(contentsOf: profilesFolder.appendingPathComponent("\(name).yaml"), encoding: .utf8)
}

/// The issues `text` produces, as `path: message` strings (empty when valid).
func issues(of text: String, expectedName: String? = "pi4") -> [ProfileIssue] {
    do {
        _ = try ProfileLoader.parse(text, file: "test.yaml", expectedName: expectedName)
        return []
    } catch let .invalid(_, issues) {
        return issues
    } catch {
        return [ProfileIssue(path: "<error>", message: error.description)]
    }
}

/// Replaces exactly one occurrence of `old` in `text`; fails the test when it is not unique.
func replacing(_ old: String, with new: String, in text: String) -> String {
    let parts = text.components(separatedBy: old)
    #expect(parts.count == 2, "expected exactly one '\(old)' in the profile")
    return parts.joined(separator: new)
}

@Suite struct CommittedProfileTests {
    static let expected = ["h618", "pi-zero-2w", "pi4", "pi4-glasses", "pi5", "rk3566", "rk3588", "x86-laptop"]

    @Test func everyFileInTheFolderValidates() throws {
        let files = try FileManager.default.contentsOfDirectory(at: profilesFolder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
        #expect(files.map { $0.deletingPathExtension().lastPathComponent }.sorted() == Self.expected)
        for file in files {
            let problems = ProfileLoader.issues(contentsOf: file)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    @Test func catalogFindsEveryProfileByName() throws {
        let catalog = ProfileCatalog(directories: [profilesFolder])
        #expect(catalog.profileFiles().map(\.name) == Self.expected)
        let pi5 = try catalog.load("pi5")
        #expect(pi5.cpu.coreType == "Cortex-A76")
        #expect(throws: ProfileError.self) { try catalog.load("pi6") }
    }

    @Test func everyFigureSaysHowItIsKnown() throws {
        let catalog = ProfileCatalog(directories: [profilesFolder])
        for (name, _) in catalog.profileFiles() {
            let profile = try catalog.load(name)
            for (path, figure) in profile.figures {
                #expect(["measured", "estimated"].contains(figure.kind), "\(name) \(path)")
                #expect(figure.basis.count > 10, "\(name) \(path) needs a basis")
            }
            #expect(profile.latency.expectedMilliseconds.kind == "estimated")
            #expect(profile.latency.referenceMilliseconds.kind == "measured")
            #expect(profile.budgetFPS >= profile.model.detectionFPS)
            #expect(profile.hardware.pricesBasis.hasPrefix("estimated"))
        }
    }

    @Test func profilesCoverTheBoardsTheIssueNames() throws {
        let catalog = ProfileCatalog(directories: [profilesFolder])
        let socs = try Self.expected.map { try catalog.load($0).board.soc }.joined(separator: " ")
        for soc in ["BCM2710A1", "BCM2711", "BCM2712", "RK3566", "RK3588", "H618"] {
            #expect(socs.contains(soc), "no profile for \(soc)")
        }
        #expect(try catalog.load("x86-laptop").board.arch == "x86_64")
        #expect(try catalog.load("pi5").camera.interface == "csi-libcamera")
        #expect(try catalog.load("pi4").camera.interface == "usb-uvc")
    }

    @Test func cameraModelComesFromCameraAndMounting() throws {
        let profile = try ProfileCatalog(directories: [profilesFolder]).load("pi4")
        let camera = profile.cameraModel
        #expect(camera.imageWidth == 640 && camera.imageHeight == 480)
        #expect(camera.height == 1.3 && camera.pitchDegrees == 15 && camera.horizontalFOVDegrees == 70)
        // A point 3 m ahead on the ground projects below the image centre and back to itself.
        let pixel = try #require(camera.project(x: 0, y: 3, z: 0))
        #expect(pixel.v > Double(camera.imageHeight) / 2)
    }
}

@Suite struct InvalidProfileTests {
    @Test func missingFieldIsNamed() throws {
        let text = replacing("  fps: 30\n", with: "", in: try profileText("pi4"))
        let found = issues(of: text)
        #expect(found.map(\.description).contains { $0.hasPrefix("camera.fps: required field is missing") },
                "\(found)")
    }

    @Test(arguments: [("fps: 30", "fps: 0", "camera.fps: must be between 1 and 240, got 0"),
                      ("fps: 30", "fps: 241", "camera.fps: must be between 1 and 240, got 241"),
                      ("width: 640", "width: 641", "camera.width: must be a multiple of 2, got 641"),
                      ("pitchDegrees: 15", "pitchDegrees: 75", "mounting.pitchDegrees: must be between -10 and 60, got 75"),
                      ("volumePercent: 70", "volumePercent: 170", "audio.volumePercent: must be between 0 and 100, got 170"),
                      ("format: mjpeg", "format: h264", "camera.format: must be one of mjpeg, yuyv, nv12, rgb24, jpeg, got 'h264'"),
                      ("arch: aarch64", "arch: riscv64", "board.arch: must be one of aarch64, x86_64, got 'riscv64'"),
                      ("features: [neon, crc32]", "features: [neon, crc64]", "cpu.features[1]: must be one of"),
                      ("cores: 4", "cores: four", "cpu.cores: must be a whole number, got 'four'"),
                      ("inputSize: 320\n  precision", "inputSize: 300\n  precision", "model.inputSize: must be a multiple of 32, got 300")])
    func outOfRangeValueIsNamed(old: String, new: String, expected: String) throws {
        let found = issues(of: replacing(old, with: new, in: try profileText("pi4"))).map(\.description)
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    @Test func unknownFieldsAreRejectedAtAnyDepth() throws {
        var text = replacing("board:\n", with: "board:\n  turbo: true\n", in: try profileText("pi4"))
        text = replacing("cpu:\n", with: "cpu:\n  overclock: 2.0\n", in: text)
        text += "colour: red\n"
        let found = issues(of: text).map(\.description)
        #expect(found.contains { $0.hasPrefix("board.turbo: unknown field (allowed: model, soc, arch, os)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("cpu.overclock: unknown field") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("colour: unknown field") }, "\(found)")
    }

    @Test func threadsBeyondCoresFail() throws {
        var text = replacing("  threads: 4\n", with: "  threads: 8\n", in: try profileText("pi4"))
        text = replacing("referenceThreads: 4", with: "referenceThreads: 8", in: text)
        let found = issues(of: text).map(\.description)
        #expect(found.contains("model.threads: must not exceed cpu.cores (4), got 8"), "\(found)")
    }

    @Test func detectionRateOverTheFrameBudgetFails() throws {
        let text = replacing("detectionFPS: 8\n", with: "detectionFPS: 12\n", in: try profileText("pi4"))
        let found = issues(of: text).map(\.description)
        #expect(found.contains { $0.hasPrefix("model.detectionFPS: 12 frames/s × 64.3 ms = 772 ms per second, over the budget of 750 ms") },
                "\(found)")
    }

    @Test func expectedLatencyMustFollowTheFormula() throws {
        let text = replacing("value: 64.3", with: "value: 40", in: try profileText("pi4"))
        let found = issues(of: text).map(\.description)
        #expect(found.contains { $0.hasPrefix("latency.expectedMilliseconds.value: 40 does not match the formula") },
                "\(found)")
    }

    @Test func figureKindMustBeMeasuredOrEstimated() throws {
        let text = replacing("value: 68.38\n    kind: measured", with: "value: 68.38\n    kind: guessed",
                             in: try profileText("pi4"))
        let found = issues(of: text).map(\.description)
        #expect(found.contains { $0.hasPrefix("latency.referenceMilliseconds.kind: must be one of measured, estimated") },
                "\(found)")
    }

    @Test func nameMustMatchTheFile() throws {
        let found = issues(of: try profileText("pi4"), expectedName: "pi4-copy").map(\.description)
        #expect(found.first?.hasPrefix("name: must equal the file name 'pi4-copy'") == true, "\(found)")
    }

    @Test func throttledSettingsMustLowerTheLoad() throws {
        var text = replacing("    detectionFPS: 4\n", with: "    detectionFPS: 8\n", in: try profileText("pi4"))
        text = replacing("    inputSize: 256\n", with: "    inputSize: 320\n", in: text)
        let found = issues(of: text).map(\.description)
        #expect(found.contains { $0.hasPrefix("thermal.throttled: must lower detectionFPS or inputSize") }, "\(found)")
    }

    @Test func x86FeatureOnArmBoardFails() throws {
        let text = replacing("features: [neon, crc32]", with: "features: [neon, avx2]", in: try profileText("pi4"))
        let found = issues(of: text).map(\.description)
        #expect(found.contains("cpu.features[1]: 'avx2' is not a aarch64 feature"), "\(found)")
    }

    @Test func issuesCarryLineNumbers() throws {
        let text = replacing("  fps: 30\n", with: "  fps: 0\n", in: try profileText("pi4"))
        let issue = try #require(issues(of: text).first { $0.path == "camera.fps" })
        let line = try #require(issue.line)
        #expect(text.components(separatedBy: "\n")[line - 1] == "  fps: 0")
    }

    @Test func notYAMLIsASyntaxError() {
        #expect(throws: ProfileError.self) { try ProfileLoader.parse("camera: [unclosed", file: "x.yaml") }
        #expect(throws: ProfileError.self) { try ProfileLoader.parse("", file: "x.yaml") }
        let found = issues(of: "- a list\n- not a mapping\n")
        #expect(found.first?.description.hasPrefix("(document): must be a mapping") == true, "\(found)")
    }
}

@Suite struct ReadmeTableTests {
    /// The table in firmware-profiles/README.md repeats each profile's estimate; keep them equal.
    @Test func readmeTableMatchesTheProfiles() throws {
        let readme = try String(contentsOf: profilesFolder.appendingPathComponent("README.md"), encoding: .utf8)
        let catalog = ProfileCatalog(directories: [profilesFolder])
        for name in CommittedProfileTests.expected {
            let profile = try catalog.load(name)
            let row = try #require(readme.components(separatedBy: "\n").first { $0.hasPrefix("| `\(name)` |") },
                                   "README has no row for \(name)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 7, "\(row)")
            guard cells.count == 7 else { continue }
            #expect(cells[4] == String(format: "%.1f", profile.latency.expectedMilliseconds.value), "\(name) ms")
            #expect(cells[5] == String(profile.model.detectionFPS), "\(name) detections/s")
            #expect(cells[6].hasPrefix(String(format: "%.0f", profile.approxTotalPriceUSD)), "\(name) price")
            #expect(cells[3].hasPrefix("\(profile.model.inputSize) \(profile.model.precision)"), "\(name) model")
        }
    }
}
