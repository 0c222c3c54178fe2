import Foundation
import Testing
@testable import WayCueImage

/// Mutation fuzzing of the JPEG and PNG decoders: 20,000 damaged files (bit flips, byte
/// replacements, marker/chunk splices, length-field corruption, PNG CRCs sometimes repaired)
/// and 1,000 truncated ones (each decoded strictly and leniently). Each must give an image or
/// a typed ``ImageError``, never a crash, a hang or text on stderr. Deterministic (seeded),
/// bounded (small images, a 1-megapixel limit so a mutated header cannot make one case slow;
/// about 5 s in a debug build on a loaded 2-core box) and run in CI.
@Suite(.serialized) struct DecoderFuzzTests {
    static let limits = ImageDecodingLimits(maxPixels: 1 << 20)
    static let lenient = ImageDecodingLimits(maxPixels: 1 << 20, acceptsCorruptJPEGData: true)

    static func jpegSeeds() throws -> [[UInt8]] {
        let rgb = TestSupport.smoothImage(width: 40, height: 24)
        let noisy = TestSupport.noisyImage(width: 17, height: 9, format: .rgb8, seed: 21)
        return [
            try rgb.jpegData(quality: 90),
            try rgb.converted(to: .grey8).jpegData(quality: 75),
            try rgb.jpegData(quality: 85, progressive: true),
            try noisy.jpegData(quality: 100),
        ]
    }

    static func pngSeeds() throws -> [[UInt8]] {
        let rgb = TestSupport.noisyImage(width: 20, height: 12, format: .rgb8, seed: 22)
        let smooth = TestSupport.smoothImage(width: 24, height: 16)
        return [
            try rgb.pngData(),
            try smooth.converted(to: .grey8).pngData(),
            try smooth.pngData(),
            PNGWriter.make(width: 7, height: 5, type: .palette, bitDepth: 4, samples: (0..<35).map { $0 % 5 },
                           palette: [(1, 2, 3), (40, 50, 60), (255, 0, 0), (0, 255, 0), (9, 9, 9)],
                           transparency: [0, 255, 128]),
            PNGWriter.make(width: 5, height: 4, type: .rgba, bitDepth: 16, samples: (0..<80).map { $0 * 800 }),
            PNGWriter.make(width: 6, height: 3, type: .greyAlpha, bitDepth: 8, samples: (0..<36).map { $0 * 7 }),
        ]
    }

    enum Outcome { case decoded, refused }

    /// Decodes one case; anything other than an image or an `ImageError` fails the test.
    static func check(_ data: [UInt8], lenient: Bool, label: String, reduction: Int = 1) -> Outcome {
        _ = try? Image.readHeader(data, source: label)
        do {
            let image = try Image.decode(data, source: label, limits: lenient ? Self.lenient : Self.limits,
                                         reduction: reduction)
            #expect(image.width * image.height <= Self.limits.maxPixels && image.width > 0 && image.height > 0)
            #expect(image.pixels.count >= image.stride * image.height)
            return .decoded
        } catch {
            // `decode` throws `ImageError` by type; the source must be named.
            switch error {
            case .corrupt(let source, let reason):
                #expect(source == label && !reason.isEmpty)
            case .tooLarge(let source, _, _, _), .unknownFormat(let source), .empty(let source):
                #expect(source == label)
            default:
                Issue.record("unexpected error kind for \(label): \(error)")
            }
            return .refused
        }
    }

    // MARK: Mutations

