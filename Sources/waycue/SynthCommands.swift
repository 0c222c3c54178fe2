import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage
import WayCueSynth

/// `waycue synth`: synthetic labelled street images and scripted walks.
struct SynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render synthetic street scenes with exact labels, and scripted walks.",
        discussion: """
            Everything is deterministic: the same seed (or walk file) gives the same bytes.

            Examples:
              waycue synth images --count 500 --out synth-data --seed 7 --size 640x480
              waycue synth walk datasets/walks/demo.walk --out demo-frames --fps 10 --size 320x240
              waycue synth sheet --count 12 --out sheet.png --size 320x240
            """,
        subcommands: [SynthImagesCommand.self, SynthSheetCommand.self, //TMP
                      ]
    )
}

/// Errors of the synth commands, each naming what was wrong.
enum SynthCommandError: Error, CustomStringConvertible {
    case badSize(String)
    case io(String)
    case taxonomyMismatch

    var description: String {
        switch self {
        case .badSize(let s): return "--size: expected WIDTHxHEIGHT like 320x240 (each 16...4096), got '\(s)'"
        case .io(let s): return s
        case .taxonomyMismatch: return "internal: WayCueSynth classes differ from ObjectClass.canonical"
        }
    }
}

/// Parses `WxH`.
func parseSynthSize(_ s: String) throws -> (Int, Int) {
    let parts = s.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...4096).contains(w),
          (16...4096).contains(h) else { throw SynthCommandError.badSize(s) }
    return (w, h)
}

/// Creates a directory and its parents.
func makeSynthDirectory(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    catch { throw SynthCommandError.io("\(path): cannot create directory: \(error.localizedDescription)") }
}

/// Writes text to a file.
func writeSynthText(_ text: String, to path: String) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) }
    catch { throw SynthCommandError.io("\(path): cannot write: \(error.localizedDescription)") }
}

/// The synthetic classes must be the canonical taxonomy, name for name.
func checkSynthTaxonomy() throws {
    guard SynthClass.canonicalNames == ObjectClass.canonical.map(\.rawValue) else {
        throw SynthCommandError.taxonomyMismatch
    }
}

/// `waycue synth images`.
struct SynthImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Render N random labelled street images as a YOLO dataset folder.",
        discussion: """
            Writes DIR/data.yaml, DIR/{train,valid}/images/*.jpg, DIR/{train,valid}/labels/*.txt \
            (YOLO: class cx cy w h, canonical WayCue class ids) and DIR/{train,valid}/masks/*.png \
            (per-pixel ground markings: 1 tactile_guide, 2 tactile_warning, 3 crosswalk).

            Example:
              waycue synth images --count 1000 --out synth-data --seed 1 --size 640x480
            """
    )

    @Option(help: "Number of images.") var count: Int
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Seed of the whole set.") var seed: UInt64 = 1
    @Option(help: "Image size WxH.") var size: String = "640x480"
    @Option(help: "Fraction of images put in the valid split.") var validFraction: Double = 0.1
    @Option(help: "Image file format: jpg or png.") var format: String = "jpg"
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard (0...1).contains(validFraction) else { throw ValidationError("--valid-fraction must be within 0...1") }
        guard format == "jpg" || format == "png" else { throw ValidationError("--format must be jpg or png") }
    }

    func run() async throws {
        try checkSynthTaxonomy()
        let (w, h) = try parseSynthSize(size)
        var camera = CameraModel.chestDefault
        camera.imageWidth = w; camera.imageHeight = h
        for split in ["train", "valid"] { for kind in ["images", "labels", "masks"] {
            try makeSynthDirectory("\(out)/\(split)/\(kind)")
        } }
        let validEvery = validFraction > 0 ? max(1, Int((1 / validFraction).rounded())) : Int.max
        var counts = [String: Int]()
        var splitCounts = ["train": 0, "valid": 0]
        for i in 0..<count {
            let imageSeed = seed &* 1_000_003 &+ UInt64(i)
            let (frame, _) = SynthSceneGenerator.render(seed: imageSeed, camera: camera)
            let split = (i % validEvery == validEvery - 1) ? "valid" : "train"
            splitCounts[split, default: 0] += 1
            let name = String(format: "synth_%06d", i)
            do {
                try frame.image.write(to: "\(out)/\(split)/images/\(name).\(format)", quality: 92)
                try frame.markingMask().write(to: "\(out)/\(split)/masks/\(name).png")
            } catch { throw SynthCommandError.io("\(error)") }
            try writeSynthText(frame.yoloText(), to: "\(out)/\(split)/labels/\(name).txt")
            for l in frame.labels { counts[l.objectClass.rawValue, default: 0] += 1 }
        }
        let names = SynthClass.canonicalNames.map { "'\($0)'" }.joined(separator: ", ")
        try writeSynthText("""
            # Synthetic WayCue street scenes (waycue synth images --seed \(seed) --size \(size)).
            path: .
            train: train/images
            val: valid/images
            nc: \(SynthClass.allCases.count)
            names: [\(names)]

            """, to: "\(out)/data.yaml")
        if json {
            let obj: [String: Any] = ["out": out, "images": count, "train": splitCounts["train"] ?? 0,
                                      "valid": splitCounts["valid"] ?? 0, "labels": counts]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("wrote \(count) images to \(out) (train \(splitCounts["train"] ?? 0), valid \(splitCounts["valid"] ?? 0))")
            for (k, v) in counts.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
        }
    }
}

/// `waycue synth sheet`: a contact sheet of random labelled images.
struct SynthSheetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "Render a contact sheet of random images with their labels drawn.",
        discussion: """
            Example:
              waycue synth sheet --count 12 --columns 4 --out datasets/docs/synth-sheet.png --size 320x240
            """
    )

    @Option(help: "Number of images.") var count: Int = 12
    @Option(help: "Images per row.") var columns: Int = 4
    @Option(help: "Output PNG or JPEG file.") var out: String
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Image size WxH.") var size: String = "320x240"

    func run() async throws {
        let (w, h) = try parseSynthSize(size)
        var camera = CameraModel.chestDefault
        camera.imageWidth = w; camera.imageHeight = h
        var images: [Image] = []
        for i in 0..<max(1, count) {
            let (frame, _) = SynthSceneGenerator.render(seed: seed &* 1_000_003 &+ UInt64(i), camera: camera)
            images.append(SynthAnnotation.annotated(frame))
        }
        guard let sheet = SynthAnnotation.contactSheet(images, columns: max(1, columns)) else { return }
        do { try sheet.write(to: out, quality: 85) } catch { throw SynthCommandError.io("\(error)") }
        print("wrote \(out) (\(sheet.width)x\(sheet.height))")
    }
}
