import ArgumentParser
import Foundation
import WayCueDetector
import WayCueImage

/// `waycue detect`: runs the detector on image files.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect tactile paving, crossings, lights and obstacles in images.",
        discussion: """
            With --json, prints one line per image: a JSON list of \
            {"class": "ped_green", "score": 0.93, "box": [x1, y1, x2, y2]} in the image's pixels. \
            Without --model the bundled default model is used (exit 1 when a build lacks it).

            Exit status: 0 on success, 1 when no model is available, 2 on bad input.

            Examples:
              waycue detect photo.jpg --json --model default.wcm
              waycue detect a.jpg b.jpg --model m.wcm --annotate out.png --score 0.3
              waycue detect street.jpg --signal-pass --json   # add the signal pass
              waycue detect walk/*.jpg --mask-out masks/ --annotate out.png   # paving masks
              waycue detect street/*.jpg --sheet street-sheet.jpg             # one page to eyeball

            With --mask-out DIR and a model with a mask head (the bundled model has one), one \
            grey PNG per image is written to DIR/NAME.png at the image's own size: 0 background, \
            1 tactile_guide, 2 tactile_warning, 3 crosswalk (the mask head's classes keep these \
            values whatever their order). --annotate then also draws the mask translucent. \
            --mask-out with a model without a mask head is an error (exit 2).

            The signal pass (default: the model's own setting; off for the bundled model, whose \
            card shows it does not help yet) looks again at the top 60% of the image in model-input tiles at native \
            resolution (at most 6) and keeps signal classes from them: 5-20 px traffic lights \
            that the letterboxed full frame shrinks below what the model can see.
            """
    )

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    @Option(name: .long, help: ".wcm model (default: the bundled model).")
    var model: String?

    @Flag(name: .long, help: "Print JSON lines (one list per image).")
    var json = false

    @Option(name: .long, help: "Write the (last) image with its boxes drawn to this PNG; with several images, IMAGE-NAME is appended.")
    var annotate: String?

    @Option(name: .long, help: "Score threshold.")
    var score: Float = 0.35

    @Option(name: .long, help: "NMS IoU threshold.")
    var iou: Float = 0.6

    @Option(name: .long, help: "Threads.")
    var threads: Int = 2

    @Option(name: .customLong("mask-out"), help: "Folder for one mask PNG per image (0 background, 1 tactile_guide, 2 tactile_warning, 3 crosswalk).")
    var maskOut: String?

    @Option(name: .long, help: "Write a contact sheet of every image with its boxes (and mask) drawn to this file (JPEG or PNG).")
    var sheet: String?

    @Option(name: .customLong("sheet-columns"), help: "Columns of the --sheet grid.")
    var sheetColumns: Int = 4

    @OptionGroup var signal: SignalPassFlags

    func run() async throws {
        let detector: Detector
        do {
            detector = try model.map { try Detector(modelPath: $0, threads: threads) } ?? Detector.default(threads: threads)
        } catch DetectorError.noDefaultModel {
            FileHandle.standardError.write(Data("error: \(DetectorError.noDefaultModel)\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        detector.scoreThreshold = score
        detector.nms.iouThreshold = iou
        try signal.apply(to: detector, threads: threads)
        if let maskOut {
            guard let spec = detector.maskHead else {
                FileHandle.standardError.write(Data("error: --mask-out: this model has no mask head (train one with `waycue train-mask`)\n".utf8))
                throw ExitCode(2)
            }
            guard spec.classNames.allSatisfy({ MaskPalette.value(of: $0) != nil }) else {
                FileHandle.standardError.write(Data("error: --mask-out: the mask head's classes \(spec.classNames) are not all in tactile_guide, tactile_warning, crosswalk\n".utf8))
                throw ExitCode(2)
            }
            try FileManager.default.createDirectory(atPath: maskOut, withIntermediateDirectories: true)
        }
        var failed = false
        var tiles: [(image: Image, caption: String)] = []
        for path in images {
            let image: Image
            do { image = try Image(contentsOfFile: path, as: .rgb8) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                if json { print("[]") }
                failed = true
                continue
            }
            let (dets, mask) = try detector.analyze(image)
            if let maskOut, let mask {
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                try MaskPalette.outputImage(mask).write(to: maskOut + "/" + name + ".png")
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(dets), as: UTF8.self))
            } else {
                print("\(path): \(dets.count) objects")
                for d in dets {
                    print(String(format: "  %@ %.2f [%.0f, %.0f, %.0f, %.0f]", d.objectClass.rawValue, d.score, d.box.x1, d.box.y1, d.box.x2, d.box.y2))
                }
            }
            if annotate != nil || sheet != nil {
                var img = image
                if let mask { MaskPalette.tint(&img, with: mask) }
                for d in dets {
                    img.drawLabeledBox(d.box, label: "\(d.objectClass.rawValue) \(String(format: "%.2f", d.score))", color: .orange,
                                       thickness: max(2, img.width / 200), textScale: max(1, img.width / 400))
                }
                if sheet != nil {
                    let scale = min(1, 480 / Double(max(img.width, img.height)))
                    let small = scale < 1 ? img.resized(width: max(1, Int(Double(img.width) * scale)), height: max(1, Int(Double(img.height) * scale))) : img
                    tiles.append((small, "\((path as NSString).lastPathComponent): \(dets.count) objects"))
                }
                guard let annotate else { continue }
                let outPath = images.count == 1 ? annotate
                    : ((annotate as NSString).deletingPathExtension + "-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".png")
                try img.write(to: outPath)
            }
        }
        if let sheet, !tiles.isEmpty {
            try ContactSheet(columns: max(1, sheetColumns), cellWidth: 320, cellHeight: 240).render(tiles).write(to: sheet)
        }
        if failed { throw ExitCode(2) }
    }
}

/// The fixed label values and tint colours of mask classes in WayCue's mask files.
enum MaskPalette {
    static let classes: [(name: String, value: UInt8, color: PixelColor)] = [
        ("tactile_guide", 1, PixelColor(red: 255, green: 200, blue: 0)),
        ("tactile_warning", 2, PixelColor(red: 255, green: 40, blue: 40)),
        ("crosswalk", 3, PixelColor(red: 40, green: 160, blue: 255)),
    ]

    static func value(of name: String) -> UInt8? { classes.first { $0.name == name }?.value }

    /// The mask at the image's size with the file's fixed label values.
    static func outputImage(_ mask: SegmentationMask) -> Image {
        let values = mask.classNames.map { value(of: $0) ?? 0 }
        var img = mask.labelImage()
        for i in img.pixels.indices where img.pixels[i] > 0 { img.pixels[i] = values[Int(img.pixels[i]) - 1] }
        return img
    }

    /// Blends each mask class's colour over the image at 45%.
    static func tint(_ image: inout Image, with mask: SegmentationMask) {
        guard image.format == .rgb8 else { return }
        let labels = mask.labelMap(width: image.width, height: image.height)
        let colors = mask.classNames.map { n in classes.first { $0.name == n }?.color ?? PixelColor(red: 255, green: 0, blue: 255) }
        for y in 0..<image.height {
            for x in 0..<image.width {
                let l = Int(labels[y * image.width + x])
                guard l > 0 else { continue }
                let c = colors[l - 1], o = y * image.stride + x * 3
                image.pixels[o] = UInt8((Int(image.pixels[o]) * 55 + Int(c.red) * 45) / 100)
                image.pixels[o + 1] = UInt8((Int(image.pixels[o + 1]) * 55 + Int(c.green) * 45) / 100)
                image.pixels[o + 2] = UInt8((Int(image.pixels[o + 2]) * 55 + Int(c.blue) * 45) / 100)
            }
        }
    }
}