    static let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]

    static func flipBits(_ data: inout [UInt8], _ rng: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let i = Int.random(in: 0..<data.count, using: &rng)
            data[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        }
    }

    static func replaceBytes(_ data: inout [UInt8], _ rng: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let i = Int.random(in: 0..<data.count, using: &rng)
            data[i] = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// Segments as (start, end) ranges: JPEG marker segments before the scan, or PNG chunks.
    static func segments(_ data: [UInt8], png: Bool) -> [Range<Int>] {
        if png {
            return TestSupport.pngChunkOffsets(data).compactMap { start in
                let end = start + 12 + Int(TestSupport.readBE32(data, start))
                return end <= data.count ? start..<end : nil
            }
        }
        return TestSupport.jpegMarkerOffsets(data).compactMap { start in
            guard start + 3 < data.count else { return nil }
            let end = start + 2 + Int(data[start + 2]) << 8 + Int(data[start + 3])
            return end <= data.count ? start..<end : nil
        }
    }

    static func splice(_ data: inout [UInt8], donor: [UInt8], png: Bool, _ rng: inout SplitMix64) {
        let own = segments(data, png: png), theirs = segments(donor, png: png)
        guard !own.isEmpty else { return replaceBytes(&data, &rng) }
        let a = own.randomElement(using: &rng)!
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: data.removeSubrange(a)  // drop a segment
        case 1: data.insert(contentsOf: data[a], at: a.upperBound)  // duplicate it
        case 2:  // swap two segments
            let b = own.randomElement(using: &rng)!
            guard a != b else { return }
            let (first, second) = a.lowerBound < b.lowerBound ? (a, b) : (b, a)
            guard first.upperBound <= second.lowerBound else { return }
            let s1 = Array(data[first]), s2 = Array(data[second])
            data.replaceSubrange(second, with: s1)
            data.replaceSubrange(first, with: s2)
        case 3:  // insert a segment from another file
            guard let donorSegment = theirs.randomElement(using: &rng) else { return }
            data.insert(contentsOf: donor[donorSegment], at: a.lowerBound)
        default:  // copy a random block over another place
            let length = Int.random(in: 1...min(64, data.count), using: &rng)
            let from = Int.random(in: 0...(data.count - length), using: &rng)
            let to = Int.random(in: 0...(data.count - length), using: &rng)
            let block = Array(data[from..<(from + length)])
            data.replaceSubrange(to..<(to + length), with: block)
        }
    }

    static func corruptLength(_ data: inout [UInt8], png: Bool, _ rng: inout SplitMix64) {
        let own = segments(data, png: png)
        guard let s = own.randomElement(using: &rng) else { return flipBits(&data, &rng) }
        if png {
            let old = Int(TestSupport.readBE32(data, s.lowerBound))
            let choices: [UInt32] = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt32(old + 1), UInt32(max(0, old - 1)),
                                     UInt32(old * 2 + 13), UInt32.random(in: 0...0xFFFF, using: &rng)]
            TestSupport.writeBE32(&data, s.lowerBound, choices.randomElement(using: &rng)!)
        } else {
            let old = Int(data[s.lowerBound + 2]) << 8 + Int(data[s.lowerBound + 3])
            let choices = [0, 1, 2, 3, 0xFFFF, old + 1, max(0, old - 1), old + 64, Int.random(in: 0...0xFFFF, using: &rng)]
            let value = min(0xFFFF, choices.randomElement(using: &rng)!)
            data[s.lowerBound + 2] = UInt8(value >> 8)
            data[s.lowerBound + 3] = UInt8(value & 0xFF)
        }
    }

    /// Recomputes every PNG chunk CRC so a mutation reaches the code behind the CRC check.
    static func fixAllCRCs(_ data: inout [UInt8]) {
        for offset in TestSupport.pngChunkOffsets(data) { TestSupport.fixPNGChunkCRC(&data, chunkAt: offset) }
    }

    static func mutate(_ seed: [UInt8], donor: [UInt8], png: Bool, _ rng: inout SplitMix64) -> [UInt8] {
        var data = seed
        let rounds = Int.random(in: 1...3, using: &rng)
        for _ in 0..<rounds {
            guard !data.isEmpty else { break }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: flipBits(&data, &rng)
            case 1: replaceBytes(&data, &rng)
            case 2: splice(&data, donor: donor, png: png, &rng)
            default: corruptLength(&data, png: png, &rng)
            }
        }
        if png && Bool.random(using: &rng) { fixAllCRCs(&data) }
        return data
    }

    // MARK: Tests

    @Test func mutatedFilesGiveImagesOrTypedErrors() throws {
        let jpegs = try Self.jpegSeeds(), pngs = try Self.pngSeeds()
        var rng = SplitMix64(seed: 0x5EED_F00D)
        var tally: [String: Int] = [:]
        let started = Date()
        try withStderrCaptured { () throws in
            for i in 0..<20_000 {
                let png = i % 2 == 1
                let pool = png ? pngs : jpegs
                let seed = pool[Int.random(in: 0..<pool.count, using: &rng)]
                let donor = pool[Int.random(in: 0..<pool.count, using: &rng)]
                let data = Self.mutate(seed, donor: donor, png: png, &rng)
                // Every fourth case decodes leniently; every third at a DCT-scaled size.
                let outcome = Self.check(data, lenient: i % 4 == 0, label: "fuzz-\(i).\(png ? "png" : "jpg")",
                                         reduction: i % 3 == 2 ? [2, 4, 8][(i / 3) % 3] : 1)
                tally["\(png ? "png" : "jpeg") \(outcome)", default: 0] += 1
            }
        }
        // Both outcomes must occur for both formats, or the mutations are not biting.
        for key in ["jpeg decoded", "jpeg refused", "png decoded", "png refused"] {
            #expect((tally[key] ?? 0) > 50, "only \(tally[key] ?? 0) cases of \(key): \(tally)")
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 600, "fuzzing took \(elapsed) s")  // a hang guard, not a speed target
    }

    @Test func truncatedFilesGiveImagesOrTypedErrors() throws {
        let seeds = try Self.jpegSeeds() + Self.pngSeeds()
        var rng = SplitMix64(seed: 0x7255_C473)
        var wronglyAccepted: [String] = []
        try withStderrCaptured { () throws in
            for i in 0..<1_000 {
                let seed = seeds[i % seeds.count]
                let cut = Int.random(in: 0..<seed.count, using: &rng)
                let data = Array(seed.prefix(cut))
                let outcome = Self.check(data, lenient: false, label: "cut-\(i)")
                _ = Self.check(data, lenient: true, label: "cut-\(i)")
                // Strict decoding refuses every cut JPEG (the end of the scan or the EOI
                // marker is missing) and every PNG cut before its image data ends. A PNG cut
                // only inside its final 12-byte IEND chunk still has all its pixels and
                // decodes: libpng stops reading after the image data.
                let inIEND = ImageFileFormat.detect(seed) == .png && cut >= seed.count - 12
                if outcome == .decoded && !inIEND { wronglyAccepted.append("seed \(i % seeds.count) cut at \(cut)") }
            }
        }
        #expect(wronglyAccepted.isEmpty, "strict decoding accepted truncated files: \(wronglyAccepted.prefix(10))")
    }
}

/// Runs `body` with file descriptor 2 redirected to a temporary file, then restores it,
/// fails if libjpeg or libpng wrote anything, and passes on whatever else was written
/// (other tests running in parallel) to the real stderr.
func withStderrCaptured(_ body: () throws -> Void) throws {
    let path = NSTemporaryDirectory() + "waycue-stderr-\(UUID().uuidString)"
    let capture = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    try #require(capture >= 0)
    let saved = dup(2)
    fflush(nil)
    dup2(capture, 2)
    close(capture)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        try body()
    } catch {
        fflush(nil); dup2(saved, 2); close(saved)
        throw error
    }
    fflush(nil)
    dup2(saved, 2)
    close(saved)
    // Read only a non-empty capture: FoundationEssentials leaks its buffer when reading an
    // empty file (seen under LeakSanitizer), which would hide real leaks in a sanitizer run.
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let captured = size > 0 ? ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "") : ""
    if !captured.isEmpty { FileHandle.standardError.write(Data(captured.utf8)) }
    for marker in ["libpng", "Corrupt JPEG", "Premature end of JPEG", "JPEG datastream", "Bogus ", "Invalid JPEG"] {
        #expect(!captured.contains(marker), "a codec wrote to stderr: \(captured.prefix(300))")
    }
}
