import Foundation
import Testing
@testable import WayCueProfiles

@Suite struct SchemaDocumentTests {
    @Test func committedSchemaIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: profilesFolder.appendingPathComponent("schema.json"), encoding: .utf8)
        #expect(committed == FirmwareProfile.jsonSchemaText,
                "firmware-profiles/schema.json is stale: run `waycue profile schema > firmware-profiles/schema.json`")
        let object = try JSONSerialization.jsonObject(with: Data(committed.utf8)) as? [String: Any]
        #expect(object?["additionalProperties"] as? Bool == false)
        #expect((object?["required"] as? [String])?.contains("camera") == true)
    }

    /// An independent JSON Schema implementation (Python's jsonschema) accepts every profile
    /// and rejects the same kinds of mistakes as the Swift validator.
    static let python: String? = {
        guard let python = findProgram("python3"),
              let probe = try? runProgram([python, "-c", "import jsonschema, yaml"]), probe.status == 0
        else { return nil }
        return python
    }()

    @Test(.enabled(if: python != nil, "python3 with the jsonschema and yaml modules is not installed; cross-check skipped"))
    func independentValidatorAgrees() throws {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                data = yaml.safe_load(open(path))
                errors = sorted(".".join(str(p) for p in e.path) for e in validator.iter_errors(data))
                print(path, "ok" if not errors else "invalid " + ",".join(errors))
            """
        let folder = try temporaryFolder("jsonschema")
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = try profileText("pi4")
        text = replacing("  fps: 30\n", with: "  fps: 0\n", in: text)
        text = replacing("cpu:\n", with: "cpu:\n  turbo: 1\n", in: text)
        let bad = folder.appendingPathComponent("bad.yaml")
        try Data(text.utf8).write(to: bad)
        let files = allProfiles.map { profilesFolder.appendingPathComponent("\($0).yaml").path } + [bad.path]
        let result = try runProgram([try #require(Self.python), "-c", script,
                                     profilesFolder.appendingPathComponent("schema.json").path] + files)
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == files.count, "\(result.output)")
        for line in lines.dropLast() { #expect(line.hasSuffix(" ok"), "\(line)") }
        #expect(lines.last?.hasSuffix("invalid camera.fps,cpu") == true, "\(lines.last ?? "")")
    }
}

@Suite struct CatalogTests {
    @Test func defaultDirectoriesPutTheEnvironmentFirstThenTheCheckout() {
        let dirs = ProfileCatalog.defaultDirectories(
            environment: ["WAYCUE_PROFILES": "/opt/profiles"],
            currentDirectory: URL(fileURLWithPath: "/home/maker/waycue/Sources", isDirectory: true),
            executable: URL(fileURLWithPath: "/home/maker/waycue/.build/release/waycue"))
        let paths = dirs.map(\.path)
        #expect(paths.first == "/opt/profiles")
        #expect(paths.contains("/home/maker/waycue/firmware-profiles"))
        #expect(paths.contains("/home/maker/waycue/.build/share/waycue/firmware-profiles"))
        #expect(paths.suffix(2) == ["/usr/local/share/waycue/firmware-profiles", "/etc/waycue/profiles"])
        #expect(Set(paths).count == paths.count)
    }

    @Test func firstFolderWinsAndInvalidFilesStillListed() throws {
        let first = try temporaryFolder("catalog-a")
        let second = try temporaryFolder("catalog-b")
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        try Data("not: [valid".utf8).write(to: first.appendingPathComponent("pi4.yaml"))
        try Data(try profileText("pi5").utf8).write(to: second.appendingPathComponent("pi5.yaml"))
        try Data(try profileText("pi4").utf8).write(to: second.appendingPathComponent("pi4.yaml"))
        let catalog = ProfileCatalog(directories: [first, second, first.appendingPathComponent("missing")])
        #expect(catalog.profileFiles().map(\.name) == ["pi4", "pi5"])
        #expect(try catalog.url(of: "pi4").deletingLastPathComponent().standardizedFileURL == first.standardizedFileURL)
        #expect(throws: ProfileError.self) { try catalog.load("pi4") }
        #expect(try catalog.load("pi5").name == "pi5")
    }
}

@Suite struct ProfileFuzzTests {
    /// A small deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func mutatedProfilesNeverCrashAndFailWithTypedErrors() throws {
        let original = Array(try profileText("pi4").utf8)
        let alphabet = Array(" :-[]{}\n#'\"0123456789.-abcxyz&*!|>%@`\t".utf8)
        var rng = SplitMix(state: 0x57A7_1C0E)
        var accepted = 0
        var rejected = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
                default:
                    let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                    bytes.removeSubrange(at..<end)
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "x")] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ProfileLoader.parse(text, file: "fuzz.yaml")
                accepted += 1
            } catch {
                switch error {
                case .syntax, .invalid(_, _): rejected += 1
                default: Issue.record("unexpected error kind: \(error)")
                }
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted + rejected == 400)
        #expect(rejected > 100, "mutations should mostly break the profile")
    }
}
