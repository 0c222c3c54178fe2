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
        subcommands: [SynthImagesCommand.self, SynthWalkCommand.self, SynthSheetCommand.self, SynthCompositeCommand.self,
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

/// The .jpg, .jpeg and .png files of a folder, sorted by name, as paths.
func listSynthPhotos(_ dir: String) throws -> [String] {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            let l = $0.lowercased()
            return l.hasSuffix(".jpg") || l.hasSuffix(".jpeg") || l.hasSuffix(".png")
        }.sorted()
    } catch { throw SynthCommandError.io("\(dir): cannot list the folder: \(error.localizedDescription)") }
    guard !names.isEmpty else { throw SynthCommandError.io("\(dir): no .jpg, .jpeg or .png photos") }
    return names.map { "\(dir)/\($0)" }
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
            (per-pixel ground markings: 1 tactile_guide, 2 tactile_warning, 3 crosswalk) and \
            DIR/{train,valid}/truth/*.json (distance and bearing of obstacles and lights, light \
            states, paving offset and heading).

            --look realistic draws tile materials with lit relief, wear, clutter, brick and slab \
            surrounds, cycle lanes (never labelled), hard shadows, camera roll and JPEG quality \
            35-60; --materials unseen draws only held-out materials, patterns, tile photos and \
            seeds (see docs/training.md).

            Examples:
              waycue synth images --count 1000 --out synth-data --seed 1 --size 640x480
              waycue synth images --look realistic --materials train --count 2000 --out real-train \
                --tile-photos /work/shared/datasets/tactile-tiles/train
              waycue synth images --look realistic --materials unseen --count 300 --valid-fraction 1 \
                --out real-unseen --tile-photos /work/shared/datasets/tactile-tiles/train
            """
    )

    @Option(help: "Number of images.") var count: Int
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Seed of the whole set.") var seed: UInt64 = 1
    @Option(help: "Image size WxH.") var size: String = "640x480"
    @Option(help: "Fraction of images put in the valid split.") var validFraction: Double = 0.1
    @Option(help: "Image file format: jpg or png.") var format: String = "jpg"
    @Option(help: "Folder of ground-surface photos; about half of the images use one as the ground texture.")
    var groundPhotos: String?
    @Option(help: "Metres of ground one ground photo's width covers.") var groundPhotoWidth: Double = 1.2
    @Option(help: "Look: standard (default, byte-stable) or realistic.") var look: String = "standard"
    @Option(help: "With --look realistic: train or unseen (held-out materials, patterns, tile photos, seeds).")
    var materials: String = "train"
    @Option(help: "With --look realistic: folder of tactile-tile close-ups with YOLO labels (bars 0, dots 1); skipped if missing.")
    var tilePhotos: String?
    @Option(help: ArgumentHelp("With --look realistic --materials train: fraction of scenes whose paving, and separately whose surround, get a random colour kept away from every held-out colour.",
                               valueName: "fraction"))
    var randomColours: Double = 0
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard SynthLook(rawValue: look) != nil else { throw ValidationError("--look must be standard or realistic") }
        guard MaterialSplit(rawValue: materials) != nil else { throw ValidationError("--materials must be train or unseen") }
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard (0...1).contains(randomColours) else { throw ValidationError("--random-colours must be within 0...1") }
        guard randomColours == 0 || (look == "realistic" && materials == "train") else {
            throw ValidationError("--random-colours needs --look realistic --materials train (the held-out split keeps its own colours)")
        }
        guard (0...1).contains(validFraction) else { throw ValidationError("--valid-fraction must be within 0...1") }
        guard format == "jpg" || format == "png" else { throw ValidationError("--format must be jpg or png") }
        guard groundPhotoWidth > 0.05 && groundPhotoWidth < 100 else {
            throw ValidationError("--ground-photo-width must be within 0.05...100 metres")
        }
    }

    func run() async throws {
        try checkSynthTaxonomy()
        let (w, h) = try parseSynthSize(size)
        var photos: [GroundPhoto] = []
        if let dir = groundPhotos {
            for path in try listSynthPhotos(dir).prefix(64) {
                do {
                    var img = try Image.load(path: path, as: .rgb8)
                    if img.width > 512 { img = img.resized(width: 512, height: max(1, img.height * 512 / img.width)) }
                    photos.append(GroundPhoto(image: img, widthMetres: groundPhotoWidth))
                } catch { FileHandleStandardError.write("warning: skipping \(error)\n") }
            }
            guard !photos.isEmpty else { throw SynthCommandError.io("\(dir): no readable ground photos") }
        }
        let realistic = SynthLook(rawValue: look) == .realistic
        let materialSplit = MaterialSplit(rawValue: materials) ?? .train
        var tiles: TilePhotoSet?
        if realistic, let dir = tilePhotos {
            tiles = TilePhotoSet.load(directory: dir, split: materialSplit)
            if tiles == nil { FileHandleStandardError.write("warning: \(dir): no labelled tile photos; procedural materials only\n") }
        }
        var camera = CameraModel.chestDefault
        camera.imageWidth = w; camera.imageHeight = h
        for split in ["train", "valid"] { for kind in ["images", "labels", "masks", "truth"] {
            try makeSynthDirectory("\(out)/\(split)/\(kind)")
        } }
        // At least one valid image whenever there are two or more.
        let validEvery = validFraction > 0 ? max(1, count >= 2 ? min(count, Int((1 / validFraction).rounded())) : Int((1 / validFraction).rounded())) : Int.max
        var counts = [String: Int]()
        let truthEncoder = JSONEncoder()
        truthEncoder.outputFormatting = [.sortedKeys]
        var splitCounts = ["train": 0, "valid": 0]
        for i in 0..<count {
            let (frame, scene): (SynthFrame, SynthScene)
            if realistic {
                let imageSeed = SynthSceneGenerator.imageSeed(setSeed: seed, index: i, materials: materialSplit)
                (frame, scene) = SynthSceneGenerator.renderRealistic(seed: imageSeed, camera: camera, materials: materialSplit,
                                                                     tilePhotos: tiles, randomColours: randomColours)
            } else {
                let imageSeed = seed &* 1_000_003 &+ UInt64(i)
                (frame, scene) = SynthSceneGenerator.render(seed: imageSeed, camera: camera, groundPhotos: photos)
            }
            let split = (i % validEvery == validEvery - 1) ? "valid" : "train"
            splitCounts[split, default: 0] += 1
            let name = String(format: "synth_%06d", i)
            do {
                try frame.image.write(to: "\(out)/\(split)/images/\(name).\(format)", quality: 92)
                try frame.markingMask().write(to: "\(out)/\(split)/masks/\(name).png")
            } catch { throw SynthCommandError.io("\(error)") }
            try writeSynthText(frame.yoloText(), to: "\(out)/\(split)/labels/\(name).txt")
            let truth = SynthImageTruth(scene: scene, frame: frame)
            try writeSynthText(String(decoding: try truthEncoder.encode(truth), as: UTF8.self) + "\n",
                               to: "\(out)/\(split)/truth/\(name).json")
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
    @Flag(help: "Leave out sensor noise and JPEG artefacts (smaller PNG sheets for documentation).")
    var clean = false
    @Option(help: "Look: standard or realistic.") var look: String = "standard"
    @Option(help: "With --look realistic: train or unseen materials.") var materials: String = "train"
    @Option(help: "With --look realistic: folder of tactile-tile close-ups with YOLO labels.") var tilePhotos: String?
    @Flag(help: "Show each frame beside its ground mask (guide magenta, warning cyan, crosswalk white) instead of boxes.")
    var masks = false

    func validate() throws {
        guard SynthLook(rawValue: look) != nil else { throw ValidationError("--look must be standard or realistic") }
        guard MaterialSplit(rawValue: materials) != nil else { throw ValidationError("--materials must be train or unseen") }
    }

    func run() async throws {
        let (w, h) = try parseSynthSize(size)
        var camera = CameraModel.chestDefault
        camera.imageWidth = w; camera.imageHeight = h
        let realistic = SynthLook(rawValue: look) == .realistic
        let split = MaterialSplit(rawValue: materials) ?? .train
        let tiles = realistic ? tilePhotos.flatMap { TilePhotoSet.load(directory: $0, split: split) } : nil
        var cells: [(image: Image, caption: String)] = []
        for i in 0..<max(1, count) {
            let frame: SynthFrame
            let caption: String
            if realistic {
                let imageSeed = SynthSceneGenerator.imageSeed(setSeed: seed, index: i, materials: split)
                let (f, scene) = SynthSceneGenerator.renderRealistic(seed: imageSeed, camera: camera, materials: split,
                                                                     tilePhotos: tiles)
                frame = f
                let m = scene.ground.strips.first?.material?.name ?? scene.ground.patches.first?.material?.name ?? "-"
                caption = "#\(i) \(m) \(scene.ground.realistic?.surround?.rawValue ?? "")"
            } else {
                let imageSeed = seed &* 1_000_003 &+ UInt64(i)
                var scene = SynthSceneGenerator.scene(seed: imageSeed, camera: camera)
                if clean { scene.effects.noise = 0; scene.effects.jpegQuality = 0 }
                frame = SynthRenderer(scene: scene).render(pose: WalkerPose(), shake: SynthSceneGenerator.shake(seed: imageSeed),
                                                           frameSeed: imageSeed)
                caption = "#\(i) " + Set(frame.labels.map(\.objectClass.rawValue)).sorted().joined(separator: " ")
            }
            if masks {
                cells.append((frame.image, caption))
                cells.append((Self.maskOverlay(frame), "mask"))
            } else {
                cells.append((SynthAnnotation.annotated(frame), caption))
            }
        }
        let cols = max(1, columns) * (masks ? 2 : 1)
        let sheet = ContactSheet(columns: cols, cellWidth: w, cellHeight: h, spacing: 3).render(cells)
        do { try sheet.write(to: out, quality: 85) } catch { throw SynthCommandError.io("\(error)") }
        print("wrote \(out) (\(sheet.width)x\(sheet.height))")
    }

    /// The frame with ground-marking mask pixels blended half-way to a vivid class colour.
    static func maskOverlay(_ frame: SynthFrame) -> Image {
        let mask = frame.markingMask()
        var img = frame.image
        let colours: [(Int, Int, Int)] = [(0, 0, 0), (255, 0, 220), (0, 220, 255), (255, 255, 255)]
        for i in 0..<mask.pixels.count {
            let k = Int(mask.pixels[i])
            guard k > 0, k < colours.count else { continue }
            let c = colours[k], o = i * 3
            img.pixels[o] = UInt8((Int(img.pixels[o]) + c.0) / 2)
            img.pixels[o + 1] = UInt8((Int(img.pixels[o + 1]) + c.1) / 2)
            img.pixels[o + 2] = UInt8((Int(img.pixels[o + 2]) + c.2) / 2)
        }
        return img
    }
}

/// `waycue synth walk`.
struct SynthWalkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walk",
        abstract: "Render a scripted walk (.walk file) to frames with its ground-truth timeline.",
        discussion: """
            Writes DIR/frames/frame_NNNNNN.png (or .jpg), DIR/labels/frame_NNNNNN.txt (YOLO), \
            DIR/masks/frame_NNNNNN.png (1 tactile_guide, 2 tactile_warning, 3 crosswalk), \
            DIR/truth.jsonl (one JSON object per frame: t, walker pose, paving offset/heading, \
            obstacles and lights with distance/bearing/state, labels, events) and DIR/events.jsonl. \
            The walk format is documented in datasets/walks/README.md. Exit code 2 for a bad walk file.

            Examples:
              waycue synth walk datasets/walks/demo.walk --out /tmp/demo --fps 10
              waycue synth walk datasets/walks/demo.walk --out /tmp/demo --y4m --mjpeg --no-frames
            """
    )

    @Argument(help: "The .walk file.") var file: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Frames per second.") var fps: Double = 10
    @Option(help: "Frame size WxH.") var size: String = "320x240"
    @Option(help: "Frame file format: png or jpg.") var format: String = "png"
    @Flag(help: "Also write DIR/walk.mjpeg (concatenated JPEG frames).") var mjpeg = false
    @Flag(help: "Also write DIR/walk.y4m (raw YUV 4:2:0 video).") var y4m = false
    @Flag(help: "Do not write individual frame files.") var noFrames = false
    @Option(help: "Also write a contact sheet of annotated frames at these times (seconds, comma-separated) to this PNG.")
    var sheet: String?
    @Option(help: "Times of the sheet's frames, e.g. 0,9.5,18,25.") var sheetTimes: String = "0,5,10,15,20,25,30,35"
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard fps > 0 && fps <= 120 else { throw ValidationError("--fps must be within (0, 120]") }
        guard format == "png" || format == "jpg" else { throw ValidationError("--format must be png or jpg") }
    }

    func run() async throws {
        let (w, h) = try parseSynthSize(size)
        let script: WalkScript
        do { script = try WalkScript(contentsOfFile: file) } catch {
            FileHandleStandardError.write("error: \(error)\n")
            throw ExitCode(2)
        }
        let world = WalkWorld(script: script, imageWidth: w, imageHeight: h)
        try makeSynthDirectory(out)
        if !noFrames {
            try makeSynthDirectory("\(out)/frames")
            try makeSynthDirectory("\(out)/labels")
            try makeSynthDirectory("\(out)/masks")
        }
        let n = world.frameCount(fps: fps)
        var truthLines = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var y4mWriter: Y4MWriter?
        var mjpegData = Data()
        do {
            if y4m { y4mWriter = try Y4MWriter(path: "\(out)/walk.y4m", width: w, height: h, fps: fps) }
            for i in 0..<n {
                let (frame, truth) = world.frame(index: i, fps: fps)
                truthLines += String(decoding: try encoder.encode(truth), as: UTF8.self) + "\n"
                let name = String(format: "frame_%06d", i)
                if !noFrames {
                    try frame.image.write(to: "\(out)/frames/\(name).\(format)", quality: 90)
                    try writeSynthText(frame.yoloText(), to: "\(out)/labels/\(name).txt")
                    try frame.markingMask().write(to: "\(out)/masks/\(name).png")
                }
                if mjpeg { mjpegData.append(contentsOf: try frame.image.jpegData(quality: 85)) }
                try y4mWriter?.append(frame.image)
            }
        } catch let e as ImageError { throw SynthCommandError.io("\(e)") }
        y4mWriter?.close()
        if let sheet {
            var tiles: [(image: Image, caption: String)] = []
            for part in sheetTimes.split(separator: ",") {
                guard let t = Double(part.trimmingCharacters(in: .whitespaces)), t >= 0 else {
                    throw ValidationError("--sheet-times: '\(part)' is not a time in seconds")
                }
                let i = min(n - 1, Int((t * fps).rounded()))
                let (frame, truth) = world.frame(index: i, fps: fps)
                var caption = String(format: "t=%.1fs %@", truth.t, truth.walker.state)
                if let ped = truth.lights.first(where: { $0.kind == "pedestrian" }) { caption += " ped:\(ped.lit)" }
                if let o = truth.obstacles.filter(\.visible).min(by: { $0.distance < $1.distance }) {
                    caption += String(format: " %@ %.1fm", o.name, o.distance)
                }
                tiles.append((SynthAnnotation.annotated(frame), caption))
            }
            let img = ContactSheet(columns: min(3, max(1, tiles.count)), cellWidth: w, cellHeight: h, spacing: 3).render(tiles)
            do { try img.write(to: sheet, quality: 85) } catch { throw SynthCommandError.io("\(error)") }
        }
        if mjpeg {
            do { try mjpegData.write(to: URL(fileURLWithPath: "\(out)/walk.mjpeg")) }
            catch { throw SynthCommandError.io("\(out)/walk.mjpeg: \(error.localizedDescription)") }
        }
        try writeSynthText(truthLines, to: "\(out)/truth.jsonl")
        let events = try world.events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        try writeSynthText(events + "\n", to: "\(out)/events.jsonl")
        if json {
            let obj: [String: Any] = ["out": out, "frames": n, "fps": fps, "duration": world.duration,
                                      "events": world.events.count, "name": script.name]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("rendered '\(script.name)': \(n) frames at \(fps) fps (\(String(format: "%.1f", world.duration)) s) to \(out)")
            for e in world.events where e.type != "piece" {
                print(String(format: "  %6.2fs  ", e.t) + e.type + (e.name.map { " " + $0 } ?? "") + (e.detail.map { " " + $0 } ?? ""))
            }
        }
    }
}

/// Writes to standard error (command-line layer only).
enum FileHandleStandardError {
    static func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// `waycue synth composite`.
struct SynthCompositeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "composite",
        abstract: "Paste rendered cones, bollards and signal heads into real photos, with labels.",
        discussion: """
            Reads every .jpg/.jpeg/.png in --photos (sorted by name), and writes a YOLO dataset \
            folder like 'synth images': each output image is one photo (resized to --size) with \
            1 to 3 objects placed on the assumed ground plane, exposure matched to the photo. \
            Only the pasted objects are labelled.

            Example:
              waycue synth composite --photos ~/street-photos --count 200 --out composite-data
            """
    )

    @Option(help: "Folder of photographs.") var photos: String
    @Option(help: "Number of images.") var count: Int
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Image size WxH.") var size: String = "640x480"
    @Option(help: "Fraction of images put in the valid split.") var validFraction: Double = 0.1
    @Option(help: "Image file format: jpg or png.") var format: String = "jpg"

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
        let names = try listSynthPhotos(photos).map { ($0 as NSString).lastPathComponent }
        for split in ["train", "valid"] { for kind in ["images", "labels"] { try makeSynthDirectory("\(out)/\(split)/\(kind)") } }
        // At least one valid image whenever there are two or more.
        let validEvery = validFraction > 0 ? max(1, count >= 2 ? min(count, Int((1 / validFraction).rounded())) : Int((1 / validFraction).rounded())) : Int.max
        var written = 0
        for i in 0..<count {
            let photoPath = "\(photos)/\(names[i % names.count])"
            let photo: Image
            do { photo = try Image.load(path: photoPath) } catch {
                FileHandleStandardError.write("warning: skipping \(error)\n")
                continue
            }
            let frame = SynthCompositor.composite(photo: photo, seed: seed &* 1_000_003 &+ UInt64(i), camera: camera)
            let split = (i % validEvery == validEvery - 1) ? "valid" : "train"
            let name = String(format: "composite_%06d", i)
            do { try frame.image.write(to: "\(out)/\(split)/images/\(name).\(format)", quality: 92) }
            catch { throw SynthCommandError.io("\(error)") }
            try writeSynthText(frame.yoloText(), to: "\(out)/\(split)/labels/\(name).txt")
            written += 1
        }
        let classNames = SynthClass.canonicalNames.map { "'\($0)'" }.joined(separator: ", ")
        try writeSynthText("""
            # Real photos from \(photos) with pasted synthetic objects (waycue synth composite --seed \(seed)).
            path: .
            train: train/images
            val: valid/images
            nc: \(SynthClass.allCases.count)
            names: [\(classNames)]

            """, to: "\(out)/data.yaml")
        print("wrote \(written) composited images to \(out)")
    }
}
