import Foundation
import Testing
@testable import WayCueCues

/// Bounded fuzzing of every parser in the module: mutated inputs give a typed error or a
/// value, never a crash.
struct ParserFuzzTests {
    static let validTimeline = """
        {"t": 0.0, "detections": [{"class": "ped_red", "score": 0.9, "box": [300, 60, 312, 90]}]}
        {"t": 0.1, "detections": [], "processed_at": 0.15}
        # a comment
        {"t": 0.2, "detections": [{"class": "pole", "score": 0.7, "box": [10, 100, 40, 400]}]}
        """

    @Test func timelineParsesAndNamesBadLines() throws {
        let tl = try CueTimeline(jsonLines: Data(Self.validTimeline.utf8), source: "x.jsonl")
        #expect(tl.frames.count == 3 && tl.frames[1].processedAt == 0.15)
        let again = try CueTimeline(jsonLines: Data(tl.jsonLines().utf8), source: "again")
        #expect(again.frames.map(\.detections) == tl.frames.map(\.detections))
        #expect(throws: CueTimelineError.invalidLine(source: "x.jsonl", line: 2, reason: "missing field \"detections\"")) {
            try CueTimeline(jsonLines: Data("{\"t\": 0, \"detections\": []}\n{\"t\": 1}".utf8), source: "x.jsonl")
        }
        #expect(throws: CueTimelineError.timeNotIncreasing(source: "x.jsonl", line: 2, previous: 1, got: 1)) {
            try CueTimeline(jsonLines: Data("{\"t\": 1, \"detections\": []}\n{\"t\": 1, \"detections\": []}".utf8), source: "x.jsonl")
        }
        do {
            _ = try CueTimeline(jsonLines: Data(#"{"t": 0, "detections": [{"class": "car", "score": 2, "box": [0,0,1,1]}]}"#.utf8), source: "s")
            Issue.record("a score of 2 was accepted")
        } catch {
            #expect(error.description.contains("score"))
        }
    }

    @Test func fuzzTimelineParser() {
        var g = SeededGenerator(seed: 7)
        let base = Array(Self.validTimeline.utf8)
        let alphabet = Array("{}[]\",:0123456789.-eE tnull#\n".utf8)
        var parsed = 0, rejected = 0
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                let i = Int.random(in: 0..<bytes.count, using: &g)
                switch Int.random(in: 0..<3, using: &g) {
                case 0: bytes[i] = alphabet.randomElement(using: &g)!
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &g), at: i)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            do {
                let tl = try CueTimeline(jsonLines: Data(bytes), source: "fuzz")
                parsed += 1
                // Whatever parses must also play through the engine without trouble.
                let engine = Scene.engine()
                _ = try? tl.play(through: engine)
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed > 0 && rejected > 0)
    }

    @Test func fuzzWAVParser() {
        var g = SeededGenerator(seed: 11)
        var track = StereoTrack(sampleRate: 8000, seconds: 0.01)
        track.mix([0.5, -0.5, 0.25], at: 0, pan: 0)
        let base = [UInt8](track.wavData())
        var ok = 0
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &g) {
                let i = Int.random(in: 0..<bytes.count, using: &g)
                if g.chance(0.2) { bytes.removeSubrange(i...) } else { bytes[i] = UInt8.random(in: 0...255, using: &g) }
                if bytes.isEmpty { break }
            }
            if (try? MonoAudio(wav: Data(bytes), source: "fuzz")) != nil { ok += 1 }
        }
        #expect(ok > 0)
        #expect(throws: WAVError.self) { try MonoAudio(wav: Data("RIFF....WAVEjunk".utf8), source: "j") }
    }

    @Test func bundledPhrasebooksAreCompleteAndSpeechIsAscii() throws {
        for lang in Phrasebook.bundledLanguages {
            let book = try Phrasebook.bundled(lang)
            for key in Phrasebook.requiredKeys {
                #expect(book.phrases[key] != nil)
                let s = book.speech(CueMessage(key, ["class": "pole", "clock": "1", "distance": "2", "side": "left", "amount": "slightly"]))
                #expect(!s.contains("{"), "\(lang) \(key): \(s)")
                let ascii = s.unicodeScalars.allSatisfy { $0.isASCII }
                if lang == "zh" { #expect(ascii, "zh speech must be pinyin: \(s)") }
            }
        }
        #expect(throws: PhrasebookError.unknownLanguage("xx")) { try Phrasebook.bundled("xx") }
    }

    @Test func fuzzPhrasebookParser() throws {
        let data = try #require(Phrasebook.bundledURL("en").flatMap { try? Data(contentsOf: $0) })
        var g = SeededGenerator(seed: 3)
        var bytes = [UInt8](data)
        var errors = 0
        for _ in 0..<1000 {
            var b = bytes
            let i = Int.random(in: 0..<b.count, using: &g)
            b[i] = UInt8.random(in: 0...127, using: &g)
            do { _ = try Phrasebook(json: Data(b), source: "fuzz") } catch { errors += 1; #expect(!error.description.isEmpty) }
        }
        #expect(errors > 0)
        // A missing phrase is named.
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"paving.ends\"", with: "\"paving.x\"")
        bytes = Array(text.utf8)
        #expect(throws: PhrasebookError.missingPhrase(source: "t", key: "paving.ends")) { try Phrasebook(json: Data(bytes), source: "t") }
    }
}
